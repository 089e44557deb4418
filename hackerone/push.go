package hackerone

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wardsec/ward"
)

const (
	// pushLease is how long a claimed push is a worker's before another
	// may take it: well over a call's timeout and retries.
	pushLease = 5 * time.Minute
	// maxPushAttempts is when a push failing temporarily fails for good;
	// the back-off makes it about four days.
	maxPushAttempts = 20
)

// Pusher writes the team's actions on HackerOne reports back to
// HackerOne, from the store's outbox.
type Pusher struct {
	Client *Client
	Store  ward.PushService
	Now    func() time.Time
}

// Push sends the due pushes and records each outcome; it returns how many
// were sent and how many failed for good. An error is the store's: a
// refusal by HackerOne is an outcome, recorded on the report's timeline.
func (p *Pusher) Push(ctx context.Context) (sent, failed int, err error) {
	pushes, err := p.Store.ClaimPushes(ctx, ward.SourceHackerOne, 50, pushLease)
	if err != nil {
		return 0, 0, err
	}
	for _, push := range pushes {
		o := p.outcome(push, p.send(ctx, push))
		if err := p.Store.RecordPush(ctx, push.ID, o); err != nil && ward.ErrorCode(err) != ward.ENOTFOUND {
			return sent, failed, err
		}
		switch {
		case o.Sent:
			sent++
		case o.Permanent:
			failed++
		}
	}
	return sent, failed, nil
}

// result is what a push's call returned: the activity HackerOne made of
// it, when it says.
type result struct {
	activity string
	err      error
	final    bool // err is ward's own and no retry can help
}

func (p *Pusher) outcome(push *ward.Push, r result) ward.PushOutcome {
	if r.err == nil {
		return ward.PushOutcome{Sent: true, ActivityID: r.activity}
	}
	msg := r.err.Error()
	var e *Error
	if errors.As(r.err, &e) {
		msg = fmt.Sprintf("%d %s", e.Status, e.Message())
		if e.Message() == "" {
			msg = fmt.Sprintf("%d", e.Status)
		}
	}
	if r.final || !IsTemporary(r.err) || push.Attempts+1 >= maxPushAttempts {
		return ward.PushOutcome{Error: msg, Permanent: true}
	}
	wait := min(time.Minute<<min(push.Attempts, 10), 6*time.Hour)
	wait = max(wait, RetryAfter(r.err))
	return ward.PushOutcome{Error: msg, RetryAt: p.Now().Add(wait)}
}

// hackeroneStates are the states ward's actions set on HackerOne.
var hackeroneStates = map[string]string{
	"request_info": StateNeedsMoreInfo,
	"triage":       StateTriaged,
	"resolve":      StateResolved,
	"mark_invalid": StateInformative,
	"mark_spam":    StateSpam,
}

// send makes the call an action maps to.
func (p *Pusher) send(ctx context.Context, push *ward.Push) result {
	id, pl := push.ExternalID, push.Payload
	switch push.Kind {
	case "comment":
		a, err := p.Client.Comment(ctx, id, pl.Comment, pl.Visibility != "reporter")
		if err != nil {
			return result{err: err}
		}
		return result{activity: a.ID}
	case "request_info", "triage", "resolve", "mark_invalid", "mark_spam":
		if push.Kind == "triage" && pl.Rating != "" {
			if _, err := p.Client.SetSeverity(ctx, id, SeverityFromVector(pl.Rating, pl.Vector)); err != nil {
				return result{err: err}
			}
		}
		return p.changeState(ctx, id, StateChange{State: hackeroneStates[push.Kind], Message: pl.Comment})
	case "mark_duplicate":
		if pl.Original == "" {
			// HackerOne knows only its own reports as originals.
			msg := fmt.Sprintf("ward marked this report a duplicate of ward's report %d, which did not come from HackerOne.", pl.OriginalID)
			a, err := p.Client.Comment(ctx, id, msg, true)
			if err != nil {
				return result{err: err}
			}
			return result{activity: a.ID}
		}
		return p.changeState(ctx, id, StateChange{State: StateDuplicate, Message: pl.Comment, OriginalReportID: pl.Original})
	case "set_severity":
		_, err := p.Client.SetSeverity(ctx, id, SeverityFromVector(pl.Rating, pl.Vector))
		return result{err: err}
	case "approve_bounty":
		_, err := p.Client.AwardBounty(ctx, id, BountyAward{Amount: pl.Amount, Message: pl.Comment})
		return result{err: err}
	case "request_disclosure":
		substate := DisclosureFull
		if pl.Disclosure == "redacted" {
			substate = DisclosureNoContent
		}
		return result{err: p.Client.RequestDisclosure(ctx, id, substate)}
	}
	return result{err: fmt.Errorf("ward does not push %q to HackerOne", push.Kind), final: true}
}

// changeState changes the state; the answer's newest activity by ward's
// token is the change.
func (p *Pusher) changeState(ctx context.Context, id string, sc StateChange) result {
	r, err := p.Client.ChangeState(ctx, id, sc)
	if err != nil {
		return result{err: err}
	}
	for _, a := range r.Relationships.Activities.Data {
		if a.Relationships.Actor.Data.Login() == p.Client.Username() {
			return result{activity: a.ID}
		}
	}
	return result{}
}
