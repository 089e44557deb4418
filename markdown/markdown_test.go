package markdown

import (
	"regexp"
	"strings"
	"testing"
)

// xss are script injections of the kinds reporters paste, on purpose or as
// their proof of concept.
var xss = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<svg onload=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`[click](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	`[click](&#x6A;avascript:alert(1))`,
	`![x](javascript:alert(1))`,
	`<iframe src="https://evil.example"></iframe>`,
	`<style>body{display:none}</style>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<details open ontoggle=alert(1)>`,
	"```html\n<script>alert(1)</script>\n```",
	`<form action="https://evil.example"><input name=a></form>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<object data="data:text/html,<script>alert(1)</script>">`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`<<script>script>alert(1)<</script>/script>`,
}

// unsafe finds what must never reach a page: an element that runs or
// embeds, a handler attribute, a style, or a script URL, inside a tag:
// text is escaped, so every < left is a tag's.
var unsafe = regexp.MustCompile(`(?i)<\s*(script|iframe|object|embed|style|form|input|meta|svg|base)\b|<[^>]*\s(on[a-z]+|style)\s*=|<[^>]*\s(href|src)\s*=\s*"?\s*(javascript|data|vbscript):`)

func TestRenderRemovesScript(t *testing.T) {
	for _, in := range xss {
		out := string(Render(in + "\n\nand **text** after"))
		if unsafe.MatchString(out) {
			t.Errorf("Render(%q) = %q", in, out)
		}
		if !strings.Contains(out, "<strong>text</strong>") {
			t.Errorf("Render(%q) lost the text after it: %q", in, out)
		}
	}
}

func TestRenderKeepsFormatting(t *testing.T) {
	for in, want := range map[string]string{
		"**bold** and `code`":             "<strong>bold</strong> and <code>code</code>",
		"[docs](https://k8s.io/x)":        `<a href="https://k8s.io/x" rel="nofollow noopener" target="_blank">docs</a>`,
		"| a | b |\n|---|---|\n| 1 | 2 |": "<td>1</td>",
		"~~old~~":                         "<del>old</del>",
		"1 < 2 & 3 > 2":                   "1 &lt; 2 &amp; 3 &gt; 2",
	} {
		if got := string(Render(in)); !strings.Contains(got, want) {
			t.Errorf("Render(%q) = %q, want it to hold %q", in, got, want)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, in := range xss {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if out := string(Render(in)); unsafe.MatchString(out) {
			t.Errorf("Render(%q) = %q", in, out)
		}
	})
}

// Raw HTML is part of what the reporter sent: it shows as text, and the
// lines after it are not swallowed.
func TestRenderShowsRawHTMLAsText(t *testing.T) {
	for in, want := range map[string]string{
		"<img src=x onerror=alert(1)>\nnext line": "<pre><code>&lt;img src=x onerror=alert(1)&gt;\nnext line</code></pre>",
		"inline <b onclick=x()>bold</b> here":     "inline &lt;b onclick=x()&gt;bold&lt;/b&gt; here",
		"<script>\nalert(1)\n</script>":           "<pre><code>&lt;script&gt;\nalert(1)\n&lt;/script&gt;</code></pre>",
	} {
		if got := string(Render(in)); !strings.Contains(got, want) {
			t.Errorf("Render(%q) = %q, want it to hold %q", in, got, want)
		}
	}
}

// BenchmarkRender renders a comment as people write them on a report: a
// sentence with emphasis, code and a link.
func BenchmarkRender(b *testing.B) {
	const comment = "Checked **step 12**: see `pkg/admission` and [the issue](https://example.org/i/1).\n\n- first\n- second"
	for b.Loop() {
		Render(comment)
	}
}
