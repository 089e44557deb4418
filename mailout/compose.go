// Package mailout writes the mail ward sends — replies to a thread and
// acknowledgements — and delivers queued mail through an SMTP server
// (wneessen/go-mail).
//
// Compose and Send are apart on purpose: the composed bytes are stored and
// queued first, so that what the desk shows as sent is what is sent, and a
// queue worker delivers them later, exactly as stored.
package mailout

import (
	"bytes"
	"crypto/tls"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/wardsec/ward"
)

// Config is how ward sends mail: as whom, and through which server.
type Config struct {
	From string // the team address, e.g. security@example.org; Message-IDs use its domain
	Name string // display name, e.g. "Example security team"
	// SMTPURL is smtp://host:587 (STARTTLS required unless host is
	// loopback), smtps://host:465 (implicit TLS), or smtp+insecure://host:25
	// (no TLS, for tests and local relays). A user in the URL is allowed, a
	// password never: it comes from Password.
	SMTPURL   string
	Password  string      // from the environment or a file, never the config in git
	TLSConfig *tls.Config // tests: trust a self-signed certificate; nil: the system's roots
}

// Reply is one message to compose.
type Reply struct {
	To      []ward.MailAddress
	Subject string // "Re: " is added unless it starts with Re: already
	Text    string // plain text; every line break is sent as CRLF, and the last line ends with one; no HTML is sent
	// InReplyTo is the Message-ID being answered, without brackets.
	InReplyTo string
	// References are the answered message's References plus its
	// Message-ID, so that clients thread the reply (RFC 5322 §3.6.4); only
	// the last MaxReferences are written.
	References []string
	// Auto marks an acknowledgement: it gets Auto-Submitted: auto-replied
	// (RFC 3834 §5) and X-Auto-Response-Suppress: All, and must be sent
	// with a null envelope sender (see EnvelopeFrom). The caller chooses
	// the recipient.
	Auto bool
	// Notice marks a notification to a member, not a reply: the subject
	// is sent as given, with Auto-Submitted: auto-generated (RFC 3834
	// §5), so that nobody's client answers it; send it with EnvelopeFrom
	// too.
	Notice bool
	Date   time.Time
}

// MaxReferences caps the References header: enough to thread a long
// conversation, short enough that a thread cannot grow it without bound.
const MaxReferences = 20

// idEncoding writes Message-IDs as store/token.go writes secrets.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Compose returns the exact bytes to send and the Message-ID it gave them,
// without brackets: "<128 random bits in base32>@<From's domain>". It fails
// when the configured From, a recipient or the date is missing or not an
// address, or when random fails.
//
// Message-IDs in InReplyTo and References that are not plain msg-ids
// (printable ASCII without spaces or angle brackets, at most 250 long) are left out rather
// than written: they come from mail anyone can send, and a reply without
// them is still a reply. CR and LF in the subject and in names become
// spaces, so that no text can start a header of its own; a name that
// cannot be folded into lines is left out (see displayName).
func Compose(cfg Config, r Reply, random io.Reader) (raw []byte, messageID string, err error) {
	from, err := bareAddress(cfg.From)
	if err != nil {
		return nil, "", fmt.Errorf("compose: from: %w", err)
	}
	if len(r.To) == 0 {
		return nil, "", errors.New("compose: no recipients")
	}
	to := make([]*mail.Address, len(r.To))
	for i, a := range r.To {
		addr, err := bareAddress(a.Addr)
		if err != nil {
			return nil, "", fmt.Errorf("compose: to: %w", err)
		}
		to[i] = &mail.Address{Name: displayName(a.Name), Address: addr}
	}
	if r.Date.IsZero() {
		return nil, "", errors.New("compose: no date")
	}
	var id [16]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return nil, "", fmt.Errorf("compose: message id: %w", err)
	}
	messageID = strings.ToLower(idEncoding.EncodeToString(id[:])) + from[strings.LastIndexByte(from, '@'):]

	// go-mail's own User-Agent would name the library to everyone ward
	// writes to, and add nothing they need.
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(&mail.Address{Name: displayName(cfg.Name), Address: from})
	m.ToMailAddress(to...)
	m.SetMessageIDWithValue(messageID)
	m.SetDateWithValue(r.Date)
	if r.Notice {
		setSubject(m, strings.TrimSpace(oneLine(strings.ToValidUTF8(r.Subject, "\uFFFD"))))
	} else {
		setSubject(m, replySubject(r.Subject))
	}
	if validMsgID(r.InReplyTo) {
		m.SetGenHeader(gomail.HeaderInReplyTo, "<"+r.InReplyTo+">")
	}
	if refs := references(r.References); refs != "" {
		m.SetGenHeader(gomail.HeaderReferences, refs)
	}
	switch {
	case r.Auto:
		m.SetGenHeader(headerAutoSubmitted, "auto-replied")
		m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	case r.Notice:
		m.SetGenHeader(headerAutoSubmitted, "auto-generated")
		m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	}
	// Every line break goes out as CRLF. A lone CR is made LF first:
	// mime/quotedprintable, which go-mail writes the body with, would drop
	// the next LF after a CR followed by a character it encodes.
	text := strings.ReplaceAll(strings.ReplaceAll(r.Text, "\r\n", "\n"), "\r", "\n")
	if text != "" && !strings.HasSuffix(text, "\n") {
		// SMTP ends the data with a line break, which the receiver keeps:
		// ending the text with one makes the bytes stored here the bytes
		// received.
		text += "\n"
	}
	m.SetBodyString(gomail.TypeTextPlain, text)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, "", fmt.Errorf("compose: %w", err)
	}
	return b.Bytes(), messageID, nil
}

