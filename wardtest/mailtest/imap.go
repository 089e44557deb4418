package mailtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAPServer is the IMAP account the intake tests read: plaintext IMAP on
// loopback, as .ci/dovecot.sh starts it. Tests share it and keep apart by
// working in mailboxes of their own (NewMailbox).
type IMAPServer struct {
	Addr     string // host:port
	User     string
	Password string
}

// IMAP returns the account WARD_TEST_IMAP names, such as
// imap://ward:ward@127.0.0.1:10143. Without the variable the test skips,
// unless WARD_REQUIRE_MAIL=1 (which CI sets) makes that a failure.
func IMAP(t testing.TB) IMAPServer {
	t.Helper()
	raw := os.Getenv("WARD_TEST_IMAP")
	if raw == "" {
		msg := "no IMAP server: WARD_TEST_IMAP is not set; run bash .ci/dovecot.sh (as root) and export WARD_TEST_IMAP=imap://ward:ward@127.0.0.1:10143"
		if os.Getenv("WARD_REQUIRE_MAIL") == "1" {
			t.Fatal(msg + "; WARD_REQUIRE_MAIL=1 requires it")
		}
		t.Skip(msg)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "imap" || u.Port() == "" || u.User.Username() == "" {
		t.Fatalf("WARD_TEST_IMAP=%q is not a URL like imap://user:password@127.0.0.1:10143", raw)
	}
	password, _ := u.User.Password()
	return IMAPServer{Addr: u.Host, User: u.User.Username(), Password: password}
}

// Dial returns a client logged in to the account, logged out when the test
// ends.
func (s IMAPServer) Dial(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := s.dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logout(c) })
	return c
}

func (s IMAPServer) dial() (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		return nil, fmt.Errorf("imap: connect to %s: %w", s.Addr, err)
	}
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap: log in to %s as %s: %w", s.Addr, s.User, err)
	}
	return c, nil
}

func logout(c *imapclient.Client) {
	_ = c.Logout().Wait()
	_ = c.Close()
}

// with runs fn on a fresh connection, failing the test when it fails.
func (s IMAPServer) with(t testing.TB, what string, fn func(c *imapclient.Client) error) {
	t.Helper()
	c, err := s.dial()
	if err != nil {
		t.Fatal(err)
	}
	defer logout(c)
	if err := fn(c); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var unsafeMailboxChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// NewMailbox creates a mailbox that no other test uses, named after the
// test, and deletes it with its messages when the test ends.
func (s IMAPServer) NewMailbox(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	// Only letters, digits and hyphens: Dovecot's maildir takes "." as
	// the hierarchy separator, and "/" means a folder in many servers.
	name := unsafeMailboxChars.ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	mailbox := "test-" + name + "-" + hex.EncodeToString(b)
	s.with(t, "create "+mailbox, func(c *imapclient.Client) error {
		return c.Create(mailbox, nil).Wait()
	})
	t.Cleanup(func() {
		c, err := s.dial()
		if err != nil {
			t.Errorf("delete %s: %v", mailbox, err)
			return
		}
		defer logout(c)
		var ierr *imap.Error
		if err := c.Delete(mailbox).Wait(); err != nil && !(errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeNonExistent) {
			t.Errorf("delete %s: %v", mailbox, err)
		}
	})
	return mailbox
}

// Recreate deletes the mailbox and creates it again, empty and with a new
// UIDVALIDITY, as when a mailbox is restored from a backup.
func (s IMAPServer) Recreate(t testing.TB, mailbox string) {
	t.Helper()
	s.with(t, "recreate "+mailbox, func(c *imapclient.Client) error {
		if err := c.Delete(mailbox).Wait(); err != nil {
			return err
		}
		return c.Create(mailbox, nil).Wait()
	})
}

// Append adds the message to the mailbox, unseen, and returns its UID.
func (s IMAPServer) Append(t testing.TB, mailbox string, raw []byte) uint32 {
	t.Helper()
	return s.AppendAll(t, mailbox, [][]byte{raw})[0]
}

// AppendAll adds the messages to the mailbox in order, unseen, over one
// connection, and returns their UIDs: for many messages, as a login costs
// Dovecot two processes and some tens of milliseconds.
func (s IMAPServer) AppendAll(t testing.TB, mailbox string, raws [][]byte) []uint32 {
	t.Helper()
	uids := make([]uint32, 0, len(raws))
	s.with(t, "append to "+mailbox, func(c *imapclient.Client) error {
		for _, raw := range raws {
			cmd := c.Append(mailbox, int64(len(raw)), nil)
			if _, err := cmd.Write(raw); err != nil {
				return err
			}
			if err := cmd.Close(); err != nil {
				return err
			}
			data, err := cmd.Wait()
			if err != nil {
				return err
			}
			uids = append(uids, uint32(data.UID))
		}
		return nil
	})
	return uids
}

// UIDValidity returns the mailbox's UIDVALIDITY.
func (s IMAPServer) UIDValidity(t testing.TB, mailbox string) uint32 {
	t.Helper()
	var v uint32
	s.with(t, "status of "+mailbox, func(c *imapclient.Client) error {
		data, err := c.Status(mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
		if err != nil {
			return err
		}
		v = data.UIDValidity
		return nil
	})
	return v
}

// Count returns how many messages the mailbox holds; with seenOnly, how
// many of them are \Seen.
func (s IMAPServer) Count(t testing.TB, mailbox string, seenOnly bool) int {
	t.Helper()
	n := 0
	for _, seen := range s.Seen(t, mailbox) {
		if seen || !seenOnly {
			n++
		}
	}
	return n
}

// Seen returns, for every message in the mailbox by UID, whether it is
// \Seen. It reads the mailbox with EXAMINE, which changes no flag.
func (s IMAPServer) Seen(t testing.TB, mailbox string) map[uint32]bool {
	t.Helper()
	seen := map[uint32]bool{}
	s.with(t, "read the flags in "+mailbox, func(c *imapclient.Client) error {
		sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return err
		}
		if sel.NumMessages == 0 {
			return nil
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			seen[uint32(m.UID)] = slices.Contains(m.Flags, imap.FlagSeen)
		}
		return nil
	})
	return seen
}
