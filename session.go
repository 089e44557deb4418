package ward

import (
	"context"
	"time"
)

// How long a web desk session lasts: at most SessionLifetime after signing
// in, and no longer than SessionIdle after its last use. A one-time sign-in
// link works once, within SignInLinkLifetime.
const (
	SessionLifetime    = 12 * time.Hour
	SessionIdle        = 2 * time.Hour
	SignInLinkLifetime = 15 * time.Minute
)

// SignInMethod is how a member proved who they are when signing in; the
// audit log records it with each new session.
type SignInMethod string

// The ways to sign in.
const (
	SignInPassword SignInMethod = "password" // email, password, and a TOTP code when turned on
	SignInLink     SignInMethod = "link"     // a one-time sign-in link
	SignInOIDC     SignInMethod = "oidc"     // single sign-on through an OpenID Connect provider
)

// Session is a member signed in to the web desk from one browser. Only a
// hash of its secret, which the browser holds in a cookie, is stored.
type Session struct {
	ID         int64     `json:"id"`
	Member     string    `json:"member"` // the member's email
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`   // CreatedAt + SessionLifetime
	LastSeenAt time.Time `json:"last_seen_at"` // written at most once a minute
	UserAgent  string    `json:"user_agent"`   // as the browser sent it when signing in, for the member's list
	Address    string    `json:"address"`      // the client's address when signing in
	// CSRF is the session's form token: every form that changes something
	// sends it back. It is a secret like the session's own.
	CSRF string `json:"-"`
}

// Credentials are what a member signs in with besides their email. The
// password is kept only as an argon2id hash (the auth package makes and
// checks it); the TOTP secret as it is, since the server must compute
// codes from it.
type Credentials struct {
	PasswordHash string // PHC string; "" when the member has no password
	TOTPSecret   string // base32; "" when the second factor is off
	TOTPPending  string // a secret being set up, not yet confirmed with a code
	TOTPLastStep int64  // the last TOTP step used, which cannot be used again
}

// SessionService keeps members' credentials, their web desk sessions and
// one-time sign-in links. Checking passwords and codes is the caller's job
// (the auth package); the service stores what it is given. Writes are
// recorded in the audit log under the context's actor, never with secrets.
type SessionService interface {
	// FindCredentials returns the member with the email and their
	// credentials (zero when they have none). ENOTFOUND when no member has
	// the email.
	FindCredentials(ctx context.Context, email string) (*Member, *Credentials, error)
	// SetPassword stores a new password hash for the member and ends
	// every session of theirs. ENOTFOUND for an unknown member.
	SetPassword(ctx context.Context, email, hash string) error
	// RehashPassword replaces the hash old with hash, the same password
	// at new costs, keeping the member's sessions; a hash other than old
	// is left alone. ENOTFOUND for an unknown member.
	RehashPassword(ctx context.Context, email, old, hash string) error
	// SetPendingTOTP keeps a new TOTP secret until ConfirmTOTP turns it on.
	SetPendingTOTP(ctx context.Context, email, secret string) error
	// ConfirmTOTP turns the pending secret on, with step, the step of the
	// code that confirmed it, as the last used. pending is the secret the
	// code was checked against: ECONFLICT when none is pending or another
	// one is (the set-up was started again meanwhile).
	ConfirmTOTP(ctx context.Context, email, pending string, step int64) error
	// DisableTOTP turns the second factor off and drops a pending secret.
	DisableTOTP(ctx context.Context, email string) error
	// UseTOTPStep records that a code of the step was used. ECONFLICT when
	// a code of this step or a later one was used already, so that a code
	// works once even when two sign-ins race.
	UseTOTPStep(ctx context.Context, email string, step int64) error

	// CreateSession signs the member in, as how says they proved who they
	// are: it returns a new session and its secret, for the cookie. A
	// disabled or unknown member is EUNAUTHORIZED.
	CreateSession(ctx context.Context, email string, how SignInMethod, userAgent, address string) (*Session, string, error)
	// AuthenticateSession returns the session of the secret and its
	// member. A secret that is unknown, ended, expired or idle too long, or
	// whose member is disabled, is EUNAUTHORIZED.
	AuthenticateSession(ctx context.Context, secret string) (*Member, *Session, error)
	// EndSession signs the session of the secret out; an unknown secret is
	// a no-op.
	EndSession(ctx context.Context, secret string) error
	// EndSessions signs the member out everywhere and returns how many
	// sessions ended.
	EndSessions(ctx context.Context, email string) (int, error)
	// FindSessions returns the member's current sessions, newest first.
	FindSessions(ctx context.Context, email string) ([]*Session, error)

	// CreateSignInLink returns the secret of a one-time sign-in link for
	// the member. A disabled or unknown member is EINVALID.
	CreateSignInLink(ctx context.Context, email string) (string, error)
	// UseSignInLink marks the link of the secret used and returns its
	// member. A link that is unknown, used, expired, or whose member is
	// disabled, is EUNAUTHORIZED.
	UseSignInLink(ctx context.Context, secret string) (*Member, error)
	// FindSignInLink returns the member the link of the secret would sign
	// in, leaving it unused; EUNAUTHORIZED as UseSignInLink.
	FindSignInLink(ctx context.Context, secret string) (*Member, error)
}

// TOTP reports whether the second factor is on.
func (c *Credentials) TOTP() bool { return c.TOTPSecret != "" }
