package imapintake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/wardtest/mailtest"
)

// memStore is a store in memory that skips, as ward's does, a delivery
// whose Ref it has seen and a message whose Message-ID it has.
type memStore struct {
	mu      sync.Mutex
	refs    map[string]bool
	ids     map[string]bool
	raw     map[string][]byte    // by Message-ID
	order   []string             // Message-IDs as stored
	cursors map[string][2]uint32 // by mailbox: validity, uid
	calls   int                  // Ingest calls
	// failAt makes the failAt-th call to Ingest fail: before storing, or,
	// with failAfterStore, after it (as a crash between the store's commit
	// and the \Seen would look to intake).
	failAt         int
	failAfterStore bool
	stored         chan string // each new Message-ID, when not nil
}

func newMemStore() *memStore {
	return &memStore{refs: map[string]bool{}, ids: map[string]bool{}, raw: map[string][]byte{}, cursors: map[string][2]uint32{}}
}

var errStore = errors.New("the store is down")

func (s *memStore) Ingest(ctx context.Context, raw []byte, d ward.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	fail := s.failAt > 0 && s.calls == s.failAt
	if fail && !s.failAfterStore {
		return errStore
	}
	if d.Source != ward.MailIMAP || !strings.HasPrefix(d.Ref, "imap:") {
		return fmt.Errorf("delivery %+v: want source imap and an imap: ref", d)
	}
	if !s.refs[d.Ref] {
		s.refs[d.Ref] = true
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		id := m.Header.Get("Message-ID")
		if !s.ids[id] {
			s.ids[id] = true
			s.raw[id] = raw
			s.order = append(s.order, id)
			if s.stored != nil {
				s.stored <- id
			}
		}
	}
	if fail {
		return errStore
	}
	return nil
}

func (s *memStore) MailCursor(ctx context.Context, mailbox string) (uint32, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cursors[mailbox]
	return c[0], c[1], nil
}

func (s *memStore) SaveMailCursor(ctx context.Context, mailbox string, validity, uid uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors[mailbox] = [2]uint32{validity, uid}
	return nil
}

// storedIDs returns the Message-IDs stored, in the order stored.
func (s *memStore) storedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

func (s *memStore) cursor(cfg Config) [2]uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[cfg.withDefaults().cursorKey()]
}

// message returns a small message with a Message-ID no other test uses.
func message(t *testing.T, n int) (id string, raw []byte) {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	id = fmt.Sprintf("<%s.%d@reporter.example>", hex.EncodeToString(b), n)
	raw = fmt.Appendf(nil, "From: Reporter <reporter@example.net>\r\nTo: security@example.org\r\n"+
		"Subject: Finding %d\r\nMessage-ID: %s\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nDetails of finding %d.\r\n", n, id, n)
	return id, raw
}

