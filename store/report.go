package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/wardsec/ward"
)

var _ ward.ReportService = (*DB)(nil)

const reportColumns = `id, title, body, source, external_id, external_url, reporter_name, reporter_email, state, labels, created_at, updated_at`

func scanReport(row scanner) (*ward.Report, error) {
	var r ward.Report
	var labels string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Title, &r.Body, &r.Source, &r.ExternalID, &r.ExternalURL, &r.ReporterName, &r.ReporterEmail,
		&r.State, &labels, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return nil, fmt.Errorf("report %d: labels: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
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
	r.State, r.Labels, r.CreatedAt, r.UpdatedAt = ward.ReportNew, []string{}, tx.now, tx.now
	err = tx.queryRow(ctx, `INSERT INTO reports (title, body, source, external_id, external_url, reporter_name, reporter_email, state, labels, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?) RETURNING id`, r.Title, r.Body, r.Source, r.ExternalID, r.ExternalURL, r.ReporterName,
		r.ReporterEmail, r.State, micros(tx.now), micros(tx.now)).Scan(&r.ID)
	if err != nil {
		return false, fmt.Errorf("insert report: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO timeline_events (report_id, at, actor, action, to_state, visibility) VALUES (?, ?, ?, 'create', ?, 'team')`,
		r.ID, micros(tx.now), ward.ActorFromContext(ctx).String(), r.State); err != nil {
		return false, fmt.Errorf("insert timeline event: %w", err)
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

// FindReports returns the selected reports, newest first.
func (db *DB) FindReports(ctx context.Context, f ward.ReportFilter) ([]*ward.Report, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	rows, err := db.query(ctx, `SELECT `+reportColumns+` FROM reports
		WHERE id < ? AND (? = '' OR state = ?) AND (? = '' OR source = ?) AND (? OR state <> 'spam')
		ORDER BY id DESC LIMIT ?`, f.Before, f.State, f.State, f.Source, f.Source, f.IncludeSpam, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	return collect(rows, "reports", scanReport)
}

// FindTimeline returns a report's events, oldest first.
func (db *DB) FindTimeline(ctx context.Context, report int64) ([]*ward.TimelineEvent, error) {
	rows, err := db.query(ctx, `SELECT id, report_id, at, actor, action, from_state, to_state, visibility, comment
		FROM timeline_events WHERE report_id = ? ORDER BY id`, report)
	if err != nil {
		return nil, fmt.Errorf("find timeline of report %d: %w", report, err)
	}
	return collect(rows, "timeline events", func(row scanner) (*ward.TimelineEvent, error) {
		var e ward.TimelineEvent
		var at int64
		if err := row.Scan(&e.ID, &e.Report, &at, &e.Actor, &e.Action, &e.FromState, &e.ToState, &e.Visibility, &e.Comment); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		return &e, nil
	})
}
