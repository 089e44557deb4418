package email

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parseTimeout is far above what any of these messages takes (the 30 MB one
// takes about 0.1 s), so that only a hang fails it, even under -race.
const parseTimeout = 20 * time.Second

// parseWithin fails the test instead of hanging it when Parse does not return.
func parseWithin(t *testing.T, raw []byte) *Message {
	t.Helper()
	done := make(chan *Message, 1)
	go func() { done <- Parse(raw) }()
	select {
	case m := <-done:
		return m
	case <-time.After(parseTimeout):
		t.Fatalf("Parse did not return within %v", parseTimeout)
		return nil
	}
}

func file(name string) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return readFile(t, "malformed/"+name) }
}

func generated(raw []byte) func(*testing.T) []byte {
	return func(*testing.T) []byte { return raw }
}

// wantProblems checks that every one of want is a substring of some problem,
// and that there are no problems when want is empty.
func wantProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(want) == 0 && len(got) != 0 {
		t.Errorf("Problems = %q, want none", got)
	}
	if len(want) != 0 && len(got) == 0 {
		t.Errorf("Problems = none, want %q", want)
		return
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("Problems = %q, want one containing %q", got, w)
		}
	}
}

func wantText(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func wantAttachments(t *testing.T, got []Attachment, want ...Attachment) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
	}
}

