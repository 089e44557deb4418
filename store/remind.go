package store

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.ReminderService = (*DB)(nil)

// RemindWindow stores the reminder that a disclosure window ended, once
// per deadline.
func (db *DB) RemindWindow(ctx context.Context, report int64, deadline time.Time, ev *ward.TimelineEvent) (bool, error) {
	return db.remind(ctx, report, ev, `UPDATE reports SET window_reminded_at = ? WHERE id = ? AND window_reminded_at < ? AND state = 'disclosure_requested'`,
		micros(deadline), report, micros(deadline))
}

// RemindHandoff stores the reminder of a pending handoff, once per
// instant it fell due.
func (db *DB) RemindHandoff(ctx context.Context, h *ward.Handoff, last, at time.Time, ev *ward.TimelineEvent) (bool, error) {
	var prev int64
	if !last.IsZero() {
		prev = micros(last)
	}
	return db.remind(ctx, h.Report, ev, `UPDATE handoffs SET reminded_at = ? WHERE id = ? AND state = 'pending' AND reminded_at = ?`,
		micros(at), h.ID, prev)
}

// remind claims the reminder with claim, a conditional update that
// changes one row when it is still due, and stores ev with it.
func (db *DB) remind(ctx context.Context, report int64, ev *ward.TimelineEvent, claim string, args ...any) (bool, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback()
	res, err := tx.exec(ctx, claim, args...)
	if err != nil {
		return false, fmt.Errorf("remind of report %d: %w", report, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if ev.FromState == "" {
		if err := tx.queryRow(ctx, `SELECT state FROM reports WHERE id = ?`, report).Scan(&ev.FromState); err != nil {
			return false, fmt.Errorf("remind of report %d: %w", report, err)
		}
		ev.ToState = ev.FromState
	}
	if err := tx.insertEvent(ctx, ev, report); err != nil {
		return false, err
	}
	if err := tx.audit(ctx, "report."+ev.Action, fmt.Sprintf("report/%d", report), nil); err != nil {
		return false, err
	}
	return true, tx.commit()
}
