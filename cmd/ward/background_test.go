package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// outbox is a sender that keeps what it sent, with the clock's time.
type outbox struct {
	mu    sync.Mutex
	clock *wardtest.Clock
	sent  []sentMessage
}

type sentMessage struct {
	key, to, subject string
	at               time.Time
}

func (o *outbox) Send(_ context.Context, d *ward.Dispatch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, sentMessage{key: d.Key, to: d.Target, subject: d.Subject, at: o.clock.Now()})
	return nil
}

// The brief reaches the incoming on-call once per shift, at their first
// working hour of it; the digest reaches whoever is on call once a working
// day, in its first hour on duty. Each job runs hourly, on a clock the
// test moves, across a week in which Berlin leaves summer time.
func TestBriefAndDigestOnTheClock(t *testing.T) {
	for _, businessHoursOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("business hours only %v", businessHoursOnly), func(t *testing.T) {
			briefAndDigestOnTheClock(t, businessHoursOnly)
		})
	}
}

// briefAndDigestOnTheClock is the test on a rotation that is business-
// hours-only or not: the member gets the same either way, at work.
func briefAndDigestOnTheClock(t *testing.T, businessHoursOnly bool) {
	start := time.Date(2027, 10, 25, 0, 0, 0, 0, time.UTC) // a Monday
	c := wardtest.NewClock(start)
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "ward.db"), store.Options{Now: c.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	ptr := func(s string) *string { return &s }
	week, handoff := 7*24*time.Hour, "Mon 09:00 Europe/Berlin"
	if _, err := db.ApplyTeam(ctx, ward.TeamSpec{
		Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), TimeZone: ptr("Europe/Berlin"), WorkHours: ptr("Mon-Fri 09:00-17:00")}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo"), TimeZone: ptr("America/Los_Angeles"), WorkHours: ptr("Mon-Fri 09:00-17:00")}},
		},
		Rotations: []ward.RotationSpec{{Name: "src", Members: []string{"ana@example.org", "bo@example.org"}, Shift: &week, Handoff: &handoff, Start: ptr("2027-10-25"),
			BusinessHoursOnly: &businessHoursOnly}},
	}, false); err != nil {
		t.Fatal(err)
	}
	mail := &outbox{clock: c}
	calendar := oncall.New(db, c.Now)
	notifier := notify.New(notify.Config{Store: db, Senders: map[string]notify.Sender{ward.ChannelEmail: mail}, Clock: c,
		NextWorking: calendar.NextWorking, MachineNow: c.Now, Logger: slog.New(slog.DiscardHandler)})
	b := background{db: db, calendar: calendar, clock: c, logger: slog.New(slog.DiscardHandler), notifier: notifier,
		brief: newBrief(db, calendar, c.Now, nil), baseURL: "https://ward.example.org"}
	// Two instances run each occurrence: the second sends nothing twice.
	for at := start; at.Before(start.Add(2 * week)); at = at.Add(time.Hour) {
		c.Set(at)
		for range 2 {
			if err := b.sendBriefs(ctx, at); err != nil {
				t.Fatal(err)
			}
			if err := b.sendDigests(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := notifier.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}

	var briefs, digests []string
	for _, m := range mail.sent {
		line := m.to + " " + m.at.Format(time.RFC3339)
		switch {
		case strings.HasPrefix(m.key, "brief:"):
			briefs = append(briefs, line)
		case strings.HasPrefix(m.key, "digest:"):
			digests = append(digests, line)
		default:
			t.Errorf("sent %s", m.key)
		}
	}
	// Ana's shift starts Monday 25 October 09:00 CEST (07:00 UTC); Bo's
	// on Monday 1 November 09:00 CET (08:00 UTC), when it is midnight in
	// Los Angeles: his brief waits for his 09:00 PDT, 16:00 UTC.
	wantBriefs := []string{"ana@example.org 2027-10-25T07:00:00Z", "bo@example.org 2027-11-01T16:00:00Z"}
	if strings.Join(briefs, "\n") != strings.Join(wantBriefs, "\n") {
		t.Errorf("briefs:\n%s\nwant:\n%s", strings.Join(briefs, "\n"), strings.Join(wantBriefs, "\n"))
	}
	// Ana's digest comes at 09:00 in Berlin each working day: 07:00 UTC
	// in summer time, 08:00 UTC after it ends on Sunday 31 October; Bo's
	// at 09:00 PDT from Monday 1 November 16:00 UTC (the US leaves summer
	// time on 7 November).
	var wantDigests []string
	for _, d := range []string{"2027-10-25T07", "2027-10-26T07", "2027-10-27T07", "2027-10-28T07", "2027-10-29T07"} {
		wantDigests = append(wantDigests, "ana@example.org "+d+":00:00Z")
	}
	for _, d := range []string{"2027-11-01T16", "2027-11-02T16", "2027-11-03T16", "2027-11-04T16", "2027-11-05T16"} {
		wantDigests = append(wantDigests, "bo@example.org "+d+":00:00Z")
	}
	if strings.Join(digests, "\n") != strings.Join(wantDigests, "\n") {
		t.Errorf("digests:\n%s\nwant:\n%s", strings.Join(digests, "\n"), strings.Join(wantDigests, "\n"))
	}
	for _, m := range mail.sent {
		if strings.HasPrefix(m.key, "brief:") && !strings.Contains(m.subject, "src") {
			t.Errorf("the brief's subject %q does not name the rotation", m.subject)
		}
	}
}
