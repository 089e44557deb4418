package mailout

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	gomessage "github.com/emersion/go-message/mail"
	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
)

var (
	testConfig = Config{From: "security@example.org", Name: "Example security team"}
	testDate   = time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
)

// zeros stands in for crypto/rand: every Message-ID it gives is the same.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func testReply() Reply {
	return Reply{
		To:         []ward.MailAddress{{Name: "Rita Reporter", Addr: "rita@example.com"}},
		Subject:    "XSS in the login form",
		Text:       "Thank you, we are looking into it.\n",
		InReplyTo:  "m2@mail.example.com",
		References: []string{"m1@mail.example.com", "m2@mail.example.com"},
		Date:       testDate,
	}
}

// composed is what a reader's client makes of a composed message.
type composed struct {
	From       string
	To         []string
	Subject    string
	Date       time.Time
	MessageID  string
	InReplyTo  []string
	References []string
	Fields     map[string]string // the other fields, as written
	Text       string
}

// read parses raw with go-message, as a mail client would.
func read(t *testing.T, raw []byte) composed {
	t.Helper()
	r, err := gomessage.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read the message: %v\n%s", err, raw)
	}
	var c composed
	from, err := r.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("From: %v, %v", from, err)
	}
	c.From = from[0].Name + " <" + from[0].Address + ">"
	to, err := r.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	for _, a := range to {
		c.To = append(c.To, a.Name+" <"+a.Address+">")
	}
	if c.Subject, err = r.Header.Subject(); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	if c.Date, err = r.Header.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	if c.MessageID, err = r.Header.MessageID(); err != nil {
		t.Fatalf("Message-ID: %v", err)
	}
	if c.InReplyTo, err = r.Header.MsgIDList("In-Reply-To"); err != nil {
		t.Fatalf("In-Reply-To: %v", err)
	}
	if c.References, err = r.Header.MsgIDList("References"); err != nil {
		t.Fatalf("References: %v", err)
	}
	c.Fields = map[string]string{}
	fields := r.Header.Fields()
	for fields.Next() {
		switch k := fields.Key(); k {
		case "From", "To", "Subject", "Date", "Message-Id", "In-Reply-To", "References":
		default:
			if _, dup := c.Fields[k]; dup {
				t.Errorf("field %s is written twice", k)
			}
			c.Fields[k] = fields.Value()
		}
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	body, err := io.ReadAll(p.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	c.Text = strings.ReplaceAll(string(body), "\r\n", "\n")
	return c
}

func TestCompose(t *testing.T) {
	base := composed{
		From:       "Example security team <security@example.org>",
		To:         []string{"Rita Reporter <rita@example.com>"},
		Subject:    "Re: XSS in the login form",
		Date:       testDate,
		MessageID:  "aaaaaaaaaaaaaaaaaaaaaaaaaa@example.org",
		InReplyTo:  []string{"m2@mail.example.com"},
		References: []string{"m1@mail.example.com", "m2@mail.example.com"},
		Fields: map[string]string{
			"Mime-Version":              "1.0",
			"Content-Type":              "text/plain; charset=UTF-8",
			"Content-Transfer-Encoding": "quoted-printable",
		},
		Text: "Thank you, we are looking into it.\n",
	}
	var manyRefs, last20 []string
	for i := range 25 {
		manyRefs = append(manyRefs, fmt.Sprintf("m%d@mail.example.com", i))
	}
	last20 = manyRefs[5:]
	tests := []struct {
		name   string
		change func(*Reply)
		want   func(*composed)
	}{
		{"reply", func(*Reply) {}, func(*composed) {}},
		{
			"already Re:",
			func(r *Reply) { r.Subject = "RE: XSS in the login form" },
			func(c *composed) { c.Subject = "RE: XSS in the login form" },
		},
		{
			"Re: without a space",
			func(r *Reply) { r.Subject = "re:XSS" },
			func(c *composed) { c.Subject = "re:XSS" },
		},
		{
			"no subject",
			func(r *Reply) { r.Subject = "  " },
			func(c *composed) { c.Subject = "Re:" },
		},
		{
			"a word starting with Re",
			func(r *Reply) { r.Subject = "Report: XSS" },
			func(c *composed) { c.Subject = "Re: Report: XSS" },
		},
		{
			"auto-reply",
			func(r *Reply) { r.Auto = true },
			func(c *composed) {
				c.Fields["Auto-Submitted"] = "auto-replied"
				c.Fields["X-Auto-Response-Suppress"] = "All"
			},
		},
		{
			"a notice keeps its subject",
			func(r *Reply) {
				r.Notice, r.Subject, r.InReplyTo, r.References = true, "[ward] #12 critical: ping", "", nil
			},
			func(c *composed) {
				c.Subject, c.InReplyTo, c.References = "[ward] #12 critical: ping", nil, nil
				c.Fields["Auto-Submitted"] = "auto-generated"
				c.Fields["X-Auto-Response-Suppress"] = "All"
			},
		},
		{
			"references capped at the last 20",
			func(r *Reply) { r.References = manyRefs },
			func(c *composed) { c.References = last20 },
		},
		{
			"ids that are not plain msg-ids left out",
			func(r *Reply) {
				r.InReplyTo = "two words@example.com"
				r.References = []string{"<bracketed@example.com>", "m1@mail.example.com", "ünï@example.com", "tab\t@example.com", "", strings.Repeat("x", 250) + "@example.com"}
			},
			func(c *composed) {
				c.InReplyTo = nil
				c.References = []string{"m1@mail.example.com"}
			},
		},
		{
			"a new message",
			func(r *Reply) { r.InReplyTo, r.References = "", nil },
			func(c *composed) { c.InReplyTo, c.References = nil, nil },
		},
		{
			"several recipients, one without a name",
			func(r *Reply) {
				r.To = append(r.To, ward.MailAddress{Addr: "triage@example.net"})
			},
			func(c *composed) { c.To = append(c.To, " <triage@example.net>") },
		},
		{
			"non-ASCII names, subject and text",
			func(r *Reply) {
				r.To[0].Name = "Åsa Ñúñez"
				r.Subject = "Grüße: 漏洞 in the 🔑 form"
				r.Text = "Merci — 谢谢.\nZeile zwei\n"
			},
			func(c *composed) {
				c.To = []string{"Åsa Ñúñez <rita@example.com>"}
				c.Subject = "Re: Grüße: 漏洞 in the 🔑 form"
				c.Text = "Merci — 谢谢.\nZeile zwei\n"
			},
		},
		{
			"names too long to fold left out, unless encoded",
			func(r *Reply) {
				r.To[0].Name = strings.Repeat("a.", 40)
				r.To = append(r.To, ward.MailAddress{Name: strings.Repeat("漏洞", 40), Addr: "triage@example.net"})
			},
			func(c *composed) {
				c.To = []string{" <rita@example.com>", strings.Repeat("漏洞", 40) + " <triage@example.net>"}
			},
		},
		{
			"text that looks like SMTP's end of data and like headers",
			func(r *Reply) { r.Text = "one\n.\nBcc: evil@example.com\n\nFrom: x\n" },
			func(c *composed) { c.Text = "one\n.\nBcc: evil@example.com\n\nFrom: x\n" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testReply()
			tt.change(&r)
			raw, id, err := Compose(testConfig, r, zeros{})
			if err != nil {
				t.Fatal(err)
			}
			if want := "aaaaaaaaaaaaaaaaaaaaaaaaaa@example.org"; id != want {
				t.Errorf("message id = %q, want %q", id, want)
			}
			want := base
			want.Fields = make(map[string]string)
			for k, v := range base.Fields {
				want.Fields[k] = v
			}
			tt.want(&want)
			if diff := cmp.Diff(want, read(t, raw)); diff != "" {
				t.Errorf("composed (-want +got):\n%s\nraw:\n%s", diff, raw)
			}
			checkLines(t, raw)
		})
	}
}

// checkLines fails the test unless every line of raw ends with CRLF and
// none is longer than RFC 5322's 78 characters, and the header section is
// ASCII (RFC 2047 encodes the rest).
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("the message does not end with CRLF")
	}
	header := true
	for i, line := range strings.SplitAfter(string(raw), "\r\n") {
		if line == "" {
			continue
		}
		if strings.ContainsAny(strings.TrimSuffix(line, "\r\n"), "\r\n") || !strings.HasSuffix(line, "\r\n") {
			t.Errorf("line %d: %q: a bare CR or LF", i+1, line)
		}
		if len(line)-2 > 78 {
			t.Errorf("line %d: %q: %d characters, want at most 78", i+1, line, len(line)-2)
		}
		if line == "\r\n" {
			header = false
		}
		if header && strings.IndexFunc(line, func(r rune) bool { return r > '~' }) >= 0 {
			t.Errorf("header line %d: %q: not ASCII", i+1, line)
		}
	}
}

