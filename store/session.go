package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.SessionService = (*DB)(nil)

// SessionPrefix starts every session cookie's secret, SignInLinkPrefix every
// one-time sign-in link's, so that a leaked one is recognisable and the
// access log can hide a link's.
const (
	SessionPrefix    = "wardses_"
	SignInLinkPrefix = "wardlink_"
)

// lastSeenGranularity bounds how often a session's use is written, as
// lastUsedGranularity does for tokens: a page view must not be a write.
const lastSeenGranularity = time.Minute

// FindCredentials returns the member and their credentials, zero when they
// have none. ENOTFOUND when no member has the email.
func (db *DB) FindCredentials(ctx context.Context, email string) (*ward.Member, *ward.Credentials, error) {
	key, err := ward.NormalizeEmail(email)
	if err != nil {
		return nil, nil, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", email)
	}
	var c ward.Credentials
	var hash, secret, pending sql.NullString
	var step sql.NullInt64
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+`, c.password_hash, c.totp_secret, c.totp_pending, c.totp_last_step
		FROM members LEFT JOIN member_credentials c ON c.member_id = members.id WHERE members.email = ?`, key),
		&hash, &secret, &pending, &step)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find credentials of %s: %w", key, err)
	}
	c.PasswordHash, c.TOTPSecret, c.TOTPPending, c.TOTPLastStep = hash.String, secret.String, pending.String, step.Int64
	return m, &c, nil
}

