package email

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText is the text a reader of an HTML body would see: tags stripped,
// block elements on their own lines, entities decoded, nothing of scripts,
// styles or the title, and each link's target after its text so that a URL
// in a report is not lost behind "click here".
func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var w textWriter
	skipText := false // the next text token is the content of a script, style…
	pre := 0          // depth of <pre>
	var href string   // target of the open link
	linkStart := 0    // where its text starts in w
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(w.b.String())
		case html.TextToken:
			if skipText {
				skipText = false
				continue
			}
			w.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			skipText = false
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Title, atom.Noscript, atom.Iframe, atom.Noembed, atom.Noframes:
				// The tokenizer returns the whole content of these as the
				// next text token, even for <script/>.
				skipText = true
			case atom.Br:
				w.newline()
			case atom.Li:
				w.listItem()
			case atom.Td, atom.Th:
				w.space = true
			case atom.Pre:
				w.block(1)
				if tt == html.StartTagToken {
					pre++
				}
			case atom.A:
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = strings.TrimSpace(string(v))
					}
				}
				linkStart = w.b.Len()
			default:
				if n := blockBreaks(a); n > 0 {
					w.block(n)
				}
			}
		case html.EndTagToken:
			skipText = false
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Pre:
				if pre > 0 {
					pre--
				}
				w.block(1)
			case atom.A:
				w.link(href, linkStart)
				href = ""
			default:
				if n := blockBreaks(a); n > 0 {
					w.block(n)
				}
			}
		}
	}
}

// blockBreaks is the number of line breaks around a block element: two (a
// blank line) around paragraphs and the like, one around other blocks.
func blockBreaks(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Blockquote, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Hr:
		return 2
	case atom.Div, atom.Tr, atom.Dt, atom.Dd, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Nav, atom.Aside, atom.Main, atom.Address,
		atom.Figure, atom.Figcaption, atom.Form, atom.Fieldset, atom.Caption,
		atom.Center, atom.Details, atom.Summary, atom.Body:
		return 1
	}
	return 0
}

// textWriter collapses white space as a browser does and keeps at most one
// blank line between blocks.
type textWriter struct {
	b        strings.Builder
	newlines int  // line breaks at the end of b
	space    bool // white space is pending
	bullet   bool // b ends in a list item's bullet
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		for _, r := range s {
			w.rune(r)
		}
		return
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			w.space = true
			continue
		}
		if w.space && w.b.Len() > 0 && w.newlines == 0 && !w.bullet {
			w.b.WriteByte(' ')
		}
		w.space = false
		w.rune(r)
	}
}

func (w *textWriter) rune(r rune) {
	w.bullet = false
	w.b.WriteRune(r)
	if r == '\n' {
		w.newlines++
	} else {
		w.newlines = 0
	}
}

func (w *textWriter) newline() {
	w.space = false
	w.rune('\n')
}

// listItem starts a list item with a bullet, after which the item's leading
// white space is not written.
func (w *textWriter) listItem() {
	w.block(1)
	w.b.WriteString("- ")
	w.newlines = 0
	w.space = false
	w.bullet = true
}

// block ends the current line and adds blank lines up to n line breaks.
func (w *textWriter) block(n int) {
	w.space = false
	if w.b.Len() == 0 {
		return
	}
	for w.newlines < n {
		w.rune('\n')
	}
}

// link writes " <href>" after a link's text when the text does not already
// say where the link goes.
func (w *textWriter) link(href string, start int) {
	if href == "" || strings.HasPrefix(href, "#") {
		return
	}
	text := strings.TrimSpace(w.b.String()[start:])
	if text == href || "mailto:"+text == href {
		return
	}
	if w.b.Len() > 0 && w.newlines == 0 {
		w.b.WriteByte(' ')
	}
	w.b.WriteString("<" + href + ">")
	w.newlines = 0
	w.space = false
}
