package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/workflow"
)

// ReporterView is what a reporter sees of their report through its private
// link: what they sent, where it stands, and what was said to them. Team-only
// comments, who on the team acted, the tier, labels, the tracking issue and
// the reasons behind disclosure decisions stay with the team.
type ReporterView struct {
	ID         int64               `json:"id"`
	Title      string              `json:"title"`
	Body       string              `json:"body"`
	State      string              `json:"state"`
	Severity   *ward.Severity      `json:"severity"`
	Bounty     *ReporterBounty     `json:"bounty"` // null until awarded
	Disclosure *ReporterDisclosure `json:"disclosure"`
	CVE        string              `json:"cve_id,omitempty"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
	Events     []ReporterEvent     `json:"events"`
	Actions    []string            `json:"actions"` // what the reporter may do now
}

// ReporterBounty is an awarded bounty, as the reporter sees it.
type ReporterBounty struct {
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	AwardedAt time.Time `json:"awarded_at"`
}

// ReporterDisclosure is a disclosure request and the reporter's answer.
type ReporterDisclosure struct {
	Kind        string    `json:"kind,omitempty"`
	Redactions  []string  `json:"redactions,omitempty"`
	RequestedAt time.Time `json:"requested_at,omitzero"`
	Deadline    time.Time `json:"deadline,omitzero"`
	Answer      string    `json:"answer,omitempty"`
	DisclosedAt time.Time `json:"disclosed_at,omitzero"`
}

// ReporterEvent is one step of the report that the reporter may see: their
// own messages, the team's messages to them, and every change of state.
type ReporterEvent struct {
	At        time.Time `json:"at"`
	By        string    `json:"by"` // "you" or "team"
	Action    string    `json:"action"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state,omitempty"`
	Comment   string    `json:"comment,omitempty"`
}

// ReporterActions are what a reporter may do through their link.
var ReporterActions = []string{string(workflow.ActionAnswer), string(workflow.ActionComment),
	string(workflow.ActionAgreeDisclosure), string(workflow.ActionObjectDisclosure)}

// ForReporter returns the view of the report whose link holds the secret.
// A link to spam, like an unknown one, is ENOTFOUND.
func (s *Service) ForReporter(ctx context.Context, secret string) (*ReporterView, error) {
	r, err := s.store.FindReportByReporterKey(ctx, secret)
	if err != nil {
		return nil, err
	}
	return s.reporterView(reporterContext(ctx, r), r)
}

// ReporterAct takes one of ReporterActions for the reporter whose link
// holds the secret, and returns their view of the report after it. The
// assignee (or, with none, the commander) is notified.
func (s *Service) ReporterAct(ctx context.Context, secret, action, comment string) (*ReporterView, error) {
	r, err := s.store.FindReportByReporterKey(ctx, secret)
	if err != nil {
		return nil, err
	}
	ctx = reporterContext(ctx, r)
	// A link to a report the reporter may not see says no more than a
	// link that never was, whatever is asked of it.
	if err := visibleToReporter(ctx, r); err != nil {
		return nil, err
	}
	if !slices.Contains(ReporterActions, action) {
		return nil, ward.Errorf(ward.EINVALID, "action: %q is not one of %s", action, strings.Join(ReporterActions, ", "))
	}
	after, _, err := s.Act(ctx, r.ID, Action{Action: action, Comment: comment})
	if err != nil {
		return nil, err
	}
	return s.reporterView(ctx, after)
}

// visibleToReporter refuses a report that its reporter may not see (spam)
// as a link that does not exist.
func visibleToReporter(ctx context.Context, r *ward.Report) error {
	w, err := toWorkflow(r)
	if err != nil {
		return err
	}
	if !workflow.Visible(w, actor(ctx)) {
		return ward.Errorf(ward.ENOTFOUND, "no such report link")
	}
	return nil
}

// byReporter reports whether the reporter took the event's action, through
// their link or, later, by mail relayed to the report.
func byReporter(e *ward.TimelineEvent) bool {
	return e.Actor == ward.ActorReporter || strings.HasPrefix(e.Actor, ward.ActorReporter+":")
}

// reporterContext acts as the report's reporter, named by their address
// when it is known.
func reporterContext(ctx context.Context, r *ward.Report) context.Context {
	return ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorReporter, Email: r.ReporterEmail})
}

func (s *Service) reporterView(ctx context.Context, r *ward.Report) (*ReporterView, error) {
	if err := visibleToReporter(ctx, r); err != nil {
		return nil, err
	}
	events, err := s.store.FindTimeline(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	v := &ReporterView{ID: r.ID, Title: r.Title, Body: r.Body, State: r.State, Severity: r.Severity, CVE: r.CVE,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Events: []ReporterEvent{}, Actions: []string{}}
	if b := r.Bounty; b != nil && b.ApprovedBy != "" {
		v.Bounty = &ReporterBounty{Amount: b.Amount, Currency: b.Currency, AwardedAt: b.ApprovedAt}
	}
	if d := r.Disclosure; d != nil && !d.RequestedAt.IsZero() {
		v.Disclosure = &ReporterDisclosure{Kind: d.Kind, Redactions: d.Redactions, RequestedAt: d.RequestedAt, Deadline: d.Deadline,
			Answer: d.Answer, DisclosedAt: d.DisclosedAt}
	}
	for _, e := range events {
		shared := e.Visibility == string(workflow.VisibilityReporter)
		if !shared && e.FromState == e.ToState {
			continue
		}
		re := ReporterEvent{At: e.At, By: "team", Action: e.Action, FromState: e.FromState, ToState: e.ToState}
		if shared {
			re.Comment = e.Comment
		}
		if byReporter(e) || e.Action == "create" { // whoever filed it, the report is the reporter's
			re.By = "you"
		}
		v.Events = append(v.Events, re)
	}
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	for _, act := range workflow.Allowed(w, actor(ctx)) {
		v.Actions = append(v.Actions, string(act))
	}
	return v, nil
}
