package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.TokenService = (*DB)(nil)

// TokenPrefix starts every secret, so that secret scanners and people can
// recognise a leaked ward token.
const TokenPrefix = "ward_"

// authEntry is what authenticating a token read.
type authEntry struct {
	member ward.Member
	token  ward.Token
}

// lastUsedGranularity bounds how often authenticating writes last_used_at:
// a busy script must not turn every read into a write.
const lastUsedGranularity = time.Minute

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns prefix and 256 random bits in lower-case base32: every
// secret ward hands out (tokens, feeds, reporter links, sessions, sign-in
// links), recognisable by its prefix.
func (db *DB) newSecret(prefix string) (string, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(db.random, raw); err != nil {
		return "", fmt.Errorf("new secret: %w", err)
	}
	return prefix + strings.ToLower(tokenEncoding.EncodeToString(raw)), nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a token for the member with the email. An unknown or
// disabled member is EINVALID. Only the secret's SHA-256 is stored: a secret
// of 256 random bits needs no slow hash.
func (db *DB) CreateToken(ctx context.Context, email, name string, expiresAt *time.Time) (*ward.Token, string, error) {
	secret, err := db.newSecret(TokenPrefix)
	if err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return nil, "", ward.Errorf(ward.EINVALID, "name: longer than 200 bytes")
	}

	tx, err := db.begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return nil, "", ward.Errorf(ward.EINVALID, "member: no member has the email %q", email)
	}
	if err != nil {
		return nil, "", err
	}
	if m.Disabled {
		return nil, "", ward.Errorf(ward.EINVALID, "member: %s is disabled", m.Email)
	}
	if expiresAt != nil {
		if !expiresAt.After(tx.now) {
			return nil, "", ward.Errorf(ward.EINVALID, "expires_at: must be in the future")
		}
		exp := expiresAt.UTC().Truncate(time.Microsecond) // as it will read back
		expiresAt = &exp
	}
	t := &ward.Token{Member: m.Email, Name: name, CreatedAt: tx.now, ExpiresAt: expiresAt}
	err = tx.queryRow(ctx, `INSERT INTO tokens (member_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		m.ID, name, hashSecret(secret), micros(tx.now), nullMicros(expiresAt)).Scan(&t.ID)
	if err != nil {
		return nil, "", fmt.Errorf("insert token for %s: %w", m.Email, err)
	}
	if err := tx.audit(ctx, "token.create", fmt.Sprintf("token/%d", t.ID),
		ward.Diff{"member": {nil, m.Email}, "name": {nil, name}, "expires_at": {nil, expiresAt}}); err != nil {
		return nil, "", err
	}
	return t, secret, tx.commit()
}

const tokenColumns = `tokens.id, members.email, tokens.name, tokens.created_at, tokens.expires_at, tokens.last_used_at, tokens.revoked_at`

const tokensJoinMembers = `tokens JOIN members ON members.id = tokens.member_id`

// tokenScan holds a token's columns while a row is scanned.
type tokenScan struct {
	t                      ward.Token
	created                int64
	expires, used, revoked sql.NullInt64
}

// dest lists the scan targets of a token's own columns, in the order of
// tokenColumns without the member's email, which callers place themselves:
// Authenticate reads the member's columns first, scanToken the email.
func (s *tokenScan) dest() []any {
	return []any{&s.t.ID, &s.t.Name, &s.created, &s.expires, &s.used, &s.revoked}
}

func (s *tokenScan) token() *ward.Token {
	s.t.CreatedAt = fromMicros(s.created)
	s.t.ExpiresAt, s.t.LastUsedAt, s.t.RevokedAt = fromNullMicros(s.expires), fromNullMicros(s.used), fromNullMicros(s.revoked)
	return &s.t
}

func scanToken(row scanner) (*ward.Token, error) {
	var s tokenScan
	if err := row.Scan(append([]any{&s.t.ID, &s.t.Member}, s.dest()[1:]...)...); err != nil {
		return nil, err
	}
	return s.token(), nil
}

// Authenticate returns the member who owns the secret, or EUNAUTHORIZED
// saying why not.
func (db *DB) Authenticate(ctx context.Context, secret string) (*ward.Member, *ward.Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the token is not a ward token")
	}
	hash, now := hashSecret(secret), db.now()
	e, gen, cached := db.auth.get(hash, now)
	if !cached {
		var err error
		if e, err = db.lookupToken(ctx, hash); err != nil {
			return nil, nil, err
		}
	}
	switch m, t := &e.member, &e.token; {
	case t.RevokedAt != nil:
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the token was revoked")
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the token expired")
	case m.Disabled:
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the token's member is disabled")
	}
	if e.token.LastUsedAt == nil || now.Sub(*e.token.LastUsedAt) >= lastUsedGranularity {
		if _, err := db.write.ExecContext(ctx, db.rebind(`UPDATE tokens SET last_used_at = ? WHERE id = ?`), micros(now), e.token.ID); err != nil {
			return nil, nil, fmt.Errorf("authenticate: record use: %w", err)
		}
		used := now.UTC().Truncate(time.Microsecond)
		e.token.LastUsedAt = &used
		cached = false
	}
	if !cached {
		db.auth.put(hash, e, now, gen)
	}
	// Copies, so that no caller can change what the cache holds.
	m, t := e.member, e.token
	return &m, &t, nil
}

// lookupToken fetches a token and its member in one query.
func (db *DB) lookupToken(ctx context.Context, hash string) (authEntry, error) {
	var ts tokenScan
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+`, tokens.id, tokens.name, tokens.created_at, tokens.expires_at,
		tokens.last_used_at, tokens.revoked_at FROM `+tokensJoinMembers+` WHERE tokens.hash = ?`, hash), ts.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return authEntry{}, ward.Errorf(ward.EUNAUTHORIZED, "the token is unknown")
	}
	if err != nil {
		return authEntry{}, fmt.Errorf("authenticate: %w", err)
	}
	ts.t.Member = m.Email
	return authEntry{member: *m, token: *ts.token()}, nil
}

// FindTokens returns the tokens of the member with the email, or every
// member's when email is "", newest first.
func (db *DB) FindTokens(ctx context.Context, email string) ([]*ward.Token, error) {
	key := ""
	if email != "" {
		m, err := db.FindMemberByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		key = m.Email
	}
	rows, err := db.query(ctx, `SELECT `+tokenColumns+` FROM `+tokensJoinMembers+`
		WHERE (? = '' OR members.email = ?) ORDER BY tokens.id DESC`, key, key)
	if err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	return collect(rows, "tokens", scanToken)
}

// FindTokenByID returns ENOTFOUND when no token has the ID.
func (db *DB) FindTokenByID(ctx context.Context, id int64) (*ward.Token, error) {
	return findTokenByID(ctx, db.queryRow, id)
}

func findTokenByID(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, id int64) (*ward.Token, error) {
	t, err := scanToken(queryRow(ctx, `SELECT `+tokenColumns+` FROM `+tokensJoinMembers+` WHERE tokens.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no token has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find token %d: %w", id, err)
	}
	return t, nil
}

// RevokeToken revokes the token; revoking it again changes nothing.
func (db *DB) RevokeToken(ctx context.Context, id int64) (*ward.Token, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	t, err := findTokenByID(ctx, tx.queryRow, id)
	if err != nil || t.RevokedAt != nil {
		return t, err
	}
	if _, err := tx.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
		return nil, fmt.Errorf("revoke token %d: %w", id, err)
	}
	t.RevokedAt = &tx.now
	if err := tx.audit(ctx, "token.revoke", fmt.Sprintf("token/%d", id), ward.Diff{"revoked_at": {nil, tx.now}}); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	db.auth.clear()
	return t, nil
}
