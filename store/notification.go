package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/wardsec/ward"
)

var _ ward.NotificationService = (*DB)(nil)

const notificationColumns = `id, member, report_id, event_id, kind, created_at, read_at`

func scanNotification(row scanner) (*ward.Notification, error) {
	var n ward.Notification
	var created, read int64
	if err := row.Scan(&n.ID, &n.Member, &n.Report, &n.Event, &n.Kind, &created, &read); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMicros(created)
	if read != 0 {
		n.ReadAt = fromMicros(read)
	}
	return &n, nil
}

// FindNotifications returns a member's notifications, newest first.
func (db *DB) FindNotifications(ctx context.Context, f ward.NotificationFilter) ([]*ward.Notification, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	rows, err := db.query(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE member = ? AND id < ? AND (NOT ? OR read_at = 0) ORDER BY id DESC LIMIT ?`, f.Member, f.Before, f.Unread, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find notifications of %s: %w", f.Member, err)
	}
	return collect(rows, "notifications", scanNotification)
}

// MarkNotificationRead marks one of the member's notifications read; marking
// it again keeps the first time. Reading is not audited: it changes nothing
// but the reader's own list.
func (db *DB) MarkNotificationRead(ctx context.Context, member string, id int64) (*ward.Notification, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if _, err := tx.exec(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND member = ? AND read_at = 0`,
		micros(tx.now), id, member); err != nil {
		return nil, fmt.Errorf("mark notification %d read: %w", id, err)
	}
	n, err := scanNotification(tx.queryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ? AND member = ?`, id, member))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "you have no notification with the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find notification %d: %w", id, err)
	}
	return n, tx.commit()
}
