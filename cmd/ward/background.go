package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/clock"
	"github.com/wardsec/ward/jobs"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

// background is ward's scheduled work and what it needs.
type background struct {
	db       *store.DB
	calendar *oncall.Service
	clock    clock.Clock
	logger   *slog.Logger
	notifier *notify.Service // sends the brief and the digest
	brief    *brief.Service
	baseURL  string // for links in what is sent
	// hackeroneHTTP carries the HackerOne jobs' calls, its circuit
	// kept from one run to the next.
	hackeroneHTTP *http.Client
}

// briefLate is how long after a shift starts its brief is still sent: an
// instance started days into a shift does not brief it.
const briefLate = 24 * time.Hour

// jobs returns the periodic jobs, on b's clock.
func (b background) jobs() []jobs.Periodic {
	onCall := firstRotationOnCall(b.db, b.calendar)
	pinger := reports.NewStalePinger(reports.New(b.db, b.db, b.db, b.db, b.clock.Now), b.db, onCall)
	reminder := reports.NewReminder(b.db, onCall)
	hourly := jobs.Interval(time.Hour)
	return append([]jobs.Periodic{{
		Name:  "prune-sessions",
		Every: jobs.Daily(3, 0, time.UTC),
		Run: func(ctx context.Context, at time.Time) error {
			sessions, links, err := b.db.PruneSessions(ctx)
			if err != nil {
				return err
			}
			b.logger.Info("pruned dead sessions", "sessions", sessions, "sign_in_links", links, "scheduled", at)
			return nil
		},
	}, {
		// Thresholds are days; an hourly scan pings within the hour a
		// report turns stale. Each report's version makes a second run of
		// the same occurrence ping nothing twice.
		Name:  "stale-pings",
		Every: hourly,
		Run: func(ctx context.Context, at time.Time) error {
			pings, err := pinger.PingStale(ctx, at)
			b.done("pinged stale reports", len(pings), at)
			return err
		},
	}, {
		// A reporter's month ends at the minute it was asked; within the
		// hour is soon enough to say so.
		Name:  "disclosure-windows",
		Every: hourly,
		Run: func(ctx context.Context, at time.Time) error {
			n, err := reminder.RemindWindows(ctx, at)
			b.done("reminded of disclosure windows that ended", n, at)
			return err
		},
	}, {
		Name:  "handoff-reminders",
		Every: hourly,
		Run: func(ctx context.Context, at time.Time) error {
			n, err := reminder.RemindHandoffs(ctx, at)
			b.done("reminded of pending handoffs", n, at)
			return err
		},
	}, {
		// Hourly, so that the brief goes out within the hour a shift
		// starts whatever the rotation's handoff time; its key makes it
		// once per shift.
		Name:  "shift-brief",
		Every: hourly,
		Run:   b.sendBriefs,
	}, {
		// The runbook's "work the triage queue daily": in the first hour
		// the on-call is on duty each day, once per member and local day.
		Name:  "triage-digest",
		Every: hourly,
		Run:   b.sendDigests,
	}}, b.hackeroneJobs()...)
}

func (b background) done(what string, n int, at time.Time) {
	if n > 0 {
		b.logger.Info(what, "count", n, "scheduled", at)
	}
}

// onCallNow calls fn with who holds each rotation at at; a rotation
// before its first shift, or in a gap, is passed over.
func (b background) onCallNow(ctx context.Context, at time.Time, fn func(name string, oc *oncall.OnCall) error) error {
	rotations, err := b.db.FindRotations(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range rotations {
		oc, err := b.calendar.OnCall(ctx, r.Name, at)
		if ward.ErrorCode(err) == ward.ENOTFOUND {
			continue
		}
		if err == nil {
			err = fn(r.Name, oc)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("rotation %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}

// mayRead reports whether the member may be sent the brief and the
// digest: a viewer who holds a rotation may not read them on the desk, so
// is not mailed them either.
func (b background) mayRead(ctx context.Context, email string) (bool, error) {
	m, err := b.db.FindMemberByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	return ward.Can(ward.Actor{Role: m.Role}, ward.ReadBrief), nil
}

// sendBriefs queues the start-of-shift brief to the incoming on-call of
// each rotation whose shift started within briefLate, once per shift; it
// reaches them at their next working hour.
func (b background) sendBriefs(ctx context.Context, at time.Time) error {
	sent := 0
	err := b.onCallNow(ctx, at, func(name string, oc *oncall.OnCall) error {
		if at.Sub(oc.Start) > briefLate {
			return nil
		}
		if ok, err := b.mayRead(ctx, oc.Assignee.Email); !ok || err != nil {
			return err
		}
		br, err := b.brief.Brief(ctx, name, oc.Start)
		if err != nil {
			return err
		}
		key := "brief:" + name + ":" + oc.Start.UTC().Format(time.RFC3339)
		ok, err := b.notifier.QueueToMember(ctx, oc.Assignee.Email, key, notify.KindBrief, brief.Subject(br), brief.Text(br, b.baseURL), at)
		if ok {
			sent++
		}
		return err
	})
	b.done("sent start-of-shift briefs", sent, at)
	return err
}

// sendDigests queues the daily triage digest to each on-call on duty at
// at, once per member and day of theirs.
func (b background) sendDigests(ctx context.Context, at time.Time) error {
	sent := 0
	err := b.onCallNow(ctx, at, func(_ string, oc *oncall.OnCall) error {
		m, err := b.db.FindMemberByEmail(ctx, oc.Assignee.Email)
		if err != nil {
			return err
		}
		// At work now, whatever the rotation's hours: on a rotation that
		// is not business-hours-only the on-call is on duty at midnight,
		// and a digest built then would wait for the morning, stale.
		if next, ok, err := b.calendar.NextWorking(ctx, m, at); err != nil || !ok || !next.Equal(at) || !ward.Can(ward.Actor{Role: m.Role}, ward.ReadBrief) {
			return err
		}
		loc, err := time.LoadLocation(m.TimeZone)
		if err != nil {
			return err
		}
		d, err := b.brief.Digest(ctx, at)
		if err != nil {
			return err
		}
		key := "digest:" + oc.Assignee.Email + ":" + at.In(loc).Format(time.DateOnly)
		ok, err := b.notifier.QueueToMember(ctx, oc.Assignee.Email, key, notify.KindDigest, brief.DigestSubject(d), brief.DigestText(d, b.baseURL), at)
		if ok {
			sent++
		}
		return err
	})
	b.done("sent triage digests", sent, at)
	return err
}
