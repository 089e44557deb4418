package auth

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/wardsec/ward"
)

// fastParams keep the tests quick; the PHC string carries them, so that
// verifying reads the same costs back.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordRules(t *testing.T) {
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"empty", "", false},
		{"11 characters", "abcdefghijk", false},
		{"12 characters", "abcdefghijkl", true},
		{"12 characters of several bytes each", strings.Repeat("ü", 12), true},
		{"11 characters in 22 bytes", strings.Repeat("ü", 11), false},
		{"1024 bytes", strings.Repeat("a", 1024), true},
		{"1025 bytes", strings.Repeat("a", 1025), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HashPassword(tt.password, rand.Reader, fastParams)
			if (err == nil) != tt.ok {
				t.Fatalf("HashPassword: %v, want ok %t", err, tt.ok)
			}
			if err != nil && ward.ErrorCode(err) != ward.EINVALID {
				t.Errorf("code %q, want invalid", ward.ErrorCode(err))
			}
		})
	}
}

func TestHashAndVerify(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := HashPassword(pw, rand.Reader, DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want the PHC form with OWASP's parameters", h)
	}
	if strings.Contains(h, pw) {
		t.Errorf("the hash holds the password")
	}
	other, _ := HashPassword(pw, rand.Reader, DefaultParams)
	if other == h {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	fast, _ := HashPassword(pw, rand.Reader, fastParams)
	tests := []struct {
		name, password, hash string
		want                 bool
	}{
		{"right", pw, h, true},
		{"right, other parameters", pw, fast, true},
		{"wrong", pw + "!", h, false},
		{"empty", "", h, false},
		{"no hash", pw, "", false},
		{"not a PHC string", pw, "plain", false},
		{"argon2i, not argon2id", pw, strings.Replace(h, "argon2id", "argon2i", 1), false},
		{"another version", pw, strings.Replace(h, "v=19", "v=16", 1), false},
		{"a memory cost out of range", pw, strings.Replace(h, "m=19456", "m=99999999", 1), false},
		{"a truncated hash", pw, h[:len(h)-20], false},
		{"a password over the limit", strings.Repeat("a", 1025), h, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyPassword(tt.password, tt.hash); got != tt.want {
				t.Errorf("VerifyPassword = %t, want %t", got, tt.want)
			}
		})
	}
	if NeedsRehash(h, DefaultParams) || !NeedsRehash(fast, DefaultParams) {
		t.Errorf("NeedsRehash: default %t, fast %t; want false, true", NeedsRehash(h, DefaultParams), NeedsRehash(fast, DefaultParams))
	}
}

// TestTOTPVectors checks the codes against RFC 6238, appendix B, for
// SHA-1 (the secret is the ASCII "12345678901234567890"; the RFC's codes
// have eight digits).
func TestTOTPVectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		got, err := totpCode(secret, TOTPStep(time.Unix(v.unix, 0)), otp.DigitsEight)
		if err != nil || got != v.code {
			t.Errorf("code at %d = %q, %v; want %q", v.unix, got, err, v.code)
		}
	}
}

func TestMatchTOTP(t *testing.T) {
	secret, err := NewTOTPSecret("ana@example.org", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)
	step := TOTPStep(now)
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		want     int64 // 0: refused
	}{
		{"now", code(0), 0, step},
		{"the step before", code(-30 * time.Second), 0, step - 1},
		{"the step after", code(30 * time.Second), 0, step + 1},
		{"two steps before", code(-60 * time.Second), 0, 0},
		{"two steps after", code(60 * time.Second), 0, 0},
		{"used already", code(0), step, 0},
		{"an earlier step than the last used", code(-30 * time.Second), step, 0},
		{"a later step than the last used", code(30 * time.Second), step, step + 1},
		{"with spaces around", " " + code(0) + " ", 0, step},
		{"with a space inside", code(0)[:3] + " " + code(0)[3:], 0, step},
		{"with a tab and spaces inside", code(0)[:2] + "\t" + code(0)[2:4] + "  " + code(0)[4:], 0, step},
		{"a space inside five digits", code(0)[:3] + " " + code(0)[3:5], 0, 0},
		{"five digits", code(0)[:5], 0, 0},
		{"letters", "abcdef", 0, 0},
		{"empty", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchTOTP(secret, tt.code, now, tt.lastStep)
			if ok != (tt.want != 0) || got != tt.want {
				t.Errorf("MatchTOTP = %d, %t; want %d", got, ok, tt.want)
			}
		})
	}
	if _, ok := MatchTOTP("not base32!", "123456", now, 0); ok {
		t.Errorf("a broken secret matched")
	}
}

func TestTOTPKey(t *testing.T) {
	key, err := TOTPKey("ana@example.org", "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if key.Issuer() != "ward" || key.AccountName() != "ana@example.org" || key.Secret() != "JBSWY3DPEHPK3PXP" {
		t.Errorf("key %s", key.URL())
	}
	if !strings.HasPrefix(key.URL(), "otpauth://totp/ward:ana@example.org?") {
		t.Errorf("URL %s", key.URL())
	}
	if _, err := key.Image(200, 200); err != nil {
		t.Errorf("QR code: %v", err)
	}
}
