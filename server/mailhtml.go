package server

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// mailPolicy is what an email's HTML part may keep on the thread page:
// bluemonday's policy for user content (no script, style, handler
// attribute, form, frame or javascript: URL), with links only to full
// http, https and mailto addresses (a relative link in mail would point
// into ward), each opening in a new tab with rel="nofollow noopener
// noreferrer", so that the page it opens can neither reach back into the
// desk nor learn where it was linked from.
var mailPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// mailHTML returns an email's HTML part as markup safe to put in a desk
// page: sanitised by mailPolicy, then without images and without id
// attributes. A remote image in mail (a tracking pixel) tells its sender
// that, when and from where the message was read, and bluemonday cannot
// take images out of the policy it starts from; an id could stand in for
// one of the page's own elements (DOM clobbering). Both are removed from
// bluemonday's output, which is safe already: taking tags and attributes
// out of it cannot make markup.
func mailHTML(s string) template.HTML {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(mailPolicy.Sanitize(s)))
	var b strings.Builder
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				// Only the reader can fail, and a strings.Reader does not;
				// show nothing rather than part of a message.
				return ""
			}
			return template.HTML(b.String())
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			if tok.Data == "img" {
				continue
			}
			kept := tok.Attr[:0]
			for _, a := range tok.Attr {
				if a.Key != "id" {
					kept = append(kept, a)
				}
			}
			tok.Attr = kept
		}
		// String escapes text and attribute values again.
		b.WriteString(tok.String())
	}
}

// humanSize shows a byte count as people read it: 512 B, 12 KiB, 3.4 MiB.
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	if v < 10 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + " " + unit
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}
