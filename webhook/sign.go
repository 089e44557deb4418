// Package webhook sends ward's outgoing webhooks and verifies them.
//
// A delivery is a POST of a JSON body with these headers:
//
//	Ward-Delivery:  the delivery's ID, the same on every attempt
//	Ward-Event:     the kind of event
//	Ward-Timestamp: when this attempt was signed, in Unix seconds
//	Ward-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// The scheme is the one Stripe and Slack use, which receivers already know
// how to check. The timestamp is signed with the body so that a captured
// delivery cannot be sent again later with a fresh timestamp: a receiver
// refuses one signed too long ago. The headers other than the timestamp
// are not signed: a receiver that drops deliveries it has taken already
// keys them by the "id" in the signed body (which ward sets to the same
// value as Ward-Delivery), not by the header. Verify accepts several
// comma-separated signatures in Ward-Signature, as a sender rotating its
// secret may sign with both; ward signs with one. Schemes other than v1
// are skipped, so that a later one can be sent beside it.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	headerDelivery  = "Ward-Delivery"
	headerEvent     = "Ward-Event"
	headerTimestamp = "Ward-Timestamp"
	headerSignature = "Ward-Signature"
)

// DefaultTolerance is how far a delivery's timestamp may be from a
// receiver's clock for Verify to accept it, as Stripe's libraries allow:
// long enough for a slow network and some clock skew, short enough that a
// captured delivery is soon useless.
const DefaultTolerance = 5 * time.Minute

// The errors of Verify wrap one of these, for a receiver that answers them
// differently (a tolerance error may mean its own clock is wrong).
var (
	// ErrHeader: Ward-Timestamp or Ward-Signature is missing or garbled.
	ErrHeader = errors.New("webhook: missing or malformed signature header")
	// ErrSignature: no v1 signature matches the secret and the body.
	ErrSignature = errors.New("webhook: signature does not match")
	// ErrTimestamp: the signature matches but was made outside the tolerance.
	ErrTimestamp = errors.New("webhook: timestamp outside the tolerance")
)

// Sign returns the Ward-Signature header value for body signed at ts with
// secret: "v1=" and the hex HMAC-SHA256 of the Unix seconds of ts, a dot
// and body.
func Sign(secret []byte, ts time.Time, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery as a receiver gets it: that h has one
// Ward-Timestamp in Unix seconds and a Ward-Signature with a v1 signature
// of body made with secret, and that the timestamp is within tolerance of
// now, before or after. It returns nil when all hold, and otherwise an
// error wrapping ErrHeader, ErrSignature or ErrTimestamp, in that order of
// checking, so that ErrTimestamp is only said of a genuine delivery. It
// refuses an empty secret, which anyone could sign with, and a tolerance
// under a second, the timestamp's precision (DefaultTolerance is a good
// one). Its errors never repeat the headers' values.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errors.New("webhook: verify: empty secret")
	}
	if tolerance < time.Second {
		return fmt.Errorf("webhook: verify: tolerance %s is under a second", tolerance)
	}
	stamps := h.Values(headerTimestamp)
	if len(stamps) != 1 {
		return fmt.Errorf("%w: %d %s headers, want 1", ErrHeader, len(stamps), headerTimestamp)
	}
	stamp := stamps[0]
	unix, err := strconv.ParseInt(stamp, 10, 64)
	// Only the plain decimal form is taken, so that one signature has one
	// header value ("+17" and "017" would sign "17").
	if err != nil || unix < 0 || strconv.FormatInt(unix, 10) != stamp {
		return fmt.Errorf("%w: %s is not a Unix time in seconds", ErrHeader, headerTimestamp)
	}
	sigs, err := parseSignatures(h.Values(headerSignature))
	if err != nil {
		return err
	}
	want := mac(secret, stamp, body)
	matched := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			matched = true
			break
		}
	}
	if !matched {
		return fmt.Errorf("%w (%d v1 signatures checked)", ErrSignature, len(sigs))
	}
	// Compared in seconds: a Duration overflows for timestamps far away.
	limit := int64(tolerance / time.Second)
	switch age := now.Unix() - unix; {
	case age > limit:
		return fmt.Errorf("%w: signed %ds before now, tolerance %s", ErrTimestamp, age, tolerance)
	case -age > limit:
		return fmt.Errorf("%w: signed %ds after now, tolerance %s", ErrTimestamp, -age, tolerance)
	}
	return nil
}

// parseSignatures returns the v1 signatures of the Ward-Signature header
// lines: comma-separated scheme=hex pairs, other schemes skipped.
func parseSignatures(lines []string) ([][]byte, error) {
	var sigs [][]byte
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			scheme, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return nil, fmt.Errorf("%w: %s has an element that is not scheme=value", ErrHeader, headerSignature)
			}
			if scheme != "v1" {
				continue
			}
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				return nil, fmt.Errorf("%w: a v1 signature in %s is not %d hex digits", ErrHeader, headerSignature, 2*sha256.Size)
			}
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no v1 signature in %s", ErrHeader, headerSignature)
	}
	return sigs, nil
}
