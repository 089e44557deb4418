// Package auth holds what signing in needs that is pure computation:
// argon2id password hashes in PHC string form and TOTP codes (RFC 6238).
// It does no I/O; randomness and time are passed in.
package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wardsec/ward"
	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. Hashes carry their own, so that raising
// these later leaves stored hashes working.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's first recommendation for argon2id (19 MiB, two
// passes, one lane): some 20–40 ms on a server core, affordable at the
// login rate limit, costly for anyone who steals the hashes.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password lengths: 12 characters at least, so that a password resists
// guessing offline; 1024 bytes at most, so that nobody makes the server
// hash megabytes.
const (
	MinPasswordChars = 12
	MaxPasswordBytes = 1024
)

// CheckPasswordRules returns an EINVALID error saying why a new password
// is refused, or nil.
func CheckPasswordRules(password string) error {
	switch {
	case len(password) > MaxPasswordBytes:
		return ward.Errorf(ward.EINVALID, "password: longer than %d bytes", MaxPasswordBytes)
	case utf8.RuneCountInString(password) < MinPasswordChars:
		return ward.Errorf(ward.EINVALID, "password: shorter than %d characters", MinPasswordChars)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword checks the password's rules and returns its argon2id hash
// as a PHC string: $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func HashPassword(password string, random io.Reader, p Params) (string, error) {
	if err := CheckPasswordRules(password); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummyHash is checked when there is no hash to check against (an
// unknown email, a member without a password), so that the answer takes
// as long as for a wrong password and does not tell which.
var dummyHash = func() string {
	h, err := HashPassword("not anyone's password", strings.NewReader(strings.Repeat("s", 64)), DefaultParams)
	if err != nil {
		panic(err)
	}
	return h
}()

// VerifyPassword reports whether password matches the PHC string. An empty
// or unreadable hash matches nothing, after as much work as a real check.
// Passwords over MaxPasswordBytes match nothing and cost nothing.
func VerifyPassword(password, encoded string) bool {
	if len(password) > MaxPasswordBytes {
		return false
	}
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		p, salt, _, _ = parsePHC(dummyHash)
		argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NeedsRehash reports whether a stored hash was made with other costs than
// p, so that it can be replaced after a successful sign-in.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := parsePHC(encoded)
	return err != nil || got.Memory != p.Memory || got.Time != p.Time || got.Threads != p.Threads
}

// Limits on a stored hash's costs: a hash written into the database by
// hand must not make a sign-in take a gigabyte.
const (
	maxMemory = 1 << 20 // KiB: 1 GiB
	maxTime   = 20
)

func parsePHC(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q: %w", parts[3], err)
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("argon2 salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("argon2 hash")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
