package hackerone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

const (
	// pushLease is how long a claimed push is a worker's before another
	// may take it: well over a call's timeout and retries, and a read of
	// the report to check an unsure one. Pushes are claimed one at a
	// time, so that the lease covers the calls of one push only.
	pushLease = 5 * time.Minute
	// pushesPerRun bounds the pushes one run sends.
	pushesPerRun = 50
	// maxPushAttempts is when a push failing temporarily fails for good;
	// the back-off makes it about four days.
	maxPushAttempts = 20
	// sendTimeout bounds one push's calls, well within its lease, so that
	// its outcome is recorded before another worker may take it over.
	sendTimeout = pushLease / 2
	// recordTimeout bounds the write of an outcome, which is made even
	// when the run's context is done: the outcome is known by then.
	recordTimeout = 10 * time.Second
	// PushRunTimeout is what a run of Push needs at most: it claims no
	// push once less than a push's time (sendTimeout and the record) is
	// left of its context's deadline. ward serve's job gives each run as
	// much.
	PushRunTimeout = 2 * pushLease
	// clockSlack is how far HackerOne's clock may be behind ward's: an
	// effect of a push is looked for from its queueing less this.
	clockSlack = 2 * time.Minute
)

// Pusher writes the team's actions on HackerOne reports back to
// HackerOne, from the store's outbox.
type Pusher struct {
	Client *Client
	Store  ward.PushService
	Now    func() time.Time
	// Currency is the programme's bounty currency, USD when empty:
	// HackerOne awards a bounty in the programme's currency, which its API
	// does not say, so a bounty in another is refused rather than paid in
	// the wrong one.
	Currency string
}

