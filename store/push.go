package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.PushService = (*DB)(nil)

// pushedSources are the sources whose reports write the team's actions
// back (ward.Pushed).
var pushedSources = []string{ward.SourceHackerOne}

// queuePush adds ev's action on r to the outbox when r came from a
// platform that takes it back: in the action's transaction, so that the
// action and its push are stored together or not at all. What a reporter
// does through ward's own link is not pushed, and nothing is queued while
// the platform is not configured: ward cannot send it, and a push sent
// when it is configured later would act on stale decisions (the team
// file's integrations are read in the same transaction).
//
// The comment of a state change or a bounty goes with it as its message,
// which the reporter reads on the platform, only when the event is the
// reporter's to see; the team's own note goes as a second push, an
// internal comment.
func (tx *Tx) queuePush(ctx context.Context, r *ward.Report, ev *ward.TimelineEvent) error {
	if !slices.Contains(pushedSources, r.Source) || r.ExternalID == "" || !slices.Contains(ward.Pushed, ev.Action) ||
		ward.ActorFromContext(ctx).Kind == ward.ActorReporter {
		return nil
	}
	var configured bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM integrations WHERE kind = ?)`, r.Source).Scan(&configured); err != nil {
		return fmt.Errorf("find the %s integration: %w", r.Source, err)
	}
	if !configured {
		return nil
	}
	p := ward.PushPayload{Comment: ev.Comment, Visibility: ev.Visibility}
	var note string
	if ev.Action != "comment" && ev.Visibility != "reporter" {
		p.Comment, note = "", ev.Comment
	}
	switch ev.Action {
	case "set_severity", "triage":
		if r.Severity != nil {
			p.Vector, p.Rating = r.Severity.Vector, r.Severity.Rating
		}
	case "mark_duplicate":
		p.OriginalID = r.DuplicateOf
		var source, external string
		err := tx.queryRow(ctx, `SELECT source, external_id FROM reports WHERE id = ?`, r.DuplicateOf).Scan(&source, &external)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find the original of report %d: %w", r.ID, err)
		}
		if source == r.Source {
			p.Original = external
		}
	case "approve_bounty":
		if r.Bounty != nil {
			p.Amount, p.Currency = r.Bounty.Amount, r.Bounty.Currency
		}
	case "request_disclosure":
		if r.Disclosure != nil {
			p.Disclosure = r.Disclosure.Kind
		}
	}
	if err := tx.insertPush(ctx, r, ev, ev.Action, p); err != nil {
		return err
	}
	if note == "" {
		return nil
	}
	return tx.insertPush(ctx, r, ev, "comment", ward.PushPayload{Comment: note, Visibility: ev.Visibility})
}

func (tx *Tx) insertPush(ctx context.Context, r *ward.Report, ev *ward.TimelineEvent, kind string, p ward.PushPayload) error {
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO pushes (report_id, event_id, source, kind, payload, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, ev.ID, r.Source, kind, string(payload), micros(tx.now), micros(tx.now), micros(tx.now)); err != nil {
		return fmt.Errorf("queue the push of report %d's %s: %w", r.ID, kind, err)
	}
	return nil
}

// ClaimPushes returns the source's due pushes, oldest first, each leased
// until now+lease; see ward.PushService. A pending push's next_attempt_at
// is its lease: each is taken by an UPDATE that still finds it due, so
// that of two workers that read it as due, one takes it. The UPDATE also
// marks it unsure: a worker stopped while its call is in flight (a
// cancelled run, a crash) records nothing, and the next claim must read
// the report first. The push returned says whether it was unsure before.
// RecordPush writes the attempt's real outcome.
func (db *DB) ClaimPushes(ctx context.Context, source string, limit int, lease time.Duration) ([]*ward.Push, error) {
	if limit <= 0 {
		limit = 1
	}
	// Most runs find nothing due: a read through pushes_due answers that
	// without the write lock.
	var due bool
	if err := db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pushes WHERE source = ? AND status = 'pending' AND next_attempt_at <= ?)`,
		source, micros(db.now())).Scan(&due); err != nil {
		return nil, fmt.Errorf("find due pushes: %w", err)
	}
	if !due {
		return nil, nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	rows, err := tx.query(ctx, `SELECT p.id, p.report_id, p.event_id, p.source, r.external_id, p.kind, p.payload, p.attempts, p.unsure, p.created_at
		FROM pushes p JOIN reports r ON r.id = p.report_id
		WHERE p.source = ? AND p.status = 'pending' AND p.next_attempt_at <= ? ORDER BY p.next_attempt_at, p.id LIMIT ?`,
		source, micros(tx.now), limit)
	if err != nil {
		return nil, fmt.Errorf("find due pushes: %w", err)
	}
	pushes, err := collect(rows, "pushes", func(row scanner) (*ward.Push, error) {
		var p ward.Push
		var payload string
		var queued int64
		if err := row.Scan(&p.ID, &p.Report, &p.Event, &p.Source, &p.ExternalID, &p.Kind, &payload, &p.Attempts, &p.Unsure, &queued); err != nil {
			return nil, err
		}
		p.QueuedAt = fromMicros(queued)
		if err := json.Unmarshal([]byte(payload), &p.Payload); err != nil {
			return nil, fmt.Errorf("push %d: %w", p.ID, err)
		}
		return &p, nil
	})
	if err != nil {
		return nil, err
	}
	until := tx.now.Add(lease).Truncate(time.Microsecond)
	claimed := pushes[:0]
	for _, p := range pushes {
		res, err := tx.exec(ctx, `UPDATE pushes SET next_attempt_at = ?, unsure = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`,
			micros(until), true, micros(tx.now), p.ID, micros(tx.now))
		if err != nil {
			return nil, fmt.Errorf("lease push %d: %w", p.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("lease push %d: %w", p.ID, err)
		} else if n == 1 {
			p.ClaimedUntil = until
			claimed = append(claimed, p)
		}
	}
	return claimed, tx.commit()
}

// RecordPush stores a push's outcome; see ward.PushService. A push
// already sent or failed is ENOTFOUND: another worker recorded it; one
// leased anew since p was claimed is ECONFLICT.
func (db *DB) RecordPush(ctx context.Context, p *ward.Push, o ward.PushOutcome) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	id := p.ID
	var report, leased int64
	var source, kind, state string
	err = tx.queryRow(ctx, `SELECT p.report_id, p.source, p.kind, p.next_attempt_at, r.state FROM pushes p JOIN reports r ON r.id = p.report_id
		WHERE p.id = ? AND p.status = 'pending'`, id).Scan(&report, &source, &kind, &leased, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return ward.Errorf(ward.ENOTFOUND, "no pending push has the id %d", id)
	}
	if err != nil {
		return fmt.Errorf("find push %d: %w", id, err)
	}
	claim := micros(p.ClaimedUntil)
	reclaimed := ward.Errorf(ward.ECONFLICT, "push %d was claimed again after its lease ran out; its outcome is the other worker's to record", id)
	if leased != claim {
		return reclaimed
	}
	var ev *ward.TimelineEvent
	var res sql.Result
	switch {
	case o.Sent:
		res, err = tx.exec(ctx, `UPDATE pushes SET status = 'sent', attempts = attempts + 1, activity_id = ?, last_error = '', unsure = ?, updated_at = ?
			WHERE id = ? AND next_attempt_at = ?`, o.ActivityID, false, micros(tx.now), id, claim)
		if err == nil && o.ActivityID != "" {
			_, err = tx.exec(ctx, `INSERT INTO synced_activities (source, external_id, report_id) VALUES (?, ?, ?) ON CONFLICT (source, external_id) DO NOTHING`,
				source, o.ActivityID, report)
		}
		ev = &ward.TimelineEvent{Action: "push_sent", Comment: fmt.Sprintf("%s: sent to %s.", kind, platformName(source))}
	case o.Permanent:
		res, err = tx.exec(ctx, `UPDATE pushes SET status = 'failed', attempts = attempts + 1, last_error = ?, unsure = ?, updated_at = ?
			WHERE id = ? AND next_attempt_at = ?`, o.Error, o.Unsure, micros(tx.now), id, claim)
		ev = &ward.TimelineEvent{Action: "push_failed", Comment: fmt.Sprintf("%s: %s refused: %s. The change stays in ward.", kind, platformName(source), o.Error)}
		if o.Unsure {
			ev.Comment = fmt.Sprintf("%s: %s: %s. It may have been sent: check %[2]s. The change stays in ward.", kind, platformName(source), o.Error)
		}
	default:
		res, err = tx.exec(ctx, `UPDATE pushes SET attempts = attempts + 1, last_error = ?, unsure = ?, next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND next_attempt_at = ?`, o.Error, o.Unsure, micros(o.RetryAt), micros(tx.now), id, claim)
	}
	if err != nil {
		return fmt.Errorf("record push %d: %w", id, err)
	}
	// On PostgreSQL another worker may have claimed it since the SELECT.
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(reclaimed, err)
	}
	if ev != nil {
		ev.FromState, ev.ToState, ev.Visibility = state, state, "team"
		if err := tx.insertSyncedEvent(ctx, report, ev, source, tx.now); err != nil {
			return err
		}
	}
	return tx.commit()
}

// platformName is a source as people name it.
func platformName(source string) string {
	if source == ward.SourceHackerOne {
		return "HackerOne"
	}
	return source
}

// PushedActivities returns which of ids a sent push recorded as its
// effect; see ward.PushService.
func (db *DB) PushedActivities(ctx context.Context, source string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{source}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT activity_id FROM pushes WHERE source = ? AND status = 'sent' AND activity_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("find the pushed activities: %w", err)
	}
	_, err = collect(rows, "pushed activities", func(row scanner) (struct{}, error) {
		var id string
		err := row.Scan(&id)
		out[id] = true
		return struct{}{}, err
	})
	return out, err
}
