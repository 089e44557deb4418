// Package notify sends what ward tells people: each notification (an
// outbox row written with its timeline event) is fanned out into
// dispatches, one per channel (email, Slack, the team's webhooks), which
// a worker sends, retries with back-off and records. Every step is a row
// in the database, so a restart loses nothing; a dispatch's key makes it
// once, so several instances fanning out and sending at once send each
// once. Sending is at least once: a process killed after the receiver
// took a message and before ward recorded it sends it again, under the
// same key (a webhook's Ward-Delivery header), so receivers can drop the
// repeat.
//
// A dispatch to a member waits for the member's next working hour unless
// it is urgent (a new critical report) or the member asked for any hour.
package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// Kinds of dispatch that are not a timeline action.
const (
	KindNewReport = "new_report" // a report arrived; the on-call is told
	KindCritical  = "critical"   // a report was rated critical; the on-call is told at once
	KindDigest    = "digest"     // the daily triage digest
	KindBrief     = "brief"      // the start-of-shift brief
)

// Urgent reports whether a notification may not wait for working hours:
// a report rated critical, or one that arrived critical.
func Urgent(n *ward.PendingNotification) bool {
	return kind(n) == KindCritical || kind(n) == KindNewReport && strings.EqualFold(n.Rating, "critical")
}

// kind is what a notification is about, as channels filter it: the
// timeline action, but new_report for a report's creation.
func kind(n *ward.PendingNotification) string {
	if n.Kind == "create" {
		return KindNewReport
	}
	return n.Kind
}

// Recipient is what Plan needs of the member a notification is for.
type Recipient struct {
	Prefs ward.NotifyPrefs
	// NextWorking is the first instant at or after the notification at
	// which the member works; zero for none within a year, or for a
	// member ward no longer has, who is sent nothing.
	NextWorking time.Time
	Active      bool // a member, not disabled
}

// Plan returns the dispatches of one notification: to the member, on the
// channels of their preferences, at their next working hour unless it is
// urgent; and to each team channel that wants its kind, at once, once per
// timeline event however many members it notifies. A Slack
// direct message needs a team Slack channel with a bot token (dmVia).
// Team channels are told the report's number, rating and state but not
// its title: a channel may reach people who may not read the report.
func Plan(n *ward.PendingNotification, to Recipient, channels []ward.NotifyChannel, baseURL string) []*ward.Dispatch {
	urgent := Urgent(n)
	link := fmt.Sprintf("%s/reports/%d", strings.TrimRight(baseURL, "/"), n.Report)
	var out []*ward.Dispatch
	if to.Active {
		subject := fmt.Sprintf("[ward] #%d %s: %s", n.Report, what(n), oneLine(n.Title))
		body := fmt.Sprintf("%s\n\nReport #%d, %s, %s: %s\n%s\n", sentence(n), n.Report, ratingText(n.Rating), n.State, oneLine(n.Title), link)
		for _, d := range ToMember(n.Member, to, channels, fmt.Sprintf("n:%d", n.ID), subject, body, n.CreatedAt, urgent) {
			d.Kind, d.Report, d.Notification = kind(n), n.Report, n.ID
			out = append(out, d)
		}
	}
	for _, c := range channels {
		if !c.Wants(kind(n)) {
			continue
		}
		// Keyed by the event: an event that notifies several members
		// is posted to a team channel once.
		d := &ward.Dispatch{Key: fmt.Sprintf("e:%d:channel:%s", n.Event, c.Name), Channel: c.Kind, Target: c.Name, Kind: kind(n),
			Report: n.Report, Notification: n.ID, Urgent: urgent, DueAt: n.CreatedAt}
		d.Subject = fmt.Sprintf("[ward] #%d %s", n.Report, what(n))
		d.Body = d.Subject + " (" + ratingText(n.Rating) + ", " + n.State + ")\n" + link
		if c.Kind == ward.ChannelWebhook {
			d.Body = webhookPayload(d, n, link)
		}
		out = append(out, d)
	}
	return out
}

