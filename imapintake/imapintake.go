// Package imapintake fetches the team's mail from an IMAP mailbox
// (emersion/go-imap v2) and hands each message to ward's store, marking it
// seen or moving it only after the store committed it.
//
// Nothing is lost and nothing is stored twice, whatever fails when:
//
//   - A message is fetched with BODY.PEEK[], which leaves it unseen, and is
//     marked \Seen (or moved away) only after Store.Ingest returned nil. A
//     crash in between leaves it unseen, so that the next pass fetches it
//     again; the store skips it by its delivery Ref or its Message-ID.
//   - Each pass takes the unseen messages and, by a cursor the store keeps
//     (the mailbox's UIDVALIDITY and the last UID handed over), every newer
//     one, so that a message someone read in a mail client before ward saw
//     it is fetched all the same. The first pass, and the first after
//     UIDVALIDITY changed (the mailbox was recreated or restored), hands
//     over every message in the mailbox.
//   - With Config.MoveTo the mailbox holds only what ward has not taken, and
//     each pass takes every message in it.
//
// Message contents and subjects are embargoed: nothing here logs them, only
// mailboxes, UIDs and counts.
package imapintake

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/wardsec/ward"
)

// Config says which mailbox to read and how.
type Config struct {
	Addr string // host:port
	// TLS is implicit TLS (port 993). Without it the connection is upgraded
	// with STARTTLS when the server offers it; a password goes in plaintext
	// only to a loopback host, and Dial refuses to send it otherwise.
	TLS            bool
	User, Password string
	Mailbox        string // INBOX when empty
	// MoveTo, when set, is where committed messages are moved (MOVE, or
	// COPY, STORE \Deleted and EXPUNGE where the server has no MOVE)
	// instead of being marked \Seen. It is created when it is missing.
	MoveTo string
	Poll   time.Duration // between passes when the server has no IDLE; 1 minute when 0
	Logger *slog.Logger  // nil logs nothing
	// TLSConfig is for servers with certificates the system does not trust,
	// such as a test server's; nil uses the system roots.
	TLSConfig *tls.Config
}

// Store is what intake needs of ward: ingest one raw message idempotently,
// and keep a cursor.
type Store interface {
	// Ingest stores the message, or returns nil without storing it again
	// when the delivery's Ref or the message is stored already.
	Ingest(ctx context.Context, raw []byte, d ward.Delivery) error
	// MailCursor returns zeros for a mailbox it has no cursor for. Intake
	// names a mailbox with its account: user@host:port/MAILBOX.
	MailCursor(ctx context.Context, mailbox string) (validity, uid uint32, err error)
	SaveMailCursor(ctx context.Context, mailbox string, validity, uid uint32) error
}

const (
	// batchSize is how many messages one FETCH asks for. Their bodies are
	// read one at a time as they arrive, so it bounds round trips, not
	// memory.
	batchSize = 50
	// idleRestart ends an IDLE before the 30 minutes after which RFC 9051
	// lets a server drop an idle client.
	idleRestart = 25 * time.Minute
	minBackoff  = time.Second
	maxBackoff  = time.Minute
	dialTimeout = 30 * time.Second
	// preallocLimit caps the buffer allocated up front from the size a
	// server announces for a message; a larger one grows as it is read.
	preallocLimit = 32 << 20
)

func (cfg Config) withDefaults() Config {
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func (cfg Config) validate() error {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return fmt.Errorf("imap: address %q: want host:port: %w", cfg.Addr, err)
	}
	if cfg.User == "" {
		return fmt.Errorf("imap: no user to log in as")
	}
	if cfg.MoveTo == cfg.Mailbox {
		return fmt.Errorf("imap: MoveTo is the mailbox read (%s): messages would be moved where they are", cfg.Mailbox)
	}
	return nil
}

