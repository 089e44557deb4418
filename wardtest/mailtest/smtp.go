// Package mailtest holds the servers the mail tests talk to. Only tests
// import it.
package mailtest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// WaitTimeout bounds how long WaitFor waits for mail to arrive.
const WaitTimeout = 10 * time.Second

// Sink is one Mailpit instance: where to send mail and where to read it.
type Sink struct {
	SMTPURL  string      // as ward's configuration names it: smtp://127.0.0.1:1025
	SMTPAddr string      // host:port of SMTPURL
	API      string      // Mailpit's HTTP API: http://127.0.0.1:8025
	TLS      *tls.Config // trusts the sink's certificate; nil for the plain sink
	// Refused is an address the sink refuses with 550 at RCPT TO; "" when
	// it takes every recipient.
	Refused string
}

// Mailpit returns the plain sink (WARD_TEST_SMTP, WARD_TEST_MAILPIT): no
// TLS, and any AUTH accepted, PLAIN and LOGIN too.
//
// The sinks are Mailpit instances that .ci/mailpit.sh starts on loopback;
// the WARD_TEST_* variables that .ci/run exports name them. Without them a
// test skips, unless WARD_REQUIRE_MAIL=1 (which CI sets) makes that a
// failure.
func Mailpit(t testing.TB) Sink {
	t.Helper()
	return sink(t, "WARD_TEST_SMTP", "WARD_TEST_MAILPIT", false)
}

// MailpitTLS returns the sink that requires STARTTLS (WARD_TEST_SMTP_TLS,
// WARD_TEST_MAILPIT_TLS), with a certificate that WARD_TEST_SMTP_TLS_CA
// names. It accepts any AUTH, and refuses every recipient outside
// example.org, example.com and example.net, such as Refused.
func MailpitTLS(t testing.TB) Sink {
	t.Helper()
	s := sink(t, "WARD_TEST_SMTP_TLS", "WARD_TEST_MAILPIT_TLS", true)
	s.Refused = "nobody@refused.invalid"
	return s
}

// MailpitSMTPS returns the sink that speaks TLS from the first byte
// (WARD_TEST_SMTPS, WARD_TEST_MAILPIT_SMTPS), with the certificate that
// WARD_TEST_SMTP_TLS_CA names. It accepts any AUTH.
func MailpitSMTPS(t testing.TB) Sink {
	t.Helper()
	return sink(t, "WARD_TEST_SMTPS", "WARD_TEST_MAILPIT_SMTPS", true)
}

func sink(t testing.TB, smtpVar, apiVar string, withTLS bool) Sink {
	t.Helper()
	vars := []string{smtpVar, apiVar}
	if withTLS {
		vars = append(vars, "WARD_TEST_SMTP_TLS_CA")
	}
	for _, v := range vars {
		if os.Getenv(v) == "" {
			msg := fmt.Sprintf("no mail sink: %s is not set; run bash .ci/mailpit.sh and export the variables .ci/run exports", v)
			if os.Getenv("WARD_REQUIRE_MAIL") == "1" {
				t.Fatal(msg + "; WARD_REQUIRE_MAIL=1 requires it")
			}
			t.Skip(msg)
		}
	}
	s := Sink{SMTPURL: os.Getenv(smtpVar), API: strings.TrimSuffix(os.Getenv(apiVar), "/")}
	u, err := url.Parse(s.SMTPURL)
	if err != nil || u.Host == "" {
		t.Fatalf("%s=%q is not a URL like smtp://127.0.0.1:1025", smtpVar, s.SMTPURL)
	}
	s.SMTPAddr = u.Host
	if withTLS {
		pem, err := os.ReadFile(os.Getenv("WARD_TEST_SMTP_TLS_CA"))
		if err != nil {
			t.Fatalf("the sink's certificate (WARD_TEST_SMTP_TLS_CA): %v", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			t.Fatalf("WARD_TEST_SMTP_TLS_CA=%s holds no PEM certificate", os.Getenv("WARD_TEST_SMTP_TLS_CA"))
		}
		s.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return s
}

// Address returns an address no other test uses, at example.org, which
// every sink accepts. Every test shares the sinks with every other, and
// nothing is ever deleted from them, so a test sends to addresses of its
// own and looks only for mail to them.
func Address(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t-" + hex.EncodeToString(b) + "@example.org"
}

// SinkAddress is a name and an address as Mailpit read them.
type SinkAddress struct {
	Name    string
	Address string
}

// SinkMessage is a message as the sink received it.
type SinkMessage struct {
	ID        string // Mailpit's, for Raw and Headers
	MessageID string // without brackets
	From      SinkAddress
	To        []SinkAddress
	Cc        []SinkAddress
	Bcc       []SinkAddress // envelope recipients that no header names
	Subject   string
	// ReturnPath is the envelope sender, "" for the null one, as the
	// Return-Path field Mailpit adds says (its API's own ReturnPath falls
	// back to the From address).
	ReturnPath string `json:"-"`
	Username   string // the SMTP AUTH user; "" when none logged in
	Text       string // the plain text body, decoded
}

// WaitFor polls the sink until n messages match the Mailpit search query
// (such as "to:" + an Address) and returns them, newest first, read in
// full. It fails the test when more than n match, or when fewer have
// arrived after WaitTimeout.
func (s Sink) WaitFor(t testing.TB, query string, n int) []SinkMessage {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		var found struct {
			Messages []struct{ ID string } `json:"messages"`
		}
		s.get(t, "/api/v1/search?query="+url.QueryEscape(query), &found)
		if len(found.Messages) > n {
			t.Fatalf("sink %s: %d messages match %q, want %d", s.API, len(found.Messages), query, n)
		}
		if len(found.Messages) == n {
			out := make([]SinkMessage, n)
			for i, m := range found.Messages {
				s.get(t, "/api/v1/message/"+url.PathEscape(m.ID), &out[i])
				if rp := s.Headers(t, m.ID)["Return-Path"]; len(rp) > 0 {
					out[i].ReturnPath = strings.Trim(rp[0], "<>")
				}
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink %s: %d messages match %q after %s, want %d", s.API, len(found.Messages), query, WaitTimeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Raw returns the message's bytes as the sink stored them: as sent, after
// the fields it adds at the top: Received, Return-Path (unless the
// envelope sender was null), and Bcc for envelope recipients that no
// header names.
func (s Sink) Raw(t testing.TB, id string) []byte {
	t.Helper()
	return s.fetch(t, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

// Headers returns the message's header fields, by canonical name.
func (s Sink) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	s.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// get decodes the JSON answer to a GET of the API path into v.
func (s Sink) get(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(s.fetch(t, path), v); err != nil {
		t.Fatalf("sink %s%s: %v", s.API, path, err)
	}
}

func (s Sink) fetch(t testing.TB, path string) []byte {
	t.Helper()
	client := http.Client{Timeout: WaitTimeout}
	resp, err := client.Get(s.API + path)
	if err != nil {
		t.Fatalf("sink: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("sink %s%s: %v", s.API, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sink %s%s: %s: %.200s", s.API, path, resp.Status, body)
	}
	return body
}
