package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reminders"
)

// ReminderStore is what the one-off reminders need of the store.
type ReminderStore interface {
	ward.ReminderService
	FindReports(ctx context.Context, f ward.ReportFilter) ([]*ward.Report, error)
	FindHandoffs(ctx context.Context, f ward.HandoffFilter) ([]*ward.Handoff, error)
}

// Reminder sends the reminders that come once per due instant: a
// reporter's disclosure month that is up, and a handoff of incident
// command still waiting for its new commander. Each is a timeline event
// and a notification, recorded with a mark that makes a second run at
// the same instant, in this process or another, remind of nothing twice.
type Reminder struct {
	store  ReminderStore
	onCall OnCallFunc
}

// NewReminder returns a reminder over the store; onCall says who is on
// call, for a report with neither commander nor assignee.
func NewReminder(store ReminderStore, onCall OnCallFunc) *Reminder {
	return &Reminder{store: store, onCall: onCall}
}

// RemindWindows reminds whoever answers for each report whose reporter's
// month to answer its disclosure request ended by now, once per request,
// and returns how many it reminded of.
func (m *Reminder) RemindWindows(ctx context.Context, now time.Time) (int, error) {
	ctx = ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	sent := 0
	f := ward.ReportFilter{State: "disclosure_requested", Limit: 500}
	for {
		page, err := m.store.FindReports(ctx, f)
		if err != nil {
			return sent, err
		}
		for _, r := range page {
			if r.Disclosure == nil || r.Disclosure.Deadline.After(now) {
				continue
			}
			who, err := m.recipient(ctx, r, now)
			if err != nil {
				return sent, err
			}
			ev := &ward.TimelineEvent{Action: ward.ActionWindowEnded, FromState: r.State, ToState: r.State, Visibility: "team",
				Comment: windowComment(r.Disclosure, who), Notify: nonEmpty(who)}
			ok, err := m.store.RemindWindow(ctx, r.ID, r.Disclosure.Deadline, ev)
			if err != nil {
				return sent, fmt.Errorf("remind of report %d's disclosure window: %w", r.ID, err)
			}
			if ok {
				sent++
			}
		}
		if len(page) < f.Limit {
			return sent, nil
		}
		f.Before = page[len(page)-1].ID
	}
}

func windowComment(d *ward.Disclosure, who string) string {
	msg := "The reporter's month to answer the disclosure request ended " + d.Deadline.Format("2006-01-02 15:04 UTC") + "."
	switch d.Answer {
	case "objected":
		msg += " They objected: only an admin, giving a reason, may disclose."
	case "agreed":
		msg += " They agreed."
	default:
		msg += " They did not answer: a responder may now disclose."
	}
	if who != "" {
		msg += " Reminding " + who + "."
	}
	return msg
}

// RemindHandoffs reminds the new commander of each handoff pending for
// ward.HandoffReminderEvery since its request or its last reminder, and
// returns how many it reminded of.
func (m *Reminder) RemindHandoffs(ctx context.Context, now time.Time) (int, error) {
	ctx = ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	sent := 0
	f := ward.HandoffFilter{Pending: true, Limit: 500}
	for {
		page, err := m.store.FindHandoffs(ctx, f)
		if err != nil {
			return sent, err
		}
		for _, h := range page {
			last := h.CreatedAt
			if h.RemindedAt.After(last) {
				last = h.RemindedAt
			}
			if now.Before(last.Add(ward.HandoffReminderEvery)) {
				continue
			}
			ev := &ward.TimelineEvent{Action: ward.ActionHandoffReminder, Visibility: "team", Notify: []string{h.To},
				Comment: fmt.Sprintf("%s has not yet answered %s's handoff of incident command, asked %s; %s is still the commander.",
					h.To, h.From, h.CreatedAt.Format("2006-01-02 15:04 UTC"), h.From)}
			ok, err := m.store.RemindHandoff(ctx, h, h.RemindedAt, now, ev)
			if err != nil {
				return sent, fmt.Errorf("remind of handoff %d: %w", h.ID, err)
			}
			if ok {
				sent++
			}
		}
		if len(page) < f.Limit {
			return sent, nil
		}
		f.Before = page[len(page)-1].ID
	}
}

func (m *Reminder) recipient(ctx context.Context, r *ward.Report, now time.Time) (string, error) {
	if r.Commander != "" || r.Assignee != "" {
		return reminders.Recipient(r.Commander, r.Assignee, ""), nil
	}
	who, err := m.onCall(ctx, now)
	if err != nil {
		return "", fmt.Errorf("who is on call at %s: %w", now.Format(time.RFC3339), err)
	}
	return who, nil
}

func nonEmpty(who string) []string {
	if who == "" {
		return nil
	}
	return []string{who}
}