// cursorKey names the mailbox in the store: the account too, so that two
// servers' INBOXes keep two cursors.
func (cfg Config) cursorKey() string {
	return fmt.Sprintf("%s@%s/%s", cfg.User, cfg.Addr, cfg.Mailbox)
}

// Run reads the mailbox until ctx ends, then returns nil: it connects,
// hands over what is waiting, then waits for more with IDLE (re-issued at
// least every 25 minutes) or, on a server without IDLE, looks again every
// cfg.Poll. It reconnects after any error, waiting 1 s and doubling up to a
// minute, and logs the error without anything of the messages. It returns
// an error at once only when cfg cannot work at all.
func Run(ctx context.Context, cfg Config, st Store) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.Logger.With("imap", cfg.Addr, "mailbox", cfg.Mailbox)
	backoff := minBackoff
	for {
		synced, err := session(ctx, cfg, st)
		if ctx.Err() != nil {
			return nil
		}
		// A connection that worked long enough to hand mail over was
		// healthy: the next failure is a new one, retried soon.
		if synced {
			backoff = minBackoff
		}
		log.Warn("imap intake failed; reconnecting", "in", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// session is one connection: passes separated by IDLE or polling, until an
// error or the end of ctx. synced reports whether a pass completed.
func session(ctx context.Context, cfg Config, st Store) (synced bool, err error) {
	// New mail shows as an EXISTS response, which the client hands to this
	// handler whatever command (or IDLE) is running. The channel remembers
	// one arrival, so that mail arriving during a pass starts the next one.
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: cfg.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	c, err := dial(ctx, cfg, opts, (&net.Dialer{Timeout: dialTimeout}).DialContext)
	if err != nil {
		return false, err
	}
	defer c.Close()
	// The client's commands take no context: closing the connection is what
	// ends a wait when ctx does.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	idle := c.Caps().Has(imap.CapIdle)
	for {
		select {
		case <-wake:
		default:
		}
		n, err := Sync(ctx, c, cfg, st)
		if err != nil {
			return synced, err
		}
		synced = true
		if n > 0 {
			cfg.Logger.Info("imap: mail stored", "imap", cfg.Addr, "mailbox", cfg.Mailbox, "messages", n)
		}
		if idle {
			err = waitIdle(ctx, c, wake)
		} else {
			err = waitPoll(ctx, c, wake, cfg.Poll)
		}
		if err != nil {
			return synced, err
		}
	}
}

// waitIdle idles until new mail, idleRestart, the end of ctx or of the
// connection.
func waitIdle(ctx context.Context, c *imapclient.Client, wake <-chan struct{}) error {
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("imap: idle: %w", err)
	}
	t := time.NewTimer(idleRestart)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap: end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("imap: end idle: %w", err)
	}
	return ctx.Err()
}

func waitPoll(ctx context.Context, c *imapclient.Client, wake <-chan struct{}, poll time.Duration) error {
	t := time.NewTimer(poll)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.Closed():
		return fmt.Errorf("imap: connection closed")
	}
	return nil
}

