package email

import "testing"

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"entities", "<p>a &lt;b&gt; &amp; &quot;c&quot; &#x263A;</p>", `a <b> & "c" ☺`},
		{"white space collapsed", "<p>one\n   two\t three</p>", "one two three"},
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"divs and breaks", "<div>one</div><div>two<br>three</div>", "one\ntwo\nthree"},
		{"list", "<ul><li> first </li><li>second</li></ul>", "- first\n- second"},
		{"empty list item", "<ul><li></li><li>x</li></ul>", "- \n- x"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"pre kept", "<pre>  a\n    b</pre>", "a\n    b"},
		{"script and style dropped", "<style>p{}</style><script>alert(1)</script>x<script/>y</script>", "x"},
		{"title dropped", "<head><title>T</title></head><body>b</body>", "b"},
		{"link target", `<a href="https://e.example/x">here</a>`, "here <https://e.example/x>"},
		{"link that says its target", `<a href="https://e.example/">https://e.example/</a>`, "https://e.example/"},
		{"mailto link", `<a href="mailto:a@example.org">a@example.org</a>`, "a@example.org"},
		{"anchor link", `<a href="#top">top</a>`, "top"},
		{"unclosed tags", "<p>one<p>two<div>three", "one\n\ntwo\nthree"},
		{"no tags", "just text", "just text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlText(tt.html); got != tt.want {
				t.Errorf("htmlText(%q) = %q, want %q", tt.html, got, tt.want)
			}
		})
	}
}
