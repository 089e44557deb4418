package ward

import (
	"context"
	"time"
)

// TeamSpec is the desired state of the team as a team file declares it.
// Applying it creates and updates; it never deletes (disable a member with
// disabled: true instead, so that history keeps its names).
type TeamSpec struct {
	Members   []MemberSpec
	Rotations []RotationSpec
	Tiers     []TierSpec
	Reminders *RemindersSpec // nil keeps the current reminders
	// Channels are the team's notification channels: when not nil, all
	// of them, so a channel left out is removed (a channel has no history
	// to keep, and a stale webhook is a leak). Nil keeps the current ones.
	Channels []NotifyChannel
	// Integrations, when not nil, are all of them: one left out is
	// removed. Nil keeps the current ones.
	Integrations *Integrations
}

// TierSpec declares a severity tier: the bounty a report of each CVSS
// rating earns in it. Nil fields keep the tier's current value; a new tier
// needs a currency and bounties.
type TierSpec struct {
	Name        string           // [a-z0-9-], the key that finds it
	Description *string          // what belongs in the tier, for the triager choosing it
	Currency    *string          // ISO 4217, such as USD
	Bounties    map[string]int64 // rating (critical, high, medium, low) → amount in minor units; nil keeps the current table
}

// RotationSpec declares an on-call rotation. Nil fields keep the
// rotation's current value, or take the default when it is new.
type RotationSpec struct {
	Name              string         // [a-z0-9-], the key that finds it
	Members           []string       // emails, in rotation order; nil keeps the current list
	Shift             *time.Duration // default one week
	Handoff           *string        // "Mon 09:00 America/Los_Angeles"; default "Mon 09:00 UTC"
	Start             *string        // a date, 2006-01-02; required for a new rotation
	BusinessHoursOnly *bool          // default true
}

// MemberSpec declares one member. Nil fields keep the member's current value,
// or take the default when the member is new.
type MemberSpec struct {
	Email string
	MemberUpdate
}

// Member returns the member that the spec creates, before normalisation.
func (s MemberSpec) Member() Member {
	return s.Apply(Member{Email: s.Email})
}

// Diff maps a changed field's JSON name to its values before and after.
type Diff map[string][2]any

// Change is one write that applying a spec makes, or would make.
type Change struct {
	Action string  `json:"action"` // "create" or "update"
	Object string  `json:"object"` // such as "member/ana@example.org"
	Diff   Diff    `json:"diff"`
	Member *Member `json:"-"` // the member as it will be written
}

// MemberDiff returns the fields that differ between before and after; a nil
// before means the member is new and every field is listed.
func MemberDiff(before, after *Member) Diff {
	var b Member
	if before != nil {
		b = *before
	}
	d := Diff{}
	add := func(name string, x, y any) {
		if before == nil || x != y {
			d[name] = [2]any{x, y}
		}
	}
	add("email", b.Email, after.Email)
	add("name", b.Name, after.Name)
	add("role", b.Role, after.Role)
	add("timezone", b.TimeZone, after.TimeZone)
	add("workhours", b.WorkHours, after.WorkHours)
	add("holidays", b.Holidays, after.Holidays)
	add("disabled", b.Disabled, after.Disabled)
	if before == nil {
		for k, v := range d {
			d[k] = [2]any{nil, v[1]}
		}
	}
	return d
}

// PlanTeam returns the changes that bring the current members to the spec,
// in the spec's order, each with the normalised member to write. A spec
// member that normalises to its current state yields no change.
func PlanTeam(current map[string]*Member, spec TeamSpec, holidays HolidayChecker) ([]Change, error) {
	changes := []Change{}
	for _, s := range spec.Members {
		email, err := NormalizeEmail(s.Email)
		if err != nil {
			return nil, err
		}
		before := current[email]
		var after Member
		if before == nil {
			after = s.Member()
		} else {
			after = s.Apply(*before)
		}
		if err := after.Normalize(holidays); err != nil {
			return nil, Errorf(EINVALID, "member %s: %s", email, ErrorMessage(err))
		}
		d := MemberDiff(before, &after)
		if len(d) == 0 {
			continue
		}
		action := "update"
		if before == nil {
			action = "create"
		}
		changes = append(changes, Change{Action: action, Object: "member/" + email, Diff: d, Member: &after})
	}
	return changes, nil
}

// ActiveAdmins counts the admins among members who are not disabled.
func ActiveAdmins(members map[string]*Member) int {
	n := 0
	for _, m := range members {
		if m.Role == RoleAdmin && !m.Disabled {
			n++
		}
	}
	return n
}

// TeamService applies team files.
type TeamService interface {
	// ApplyTeam brings the team to the spec in one transaction and returns
	// the changes made; with dryRun it returns them and writes nothing.
	ApplyTeam(ctx context.Context, spec TeamSpec, dryRun bool) ([]Change, error)
}
