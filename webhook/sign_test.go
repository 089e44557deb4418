package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	secret    = []byte("whsec_the-receivers-secret")
	oldSecret = []byte("whsec_the-previous-secret")
	signedAt  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	payload   = []byte(`{"report":"RCE in the login form, embargoed"}`)
)

// signed returns the headers of a delivery of body signed at ts with each
// of secrets.
func signed(ts time.Time, body []byte, secrets ...[]byte) http.Header {
	var sigs []string
	for _, s := range secrets {
		sigs = append(sigs, Sign(s, ts, body))
	}
	h := http.Header{}
	h.Set(headerTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(headerSignature, strings.Join(sigs, ","))
	return h
}

func TestSign(t *testing.T) {
	// Computed independently:
	//   printf '1772366400.{"a":1}' | openssl dgst -sha256 -hmac key
	got := Sign([]byte("key"), time.Unix(1772366400, 0), []byte(`{"a":1}`))
	want := "v1=90a64f88ebf606de162bfece044c01c80129bba6361c091018f52b4b50366e6b"
	if got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		secrets [][]byte          // what the delivery is signed with; nil for secret
		signAt  time.Time         // when; zero for signedAt
		edit    func(http.Header) // what happens to the headers on the way, if anything
		body    []byte            // the body received; nil for payload
		now     time.Time         // the receiver's clock; zero for signedAt
		wantErr error             // nil for accepted
	}{
		{name: "round trip"},
		{name: "at the edge of the tolerance", now: signedAt.Add(DefaultTolerance)},
		{name: "rotated secret, new one first", secrets: [][]byte{secret, oldSecret}},
		{name: "rotated secret, new one second", secrets: [][]byte{oldSecret, secret}},
		{
			name:    "signature header on two lines",
			secrets: [][]byte{oldSecret},
			edit:    func(h http.Header) { h.Add(headerSignature, Sign(secret, signedAt, payload)) },
		},
		{
			name: "unknown scheme beside v1",
			edit: func(h http.Header) { h.Set(headerSignature, "v2=whatever, "+h.Get(headerSignature)) },
		},
		{name: "no timestamp", edit: func(h http.Header) { h.Del(headerTimestamp) }, wantErr: ErrHeader},
		{name: "two timestamps", edit: func(h http.Header) { h.Add(headerTimestamp, "1") }, wantErr: ErrHeader},
		{name: "timestamp not a number", edit: func(h http.Header) { h.Set(headerTimestamp, "yesterday") }, wantErr: ErrHeader},
		{
			name:    "timestamp with a sign",
			edit:    func(h http.Header) { h.Set(headerTimestamp, "+"+h.Get(headerTimestamp)) },
			wantErr: ErrHeader,
		},
		{name: "no signature", edit: func(h http.Header) { h.Del(headerSignature) }, wantErr: ErrHeader},
		{name: "only other schemes", edit: func(h http.Header) { h.Set(headerSignature, "v0=abc") }, wantErr: ErrHeader},
		{
			name:    "bad hex",
			edit:    func(h http.Header) { h.Set(headerSignature, "v1="+strings.Repeat("zz", 32)) },
			wantErr: ErrHeader,
		},
		{
			name:    "short signature",
			edit:    func(h http.Header) { h.Set(headerSignature, h.Get(headerSignature)[:40]) },
			wantErr: ErrHeader,
		},
		{
			name:    "element without =",
			edit:    func(h http.Header) { h.Set(headerSignature, h.Get(headerSignature)+",v1") },
			wantErr: ErrHeader,
		},
		{name: "wrong secret", secrets: [][]byte{[]byte("guessed")}, wantErr: ErrSignature},
		{name: "body tampered", body: []byte(`{"report":"nothing to see"}`), wantErr: ErrSignature},
		{
			name:    "timestamp changed after signing",
			edit:    func(h http.Header) { h.Set(headerTimestamp, strconv.FormatInt(signedAt.Unix()+1, 10)) },
			wantErr: ErrSignature,
		},
		{name: "old timestamp (replay)", now: signedAt.Add(DefaultTolerance + time.Second), wantErr: ErrTimestamp},
		{name: "future timestamp", now: signedAt.Add(-DefaultTolerance - time.Second), wantErr: ErrTimestamp},
		{name: "far future timestamp", signAt: time.Unix(1<<62, 0), wantErr: ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets, signAt, body, now := tt.secrets, tt.signAt, tt.body, tt.now
			if secrets == nil {
				secrets = [][]byte{secret}
			}
			if signAt.IsZero() {
				signAt = signedAt
			}
			if body == nil {
				body = payload
			}
			if now.IsZero() {
				now = signedAt
			}
			h := signed(signAt, payload, secrets...)
			if tt.edit != nil {
				tt.edit(h)
			}
			err := Verify(secret, h, body, now, DefaultTolerance)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify: %v, want %v", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), string(secret)) || strings.Contains(err.Error(), string(body)) {
				t.Errorf("error %q repeats the secret or the body", err)
			}
		})
	}
}

func TestVerifyRefusesUnsafeArguments(t *testing.T) {
	h := signed(signedAt, payload, nil)
	if err := Verify(nil, h, payload, signedAt, DefaultTolerance); err == nil {
		t.Error("Verify with an empty secret: nil, want an error")
	}
	h = signed(signedAt, payload, secret)
	if err := Verify(secret, h, payload, signedAt, 0); err == nil {
		t.Error("Verify with no tolerance: nil, want an error")
	}
}

func FuzzVerify(f *testing.F) {
	good := signed(signedAt, payload, secret)
	f.Add(good.Get(headerTimestamp), good.Get(headerSignature), payload)
	f.Add(good.Get(headerTimestamp), "v1=, ,v1="+strings.Repeat("0", 64), payload)
	f.Add("-1", "v1=x", []byte{})
	f.Add("99999999999999999999", "=,=,", []byte("{}"))
	f.Fuzz(func(t *testing.T, stamp, sig string, body []byte) {
		h := http.Header{}
		h.Set(headerTimestamp, stamp)
		h.Set(headerSignature, sig)
		if err := Verify(secret, h, body, signedAt, DefaultTolerance); err != nil {
			return
		}
		// Accepted: the header must hold the signature of body at its
		// timestamp, and the timestamp must be within the tolerance.
		unix, err := strconv.ParseInt(stamp, 10, 64)
		if err != nil {
			t.Fatalf("accepted timestamp %q: %v", stamp, err)
		}
		at := time.Unix(unix, 0)
		if want := Sign(secret, at, body); !strings.Contains(strings.ToLower(sig), want) {
			t.Fatalf("accepted %q, which lacks %q", sig, want)
		}
		if d := signedAt.Sub(at).Abs(); d > DefaultTolerance {
			t.Fatalf("accepted a timestamp %s away", d)
		}
	})
}
