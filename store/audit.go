package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/wardsec/ward"
)

var _ ward.AuditService = (*DB)(nil)

// audit appends an entry for a write to the audit log, in the write's own
// transaction: the change and its record commit together or not at all.
func (tx *Tx) audit(ctx context.Context, action, object string, diff any) error {
	d, err := json.Marshal(diff)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, object, diff, request_id) VALUES (?, ?, ?, ?, ?, ?)`,
		micros(tx.now), ward.ActorFromContext(ctx).String(), action, object, string(d), ward.RequestIDFromContext(ctx))
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	return nil
}

// FindAuditEntries returns the selected entries, newest first.
func (db *DB) FindAuditEntries(ctx context.Context, f ward.AuditFilter) ([]*ward.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	rows, err := db.query(ctx, `SELECT id, at, actor, action, object, diff, request_id FROM audit_log
		WHERE id < ? AND (? = '' OR actor = ?) AND (? = '' OR object = ?)
		ORDER BY id DESC LIMIT ?`,
		f.Before, f.Actor, f.Actor, f.Object, f.Object, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	return collect(rows, "audit entries", func(row scanner) (*ward.AuditEntry, error) {
		var e ward.AuditEntry
		var at int64
		var diff string
		if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &diff, &e.RequestID); err != nil {
			return nil, err
		}
		e.At, e.Diff = fromMicros(at), json.RawMessage(diff)
		return &e, nil
	})
}
