package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// The timeline actions of a handoff of incident command. They are not
// Apply's: a handoff is a row of its own beside the report, and only its
// acceptance changes the report (its commander).
const (
	ActionHandoffRequest Action = "handoff_request"
	ActionHandoffAccept  Action = "handoff_accept"
	ActionHandoffDecline Action = "handoff_decline"
	ActionHandoffCancel  Action = "handoff_cancel"
)

// maxHandoffText bounds each context field and a reason: enough for a
// page of notes, not for a pasted log.
const maxHandoffText = 16 << 10

// HandoffRequest is a commander's request to hand off incident command.
type HandoffRequest struct {
	Actor Actor
	At    time.Time
	// To is the member named to take command; nil when no member has
	// the email ToEmail.
	To      *ward.Member
	ToEmail string
	// Pending is the report's pending handoff, or nil.
	Pending *ward.Handoff

	OpenQuestions, Decisions, PendingActions string
	// TrackingUpdated confirms that the tracking issue is up to date, as
	// the runbook asks before a handoff; needed when the report has one.
	TrackingUpdated bool
}

// RequestHandoff checks a request to hand off the report's command and
// returns the pending handoff (without ID) and its timeline event. The
// report does not change: the runbook holds that the old commander is
// still the commander until the new one acknowledges.
//
// It refuses, as EFORBIDDEN, anyone but the commander or an admin (who
// may act for a commander who is away); as ECONFLICT a report that is not
// triaged or tracked (closed reports keep their commander; set_commander
// still changes it), one with no commander, or one with a pending
// handoff; as EINVALID, naming the field, a member who cannot command
// (responder or above, not disabled), the commander themselves, an empty
// context field, or a tracked report without TrackingUpdated.
func RequestHandoff(r Report, req HandoffRequest) (ward.Handoff, Event, error) {
	a := req.Actor
	switch {
	case a.Reporter || !a.Role.AtLeast(triager):
		return ward.Handoff{}, Event{}, ward.Errorf(ward.EFORBIDDEN, "only the commander of report %d or an admin may hand off its command", r.ID)
	case r.State != StateTriaged && r.State != StateTracked:
		return ward.Handoff{}, Event{}, ward.Errorf(ward.ECONFLICT, "report %d is %s: command is handed off only while it is triaged or tracked", r.ID, r.State)
	case r.Commander == "":
		return ward.Handoff{}, Event{}, ward.Errorf(ward.ECONFLICT, "report %d has no commander to hand off from; set one with set_commander", r.ID)
	case a.Email != r.Commander && a.Role != admin:
		return ward.Handoff{}, Event{}, ward.Errorf(ward.EFORBIDDEN, "only %s, the commander of report %d, or an admin may hand off its command", r.Commander, r.ID)
	case req.Pending != nil:
		return ward.Handoff{}, Event{}, ward.Errorf(ward.ECONFLICT, "report %d already has a pending handoff (%d, to %s); it must be answered or cancelled first",
			r.ID, req.Pending.ID, req.Pending.To)
	case req.At.IsZero():
		return ward.Handoff{}, Event{}, ward.Errorf(ward.EINVALID, "at: the time of the request is required")
	}
	if err := canCommand(req.To, req.ToEmail); err != nil {
		return ward.Handoff{}, Event{}, err
	}
	if req.To.Email == r.Commander {
		return ward.Handoff{}, Event{}, ward.Errorf(ward.EINVALID, "to: %s already commands report %d", r.Commander, r.ID)
	}
	for _, f := range []struct{ name, text string }{
		{"open_questions", req.OpenQuestions}, {"decisions", req.Decisions}, {"pending_actions", req.PendingActions},
	} {
		if strings.TrimSpace(f.text) == "" {
			return ward.Handoff{}, Event{}, ward.Errorf(ward.EINVALID, "%s: required; the runbook asks for the open questions, decisions and pending actions (write \"none\" if so)", f.name)
		}
		if err := handoffText(f.name, f.text); err != nil {
			return ward.Handoff{}, Event{}, err
		}
	}
	if r.TrackingURL != "" && !req.TrackingUpdated {
		return ward.Handoff{}, Event{}, ward.Errorf(ward.EINVALID,
			"tracking_updated: the runbook asks that the tracking issue %s be brought up to date before a handoff; update it, then confirm with tracking_updated: true", r.TrackingURL)
	}
	h := ward.Handoff{Report: r.ID, From: r.Commander, To: req.To.Email, OpenQuestions: req.OpenQuestions, Decisions: req.Decisions,
		PendingActions: req.PendingActions, State: ward.HandoffPending, CreatedAt: req.At}
	ev := Event{Action: ActionHandoffRequest, Actor: a, At: req.At, From: r.State, To: r.State, Visibility: VisibilityTeam,
		Comment: fmt.Sprintf("Handing off command to %s.\n\nOpen questions:\n%s\n\nDecisions:\n%s\n\nPending actions:\n%s",
			h.To, h.OpenQuestions, h.Decisions, h.PendingActions)}
	return h, ev, nil
}

