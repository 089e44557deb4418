package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.DispatchService = (*DB)(nil)

const dispatchColumns = `id, key, channel, target, member, kind, report_id, notification_id, subject, body, urgent,
	due_at, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_error, claimed_until`

func scanDispatch(row scanner) (*ward.Dispatch, error) {
	var d ward.Dispatch
	var due, created, next, delivered, failed, claimed int64
	if err := row.Scan(&d.ID, &d.Key, &d.Channel, &d.Target, &d.Member, &d.Kind, &d.Report, &d.Notification, &d.Subject, &d.Body,
		&d.Urgent, &due, &created, &d.Attempts, &next, &delivered, &failed, &d.LastError, &claimed); err != nil {
		return nil, err
	}
	d.DueAt, d.CreatedAt = fromMicros(due), fromMicros(created)
	d.NextAttemptAt, d.DeliveredAt, d.FailedAt, d.ClaimedUntil = optMicros(next), optMicros(delivered), optMicros(failed), optMicros(claimed)
	return &d, nil
}

// optMicros is fromMicros with 0 as the zero time: not yet.
func optMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

// PendingNotifications returns notifications not yet fanned out, oldest first.
func (db *DB) PendingNotifications(ctx context.Context, limit int) ([]*ward.PendingNotification, error) {
	rows, err := db.query(ctx, `SELECT n.id, n.member, n.report_id, n.event_id, n.kind, n.created_at, r.title, r.rating, r.state, e.action
		FROM notifications n JOIN reports r ON r.id = n.report_id JOIN timeline_events e ON e.id = n.event_id
		WHERE n.fanned_at = 0 ORDER BY n.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("find notifications to send: %w", err)
	}
	return collect(rows, "notifications to send", func(row scanner) (*ward.PendingNotification, error) {
		var p ward.PendingNotification
		var created int64
		if err := row.Scan(&p.ID, &p.Member, &p.Report, &p.Event, &p.Kind, &created, &p.Title, &p.Rating, &p.State, &p.Action); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMicros(created)
		return &p, nil
	})
}

// FanOut stores the deliveries, passing over those whose key is stored,
// and marks the notifications fanned out.
func (db *DB) FanOut(ctx context.Context, notifications []int64, ds []*ward.Dispatch) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	for _, d := range ds {
		if _, err := tx.insertDispatch(ctx, d); err != nil {
			return err
		}
	}
	for _, id := range notifications {
		if _, err := tx.exec(ctx, `UPDATE notifications SET fanned_at = ? WHERE id = ? AND fanned_at = 0`, micros(tx.now), id); err != nil {
			return fmt.Errorf("mark notification %d sent out: %w", id, err)
		}
	}
	return tx.commit()
}

// QueueDispatch stores one delivery; false when its key is stored already.
func (db *DB) QueueDispatch(ctx context.Context, d *ward.Dispatch) (bool, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback()
	added, err := tx.insertDispatch(ctx, d)
	if err != nil || !added {
		return false, err
	}
	return true, tx.commit()
}

// insertDispatch stores d unless its key is stored; writes are serialised
// (begin), so the check and the insert cannot interleave with another's.
func (tx *Tx) insertDispatch(ctx context.Context, d *ward.Dispatch) (bool, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM dispatches WHERE key = ?`, d.Key).Scan(&n); err != nil {
		return false, fmt.Errorf("find delivery %s: %w", d.Key, err)
	}
	if n > 0 {
		return false, nil
	}
	d.CreatedAt = tx.now
	if d.DueAt.IsZero() {
		d.DueAt = tx.now
	}
	err := tx.queryRow(ctx, `INSERT INTO dispatches (key, channel, target, member, kind, report_id, notification_id, subject, body, urgent, due_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.Key, d.Channel, d.Target, d.Member, d.Kind, d.Report, d.Notification,
		d.Subject, d.Body, d.Urgent, micros(d.DueAt), micros(d.CreatedAt)).Scan(&d.ID)
	if isDataError(err) {
		return false, ward.Errorf(ward.EINVALID, "delivery %s: the database refused it", d.Key)
	}
	if err != nil {
		return false, fmt.Errorf("insert delivery %s: %w", d.Key, err)
	}
	return true, nil
}

// ClaimDispatches leases due deliveries on the channels, the urgent first,
// then the earliest due.
func (db *DB) ClaimDispatches(ctx context.Context, channels []string, dueBy, now time.Time, lease time.Duration, limit int) ([]*ward.Dispatch, error) {
	if len(channels) == 0 {
		return nil, nil
	}
	dueWhere := ` FROM dispatches WHERE delivered_at = 0 AND failed_at = 0 AND due_at <= ? AND next_attempt_at <= ? AND claimed_until <= ?
		AND channel IN (?` + strings.Repeat(", ?", len(channels)-1) + `)`
	args := []any{micros(dueBy), micros(now), micros(now)}
	for _, c := range channels {
		args = append(args, c)
	}
	// Every instance asks every second; most of the time nothing is due,
	// which a read answers without taking the write lock.
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM (SELECT id`+dueWhere+` LIMIT 1) d`, args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	rows, err := tx.query(ctx, `SELECT `+dispatchColumns+dueWhere+` ORDER BY urgent DESC, due_at, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	due, err := collect(rows, "due deliveries", scanDispatch)
	if err != nil {
		return nil, err
	}
	for _, d := range due {
		d.ClaimedUntil = now.Add(lease).Truncate(time.Microsecond)
		if _, err := tx.exec(ctx, `UPDATE dispatches SET claimed_until = ? WHERE id = ?`, micros(d.ClaimedUntil), d.ID); err != nil {
			return nil, fmt.Errorf("lease delivery %d: %w", d.ID, err)
		}
	}
	return due, tx.commit()
}

// MarkDispatched records that the delivery went out.
func (db *DB) MarkDispatched(ctx context.Context, d *ward.Dispatch) error {
	return db.markDispatch(ctx, d, `UPDATE dispatches SET attempts = attempts + 1, delivered_at = ?, claimed_until = 0, last_error = ''
		WHERE id = ? AND claimed_until = ?`, func(now time.Time) []any { return []any{micros(now)} })
}

// MarkDispatchFailed records a failed attempt; a zero retryAt gives up.
func (db *DB) MarkDispatchFailed(ctx context.Context, d *ward.Dispatch, reason string, retryAt time.Time) error {
	reason = ward.Truncate(reason, 1000)
	if retryAt.IsZero() {
		return db.markDispatch(ctx, d, `UPDATE dispatches SET attempts = attempts + 1, failed_at = ?, claimed_until = 0, last_error = ?
			WHERE id = ? AND claimed_until = ?`, func(now time.Time) []any { return []any{micros(now), reason} })
	}
	return db.markDispatch(ctx, d, `UPDATE dispatches SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = 0, last_error = ?
		WHERE id = ? AND claimed_until = ?`, func(time.Time) []any { return []any{micros(retryAt), reason} })
}

// markDispatch records what became of d, fenced by its lease: a worker
// that stalled past it, whose dispatch another has taken over since,
// records nothing over the other's.
func (db *DB) markDispatch(ctx context.Context, d *ward.Dispatch, update string, set func(now time.Time) []any) error {
	var claim int64
	if !d.ClaimedUntil.IsZero() {
		claim = micros(d.ClaimedUntil)
	}
	err := db.updateOne(ctx, "dispatch", d.ID, update, func(now time.Time) []any { return append(set(now), d.ID, claim) }, nil)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return ward.Errorf(ward.ECONFLICT, "dispatch %d is no longer leased as it was: another worker took it over, or it is gone", d.ID)
	}
	return err
}

// FindDispatches returns deliveries, newest first.
func (db *DB) FindDispatches(ctx context.Context, f ward.DispatchFilter) ([]*ward.Dispatch, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args := `WHERE 1 = 1`, []any{}
	if f.Member != "" {
		where, args = where+` AND member = ?`, append(args, f.Member)
	}
	switch f.Status {
	case "":
	case "waiting":
		where += ` AND delivered_at = 0 AND failed_at = 0`
	case "delivered":
		where += ` AND delivered_at <> 0`
	case "failed":
		where += ` AND failed_at <> 0`
	default:
		return nil, ward.Errorf(ward.EINVALID, "status: %q is not one of waiting, delivered, failed", f.Status)
	}
	if f.Before > 0 {
		where, args = where+` AND id < ?`, append(args, f.Before)
	}
	rows, err := db.query(ctx, `SELECT `+dispatchColumns+` FROM dispatches `+where+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	return collect(rows, "deliveries", scanDispatch)
}

// NotifyPrefs returns the preferences members set.
func (db *DB) NotifyPrefs(ctx context.Context) (map[string]ward.NotifyPrefs, error) {
	rows, err := db.query(ctx, `SELECT member, email, slack, any_hour, updated_at FROM notify_prefs`)
	if err != nil {
		return nil, fmt.Errorf("find notification preferences: %w", err)
	}
	prefs, err := collect(rows, "notification preferences", func(row scanner) (ward.NotifyPrefs, error) {
		var p ward.NotifyPrefs
		var updated int64
		err := row.Scan(&p.Member, &p.Email, &p.Slack, &p.AnyHour, &updated)
		p.UpdatedAt = fromMicros(updated)
		return p, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]ward.NotifyPrefs, len(prefs))
	for _, p := range prefs {
		out[p.Member] = p
	}
	return out, nil
}

// SetNotifyPrefs stores a member's preferences, and audits the change.
func (db *DB) SetNotifyPrefs(ctx context.Context, p *ward.NotifyPrefs) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.memberExists(ctx, p.Member); err != nil {
		return err
	}
	err = tx.queryRow(ctx, `SELECT slack FROM notify_prefs WHERE member = ?`, p.Member).Scan(&p.Slack)
	if errors.Is(err, sql.ErrNoRows) {
		p.Slack = ""
	} else if err != nil {
		return fmt.Errorf("find the Slack account of %s: %w", p.Member, err)
	}
	p.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `INSERT INTO notify_prefs (member, email, slack, any_hour, updated_at) VALUES (?, ?, '', ?, ?)
		ON CONFLICT (member) DO UPDATE SET email = excluded.email, any_hour = excluded.any_hour, updated_at = excluded.updated_at`,
		p.Member, p.Email, p.AnyHour, micros(tx.now)); err != nil {
		return fmt.Errorf("store notification preferences of %s: %w", p.Member, err)
	}
	if err := tx.audit(ctx, "member.notify_prefs", "member/"+p.Member, ward.Diff{
		"email": {nil, p.Email}, "any_hour": {nil, p.AnyHour}}); err != nil {
		return err
	}
	return tx.commit()
}

// UnlinkSlack forgets the member's Slack account; see
// ward.DispatchService.
func (db *DB) UnlinkSlack(ctx context.Context, member string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.memberExists(ctx, member); err != nil {
		return err
	}
	if err := tx.unlinkSlack(ctx, `member = ?`, member); err != nil {
		return err
	}
	return tx.commit()
}

// unlinkSlack forgets the Slack accounts of the members where says, and
// audits each.
func (tx *Tx) unlinkSlack(ctx context.Context, where string, args ...any) error {
	rows, err := tx.query(ctx, `SELECT member FROM notify_prefs WHERE slack <> '' AND `+where, args...)
	if err != nil {
		return fmt.Errorf("find linked Slack accounts: %w", err)
	}
	members, err := collect(rows, "members", func(row scanner) (string, error) {
		var m string
		return m, row.Scan(&m)
	})
	if err != nil {
		return err
	}
	for _, m := range members {
		if _, err := tx.exec(ctx, `UPDATE notify_prefs SET slack = '', updated_at = ? WHERE member = ?`, micros(tx.now), m); err != nil {
			return fmt.Errorf("unlink the Slack account of %s: %w", m, err)
		}
		if err := tx.audit(ctx, "member.slack_unlink", "member/"+m, ward.Diff{"slack": {true, false}}); err != nil {
			return err
		}
	}
	return nil
}

// NotifyChannels returns the team's channels, by name.
func (db *DB) NotifyChannels(ctx context.Context) ([]ward.NotifyChannel, error) {
	return loadChannels(ctx, db.query)
}

func loadChannels(ctx context.Context, query queryFunc) ([]ward.NotifyChannel, error) {
	rows, err := query(ctx, `SELECT spec FROM notify_channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find notification channels: %w", err)
	}
	return collect(rows, "notification channels", func(row scanner) (ward.NotifyChannel, error) {
		var spec string
		var c ward.NotifyChannel
		if err := row.Scan(&spec); err != nil {
			return c, err
		}
		return c, json.Unmarshal([]byte(spec), &c)
	})
}

// planChannels compares the channels declared with those stored: when
// declared (not nil), they are all of them.
func (tx *Tx) planChannels(ctx context.Context, declared []ward.NotifyChannel) ([]ward.Change, error) {
	if declared == nil {
		return nil, nil
	}
	current, err := loadChannels(ctx, tx.query)
	if err != nil {
		return nil, err
	}
	byName := map[string]ward.NotifyChannel{}
	for _, c := range current {
		byName[c.Name] = c
	}
	var changes []ward.Change
	for _, c := range declared {
		if err := c.Validate(); err != nil {
			return nil, ward.Errorf(ward.EINVALID, "notifications.channels %s: %s", c.Name, ward.ErrorMessage(err))
		}
		before, ok := byName[c.Name]
		delete(byName, c.Name)
		switch {
		case !ok:
			changes = append(changes, ward.Change{Action: "create", Object: "channel/" + c.Name, Diff: ward.Diff{"kind": {nil, c.Kind}}})
		case !reflect.DeepEqual(before, c):
			changes = append(changes, ward.Change{Action: "update", Object: "channel/" + c.Name, Diff: specDiff(before, c)})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		changes = append(changes, ward.Change{Action: "delete", Object: "channel/" + name, Diff: ward.Diff{"kind": {byName[name].Kind, nil}}})
	}
	return changes, nil
}

// specDiff names the fields of a channel's or an integration's spec that
// changed; values are left out, as a URL may carry a token.
func specDiff(before, after any) ward.Diff {
	d := ward.Diff{}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	var bm, am map[string]any
	_ = json.Unmarshal(b, &bm)
	_ = json.Unmarshal(a, &am)
	for k := range am {
		if !reflect.DeepEqual(bm[k], am[k]) {
			d[k] = [2]any{"…", "changed"}
		}
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			d[k] = [2]any{"…", nil}
		}
	}
	return d
}

// writeChannels stores what planChannels planned, and audits it.
func (tx *Tx) writeChannels(ctx context.Context, declared []ward.NotifyChannel, changes []ward.Change) error {
	byObject := map[string]ward.NotifyChannel{}
	for _, c := range declared {
		byObject["channel/"+c.Name] = c
	}
	for _, ch := range changes {
		name := strings.TrimPrefix(ch.Object, "channel/")
		if ch.Action == "delete" {
			if _, err := tx.exec(ctx, `DELETE FROM notify_channels WHERE name = ?`, name); err != nil {
				return fmt.Errorf("remove channel %s: %w", name, err)
			}
		} else {
			spec, err := json.Marshal(byObject[ch.Object])
			if err != nil {
				return fmt.Errorf("channel %s: %w", name, err)
			}
			if _, err := tx.exec(ctx, `INSERT INTO notify_channels (name, spec, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`, name, string(spec), micros(tx.now)); err != nil {
				return fmt.Errorf("store channel %s: %w", name, err)
			}
		}
		if err := tx.audit(ctx, "channel."+ch.Action, ch.Object, ch.Diff); err != nil {
			return err
		}
	}
	return nil
}

// IssueSlackLink makes a code that links the member's Slack account; see
// ward.DispatchService.
func (db *DB) IssueSlackLink(ctx context.Context, member string) (string, time.Time, error) {
	code, err := db.newSecret(SlackLinkPrefix)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue a Slack link code: %w", err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	defer tx.rollback()
	if err := tx.memberExists(ctx, member); err != nil {
		return "", time.Time{}, err
	}
	expires := tx.now.Add(ward.SlackLinkValid)
	if _, err := tx.exec(ctx, `INSERT INTO slack_links (member, code_hash, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (member) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at`,
		member, hashSecret(code), micros(expires)); err != nil {
		return "", time.Time{}, fmt.Errorf("store the Slack link code of %s: %w", member, err)
	}
	if err := tx.audit(ctx, "member.slack_link_code", "member/"+member, ward.Diff{"expires_at": {nil, expires}}); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, tx.commit()
}

// LinkSlack links a Slack user to the member whose code it is; see
// ward.DispatchService.
func (db *DB) LinkSlack(ctx context.Context, code, user string) (string, error) {
	if err := (ward.NotifyPrefs{Slack: user}).Validate(); err != nil || user == "" {
		return "", ward.Errorf(ward.EINVALID, "user: %q is not a Slack member ID", user)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.rollback()
	var member string
	err = tx.queryRow(ctx, `SELECT member FROM slack_links WHERE code_hash = ? AND expires_at > ?`, hashSecret(code), micros(tx.now)).Scan(&member)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ward.Errorf(ward.ENOTFOUND, "the code is unknown, used or expired")
	}
	if err != nil {
		return "", fmt.Errorf("find the Slack link code: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM slack_links WHERE member = ?`, member); err != nil {
		return "", fmt.Errorf("use the Slack link code of %s: %w", member, err)
	}
	// The member did this, through Slack, with the code they made.
	ctx = ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: member})
	if err := tx.unlinkSlack(ctx, `slack = ? AND member <> ?`, user, member); err != nil {
		return "", err
	}
	def := ward.DefaultNotifyPrefs(member)
	if _, err := tx.exec(ctx, `INSERT INTO notify_prefs (member, email, slack, any_hour, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (member) DO UPDATE SET slack = excluded.slack, updated_at = excluded.updated_at`,
		member, def.Email, user, def.AnyHour, micros(tx.now)); err != nil {
		return "", fmt.Errorf("link Slack user %s to %s: %w", user, member, err)
	}
	if err := tx.audit(ctx, "member.slack_link", "member/"+member, ward.Diff{"slack": {nil, true}}); err != nil {
		return "", err
	}
	return member, tx.commit()
}

// SlackLinkPrefix starts the codes that link Slack accounts, so that one
// pasted where it should not be is recognised.
const SlackLinkPrefix = "wardslack_"

// memberExists is ENOTFOUND unless a member has the email.
func (tx *Tx) memberExists(ctx context.Context, email string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM members WHERE email = ?`, email).Scan(&n); err != nil {
		return fmt.Errorf("find member %s: %w", email, err)
	}
	if n == 0 {
		return ward.Errorf(ward.ENOTFOUND, "no member has the email %q", email)
	}
	return nil
}
