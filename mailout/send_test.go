package mailout

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gomail "github.com/wneessen/go-mail"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/wardtest/mailtest"
)

func TestNewSender(t *testing.T) {
	tests := []struct {
		url      string
		password string
		want     Sender // the fields that the URL sets
	}{
		{url: "smtp://mail.example.org", want: Sender{host: "mail.example.org", port: 587, policy: gomail.TLSMandatory}},
		{url: "smtp://ward@mail.example.org:2525", password: "pw", want: Sender{host: "mail.example.org", port: 2525, policy: gomail.TLSMandatory, user: "ward", password: "pw"}},
		{url: "smtp://127.0.0.1:1025", want: Sender{host: "127.0.0.1", port: 1025, policy: gomail.TLSOpportunistic}},
		{url: "smtp://localhost", want: Sender{host: "localhost", port: 587, policy: gomail.TLSOpportunistic}},
		{url: "smtp://[::1]:25", want: Sender{host: "::1", port: 25, policy: gomail.TLSOpportunistic}},
		{url: "smtps://mail.example.org", want: Sender{host: "mail.example.org", port: 465, implicitTLS: true}},
		{url: "smtps://ward%40example.org@mail.example.org:4650/", want: Sender{host: "mail.example.org", port: 4650, implicitTLS: true, user: "ward@example.org"}},
		{url: "smtp+insecure://relay.internal", want: Sender{host: "relay.internal", port: 25, policy: gomail.NoTLS}},
		{url: "smtp+insecure://ward@127.0.0.1:1025", password: "pw", want: Sender{host: "127.0.0.1", port: 1025, policy: gomail.NoTLS, user: "ward", password: "pw"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := NewSender(Config{SMTPURL: tt.url, Password: tt.password})
			if err != nil {
				t.Fatal(err)
			}
			if s.tls.ServerName != tt.want.host || s.tls.MinVersion != 0x0303 {
				t.Errorf("TLS server name %q, min version %#x; want %q, TLS 1.2", s.tls.ServerName, s.tls.MinVersion, tt.want.host)
			}
			s.tls = nil
			if diff := cmp.Diff(tt.want, *s, cmp.AllowUnexported(Sender{})); diff != "" {
				t.Errorf("sender (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewSenderRefuses(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		password string
	}{
		{"another scheme", "http://mail.example.org", ""},
		{"no scheme", "mail.example.org:587", ""},
		{"no host", "smtp://:587", ""},
		{"a port out of range", "smtp://mail.example.org:65536", ""},
		{"a path", "smtp://mail.example.org/submit", ""},
		{"a query", "smtp://mail.example.org?tls=off", ""},
		{"a password in the URL", "smtp://ward:secret@mail.example.org", ""},
		{"an empty password in the URL", "smtp://ward:@mail.example.org", ""},
		{"a password in a URL that does not parse", "smtp://ward:secret@mail.example.org:99x/%zz", ""},
		{"a password without a user", "smtp://mail.example.org", "secret"},
		{"a login in plain text to another host", "smtp+insecure://ward@mail.example.org", "secret"},
		{"a login in plain text to a private address", "smtp+insecure://ward@10.0.0.25", "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSender(Config{SMTPURL: tt.url, Password: tt.password})
			if err == nil {
				t.Fatalf("NewSender(%q) = %+v, want an error", tt.url, s)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// sinkFields are the header fields Mailpit adds to what it receives: a
// Received trace, the Return-Path from the envelope, and a Bcc naming the
// envelope recipients that no header names.
var sinkFields = []string{"received", "return-path", "bcc"}

// withoutSinkFields returns raw without the header fields Mailpit added.
func withoutSinkFields(raw []byte) string {
	head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	var kept strings.Builder
	skip := false
	for line := range strings.SplitSeq(head, "\r\n") {
		if line != "" && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := strings.Cut(line, ":")
			skip = false
			for _, f := range sinkFields {
				skip = skip || strings.EqualFold(name, f)
			}
		}
		if !skip {
			kept.WriteString(line + "\r\n")
		}
	}
	return kept.String() + "\r\n" + body
}

// TestSend sends composed messages through each kind of connection to the
// Mailpit sinks and compares what arrived with what was stored.
func TestSend(t *testing.T) {
	tests := []struct {
		name string
		sink func(testing.TB) mailtest.Sink
		url  func(mailtest.Sink) string
		user string
		auto bool
	}{
		{
			name: "SMTP with AUTH to loopback",
			sink: mailtest.Mailpit,
			url:  func(s mailtest.Sink) string { return "smtp://ward@" + s.SMTPAddr },
			user: "ward",
		},
		{
			name: "smtp+insecure without AUTH",
			sink: mailtest.Mailpit,
			url:  func(s mailtest.Sink) string { return "smtp+insecure://" + s.SMTPAddr },
		},
		{
			name: "STARTTLS with AUTH",
			sink: mailtest.MailpitTLS,
			url:  func(s mailtest.Sink) string { return "smtp://ward@" + s.SMTPAddr },
			user: "ward",
		},
		{
			name: "implicit TLS with AUTH",
			sink: mailtest.MailpitSMTPS,
			url:  func(s mailtest.Sink) string { return "smtps://ward@" + s.SMTPAddr },
			user: "ward",
		},
		{
			name: "acknowledgement from the null sender",
			sink: mailtest.Mailpit,
			url:  func(s mailtest.Sink) string { return "smtp://" + s.SMTPAddr },
			auto: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := tt.sink(t)
			cfg := Config{From: "security@example.org", Name: "Example security team", SMTPURL: tt.url(sink), TLSConfig: sink.TLS}
			if tt.user != "" {
				cfg.Password = "any password"
			}
			to, hidden := mailtest.Address(t), mailtest.Address(t)
			r := Reply{
				To:         []ward.MailAddress{{Name: "Rita Reporter", Addr: to}},
				Subject:    "Grüße — the fix for 漏洞 #42 is ready",
				Text:       "Hello Rita,\n\nthe fix is out.\n.\nFrom here on: thanks! 🙂\n",
				InReplyTo:  "m2@mail.example.com",
				References: []string{"m1@mail.example.com", "m2@mail.example.com"},
				Auto:       tt.auto,
				Date:       time.Now(),
			}
			raw, id, err := Compose(cfg, r, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sender, err := NewSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := sender.Send(t.Context(), EnvelopeFrom(cfg.From, raw), []string{to, hidden}, raw); err != nil {
				t.Fatalf("Send: %v (permanent: %t)", err, Permanent(err))
			}

			got := sink.WaitFor(t, "to:"+to, 1)[0]
			returnPath := cfg.From
			if tt.auto {
				returnPath = ""
			}
			want := mailtest.SinkMessage{
				ID:         got.ID,
				MessageID:  id,
				From:       mailtest.SinkAddress{Name: cfg.Name, Address: cfg.From},
				To:         []mailtest.SinkAddress{{Name: "Rita Reporter", Address: to}},
				Bcc:        []mailtest.SinkAddress{{Address: hidden}},
				Subject:    "Re: " + r.Subject,
				ReturnPath: returnPath,
				Username:   tt.user,
				Text:       strings.ReplaceAll(r.Text, "\n", "\r\n"),
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("arrived (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(string(raw), withoutSinkFields(sink.Raw(t, got.ID))); diff != "" {
				t.Errorf("bytes arrived differ from bytes stored, apart from %v (-stored +arrived):\n%s", sinkFields, diff)
			}
			h := sink.Headers(t, got.ID)
			wantAuto := []string(nil)
			if tt.auto {
				wantAuto = []string{"auto-replied"}
			}
			if diff := cmp.Diff(wantAuto, h["Auto-Submitted"]); diff != "" {
				t.Errorf("Auto-Submitted (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSendRefusedRecipient has the STARTTLS sink refuse a recipient with
// 550: the message is sent to no one, and the failure is permanent.
func TestSendRefusedRecipient(t *testing.T) {
	t.Parallel()
	sink := mailtest.MailpitTLS(t)
	cfg := Config{From: "security@example.org", SMTPURL: "smtp://" + sink.SMTPAddr, TLSConfig: sink.TLS}
	to := mailtest.Address(t)
	raw, _, err := Compose(cfg, Reply{To: []ward.MailAddress{{Addr: to}}, Subject: "x", Text: "x", Date: time.Now()}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = sender.Send(t.Context(), cfg.From, []string{to, sink.Refused}, raw)
	if err == nil || !Permanent(err) || !strings.Contains(err.Error(), sink.Refused) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("Send = %v (permanent: %t); want a permanent 550 naming %s", err, Permanent(err), sink.Refused)
	}
}

// fakeServer answers each command with the code set for it (0: accept),
// as a real server would refuse or defer a message.
type fakeServer struct {
	auth, mail, rcpt, data int
	stall                  chan struct{} // when set, DATA waits for it to close
}

func (f *fakeServer) NewSession(*smtp.Conn) (smtp.Session, error) { return fakeSession{f}, nil }

type fakeSession struct{ f *fakeServer }

func (s fakeSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s fakeSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(string, string, string) error { return reply(s.f.auth) }), nil
}

func (s fakeSession) Mail(string, *smtp.MailOptions) error { return reply(s.f.mail) }
func (s fakeSession) Rcpt(string, *smtp.RcptOptions) error { return reply(s.f.rcpt) }

func (s fakeSession) Data(r io.Reader) error {
	if s.f.stall != nil {
		<-s.f.stall
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return reply(s.f.data)
}

func (fakeSession) Reset()        {}
func (fakeSession) Logout() error { return nil }

func reply(code int) error {
	if code == 0 {
		return nil
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "as the test asks"}
}

// start serves f on a loopback port and returns its address.
func (f *fakeServer) start(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(f)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	go s.Serve(l) // returns when Close stops it
	t.Cleanup(func() { s.Close() })
	if f.stall != nil {
		t.Cleanup(func() { close(f.stall) }) // runs first: lets the session end
	}
	return l.Addr().String()
}

// TestSendFailures checks how each refusal is classified: 5xx to MAIL,
// RCPT or DATA is permanent; 4xx, a refused login, an unreachable server
// and a cancelled context are not.
func TestSendFailures(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name      string
		server    *fakeServer // nil: nothing listens
		user      string
		from      string
		to        []string
		timeout   time.Duration
		permanent bool
	}{
		{name: "MAIL refused", server: &fakeServer{mail: 550}, permanent: true},
		{name: "MAIL deferred", server: &fakeServer{mail: 451}},
		{name: "RCPT refused", server: &fakeServer{rcpt: 550}, permanent: true},
		{name: "RCPT deferred", server: &fakeServer{rcpt: 452}},
		{name: "message refused at the end of DATA", server: &fakeServer{data: 554}, permanent: true},
		{name: "message deferred at the end of DATA", server: &fakeServer{data: 451}},
		{name: "login refused", server: &fakeServer{auth: 535}, user: "ward"},
		{name: "server unreachable"},
		{name: "context ends while the server stalls", server: &fakeServer{stall: make(chan struct{})}, timeout: 200 * time.Millisecond},
		{name: "no recipients", server: &fakeServer{}, to: []string{}, permanent: true},
		{name: "recipient with a line break", server: &fakeServer{}, to: []string{"a@example.org\r\nRSET"}, permanent: true},
		{name: "recipient with brackets", server: &fakeServer{}, to: []string{"a@example.org> NOTIFY=NEVER"}, permanent: true},
		{name: "sender that is not an address", server: &fakeServer{}, from: "Team <security@example.org>", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := closedAddr
			if tt.server != nil {
				addr = tt.server.start(t)
			}
			cfg := Config{SMTPURL: "smtp+insecure://" + addr}
			if tt.user != "" {
				cfg = Config{SMTPURL: "smtp+insecure://" + tt.user + "@" + addr, Password: "pw"}
			}
			sender, err := NewSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			from, to := "security@example.org", []string{"rita@example.org"}
			if tt.from != "" {
				from = tt.from
			}
			if tt.to != nil {
				to = tt.to
			}
			ctx := t.Context()
			if tt.timeout != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			err = sender.Send(ctx, from, to, []byte("Subject: x\r\n\r\nx\r\n"))
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := Permanent(err); got != tt.permanent {
				t.Errorf("Permanent(%v) = %t, want %t", err, got, tt.permanent)
			}
			if tt.timeout != 0 {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Send = %v, want it to wrap context.DeadlineExceeded", err)
				}
				if took := time.Since(start); took > tt.timeout+10*time.Second {
					t.Errorf("Send returned %s after the context ended, want at once", took-tt.timeout)
				}
			}
		})
	}
}
