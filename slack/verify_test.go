package slack

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exampleSecret is the signing secret of Slack's worked example
// (testdata/SOURCES).
const exampleSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// exampleHeaders reads testdata/signed-request.headers: one "Name: value"
// a line.
func exampleHeaders(t *testing.T) http.Header {
	t.Helper()
	h := http.Header{}
	for line := range strings.Lines(fixture(t, "signed-request.headers")) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			t.Fatalf("signed-request.headers: %q is not Name: value", line)
		}
		h.Add(name, value)
	}
	return h
}

func exampleTime(t *testing.T, h http.Header) time.Time {
	t.Helper()
	unix, err := strconv.ParseInt(h.Get(headerTimestamp), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(unix, 0)
}

// TestVerifySlackExample checks the worked example of Slack's documentation,
// so that the base string is Slack's and not only our own Sign's.
func TestVerifySlackExample(t *testing.T) {
	h := exampleHeaders(t)
	body := []byte(fixture(t, "signed-request.body"))
	at := exampleTime(t, h)
	if got, want := Sign([]byte(exampleSecret), at.Unix(), body), h.Get(headerSignature); got != want {
		t.Errorf("Sign = %s, want Slack's %s", got, want)
	}
	if err := Verify([]byte(exampleSecret), h, body, at.Add(90*time.Second)); err != nil {
		t.Errorf("Verify of Slack's example: %v", err)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte(exampleSecret)
	body := []byte(fixture(t, "signed-request.body"))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	signed := func(at time.Time) http.Header {
		h := http.Header{}
		h.Set(headerTimestamp, strconv.FormatInt(at.Unix(), 10))
		h.Set(headerSignature, Sign(secret, at.Unix(), body))
		return h
	}
	with := func(h http.Header, name string, values ...string) http.Header {
		h = h.Clone()
		h.Del(name)
		for _, v := range values {
			h.Add(name, v)
		}
		return h
	}
	good := signed(now)
	sig := good.Get(headerSignature)
	for _, c := range []struct {
		name   string
		secret []byte
		h      http.Header
		body   []byte
		want   error // nil for accepted
	}{
		{"signed now", secret, good, body, nil},
		{"signed 5 minutes ago", secret, signed(now.Add(-Tolerance)), body, nil},
		{"signed 5 minutes ahead", secret, signed(now.Add(Tolerance)), body, nil},
		{"header names in any case", secret, http.Header{"X-Slack-Request-Timestamp": good.Values(headerTimestamp), "X-Slack-Signature": {sig}}, body, nil},
		{"a signature in capitals", secret, with(good, headerSignature, "v0="+strings.ToUpper(strings.TrimPrefix(sig, "v0="))), body, nil},

		{"replayed after 5 minutes and a second", secret, signed(now.Add(-Tolerance - time.Second)), body, ErrTimestamp},
		{"signed a day ahead", secret, signed(now.Add(24 * time.Hour)), body, ErrTimestamp},
		{"signed at the epoch", secret, signed(time.Unix(0, 0)), body, ErrTimestamp},

		{"another secret", []byte("another"), good, body, ErrSignature},
		{"another body", secret, good, append([]byte("x"), body...), ErrSignature},
		{"an empty body", secret, good, nil, ErrSignature},
		{"the timestamp moved", secret, with(good, headerTimestamp, strconv.FormatInt(now.Unix()+1, 10)), body, ErrSignature},
		{"one digit changed", secret, with(good, headerSignature, sig[:len(sig)-1]+flip(sig[len(sig)-1])), body, ErrSignature},

		{"no timestamp", secret, with(good, headerTimestamp), body, ErrHeader},
		{"no signature", secret, with(good, headerSignature), body, ErrHeader},
		{"no headers", secret, http.Header{}, body, ErrHeader},
		{"two timestamps", secret, with(good, headerTimestamp, good.Get(headerTimestamp), good.Get(headerTimestamp)), body, ErrHeader},
		{"two signatures", secret, with(good, headerSignature, sig, sig), body, ErrHeader},
		{"an empty timestamp", secret, with(good, headerTimestamp, ""), body, ErrHeader},
		{"a timestamp with a sign", secret, with(good, headerTimestamp, "+"+good.Get(headerTimestamp)), body, ErrHeader},
		{"a timestamp with a leading zero", secret, with(good, headerTimestamp, "0"+good.Get(headerTimestamp)), body, ErrHeader},
		{"a timestamp in milliseconds' form", secret, with(good, headerTimestamp, good.Get(headerTimestamp)+".000"), body, ErrHeader},
		{"a negative timestamp", secret, with(good, headerTimestamp, "-1"), body, ErrHeader},
		{"a timestamp out of range", secret, with(good, headerTimestamp, "99999999999999999999"), body, ErrHeader},
		{"no scheme", secret, with(good, headerSignature, strings.TrimPrefix(sig, "v0=")), body, ErrHeader},
		{"another scheme", secret, with(good, headerSignature, "v1="+strings.TrimPrefix(sig, "v0=")), body, ErrHeader},
		{"a short signature", secret, with(good, headerSignature, sig[:len(sig)-2]), body, ErrHeader},
		{"a long signature", secret, with(good, headerSignature, sig+"00"), body, ErrHeader},
		{"not hex", secret, with(good, headerSignature, "v0="+strings.Repeat("zz", 32)), body, ErrHeader},
		{"a space after the scheme", secret, with(good, headerSignature, "v0= "+strings.TrimPrefix(sig, "v0=")), body, ErrHeader},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.h, c.body, now)
			if c.want == nil {
				if err != nil {
					t.Errorf("got %v, want accepted", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			// The headers' values, but the shortest: "0" is in many numbers.
			for _, leak := range []string{string(c.secret), strings.TrimPrefix(c.h.Get(headerSignature), "v0="), c.h.Get(headerTimestamp), "team_domain"} {
				if len(leak) > 3 && strings.Contains(err.Error(), leak) {
					t.Errorf("the error %q repeats %q", err, leak)
				}
			}
		})
	}
	t.Run("an empty secret", func(t *testing.T) {
		h := http.Header{}
		h.Set(headerTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(headerSignature, Sign(nil, now.Unix(), body))
		if err := Verify(nil, h, body, now); err == nil {
			t.Error("a request signed with an empty secret is accepted")
		}
	})
}

// flip returns another hex digit than c.
func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// FuzzVerifyHeaders feeds Verify any header values. It must not panic,
// and what it accepts must be the one form Slack sends: the timestamp in
// plain decimal within the tolerance, and v0= and the right signature.
func FuzzVerifyHeaders(f *testing.F) {
	secret := []byte(exampleSecret)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	body := []byte("command=%2Fward&text=oncall")
	ts := strconv.FormatInt(now.Unix(), 10)
	f.Add(ts, Sign(secret, now.Unix(), body), body)
	f.Add(ts, "v0=", body)
	f.Add("+"+ts, Sign(secret, now.Unix(), body), body)
	f.Add("", "", []byte{})
	f.Add("17", "v0=zz", []byte("\x00"))
	f.Fuzz(func(t *testing.T, timestamp, signature string, body []byte) {
		h := http.Header{}
		h.Set(headerTimestamp, timestamp)
		h.Set(headerSignature, signature)
		err := Verify(secret, h, body, now)
		if err == nil {
			unix, perr := strconv.ParseInt(timestamp, 10, 64)
			if perr != nil || strconv.FormatInt(unix, 10) != timestamp {
				t.Fatalf("accepted the timestamp %q", timestamp)
			}
			if !strings.EqualFold(signature, Sign(secret, unix, body)) || !strings.HasPrefix(signature, "v0=") {
				t.Fatalf("accepted the signature %q", signature)
			}
			if d := now.Unix() - unix; d > 300 || d < -300 {
				t.Fatalf("accepted a timestamp %ds away", d)
			}
			return
		}
		if !errors.Is(err, ErrHeader) && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrTimestamp) {
			t.Fatalf("an error of no kind: %v", err)
		}
	})
}