func TestComposeMessageID(t *testing.T) {
	cfg := testConfig
	cfg.From = "psirt@Sub.Example.COM"
	random := bytes.NewReader(append(bytes.Repeat([]byte{0xff}, 16), make([]byte, 16)...))
	_, first, err := Compose(cfg, testReply(), random)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := Compose(cfg, testReply(), random)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{first, second}
	want := []string{"77777777777777777777777774@Sub.Example.COM", "aaaaaaaaaaaaaaaaaaaaaaaaaa@Sub.Example.COM"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message ids (-want +got):\n%s", diff)
	}
}

// TestComposeInjection puts line breaks, in every form, into each field a
// reporter or a member controls, and checks that no header field came of
// them.
func TestComposeInjection(t *testing.T) {
	breaks := []string{"\r\n", "\n", "\r", "\r\n\r\n", "\n\n", "\r\r\n", "\r\n "}
	for _, br := range breaks {
		evil := "x" + br + "Bcc: evil@example.com" + br + "X-Injected: yes"
		tests := []struct {
			name   string
			cfg    Config
			change func(*Reply)
		}{
			{"subject", testConfig, func(r *Reply) { r.Subject = evil }},
			{"recipient name", testConfig, func(r *Reply) { r.To[0].Name = evil }},
			{"team name", Config{From: testConfig.From, Name: evil}, func(*Reply) {}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s %q", tt.name, br), func(t *testing.T) {
				r := testReply()
				tt.change(&r)
				raw, _, err := Compose(tt.cfg, r, zeros{})
				if err != nil {
					t.Fatal(err) // folding them into spaces is the other safe outcome
				}
				c := read(t, raw)
				for _, k := range []string{"Bcc", "X-Injected"} {
					if v, ok := c.Fields[k]; ok {
						t.Errorf("a %s field was injected: %q\n%s", k, v, raw)
					}
				}
				checkLines(t, raw)
			})
		}
	}
	t.Run("recipient address", func(t *testing.T) {
		r := testReply()
		r.To[0].Addr = "rita@example.com\r\nBcc: evil@example.com"
		if _, _, err := Compose(testConfig, r, zeros{}); err == nil {
			t.Error("Compose took an address with a line break in it")
		}
	})
}

