package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.SyncService = (*DB)(nil)

// SyncCursor returns where the scope's sync left off; see
// ward.SyncService.
func (db *DB) SyncCursor(ctx context.Context, source, scope string) (ward.SyncCursor, error) {
	var at int64
	var c ward.SyncCursor
	err := db.queryRow(ctx, `SELECT cursor_at, complete FROM sync_cursors WHERE source = ? AND scope = ?`, source, scope).Scan(&at, &c.Complete)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("find the sync cursor of %s/%s: %w", source, scope, err)
	}
	c.At = fromMicros(at)
	return c, nil
}

// SyncedActivity returns the platform's last activity of each report
// already synced among ids; see ward.SyncService.
func (db *DB) SyncedActivity(ctx context.Context, source string, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{source}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT external_id, activity_at FROM synced_reports WHERE source = ? AND external_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("find the synced reports: %w", err)
	}
	_, err = collect(rows, "synced reports", func(row scanner) (struct{}, error) {
		var id string
		var at int64
		if err := row.Scan(&id, &at); err != nil {
			return struct{}{}, err
		}
		out[id] = fromMicros(at)
		return struct{}{}, nil
	})
	return out, err
}

// syncedFields are a synced report's fields in ward's terms, as strings
// that compare: what the sync last wrote, what the platform says now, and
// what ward has now.
type syncedFields map[string]string

// The fields a sync writes, in the order conflicts are reported.
var syncFieldNames = []string{"title", "body", "reporter_name", "state", "severity", "bounty"}

func fieldsOfReport(r *ward.Report) syncedFields {
	return syncedFields{"title": r.Title, "body": r.Body, "reporter_name": r.ReporterName, "state": r.State,
		"severity": severityValue(r.Severity), "bounty": bountyValue(r.Bounty)}
}

func fieldsOfExternal(er *ward.ExternalReport) syncedFields {
	return syncedFields{"title": er.Title, "body": er.Body, "reporter_name": er.ReporterName, "state": er.State,
		"severity": severityValue(er.Severity), "bounty": bountyValue(er.Bounty)}
}

// severityValue is a severity as a platform such as HackerOne holds it,
// so that ward's own severity, pushed there, does not come back as a
// change: a CVSS 3.x vector's base metrics (HackerOne keeps those alone,
// as 3.1, so a 3.0 vector or temporal metrics would differ), or else the
// rating (HackerOne takes a 4.0 vector as its rating alone).
func severityValue(s *ward.Severity) string {
	switch {
	case s == nil:
		return ""
	case strings.HasPrefix(s.Vector, "CVSS:3."):
		metrics := map[string]string{}
		for _, part := range strings.Split(s.Vector, "/")[1:] {
			if k, v, ok := strings.Cut(part, ":"); ok {
				metrics[k] = v
			}
		}
		var b strings.Builder
		b.WriteString("CVSS:3.x")
		for _, m := range cvss3Base {
			b.WriteString("/" + m + ":" + metrics[m])
		}
		return b.String()
	default:
		return strings.ToLower(s.Rating)
	}
}

// cvss3Base are CVSS 3's base metrics, in the specification's order.
var cvss3Base = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}

// bountyValue is an awarded bounty's amount; a bounty only proposed in
// ward is none yet.
func bountyValue(b *ward.Bounty) string {
	if b == nil || b.ApprovedBy == "" {
		return ""
	}
	return fmt.Sprintf("%d.%02d %s", b.Amount/100, b.Amount%100, b.Currency)
}

// shown is a field's value as a conflict event shows it: the body is too
// long to repeat.
func shown(field, v string) string {
	switch {
	case field == "body":
		return fmt.Sprintf("(%d bytes)", len(v))
	case v == "":
		return "(none)"
	}
	return v
}

