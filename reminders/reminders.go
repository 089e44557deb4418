// Package reminders says when a report has gone stale and whom to ping
// about it: plain functions over values, with no I/O and no clock, so that
// every threshold can be tested at an exact instant.
//
// A report is watched while it is triaged or tracked: being worked, with a
// commander to answer for it. new and needs_info wait in the triage queue,
// which the on-call works daily, or on the reporter; from resolved on the
// work is done and disclosure runs on the reporter's month.
//
// Its clock starts at the later of its last update (the last timeline
// event that is not a ping) and its last ping, so a ping repeats after the
// same threshold while nobody updates the report, and an update starts the
// clock again. The threshold is its rating's (ward.StaleThresholds); an
// unrated report, or a rating whose threshold is never, is never pinged.
// Days are 24 hours on the UTC calendar; a month is a calendar month on
// the UTC calendar, ending at the end of the month reached when that is
// too short (a month after January 31 10:00 is March 1 00:00; see
// ward.Period.After). time.AddDate would give March 3, and since it is not
// monotonic (January 31 would end after February 1) a store could not find
// the due reports by comparing each clock with one cut-off per rating.
package reminders

import (
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// States are the report states that are watched.
var States = []string{"triaged", "tracked"}

// Report is what the rule needs of a report.
type Report struct {
	Rating       string    // critical, high, medium, low or none, in any case; "" when unrated
	State        string    // a workflow state
	LastActivity time.Time // the last timeline event that is not a ping
	LastPing     time.Time // zero when never pinged
}

// Clock returns when the report's clock started: its last update or its
// last ping, whichever is later.
func (r Report) Clock() time.Time {
	if r.LastPing.After(r.LastActivity) {
		return r.LastPing
	}
	return r.LastActivity
}

// Next returns when the report's next ping is due, or false when it is not
// watched or its rating is never pinged.
func Next(r Report, th ward.StaleThresholds) (time.Time, bool) {
	p := th[strings.ToLower(r.Rating)]
	if !slices.Contains(States, r.State) || p.IsNever() {
		return time.Time{}, false
	}
	return p.After(r.Clock()), true
}

// Due reports whether a ping is due at now: from the instant Next gives
// on, and not a microsecond before.
func Due(r Report, th ward.StaleThresholds, now time.Time) bool {
	next, ok := Next(r, th)
	return ok && !now.Before(next)
}

// Recipient returns whom to ping: the commander, who answers for the
// incident; else the assignee; else whoever is on call at the instant of
// the ping, which the caller looks up. "" when there is nobody.
func Recipient(commander, assignee, onCall string) string {
	for _, who := range []string{commander, assignee} {
		if who != "" {
			return who
		}
	}
	return onCall
}
