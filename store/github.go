package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.IssueChangeService = (*DB)(nil)

// RecordIssueChange stores a webhook delivery and what it changed on the
// reports that track its issue; see ward.IssueChangeService.
func (db *DB) RecordIssueChange(ctx context.Context, c *ward.IssueChange, forgetBefore time.Time) ([]*ward.TimelineEvent, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if _, err := tx.exec(ctx, `DELETE FROM github_deliveries WHERE received_at < ?`, micros(forgetBefore)); err != nil {
		return nil, fmt.Errorf("forget old GitHub deliveries: %w", err)
	}
	// Either key seen before refuses the delivery: the body's hash, which
	// GitHub signs, or the GUID, which it does not.
	res, err := tx.exec(ctx, `INSERT INTO github_deliveries (body_sha256, guid, event, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.BodySHA256, c.Delivery, c.Event, micros(tx.now))
	if err != nil {
		return nil, fmt.Errorf("record GitHub delivery: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return nil, fmt.Errorf("record GitHub delivery: %w", err)
		}
		return nil, ward.Errorf(ward.ECONFLICT, "delivery already received: %s", c.Delivery)
	}
	var events []*ward.TimelineEvent
	if c.IssueURL != "" {
		if events, err = tx.issueChange(ctx, c); err != nil {
			return nil, err
		}
	}
	return events, tx.commit()
}

// issueChange records c on each report whose tracking URL is its issue:
// the issue's state, and a timeline event with what changed.
func (tx *Tx) issueChange(ctx context.Context, c *ward.IssueChange) ([]*ward.TimelineEvent, error) {
	rows, err := tx.query(ctx, `SELECT id, state FROM reports WHERE tracking_url = ? AND tracking_url <> '' ORDER BY id`, c.IssueURL)
	if err != nil {
		return nil, fmt.Errorf("find the reports tracked by %s: %w", c.Issue, err)
	}
	type tracked struct {
		id    int64
		state string
	}
	reports, err := collect(rows, "reports", func(row scanner) (tracked, error) {
		var r tracked
		return r, row.Scan(&r.id, &r.state)
	})
	if err != nil {
		return nil, err
	}
	labels, err1 := json.Marshal(c.Labels)
	assignees, err2 := json.Marshal(c.Assignees)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("record %s: %w", c.Issue, err)
	}
	var events []*ward.TimelineEvent
	for _, r := range reports {
		before, err := findIssueState(ctx, tx.queryRow, r.id)
		switch {
		case ward.ErrorCode(err) == ward.ENOTFOUND:
			before = &ward.IssueState{Report: r.id}
		case err != nil:
			return nil, err
		}
		ev := &ward.TimelineEvent{Action: "github", FromState: r.state, ToState: r.state, Visibility: "team", Comment: c.Summary + "."}
		// Deliveries may come out of order (a late redelivery): an older
		// change than the one stored is on the timeline, but leaves the
		// issue's state as the newer one left it. Changes at the same
		// second (GitHub's precision) are taken in the order received.
		if c.UpdatedAt.Before(before.ChangedAt) {
			ev.Comment += " It was delivered after a later change, whose state the issue keeps."
		} else {
			for _, f := range []struct{ field, from, to string }{
				{"issue_state", before.State, c.State},
				{"issue_labels", strings.Join(before.Labels, ", "), strings.Join(c.Labels, ", ")},
				{"issue_assignees", strings.Join(before.Assignees, ", "), strings.Join(c.Assignees, ", ")},
			} {
				if f.from != f.to {
					ev.Changes = append(ev.Changes, ward.FieldChange{Field: f.field, From: f.from, To: f.to})
				}
			}
			// The WHERE keeps the newer state against a concurrent
			// delivery that stored one since it was read.
			if _, err := tx.exec(ctx, `INSERT INTO github_issues (report_id, url, state, labels, assignees, changed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (report_id) DO UPDATE SET url = excluded.url, state = excluded.state, labels = excluded.labels,
				assignees = excluded.assignees, changed_at = excluded.changed_at, updated_at = excluded.updated_at
				WHERE excluded.changed_at >= github_issues.changed_at`,
				r.id, c.IssueURL, c.State, string(labels), string(assignees), micros(c.UpdatedAt), micros(tx.now)); err != nil {
				return nil, fmt.Errorf("report %d: store its issue's state: %w", r.id, err)
			}
		}
		// The report has a new event: pages holding the old version
		// are told it changed, as for mail relayed to it.
		if _, err := tx.exec(ctx, `UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ?`, micros(tx.now), r.id); err != nil {
			return nil, fmt.Errorf("update report %d: %w", r.id, err)
		}
		if err := tx.eventAndAudit(ctx, ev, r.id); err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// FindIssueState returns how the report's tracking issue stood at the last
// delivery about it, or ENOTFOUND.
func (db *DB) FindIssueState(ctx context.Context, report int64) (*ward.IssueState, error) {
	return findIssueState(ctx, db.queryRow, report)
}

// findIssueState is the report's issue as last stored, through queryRow
// (the database's or a transaction's), or ENOTFOUND before any delivery.
func findIssueState(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, report int64) (*ward.IssueState, error) {
	s, err := scanIssueState(queryRow(ctx, `SELECT `+issueStateColumns+` FROM github_issues WHERE report_id = ?`, report))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no GitHub delivery told of report %d's tracking issue", report)
	}
	if err != nil {
		return nil, fmt.Errorf("report %d: load its issue's state: %w", report, err)
	}
	return s, nil
}

const issueStateColumns = `report_id, url, state, labels, assignees, changed_at, updated_at`

func scanIssueState(row scanner) (*ward.IssueState, error) {
	var s ward.IssueState
	var labels, assignees string
	var changed, at int64
	if err := row.Scan(&s.Report, &s.URL, &s.State, &labels, &assignees, &changed, &at); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(labels), &s.Labels), json.Unmarshal([]byte(assignees), &s.Assignees)); err != nil {
		return nil, fmt.Errorf("report %d: its issue's state: %w", s.Report, err)
	}
	s.ChangedAt, s.UpdatedAt = fromMicros(changed), fromMicros(at)
	return &s, nil
}