// StoreSyncPage stores a page of a platform's reports and the cursor that
// follows it, in one transaction; see ward.SyncService.
func (db *DB) StoreSyncPage(ctx context.Context, page *ward.SyncPage) (ward.SyncResult, error) {
	var res ward.SyncResult
	tx, err := db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.rollback()
	for i := range page.Reports {
		if err := tx.syncReport(ctx, page, &page.Reports[i], &res); err != nil {
			return res, fmt.Errorf("sync %s report %s: %w", page.Source, page.Reports[i].ExternalID, err)
		}
	}
	for _, u := range page.Unreadable {
		if err := tx.noteUnreadable(ctx, page.Source, u); err != nil {
			return res, fmt.Errorf("note %s report %s as unreadable: %w", page.Source, u.ExternalID, err)
		}
	}
	// complete is never unset: a sync that stored its last page once has
	// brought the history in.
	if _, err := tx.exec(ctx, `INSERT INTO sync_cursors (source, scope, cursor_at, complete, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source, scope) DO UPDATE SET cursor_at = CASE WHEN excluded.cursor_at > sync_cursors.cursor_at
			THEN excluded.cursor_at ELSE sync_cursors.cursor_at END, complete = (sync_cursors.complete OR excluded.complete),
			updated_at = excluded.updated_at`,
		page.Source, page.Scope, micros(page.Cursor), page.Complete, micros(tx.now)); err != nil {
		return res, fmt.Errorf("store the sync cursor of %s/%s: %w", page.Source, page.Scope, err)
	}
	if res != (ward.SyncResult{}) {
		if err := tx.audit(ctx, "sync.page", page.Source+"/"+page.Scope, ward.Diff{
			"created": {nil, res.Created}, "updated": {nil, res.Updated}, "conflicts": {nil, res.Conflicts}, "events": {nil, res.Events}}); err != nil {
			return res, err
		}
	}
	return res, tx.commit()
}

