package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wardsec/ward"
)

var _ ward.HandoffService = (*DB)(nil)

const handoffColumns = `id, report_id, from_member, to_member, open_questions, decisions, pending_actions, state, reason, created_by, created_at, answered_at, reminded_at`

func scanHandoff(row scanner) (*ward.Handoff, error) {
	var h ward.Handoff
	var created, answered, reminded int64
	if err := row.Scan(&h.ID, &h.Report, &h.From, &h.To, &h.OpenQuestions, &h.Decisions, &h.PendingActions, &h.State, &h.Reason,
		&h.CreatedBy, &created, &answered, &reminded); err != nil {
		return nil, err
	}
	h.CreatedAt, h.AnsweredAt, h.RemindedAt = fromMicros(created), optMicros(answered), optMicros(reminded)
	return &h, nil
}

// CreateHandoff stores h as pending, with ev and its notifications on the
// report, in one transaction. The report is not written, since a handoff
// leaves its commander as it is; its version is read instead, so that a
// request checked against a commander who has changed since is refused.
func (db *DB) CreateHandoff(ctx context.Context, h *ward.Handoff, version int64, ev *ward.TimelineEvent) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.checkReportVersion(ctx, h.Report, version); err != nil {
		return err
	}
	h.State, h.CreatedAt, h.CreatedBy = ward.HandoffPending, tx.now, ward.ActorFromContext(ctx).String()
	err = tx.queryRow(ctx, `INSERT INTO handoffs (report_id, from_member, to_member, open_questions, decisions, pending_actions, state, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, h.Report, h.From, h.To, h.OpenQuestions, h.Decisions, h.PendingActions, h.State,
		h.CreatedBy, micros(tx.now)).Scan(&h.ID)
	if isUniqueViolation(err) {
		return ward.Errorf(ward.ECONFLICT, "report %d already has a pending handoff; it must be answered or cancelled first", h.Report)
	}
	if err != nil {
		return fmt.Errorf("insert handoff of report %d: %w", h.Report, err)
	}
	if err := tx.eventAndAudit(ctx, ev, h.Report); err != nil {
		return err
	}
	return tx.commit()
}

// checkReportVersion refuses, as ECONFLICT, a report changed since
// version. Writes are serialised on both databases, so the check holds
// until the transaction ends.
func (tx *Tx) checkReportVersion(ctx context.Context, id, version int64) error {
	var got int64
	err := tx.queryRow(ctx, `SELECT version FROM reports WHERE id = ?`, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return ward.Errorf(ward.ENOTFOUND, "no report has the id %d", id)
	}
	if err != nil {
		return fmt.Errorf("find version of report %d: %w", id, err)
	}
	if got != version {
		return ward.Errorf(ward.ECONFLICT, "report %d changed while this handoff was worked out; reload it and try again", id)
	}
	return nil
}

// FindHandoffByID returns ENOTFOUND when no handoff has the ID.
func (db *DB) FindHandoffByID(ctx context.Context, id int64) (*ward.Handoff, error) {
	h, err := scanHandoff(db.queryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no handoff has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find handoff %d: %w", id, err)
	}
	return h, nil
}

// FindHandoffs returns the selected handoffs, newest first.
func (db *DB) FindHandoffs(ctx context.Context, f ward.HandoffFilter) ([]*ward.Handoff, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var where []string
	var args []any
	if f.Pending {
		where = append(where, "state = 'pending'")
	}
	for _, c := range []struct {
		cond  string // a column and its comparison
		value any
		set   bool
	}{{"id <", f.Before, f.Before > 0}, {"report_id =", f.Report, f.Report != 0}, {"to_member =", f.To, f.To != ""}, {"from_member =", f.From, f.From != ""}} {
		if c.set {
			where, args = append(where, c.cond+" ?"), append(args, c.value)
		}
	}
	query := `SELECT ` + handoffColumns + ` FROM handoffs`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, query+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find handoffs: %w", err)
	}
	return collect(rows, "handoffs", scanHandoff)
}

// AnswerHandoff stores h's answer if it is still pending, with ev, in one
// transaction; with r (an acceptance) it stores the report as UpdateReport
// does, refusing one changed since version, so that a commander changed
// meanwhile is never overwritten.
func (db *DB) AnswerHandoff(ctx context.Context, h *ward.Handoff, r *ward.Report, version int64, ev *ward.TimelineEvent) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	h.AnsweredAt = tx.now
	res, err := tx.exec(ctx, `UPDATE handoffs SET state = ?, reason = ?, answered_at = ? WHERE id = ? AND state = 'pending'`,
		h.State, h.Reason, micros(tx.now), h.ID)
	if err != nil {
		return fmt.Errorf("answer handoff %d: %w", h.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("answer handoff %d: %w", h.ID, err)
	}
	if n != 1 {
		return ward.Errorf(ward.ECONFLICT, "handoff %d was answered while this answer was worked out; reload it", h.ID)
	}
	if r != nil {
		err = tx.updateReport(ctx, r, version, ev)
	} else {
		err = tx.eventAndAudit(ctx, ev, h.Report)
	}
	if err != nil {
		return err
	}
	return tx.commit()
}