// Push sends the due pushes and records each outcome; it returns how many
// were sent and how many failed for good. An error is the store's: a
// refusal by HackerOne is an outcome, recorded on the report's timeline.
//
// A push claimed is marked unsure by the claim until its outcome is
// recorded: the outcome is recorded even when ctx ends during the call,
// and a push whose worker stopped before (a crash) is checked on
// HackerOne before it is sent again.
func (p *Pusher) Push(ctx context.Context) (sent, failed int, err error) {
	for range pushesPerRun {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < sendTimeout+recordTimeout {
			return sent, failed, nil // the next run takes the rest
		}
		pushes, err := p.Store.ClaimPushes(ctx, ward.SourceHackerOne, 1, pushLease)
		if err != nil || len(pushes) == 0 {
			return sent, failed, err
		}
		push := pushes[0]
		o := p.attempt(ctx, push)
		if err := p.record(ctx, push, o); err != nil {
			// Recorded by the worker that took the push over when this
			// one's lease ran out.
			if c := ward.ErrorCode(err); c == ward.ENOTFOUND || c == ward.ECONFLICT {
				continue
			}
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

// attempt makes the push's calls, within sendTimeout.
func (p *Pusher) attempt(ctx context.Context, push *ward.Push) ward.PushOutcome {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return p.outcome(push, p.send(ctx, push))
}

// record stores the outcome even when ctx ended during the call: left
// unrecorded, a push sent would be checked again for nothing, and one
// refused would wait for its lease.
func (p *Pusher) record(ctx context.Context, push *ward.Push, o ward.PushOutcome) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return p.Store.RecordPush(ctx, push, o)
}

// result is what a push's call returned: the activity HackerOne made of
// it, when it says.
type result struct {
	activity string
	err      error
	final    bool // err is ward's own and no retry can help
	// unsure: HackerOne may have acted on the push, and a read of the
	// report did not yet tell.
	unsure bool
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
	// An attempt HackerOne may have carried out is tried again only after
	// a read of the report looks for its effect (send).
	unsure := r.unsure || mayHaveActed(r.err)
	if r.final || !(IsTemporary(r.err) || mayHaveActed(r.err)) || push.Attempts+1 >= maxPushAttempts {
		return ward.PushOutcome{Error: msg, Permanent: true, Unsure: unsure}
	}
	wait := min(time.Minute<<min(push.Attempts, 10), 6*time.Hour)
	wait = max(wait, RetryAfter(r.err))
	return ward.PushOutcome{Error: msg, RetryAt: p.Now().Add(wait), Unsure: unsure}
}

// hackeroneStates are the states ward's actions set on HackerOne.
var hackeroneStates = map[string]string{
	"request_info":   StateNeedsMoreInfo,
	"triage":         StateTriaged,
	"resolve":        StateResolved,
	"mark_invalid":   StateInformative,
	"mark_spam":      StateSpam,
	"mark_duplicate": StateDuplicate,
}

// stateActivity is the type of the activity a change to a state makes,
// such as activity-bug-needs-more-info.
func stateActivity(state string) string { return "activity-bug-" + state }

// send makes the call an action maps to. A push whose last attempt may
// have been carried out is first looked for on the report.
func (p *Pusher) send(ctx context.Context, push *ward.Push) result {
	if push.Unsure {
		if r, done := p.check(ctx, push); done {
			return r
		}
	}
	id, pl := push.ExternalID, push.Payload
	// A state change's or a bounty's message is the reporter's to read on
	// HackerOne: only a comment the reporter may see goes as one. The
	// store queues the team's note as an internal comment of its own.
	message := ""
	if pl.Visibility == "reporter" {
		message = pl.Comment
	}
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
		return p.changeState(ctx, id, StateChange{State: hackeroneStates[push.Kind], Message: message})
	case "mark_duplicate":
		if pl.Original == "" {
			a, err := p.Client.Comment(ctx, id, duplicateNote(pl), true)
			if err != nil {
				return result{err: err}
			}
			return result{activity: a.ID}
		}
		return p.changeState(ctx, id, StateChange{State: StateDuplicate, Message: message, OriginalReportID: pl.Original})
	case "set_severity":
		_, err := p.Client.SetSeverity(ctx, id, SeverityFromVector(pl.Rating, pl.Vector))
		return result{err: err}
	case "approve_bounty":
		// A bounty whose currency ward does not know is refused too: it
		// might be in another.
		if currency := cmp.Or(p.Currency, "USD"); !strings.EqualFold(pl.Currency, currency) {
			return result{err: fmt.Errorf("the bounty is in %s, and HackerOne awards it in the programme's currency, %s (integrations.hackerone.currency)",
				cmp.Or(pl.Currency, "no currency"), currency), final: true}
		}
		b, err := p.Client.AwardBounty(ctx, id, BountyAward{Amount: pl.Amount, Message: message})
		if err != nil {
			return result{err: err}
		}
		return result{activity: bountyKey(b.ID)}
	case "request_disclosure":
		substate := DisclosureFull
		if pl.Disclosure == "redacted" {
			substate = DisclosureNoContent
		}
		return result{err: p.Client.RequestDisclosure(ctx, id, substate)}
	}
	return result{err: fmt.Errorf("ward does not push %q to HackerOne", push.Kind), final: true}
}

// duplicateNote is the internal comment for a duplicate of a report that
// HackerOne does not know: it knows only its own reports as originals.
func duplicateNote(pl ward.PushPayload) string {
	return fmt.Sprintf("ward marked this report a duplicate of ward's report %d, which did not come from HackerOne.", pl.OriginalID)
}

// bountyKey is what a push records of the bounty it awarded, apart from
// activity ids: another push's check does not take the bounty for its
// own.
func bountyKey(id string) string {
	if id == "" {
		return ""
	}
	return "bounty:" + id
}

// check reads the report to find whether an earlier attempt of the push,
// whose answer was lost, was carried out. done is false when it was not
// and the push may be sent again. A bounty not found is not sent again:
// paying twice is worse than asking a person to check.
//
// An effect counts only when ward's user made it since the push was
// queued (less clockSlack), and no other push recorded it as its own: an
// equal comment of before, or an equal bounty, is not this push's.
func (p *Pusher) check(ctx context.Context, push *ward.Push) (r result, done bool) {
	rep, err := p.Client.Report(ctx, push.ExternalID)
	if err != nil {
		return result{err: fmt.Errorf("read the report to check an earlier attempt: %w", err), unsure: true}, true
	}
	since := push.QueuedAt.Add(-clockSlack)
	var ids []string
	for _, a := range rep.Relationships.Activities.Data {
		ids = append(ids, a.ID)
	}
	for _, b := range rep.Relationships.Bounties.Data {
		ids = append(ids, bountyKey(b.ID))
	}
	others, err := p.Store.PushedActivities(ctx, ward.SourceHackerOne, ids)
	if err != nil {
		return result{err: err, unsure: true}, true
	}
	me, pl := p.Client.Username(), push.Payload
	mine := func(typ, message string) string {
		for _, a := range rep.Relationships.Activities.Data {
			if a.Type == typ && a.Relationships.Actor.Data.Login() == me && !a.Attributes.CreatedAt.Before(since) && !others[a.ID] &&
				(message == "" || a.Message() == message) {
				return a.ID
			}
		}
		return ""
	}
	found := func(id string) (result, bool) { return result{activity: id}, id != "" }
	// A state change's message, when it had one, is in its activity.
	message := ""
	if pl.Visibility == "reporter" {
		message = pl.Comment
	}
	switch push.Kind {
	case "comment":
		return found(mine("activity-comment", pl.Comment))
	case "mark_duplicate":
		if pl.Original == "" {
			return found(mine("activity-comment", duplicateNote(pl)))
		}
		return found(mine(stateActivity(StateDuplicate), message))
	case "request_info", "triage", "resolve", "mark_invalid", "mark_spam":
		return found(mine(stateActivity(hackeroneStates[push.Kind]), message))
	case "approve_bounty":
		for _, b := range rep.Relationships.Bounties.Data {
			amount, err := ParseAmount(cmp.Or(b.Attributes.AwardedAmount, b.Attributes.Amount))
			if err == nil && amount == pl.Amount && !b.Attributes.CreatedAt.Before(since) && !others[bountyKey(b.ID)] {
				return result{activity: bountyKey(b.ID)}, true
			}
		}
		return result{err: errors.New("HackerOne did not answer the award, and the report shows no new bounty of that amount"),
			final: true, unsure: true}, true
	case "request_disclosure":
		return found(mine("activity-agreed-on-going-public", ""))
	}
	return result{}, false
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