// Dial connects to cfg.Addr as cfg says (implicit TLS, STARTTLS, or
// plaintext to a loopback host) and logs in. The caller closes the client.
func Dial(ctx context.Context, cfg Config) (*imapclient.Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return dial(ctx, cfg, &imapclient.Options{TLSConfig: cfg.TLSConfig}, (&net.Dialer{Timeout: dialTimeout}).DialContext)
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func dial(ctx context.Context, cfg Config, opts *imapclient.Options, dialConn dialFunc) (*imapclient.Client, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap: address %q: %w", cfg.Addr, err)
	}
	tlsConfig := opts.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	tlsOpts := *opts
	tlsOpts.TLSConfig = tlsConfig

	conn, err := dialConn(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap: connect to %s: %w", cfg.Addr, err)
	}
	var c *imapclient.Client
	encrypted := true
	switch {
	case cfg.TLS:
		if len(tlsConfig.NextProtos) == 0 {
			tlsConfig.NextProtos = []string{"imap"}
		}
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("imap: TLS with %s: %w", cfg.Addr, err)
		}
		c = imapclient.New(tc, opts)
	case isLoopback(host):
		c = imapclient.New(conn, opts)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, fmt.Errorf("imap: greeting from %s: %w", cfg.Addr, err)
		}
		encrypted = false
		if c.Caps().Has(imap.CapStartTLS) {
			// The client cannot upgrade a connection it has read the
			// capabilities on; a second connection asks for STARTTLS first.
			c.Close()
			if conn, err = dialConn(ctx, "tcp", cfg.Addr); err != nil {
				return nil, fmt.Errorf("imap: connect to %s: %w", cfg.Addr, err)
			}
			if c, err = imapclient.NewStartTLS(conn, &tlsOpts); err != nil {
				return nil, fmt.Errorf("imap: STARTTLS with %s: %w", cfg.Addr, err)
			}
			encrypted = true
		}
	default:
		if c, err = imapclient.NewStartTLS(conn, &tlsOpts); err != nil {
			return nil, fmt.Errorf("imap: STARTTLS with %s: %w (ward sends a password to a host that is not loopback only encrypted: set TLS for port 993, or use a server that offers STARTTLS)", cfg.Addr, err)
		}
	}
	if err := login(c, cfg, encrypted); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// login refuses to send the password in plaintext anywhere but to a
// loopback host: on a network, anyone on the path could read it, and the
// mailbox holds embargoed reports.
func login(c *imapclient.Client, cfg Config, encrypted bool) error {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("imap: address %q: %w", cfg.Addr, err)
	}
	if !encrypted && !isLoopback(host) {
		return fmt.Errorf("imap: refusing to send the password for %s to %s in plaintext: it is not a loopback address; set TLS, or use a server that offers STARTTLS", cfg.User, cfg.Addr)
	}
	if c.Caps().Has(imap.CapLoginDisabled) {
		return fmt.Errorf("imap: %s does not allow LOGIN on this connection (LOGINDISABLED)", cfg.Addr)
	}
	if err := c.Login(cfg.User, cfg.Password).Wait(); err != nil {
		return fmt.Errorf("imap: log in to %s as %s: %w", cfg.Addr, cfg.User, err)
	}
	return nil
}

// isLoopback reports whether host names this machine without a lookup: a
// name that DNS maps to 127.0.0.1 could be mapped elsewhere tomorrow.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Sync makes one pass over the mailbox through c, a logged-in client: it
// selects cfg.Mailbox, hands each message that is waiting to st.Ingest in
// UID order, marks the committed ones \Seen (or moves them to cfg.MoveTo)
// and saves the cursor. It returns how many messages Ingest accepted. When
// Ingest fails the pass stops there and returns the error: that message and
// those after it stay unseen, for the next pass.
func Sync(ctx context.Context, c *imapclient.Client, cfg Config, st Store) (int, error) {
	cfg = cfg.withDefaults()
	key := cfg.cursorKey()
	sel, err := c.Select(cfg.Mailbox, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap: select %s: %w", cfg.Mailbox, err)
	}
	if sel.UIDValidity == 0 {
		return 0, fmt.Errorf("imap: select %s: the server sent no UIDVALIDITY", cfg.Mailbox)
	}
	validity, last, err := st.MailCursor(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("imap: cursor of %s: %w", key, err)
	}
	if validity != sel.UIDValidity {
		if validity != 0 {
			cfg.Logger.Warn("imap: UIDVALIDITY changed: reading the whole mailbox again; the store skips what it has",
				"imap", cfg.Addr, "mailbox", cfg.Mailbox, "was", validity, "now", sel.UIDValidity)
		}
		validity, last = sel.UIDValidity, 0
		if err := st.SaveMailCursor(ctx, key, validity, last); err != nil {
			return 0, fmt.Errorf("imap: save the cursor of %s: %w", key, err)
		}
	}
	if sel.NumMessages == 0 {
		return 0, nil
	}
	uids, err := waiting(c, cfg, last)
	if err != nil {
		return 0, err
	}

	handed := 0
	for len(uids) > 0 {
		batch := uids[:min(batchSize, len(uids))]
		uids = uids[len(batch):]
		done, passed, ingestErr := fetchBatch(ctx, c, cfg, st, validity, batch)
		handed += len(done)
		if len(done) > 0 {
			if err := settle(c, cfg, done); err != nil {
				return handed, err
			}
		}
		// The cursor passes a UID only when every one up to it is handled:
		// committed, or one the cursor may pass without (see fetchBatch).
		next := last
		for _, uid := range batch {
			if !slices.Contains(done, uid) && !slices.Contains(passed, uid) {
				break
			}
			next = max(next, uint32(uid))
		}
		if next != last {
			if err := st.SaveMailCursor(ctx, key, validity, next); err != nil {
				return handed, fmt.Errorf("imap: save the cursor of %s: %w", key, err)
			}
			last = next
		}
		if ingestErr != nil {
			return handed, ingestErr
		}
	}
	return handed, nil
}