// TestComposeRoundTrip composes subjects and texts of random UTF-8 and
// checks that a mail client reads back exactly what was given, apart from
// the "Re: " in front, CRLF for each line break and one at the end. Its
// seed is fixed, so that a failure repeats.
func TestComposeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{
		"a", "Z", "0", " ", "  ", "\t", ".", ":", "=", "?", "_", "=?", "?=", "=?UTF-8?B?", "=?utf-8?q?x?=",
		`"`, "(", ")", "<", ">", "@", ",", ";", "\\", "ü", "ß", "é", "—", "€", "漏洞", "🔑", "👩‍💻",
		"e\u0301", "\u200b", "\u00a0", "\ufeff", "\x7f", "\x01", "\x1b", strings.Repeat("a", 61),
		strings.Repeat("ü", 40), strings.Repeat("x", 300),
	}
	random := func(n int, extra ...string) string {
		var b strings.Builder
		for range rng.IntN(n) + 1 {
			all := append(pieces, extra...)
			b.WriteString(all[rng.IntN(len(all))])
		}
		return b.String()
	}
	for i := range 300 {
		subject := strings.TrimSpace(random(12))
		text := random(40, "\n", "\n\n", " \n", "\t\n", "\n.", "\n.\n", "\nFrom x", "\r\n", "\r")
		if strings.HasPrefix(strings.ToLower(subject), "re:") || strings.TrimLeft(subject, " \t\u00a0") != subject {
			continue
		}
		r := testReply()
		r.Subject, r.Text = subject, text
		raw, _, err := Compose(testConfig, r, zeros{})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		c := read(t, raw)
		if want := strings.TrimSpace("Re: " + subject); c.Subject != want {
			t.Errorf("case %d: subject %q, want %q\nraw:\n%s", i, c.Subject, want, raw)
		}
		// Every line break, a lone CR too, is sent as CRLF.
		want := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
		if !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if c.Text != want {
			t.Errorf("case %d: text %q, want %q", i, c.Text, want)
		}
		checkLines(t, raw)
	}
}

