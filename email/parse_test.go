package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var (
	alice    = Address{Name: "Alice Example", Addr: "alice@example.org"}
	security = []Address{{Addr: "security@ward.example"}}
	jan2     = time.Date(2024, 1, 2, 15, 4, 5, 0, time.FixedZone("", 3600))
)

// fromAlice is the header most testdata files share.
func fromAlice(id, subject string) Message {
	return Message{MessageID: id, Subject: subject, From: alice, To: security, Date: jan2}
}

func with(m Message, f func(*Message)) Message {
	f(&m)
	return m
}

func TestParse(t *testing.T) {
	tests := []struct {
		file string
		want Message
	}{
		{"plain.eml", with(fromAlice("plain-1@example.org", "XSS in the login form"), func(m *Message) {
			m.Cc = []Address{{Name: "Bob, B.", Addr: "bob@example.net"}, {Addr: "carol@example.net"}}
			m.Text = "Hello,\n\nthe login form reflects the \"next\" parameter: <script>alert(1)</script>\nGrüße, Alice\n"
		})},
		{"alternative.eml", with(fromAlice("alt-1@example.org", "Alternative"), func(m *Message) {
			m.Text = "Plain version, café and a soft break."
			m.HTML = "<html><body><p>HTML version</p></body></html>"
		})},
		{"mixed.eml", with(fromAlice("mixed-1@example.org", "Report with attachments"), func(m *Message) {
			m.Text = "See the attached files."
			m.Attachments = []Attachment{
				{Filename: "report.pdf", ContentType: "application/pdf", Size: 1039},
				{Filename: "poc.zip", ContentType: "application/zip", Size: 514},
			}
		})},
		{"subject-utf8.eml", with(fromAlice("subj-utf8@example.org", "Schwachstelle in Ümlaut-Prüfung ✓"), func(m *Message) {
			m.Text = "x\n"
		})},
		{"subject-latin1.eml", with(fromAlice("subj-latin1@example.org", "Problème de sécurité critique"), func(m *Message) {
			m.Text = "x\n"
		})},
		{"iso-2022-jp.eml", with(fromAlice("jis@example.org", "脆弱性の報告"), func(m *Message) {
			m.Text = "こんにちは、世界。脆弱性の報告です。\n"
		})},
		{"shift_jis.eml", with(fromAlice("sjis@example.org", "報告"), func(m *Message) {
			m.Text = "こんにちは、世界。脆弱性の報告です。"
		})},
		{"koi8-r.eml", with(fromAlice("koi8@example.org", "Уязвимость"), func(m *Message) {
			m.Text = "Привет, мир! Отчёт об уязвимости.\n"
		})},
		{"flowed.eml", with(fromAlice("flowed@example.org", "Flowed"), func(m *Message) {
			m.Text = "This line is flowed and continues \non the next line.\n> quoted\n"
		})},
		{"reply.eml", Message{
			MessageID:  "reply-1@example.net",
			InReplyTo:  "plain-1@example.org",
			References: []string{"root@example.org", "middle@example.org", "plain-1@example.org"},
			Subject:    "Re: AW: [sec] XSS in the login form",
			From:       Address{Name: "Bob", Addr: "bob@example.net"},
			To:         []Address{alice},
			Date:       time.Date(2024, 1, 3, 9, 0, 0, 0, time.UTC),
			Text:       "Thanks, we are looking into it.\n",
		}},
		{"rfc6532.eml", Message{
			MessageID: "utf8@bücher.example",
			Subject:   "Überprüfung der Anmeldung",
			From:      Address{Name: "Jürgen Müller", Addr: "jürgen@bücher.example"},
			To:        security,
			Date:      jan2,
			Text:      "Grüße\n",
		}},
		{"forward.eml", with(fromAlice("fwd@example.org", "Fwd: original report"), func(m *Message) {
			m.Text = "Forwarding the report below."
			m.Attachments = []Attachment{{Filename: "Original_report ✓.eml", ContentType: "message/rfc822", Size: 97}}
		})},
		{"bounce.eml", Message{
			MessageID:  "bounce@mx.example.org",
			Subject:    "Undelivered Mail Returned to Sender",
			From:       Address{Name: "Mail Delivery System", Addr: "MAILER-DAEMON@mx.example.org"},
			To:         security,
			ReturnPath: "<>",
			Date:       jan2,
			Text:       "The mail could not be delivered.",
			Attachments: []Attachment{
				{ContentType: "message/delivery-status", Size: 110},
				{ContentType: "text/rfc822-headers", Size: 49},
			},
			Auto: "Auto-Submitted: auto-replied",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readFile(t, tt.file)
			tt.want.Size = len(raw)
			got := Parse(raw)
			if diff := cmp.Diff(tt.want, *got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseHTMLOnly(t *testing.T) {
	got := Parse(readFile(t, "html-only.eml"))
	wantText := "Report\n\n" +
		"The page at the login <https://victim.example/login> is <vulnerable> & broken today.\n\n" +
		"- step one\n- step two\n\n" +
		"last\nline"
	if got.Text != wantText {
		t.Errorf("Text = %q, want %q", got.Text, wantText)
	}
	for _, dropped := range []string{"script content", "also dropped", "color: red", "Title text"} {
		if strings.Contains(got.Text, dropped) {
			t.Errorf("Text = %q, want it without %q", got.Text, dropped)
		}
	}
	if !strings.Contains(got.HTML, `<script>var secret = "script content";</script>`) {
		t.Errorf("HTML = %q, want it unsanitised, script included", got.HTML)
	}
	if len(got.Problems) != 0 {
		t.Errorf("Problems = %q, want none", got.Problems)
	}
}

// A blank text/plain alternative must not hide the HTML one.
func TestParseBlankTextUsesHTML(t *testing.T) {
	raw := []byte(genHeader + "Content-Type: multipart/alternative; boundary=a\r\n\r\n" +
		"--a\r\nContent-Type: text/plain\r\n\r\n \r\n" +
		"--a\r\nContent-Type: text/html\r\n\r\n<p>from <b>HTML</b></p>\r\n--a--\r\n")
	got := Parse(raw)
	if want := "from HTML"; got.Text != want {
		t.Errorf("Text = %q, want %q", got.Text, want)
	}
}

func TestParseAttachmentRules(t *testing.T) {
	part := func(header, body string) string {
		return "--p\r\n" + header + "\r\n\r\n" + body + "\r\n"
	}
	raw := []byte(genHeader + "Content-Type: multipart/mixed; boundary=p\r\n\r\n" +
		part("Content-Type: text/plain; name=\"body.txt\"\r\nContent-Disposition: inline; filename=\"body.txt\"", "the text") +
		part("Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"notes.txt\"", "attached text") +
		part("Content-Type: image/png\r\nContent-Disposition: inline; filename=\"shot.png\"", "PNG") +
		part("Content-Type: application/octet-stream", "blob") +
		part("Content-Type: text/x-diff; name=\"fix.diff\"", "+fix") +
		part("Content-Type: text/plain", "a second text part") +
		part("Content-Type: text/html\r\nContent-Disposition: attachment; filename=\"page.html\"", "<p>attached</p>") +
		part("Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''%E2%9C%93%20report.pdf", "%PDF") +
		part("Content-Type: application/pdf; name=\"=?utf-8?B?w7xiZXIucGRm?=\"", "%PDF") +
		part("Content-Type: application/zip\r\nContent-Disposition: attachment; filename=\"../../etc/passwd\"", "PK") +
		"--p--\r\n")
	got := Parse(raw)
	if want := "the text"; got.Text != want {
		t.Errorf("Text = %q, want %q", got.Text, want)
	}
	if got.HTML != "" {
		t.Errorf("HTML = %q, want \"\" (the only HTML part is an attachment)", got.HTML)
	}
	want := []Attachment{
		{Filename: "notes.txt", ContentType: "text/plain", Size: 13},
		{Filename: "shot.png", ContentType: "image/png", Size: 3},
		{ContentType: "application/octet-stream", Size: 4},
		{Filename: "fix.diff", ContentType: "text/x-diff", Size: 4},
		{ContentType: "text/plain", Size: 18},
		{Filename: "page.html", ContentType: "text/html", Size: 15},
		{Filename: "✓ report.pdf", ContentType: "application/pdf", Size: 4},
		{Filename: "über.pdf", ContentType: "application/pdf", Size: 4},
		{Filename: "passwd", ContentType: "application/zip", Size: 2},
	}
	if diff := cmp.Diff(want, got.Attachments); diff != "" {
		t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
	}
	if len(got.Problems) != 0 {
		t.Errorf("Problems = %q, want none", got.Problems)
	}
}

func TestAddress(t *testing.T) {
	tests := []struct {
		a        Address
		str, key string
	}{
		{Address{Name: "Alice", Addr: "Alice@Example.ORG"}, "Alice <Alice@Example.ORG>", "alice@example.org"},
		{Address{Addr: "bob@example.net"}, "bob@example.net", "bob@example.net"},
		{Address{Name: "not an address"}, "not an address", ""},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.str {
			t.Errorf("%#v.String() = %q, want %q", tt.a, got, tt.str)
		}
		if got := tt.a.Key(); got != tt.key {
			t.Errorf("%#v.Key() = %q, want %q", tt.a, got, tt.key)
		}
	}
}

func TestKey(t *testing.T) {
	withID := readFile(t, "plain.eml")
	if got, want := Parse(withID).Key(withID), "plain-1@example.org"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	noID := []byte("From: a@example.org\r\n\r\nhi\r\n")
	// printf 'From: a@example.org\r\n\r\nhi\r\n' | sha256sum
	want := "sha256:fb997935645a1b867b0bb732224adadf099b648c53b050c3a7498107cbe2f499"
	if got := ContentKey(noID); got != want {
		t.Errorf("ContentKey = %q, want %q", got, want)
	}
	if got := Parse(noID).Key(noID); got != want {
		t.Errorf("Key without Message-ID = %q, want %q", got, want)
	}
}

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header string
		check  func(*testing.T, *Message)
	}{
		{"Return-Path empty", "Return-Path: <>\r\n", func(t *testing.T, m *Message) {
			wantText(t, "ReturnPath", m.ReturnPath, "<>")
		}},
		{"Return-Path blank", "Return-Path:\r\n", func(t *testing.T, m *Message) {
			wantText(t, "ReturnPath", m.ReturnPath, "<>")
		}},
		{"Return-Path address", "Return-Path: <bounce+x@example.org>\r\n", func(t *testing.T, m *Message) {
			wantText(t, "ReturnPath", m.ReturnPath, "bounce+x@example.org")
		}},
		{"Return-Path absent", "", func(t *testing.T, m *Message) {
			wantText(t, "ReturnPath", m.ReturnPath, "")
		}},
		{"Message-ID without brackets", "Message-ID:  abc@example.org \r\n", func(t *testing.T, m *Message) {
			wantText(t, "MessageID", m.MessageID, "abc@example.org")
		}},
		{"Message-ID empty brackets", "Message-ID: <>\r\n", func(t *testing.T, m *Message) {
			wantText(t, "MessageID", m.MessageID, "")
		}},
		{"Message-ID folded inside", "Message-ID: <abc\r\n def@example.org>\r\n", func(t *testing.T, m *Message) {
			wantText(t, "MessageID", m.MessageID, "abcdef@example.org")
		}},
		{"In-Reply-To of several ids", "In-Reply-To: <a@example.org> <b@example.org>\r\n", func(t *testing.T, m *Message) {
			wantText(t, "InReplyTo", m.InReplyTo, "a@example.org")
		}},
		{"In-Reply-To without brackets", "In-Reply-To: your message a@example.org of Monday\r\n", func(t *testing.T, m *Message) {
			wantText(t, "InReplyTo", m.InReplyTo, "a@example.org")
		}},
		{"group and several recipients", "To: undisclosed-recipients:;, a@example.org, Team: b@example.org, c@example.org;\r\n", func(t *testing.T, m *Message) {
			want := []Address{{Addr: "a@example.org"}, {Addr: "b@example.org"}, {Addr: "c@example.org"}}
			if diff := cmp.Diff(want, m.To); diff != "" {
				t.Errorf("To mismatch (-want +got):\n%s", diff)
			}
		}},
		{"Reply-To", "Reply-To: \"Sec Team\" <sec@example.org>\r\n", func(t *testing.T, m *Message) {
			if diff := cmp.Diff([]Address{{Name: "Sec Team", Addr: "sec@example.org"}}, m.ReplyTo); diff != "" {
				t.Errorf("ReplyTo mismatch (-want +got):\n%s", diff)
			}
		}},
		{"encoded name in unknown charset", "Cc: =?x-mac-nothing?q?Ren=E9?= <rene@example.org>\r\n", func(t *testing.T, m *Message) {
			if diff := cmp.Diff([]Address{{Name: "Ren\uFFFD", Addr: "rene@example.org"}}, m.Cc); diff != "" {
				t.Errorf("Cc mismatch (-want +got):\n%s", diff)
			}
			wantProblems(t, m.Problems, "charset x-mac-nothing: not known")
		}},
		{"1,500 References", "References: " + strings.Repeat("<x@example.org> ", 1499) + "<last@example.org>\r\n", func(t *testing.T, m *Message) {
			if len(m.References) != maxIDs || m.References[maxIDs-1] != "last@example.org" {
				t.Errorf("got %d References ending in %q, want %d ending in the last", len(m.References), m.References[len(m.References)-1], maxIDs)
			}
			wantProblems(t, m.Problems, "References: more than 1000 ids")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse([]byte("From: alice@example.org\r\n" + tt.header + "Subject: x\r\n\r\nbody\r\n"))
			tt.check(t, m)
		})
	}
}

func TestParseMboxLine(t *testing.T) {
	m := Parse([]byte("From alice@example.org Tue Jan  2 15:04:05 2024\r\nFrom: alice@example.org\r\nSubject: from mbox\r\n\r\nbody\r\n"))
	wantText(t, "Subject", m.Subject, "from mbox")
	wantProblems(t, m.Problems)

	m = Parse([]byte("From : alice@example.org\r\nSubject: blank before the colon\r\n\r\nbody\r\n"))
	wantText(t, "From", m.From.Addr, "alice@example.org")
}

func TestParseManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(genHeader + "Content-Type: multipart/mixed; boundary=p\r\n\r\n")
	for i := range 300 {
		b.WriteString("--p\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-enc" + strings.Repeat("x", i) + "\r\n\r\nz\r\n")
	}
	b.WriteString("--p--\r\n")
	m := Parse([]byte(b.String()))
	if len(m.Problems) != maxProblems+1 || m.Problems[maxProblems] != "more problems not listed (200)" {
		t.Errorf("got %d problems ending in %q, want %d and a count of the rest", len(m.Problems), m.Problems[len(m.Problems)-1], maxProblems+1)
	}
}

// Multiparts nested maxDepth levels deep are walked to the bottom.
func TestParseDeepButAllowed(t *testing.T) {
	m := Parse(nestedMultipart(maxDepth))
	wantText(t, "Text", m.Text, "deep text")
	wantProblems(t, m.Problems)
}