// setCredentials writes the columns of set (such as "password_hash = ?")
// for the member, creating their row when they have none.
func (tx *Tx) setCredentials(ctx context.Context, memberID int64, set string, args ...any) error {
	if _, err := tx.exec(ctx, `INSERT INTO member_credentials (member_id, updated_at) VALUES (?, ?)
		ON CONFLICT (member_id) DO NOTHING`, memberID, micros(tx.now)); err != nil {
		return fmt.Errorf("create credentials: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE member_credentials SET `+set+`, updated_at = ? WHERE member_id = ?`,
		append(args, micros(tx.now), memberID)...); err != nil {
		return fmt.Errorf("update credentials: %w", err)
	}
	return nil
}

// SetPassword stores a new password hash and ends every session of the
// member: whoever knew the old password is signed out.
func (db *DB) SetPassword(ctx context.Context, email, hash string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil {
		return err
	}
	if err := tx.setCredentials(ctx, m.ID, "password_hash = ?", hash); err != nil {
		return err
	}
	ended, err := tx.endSessionsOf(ctx, m.ID)
	if err != nil {
		return err
	}
	if err := tx.audit(ctx, "member.password", "member/"+m.Email, ward.Diff{"password": {nil, "changed"}, "sessions": {ended, 0}}); err != nil {
		return err
	}
	return tx.commit()
}

// RehashPassword replaces the member's password hash old with hash, the
// same password hashed at today's costs, and nothing else: sessions go on,
// and the audit log is not told, since the password is not changed. A
// hash other than old (the password changed meanwhile) is left alone.
func (db *DB) RehashPassword(ctx context.Context, email, old, hash string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE member_credentials SET password_hash = ?, updated_at = ? WHERE member_id = ? AND password_hash = ?`,
		hash, micros(tx.now), m.ID, old); err != nil {
		return fmt.Errorf("rehash password of %s: %w", m.Email, err)
	}
	return tx.commit()
}

// SetPendingTOTP keeps a new secret until ConfirmTOTP turns it on.
func (db *DB) SetPendingTOTP(ctx context.Context, email, secret string) error {
	return db.changeTOTP(ctx, email, "member.totp_setup", func(tx *Tx, m *ward.Member, c *ward.Credentials) (ward.Diff, error) {
		return ward.Diff{"totp_pending": {c.TOTPPending != "", true}}, tx.setCredentials(ctx, m.ID, "totp_pending = ?", secret)
	})
}

// ConfirmTOTP turns the pending secret on, if it is still pending, the
// one the code was checked against. ECONFLICT when none is pending or
// another one is.
func (db *DB) ConfirmTOTP(ctx context.Context, email, pending string, step int64) error {
	return db.changeTOTP(ctx, email, "member.totp_enable", func(tx *Tx, m *ward.Member, c *ward.Credentials) (ward.Diff, error) {
		if c.TOTPPending == "" {
			return nil, ward.Errorf(ward.ECONFLICT, "no new authenticator is being set up; start again")
		}
		// The secret is named in the update itself, so that what is
		// turned on is what the code was checked against.
		res, err := tx.exec(ctx, `UPDATE member_credentials SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ?, updated_at = ?
			WHERE member_id = ? AND totp_pending = ? AND totp_pending <> ''`, step, micros(tx.now), m.ID, pending)
		if err != nil {
			return nil, fmt.Errorf("confirm TOTP: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("confirm TOTP: %w", err)
		} else if n != 1 {
			return nil, ward.Errorf(ward.ECONFLICT, "the authenticator set-up changed; start again")
		}
		return ward.Diff{"totp": {c.TOTPSecret != "", true}}, nil
	})
}

// DisableTOTP turns the second factor off.
func (db *DB) DisableTOTP(ctx context.Context, email string) error {
	return db.changeTOTP(ctx, email, "member.totp_disable", func(tx *Tx, m *ward.Member, c *ward.Credentials) (ward.Diff, error) {
		return ward.Diff{"totp": {c.TOTPSecret != "", false}},
			tx.setCredentials(ctx, m.ID, "totp_secret = '', totp_pending = '', totp_last_step = 0")
	})
}

// changeTOTP runs change in a transaction with the member's credentials
// as they are, and audits what it returns under action.
func (db *DB) changeTOTP(ctx context.Context, email, action string, change func(*Tx, *ward.Member, *ward.Credentials) (ward.Diff, error)) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil {
		return err
	}
	var c ward.Credentials
	err = tx.queryRow(ctx, `SELECT totp_secret, totp_pending FROM member_credentials WHERE member_id = ?`, m.ID).Scan(&c.TOTPSecret, &c.TOTPPending)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find credentials of %s: %w", m.Email, err)
	}
	diff, err := change(tx, m, &c)
	if err != nil {
		return err
	}
	if err := tx.audit(ctx, action, "member/"+m.Email, diff); err != nil {
		return err
	}
	return tx.commit()
}

// UseTOTPStep records a code's step as used, in one statement, so that of
// two sign-ins racing with one code only one wins.
func (db *DB) UseTOTPStep(ctx context.Context, email string, step int64) error {
	key, _ := ward.NormalizeEmail(email) // a bad address matches no row
	res, err := db.write.ExecContext(ctx, db.rebind(`UPDATE member_credentials SET totp_last_step = ?
		WHERE member_id = (SELECT id FROM members WHERE email = ?) AND totp_secret <> '' AND totp_last_step < ?`), step, key, step)
	if err != nil {
		return fmt.Errorf("use TOTP step: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ward.Errorf(ward.ECONFLICT, "the code was used already")
	}
	return nil
}

// CreateSession signs the member in with a new session: a new secret each
// time, so that no one can fix a session for someone else to sign in to.
// It also clears sessions that have run out, everyone's. The audit entry
// records how the member signed in.
func (db *DB) CreateSession(ctx context.Context, email string, how ward.SignInMethod, userAgent, address string) (*ward.Session, string, error) {
	secret, err := db.newSecret(SessionPrefix)
	if err != nil {
		return nil, "", err
	}
	csrf, err := db.newSecret("")
	if err != nil {
		return nil, "", err
	}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil || m.Disabled {
		if err == nil || ward.ErrorCode(err) == ward.ENOTFOUND {
			return nil, "", ward.Errorf(ward.EUNAUTHORIZED, "no active member has the email %q", email)
		}
		return nil, "", err
	}
	if _, err := tx.pruneSessions(ctx); err != nil {
		return nil, "", err
	}
	s := &ward.Session{Member: m.Email, CreatedAt: tx.now, ExpiresAt: tx.now.Add(ward.SessionLifetime), LastSeenAt: tx.now,
		UserAgent: userAgent, Address: address, CSRF: csrf}
	err = tx.queryRow(ctx, `INSERT INTO sessions (member_id, hash, csrf, created_at, expires_at, last_seen_at, user_agent, address)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.ID, hashSecret(secret), csrf, micros(s.CreatedAt), micros(s.ExpiresAt),
		micros(s.LastSeenAt), userAgent, address).Scan(&s.ID)
	if err != nil {
		return nil, "", fmt.Errorf("insert session for %s: %w", m.Email, err)
	}
	if err := tx.audit(ctx, "session.sign_in", "member/"+m.Email, ward.Diff{"session": {nil, s.ID}, "address": {nil, address}, "how": {nil, string(how)}}); err != nil {
		return nil, "", err
	}
	return s, secret, tx.commit()
}

const sessionColumns = `sessions.id, members.email, sessions.csrf, sessions.created_at, sessions.expires_at, sessions.last_seen_at, sessions.user_agent, sessions.address`

type sessionScan struct {
	s                      ward.Session
	created, expires, seen int64
}

// dest lists sessionColumns' targets without the member's email.
func (s *sessionScan) dest() []any {
	return []any{&s.s.ID, &s.s.CSRF, &s.created, &s.expires, &s.seen, &s.s.UserAgent, &s.s.Address}
}

