package auth

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP as authenticator apps expect it: SHA-1, six digits, 30-second steps.
const (
	TOTPIssuer = "ward"
	totpPeriod = 30
	totpSkew   = 1 // steps accepted either side of now, for clocks a little apart
)

// NewTOTPSecret returns a new TOTP secret (160 random bits, base32 without
// padding, as RFC 4226 recommends) for the member with the email.
func NewTOTPSecret(email string, random io.Reader) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: email, Rand: random})
	if err != nil {
		return "", fmt.Errorf("new TOTP secret: %w", err)
	}
	return key.Secret(), nil
}

// TOTPKey is the key an authenticator app is given, as an otpauth:// URI
// (key.URL()) or a QR code (key.Image).
func TOTPKey(email, secret string) (*otp.Key, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", TOTPIssuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + TOTPIssuer + ":" + email, RawQuery: v.Encode()}
	key, err := otp.NewKeyFromURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("TOTP key: %w", err)
	}
	return key, nil
}

// TOTPStep is the number of the 30-second step that t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// MatchTOTP returns the step whose code the code is, within one step of
// now and later than lastStep, or ok false. Refusing the steps up to
// lastStep, the last one used, makes each code good for one sign-in: a
// code seen over someone's shoulder cannot be used again. White space
// anywhere in the code is dropped, since apps show codes as "123 456"
// and people type them so.
func MatchTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	current := TOTPStep(now)
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		if s <= lastStep {
			continue
		}
		want, err := totpCode(secret, s, otp.DigitsSix)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode is the code for the step that t falls in, as an authenticator
// app shows it; only tests use it (the server checks codes with
// MatchTOTP).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totpCode(secret, TOTPStep(t), otp.DigitsSix)
}

func totpCode(secret string, step int64, digits otp.Digits) (string, error) {
	if secret == "" {
		return "", fmt.Errorf("no TOTP secret")
	}
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: digits, Algorithm: otp.AlgorithmSHA1})
}
