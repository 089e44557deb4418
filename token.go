package ward

import (
	"context"
	"time"
)

// Token is an API bearer token of one member. Only a hash of its secret is
// stored; the secret is shown once, when the token is created.
type Token struct {
	ID         int64      `json:"id"`
	Member     string     `json:"member"` // the owner's email
	Name       string     `json:"name"`   // what it is for, such as "ci"
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// TokenService issues, checks and revokes API tokens.
type TokenService interface {
	// CreateToken issues a token for the member with the email and returns
	// it with its secret. An unknown or disabled member is EINVALID.
	CreateToken(ctx context.Context, email, name string, expiresAt *time.Time) (*Token, string, error)
	// Authenticate returns the member who owns the secret. A secret that is
	// unknown, expired or revoked, or whose owner is disabled, is
	// EUNAUTHORIZED, with a message that says which.
	Authenticate(ctx context.Context, secret string) (*Member, *Token, error)
	// FindTokens returns the tokens of the member with the email, or of every
	// member when email is "", newest first.
	FindTokens(ctx context.Context, email string) ([]*Token, error)
	// FindTokenByID returns ENOTFOUND when no token has the ID.
	FindTokenByID(ctx context.Context, id int64) (*Token, error)
	// RevokeToken revokes the token; revoking it again is a no-op.
	RevokeToken(ctx context.Context, id int64) (*Token, error)
}