// setup returns the test's own mailbox on the test server, a Config for
// it, and a client logged in through Dial.
func setup(t *testing.T) (mailtest.IMAPServer, Config, *imapclient.Client) {
	t.Helper()
	srv := mailtest.IMAP(t)
	cfg := Config{Addr: srv.Addr, User: srv.User, Password: srv.Password, Mailbox: srv.NewMailbox(t)}
	c, err := Dial(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, cfg, c
}

// appendMessages appends n new messages and returns their Message-IDs.
func appendMessages(t *testing.T, srv mailtest.IMAPServer, mailbox string, n int) []string {
	t.Helper()
	var ids []string
	var raws [][]byte
	for i := range n {
		id, raw := message(t, i)
		ids, raws = append(ids, id), append(raws, raw)
	}
	srv.AppendAll(t, mailbox, raws)
	return ids
}

func allSeen(seen map[uint32]bool) bool {
	for _, s := range seen {
		if !s {
			return false
		}
	}
	return true
}

func TestSyncHandsOverEachMessageOnce(t *testing.T) {
	t.Parallel()
	srv, cfg, c := setup(t)
	ids := appendMessages(t, srv, cfg.Mailbox, 7)
	st := newMemStore()

	n, err := Sync(t.Context(), c, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ids) {
		t.Errorf("first sync handed over %d messages, want %d", n, len(ids))
	}
	if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if seen := srv.Seen(t, cfg.Mailbox); len(seen) != len(ids) || !allSeen(seen) {
		t.Errorf("flags after the sync: %v, want %d messages, all seen", seen, len(ids))
	}
	validity := srv.UIDValidity(t, cfg.Mailbox)
	if got, want := st.cursor(cfg), [2]uint32{validity, uint32(len(ids))}; got != want {
		t.Errorf("cursor %v, want %v", got, want)
	}

	n, err = Sync(t.Context(), c, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || st.calls != len(ids) {
		t.Errorf("second sync handed over %d messages (%d Ingest calls in all), want 0 (%d)", n, st.calls, len(ids))
	}
}

func TestSyncBatchesAndLargeMessages(t *testing.T) {
	t.Parallel()
	srv, cfg, c := setup(t)
	// More than two batches, and one message of 8 MiB among them, which
	// must arrive byte for byte.
	ids := appendMessages(t, srv, cfg.Mailbox, 2*batchSize+3)
	bigID, big := message(t, 1000)
	big = append(big, bytes.Repeat([]byte(strings.Repeat("x", 76)+"\r\n"), 8<<20/78)...)
	srv.Append(t, cfg.Mailbox, big)
	ids = append(ids, bigID)
	st := newMemStore()

	n, err := Sync(t.Context(), c, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ids) {
		t.Errorf("handed over %d messages, want %d", n, len(ids))
	}
	if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if !bytes.Equal(st.raw[bigID], big) {
		t.Errorf("the large message arrived as %d bytes, want its %d bytes unchanged", len(st.raw[bigID]), len(big))
	}
	if seen := srv.Seen(t, cfg.Mailbox); !allSeen(seen) {
		t.Errorf("not every message is seen: %v", seen)
	}
}

func TestSyncStoreFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		afterStore bool
	}{
		{"before the store commits", false},
		{"after the store commits, before the \\Seen", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, cfg, c := setup(t)
			ids := appendMessages(t, srv, cfg.Mailbox, 6)
			st := newMemStore()
			st.failAt, st.failAfterStore = 3, tc.afterStore

			n, err := Sync(t.Context(), c, cfg, st)
			if !errors.Is(err, errStore) {
				t.Fatalf("sync with a failing store: %v, want %v", err, errStore)
			}
			if n != 2 {
				t.Errorf("handed over %d messages before the failure, want 2", n)
			}
			want := map[uint32]bool{1: true, 2: true, 3: false, 4: false, 5: false, 6: false}
			if diff := cmp.Diff(want, srv.Seen(t, cfg.Mailbox)); diff != "" {
				t.Errorf("seen by UID after the failure (-want +got):\n%s", diff)
			}
			if got := st.cursor(cfg)[1]; got != 2 {
				t.Errorf("cursor at UID %d, want 2", got)
			}

			st.failAt = 0
			n, err = Sync(t.Context(), c, cfg, st)
			if err != nil {
				t.Fatal(err)
			}
			if n != 4 {
				t.Errorf("the next sync handed over %d messages, want 4", n)
			}
			if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if seen := srv.Seen(t, cfg.Mailbox); !allSeen(seen) {
				t.Errorf("not every message is seen: %v", seen)
			}
		})
	}
}