// canCommand refuses a member who may not command an incident, as
// set_commander's caller does.
func canCommand(m *ward.Member, email string) error {
	switch {
	case m == nil:
		return ward.Errorf(ward.EINVALID, "to: no member has the email %q", email)
	case m.Disabled:
		return ward.Errorf(ward.EINVALID, "to: %s is disabled", m.Email)
	case !m.Role.AtLeast(responder):
		return ward.Errorf(ward.EINVALID, "to: %s is a %s; commanding an incident needs a responder or above", m.Email, m.Role)
	}
	return nil
}

func handoffText(field, text string) error {
	if len(text) > maxHandoffText {
		return ward.Errorf(ward.EINVALID, "%s: longer than %d KiB", field, maxHandoffText>>10)
	}
	return ward.CheckControl(field, text)
}

// HandoffAnswer is an answer to a pending handoff: accept or decline by the
// member it is to, cancel by the one it is from or an admin.
type HandoffAnswer struct {
	Action Action // ActionHandoffAccept, ActionHandoffDecline or ActionHandoffCancel
	Actor  Actor
	At     time.Time
	Reason string // required to decline; optional to cancel
}

// AnswerHandoff checks an answer to the handoff of the report and returns
// the report (with the new commander, when accepted), the answered
// handoff and the timeline event.
//
// It refuses, as EFORBIDDEN, an accept or decline by anyone but the
// member the handoff is to (an admin cannot acknowledge for them: that is
// the point of the acknowledgement) and a cancel by anyone but the member
// it is from or an admin; as ECONFLICT a handoff that is no longer
// pending, an acceptance when the report's commander is no longer the one
// who asked (someone else changed it meanwhile), and an acceptance once
// the report is past the states where set_commander is allowed (disclosed
// or not to be disclosed: there is nothing left to command). A pending
// handoff on a report closed since stays answerable otherwise: a resolved
// report still has a disclosure to steer. A decline needs a reason
// (EINVALID).
func AnswerHandoff(r Report, h ward.Handoff, ans HandoffAnswer) (Report, ward.Handoff, Event, error) {
	a := ans.Actor
	switch ans.Action {
	case ActionHandoffAccept, ActionHandoffDecline:
		if a.Reporter || a.Email != h.To || !a.Role.AtLeast(triager) {
			return r, h, Event{}, ward.Errorf(ward.EFORBIDDEN, "only %s, to whom command is handed, may accept or decline handoff %d", h.To, h.ID)
		}
		if ans.Action == ActionHandoffAccept && !a.Role.AtLeast(responder) {
			return r, h, Event{}, ward.Errorf(ward.EFORBIDDEN, "commanding an incident needs a responder or above; you are a %s", a.Role)
		}
	case ActionHandoffCancel:
		if a.Reporter || (a.Email != h.From && a.Role != admin) || !a.Role.AtLeast(triager) {
			return r, h, Event{}, ward.Errorf(ward.EFORBIDDEN, "only %s, who asked for handoff %d, or an admin may cancel it", h.From, h.ID)
		}
	default:
		return r, h, Event{}, ward.Errorf(ward.EINVALID, "action: %q is not an answer to a handoff", ans.Action)
	}
	if h.State != ward.HandoffPending {
		return r, h, Event{}, ward.Errorf(ward.ECONFLICT, "handoff %d is already %s", h.ID, h.State)
	}
	if ans.Action == ActionHandoffAccept {
		if _, ok := rules[ActionSetCommander][r.State]; !ok {
			return r, h, Event{}, ward.Errorf(ward.ECONFLICT, "report %d is %s: its commander no longer changes, so the handoff can only be declined or cancelled", r.ID, r.State)
		}
		if r.Commander != h.From {
			return r, h, Event{}, ward.Errorf(ward.ECONFLICT, "the commander of report %d changed from %s to %s since the handoff was asked; the new commander may hand off again",
				r.ID, h.From, orNobody(r.Commander))
		}
	}
	if ans.At.IsZero() {
		return r, h, Event{}, ward.Errorf(ward.EINVALID, "at: the time of the answer is required")
	}
	if ans.Action == ActionHandoffDecline && strings.TrimSpace(ans.Reason) == "" {
		return r, h, Event{}, ward.Errorf(ward.EINVALID, "reason: required to decline, so that %s knows what to do instead", h.From)
	}
	if err := handoffText("reason", ans.Reason); err != nil {
		return r, h, Event{}, err
	}
	next := r.clone()
	ev := Event{Action: ans.Action, Actor: a, At: ans.At, From: r.State, To: r.State, Comment: ans.Reason, Visibility: VisibilityTeam}
	h.AnsweredAt, h.Reason = ans.At, ans.Reason
	switch ans.Action {
	case ActionHandoffAccept:
		h.State = ward.HandoffAccepted
		ev.change("commander", next.Commander, h.To)
		next.Commander = h.To
	case ActionHandoffDecline:
		h.State = ward.HandoffDeclined
	case ActionHandoffCancel:
		h.State = ward.HandoffCancelled
	}
	return next, h, ev, nil
}

// HandoffNotify is who hears of a step of the handoff: both parties but
// the one who took it, so that an admin acting for either tells both.
func HandoffNotify(h ward.Handoff, a Actor) []string {
	var out []string
	for _, m := range []string{h.From, h.To} {
		if m != a.Email {
			out = append(out, m)
		}
	}
	return out
}

func orNobody(email string) string {
	if email == "" {
		return "nobody"
	}
	return email
}
