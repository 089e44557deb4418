package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/wardsec/ward"
)

var _ ward.SavedFilterService = (*DB)(nil)

// filterName is what a saved filter may be called: it appears in URLs
// (?filter=NAME) and on the command line.
var filterName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

const filterColumns = `name, query, owner, created_at, updated_at`

func scanFilter(row scanner) (*ward.SavedFilter, error) {
	var f ward.SavedFilter
	var created, updated int64
	if err := row.Scan(&f.Name, &f.Query, &f.Owner, &created, &updated); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &f, nil
}

// SaveFilter creates the filter or replaces the one of the same name. The
// query must be one that a report list accepts; it is stored in its
// canonical form, so that two spellings of one filter read the same. Who
// may replace it is checked in the transaction that replaces it, so that
// two members creating one name at once cannot both succeed.
func (db *DB) SaveFilter(ctx context.Context, f *ward.SavedFilter) (bool, error) {
	if !filterName.MatchString(f.Name) {
		return false, ward.Errorf(ward.EINVALID, "name: %q is not 1 to 63 lower-case letters, digits and dashes", f.Name)
	}
	q, err := url.ParseQuery(f.Query)
	if err != nil {
		return false, ward.Errorf(ward.EINVALID, "query: %v", err)
	}
	if len(q) == 0 {
		return false, ward.Errorf(ward.EINVALID, "query: empty; a saved filter selects something, such as view=triage")
	}
	if _, err := ward.ParseReportQuery(q); err != nil {
		return false, ward.Errorf(ward.EINVALID, "query: %s", ward.ErrorMessage(err))
	}
	actor := ward.ActorFromContext(ctx)
	f.Query = q.Encode()
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback()
	old, err := scanFilter(tx.queryRow(ctx, `SELECT `+filterColumns+` FROM saved_filters WHERE name = ?`, f.Name))
	var before any
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f.Owner, f.CreatedAt = actor.String(), tx.now
		if _, err := tx.exec(ctx, `INSERT INTO saved_filters (name, query, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			f.Name, f.Query, f.Owner, micros(tx.now), micros(tx.now)); err != nil {
			return false, fmt.Errorf("insert saved filter %s: %w", f.Name, err)
		}
	case err != nil:
		return false, fmt.Errorf("find saved filter %s: %w", f.Name, err)
	default:
		if err := ward.MayChangeFilter(actor, old); err != nil {
			return false, err
		}
		f.Owner, f.CreatedAt, before = old.Owner, old.CreatedAt, old.Query
		if _, err := tx.exec(ctx, `UPDATE saved_filters SET query = ?, updated_at = ? WHERE name = ?`,
			f.Query, micros(tx.now), f.Name); err != nil {
			return false, fmt.Errorf("update saved filter %s: %w", f.Name, err)
		}
	}
	f.UpdatedAt = tx.now
	if err := tx.audit(ctx, "saved_filter.save", "saved_filter/"+f.Name, ward.Diff{"query": {before, f.Query}}); err != nil {
		return false, err
	}
	return old == nil, tx.commit()
}

// FindFilters returns every saved filter, by name.
func (db *DB) FindFilters(ctx context.Context) ([]*ward.SavedFilter, error) {
	rows, err := db.query(ctx, `SELECT `+filterColumns+` FROM saved_filters ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find saved filters: %w", err)
	}
	return collect(rows, "saved filters", scanFilter)
}

// FindFilterByName returns ENOTFOUND when no filter has the name.
func (db *DB) FindFilterByName(ctx context.Context, name string) (*ward.SavedFilter, error) {
	f, err := scanFilter(db.queryRow(ctx, `SELECT `+filterColumns+` FROM saved_filters WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no saved filter is named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("find saved filter %s: %w", name, err)
	}
	return f, nil
}

// DeleteFilter returns ENOTFOUND when no filter has the name.
func (db *DB) DeleteFilter(ctx context.Context, name string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	old, err := scanFilter(tx.queryRow(ctx, `SELECT `+filterColumns+` FROM saved_filters WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return ward.Errorf(ward.ENOTFOUND, "no saved filter is named %q", name)
	}
	if err != nil {
		return fmt.Errorf("find saved filter %s: %w", name, err)
	}
	if err := ward.MayChangeFilter(ward.ActorFromContext(ctx), old); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM saved_filters WHERE name = ?`, name); err != nil {
		return fmt.Errorf("delete saved filter %s: %w", name, err)
	}
	if err := tx.audit(ctx, "saved_filter.delete", "saved_filter/"+name, ward.Diff{"query": {old.Query, nil}}); err != nil {
		return err
	}
	return tx.commit()
}
