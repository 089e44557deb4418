// Package lmtp receives the team's mail over LMTP (or SMTP) from a mail
// server or list, acknowledging each message only after ward's store
// committed it.
//
// It is the last hop of a delivery, for the team's own mail server (say
// Postfix or Dovecot handing mail on over LMTP) on the same machine or a
// private network: it asks for no authentication, offers no TLS, and so
// listens only on a loopback address or a unix socket unless
// Config.AllowRemote says otherwise. Anyone who can connect can put mail
// in the team's inbox.
//
// A message is read whole (up to Config.MaxSize, beyond which it is refused
// with 552) and handed to Store.Ingest; DATA is answered 250 only once that
// returned nil, and 451 otherwise, so that the sender keeps the message and
// tries again. As an MTA does at final delivery, the envelope sender is
// written into a Return-Path field at the top of the message, so that the
// store can tell bounces (a null sender, "<>") from mail.
//
// Message contents, subjects and senders are embargoed: nothing here logs
// them, only sizes and errors.
package lmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wardsec/ward"
	"golang.org/x/net/netutil"
)

// Config says where and how to listen.
type Config struct {
	// Addr is a TCP address, such as 127.0.0.1:2424, or a unix socket,
	// such as unix:/run/ward/lmtp.sock.
	Addr       string
	LMTP       bool     // LMTP (a reply per recipient) rather than SMTP
	Domain     string   // the name it greets with; localhost when empty
	Recipients []string // accepted RCPT addresses, in any case; empty accepts any
	MaxSize    int64    // the largest message taken; 50 MiB when 0
	// AllowRemote lets it listen on an address other than loopback, for a
	// private network whose only client is the team's mail server.
	AllowRemote bool
	Logger      *slog.Logger // nil logs nothing
}

// Store is what the listener needs of ward.
type Store interface {
	// Ingest stores the message, or returns nil without storing it again
	// when it is stored already.
	Ingest(ctx context.Context, raw []byte, d ward.Delivery) error
}

const (
	defaultMaxSize = 50 << 20
	maxRecipients  = 100
	maxLine        = 2 << 20 // the email package reads at most 2 MiB of header
	maxConns       = 16      // a mail server delivers over a few connections
	// readTimeout bounds the wait for a command, and for the whole of a
	// message after its DATA; RFC 5321 asks for 5 and 10 minutes.
	readTimeout  = 10 * time.Minute
	writeTimeout = time.Minute
)

// Server is an LMTP or SMTP listener in front of a Store.
type Server struct {
	cfg        Config
	st         Store
	log        *slog.Logger
	recipients map[string]bool
	smtp       *smtp.Server
	// ctx is the context of every Ingest: Close cancels it, so that a store
	// waiting on a lock gives up when ward stops.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	ln     net.Listener
	closed bool
}

// NewServer checks cfg and returns a server that is not listening yet.
func NewServer(cfg Config, st Store) (*Server, error) {
	if cfg.Addr == "" {
		return nil, fmt.Errorf("lmtp: no address to listen on")
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = defaultMaxSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, st: st, log: cfg.Logger}
	if len(cfg.Recipients) > 0 {
		s.recipients = make(map[string]bool, len(cfg.Recipients))
		for _, r := range cfg.Recipients {
			s.recipients[strings.ToLower(strings.Trim(strings.TrimSpace(r), "<>"))] = true
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s}, nil
	}))
	srv.LMTP = cfg.LMTP
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxSize
	// go-smtp refuses a line over 2,000 bytes, in the message too, which
	// became a 451 retried for days and never stored: mail has such lines.
	// The bound applies to command lines as well, each read whole before it
	// is handled, so it stays at what a header may hold when read (2 MiB),
	// with at most maxConns connections at once.
	srv.MaxLineLength = maxLine
	srv.MaxRecipients = maxRecipients
	srv.ReadTimeout = readTimeout
	srv.WriteTimeout = writeTimeout
	srv.ErrorLog = errorLog{cfg.Logger}
	s.smtp = srv
	return s, nil
}

// network splits "unix:/path" from a TCP address.
func network(addr string) (string, string) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		return "unix", path
	}
	return "tcp", addr
}

