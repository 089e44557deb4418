package reports

import (
	"context"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/workflow"
)

// HandoffInput is the body of POST /api/v1/reports/{id}/handoffs.
type HandoffInput struct {
	To             string `json:"to"`
	OpenQuestions  string `json:"open_questions"`
	Decisions      string `json:"decisions"`
	PendingActions string `json:"pending_actions"`
	// TrackingUpdated confirms that the tracking issue is up to date, as
	// the runbook asks first; needed when the report has one.
	TrackingUpdated bool `json:"tracking_updated"`
}

// RequestHandoff asks, as the context's actor, that the report's incident
// command pass to in.To, and returns the pending handoff. The report's
// commander does not change until in.To accepts. Responders and above
// only (EFORBIDDEN); the rest is workflow.RequestHandoff's.
func (s *Service) RequestHandoff(ctx context.Context, report int64, in HandoffInput) (*ward.Handoff, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.HandOffCommand); err != nil {
		return nil, err
	}
	r, err := s.Visible(ctx, report)
	if err != nil {
		return nil, err
	}
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	req := workflow.HandoffRequest{Actor: actor(ctx), At: s.at(), ToEmail: in.To, OpenQuestions: in.OpenQuestions,
		Decisions: in.Decisions, PendingActions: in.PendingActions, TrackingUpdated: in.TrackingUpdated}
	pending, err := s.handoffs.FindHandoffs(ctx, ward.HandoffFilter{Pending: true, Report: r.ID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		req.Pending = pending[0]
	}
	if req.To, err = s.commandCandidate(ctx, in.To); err != nil {
		return nil, err
	}
	h, ev, err := workflow.RequestHandoff(w, req)
	if err != nil {
		return nil, err
	}
	event := timelineEvent(ev)
	event.Notify = workflow.HandoffNotify(h, req.Actor)
	if err := s.handoffs.CreateHandoff(ctx, &h, r.Version, event); err != nil {
		return nil, err
	}
	return &h, nil
}

// commandCandidate is the member named to take command, or nil when no
// member has the email (or it is no address), which the workflow refuses
// by name after it has checked who asks and in which state.
func (s *Service) commandCandidate(ctx context.Context, email string) (*ward.Member, error) {
	e, err := ward.NormalizeEmail(email)
	if err != nil {
		return nil, nil
	}
	m, err := s.members.FindMemberByEmail(ctx, e)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return nil, nil
	}
	return m, err
}

// Handoff returns the handoff, or ENOTFOUND when there is none or its
// report is hidden from the caller. Viewers and above.
func (s *Service) Handoff(ctx context.Context, id int64) (*ward.Handoff, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.ReadReports); err != nil {
		return nil, err
	}
	h, err := s.handoffs.FindHandoffByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Visible(ctx, h.Report); ward.ErrorCode(err) == ward.ENOTFOUND {
		return nil, ward.Errorf(ward.ENOTFOUND, "no handoff has the id %d", id)
	} else if err != nil {
		return nil, err
	}
	return h, nil
}

// Handoffs returns the selected handoffs, newest first. Viewers and above.
// Handoffs are possible only on triaged and tracked reports, never spam,
// so no report's existence leaks through them.
func (s *Service) Handoffs(ctx context.Context, f ward.HandoffFilter) ([]*ward.Handoff, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.ReadReports); err != nil {
		return nil, err
	}
	return s.handoffs.FindHandoffs(ctx, f)
}

// AnswerHandoff accepts (accept true) or declines the handoff as the
// context's actor, who must be the member it is to; a decline needs a
// reason. An acceptance makes them the report's commander. See
// workflow.AnswerHandoff for the refusals.
func (s *Service) AnswerHandoff(ctx context.Context, id int64, accept bool, reason string) (*ward.Handoff, error) {
	act := workflow.ActionHandoffDecline
	if accept {
		act = workflow.ActionHandoffAccept
	}
	return s.answer(ctx, id, act, reason)
}

// CancelHandoff withdraws a pending handoff, as the member it is from or an
// admin; the reason is optional. The commander stays as they are.
func (s *Service) CancelHandoff(ctx context.Context, id int64, reason string) (*ward.Handoff, error) {
	return s.answer(ctx, id, workflow.ActionHandoffCancel, reason)
}

// AnswerStep gives one of the answers that HandoffSteps names
// (StepAccept, StepDecline, StepCancel), as the API's paths, the desk's
// form and the command line name them; any other is EINVALID.
func (s *Service) AnswerStep(ctx context.Context, id int64, step, reason string) (*ward.Handoff, error) {
	switch step {
	case StepAccept:
		return s.AnswerHandoff(ctx, id, true, "")
	case StepDecline:
		return s.AnswerHandoff(ctx, id, false, reason)
	case StepCancel:
		return s.CancelHandoff(ctx, id, reason)
	}
	return nil, ward.Errorf(ward.EINVALID, "answer: want %s, %s or %s", StepAccept, StepDecline, StepCancel)
}

func (s *Service) answer(ctx context.Context, id int64, act workflow.Action, reason string) (*ward.Handoff, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.HandOffCommand); err != nil {
		return nil, err
	}
	h, err := s.Handoff(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := s.Visible(ctx, h.Report)
	if err != nil {
		return nil, err
	}
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	a := actor(ctx)
	next, answered, ev, err := workflow.AnswerHandoff(w, *h, workflow.HandoffAnswer{Action: act, Actor: a, At: s.at(), Reason: reason})
	if err != nil {
		return nil, err
	}
	event := timelineEvent(ev)
	event.Notify = workflow.HandoffNotify(answered, a)
	var changed *ward.Report
	if act == workflow.ActionHandoffAccept {
		after := *r
		after.Commander = next.Commander // all an acceptance changes
		changed = &after
	}
	if err := s.handoffs.AnswerHandoff(ctx, &answered, changed, r.Version, event); err != nil {
		return nil, err
	}
	return &answered, nil
}

// Steps of a handoff, as HandoffSteps names them.
const (
	StepRequest = "request"
	StepAccept  = "accept"
	StepDecline = "decline"
	StepCancel  = "cancel"
)

// HandoffSteps returns what the context's actor may do now about the
// report's command: StepRequest when they may ask for a handoff (pending is
// nil), else the answers they may give to pending. Like Allowed, each step
// succeeds with good arguments; pages show a form for each and no other.
func (s *Service) HandoffSteps(ctx context.Context, r *ward.Report, pending *ward.Handoff) ([]string, error) {
	if !ward.Can(ward.ActorFromContext(ctx), ward.HandOffCommand) {
		return nil, nil
	}
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	a, at := actor(ctx), s.at()
	// Refusals other than these are of arguments, which the form gives.
	may := func(err error) bool { c := ward.ErrorCode(err); return c != ward.EFORBIDDEN && c != ward.ECONFLICT }
	if pending == nil {
		if _, _, err := workflow.RequestHandoff(w, workflow.HandoffRequest{Actor: a, At: at}); may(err) {
			return []string{StepRequest}, nil
		}
		return nil, nil
	}
	var out []string
	for _, step := range []struct {
		name string
		act  workflow.Action
	}{{StepAccept, workflow.ActionHandoffAccept}, {StepDecline, workflow.ActionHandoffDecline}, {StepCancel, workflow.ActionHandoffCancel}} {
		if _, _, _, err := workflow.AnswerHandoff(w, *pending, workflow.HandoffAnswer{Action: step.act, Actor: a, At: at}); may(err) {
			out = append(out, step.name)
		}
	}
	return out, nil
}
