package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.DistributorService = (*DB)(nil)

const distributorColumns = `id, organisation, contact_name, contact_email, list_address,
	distribution, user_base, track_record, not_downstream, contribution, voucher, accepts_embargo, contributes_back,
	state, reason, decided_by, decided_at, approved_at, version, created_at, updated_at`

func scanDistributorRequest(row scanner) (*ward.DistributorRequest, error) {
	var r ward.DistributorRequest
	a := &r.Answers
	var decided, approved, created, updated int64
	if err := row.Scan(&r.ID, &r.Organisation, &r.ContactName, &r.ContactEmail, &r.ListAddress,
		&a.Distribution, &a.UserBase, &a.TrackRecord, &a.NotDownstream, &a.Contribution, &a.Voucher, &a.AcceptsEmbargo, &a.ContributesBack,
		&r.State, &r.Reason, &r.DecidedBy, &decided, &approved, &r.Version, &created, &updated); err != nil {
		return nil, err
	}
	if decided != 0 {
		r.DecidedAt = fromMicros(decided)
	}
	if approved != 0 {
		r.ApprovedAt = fromMicros(approved)
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

// organisationKey is how two requests' organisations are compared:
// without regard to case or spacing, so that "Example  Corp" asking again
// as "example corp" is the same organisation.
func organisationKey(org string) string {
	return strings.ToLower(strings.Join(strings.Fields(org), " "))
}

func distributorObject(id int64) string { return "distributor_request/" + strconv.FormatInt(id, 10) }

// CreateDistributorRequest normalises r and stores it as pending, a
// repeat of another request too: nothing an applicant sends is refused or
// dropped for being one (see ward.DistributorService).
func (db *DB) CreateDistributorRequest(ctx context.Context, r *ward.DistributorRequest) error {
	if err := r.Normalize(); err != nil {
		return err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	r.State, r.Reason, r.DecidedBy, r.DecidedAt, r.ApprovedAt = ward.DistributorPending, "", "", time.Time{}, time.Time{}
	r.Version, r.CreatedAt, r.UpdatedAt = 1, tx.now, tx.now
	a := r.Answers
	err = tx.queryRow(ctx, `INSERT INTO distributor_requests (organisation, organisation_key, contact_name, contact_email, list_address,
		distribution, user_base, track_record, not_downstream, contribution, voucher, accepts_embargo, contributes_back,
		state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Organisation, organisationKey(r.Organisation), r.ContactName, r.ContactEmail, r.ListAddress,
		a.Distribution, a.UserBase, a.TrackRecord, a.NotDownstream, a.Contribution, a.Voucher, a.AcceptsEmbargo, a.ContributesBack,
		r.State, r.Version, micros(tx.now), micros(tx.now)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("insert distributor request of %s: %w", r.Organisation, err)
	}
	// The answers stay in the request; the audit entry names who asked for
	// what, not their whole evidence.
	if err := tx.audit(ctx, "distributor.request", distributorObject(r.ID), ward.Diff{
		"organisation": {nil, r.Organisation}, "contact_email": {nil, r.ContactEmail}, "list_address": {nil, r.ListAddress},
		"state": {nil, r.State}}); err != nil {
		return err
	}
	return tx.commit()
}

// FindDistributorRequestByID returns the request with its duplicates, or
// ENOTFOUND when no request has the ID.
func (db *DB) FindDistributorRequestByID(ctx context.Context, id int64) (*ward.DistributorRequest, error) {
	r, err := findDistributorRequest(ctx, db.queryRow, id)
	if err != nil {
		return nil, err
	}
	if err := fillDistributorDuplicates(ctx, db.query, []*ward.DistributorRequest{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// findDistributorRequest serves both the read pool and transactions.
func findDistributorRequest(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, id int64) (*ward.DistributorRequest, error) {
	r, err := scanDistributorRequest(queryRow(ctx, `SELECT `+distributorColumns+` FROM distributor_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no distributor request has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find distributor request %d: %w", id, err)
	}
	return r, nil
}

// FindDistributorRequests returns the selected requests, newest first,
// each with its duplicates.
func (db *DB) FindDistributorRequests(ctx context.Context, f ward.DistributorFilter) ([]*ward.DistributorRequest, error) {
	if f.Limit <= 0 || f.Limit > ward.MaxDistributorLimit {
		f.Limit = 50
	}
	var where []string
	var args []any
	for _, c := range []struct {
		cond  string // a column and its comparison
		value any
		set   bool
	}{{"state =", f.State, f.State != ""}, {"created_at >=", micros(f.Since), !f.Since.IsZero()}, {"id <", f.Before, f.Before > 0}} {
		if c.set {
			where, args = append(where, c.cond+" ?"), append(args, c.value)
		}
	}
	query := `SELECT ` + distributorColumns + ` FROM distributor_requests`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, query+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find distributor requests: %w", err)
	}
	list, err := collect(rows, "distributor requests", scanDistributorRequest)
	if err != nil {
		return nil, err
	}
	if err := fillDistributorDuplicates(ctx, db.query, list); err != nil {
		return nil, err
	}
	return list, nil
}

// fillDistributorDuplicates sets each request's Duplicates and
// MoreDuplicates in one query for them all: the other requests with its
// contact email or its organisation key, newest first, at most
// ward.MaxDistributorDuplicates each, so that a flood of repeats costs a
// page a count, not a row each. It serves both the read pool and
// transactions.
func fillDistributorDuplicates(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error), list []*ward.DistributorRequest) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*ward.DistributorRequest, len(list))
	args := make([]any, 0, len(list)+1)
	for _, r := range list {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	rows, err := query(ctx, `SELECT request_id, id, state, same_contact, same_organisation, total FROM (
		SELECT t.id AS request_id, o.id, o.state, o.contact_email = t.contact_email AS same_contact,
			o.organisation_key = t.organisation_key AS same_organisation,
			ROW_NUMBER() OVER (PARTITION BY t.id ORDER BY o.id DESC) AS n, COUNT(*) OVER (PARTITION BY t.id) AS total
		FROM distributor_requests t JOIN distributor_requests o
			ON o.id <> t.id AND (o.contact_email = t.contact_email OR o.organisation_key = t.organisation_key)
		WHERE t.id IN (?`+strings.Repeat(", ?", len(list)-1)+`)) AS d
		WHERE n <= ? ORDER BY request_id, id DESC`, append(args, ward.MaxDistributorDuplicates)...)
	if err != nil {
		return fmt.Errorf("find duplicates of distributor requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var of int64
		var total int
		var d ward.DistributorDuplicate
		if err := rows.Scan(&of, &d.ID, &d.State, &d.SameContact, &d.SameOrganisation, &total); err != nil {
			return fmt.Errorf("scan duplicates of distributor requests: %w", err)
		}
		r := byID[of]
		r.Duplicates = append(r.Duplicates, d)
		r.MoreDuplicates = total - len(r.Duplicates)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find duplicates of distributor requests: %w", err)
	}
	return nil
}

// FindDistributorList returns every approved request, by list address.
func (db *DB) FindDistributorList(ctx context.Context) ([]*ward.DistributorRequest, error) {
	rows, err := db.query(ctx, `SELECT `+distributorColumns+` FROM distributor_requests WHERE state = 'approved' ORDER BY list_address, id`)
	if err != nil {
		return nil, fmt.Errorf("find the distributors list: %w", err)
	}
	return collect(rows, "distributors", scanDistributorRequest)
}

// DecideDistributorRequest applies d to the request in one transaction
// with its audit entry. The domain decides what is allowed; the store
// refuses a decision on an older version, and an approval of a list
// address that is on the list already. What is wrong with the decision
// itself is refused first, before the request is read.
func (db *DB) DecideDistributorRequest(ctx context.Context, id, version int64, d ward.DistributorDecision) (*ward.DistributorRequest, error) {
	if err := d.Check(); err != nil {
		return nil, err
	}
	if version < 0 {
		return nil, ward.Errorf(ward.EINVALID, "version: %d is not a version; send the one the request showed, or 0 to decide on it as it is", version)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	before, err := findDistributorRequest(ctx, tx.queryRow, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != before.Version {
		return nil, ward.Errorf(ward.ECONFLICT, "distributor request %d changed since version %d (it is %s now); reload it and decide again",
			id, version, before.State)
	}
	after, err := before.Decide(d, ward.ActorFromContext(ctx).String(), tx.now)
	if err != nil {
		return nil, err
	}
	if after.State == ward.DistributorApproved {
		if err := tx.checkNotListed(ctx, after.ListAddress); err != nil {
			return nil, err
		}
	}
	after.Version, after.UpdatedAt = before.Version+1, tx.now
	// Writes are serialised, so the version read above still holds; the
	// condition keeps the write honest should that ever change.
	res, err := tx.exec(ctx, `UPDATE distributor_requests SET state = ?, reason = ?, decided_by = ?, decided_at = ?, approved_at = ?,
		version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		after.State, after.Reason, after.DecidedBy, micros(after.DecidedAt), zeroMicros(after.ApprovedAt), after.Version, micros(tx.now),
		id, before.Version)
	if isUniqueViolation(err) {
		return nil, ward.Errorf(ward.ECONFLICT, "%s is on the distributors list already", after.ListAddress)
	}
	if err != nil {
		return nil, fmt.Errorf("decide distributor request %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("decide distributor request %d: %w", id, err)
	}
	if n != 1 {
		return nil, fmt.Errorf("decide distributor request %d: %d rows changed, want 1", id, n)
	}
	diff := ward.Diff{"state": {before.State, after.State}}
	if before.Reason != after.Reason {
		diff["reason"] = [2]any{before.Reason, after.Reason}
	}
	if err := tx.audit(ctx, "distributor."+d.Action, distributorObject(id), diff); err != nil {
		return nil, err
	}
	if err := fillDistributorDuplicates(ctx, tx.query, []*ward.DistributorRequest{&after}); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return &after, nil
}

// checkNotListed refuses, as ECONFLICT, a list address that an approved
// request already has: the list would send it everything twice, and
// removing one would leave it on.
func (tx *Tx) checkNotListed(ctx context.Context, address string) error {
	var other int64
	err := tx.queryRow(ctx, `SELECT id FROM distributor_requests WHERE list_address = ? AND state = 'approved'`, address).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("find approved distributor %s: %w", address, err)
	}
	return ward.Errorf(ward.ECONFLICT, "%s is on the distributors list already, through request %d; remove that one first, or decline this one", address, other)
}

// zeroMicros stores the zero time as 0, which the table's NOT NULL time
// columns read as "not yet"; nullMicros, for columns that may be NULL,
// stores nil as NULL instead.
func zeroMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// CountDistributorRequestsSince counts the requests made at or after
// since, whatever became of them.
func (db *DB) CountDistributorRequestsSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM distributor_requests WHERE created_at >= ?`, micros(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count distributor requests since %s: %w", since.Format(time.RFC3339), err)
	}
	return n, nil
}
