package store

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.ReplayGuard = (*DB)(nil)

// TakeOnce records a signed request; see ward.ReplayGuard.
func (db *DB) TakeOnce(ctx context.Context, source, id string, keepUntil time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.exec(ctx, `DELETE FROM replay_guard WHERE expires_at < ?`, micros(tx.now)); err != nil {
		return fmt.Errorf("forget expired %s requests: %w", source, err)
	}
	res, err := tx.exec(ctx, `INSERT INTO replay_guard (source, id, expires_at) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING`,
		source, id, micros(keepUntil))
	if err != nil {
		return fmt.Errorf("record %s request: %w", source, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("record %s request: %w", source, err)
	}
	if n == 0 {
		return ward.Errorf(ward.ECONFLICT, "this %s request was received already: a replay", source)
	}
	return tx.commit()
}