func TestSyncTakesMessagesSomeoneRead(t *testing.T) {
	t.Parallel()
	srv, cfg, c := setup(t)
	st := newMemStore()
	ids := appendMessages(t, srv, cfg.Mailbox, 2)
	if _, err := Sync(t.Context(), c, cfg, st); err != nil {
		t.Fatal(err)
	}
	// A member reads the next message in their mail client before ward
	// looks: it is \Seen, but newer than the cursor.
	ids = append(ids, appendMessages(t, srv, cfg.Mailbox, 1)...)
	other := srv.Dial(t)
	if _, err := other.Select(cfg.Mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.UIDSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}

	n, err := Sync(t.Context(), c, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("handed over %d messages, want the one read elsewhere", n)
	}
	if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

func TestSyncUIDValidityChange(t *testing.T) {
	t.Parallel()
	srv, cfg, c := setup(t)
	st := newMemStore()
	var raws [][]byte
	var ids []string
	for i := range 3 {
		id, raw := message(t, i)
		srv.Append(t, cfg.Mailbox, raw)
		ids, raws = append(ids, id), append(raws, raw)
	}
	if _, err := Sync(t.Context(), c, cfg, st); err != nil {
		t.Fatal(err)
	}
	before := srv.UIDValidity(t, cfg.Mailbox)

	// The mailbox is restored from a backup that holds the same messages,
	// plus one that arrived since: new UIDVALIDITY, UIDs from 1 again.
	if err := c.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	srv.Recreate(t, cfg.Mailbox)
	for _, raw := range raws {
		srv.Append(t, cfg.Mailbox, raw)
	}
	ids = append(ids, appendMessages(t, srv, cfg.Mailbox, 1)...)
	after := srv.UIDValidity(t, cfg.Mailbox)
	if after == before {
		t.Fatalf("UIDVALIDITY is %d before and after recreating the mailbox", after)
	}

	n, err := Sync(t.Context(), c, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("handed over %d messages after the change, want all 4 again", n)
	}
	if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if got, want := st.cursor(cfg), [2]uint32{after, 4}; got != want {
		t.Errorf("cursor %v, want %v", got, want)
	}
}

func TestSyncMoveTo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		missing bool // the mailbox to move to does not exist yet
	}{
		{"existing mailbox", false},
		{"mailbox created on the first move", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, cfg, c := setup(t)
			cfg.MoveTo = srv.NewMailbox(t)
			if tc.missing {
				if err := c.Delete(cfg.MoveTo).Wait(); err != nil {
					t.Fatal(err)
				}
			}
			ids := appendMessages(t, srv, cfg.Mailbox, 3)
			st := newMemStore()

			n, err := Sync(t.Context(), c, cfg, st)
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 {
				t.Errorf("handed over %d messages, want 3", n)
			}
			if diff := cmp.Diff(ids, st.storedIDs()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if got := srv.Count(t, cfg.Mailbox, false); got != 0 {
				t.Errorf("%d messages left in %s, want 0", got, cfg.Mailbox)
			}
			if got := srv.Count(t, cfg.MoveTo, false); got != 3 {
				t.Errorf("%d messages in %s, want 3", got, cfg.MoveTo)
			}
			if n, err := Sync(t.Context(), c, cfg, st); err != nil || n != 0 {
				t.Errorf("second sync: %d, %v; want 0, nil", n, err)
			}
		})
	}
}

// TestMoveWithoutMOVE runs the COPY, STORE, EXPUNGE fallback for servers
// without MOVE, and shows that a failed COPY deletes nothing.
func TestMoveWithoutMOVE(t *testing.T) {
	t.Parallel()
	srv, cfg, c := setup(t)
	target := srv.NewMailbox(t)
	appendMessages(t, srv, cfg.Mailbox, 3)
	if _, err := c.Select(cfg.Mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}

	if err := move(c, imap.UIDSetNum(1, 2), cfg.Mailbox+"-missing", false); err == nil {
		t.Error("moving to a missing mailbox succeeded")
	}
	if got := srv.Count(t, cfg.Mailbox, false); got != 3 {
		t.Errorf("after a failed COPY %d messages are left, want 3", got)
	}

	if err := move(c, imap.UIDSetNum(1, 2), target, false); err != nil {
		t.Fatal(err)
	}
	if got, want := []int{srv.Count(t, cfg.Mailbox, false), srv.Count(t, target, false)}, []int{1, 2}; !cmp.Equal(got, want) {
		t.Errorf("messages in the mailbox and the target: %v, want %v", got, want)
	}
}

func TestRunIdle(t *testing.T) {
	t.Parallel()
	srv := mailtest.IMAP(t)
	cfg := Config{Addr: srv.Addr, User: srv.User, Password: srv.Password, Mailbox: srv.NewMailbox(t),
		Poll: time.Hour} // so that only IDLE can bring the second message in time
	st := newMemStore()
	st.stored = make(chan string, 10)
	first := appendMessages(t, srv, cfg.Mailbox, 1)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, st) }()

	wait := func(want string) {
		t.Helper()
		select {
		case got := <-st.stored:
			if got != want {
				t.Errorf("stored %s, want %s", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not stored within 10s", want)
		}
	}
	wait(first[0])
	start := time.Now()
	second := appendMessages(t, srv, cfg.Mailbox, 1)
	wait(second[0])
	t.Logf("a message appended during IDLE was stored after %s", time.Since(start).Round(time.Millisecond))

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its context ending")
	}
}