func (s *sessionScan) session() *ward.Session {
	s.s.CreatedAt, s.s.ExpiresAt, s.s.LastSeenAt = fromMicros(s.created), fromMicros(s.expires), fromMicros(s.seen)
	return &s.s
}

// AuthenticateSession returns the session of the secret and its member, or
// EUNAUTHORIZED. It is not cached: signing out must end a session at once,
// on every instance.
func (db *DB) AuthenticateSession(ctx context.Context, secret string) (*ward.Member, *ward.Session, error) {
	if !strings.HasPrefix(secret, SessionPrefix) {
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "not a session")
	}
	var ss sessionScan
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+`, sessions.id, sessions.csrf, sessions.created_at, sessions.expires_at,
		sessions.last_seen_at, sessions.user_agent, sessions.address FROM sessions JOIN members ON members.id = sessions.member_id
		WHERE sessions.hash = ?`, hashSecret(secret)), ss.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the session ended")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate session: %w", err)
	}
	s, now := ss.session(), db.now()
	s.Member = m.Email
	switch {
	case !now.Before(s.ExpiresAt):
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the session expired")
	case now.Sub(s.LastSeenAt) >= ward.SessionIdle:
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the session was idle too long")
	case m.Disabled:
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "the member is disabled")
	}
	if now.Sub(s.LastSeenAt) >= lastSeenGranularity {
		if _, err := db.write.ExecContext(ctx, db.rebind(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), micros(now), s.ID); err != nil {
			return nil, nil, fmt.Errorf("authenticate session: record use: %w", err)
		}
		s.LastSeenAt = now.UTC().Truncate(time.Microsecond)
	}
	return m, s, nil
}

