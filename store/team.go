package store

import (
	"context"
	"slices"

	"github.com/wardsec/ward"
)

var _ ward.TeamService = (*DB)(nil)

// ApplyTeam brings the team to the spec in one transaction and returns the
// changes, members first, then rotations, then tiers, then reminders, then notification channels, then integrations; with dryRun it writes nothing, and
// the plan it shows is computed against exactly what a real apply would see.
func (db *DB) ApplyTeam(ctx context.Context, spec ward.TeamSpec, dryRun bool) ([]ward.Change, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	team, err := tx.allMembers(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := ward.PlanTeam(team, spec, db.holidays)
	if err != nil {
		return nil, err
	}
	next := make([]*ward.Member, len(changes))
	for i, c := range changes {
		next[i] = c.Member
		team[c.Member.Email] = c.Member // as the rotations will see the team
	}
	if err := tx.keepAnAdmin(ctx, next...); err != nil {
		return nil, err
	}
	rotationChanges, rotations, err := tx.planRotations(ctx, spec.Rotations, team)
	if err != nil {
		return nil, err
	}
	var disabling []string
	for _, c := range changes {
		if d, ok := c.Diff["disabled"]; ok && d[1] == true && d[0] == false {
			disabling = append(disabling, c.Member.Email)
		}
	}
	if err := tx.keepRotationsStaffed(ctx, disabling, rotations); err != nil {
		return nil, err
	}
	tierChanges, tiers, err := tx.planTiers(ctx, spec.Tiers)
	if err != nil {
		return nil, err
	}
	reminderChanges, thresholds, err := tx.planReminders(ctx, spec.Reminders)
	if err != nil {
		return nil, err
	}
	channelChanges, err := tx.planChannels(ctx, spec.Channels)
	if err != nil {
		return nil, err
	}
	integrationChanges, err := tx.planIntegrations(ctx, spec.Integrations)
	if err != nil {
		return nil, err
	}
	if dryRun {
		return slices.Concat(changes, rotationChanges, tierChanges, reminderChanges, channelChanges, integrationChanges), nil
	}
	for _, c := range changes {
		if c.Action == "create" {
			err = tx.insertMember(ctx, c.Member)
		} else {
			err = tx.updateMember(ctx, c.Member)
		}
		if err == nil && c.Member.Disabled {
			err = tx.revokeFeedsOf(ctx, c.Member)
			if err == nil {
				_, err = tx.endSessionsOf(ctx, c.Member.ID)
			}
		}
		if err != nil {
			return nil, err
		}
		if err := tx.audit(ctx, "member."+c.Action, c.Object, c.Diff); err != nil {
			return nil, err
		}
	}
	for i, r := range rotations {
		if err := tx.writeRotation(ctx, r, team); err != nil {
			return nil, err
		}
		c := rotationChanges[i]
		if err := tx.audit(ctx, "rotation."+c.Action, c.Object, c.Diff); err != nil {
			return nil, err
		}
	}
	for i, t := range tiers {
		if err := tx.writeTier(ctx, t); err != nil {
			return nil, err
		}
		c := tierChanges[i]
		if err := tx.audit(ctx, "tier."+c.Action, c.Object, c.Diff); err != nil {
			return nil, err
		}
	}
	for _, c := range reminderChanges {
		if err := tx.writeStaleThresholds(ctx, thresholds); err != nil {
			return nil, err
		}
		if err := tx.audit(ctx, "reminders."+c.Action, c.Object, c.Diff); err != nil {
			return nil, err
		}
	}
	if err := tx.writeChannels(ctx, spec.Channels, channelChanges); err != nil {
		return nil, err
	}
	if err := tx.writeIntegrations(ctx, spec.Integrations, integrationChanges); err != nil {
		return nil, err
	}
	scheduleChanged := len(changes)+len(rotationChanges) > 0
	changes = slices.Concat(changes, rotationChanges, tierChanges, reminderChanges, channelChanges, integrationChanges)
	if scheduleChanged {
		// Members' names, hours and holidays show in schedules too.
		if err := tx.bumpSchedule(ctx); err != nil {
			return nil, err
		}
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	db.auth.clear() // members may have been disabled or changed role
	db.feeds.clear()
	return changes, nil
}