// Listen opens the listening socket: Config.Addr, which must be loopback
// (or a unix socket) unless Config.AllowRemote is set.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("lmtp: listen on %s: the server is closed", s.cfg.Addr)
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen(network(s.cfg.Addr))
	if err != nil {
		return fmt.Errorf("lmtp: listen on %s: %w", s.cfg.Addr, err)
	}
	// The address bound, not the one asked for, is what counts: ":2424"
	// and a name that resolves elsewhere both listen beyond this machine.
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !s.cfg.AllowRemote {
		ln.Close()
		return fmt.Errorf("lmtp: refusing to listen on %s, which is not a loopback address: it takes mail without authentication, "+
			"so anyone who can reach it could put mail in the team's inbox; listen on 127.0.0.1 or a unix: socket, or set AllowRemote for a private network", ln.Addr())
	}
	s.ln = netutil.LimitListener(ln, maxConns)
	return nil
}

// Addr returns the address listened on, nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serve answers connections on the address Listen opened (calling Listen
// first if need be) until Close, then returns nil.
func (s *Server) Serve() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if err := s.smtp.Serve(ln); err != nil {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return nil // the listener closed under it
		}
		return fmt.Errorf("lmtp: serve on %s: %w", ln.Addr(), err)
	}
	return nil
}

// ListenAndServe is Listen, then Serve.
func (s *Server) ListenAndServe() error {
	return s.Serve()
}

// Close stops listening and drops every connection at once; a message
// being received is not acknowledged, so its sender sends it again.
func (s *Server) Close() error {
	s.cancel()
	s.closeListener()
	if err := s.smtp.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("lmtp: close: %w", err)
	}
	return nil
}

// closeListener closes the listener itself: go-smtp closes only those its
// Serve has begun with, and a Close that comes between Listen and Serve
// must still end Serve.
func (s *Server) closeListener() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
}

// Shutdown stops listening and waits, until ctx ends, for the connections
// to finish what they are doing.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.cancel()
	s.closeListener()
	if err := s.smtp.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("lmtp: shut down: %w", err)
	}
	return nil
}

// session is one connection's transaction: the envelope of the message
// being received.
type session struct {
	srv   *Server
	from  string
	rcpts []string
}

var (
	errNoSuchRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such recipient here"}
	// errTryLater says nothing of why: the store's error may name what it
	// was storing.
	errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Cannot store the message now; try again later"}
)

func (s *session) Reset() {
	s.from = ""
	s.rcpts = nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if s.srv.recipients != nil && !s.srv.recipients[strings.ToLower(to)] {
		return errNoSuchRecipient
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data receives a message over SMTP: one reply for all recipients.
func (s *session) Data(r io.Reader) error {
	return s.deliver(r)
}

// LMTPData receives a message over LMTP. ward stores one copy for the team
// however many of its addresses the message was for, so every recipient
// gets the same reply: each was stored, or none was.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	err := s.deliver(r)
	for _, rcpt := range s.rcpts {
		status.SetStatus(rcpt, err)
	}
	return err
}

func (s *session) deliver(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		// The reader stops at MaxMessageBytes with ErrDataTooLarge, which
		// becomes 552; anything else is a broken connection.
		var serr *smtp.SMTPError
		if errors.As(err, &serr) {
			if serr == smtp.ErrDataTooLarge {
				s.srv.log.Warn("lmtp: message refused: larger than the limit", "limit", s.srv.cfg.MaxSize)
			}
			return serr
		}
		s.srv.log.Warn("lmtp: reading a message failed", "err", err)
		return errTryLater
	}
	raw = withReturnPath(raw, s.from)
	if err := s.srv.st.Ingest(s.srv.ctx, raw, ward.Delivery{Source: ward.MailLMTP}); err != nil {
		s.srv.log.Error("lmtp: storing a message failed; answered 451 so that the sender retries", "size", len(raw), "err", err)
		return errTryLater
	}
	s.srv.log.Info("lmtp: message stored", "size", len(raw), "recipients", len(s.rcpts))
	return nil
}

// withReturnPath puts the envelope sender in a Return-Path field at the
// top of the message, with the message's own line ending, as a mail
// server does at final delivery (RFC 5321 §4.4). The null sender of a
// bounce becomes "<>". It is added even when the message has one: a
// Return-Path written by the sender is forged, and the reader takes the
// first, so a bounce cannot name someone else to acknowledge.
func withReturnPath(raw []byte, from string) []byte {
	eol := "\r\n"
	if i := bytes.IndexByte(raw, '\n'); i >= 0 && (i == 0 || raw[i-1] != '\r') {
		eol = "\n"
	}
	field := "Return-Path: <" + from + ">" + eol
	return append([]byte(field), raw...)
}

// errorLog passes what go-smtp reports (connection errors, never message
// contents) to slog.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.log.Warn("lmtp: " + fmt.Sprintf(format, v...))
}

func (e errorLog) Println(v ...any) {
	e.log.Warn("lmtp: " + strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
