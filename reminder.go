package ward

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Period is a span of calendar time on the UTC calendar: whole days or
// whole months, never both. The zero Period is never: a rating with it is
// not reminded of.
type Period struct {
	Days   int
	Months int
}

// Never is the Period of a rating that is never reminded of.
var Never = Period{}

// The bounds of a Period: less than a day would ping the same person many
// times a day, more than a year is more likely a slip of the keyboard.
const (
	maxPeriodDays   = 366
	maxPeriodMonths = 12
)

var periodText = regexp.MustCompile(`^([1-9][0-9]{0,3})(d|w|mo)$`)

// ParsePeriod reads a Period as a team file writes it: 2d (days), 1w
// (weeks, 7 days each), 1mo (calendar months), or never. The message of
// its EINVALID error is meant to follow "path: ".
func ParsePeriod(s string) (Period, error) {
	if s == "never" {
		return Never, nil
	}
	m := periodText.FindStringSubmatch(s)
	if m == nil {
		return Period{}, Errorf(EINVALID, "%q is not a period such as 2d, 1w or 1mo (days, weeks, calendar months), or never", s)
	}
	n, _ := strconv.Atoi(m[1]) // at most four digits
	p := Period{Days: n}
	switch m[2] {
	case "w":
		p.Days = 7 * n
	case "mo":
		p = Period{Months: n}
	}
	if p.Days > maxPeriodDays || p.Months > maxPeriodMonths {
		return Period{}, Errorf(EINVALID, "%s is longer than a year", s)
	}
	return p, nil
}

// String is the Period as ParsePeriod reads it; weeks are written as days.
func (p Period) String() string {
	switch {
	case p.Months > 0:
		return fmt.Sprintf("%dmo", p.Months)
	case p.Days > 0:
		return fmt.Sprintf("%dd", p.Days)
	}
	return "never"
}

// IsNever reports whether the Period is never.
func (p Period) IsNever() bool { return p == Never }

// After returns the instant the Period after t, on the UTC calendar: a day
// is 24 hours, so no DST change moves it, and months are added as
// addMonths does. It must not be called on never.
func (p Period) After(t time.Time) time.Time {
	if p.Months > 0 {
		return addMonths(t, p.Months)
	}
	return t.UTC().Add(time.Duration(p.Days) * 24 * time.Hour)
}

// Cutoff returns the latest instant t with After(t) at or before now: a
// clock started at or before the cutoff has run out by now, and one
// started later has not. It is what a query compares stored times with.
// It must not be called on never.
func (p Period) Cutoff(now time.Time) time.Time {
	if p.Months == 0 {
		return now.UTC().Add(-time.Duration(p.Days) * 24 * time.Hour)
	}
	// addMonths is monotonic but not one-to-one (January 29 to 31 all
	// give March 1 00:00), so it has no simple inverse: bisect over microseconds, the store's resolution, between bounds
	// that a month of 28 and of 31 days give.
	lo := now.UTC().AddDate(0, 0, -31*p.Months-1).Truncate(time.Microsecond) // After(lo) <= now
	hi := now.UTC().AddDate(0, 0, -28*p.Months+1).Truncate(time.Microsecond) // After(hi) > now
	for hi.Sub(lo) > time.Microsecond {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Microsecond)
		if p.After(mid).After(now) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// addMonths returns n calendar months after t on the UTC calendar, at the
// same time of day; when the month reached is too short for t's day, it
// is the end of that month (the first instant of the next). So a month
// after January 31 10:00 is March 1 00:00: not March 3 as time.AddDate
// has it, nor February 28 10:00 as the reporter's deadline has it
// (workflow.Deadline), since neither is monotonic (March 31 01:00 would
// end before March 30 12:00), and a store finds due reports by comparing
// each clock with one cut-off, which needs a later start never to end
// earlier.
func addMonths(t time.Time, n int) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	if last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		return time.Date(y, m+time.Month(n)+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m+time.Month(n), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// StaleRatings are the ratings a stale threshold may be set for, from the
// most severe, in lower case as reports store them.
var StaleRatings = []string{"critical", "high", "medium", "low", "none"}

// StaleThresholds is, for each rating of StaleRatings, how long an open
// report may go without an update before its commander is pinged; a rating
// left out is never.
type StaleThresholds map[string]Period

// DefaultStaleThresholds are the runbook's: critical after 2 days, high
// after 7, medium after one calendar month; low and none never.
func DefaultStaleThresholds() StaleThresholds {
	return StaleThresholds{"critical": {Days: 2}, "high": {Days: 7}, "medium": {Months: 1}}
}

// RemindersSpec declares the team's reminders. A nil Stale keeps the
// current thresholds; a rating left out of it keeps its current one.
type RemindersSpec struct {
	Stale map[string]Period // rating (StaleRatings) → threshold; Never turns one off
}

// StaleReport is an open report whose commander is due a ping.
type StaleReport struct {
	Report       *Report
	LastActivity time.Time // the last timeline event that is not a ping
	LastPing     time.Time // zero when never pinged
}

// StaleService finds stale reports and the thresholds that make them so.
type StaleService interface {
	// StaleThresholds returns the team's thresholds: the defaults with
	// what team files set on top.
	StaleThresholds(ctx context.Context) (StaleThresholds, error)
	// StaleReports returns up to limit (at most 1000) reports in the
	// states that are reminded of whose ping is due at now under the
	// thresholds, the longest without an update first.
	StaleReports(ctx context.Context, now time.Time, th StaleThresholds, limit int) ([]*StaleReport, error)
	// QuietReports is StaleReports whether or not they were pinged since:
	// the reports the team has let go quiet past their threshold, for the
	// dashboard, which the hourly pings would otherwise empty.
	QuietReports(ctx context.Context, now time.Time, th StaleThresholds, limit int) ([]*StaleReport, error)
}

// The timeline actions of ward's one-off reminders: they notify, and are
// not the team's progress (they move no stale clock).
const (
	ActionWindowEnded     = "window_ended"     // the reporter's month to answer a disclosure request is up
	ActionHandoffReminder = "handoff_reminder" // a handoff still waits for its new commander
)

// HandoffReminderEvery is how often the new commander of a pending
// handoff is reminded of it, counting from the request.
const HandoffReminderEvery = 24 * time.Hour

// ReminderService records one-off reminders once.
type ReminderService interface {
	// RemindWindow stores ev (an ActionWindowEnded) on the report unless
	// its disclosure window ending at deadline was reminded of already;
	// false then.
	RemindWindow(ctx context.Context, report int64, deadline time.Time, ev *TimelineEvent) (bool, error)
	// RemindHandoff stores ev (an ActionHandoffReminder) on the handoff's
	// report and sets its RemindedAt to at, if it is still pending and
	// its RemindedAt is still last; false otherwise.
	RemindHandoff(ctx context.Context, h *Handoff, last, at time.Time, ev *TimelineEvent) (bool, error)
}