// waiting returns, in UID order, the UIDs of the messages to hand over:
// every one when the cursor is new (last is 0) or messages are moved
// away once taken, else the unseen ones and those newer than last.
func waiting(c *imapclient.Client, cfg Config, last uint32) ([]imap.UID, error) {
	if cfg.MoveTo != "" || last == 0 {
		all, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			return nil, fmt.Errorf("imap: search %s: %w", cfg.Mailbox, err)
		}
		return all.AllUIDs(), nil
	}
	// Two searches rather than one with OR: "UID n:*" matches the last
	// message even when its UID is below n, and in an OR the result could
	// not be told apart from an unseen old message. One after the other:
	// the client gives every untagged SEARCH response to the first search
	// pending, so two in flight would pool their results.
	unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: search %s for unseen mail: %w", cfg.Mailbox, err)
	}
	newer, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(last + 1), Stop: 0}}}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: search %s for new mail: %w", cfg.Mailbox, err)
	}
	uids := unseen.AllUIDs()
	for _, uid := range newer.AllUIDs() {
		if uint32(uid) > last {
			uids = append(uids, uid)
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// fetchBatch fetches the batch's messages with BODY.PEEK[] and hands each to
// the store as it arrives, so that only one message's bytes are held at a
// time. It returns the UIDs the store committed, and those the cursor may
// pass all the same: messages the server no longer had (expunged since the
// search), and ones it sent without a body, which stay unseen for the
// search for unseen mail to find again rather than hold the cursor back
// and have every newer message fetched again on every pass. On an error it
// stops handing over and returns what was committed before it.
func fetchBatch(ctx context.Context, c *imapclient.Client, cfg Config, st Store, validity uint32, batch []imap.UID) (done, passed []imap.UID, failure error) {
	cmd := c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var received []imap.UID
	for failure == nil {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		uid, raw, err := readMessage(msg, cfg.Logger)
		received = append(received, uid)
		switch {
		case err != nil:
			failure = fmt.Errorf("imap: fetch message %d of %s: %w", uid, cfg.Mailbox, err)
		case uid == 0 || raw == nil:
			cfg.Logger.Warn("imap: a fetched message came without its UID or body; left unseen", "imap", cfg.Addr, "mailbox", cfg.Mailbox, "uid", uid, "seq", msg.SeqNum)
			if uid != 0 {
				passed = append(passed, uid)
			}
		default:
			if err := ctx.Err(); err != nil {
				failure = err
				break
			}
			d := ward.Delivery{Source: ward.MailIMAP, Ref: fmt.Sprintf("imap:%s@%s/%s/%d/%d", cfg.User, cfg.Addr, cfg.Mailbox, validity, uid)}
			if err := st.Ingest(ctx, raw, d); err != nil {
				failure = fmt.Errorf("imap: store message %d of %s: %w", uid, cfg.Mailbox, err)
				break
			}
			done = append(done, uid)
		}
	}
	// Close reads what is left of the response, discarding the bodies
	// without holding them.
	if err := cmd.Close(); err != nil && failure == nil {
		failure = fmt.Errorf("imap: fetch from %s: %w", cfg.Mailbox, err)
	}
	if failure == nil {
		for _, uid := range batch {
			if !slices.Contains(received, uid) {
				passed = append(passed, uid)
			}
		}
	}
	return done, passed, failure
}

// MaxMessage is the most of one message intake keeps: more than mail
// servers accept (25 to 50 MiB is usual), and what is held in memory at
// once.
const MaxMessage = 64 << 20

// readMessage reads one message's UID and bytes from a FETCH response.
func readMessage(msg *imapclient.FetchMessageData, log *slog.Logger) (imap.UID, []byte, error) {
	var uid imap.UID
	var raw []byte
	for {
		item := msg.Next()
		if item == nil {
			return uid, raw, nil
		}
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = item.UID
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil {
				continue
			}
			buf := bytes.NewBuffer(make([]byte, 0, min(item.Literal.Size(), preallocLimit)))
			if _, err := buf.ReadFrom(io.LimitReader(item.Literal, MaxMessage)); err != nil {
				return uid, nil, err
			}
			// Beyond the limit the rest is read and dropped, and logged by
			// UID: the whole message stays on the server.
			if _, err := io.Copy(io.Discard, item.Literal); err != nil {
				return uid, nil, err
			}
			raw = buf.Bytes()
			if item.Literal.Size() > MaxMessage {
				log.Warn("imap: message over the limit; the first part is stored, the whole stays on the server",
					"uid", uid, "size", item.Literal.Size(), "limit", MaxMessage)
			}
		}
	}
}

// settle marks committed messages \Seen, or moves them to cfg.MoveTo.
func settle(c *imapclient.Client, cfg Config, uids []imap.UID) error {
	set := imap.UIDSetNum(uids...)
	if cfg.MoveTo == "" {
		err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
		if err != nil {
			return fmt.Errorf("imap: mark %d messages of %s seen: %w", len(uids), cfg.Mailbox, err)
		}
		return nil
	}
	err := move(c, set, cfg.MoveTo, c.Caps().Has(imap.CapMove))
	var ierr *imap.Error
	if errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeTryCreate {
		if cerr := c.Create(cfg.MoveTo, nil).Wait(); cerr != nil {
			return fmt.Errorf("imap: create %s to move mail to: %w", cfg.MoveTo, cerr)
		}
		err = move(c, set, cfg.MoveTo, c.Caps().Has(imap.CapMove))
	}
	if err != nil {
		return fmt.Errorf("imap: move %d messages from %s to %s: %w", len(uids), cfg.Mailbox, cfg.MoveTo, err)
	}
	return nil
}

// move moves the messages with MOVE, or else with COPY, then STORE
// \Deleted, then EXPUNGE, one after the other. (The client's own fallback
// sends all three at once, so that a COPY that fails, say for a missing
// mailbox, is still followed by the deletion: the messages would be gone
// from both mailboxes.) Without UIDPLUS, EXPUNGE also removes whatever else
// someone had marked \Deleted in the mailbox.
func move(c *imapclient.Client, set imap.UIDSet, to string, hasMove bool) error {
	if hasMove {
		_, err := c.Move(set, to).Wait()
		return err
	}
	if _, err := c.Copy(set, to).Wait(); err != nil {
		return err
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return err
	}
	if c.Caps().Has(imap.CapUIDPlus) {
		return c.UIDExpunge(set).Close()
	}
	return c.Expunge().Close()
}
