package store

import (
	"context"

	"github.com/wardsec/ward"
)

var _ ward.TeamService = (*DB)(nil)

// ApplyTeam brings the team to the spec in one transaction and returns the
// changes; with dryRun it rolls the transaction back, so the plan it shows is
// computed against exactly what a real apply would see.
func (db *DB) ApplyTeam(ctx context.Context, spec ward.TeamSpec, dryRun bool) ([]ward.Change, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	current, err := tx.allMembers(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := ward.PlanTeam(current, spec, db.holidays)
	if err != nil {
		return nil, err
	}
	next := make([]*ward.Member, len(changes))
	for i, c := range changes {
		next[i] = c.Member
	}
	if err := tx.keepAnAdmin(ctx, next...); err != nil {
		return nil, err
	}
	if dryRun {
		return changes, nil
	}
	for _, c := range changes {
		if c.Action == "create" {
			err = tx.insertMember(ctx, c.Member)
		} else {
			err = tx.updateMember(ctx, c.Member)
		}
		if err != nil {
			return nil, err
		}
		if err := tx.audit(ctx, "member."+c.Action, c.Object, c.Diff); err != nil {
			return nil, err
		}
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	db.auth.clear() // members may have been disabled or changed role
	return changes, nil
}