// noteUnreadable notes on the timeline of the report that u names, when
// it is in ward, that the platform would not serve it: once for each of
// its activity times, recorded among the synced activities under a key
// that no activity id has.
func (tx *Tx) noteUnreadable(ctx context.Context, source string, u ward.UnreadableReport) error {
	var id int64
	var state string
	err := tx.queryRow(ctx, `SELECT id, state FROM reports WHERE source = ? AND external_id = ?`, source, u.ExternalID).Scan(&id, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `INSERT INTO synced_activities (source, external_id, report_id) VALUES (?, ?, ?) ON CONFLICT (source, external_id) DO NOTHING`,
		source, fmt.Sprintf("unreadable:%s:%d", u.ExternalID, micros(u.ActivityAt)), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return tx.insertSyncedEvent(ctx, id, &ward.TimelineEvent{Action: "sync_failed", FromState: state, ToState: state, Visibility: "team",
		Comment: fmt.Sprintf("%s did not serve this report (%s): ward's copy was not updated. It is read again when the report's activity moves.",
			platformName(source), u.Error)}, source, tx.now)
}

// syncReport creates or updates the report that er mirrors, and adds its
// activities not yet seen.
func (tx *Tx) syncReport(ctx context.Context, page *ward.SyncPage, er *ward.ExternalReport, res *ward.SyncResult) error {
	// external_id <> '' is the partial index's own condition, which SQLite
	// must see to use it: without it each report of a page scans them all.
	r, err := scanReport(tx.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE source = ? AND external_id = ? AND external_id <> ''`,
		er.Source, er.ExternalID))
	created := false
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if r, err = tx.createSynced(ctx, page, er); err != nil {
			return err
		}
		created = true
		res.Created++
	case err != nil:
		return fmt.Errorf("find the report: %w", err)
	default:
		updated, conflicts, err := tx.updateSynced(ctx, r, er)
		if err != nil {
			return err
		}
		if updated {
			res.Updated++
		}
		res.Conflicts += conflicts
	}
	n, err := tx.syncActivities(ctx, r, er, created)
	res.Events += n
	return err
}

// createSynced stores a report new to ward as the platform has it, with
// its first event (the weakness and attachments for the team) and, when
// the page says so, a notification for whoever is on call.
func (tx *Tx) createSynced(ctx context.Context, page *ward.SyncPage, er *ward.ExternalReport) (*ward.Report, error) {
	r := &ward.Report{Title: er.Title, Body: er.Body, Source: er.Source, ExternalID: er.ExternalID, ExternalURL: er.ExternalURL,
		ReporterName: er.ReporterName}
	if err := r.Normalize(); err != nil {
		return nil, err
	}
	r.State, r.Severity, r.Bounty, r.Labels, r.Version = er.State, er.Severity, er.Bounty, []string{}, 1
	if r.State == "" {
		r.State = ward.ReportNew
	}
	if er.CWE != "" {
		r.Labels = []string{er.CWE}
	}
	created := er.CreatedAt
	if created.IsZero() || created.After(tx.now) {
		created = tx.now
	}
	activity := er.ActivityAt
	if activity.Before(created) {
		activity = created
	}
	severity, err1 := jsonOrEmpty(r.Severity)
	bounty, err2 := jsonOrEmpty(r.Bounty)
	labels, err3 := json.Marshal(r.Labels)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = created.UTC().Truncate(time.Microsecond), tx.now
	if err := tx.queryRow(ctx, `INSERT INTO reports (title, body, source, external_id, external_url, reporter_name, state, severity, rating,
		bounty, bounty_awarded, labels, created_at, updated_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Title, r.Body, r.Source, r.ExternalID, r.ExternalURL, r.ReporterName, r.State, severity, ratingOf(r.Severity), bounty,
		bountyValue(r.Bounty) != "", string(labels), micros(r.CreatedAt), micros(tx.now), micros(activity)).Scan(&r.ID); err != nil {
		return nil, fmt.Errorf("insert report: %w", err)
	}
	ev := &ward.TimelineEvent{Action: "create", ToState: r.State, Visibility: "team", Comment: createNote(er)}
	if err := tx.insertSyncedEvent(ctx, r.ID, ev, er.Source+":"+er.Reporter, r.CreatedAt); err != nil {
		return nil, err
	}
	if page.Notify {
		if _, err := tx.exec(ctx, `INSERT INTO notifications (member, report_id, event_id, kind, created_at) VALUES ('', ?, ?, 'create', ?)`,
			r.ID, ev.ID, micros(tx.now)); err != nil {
			return nil, fmt.Errorf("insert notification: %w", err)
		}
	}
	if err := tx.audit(ctx, "report.create", fmt.Sprintf("report/%d", r.ID), ward.Diff{
		"source": {nil, r.Source}, "external_id": {nil, r.ExternalID}}); err != nil {
		return nil, err
	}
	return r, tx.writeSynced(ctx, r.ID, er, fieldsOfExternal(er), true)
}

func ratingOf(s *ward.Severity) string {
	if s == nil {
		return ""
	}
	return strings.ToLower(s.Rating)
}

// createNote is what the first event tells the team of the platform's
// report beyond its text: the weakness and the attachments' metadata.
func createNote(er *ward.ExternalReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pulled from %s report %s.", er.Source, er.ExternalID)
	if er.Weakness != "" {
		fmt.Fprintf(&b, "\nWeakness: %s", er.Weakness)
	}
	for _, a := range er.Attachments {
		fmt.Fprintf(&b, "\nAttachment: %s (%s, %d bytes) %s", a.Name, a.ContentType, a.Size, a.URL)
	}
	return b.String()
}

// updateSynced applies what the platform changed since the last sync,
// field by field: a field the team did not change in ward since then
// takes the platform's value; one it did is kept, with a conflict event.
// A report whose platform activity has not moved is left alone.
func (tx *Tx) updateSynced(ctx context.Context, r *ward.Report, er *ward.ExternalReport) (bool, int, error) {
	var activity int64
	var syncedJSON string
	err := tx.queryRow(ctx, `SELECT activity_at, synced FROM synced_reports WHERE report_id = ?`, r.ID).Scan(&activity, &syncedJSON)
	local := fieldsOfReport(r)
	last := local // a report ward had before it was synced: as if ward's values were the platform's
	fresh := errors.Is(err, sql.ErrNoRows)
	switch {
	case fresh:
	case err != nil:
		return false, 0, fmt.Errorf("find its sync state: %w", err)
	case activity == micros(er.ActivityAt):
		return false, 0, nil
	default:
		last = syncedFields{}
		if err := json.Unmarshal([]byte(syncedJSON), &last); err != nil {
			return false, 0, fmt.Errorf("its sync state: %w", err)
		}
	}
	remote := fieldsOfExternal(er)
	if er.State == "" {
		remote["state"] = last["state"] // the platform's state has no meaning in ward: not a change
	}
	after := *r
	var changes []ward.FieldChange
	conflicts := 0
	for _, f := range syncFieldNames {
		switch {
		case remote[f] == last[f] || remote[f] == local[f]:
			continue
		case local[f] != last[f]:
			conflicts++
			ev := &ward.TimelineEvent{Action: "conflict", FromState: r.State, ToState: r.State, Visibility: "team",
				Comment: fmt.Sprintf("%s changed %s to %s, and ward had changed it to %s since the last sync; ward's value is kept.",
					er.Source, f, shown(f, remote[f]), shown(f, local[f])),
				Changes: []ward.FieldChange{{Field: f, From: shown(f, local[f]), To: shown(f, remote[f])}}}
			if err := tx.insertSyncedEvent(ctx, r.ID, ev, er.Source, tx.now); err != nil {
				return false, 0, err
			}
			continue
		}
		changes = append(changes, ward.FieldChange{Field: f, From: shown(f, local[f]), To: shown(f, remote[f])})
		switch f {
		case "title":
			after.Title = er.Title
		case "body":
			after.Body = er.Body
		case "reporter_name":
			after.ReporterName = er.ReporterName
		case "state":
			after.State = er.State
		case "severity":
			after.Severity = er.Severity
		case "bounty":
			after.Bounty = er.Bounty
		}
	}
	if er.CWE != "" && !slices.Contains(after.Labels, er.CWE) {
		// A label the team removed stays removed until the platform's
		// weakness changes.
		var lastCWE string
		if !fresh {
			if err := tx.queryRow(ctx, `SELECT cwe FROM synced_reports WHERE report_id = ?`, r.ID).Scan(&lastCWE); err != nil {
				return false, 0, fmt.Errorf("find its weakness: %w", err)
			}
		}
		if lastCWE != er.CWE {
			after.Labels = append(slices.Clone(after.Labels), er.CWE)
			changes = append(changes, ward.FieldChange{Field: "labels", From: strings.Join(r.Labels, ", "), To: strings.Join(after.Labels, ", ")})
		}
	}
	if len(changes) > 0 {
		if err := tx.writeSyncedReport(ctx, &after, r.Version); err != nil {
			return false, 0, err
		}
		ev := &ward.TimelineEvent{Action: "sync", FromState: r.State, ToState: after.State, Visibility: "team",
			Comment: "Updated from " + er.Source + ".", Changes: changes}
		if err := tx.insertSyncedEvent(ctx, r.ID, ev, er.Source, tx.now); err != nil {
			return false, 0, err
		}
	}
	return len(changes) > 0, conflicts, tx.writeSynced(ctx, r.ID, er, remote, fresh)
}

// writeSyncedReport stores the fields a sync writes, as one more version
// of the report; unlike an action it is not the team's progress, so the
// stale clocks stay.
func (tx *Tx) writeSyncedReport(ctx context.Context, r *ward.Report, version int64) error {
	severity, err1 := jsonOrEmpty(r.Severity)
	bounty, err2 := jsonOrEmpty(r.Bounty)
	labels, err3 := json.Marshal(r.Labels)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE reports SET title = ?, body = ?, reporter_name = ?, state = ?, severity = ?, rating = ?,
		bounty = ?, bounty_awarded = ?, labels = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		r.Title, r.Body, r.ReporterName, r.State, severity, ratingOf(r.Severity), bounty, bountyValue(r.Bounty) != "", string(labels),
		micros(tx.now), r.ID, version)
	if err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	// The report was read in this transaction, but on PostgreSQL an action
	// committed since may have moved its version: storing HackerOne's
	// values as synced without writing them would lose them.
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(ward.Errorf(ward.ECONFLICT, "report %d changed while it was synced; the next sync tries again", r.ID), err)
	}
	return tx.audit(ctx, "report.sync", fmt.Sprintf("report/%d", r.ID), ward.Diff{"state": {nil, r.State}})
}

