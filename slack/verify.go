package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Slack signs each request it sends to an app (a slash command, an
// interaction) with the app's signing secret, as
// https://api.slack.com/authentication/verifying-requests-from-slack says:
//
//	X-Slack-Request-Timestamp: when it was sent, in Unix seconds
//	X-Slack-Signature:         v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>
//
// slack-go's SecretsVerifier checks the same, but reads the time from the
// system clock, which would leave the replay window untestable at a fixed
// instant (and Slack's own worked example, signed in 2018, unverifiable),
// and takes the first of repeated headers; Verify is written here instead.
const (
	headerTimestamp = "X-Slack-Request-Timestamp"
	headerSignature = "X-Slack-Signature"
	signatureScheme = "v0"
)

// Tolerance is how far a request's timestamp may be from the receiver's
// clock, before or after: the five minutes Slack's documentation asks
// receivers to allow, and no more, so that a captured request is soon
// useless.
const Tolerance = 5 * time.Minute

// The errors of Verify wrap one of these.
var (
	// ErrHeader: X-Slack-Request-Timestamp or X-Slack-Signature is
	// missing, repeated or garbled.
	ErrHeader = errors.New("slack: missing or malformed signature header")
	// ErrSignature: the signature is not the secret's for the body.
	ErrSignature = errors.New("slack: signature does not match")
	// ErrTimestamp: the signature matches but was made more than
	// Tolerance from now (a replay, or a clock that is wrong).
	ErrTimestamp = errors.New("slack: timestamp outside the tolerance")
)

// Sign returns the X-Slack-Signature value that Slack sends for body at
// the Unix time ts under secret. ward does not send signed requests to
// Slack: it is for tests, and for checking a request by hand.
func Sign(secret []byte, ts int64, body []byte) string {
	return signatureScheme + "=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts, 10), body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signatureScheme + ":" + timestamp + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request as Slack sent it: that h has one
// X-Slack-Request-Timestamp in Unix seconds and one X-Slack-Signature
// that is the v0 signature of body under secret (compared in constant
// time), and that the timestamp is within Tolerance of now. body must be
// the raw bytes received, before any form parsing. It returns nil when
// all hold, and otherwise an error wrapping ErrHeader, ErrSignature or
// ErrTimestamp, in that order of checking, so that ErrTimestamp is only
// said of a request Slack did sign. It refuses an empty secret, which
// anyone could sign with. Its errors never repeat the headers, the body
// or the secret.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return errors.New("slack: verify: empty signing secret")
	}
	stamp, sig, err := parseHeaders(h)
	if err != nil {
		return err
	}
	if !hmac.Equal(sig, mac(secret, stamp, body)) {
		return ErrSignature
	}
	unix, _ := strconv.ParseInt(stamp, 10, 64) // parseHeaders checked it
	// Compared in seconds: a Duration overflows for timestamps far away.
	limit := int64(Tolerance / time.Second)
	switch age := now.Unix() - unix; {
	case age > limit:
		return fmt.Errorf("%w: signed %ds before now", ErrTimestamp, age)
	case -age > limit:
		return fmt.Errorf("%w: signed %ds after now", ErrTimestamp, -age)
	}
	return nil
}

// Digest names a request that Verify accepted by what was signed, its
// timestamp and body: the same request sent again has the same digest
// however its signature's hex is spelt, so a replay guard keys on it.
func Digest(h http.Header, body []byte) string {
	sum := sha256.Sum256(slices.Concat([]byte("v0:"+h.Get(headerTimestamp)+":"), body))
	return hex.EncodeToString(sum[:])
}

// parseHeaders returns the timestamp as it was signed and the signature's
// bytes. Only one of each header is taken, the timestamp only in plain
// decimal (so that "+17" and "017" do not pass for "17"), and the
// signature only as v0= and 64 hex digits.
func parseHeaders(h http.Header) (string, []byte, error) {
	stamps := h.Values(headerTimestamp)
	if len(stamps) != 1 {
		return "", nil, fmt.Errorf("%w: %d %s headers, want 1", ErrHeader, len(stamps), headerTimestamp)
	}
	stamp := stamps[0]
	unix, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || unix < 0 || strconv.FormatInt(unix, 10) != stamp {
		return "", nil, fmt.Errorf("%w: %s is not a Unix time in seconds", ErrHeader, headerTimestamp)
	}
	sigs := h.Values(headerSignature)
	if len(sigs) != 1 {
		return "", nil, fmt.Errorf("%w: %d %s headers, want 1", ErrHeader, len(sigs), headerSignature)
	}
	value, ok := strings.CutPrefix(sigs[0], signatureScheme+"=")
	if !ok {
		return "", nil, fmt.Errorf("%w: %s is not of the %s scheme", ErrHeader, headerSignature, signatureScheme)
	}
	sig, err := hex.DecodeString(value)
	if err != nil || len(sig) != sha256.Size {
		return "", nil, fmt.Errorf("%w: %s is not %d hex digits", ErrHeader, headerSignature, 2*sha256.Size)
	}
	return stamp, sig, nil
}