// EndSession signs the session of the secret out.
func (db *DB) EndSession(ctx context.Context, secret string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var id, memberID int64
	err = tx.queryRow(ctx, `DELETE FROM sessions WHERE hash = ? RETURNING id, member_id`, hashSecret(secret)).Scan(&id, &memberID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	var email string
	if err == nil {
		err = tx.queryRow(ctx, `SELECT email FROM members WHERE id = ?`, memberID).Scan(&email)
	}
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	if err := tx.audit(ctx, "session.sign_out", "member/"+email, ward.Diff{"session": {id, nil}}); err != nil {
		return err
	}
	return tx.commit()
}

// EndSessions signs the member out everywhere.
func (db *DB) EndSessions(ctx context.Context, email string) (int, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil {
		return 0, err
	}
	n, err := tx.endSessionsOf(ctx, m.ID)
	if err != nil {
		return 0, err
	}
	if err := tx.audit(ctx, "session.sign_out_everywhere", "member/"+m.Email, ward.Diff{"sessions": {n, 0}}); err != nil {
		return 0, err
	}
	return n, tx.commit()
}

// endSessionsOf deletes the member's sessions: when they sign out
// everywhere, change their password or are disabled.
func (tx *Tx) endSessionsOf(ctx context.Context, memberID int64) (int, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE member_id = ?`, memberID)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return int(n), nil
}

// FindSessions returns the member's current sessions, newest first.
func (db *DB) FindSessions(ctx context.Context, email string) ([]*ward.Session, error) {
	key, _ := ward.NormalizeEmail(email)
	now := db.now()
	rows, err := db.query(ctx, `SELECT `+sessionColumns+` FROM sessions JOIN members ON members.id = sessions.member_id
		WHERE members.email = ? AND sessions.expires_at > ? AND sessions.last_seen_at > ? ORDER BY sessions.id DESC`,
		key, micros(now), micros(now.Add(-ward.SessionIdle)))
	if err != nil {
		return nil, fmt.Errorf("find sessions: %w", err)
	}
	return collect(rows, "sessions", func(row scanner) (*ward.Session, error) {
		var ss sessionScan
		d := ss.dest()
		if err := row.Scan(append([]any{d[0], &ss.s.Member}, d[1:]...)...); err != nil {
			return nil, err
		}
		return ss.session(), nil
	})
}

// CreateSignInLink returns the secret of a one-time link that signs the
// member in within ward.SignInLinkLifetime.
func (db *DB) CreateSignInLink(ctx context.Context, email string) (string, error) {
	secret, err := db.newSecret(SignInLinkPrefix)
	if err != nil {
		return "", err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.rollback()
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return "", ward.Errorf(ward.EINVALID, "member: no member has the email %q", email)
	}
	if err != nil {
		return "", err
	}
	if m.Disabled {
		return "", ward.Errorf(ward.EINVALID, "member: %s is disabled", m.Email)
	}
	if _, err := tx.exec(ctx, `DELETE FROM sign_in_links WHERE expires_at <= ?`, micros(tx.now)); err != nil {
		return "", fmt.Errorf("clear old sign-in links: %w", err)
	}
	expires := tx.now.Add(ward.SignInLinkLifetime)
	var id int64
	if err := tx.queryRow(ctx, `INSERT INTO sign_in_links (member_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?) RETURNING id`,
		m.ID, hashSecret(secret), micros(tx.now), micros(expires)).Scan(&id); err != nil {
		return "", fmt.Errorf("insert sign-in link for %s: %w", m.Email, err)
	}
	if err := tx.audit(ctx, "member.sign_in_link", "member/"+m.Email, ward.Diff{"link": {nil, id}, "expires_at": {nil, expires}}); err != nil {
		return "", err
	}
	return secret, tx.commit()
}

// errSignInLink refuses every link that cannot sign in, whatever the
// reason.
var errSignInLink = ward.Errorf(ward.EUNAUTHORIZED, "this sign-in link is not valid: it was used already, has expired, or never existed; ask for a new one")

// FindSignInLink returns the member a usable link would sign in, without
// using it.
func (db *DB) FindSignInLink(ctx context.Context, secret string) (*ward.Member, error) {
	if !strings.HasPrefix(secret, SignInLinkPrefix) {
		return nil, errSignInLink
	}
	var expires int64
	var used sql.NullInt64
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+`, sign_in_links.expires_at, sign_in_links.used_at
		FROM sign_in_links JOIN members ON members.id = sign_in_links.member_id WHERE sign_in_links.hash = ?`, hashSecret(secret)),
		&expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSignInLink
	}
	if err != nil {
		return nil, fmt.Errorf("find sign-in link: %w", err)
	}
	if used.Valid || micros(db.now()) >= expires || m.Disabled {
		return nil, errSignInLink
	}
	return m, nil
}

// UseSignInLink marks the link used and returns its member.
func (db *DB) UseSignInLink(ctx context.Context, secret string) (*ward.Member, error) {
	refused := errSignInLink
	if !strings.HasPrefix(secret, SignInLinkPrefix) {
		return nil, refused
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	var id, expires int64
	var used sql.NullInt64
	m, err := scanMember(tx.queryRow(ctx, `SELECT `+memberColumns+`, sign_in_links.id, sign_in_links.expires_at, sign_in_links.used_at
		FROM sign_in_links JOIN members ON members.id = sign_in_links.member_id WHERE sign_in_links.hash = ?`, hashSecret(secret)),
		&id, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("use sign-in link: %w", err)
	}
	if used.Valid || micros(tx.now) >= expires || m.Disabled {
		return nil, refused
	}
	// Guarded, so that of two uses at once only one signs in: the other's
	// read may predate the first's commit.
	res, err := tx.exec(ctx, `UPDATE sign_in_links SET used_at = ? WHERE id = ? AND used_at IS NULL`, micros(tx.now), id)
	if err != nil {
		return nil, fmt.Errorf("use sign-in link: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("use sign-in link: %w", err)
	} else if n != 1 {
		return nil, refused
	}
	if err := tx.audit(ctx, "member.sign_in_link_use", "member/"+m.Email, ward.Diff{"link": {id, nil}}); err != nil {
		return nil, err
	}
	return m, tx.commit()
}

// PruneSessions deletes the sessions that have expired or been idle too
// long, and the sign-in links that have expired, and returns how many of
// each it deleted. Signing in prunes them too, but a desk nobody signs in
// to would keep old sessions' addresses and user agents for ever; the job
// runner calls this daily. Nothing is audited: these rows were already
// dead, and their creation and end are in the audit log.
func (db *DB) PruneSessions(ctx context.Context) (sessions, links int64, err error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.rollback()
	if sessions, err = tx.pruneSessions(ctx); err != nil {
		return 0, 0, err
	}
	res, err := tx.exec(ctx, `DELETE FROM sign_in_links WHERE expires_at <= ?`, micros(tx.now))
	if err == nil {
		links, err = res.RowsAffected()
	}
	if err != nil {
		return 0, 0, fmt.Errorf("prune sign-in links: %w", err)
	}
	return sessions, links, tx.commit()
}

// pruneSessions deletes the sessions that have expired or been idle too long.
func (tx *Tx) pruneSessions(ctx context.Context) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		micros(tx.now), micros(tx.now.Add(-ward.SessionIdle)))
	if err != nil {
		return 0, fmt.Errorf("clear old sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("clear old sessions: %w", err)
	}
	return n, nil
}
