package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wardsec/ward"
)

var _ ward.MemberService = (*DB)(nil)

const memberColumns = `members.id, members.email, members.name, members.role, members.timezone, members.workhours, members.holidays, members.disabled, members.created_at, members.updated_at`

type scanner interface{ Scan(dest ...any) error }

// scanMember scans memberColumns, then any extra columns into extra.
func scanMember(row scanner, extra ...any) (*ward.Member, error) {
	var m ward.Member
	var created, updated int64
	dest := append([]any{&m.ID, &m.Email, &m.Name, &m.Role, &m.TimeZone, &m.WorkHours, &m.Holidays, &m.Disabled, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &m, nil
}

// FindMemberByEmail returns ENOTFOUND when no member has the address.
func (db *DB) FindMemberByEmail(ctx context.Context, email string) (*ward.Member, error) {
	return findMemberByEmail(ctx, db.queryRow, email)
}

// findMemberByEmail serves both the read pool and transactions.
func findMemberByEmail(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, email string) (*ward.Member, error) {
	key, err := ward.NormalizeEmail(email)
	if err != nil {
		return nil, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", email)
	}
	m, err := scanMember(queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE email = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", key)
	}
	if err != nil {
		return nil, fmt.Errorf("find member %s: %w", key, err)
	}
	return m, nil
}

// FindMembers returns the selected members ordered by email.
func (db *DB) FindMembers(ctx context.Context, f ward.MemberFilter) ([]*ward.Member, error) {
	rows, err := db.query(ctx, `SELECT `+memberColumns+` FROM members
		WHERE (? = '' OR role = ?) AND (? OR NOT disabled) ORDER BY email`,
		string(f.Role), string(f.Role), f.IncludeDisabled)
	if err != nil {
		return nil, fmt.Errorf("find members: %w", err)
	}
	return collectMembers(rows)
}

func collectMembers(rows *sql.Rows) ([]*ward.Member, error) {
	return collect(rows, "members", func(row scanner) (*ward.Member, error) { return scanMember(row) })
}

// CreateMember normalises m, stores it and sets its ID and times. A taken
// email is ECONFLICT.
func (db *DB) CreateMember(ctx context.Context, m *ward.Member) error {
	if err := m.Normalize(db.holidays); err != nil {
		return err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.insertMember(ctx, m); err != nil {
		return err
	}
	if err := tx.audit(ctx, "member.create", "member/"+m.Email, ward.MemberDiff(nil, m)); err != nil {
		return err
	}
	return tx.commit()
}

func (tx *Tx) insertMember(ctx context.Context, m *ward.Member) error {
	m.CreatedAt, m.UpdatedAt = tx.now, tx.now
	err := tx.queryRow(ctx, `INSERT INTO members (email, name, role, timezone, workhours, holidays, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Email, m.Name, m.Role, m.TimeZone, m.WorkHours, m.Holidays, m.Disabled, micros(tx.now), micros(tx.now)).Scan(&m.ID)
	if isUniqueViolation(err) {
		return ward.Errorf(ward.ECONFLICT, "a member with the email %q already exists", m.Email)
	}
	if err != nil {
		return fmt.Errorf("insert member %s: %w", m.Email, err)
	}
	return nil
}

// UpdateMember changes the member with the email. Removing the last active
// admin, by role or by disabling, is ECONFLICT.
func (db *DB) UpdateMember(ctx context.Context, email string, upd ward.MemberUpdate) (*ward.Member, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	before, err := findMemberByEmail(ctx, tx.queryRow, email)
	if err != nil {
		return nil, err
	}
	after := upd.Apply(*before)
	if err := after.Normalize(db.holidays); err != nil {
		return nil, err
	}
	diff := ward.MemberDiff(before, &after)
	if len(diff) == 0 {
		return before, nil
	}
	if err := tx.keepAnAdmin(ctx, &after); err != nil {
		return nil, err
	}
	if after.Disabled && !before.Disabled {
		if err := tx.keepRotationsStaffed(ctx, []string{after.Email}, nil); err != nil {
			return nil, err
		}
		if err := tx.revokeFeedsOf(ctx, &after); err != nil {
			return nil, err
		}
		if _, err := tx.endSessionsOf(ctx, after.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.updateMember(ctx, &after); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, "member.update", "member/"+after.Email, diff); err != nil {
		return nil, err
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	db.auth.clear() // the member may have been disabled or changed role
	db.feeds.clear()
	return &after, nil
}

func (tx *Tx) updateMember(ctx context.Context, m *ward.Member) error {
	m.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `UPDATE members SET name = ?, role = ?, timezone = ?, workhours = ?, holidays = ?, disabled = ?, updated_at = ?
		WHERE id = ?`, m.Name, m.Role, m.TimeZone, m.WorkHours, m.Holidays, m.Disabled, micros(tx.now), m.ID)
	if err != nil {
		return fmt.Errorf("update member %s: %w", m.Email, err)
	}
	return nil
}

// allMembers returns every member, keyed by email, as the transaction sees
// them.
func (tx *Tx) allMembers(ctx context.Context) (map[string]*ward.Member, error) {
	rows, err := tx.query(ctx, `SELECT `+memberColumns+` FROM members`)
	if err != nil {
		return nil, fmt.Errorf("find members: %w", err)
	}
	list, err := collectMembers(rows)
	if err != nil {
		return nil, err
	}
	byEmail := make(map[string]*ward.Member, len(list))
	for _, m := range list {
		byEmail[m.Email] = m
	}
	return byEmail, nil
}

// keepAnAdmin refuses changes that would leave a team that has an active
// admin without one: nobody could then manage it from the API.
func (tx *Tx) keepAnAdmin(ctx context.Context, changed ...*ward.Member) error {
	current, err := tx.allMembers(ctx)
	if err != nil {
		return err
	}
	before := ward.ActiveAdmins(current)
	for _, m := range changed {
		current[m.Email] = m
	}
	if before > 0 && ward.ActiveAdmins(current) == 0 {
		return ward.Errorf(ward.ECONFLICT, "this would leave the team without an active admin; make another member admin first")
	}
	return nil
}
