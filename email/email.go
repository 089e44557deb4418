// Package email reads raw mail (emersion/go-message): headers, thread keys, text and HTML bodies, attachments, and whether it was sent by a machine. Parsing never fails: what cannot be read is named in Problems.
package email

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Limits on what one message may cost. The whole input is already in memory
// when Parse is called, so these bound what Parse adds to it: walking time,
// the number of values it allocates, and the text it keeps.
const (
	maxDepth         = 20       // multipart levels walked; a deeper multipart is listed as one attachment
	maxParts         = 1000     // MIME entities looked at, the root included
	maxText          = 1 << 20  // bytes of UTF-8 kept of each of Text and HTML
	maxHeaderBytes   = 2 << 20  // bytes of one header block read; go-message's own default (1 MiB) would refuse a 1 MiB line
	maxHeaderFields  = 1000     // fields of one header block read; each costs go-message a few hundred bytes
	maxLineLength    = 998      // RFC 5322 §2.1.1
	maxIDs           = 1000     // References kept: the first and the last ones
	maxAddresses     = 1000     // addresses kept of one header field
	maxProblems      = 100      // problems listed; one more line says that others were left out
	maxFilename      = 255      // bytes of an attachment's name, as most file systems allow
	innerHeaderBytes = 64 << 10 // of a message/rfc822 part, read for the Subject that names it
)

// Address is one mailbox of a From, To, Cc or Reply-To field.
type Address struct {
	Name string // display name, decoded to UTF-8; "" when none
	Addr string // the address as written, trimmed; "" when it could not be read
}

// Key is the address as ward compares and stores it: lower-case.
func (a Address) Key() string { return strings.ToLower(a.Addr) }

// String is the address for people to read: "Name <addr>", or "addr" when
// there is no name. It is not quoted for use in a header.
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Addr
	case a.Addr == "":
		return a.Name
	}
	return a.Name + " <" + a.Addr + ">"
}

// Attachment is a part of a message that is not its text or HTML body. Its
// content is counted, never kept.
type Attachment struct {
	Filename    string // decoded, base name only (no directories), "" when none given
	ContentType string // media type as declared, lower-case, e.g. application/zip
	Size        int64  // decoded bytes (or raw bytes of the part when it could not be decoded)
}

// Message is what Parse could read of a raw message. Every string in it is
// valid UTF-8 without NUL bytes.
type Message struct {
	MessageID  string    // without angle brackets, trimmed; "" when absent or empty
	InReplyTo  string    // the first id of In-Reply-To, without brackets
	References []string  // ids of References, in order, without brackets (garbage between ids is skipped)
	Subject    string    // decoded (RFC 2047, any charset) to UTF-8; invalid bytes replaced
	From       Address   // first From address; when From cannot be parsed, Addr "" and Name the raw header text
	ReplyTo    []Address // Reply-To addresses
	To, Cc     []Address // recipients
	ReturnPath string    // the Return-Path address without brackets; "<>" when the header is present and empty (a bounce)
	Date       time.Time // zero when absent or unparseable (a problem only when present but unparseable)

	// Text is the readable body as UTF-8 with "\n" line ends: the first
	// text/plain part that is not an attachment; when there is none, or it is
	// blank, the text of the first text/html part (tags stripped, block
	// elements become newlines, entities decoded, script/style content
	// dropped). At most 1 MiB.
	Text string
	// HTML is the first text/html part that is not an attachment, as UTF-8,
	// UNSANITISED: callers sanitise it before showing it. "" when none. At
	// most 1 MiB.
	HTML string
	// Attachments lists, in order, every leaf part that is neither Text nor
	// HTML: parts with Content-Disposition attachment, all non-text parts,
	// text parts other than the first text/plain and text/html, message/rfc822
	// parts (not descended into) and multiparts nested too deep to walk.
	Attachments []Attachment

	// Auto says why this is machine-sent mail that must never get an
	// auto-reply (RFC 3834), e.g. "Auto-Submitted: auto-replied",
	// "Precedence: bulk", "List-Id", "empty Return-Path", "delivery status
	// report", "sender MAILER-DAEMON"; "" when it is a person's.
	Auto string
	// Problems names, for people, what could not be read or was malformed,
	// e.g. "MIME: boundary not found, body kept as text", "part 3: bad
	// base64". A non-empty list means the message is flagged.
	Problems []string
	Size     int // len(raw)
}

// ContentKey identifies a message that has no Message-ID: "sha256:" and the
// hex SHA-256 of raw.
func ContentKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Key is the message's identity for de-duplication: its MessageID when it has
// one, else ContentKey(raw). raw must be the input m was parsed from; it is
// asked for instead of kept so that a Message never holds a copy of the mail.
func (m *Message) Key(raw []byte) string {
	if m.MessageID != "" {
		return m.MessageID
	}
	return ContentKey(raw)
}
