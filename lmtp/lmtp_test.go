package lmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// memStore keeps messages in memory, once per Message-ID, as ward's store
// does; with fail set it stores nothing and fails.
type memStore struct {
	mu     sync.Mutex
	fail   bool
	calls  int
	stored [][]byte
	ids    map[string]bool
}

func (s *memStore) Ingest(ctx context.Context, raw []byte, d ward.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail {
		return errors.New("the store is down")
	}
	if d != (ward.Delivery{Source: ward.MailLMTP}) {
		return fmt.Errorf("delivery %+v, want source lmtp and no ref", d)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	if id := m.Header.Get("Message-ID"); !s.ids[id] {
		s.ids[id] = true
		s.stored = append(s.stored, raw)
	}
	return nil
}

func (s *memStore) state() (calls int, stored [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, append([][]byte(nil), s.stored...)
}

func (s *memStore) setFail(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// start runs a server on a port of its own until the test ends.
func start(t *testing.T, cfg Config, st Store) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv, err := NewServer(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv
}

// dial returns a client greeted with LHLO or EHLO, closed when the test
// ends.
func dial(t *testing.T, srv *Server, lmtp bool) *smtp.Client {
	t.Helper()
	conn, err := net.Dial(srv.Addr().Network(), srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var c *smtp.Client
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("mx.example.org"); err != nil {
		t.Fatal(err)
	}
	return c
}

const message = "From: Reporter <reporter@example.net>\r\nTo: security@example.org\r\n" +
	"Subject: A finding\r\nMessage-ID: <finding-1@example.net>\r\n\r\nDetails.\r\n"

// send sends raw from the sender to the recipients and returns what DATA
// was answered: per recipient for LMTP, under "" for SMTP. Every step
// before DATA must succeed.
func send(t *testing.T, c *smtp.Client, lmtp bool, from string, to []string, raw string) map[string]error {
	t.Helper()
	if err := c.Mail(from, nil); err != nil {
		t.Fatalf("MAIL FROM: %v", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			t.Fatalf("RCPT TO %s: %v", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if !lmtp {
		_, err := w.CloseWithResponse()
		return map[string]error{"": err}
	}
	_, err = w.CloseWithLMTPResponse()
	got := map[string]error{}
	var lerr smtp.LMTPDataError
	for _, rcpt := range to {
		got[rcpt] = nil
		if errors.As(err, &lerr) && lerr[rcpt] != nil {
			got[rcpt] = lerr[rcpt]
		}
	}
	if err != nil && !errors.As(err, &lerr) {
		t.Fatalf("end of DATA: %v", err)
	}
	return got
}

// codes turns the replies into their codes: 250 for nil.
func codes(replies map[string]error) map[string]string {
	out := map[string]string{}
	for rcpt, err := range replies {
		var serr *smtp.SMTPError
		switch {
		case err == nil:
			out[rcpt] = "250"
		case errors.As(err, &serr):
			out[rcpt] = fmt.Sprintf("%d %d.%d.%d", serr.Code, serr.EnhancedCode[0], serr.EnhancedCode[1], serr.EnhancedCode[2])
		default:
			out[rcpt] = err.Error()
		}
	}
	return out
}

var protocols = []struct {
	name string
	lmtp bool
}{{"SMTP", false}, {"LMTP", true}}

func TestDeliver(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			st := &memStore{}
			srv := start(t, Config{LMTP: p.lmtp}, st)
			c := dial(t, srv, p.lmtp)

			to := []string{"security@example.org"}
			got := codes(send(t, c, p.lmtp, "reporter@example.net", to, message))
			want := map[string]string{"": "250"}
			if p.lmtp {
				want = map[string]string{"security@example.org": "250"}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
			calls, stored := st.state()
			if calls != 1 || len(stored) != 1 {
				t.Fatalf("%d Ingest calls, %d stored; want 1, 1", calls, len(stored))
			}
			if got, want := string(stored[0]), "Return-Path: <reporter@example.net>\r\n"+message; got != want {
				t.Errorf("stored:\n%q\nwant:\n%q", got, want)
			}
		})
	}
}

func TestStoreFailure(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			st := &memStore{fail: true}
			srv := start(t, Config{LMTP: p.lmtp}, st)
			c := dial(t, srv, p.lmtp)
			to := []string{"security@example.org"}

			for _, rcpt := range codes(send(t, c, p.lmtp, "reporter@example.net", to, message)) {
				if rcpt != "451 4.3.0" {
					t.Errorf("reply with the store down: %s, want 451 4.3.0", rcpt)
				}
			}
			if _, stored := st.state(); len(stored) != 0 {
				t.Errorf("%d messages stored by a failing store", len(stored))
			}

			// The sender tries again, on the same connection, once the
			// store is back.
			st.setFail(false)
			for _, rcpt := range codes(send(t, c, p.lmtp, "reporter@example.net", to, message)) {
				if rcpt != "250" {
					t.Errorf("reply to the retry: %s, want 250", rcpt)
				}
			}
			if calls, stored := st.state(); calls != 2 || len(stored) != 1 {
				t.Errorf("%d Ingest calls, %d stored; want 2, 1", calls, len(stored))
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			st := &memStore{}
			srv := start(t, Config{LMTP: p.lmtp, MaxSize: 4096}, st)
			big := message + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 100)

			t.Run("in DATA", func(t *testing.T) {
				c := dial(t, srv, p.lmtp)
				for _, rcpt := range codes(send(t, c, p.lmtp, "reporter@example.net", []string{"security@example.org"}, big)) {
					if rcpt != "552 5.3.4" {
						t.Errorf("reply to a message over MaxSize: %s, want 552 5.3.4", rcpt)
					}
				}
			})
			t.Run("announced in MAIL FROM", func(t *testing.T) {
				c := dial(t, srv, p.lmtp)
				err := c.Mail("reporter@example.net", &smtp.MailOptions{Size: int64(len(big))})
				var serr *smtp.SMTPError
				if !errors.As(err, &serr) || serr.Code != 552 {
					t.Errorf("MAIL FROM with SIZE=%d: %v, want 552", len(big), err)
				}
			})
			if calls, _ := st.state(); calls != 0 {
				t.Errorf("%d Ingest calls for messages over the limit, want 0", calls)
			}
		})
	}
}

func TestLMTPRepliesPerRecipient(t *testing.T) {
	t.Parallel()
	to := []string{"security@example.org", "psirt@example.org"}
	for _, tc := range []struct {
		name string
		fail bool
		want string
	}{
		{"stored", false, "250"},
		{"store down", true, "451 4.3.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &memStore{fail: tc.fail}
			srv := start(t, Config{LMTP: true}, st)
			c := dial(t, srv, true)
			got := codes(send(t, c, true, "reporter@example.net", to, message))
			want := map[string]string{to[0]: tc.want, to[1]: tc.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
			// One copy for the team, whatever the number of its addresses.
			if calls, _ := st.state(); calls != 1 {
				t.Errorf("%d Ingest calls, want 1", calls)
			}
		})
	}
}

func TestRecipients(t *testing.T) {
	t.Parallel()
	st := &memStore{}
	srv := start(t, Config{LMTP: true, Recipients: []string{"Security@Example.org", "<psirt@example.org>"}}, st)
	for _, tc := range []struct {
		rcpt string
		want int // 0 for accepted
	}{
		{"security@example.org", 0},
		{"SECURITY@EXAMPLE.ORG", 0},
		{"psirt@example.org", 0},
		{"postmaster@example.org", 550},
		{"security@example.net", 550},
	} {
		t.Run(tc.rcpt, func(t *testing.T) {
			c := dial(t, srv, true)
			if err := c.Mail("reporter@example.net", nil); err != nil {
				t.Fatal(err)
			}
			err := c.Rcpt(tc.rcpt, nil)
			got := 0
			var serr *smtp.SMTPError
			if errors.As(err, &serr) {
				got = serr.Code
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("RCPT TO %s: %v, want code %d (0: accepted)", tc.rcpt, err, tc.want)
			}
		})
	}
}

func TestUnixSocket(t *testing.T) {
	t.Parallel()
	st := &memStore{}
	srv := start(t, Config{Addr: "unix:" + filepath.Join(t.TempDir(), "lmtp.sock"), LMTP: true}, st)
	c := dial(t, srv, true)
	if got := codes(send(t, c, true, "", []string{"security@example.org"}, message)); got["security@example.org"] != "250" {
		t.Errorf("replies %v, want 250", got)
	}
	_, stored := st.state()
	if len(stored) != 1 || !bytes.HasPrefix(stored[0], []byte("Return-Path: <>\r\n")) {
		t.Errorf("stored %q, want the bounce with Return-Path: <>", stored)
	}
}

func TestListenOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr        string
		allowRemote bool
		wantErr     bool
	}{
		{"127.0.0.1:0", false, false},
		{"[::1]:0", false, false},
		{"localhost:0", false, false},
		{":0", false, true},
		{"0.0.0.0:0", false, true},
		{"0.0.0.0:0", true, false},
	} {
		t.Run(fmt.Sprintf("%s allowRemote=%v", tc.addr, tc.allowRemote), func(t *testing.T) {
			srv, err := NewServer(Config{Addr: tc.addr, AllowRemote: tc.allowRemote}, &memStore{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			err = srv.Listen()
			if tc.addr == "[::1]:0" && err != nil && strings.Contains(err.Error(), "cannot assign") {
				t.Skip("no IPv6 loopback here")
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("Listen: %v, want an error: %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "not a loopback address") {
				t.Errorf("error %q does not say why", err)
			}
		})
	}
}

func TestWithReturnPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, from, raw, want string
	}{
		{"added", "a@example.net", "Subject: x\r\n\r\nbody\r\n", "Return-Path: <a@example.net>\r\nSubject: x\r\n\r\nbody\r\n"},
		{"null sender of a bounce", "", "Subject: x\r\n\r\nbody\r\n", "Return-Path: <>\r\nSubject: x\r\n\r\nbody\r\n"},
		{"a forged one comes second", "a@example.net", "Return-Path: <b@example.net>\r\nSubject: x\r\n\r\n", "Return-Path: <a@example.net>\r\nReturn-Path: <b@example.net>\r\nSubject: x\r\n\r\n"},
		{"a bounce naming a victim", "", "Subject: x\r\nreturn-path: <victim@example.net>\r\n\r\n", "Return-Path: <>\r\nSubject: x\r\nreturn-path: <victim@example.net>\r\n\r\n"},
		{"only in the body", "a@example.net", "Subject: x\r\n\r\nReturn-Path: <b@example.net>\r\n", "Return-Path: <a@example.net>\r\nSubject: x\r\n\r\nReturn-Path: <b@example.net>\r\n"},
		{"bare line feeds", "a@example.net", "Subject: x\n\nbody\n", "Return-Path: <a@example.net>\nSubject: x\n\nbody\n"},
		{"no header", "a@example.net", "\r\nbody\r\n", "Return-Path: <a@example.net>\r\n\r\nbody\r\n"},
		{"empty", "a@example.net", "", "Return-Path: <a@example.net>\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(withReturnPath([]byte(tc.raw), tc.from)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCloseBeforeServe is the order of a shutdown that comes while ward is
// starting: Listen, Close, then Serve, which must return at once.
func TestCloseBeforeServe(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Config{Addr: "127.0.0.1:0"}, &memStore{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after Close: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve after Close did not return within 5s")
	}
}