// headerAutoSubmitted is RFC 3834's field, which go-mail does not name.
const headerAutoSubmitted gomail.Header = "Auto-Submitted"

// bareAddress returns addr when it is one address and nothing else: no
// name, no comment, no second address.
func bareAddress(addr string) (string, error) {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return "", fmt.Errorf("%q is not an email address", addr)
	}
	return addr, nil
}

// oneLine turns line breaks into spaces: a name or a subject is one line
// of a header, and a break in it would start another.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// displayName is name on one line, or "" when it is ASCII with a run of
// more than maxWord characters without a space: net/mail writes such a
// name quoted as it is, on a line too long to fold, while it encodes other
// names in short words. The address alone still reaches the reader.
func displayName(name string) string {
	name = oneLine(name)
	if hasLongWord(name) && !strings.ContainsFunc(name, func(r rune) bool { return r > '~' }) {
		return ""
	}
	return name
}

// replySubject is the subject with "Re: " in front, once.
func replySubject(subject string) string {
	s := strings.TrimSpace(oneLine(strings.ToValidUTF8(subject, "\uFFFD")))
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	return strings.TrimSpace("Re: " + s)
}

// setSubject writes the subject so that a reader's client shows it as
// given. go-mail encodes non-ASCII text (RFC 2047) and folds the header
// at spaces; text that looks like an encoded word ("=?") would be decoded
// by the reader, and a run of more than maxWord ASCII characters cannot be
// folded, so such subjects are encoded whole here instead.
func setSubject(m *gomail.Msg, s string) {
	if !strings.Contains(s, "=?") && !hasLongWord(s) {
		m.Subject(s)
		return
	}
	m.SetGenHeader(gomail.HeaderSubject, encodeWords(s))
}

// maxWord is the longest run without a space that a folded header line
// holds beside its name within go-mail's 76 characters.
const maxWord = 60

func hasLongWord(s string) bool {
	for w := range strings.FieldsSeq(s) {
		if len(w) > maxWord {
			return true
		}
	}
	return false
}

// encodeWords encodes s, valid UTF-8, as RFC 2047 B-encoded words of at
// most 36 bytes of text each (48 of base64, 60 with the markers), split
// between characters and joined by spaces, where go-mail folds the header.
func encodeWords(s string) string {
	const maxBytes = 36
	var b strings.Builder
	for s != "" {
		n := len(s)
		if n > maxBytes {
			n = maxBytes
			for !utf8.RuneStart(s[n]) { // at most 3 steps back in valid UTF-8
				n--
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
	}
	return b.String()
}

// validMsgID reports whether id can be written between angle brackets as
// it is: printable ASCII without spaces or brackets, short enough that its
// line, which cannot be folded, stays far below SMTP's 1000 characters.
func validMsgID(id string) bool {
	if id == "" || len(id) > 250 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// references returns the last MaxReferences valid ids, bracketed and
// separated by spaces, where the header is folded.
func references(ids []string) string {
	var valid []string
	for _, id := range ids {
		if validMsgID(id) {
			valid = append(valid, "<"+id+">")
		}
	}
	if len(valid) > MaxReferences {
		valid = valid[len(valid)-MaxReferences:]
	}
	return strings.Join(valid, " ")
}