// writeSynced records what the sync wrote: the fields, the weakness and
// the attachments.
func (tx *Tx) writeSynced(ctx context.Context, report int64, er *ward.ExternalReport, fields syncedFields, insert bool) error {
	synced, err1 := json.Marshal(fields)
	attachments := er.Attachments
	if attachments == nil {
		attachments = []ward.ExternalAttachment{}
	}
	att, err2 := json.Marshal(attachments)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	query := `UPDATE synced_reports SET activity_at = ?, synced = ?, weakness = ?, cwe = ?, attachments = ?, synced_at = ?, source = ?, external_id = ? WHERE report_id = ?`
	if insert {
		query = `INSERT INTO synced_reports (activity_at, synced, weakness, cwe, attachments, synced_at, source, external_id, report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	if _, err := tx.exec(ctx, query, micros(er.ActivityAt), string(synced), er.Weakness, er.CWE, string(att), micros(tx.now), er.Source, er.ExternalID, report); err != nil {
		return fmt.Errorf("record the sync of report %d: %w", report, err)
	}
	return nil
}

// syncActivities adds each activity not seen before as one event, oldest
// first; ward's own are recorded as seen without one. A report just
// created has seen none, which spares a query per report on a first sync
// (on PostgreSQL each statement is a round trip).
func (tx *Tx) syncActivities(ctx context.Context, r *ward.Report, er *ward.ExternalReport, created bool) (int, error) {
	seen := map[string]bool{}
	if !created && len(er.Activities) > 0 {
		rows, err := tx.query(ctx, `SELECT external_id FROM synced_activities WHERE source = ? AND report_id = ?`, er.Source, r.ID)
		if err != nil {
			return 0, fmt.Errorf("find its activities: %w", err)
		}
		ids, err := collect(rows, "activities", func(row scanner) (string, error) {
			var id string
			return id, row.Scan(&id)
		})
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			seen[id] = true
		}
	}
	acts := slices.Clone(er.Activities)
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].At.Before(acts[j].At) })
	n := 0
	for _, a := range acts {
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		var event int64
		if !a.Own {
			ev := &ward.TimelineEvent{Action: a.Action, FromState: r.State, ToState: r.State, Visibility: a.Visibility, Comment: a.Comment}
			if err := tx.insertSyncedEvent(ctx, r.ID, ev, a.Actor, a.At); err != nil {
				return n, err
			}
			event = ev.ID
			n++
		}
		if _, err := tx.exec(ctx, `INSERT INTO synced_activities (source, external_id, report_id, event_id) VALUES (?, ?, ?, ?)`,
			er.Source, a.ID, r.ID, event); err != nil {
			return n, fmt.Errorf("record activity %s: %w", a.ID, err)
		}
	}
	return n, nil
}

// insertSyncedEvent stores an event a sync or a push made, under the
// actor it names and at the platform's time when it has one; it notifies
// nobody.
func (tx *Tx) insertSyncedEvent(ctx context.Context, report int64, ev *ward.TimelineEvent, actor string, at time.Time) error {
	changes, err := json.Marshal(ev.Changes)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = tx.now
	}
	ev.Report, ev.At, ev.Actor = report, at.UTC().Truncate(time.Microsecond), actor
	if ev.Changes == nil {
		changes = []byte("[]")
	}
	if err := tx.queryRow(ctx, `INSERT INTO timeline_events (report_id, at, actor, action, from_state, to_state, visibility, comment, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, report, micros(ev.At), ev.Actor, ev.Action, ev.FromState, ev.ToState,
		ev.Visibility, ev.Comment, string(changes)).Scan(&ev.ID); err != nil {
		return fmt.Errorf("insert timeline event: %w", err)
	}
	return nil
}
