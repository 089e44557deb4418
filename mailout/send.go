package mailout

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// sessionTimeout bounds one delivery, from dialling to the server's answer
// to the message: go-mail sets it once on the connection.
const sessionTimeout = time.Minute

// Sender delivers raw messages through the configured SMTP server, one
// connection per message. It is safe for concurrent use.
type Sender struct {
	host        string
	port        int
	implicitTLS bool
	policy      gomail.TLSPolicy
	user        string
	password    string
	tls         *tls.Config
}

// NewSender checks cfg.SMTPURL and returns a Sender for it. It refuses an
// unknown scheme, a URL with anything but a user, host and port, a
// password in the URL (the URL is configuration that may be shown or
// committed), a password without a user, and a user (whose password would
// travel in plain text) on smtp+insecure to a host other than loopback.
// Its errors never repeat the URL.
func NewSender(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.SMTPURL)
	if err != nil {
		// url.Error repeats the URL, and with it any password in it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	s := &Sender{host: u.Hostname()}
	var port int
	switch u.Scheme {
	case "smtp":
		port, s.policy = 587, gomail.TLSMandatory
	case "smtps":
		port, s.implicitTLS = 465, true
	case "smtp+insecure":
		port, s.policy = 25, gomail.NoTLS
	default:
		return nil, fmt.Errorf("smtp url: scheme %q is not smtp, smtps or smtp+insecure", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("smtp url: only a user, a host and a port are read; remove the rest")
	}
	if s.host == "" {
		return nil, errors.New("smtp url: no host")
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("smtp url: port %q is not a port number", p)
		}
	}
	s.port = port
	if u.User != nil {
		if _, set := u.User.Password(); set {
			return nil, errors.New("smtp url: a password in the URL is refused; give it as the SMTP password instead")
		}
		s.user = u.User.Username()
	}
	s.password = cfg.Password
	if s.password != "" && s.user == "" {
		return nil, errors.New("smtp url: a password is set but the URL names no user")
	}
	loopback := isLoopback(s.host)
	if s.user != "" && s.policy == gomail.NoTLS && !loopback {
		return nil, fmt.Errorf("smtp url: smtp+insecure would send the password in plain text to %s; use smtp or smtps", s.host)
	}
	if u.Scheme == "smtp" && loopback {
		// A relay on this machine is reached without crossing a network.
		s.policy = gomail.TLSOpportunistic
	}
	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
	} else {
		s.tls = &tls.Config{}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = s.host
	}
	if s.tls.MinVersion == 0 {
		s.tls.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers raw, exactly as given, to the recipients: from is the
// envelope sender, "" for the null one (see EnvelopeFrom). It returns nil
// once the server has accepted the message, and otherwise an error that
// Permanent classifies. A message with any recipient refused is not sent
// to the others either, so that a retry cannot deliver it twice. When ctx
// ends, the connection is closed at once; a delivery that takes longer
// than a minute is given up, as temporary.
//
// go-mail dials, says EHLO, starts TLS and authenticates; the MAIL, RCPT
// and DATA commands are sent through its SMTP client here rather than by
// its Send, which would write a message it built itself, not the stored
// bytes.
func (s *Sender) Send(ctx context.Context, from string, to []string, raw []byte) (err error) {
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		err = fmt.Errorf("send through %s: %w", addr, err)
	}()
	if err := checkEnvelope(from, to); err != nil {
		return err
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(sessionTimeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithTLSPolicy(s.policy),
		gomail.WithDialContextFunc(func(dialCtx context.Context, network, address string) (net.Conn, error) {
			conn, err := new(net.Dialer).DialContext(dialCtx, network, address)
			if err != nil {
				return nil, err
			}
			// go-mail's Close waits for a read in progress; closing the
			// socket is what ends one.
			stop = context.AfterFunc(ctx, func() { conn.Close() })
			if !s.implicitTLS {
				return conn, nil
			}
			// go-mail dials TLS itself only without a dial function; the
			// *tls.Conn returned here is what tells its AUTH that the
			// connection is encrypted.
			tlsConn := tls.Client(conn, s.tls)
			if err := tlsConn.HandshakeContext(dialCtx); err != nil {
				conn.Close()
				return nil, err
			}
			return tlsConn, nil
		}),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		// PLAIN and LOGIN are used only over TLS or to loopback: go-mail's
		// SMTP client refuses them otherwise.
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close() // after QUIT this does nothing

	if err := conn.Mail("<" + from + ">"); err != nil {
		return refused(fmt.Errorf("MAIL FROM: %w", err))
	}
	var errs []error
	for _, rcpt := range to {
		if err := conn.Rcpt("<" + rcpt + ">"); err != nil {
			errs = append(errs, refused(fmt.Errorf("RCPT TO <%s>: %w", rcpt, err)))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	w, err := conn.Data()
	if err != nil {
		return refused(fmt.Errorf("DATA: %w", err))
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("write the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return refused(fmt.Errorf("end of DATA: %w", err))
	}
	// The server has taken the message. A failed QUIT cannot undo that,
	// and reporting it would have the message sent twice.
	_ = conn.Quit()
	return nil
}

// checkEnvelope refuses addresses that SMTP cannot carry as they are: a
// name, brackets or a line break in one would change the command.
func checkEnvelope(from string, to []string) error {
	if from != "" {
		if _, err := bareAddress(from); err != nil {
			return &permanentError{fmt.Errorf("envelope sender: %w", err)}
		}
	}
	if len(to) == 0 {
		return &permanentError{errors.New("no recipients")}
	}
	for _, rcpt := range to {
		if _, err := bareAddress(rcpt); err != nil {
			return &permanentError{fmt.Errorf("recipient: %w", err)}
		}
	}
	return nil
}

// permanentError is a failure that sending the same message again will
// meet again. Its Permanent method is how a queue tells, without importing
// this package's types.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

// refused marks err permanent when the server refused the command with a
// 5xx reply. Only MAIL, RCPT and DATA answer about the message itself: a
// 5xx to EHLO, STARTTLS or AUTH is a problem of the server or of ward's
// configuration, and the message goes once that is fixed.
func refused(err error) error {
	var reply *textproto.Error
	if errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600 {
		return &permanentError{err}
	}
	return err
}

// Permanent reports whether err, from Send, is one that retrying will not
// cure: the server refused the message or a recipient with a 5xx reply,
// or the envelope cannot be sent. Any other error, a 4xx reply, a network
// or TLS failure, a refused login, is temporary: the queue tries again.
func Permanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// EnvelopeFrom returns the envelope sender for a composed message: from,
// or "" (the null sender) when the message is an automatic one
// (Auto-Submitted other than "no"), so that a bounce or another responder
// cannot answer it in turn (RFC 3834 §3.3).
func EnvelopeFrom(from string, raw []byte) string {
	// A header that does not parse to its end counts as far as it goes.
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if v := strings.TrimSpace(h.Get("Auto-Submitted")); v != "" && !strings.EqualFold(v, "no") {
		return ""
	}
	return from
}