func TestParseMalformed(t *testing.T) {
	rfc822Raw, rfc822Inner := nestedRFC822(50)
	const bigAttachment = 22 << 20 // 30 MB once in base64
	tests := []struct {
		name     string
		raw      func(*testing.T) []byte
		problems []string // substrings; none means the message is not malformed
		check    func(*testing.T, *Message)
	}{
		{
			name:     "boundary never appears",
			raw:      file("boundary-missing.eml"),
			problems: []string{"MIME: boundary not found"},
			check: func(t *testing.T, m *Message) {
				if !strings.Contains(m.Text, "The report text is still here.") {
					t.Errorf("Text = %q, want the body kept as text", m.Text)
				}
				wantText(t, "Subject", m.Subject, "Boundary never appears")
			},
		},
		{
			name:     "closing delimiter missing",
			raw:      file("boundary-unclosed.eml"),
			problems: []string{"MIME: closing boundary missing"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "first part")
				wantAttachments(t, m.Attachments, Attachment{ContentType: "application/octet-stream", Size: 6})
			},
		},
		{
			name:     "bad base64",
			raw:      file("bad-base64.eml"),
			problems: []string{"part 2: bad base64"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "Hello world")
				// The raw size of the part, as it could not be decoded.
				wantAttachments(t, m.Attachments, Attachment{Filename: "x.bin", ContentType: "application/octet-stream", Size: 18})
			},
		},
		{
			name:     "unknown charset",
			raw:      file("unknown-charset.eml"),
			problems: []string{"charset x-unknown: not known, shown as received"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "plain ascii body\n")
				wantText(t, "Subject", m.Subject, "caf\uFFFD report")
			},
		},
		{
			name:     "8-bit Latin-1 header",
			raw:      file("header-latin1.eml"),
			problems: []string{"header Subject: 8-bit bytes that are not UTF-8, read as Windows-1252"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "Problème de sécurité")
				wantText(t, "From", m.From.String(), "René <rene@example.org>")
			},
		},
		{
			name: "8-bit invalid UTF-8 header",
			raw:  file("header-invalid-utf8.eml"),
			problems: []string{
				"header Subject: 8-bit bytes that are not UTF-8",
				"header From: 8-bit bytes that are not UTF-8",
			},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "broken â‚ bytes €ÿ end")
				wantText(t, "From", m.From.String(), "Bad Ã( Name <bad@example.org>")
			},
		},
		{
			name:     "multipart nested 100 deep",
			raw:      generated(nestedMultipart(100)),
			problems: []string{"nesting deeper than 20 parts: rest kept raw"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "")
				if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "multipart/mixed" {
					t.Errorf("Attachments = %+v, want the too deep multipart as one", m.Attachments)
				}
			},
		},
		{
			name: "30 MB base64 attachment",
			raw:  generated(withAttachment(bigAttachment)),
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "See attachment.")
				wantAttachments(t, m.Attachments, Attachment{Filename: "dump.bin", ContentType: "application/octet-stream", Size: bigAttachment})
			},
		},
		{
			name: "message/rfc822 nested 50 deep",
			raw:  generated(rfc822Raw),
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "forwarded")
				wantAttachments(t, m.Attachments, Attachment{Filename: "level 49.eml", ContentType: "message/rfc822", Size: int64(len(rfc822Inner))})
			},
		},
		{
			name:     "no header at all",
			raw:      file("no-header.eml"),
			problems: []string{"no header"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "This message has no header at all.\nIt is just text \uFFFD with a stray byte.\n")
			},
		},
		{
			name: "headers only, no body",
			raw:  file("headers-only.eml"),
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "Headers only")
				wantText(t, "MessageID", m.MessageID, "ho@example.org")
				wantText(t, "Text", m.Text, "")
			},
		},
		{
			name: "NUL bytes and escape sequences",
			raw:  file("nul-bytes.eml"),
			problems: []string{
				"control characters removed from Subject",
				"control characters removed from Text",
				"From: control characters removed",
			},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "nul and [31mred[0m")
				wantText(t, "Text", m.Text, "bodywith nul and ]0;title escape\n")
				wantText(t, "From", m.From.String(), "Nul Name <nul@example.org>")
			},
		},
		{
			name:     "10,000 parts",
			raw:      generated(manyParts(10000)),
			problems: []string{"more than 1000 parts: rest not read"},
			check: func(t *testing.T, m *Message) {
				// The root is one of the 1,000.
				if got, want := len(m.Attachments), maxParts-1; got != want {
					t.Errorf("got %d attachments, want %d", got, want)
				}
			},
		},
		{
			name:     "empty input",
			raw:      file("empty.eml"),
			problems: []string{"empty message"},
		},
		{
			name:     "unfolded header line of 1 MiB",
			raw:      generated(longHeaderLine(1 << 20)),
			problems: []string{"header X-Long: line longer than 998 characters"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "after the long line")
				wantText(t, "Text", m.Text, "body\n")
			},
		},
		{
			name: "header longer than 2 MiB",
			raw: generated([]byte("Subject: before the long lines\r\n" +
				strings.Repeat("X-Long: "+strings.Repeat("a", 1<<20)+"\r\n", 3) +
				"From: skipped@example.org\r\n\r\nbody\r\n")),
			problems: []string{"header: longer than 2 MiB, rest skipped", "From: missing"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "before the long lines")
				wantText(t, "Text", m.Text, "body\n")
			},
		},
		{
			name:     "part header of a million fields",
			raw:      generated(partHeaderBomb(1_000_000)),
			problems: []string{"part 1: header: more than 1000 fields, rest skipped"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "body")
			},
		},
		{
			name:     "text longer than 1 MiB",
			raw:      generated([]byte(genHeader + "\r\n" + strings.Repeat("ü", 1<<20))),
			problems: []string{"text longer than 1 MiB, cut"},
			check: func(t *testing.T, m *Message) {
				if len(m.Text) != maxText || !strings.HasSuffix(m.Text, "ü") {
					t.Errorf("len(Text) = %d ending in %q, want %d bytes of whole characters", len(m.Text), m.Text[len(m.Text)-2:], maxText)
				}
			},
		},
		{
			name:     "bad date",
			raw:      file("bad-date.eml"),
			problems: []string{`Date: cannot be read: "yesterday at noon"`},
			check: func(t *testing.T, m *Message) {
				if !m.Date.IsZero() {
					t.Errorf("Date = %v, want zero", m.Date)
				}
			},
		},
		{
			name:     "unparseable From and To",
			raw:      file("unparseable-from.eml"),
			problems: []string{"From: cannot be read", "To: cannot be read"},
			check: func(t *testing.T, m *Message) {
				if diff := cmp.Diff(Address{Name: "Alice <alice@@example..org"}, m.From); diff != "" {
					t.Errorf("From mismatch (-want +got):\n%s", diff)
				}
				want := []Address{{Addr: "good@example.org"}, {Name: "Doe, John", Addr: "john@example.org"}}
				if diff := cmp.Diff(want, m.To); diff != "" {
					t.Errorf("To mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:     "no blank line after the header",
			raw:      file("no-blank-line.eml"),
			problems: []string{"header ends without a blank line"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Subject", m.Subject, "No blank line")
				wantText(t, "Text", m.Text, "This line starts the body without a blank line.\n")
			},
		},
		{
			name: "unknown transfer encoding",
			raw: generated([]byte(genHeader + "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n" +
				"begin 644 x\r\n")),
			problems: []string{"transfer encoding x-uuencode: not known, kept as received"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "begin 644 x\n")
			},
		},
		{
			name:     "multipart without a boundary",
			raw:      generated([]byte(genHeader + "Content-Type: multipart/mixed\r\n\r\nsome text\r\n")),
			problems: []string{"MIME: multipart without a boundary, body kept as text"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "some text\n")
			},
		},
		{
			name:     "8-bit text without a charset",
			raw:      generated([]byte(genHeader + "Content-Type: text/plain\r\n\r\nD\xe9j\xe0 vu \x80\r\n")),
			problems: []string{"8-bit text without a charset, read as Windows-1252"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "Déjà vu €\n")
			},
		},
		{
			name: "unquoted boundary with '='",
			raw: generated([]byte(genHeader + "Content-Type: multipart/mixed; boundary=----=_Part_1\r\n\r\n" +
				"------=_Part_1\r\nContent-Type: text/plain\r\n\r\nstill read\r\n------=_Part_1--\r\n")),
			problems: []string{"Content-Type: malformed parameters, read leniently"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "still read")
			},
		},
		{
			name: "part without a header",
			raw: generated([]byte(genHeader + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
				"--b\r\nno header here\r\n--b--\r\n")),
			problems: []string{"part 1: header ends without a blank line"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "Text", m.Text, "no header here")
			},
		},
		{
			name:     "Message-ID of 2,000 characters",
			raw:      generated([]byte("From: a@example.org\r\nMessage-ID: <" + strings.Repeat("x", 2000) + "@example.org>\r\n\r\nx\r\n")),
			problems: []string{"Message-ID: longer than 998 characters, ignored"},
			check: func(t *testing.T, m *Message) {
				wantText(t, "MessageID", m.MessageID, "")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw(t)
			m := parseWithin(t, raw)
			if m.Size != len(raw) {
				t.Errorf("Size = %d, want %d", m.Size, len(raw))
			}
			wantProblems(t, m.Problems, tt.problems...)
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Parse must count attachments, never hold them: the whole input is already
// in memory, so what Parse adds is buffers. The bound is an eighth of the
// input: holding the 22 MiB decoded attachment even once would break it.
func TestParseDoesNotBufferAttachments(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
	}{
		{"30 MB base64 attachment", withAttachment(22 << 20)},
		{"part header of a million fields", partHeaderBomb(1_000_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := uint64(len(tt.raw) / 8)
			var m *Message
			got := allocated(func() { m = Parse(tt.raw) })
			if got > limit {
				t.Errorf("Parse of %d bytes allocated %d bytes, want at most %d", len(tt.raw), got, limit)
			}
			if m.Size != len(tt.raw) {
				t.Errorf("Size = %d, want %d", m.Size, len(tt.raw))
			}
		})
	}
}