// syncBuffer is a log destination that Run's goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunRetriesAfterAFailure(t *testing.T) {
	t.Parallel()
	srv := mailtest.IMAP(t)
	var logs syncBuffer
	cfg := Config{Addr: srv.Addr, User: srv.User, Password: srv.Password, Mailbox: srv.NewMailbox(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	st := newMemStore()
	st.stored = make(chan string, 10)
	st.failAt = 1
	ids := appendMessages(t, srv, cfg.Mailbox, 1)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, st) }()
	select {
	case got := <-st.stored:
		if got != ids[0] {
			t.Errorf("stored %s, want %s", got, ids[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the message was not stored within 10s of the store's failure")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "reconnecting") || !strings.Contains(out, errStore.Error()) {
		t.Errorf("the log does not tell of the failure and the retry:\n%s", out)
	}
	for _, secret := range []string{"Finding", "Details", "reporter@example.net"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q, from the message:\n%s", secret, out)
		}
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no port", Config{Addr: "imap.example.org", User: "u"}, "host:port"},
		{"no user", Config{Addr: "imap.example.org:993"}, "no user"},
		{"moving to itself", Config{Addr: "imap.example.org:993", User: "u", MoveTo: "INBOX"}, "moved where they are"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(t.Context(), tc.cfg, newMemStore())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// fakeServer answers IMAP commands on one end of a pipe, as a server that
// offers no STARTTLS, and records the commands it got.
type fakeServer struct {
	mu       sync.Mutex
	commands []string
}

func (f *fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	fmt.Fprint(conn, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake server ready\r\n")
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		name, _, _ := strings.Cut(rest, " ")
		f.mu.Lock()
		f.commands = append(f.commands, strings.ToUpper(name))
		f.mu.Unlock()
		switch strings.ToUpper(name) {
		case "CAPABILITY":
			fmt.Fprintf(conn, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n", tag)
		case "LOGIN":
			fmt.Fprintf(conn, "%s OK logged in\r\n", tag)
		case "LOGOUT":
			fmt.Fprintf(conn, "* BYE\r\n%s OK bye\r\n", tag)
			return
		default:
			fmt.Fprintf(conn, "%s BAD not here\r\n", tag)
		}
	}
}

func (f *fakeServer) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

func TestPlaintextPasswordOnlyToLoopback(t *testing.T) {
	t.Parallel()
	t.Run("dial", func(t *testing.T) {
		// A server on the network that offers no STARTTLS: the password
		// must never be sent.
		fake := &fakeServer{}
		dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			client, server := net.Pipe()
			go fake.serve(server)
			return client, nil
		}
		cfg := Config{Addr: "imap.example.org:143", User: "security", Password: "secret"}.withDefaults()
		c, err := dial(t.Context(), cfg, &imapclient.Options{}, dialer)
		if err == nil {
			c.Close()
			t.Fatal("dial succeeded without TLS to a host on the network")
		}
		if !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), "not loopback") {
			t.Errorf("error %q does not say that STARTTLS failed and why it is needed", err)
		}
		if got := fake.got(); strings.Contains(strings.Join(got, " "), "LOGIN") {
			t.Errorf("the server got %v: the password was sent", got)
		}
	})
	for _, tc := range []struct {
		addr      string
		encrypted bool
		wantLogin bool
	}{
		{"imap.example.org:143", false, false},
		{"192.0.2.1:143", false, false},
		{"[2001:db8::1]:143", false, false},
		{"127.0.0.1:143", false, true},
		{"[::1]:143", false, true},
		{"localhost:143", false, true},
		{"imap.example.org:993", true, true},
	} {
		t.Run(fmt.Sprintf("login to %s encrypted=%v", tc.addr, tc.encrypted), func(t *testing.T) {
			fake := &fakeServer{}
			client, server := net.Pipe()
			go fake.serve(server)
			c := imapclient.New(client, nil)
			defer c.Close()
			err := login(c, Config{Addr: tc.addr, User: "security", Password: "secret"}, tc.encrypted)
			sent := strings.Contains(strings.Join(fake.got(), " "), "LOGIN")
			if sent != tc.wantLogin || (err == nil) != tc.wantLogin {
				t.Errorf("login: %v, LOGIN sent: %v; want sent: %v", err, sent, tc.wantLogin)
			}
			if !tc.wantLogin && (err == nil || !strings.Contains(err.Error(), "plaintext")) {
				t.Errorf("error %v does not say that it refuses plaintext", err)
			}
		})
	}
}