// ToMember returns the dispatches of one message to a member, on the
// channels of their preferences, keyed key:email and key:slack, due at
// their next working hour after at unless urgent.
func ToMember(member string, to Recipient, channels []ward.NotifyChannel, key, subject, body string, at time.Time, urgent bool) []*ward.Dispatch {
	due := at
	if !urgent && !to.Prefs.AnyHour && !to.NextWorking.IsZero() {
		due = to.NextWorking
	}
	var out []*ward.Dispatch
	if to.Prefs.Email {
		out = append(out, &ward.Dispatch{Key: key + ":email", Channel: ward.ChannelEmail, Target: member, Member: member,
			Subject: subject, Body: body, Urgent: urgent, DueAt: due})
	}
	if to.Prefs.Slack != "" && dmVia(channels) != "" {
		out = append(out, &ward.Dispatch{Key: key + ":slack", Channel: ward.ChannelSlack, Target: to.Prefs.Slack, Member: member,
			Subject: subject, Body: body, Urgent: urgent, DueAt: due})
	}
	return out
}

// dmVia is the team Slack channel whose bot token sends direct messages:
// the first with one.
func dmVia(channels []ward.NotifyChannel) string {
	for _, c := range channels {
		if c.Kind == ward.ChannelSlack && c.TokenEnv != "" {
			return c.Name
		}
	}
	return ""
}

// Payload is the JSON body of a webhook dispatch.
type Payload struct {
	ID   string `json:"id"`   // the dispatch's key: the same on every retry
	Kind string `json:"kind"` // one of ward.NotifyKinds
	// Member is the member the event notified; of an event that notified
	// several (a handoff cancelled), one of them.
	Member   string         `json:"member,omitempty"`
	Report   *PayloadReport `json:"report,omitempty"`
	Event    int64          `json:"event,omitempty"`
	Text     string         `json:"text"`
	Urgent   bool           `json:"urgent"`
	Occurred time.Time      `json:"occurred_at"`
}

// PayloadReport is what a webhook is told of a report: no title nor text.
type PayloadReport struct {
	ID     int64  `json:"id"`
	Rating string `json:"rating,omitempty"`
	State  string `json:"state"`
	URL    string `json:"url"`
}

func webhookPayload(d *ward.Dispatch, n *ward.PendingNotification, link string) string {
	b, _ := json.Marshal(Payload{ID: d.Key, Kind: d.Kind, Member: n.Member, Event: n.Event, Text: d.Subject, Urgent: d.Urgent,
		Occurred: n.CreatedAt, Report: &PayloadReport{ID: n.Report, Rating: strings.ToLower(n.Rating), State: n.State, URL: link}})
	return string(b)
}

// what names the notification in a few words.
func what(n *ward.PendingNotification) string {
	if w, ok := kindWords[kind(n)]; ok {
		return w
	}
	return strings.ReplaceAll(kind(n), "_", " ")
}

var kindWords = map[string]string{
	KindNewReport:      "new report",
	KindCritical:       "rated critical",
	"ping":             "no update lately",
	"handoff_request":  "incident command handed to you",
	"handoff_accept":   "handoff accepted",
	"handoff_decline":  "handoff declined",
	"handoff_cancel":   "handoff cancelled",
	"handoff_reminder": "handoff still waiting for you",
	"window_ended":     "the reporter's disclosure month has ended",
	"comment":          "new comment",
	"answer":           "the reporter answered",
}

// sentence is the first line of a member's message.
func sentence(n *ward.PendingNotification) string {
	w := what(n)
	return strings.ToUpper(w[:1]) + w[1:] + "."
}

func ratingText(r string) string {
	if r == "" {
		return "unrated"
	}
	return strings.ToLower(r)
}

// oneLine keeps a title that someone outside wrote from starting lines or
// headers of its own.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
