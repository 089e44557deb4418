package store

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reminders"
)

var _ ward.StaleService = (*DB)(nil)

// watchedStates is reminders.States as SQL, in the text of the partial
// index reports_stale (migration 00011), which SQLite uses only for a
// query that repeats its condition.
var watchedStates = "('" + strings.Join(reminders.States, "', '") + "')"

// maxStale bounds a scan's page: the scheduler pings page by page.
const maxStale = 1000

func loadStaleThresholds(ctx context.Context, query queryFunc) (ward.StaleThresholds, error) {
	rows, err := query(ctx, `SELECT rating, period FROM stale_thresholds`)
	if err != nil {
		return nil, fmt.Errorf("find stale thresholds: %w", err)
	}
	th := ward.DefaultStaleThresholds()
	type row struct{ rating, period string }
	stored, err := collect(rows, "stale thresholds", func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.rating, &r.period)
	})
	if err != nil {
		return nil, err
	}
	for _, r := range stored {
		p, err := ward.ParsePeriod(r.period)
		if err != nil {
			return nil, fmt.Errorf("stale threshold %s: %w", r.rating, err)
		}
		th[r.rating] = p
	}
	for rating, p := range th {
		if p.IsNever() {
			delete(th, rating) // a rating left out is never, as the type says
		}
	}
	return th, nil
}

// StaleThresholds returns the team's thresholds: the defaults with what
// team files set on top.
func (db *DB) StaleThresholds(ctx context.Context) (ward.StaleThresholds, error) {
	return loadStaleThresholds(ctx, db.query)
}

// planReminders works out what applying the spec changes: one change,
// reminders/stale, listing each rating whose threshold moves, and the
// thresholds to write.
func (tx *Tx) planReminders(ctx context.Context, spec *ward.RemindersSpec) ([]ward.Change, map[string]ward.Period, error) {
	if spec == nil || len(spec.Stale) == 0 {
		return nil, nil, nil
	}
	current, err := loadStaleThresholds(ctx, tx.query)
	if err != nil {
		return nil, nil, err
	}
	d := ward.Diff{}
	writes := map[string]ward.Period{}
	for _, rating := range slices.Sorted(maps.Keys(spec.Stale)) {
		if !slices.Contains(ward.StaleRatings, rating) {
			return nil, nil, ward.Errorf(ward.EINVALID, "reminders.stale: %q is not one of %s", rating, strings.Join(ward.StaleRatings, ", "))
		}
		if before, after := current[rating], spec.Stale[rating]; before != after {
			d[rating] = [2]any{before.String(), after.String()}
			writes[rating] = after
		}
	}
	if len(d) == 0 {
		return nil, nil, nil
	}
	return []ward.Change{{Action: "update", Object: "reminders/stale", Diff: d}}, writes, nil
}

func (tx *Tx) writeStaleThresholds(ctx context.Context, th map[string]ward.Period) error {
	for _, rating := range slices.Sorted(maps.Keys(th)) {
		if _, err := tx.exec(ctx, `INSERT INTO stale_thresholds (rating, period, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (rating) DO UPDATE SET period = excluded.period, updated_at = excluded.updated_at`,
			rating, th[rating].String(), micros(tx.now)); err != nil {
			return fmt.Errorf("write stale threshold %s: %w", rating, err)
		}
	}
	return nil
}

// StaleReports returns up to limit (50 when 0 or less, at most 1000)
// watched reports whose ping is due at now under the thresholds, the
// longest without an update first. A report is due when its last update
// and its last ping are both at or before its rating's cut-off
// (ward.Period.Cutoff), which is reminders.Due said in SQL.
func (db *DB) StaleReports(ctx context.Context, now time.Time, th ward.StaleThresholds, limit int) ([]*ward.StaleReport, error) {
	return db.staleReports(ctx, now, th, limit, true)
}

// QuietReports returns the reports past their threshold since their last
// update, pinged or not, the longest quiet first.
func (db *DB) QuietReports(ctx context.Context, now time.Time, th ward.StaleThresholds, limit int) ([]*ward.StaleReport, error) {
	return db.staleReports(ctx, now, th, limit, false)
}

// staleReports finds the reports past their threshold since their last
// update and, when duePing, since their last ping too.
func (db *DB) staleReports(ctx context.Context, now time.Time, th ward.StaleThresholds, limit int, duePing bool) ([]*ward.StaleReport, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxStale)
	// One branch per rating, each the oldest limit of that rating in the
	// order of the index, so that each reads no more than it returns
	// (besides reports pinged lately); their union's oldest limit are the
	// oldest limit of all.
	var branches []string
	var args []any
	for _, rating := range ward.StaleRatings {
		p, ok := th[rating]
		if !ok || p.IsNever() {
			continue
		}
		cutoff := micros(p.Cutoff(now))
		pingCutoff := cutoff
		if !duePing {
			pingCutoff = math.MaxInt64
		}
		branches = append(branches, `SELECT id FROM (SELECT id FROM reports WHERE state IN `+watchedStates+` AND rating = ?
			AND last_activity_at <= ? AND last_ping_at <= ? ORDER BY last_activity_at LIMIT ?) AS stale_`+rating)
		args = append(args, rating, cutoff, pingCutoff, limit)
	}
	if len(branches) == 0 {
		return nil, nil
	}
	args = append(args, limit)
	rows, err := db.query(ctx, `SELECT `+reportColumns+`, last_activity_at, last_ping_at FROM reports WHERE id IN (`+
		strings.Join(branches, ` UNION ALL `)+`) ORDER BY last_activity_at, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("find stale reports: %w", err)
	}
	return collect(rows, "stale reports", func(row scanner) (*ward.StaleReport, error) {
		var activity, ping int64
		r, err := scanReport(extraColumns{row, []any{&activity, &ping}})
		if err != nil {
			return nil, err
		}
		s := &ward.StaleReport{Report: r, LastActivity: fromMicros(activity)}
		if ping != 0 {
			s.LastPing = fromMicros(ping)
		}
		return s, nil
	})
}

// extraColumns scans the columns of scanReport and then more, so that a
// query may add columns to reportColumns without a second scanReport.
type extraColumns struct {
	row   scanner
	extra []any
}

func (e extraColumns) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }
