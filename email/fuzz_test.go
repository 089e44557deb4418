package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.eml", "testdata/malformed/*.eml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			raw, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			if len(raw) <= 64<<10 {
				f.Add(raw)
			}
		}
	}
	rfc822, _ := nestedRFC822(5)
	for _, raw := range [][]byte{nestedMultipart(25), rfc822, manyParts(20), typical()} {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw)
		if m == nil {
			t.Fatal("Parse returned nil")
		}
		if m.Size != len(raw) {
			t.Errorf("Size = %d, want %d", m.Size, len(raw))
		}
		for _, p := range m.Problems {
			if strings.HasPrefix(p, "internal error") {
				t.Errorf("Parse recovered from a panic: %s", p)
			}
		}
		checkText(t, "Text", m.Text, "\t\n\r")
		checkText(t, "Subject", m.Subject, "")
		if len(m.Text) > maxText || len(m.HTML) > maxText {
			t.Errorf("len(Text) = %d, len(HTML) = %d, want at most %d", len(m.Text), len(m.HTML), maxText)
		}
		if !utf8.ValidString(m.HTML) || strings.Contains(m.HTML, "\x00") {
			t.Errorf("HTML = %q, want valid UTF-8 without NUL", m.HTML)
		}
		lines := []string{m.MessageID, m.InReplyTo, m.ReturnPath, m.Auto}
		lines = append(lines, m.References...)
		lines = append(lines, m.Problems...)
		for _, list := range [][]Address{{m.From}, m.ReplyTo, m.To, m.Cc} {
			for _, a := range list {
				lines = append(lines, a.Name, a.Addr)
			}
		}
		for _, a := range m.Attachments {
			lines = append(lines, a.Filename, a.ContentType)
			if a.Size < 0 {
				t.Errorf("attachment %q: Size = %d", a.Filename, a.Size)
			}
		}
		for _, s := range lines {
			checkText(t, "a field", s, "")
		}
	})
}

// checkText fails t unless s is valid UTF-8 without control characters
// other than those in allowed.
func checkText(t *testing.T, field, s, allowed string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s = %q, want valid UTF-8", field, s)
		return
	}
	for _, r := range s {
		if isControl(r) && !strings.ContainsRune(allowed, r) {
			t.Errorf("%s = %q, holds control character %U", field, s, r)
			return
		}
	}
}
