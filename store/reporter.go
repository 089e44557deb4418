package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wardsec/ward"
)

// ReporterKeyPrefix starts every reporter link's secret, so that a leaked
// one is recognisable, and the access log can hide it.
const ReporterKeyPrefix = "wardrep_"

// IssueReporterKey makes a new secret for the report's reporter link; the
// one before stops working. The secret is 256 random bits, so its SHA-256
// is enough to keep.
func (db *DB) IssueReporterKey(ctx context.Context, id int64) (string, error) {
	secret, err := db.newSecret(ReporterKeyPrefix)
	if err != nil {
		return "", fmt.Errorf("issue reporter key: %w", err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.rollback()
	var previous string
	err = tx.queryRow(ctx, `SELECT reporter_key FROM reports WHERE id = ?`, id).Scan(&previous)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ward.Errorf(ward.ENOTFOUND, "no report has the id %d", id)
	}
	if err != nil {
		return "", fmt.Errorf("find report %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `UPDATE reports SET reporter_key = ? WHERE id = ?`, hashSecret(secret), id); err != nil {
		return "", fmt.Errorf("issue reporter key of report %d: %w", id, err)
	}
	if err := tx.audit(ctx, "report.reporter_link", fmt.Sprintf("report/%d", id), ward.Diff{
		"replaced": {nil, previous != ""}}); err != nil {
		return "", err
	}
	return secret, tx.commit()
}

// FindReportByReporterKey returns the report whose link holds the secret.
// Any secret that is not one, well-formed or not, is the same ENOTFOUND.
func (db *DB) FindReportByReporterKey(ctx context.Context, secret string) (*ward.Report, error) {
	if !strings.HasPrefix(secret, ReporterKeyPrefix) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no such report link")
	}
	r, err := scanReport(db.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE reporter_key = ?`, hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no such report link")
	}
	if err != nil {
		return nil, fmt.Errorf("find report by reporter key: %w", err)
	}
	return r, nil
}
