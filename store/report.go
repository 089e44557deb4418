package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.ReportService = (*DB)(nil)

const reportColumns = `id, title, body, source, external_id, external_url, reporter_name, reporter_email, state,
	severity, tier, bounty, disclosure, assignee, commander, duplicate_of, tracking_url, cve_id, attribution, fix_status, labels, version, created_at, updated_at`

func scanReport(row scanner) (*ward.Report, error) {
	var r ward.Report
	var severity, bounty, disclosure, labels string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Title, &r.Body, &r.Source, &r.ExternalID, &r.ExternalURL, &r.ReporterName, &r.ReporterEmail,
		&r.State, &severity, &r.Tier, &bounty, &disclosure, &r.Assignee, &r.Commander, &r.DuplicateOf, &r.TrackingURL,
		&r.CVE, &r.Attribution, &r.FixStatus, &labels, &r.Version, &created, &updated); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name, text string
		into       any
	}{{"severity", severity, &r.Severity}, {"bounty", bounty, &r.Bounty}, {"disclosure", disclosure, &r.Disclosure}, {"labels", labels, &r.Labels}} {
		if f.text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return nil, fmt.Errorf("report %d: %s: %w", r.ID, f.name, err)
		}
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

// jsonOrEmpty is v as JSON, or "" for a nil pointer: the columns that hold
// optional parts of a report.
func jsonOrEmpty[T any](v *T) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// CreateReport stores a new report with its first timeline event, or
// finds the one already stored for the same source and external id.
func (db *DB) CreateReport(ctx context.Context, r *ward.Report) (bool, error) {
	if err := r.Normalize(); err != nil {
		return false, err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback()
	if r.ExternalID != "" {
		existing, err := scanReport(tx.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE source = ? AND external_id = ?`, r.Source, r.ExternalID))
		if err == nil {
			*r = *existing
			return false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("find report %s/%s: %w", r.Source, r.ExternalID, err)
		}
	}
	r.State, r.Labels, r.Version, r.CreatedAt, r.UpdatedAt = ward.ReportNew, []string{}, 1, tx.now, tx.now
	err = tx.queryRow(ctx, `INSERT INTO reports (title, body, source, external_id, external_url, reporter_name, reporter_email, state, labels,
		created_at, updated_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?) RETURNING id`, r.Title, r.Body, r.Source,
		r.ExternalID, r.ExternalURL, r.ReporterName, r.ReporterEmail, r.State, micros(tx.now), micros(tx.now), micros(tx.now)).Scan(&r.ID)
	if err != nil {
		return false, fmt.Errorf("insert report: %w", err)
	}
	var event int64
	if err := tx.queryRow(ctx, `INSERT INTO timeline_events (report_id, at, actor, action, to_state, visibility) VALUES (?, ?, ?, 'create', ?, 'team') RETURNING id`,
		r.ID, micros(tx.now), ward.ActorFromContext(ctx).String(), r.State).Scan(&event); err != nil {
		return false, fmt.Errorf("insert timeline event: %w", err)
	}
	// A new report is for whoever is on call when it arrived, which the
	// store cannot tell: the notification is addressed to nobody, and
	// sending it out (package notify) finds them.
	if _, err := tx.exec(ctx, `INSERT INTO notifications (member, report_id, event_id, kind, created_at) VALUES ('', ?, ?, 'create', ?)`,
		r.ID, event, micros(tx.now)); err != nil {
		return false, fmt.Errorf("insert notification: %w", err)
	}
	// The title and body may hold embargoed details: the audit log keeps
	// where the report came from, not what it says.
	if err := tx.audit(ctx, "report.create", fmt.Sprintf("report/%d", r.ID), ward.Diff{
		"source": {nil, r.Source}, "external_id": {nil, r.ExternalID}}); err != nil {
		return false, err
	}
	return true, tx.commit()
}

// FindReportByID returns ENOTFOUND when no report has the ID.
func (db *DB) FindReportByID(ctx context.Context, id int64) (*ward.Report, error) {
	r, err := scanReport(db.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no report has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find report %d: %w", id, err)
	}
	return r, nil
}

// FindReports returns the selected reports, newest first, as the list is
// ordered with or without a search, so that the cursor pages through both
// alike. An unknown view, or a search that is too long or has no words, is
// EINVALID.
func (db *DB) FindReports(ctx context.Context, f ward.ReportFilter) ([]*ward.Report, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	where := []string{"id < ?", "(? OR state <> 'spam')"}
	args := []any{f.Before, f.IncludeSpam}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.View != "" {
		var th ward.StaleThresholds
		if strings.HasPrefix(f.View, "stale-") {
			var err error
			if th, err = db.StaleThresholds(ctx); err != nil {
				return nil, err
			}
		}
		if err := addView(add, f.View, f.Me, db.now(), th); err != nil {
			return nil, err
		}
	}
	for _, c := range []struct{ column, value string }{{"state", f.State}, {"source", f.Source}, {"assignee", f.Assignee}, {"rating", strings.ToLower(f.Rating)}} {
		if c.value != "" {
			add(c.column+" = ?", c.value)
		}
	}
	if f.Query != "" {
		terms, err := searchTerms(f.Query)
		if err != nil {
			return nil, err
		}
		cond, termArgs := db.matchAll(terms)
		add(cond, termArgs...)
	}
	if f.Label != "" {
		// Labels are a JSON array of strings; a label is found as its
		// quoted JSON form, so "Track" does not match "Tracked".
		quoted, _ := json.Marshal(f.Label) // a string always encodes
		add("labels LIKE ? ESCAPE '\\'", "%"+likeEscape(string(quoted))+"%")
	}
	query := `SELECT ` + reportColumns + ` FROM reports WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	if f.View == "mine" {
		query, args = mineQuery(where, args[:len(args)-1], f.Me, f.Limit)
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	return collect(rows, "reports", scanReport)
}

// mineQuery is the view mine: the newest page of the reports one is
// assigned, and of those one commands, merged. As one condition,
// (assignee = ? OR commander = ?), neither database finds it by index for
// someone with few reports: SQLite reads the whole table. Each branch
// carries its partial index's own condition (assignee <> ”), which SQLite
// needs to see before it uses such an index, and the newest limit of the
// two branches hold the newest limit of their union.
func mineQuery(where []string, args []any, me string, limit int) (string, []any) {
	cond := strings.Join(where, " AND ")
	branch := func(column string) string {
		return `SELECT id FROM (SELECT id FROM reports WHERE ` + cond + ` AND ` + column + ` <> '' AND ` + column + ` = ? ORDER BY id DESC LIMIT ?) AS by_` + column
	}
	all := make([]any, 0, 2*len(args)+5)
	all = append(append(append(all, args...), me, limit), args...)
	all = append(all, me, limit, limit)
	return `SELECT ` + reportColumns + ` FROM reports WHERE id IN (` + branch("assignee") + ` UNION ` + branch("commander") + `)
		ORDER BY id DESC LIMIT ?`, all
}

// openStates are the states in which a report is still being worked.
const openStates = `('new', 'needs_info', 'triaged', 'tracked')`

// addView adds the conditions of one of the runbook's named queues.
func addView(add func(string, ...any), view, me string, now time.Time, th ward.StaleThresholds) error {
	switch view {
	case "triage": // valid, no bounty decided yet
		add("state NOT IN ('invalid', 'duplicate', 'spam') AND NOT bounty_awarded")
	case "needs-info":
		add("state = 'needs_info'")
	case "stale-critical", "stale-high", "stale-medium":
		rating := strings.TrimPrefix(view, "stale-")
		// A report is stale once its rating's threshold (the team's, as
		// the pings use) has run out since its last update: a ping does
		// not make a report less stale.
		p, ok := th[rating]
		if !ok || p.IsNever() {
			add("1 = 0") // the team never calls such reports stale
			return nil
		}
		add("state IN "+openStates+" AND rating = ? AND last_activity_at <= ?", rating, micros(p.Cutoff(now)))
	case "bounty-triage":
		// The runbook's HackerOne queue: the programme's reports with no
		// bounty awarded. A bounty may be awarded before or after the fix,
		// so a resolved report stays until it has one; reports that earn
		// none (invalid, duplicate, spam) are not in it. HackerOne's
		// assignee is not synced: "assigned to the team" is every report
		// of the programme.
		add("source = 'hackerone' AND state NOT IN ('invalid', 'duplicate', 'spam') AND NOT bounty_awarded")
	case "needs-disclosure":
		add("state = 'resolved'")
	case "pending-disclosure":
		add("state = 'disclosure_requested'")
	case "mine": // FindReports adds it, as two branches (mineQuery)
		if me == "" {
			return ward.Errorf(ward.EINVALID, "view: mine needs to know who you are; it lists the reports assigned to you or commanded by you")
		}
	default:
		return ward.Errorf(ward.EINVALID, "view: %q is not one of %s", view, strings.Join(ward.ReportViews, ", "))
	}
	return nil
}

// likeEscape escapes LIKE's wildcards with a backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindTimeline returns a report's events, oldest first.
func (db *DB) FindTimeline(ctx context.Context, report int64) ([]*ward.TimelineEvent, error) {
	rows, err := db.query(ctx, `SELECT id, report_id, at, actor, action, from_state, to_state, visibility, comment, changes
		FROM timeline_events WHERE report_id = ? ORDER BY id`, report)
	if err != nil {
		return nil, fmt.Errorf("find timeline of report %d: %w", report, err)
	}
	return collect(rows, "timeline events", func(row scanner) (*ward.TimelineEvent, error) {
		var e ward.TimelineEvent
		var at int64
		var changes string
		if err := row.Scan(&e.ID, &e.Report, &at, &e.Actor, &e.Action, &e.FromState, &e.ToState, &e.Visibility, &e.Comment, &changes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			return nil, fmt.Errorf("timeline event %d: %w", e.ID, err)
		}
		e.At = fromMicros(at)
		return &e, nil
	})
}

// UpdateReport stores r as an action left it, with the action's event and
// its audit entry, in one transaction. A report whose version is no longer
// version is ECONFLICT: the action was worked out on an older one.
func (db *DB) UpdateReport(ctx context.Context, r *ward.Report, version int64, ev *ward.TimelineEvent) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.updateReport(ctx, r, version, ev); err != nil {
		return err
	}
	if ev.Action == "set_commander" {
		if err := tx.cancelPendingHandoff(ctx, r); err != nil {
			return err
		}
	}
	return tx.commit()
}

// cancelPendingHandoff ends the report's pending handoff when its
// commander was set directly: the handoff was the old commander's, and
// left pending it would block the new one from handing off, and could no
// longer be accepted. Both its members are told.
func (tx *Tx) cancelPendingHandoff(ctx context.Context, r *ward.Report) error {
	h, err := scanHandoff(tx.queryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE report_id = ? AND state = 'pending'`, r.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report %d: find its pending handoff: %w", r.ID, err)
	}
	reason := "the commander was set to " + r.Commander
	if _, err := tx.exec(ctx, `UPDATE handoffs SET state = 'cancelled', reason = ?, answered_at = ? WHERE id = ?`,
		reason, micros(tx.now), h.ID); err != nil {
		return fmt.Errorf("cancel handoff %d: %w", h.ID, err)
	}
	return tx.eventAndAudit(ctx, &ward.TimelineEvent{Action: "handoff_cancel", FromState: r.State, ToState: r.State,
		Visibility: "team", Comment: reason, Notify: []string{h.From, h.To}}, r.ID)
}

// updateReport stores r if it is still at version, with ev and the audit
// entry of ev's action; ECONFLICT when another write changed it first.
func (tx *Tx) updateReport(ctx context.Context, r *ward.Report, version int64, ev *ward.TimelineEvent) error {
	severity, err1 := jsonOrEmpty(r.Severity)
	bounty, err2 := jsonOrEmpty(r.Bounty)
	disclosure, err3 := jsonOrEmpty(r.Disclosure)
	labels, err4 := json.Marshal(r.Labels)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	rating := ""
	if r.Severity != nil {
		rating = strings.ToLower(r.Severity.Rating)
	}
	awarded := r.Bounty != nil && r.Bounty.ApprovedBy != ""
	res, err := tx.exec(ctx, `UPDATE reports SET state = ?, severity = ?, rating = ?, tier = ?, bounty = ?, bounty_awarded = ?, disclosure = ?,
		assignee = ?, commander = ?, duplicate_of = ?, tracking_url = ?,
		cve_id = ?, attribution = ?, fix_status = ?, labels = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		r.State, severity, rating, r.Tier, bounty, awarded, disclosure, r.Assignee, r.Commander, r.DuplicateOf, r.TrackingURL,
		r.CVE, r.Attribution, r.FixStatus, string(labels),
		micros(tx.now), r.ID, version)
	if err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	if n != 1 {
		return ward.Errorf(ward.ECONFLICT, "report %d changed while this action was worked out; reload it and try again", r.ID)
	}
	r.Version, r.UpdatedAt = version+1, tx.now
	if err := tx.eventAndAudit(ctx, ev, r.ID); err != nil {
		return err
	}
	return tx.queuePush(ctx, r, ev)
}

// eventAndAudit stores ev on the report, with its notifications, and the
// audit entry of its action.
func (tx *Tx) eventAndAudit(ctx context.Context, ev *ward.TimelineEvent, report int64) error {
	if err := tx.insertEvent(ctx, ev, report); err != nil {
		return err
	}
	// Which fields changed, not to what: comments and redactions may hold
	// embargoed details.
	fields := make([]string, 0, len(ev.Changes))
	for _, c := range ev.Changes {
		fields = append(fields, c.Field)
	}
	return tx.audit(ctx, "report."+ev.Action, fmt.Sprintf("report/%d", report), ward.Diff{
		"state": {ev.FromState, ev.ToState}, "fields": {nil, fields}})
}

// staleClock is which of a report's stale clocks an event moves, and to
// when: a ping its last ping; the team's work its last update. What the
// reporter writes (through their link, or by mail on the report's thread)
// and a handoff declined or cancelled are not the team's progress: a
// reporter asking for news must not silence the ping that asks the team
// for it. Nor are ward's own reminders.
func staleClock(ctx context.Context, ev *ward.TimelineEvent, now time.Time) (string, time.Time) {
	switch {
	case ev.Action == "ping":
		if !ev.PingedAt.IsZero() && ev.PingedAt.Before(now) {
			return "last_ping_at", ev.PingedAt
		}
		return "last_ping_at", now
	case ward.ActorFromContext(ctx).Kind == ward.ActorReporter, ev.Action == "handoff_decline", ev.Action == "handoff_cancel",
		ev.Action == ward.ActionHandoffReminder, ev.Action == ward.ActionWindowEnded:
		return "", now
	default:
		return "last_activity_at", now
	}
}

// insertEvent stores a report's timeline event as the context's actor's,
// with a notification for each of its Notify, and moves the report's
// clocks of stale pings (staleClock; see package reminders).
func (tx *Tx) insertEvent(ctx context.Context, ev *ward.TimelineEvent, report int64) error {
	changes, err := json.Marshal(ev.Changes)
	if err != nil {
		return fmt.Errorf("insert timeline event: %w", err)
	}
	ev.Report, ev.At, ev.Actor = report, tx.now, ward.ActorFromContext(ctx).String()
	if err := tx.queryRow(ctx, `INSERT INTO timeline_events (report_id, at, actor, action, from_state, to_state, visibility, comment, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, report, micros(tx.now), ev.Actor, ev.Action, ev.FromState, ev.ToState,
		ev.Visibility, ev.Comment, string(changes)).Scan(&ev.ID); err != nil {
		return fmt.Errorf("insert timeline event: %w", err)
	}
	if clock, at := staleClock(ctx, ev, tx.now); clock != "" {
		if _, err := tx.exec(ctx, `UPDATE reports SET `+clock+` = ? WHERE id = ?`, micros(at), report); err != nil {
			return fmt.Errorf("report %d: set %s: %w", report, clock, err)
		}
	}
	for _, member := range ev.Notify {
		if _, err := tx.exec(ctx, `INSERT INTO notifications (member, report_id, event_id, kind, created_at) VALUES (?, ?, ?, ?, ?)`,
			member, report, ev.ID, ev.Action, micros(tx.now)); err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
	}
	return nil
}