func TestComposeErrors(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		change func(*Reply)
		random io.Reader
	}{
		{"no team address", Config{}, func(*Reply) {}, zeros{}},
		{"team address with a name", Config{From: "Team <security@example.org>"}, func(*Reply) {}, zeros{}},
		{"team address that is not one", Config{From: "security"}, func(*Reply) {}, zeros{}},
		{"no recipients", testConfig, func(r *Reply) { r.To = nil }, zeros{}},
		{"recipient with a name in the address", testConfig, func(r *Reply) { r.To[0].Addr = "Rita <rita@example.com>" }, zeros{}},
		{"two recipients in one", testConfig, func(r *Reply) { r.To[0].Addr = "a@example.com, b@example.com" }, zeros{}},
		{"no date", testConfig, func(r *Reply) { r.Date = time.Time{} }, zeros{}},
		{"no randomness", testConfig, func(*Reply) {}, iotest.ErrReader(errors.New("entropy gone"))},
		{"too little randomness", testConfig, func(*Reply) {}, bytes.NewReader(make([]byte, 15))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testReply()
			tt.change(&r)
			raw, id, err := Compose(tt.cfg, r, tt.random)
			if err == nil {
				t.Fatalf("Compose = %q, %q, nil; want an error", raw, id)
			}
		})
	}
}

func TestEnvelopeFrom(t *testing.T) {
	tests := []struct {
		name string
		auto bool
		raw  string
		want string
	}{
		{name: "reply", want: "security@example.org"},
		{name: "acknowledgement", auto: true, want: ""},
		{name: "Auto-Submitted: no", raw: "Auto-Submitted: no\r\nSubject: x\r\n\r\nhi\r\n", want: "security@example.org"},
		{name: "auto-generated", raw: "Auto-Submitted: auto-generated\r\n\r\nhi\r\n", want: ""},
		{name: "no header", raw: "\r\nhi\r\n", want: "security@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.raw)
			if tt.raw == "" {
				r := testReply()
				r.Auto = tt.auto
				var err error
				if raw, _, err = Compose(testConfig, r, zeros{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := EnvelopeFrom(testConfig.From, raw); got != tt.want {
				t.Errorf("EnvelopeFrom = %q, want %q", got, tt.want)
			}
		})
	}
}
