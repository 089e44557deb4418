package workflow

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

var (
	handoffAt = utc("2026-03-02T09:00:00Z")
	// members is who a handoff may name: rob and rita command; tom is a
	// triager; dora was a responder and is disabled.
	members = map[string]*ward.Member{
		"rob@example.org":  {Email: "rob@example.org", Role: ward.RoleResponder},
		"rita@example.org": {Email: "rita@example.org", Role: ward.RoleResponder},
		"ada@example.org":  {Email: "ada@example.org", Role: ward.RoleAdmin},
		"tom@example.org":  {Email: "tom@example.org", Role: ward.RoleTriager},
		"dora@example.org": {Email: "dora@example.org", Role: ward.RoleResponder, Disabled: true},
	}
)

// goodHandoff is a request from the fixture's commander, rita, to rob that
// passes on a tracked report.
func goodHandoff() HandoffRequest {
	return HandoffRequest{Actor: rita, At: handoffAt, To: members["rob@example.org"], ToEmail: "rob@example.org",
		OpenQuestions: "Does 1.30 need the patch?", Decisions: "Embargo until the 14th.", PendingActions: "Ask the distributors.",
		TrackingUpdated: true}
}

func TestRequestHandoff(t *testing.T) {
	tests := []struct {
		name   string
		report func() Report
		change func(*HandoffRequest)
		code   string
		prefix string
	}{
		{name: "the commander of a tracked report"},
		{name: "an admin for an absent commander", change: func(q *HandoffRequest) { q.Actor = ada }},
		{name: "ward itself, as an admin", change: func(q *HandoffRequest) { q.Actor = system }},
		{name: "a triaged report without a tracking issue needs no confirmation",
			report: func() Report { return fixture(StateTriaged) }, change: func(q *HandoffRequest) { q.TrackingUpdated = false }},
		{name: "a responder who is not the commander", change: func(q *HandoffRequest) { q.Actor = rob },
			code: ward.EFORBIDDEN, prefix: "only rita@example.org, the commander"},
		{name: "a viewer", change: func(q *HandoffRequest) { q.Actor = vic }, code: ward.EFORBIDDEN, prefix: "only the commander"},
		{name: "the reporter", change: func(q *HandoffRequest) { q.Actor = reporter }, code: ward.EFORBIDDEN, prefix: "only the commander"},
		{name: "a resolved report", report: func() Report { return fixture(StateResolved) },
			code: ward.ECONFLICT, prefix: "report 7 is resolved"},
		{name: "a report with no commander", report: func() Report { r := fixture(StateTracked); r.Commander = ""; return r },
			code: ward.ECONFLICT, prefix: "report 7 has no commander"},
		{name: "one pending already", change: func(q *HandoffRequest) { q.Pending = &ward.Handoff{ID: 3, To: "rob@example.org"} },
			code: ward.ECONFLICT, prefix: "report 7 already has a pending handoff (3, to rob@example.org)"},
		{name: "no time", change: func(q *HandoffRequest) { q.At = time.Time{} }, code: ward.EINVALID, prefix: "at:"},
		{name: "nobody has the email", change: func(q *HandoffRequest) { q.To, q.ToEmail = nil, "who@example.org" },
			code: ward.EINVALID, prefix: `to: no member has the email "who@example.org"`},
		{name: "a triager cannot command", change: func(q *HandoffRequest) { q.To = members["tom@example.org"] },
			code: ward.EINVALID, prefix: "to: tom@example.org is a triager"},
		{name: "a disabled member", change: func(q *HandoffRequest) { q.To = members["dora@example.org"] },
			code: ward.EINVALID, prefix: "to: dora@example.org is disabled"},
		{name: "to oneself", change: func(q *HandoffRequest) { q.To = members["rita@example.org"] },
			code: ward.EINVALID, prefix: "to: rita@example.org already commands"},
		{name: "no open questions", change: func(q *HandoffRequest) { q.OpenQuestions = " \n" }, code: ward.EINVALID, prefix: "open_questions: required"},
		{name: "no decisions", change: func(q *HandoffRequest) { q.Decisions = "" }, code: ward.EINVALID, prefix: "decisions: required"},
		{name: "no pending actions", change: func(q *HandoffRequest) { q.PendingActions = "" }, code: ward.EINVALID, prefix: "pending_actions: required"},
		{name: "a control character", change: func(q *HandoffRequest) { q.Decisions = "x\x1b[2J" }, code: ward.EINVALID, prefix: "decisions: holds"},
		{name: "too long", change: func(q *HandoffRequest) { q.PendingActions = strings.Repeat("x", maxHandoffText+1) },
			code: ward.EINVALID, prefix: "pending_actions: longer than 16 KiB"},
		{name: "a tracked report without the tracking issue brought up to date", change: func(q *HandoffRequest) { q.TrackingUpdated = false },
			code: ward.EINVALID, prefix: "tracking_updated: the runbook asks that the tracking issue https://github.com/acme/security/issues/12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(StateTracked)
			if tt.report != nil {
				r = tt.report()
			}
			req := goodHandoff()
			if tt.change != nil {
				tt.change(&req)
			}
			before := deepCopy(r)
			h, ev, err := RequestHandoff(r, req)
			if d := cmp.Diff(before, r); d != "" {
				t.Fatalf("RequestHandoff changed the report (-before +after):\n%s", d)
			}
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.prefix)
				return
			}
			if err != nil {
				t.Fatalf("RequestHandoff: %v", err)
			}
			want := ward.Handoff{Report: 7, From: "rita@example.org", To: "rob@example.org", OpenQuestions: req.OpenQuestions,
				Decisions: req.Decisions, PendingActions: req.PendingActions, State: ward.HandoffPending, CreatedAt: handoffAt}
			if d := cmp.Diff(want, h); d != "" {
				t.Errorf("handoff (-want +got):\n%s", d)
			}
			if ev.Action != ActionHandoffRequest || ev.Visibility != VisibilityTeam || ev.From != r.State || ev.To != r.State || len(ev.Changes) != 0 ||
				!strings.Contains(ev.Comment, req.OpenQuestions) || !strings.Contains(ev.Comment, req.PendingActions) {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}

// pendingHandoff is a pending handoff of the fixture's command, from rita
// to rob.
func pendingHandoff() ward.Handoff {
	return ward.Handoff{ID: 4, Report: 7, From: "rita@example.org", To: "rob@example.org", State: ward.HandoffPending, CreatedAt: handoffAt}
}

func TestAnswerHandoff(t *testing.T) {
	later := handoffAt.Add(time.Hour)
	tests := []struct {
		name      string
		state     State
		commander string // the report's, when it changed since; "" keeps rita
		handoff   func(*ward.Handoff)
		ans       HandoffAnswer
		code      string
		prefix    string
		want      string // the handoff's state after
	}{
		{name: "the new commander accepts", ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: rob}, want: ward.HandoffAccepted},
		{name: "the new commander declines, saying why", ans: HandoffAnswer{Action: ActionHandoffDecline, Actor: rob, Reason: "on leave"},
			want: ward.HandoffDeclined},
		{name: "the old commander cancels", ans: HandoffAnswer{Action: ActionHandoffCancel, Actor: rita}, want: ward.HandoffCancelled},
		{name: "an admin cancels", ans: HandoffAnswer{Action: ActionHandoffCancel, Actor: ada, Reason: "rita is back"}, want: ward.HandoffCancelled},
		{name: "accepted on a report resolved since", state: StateResolved, ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: rob},
			want: ward.HandoffAccepted},
		{name: "declined on a disclosed report", state: StateDisclosed, ans: HandoffAnswer{Action: ActionHandoffDecline, Actor: rob, Reason: "done"},
			want: ward.HandoffDeclined},
		{name: "an admin cannot accept for the new commander", ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: ada},
			code: ward.EFORBIDDEN, prefix: "only rob@example.org, to whom command is handed"},
		{name: "the old commander cannot decline", ans: HandoffAnswer{Action: ActionHandoffDecline, Actor: rita, Reason: "x"},
			code: ward.EFORBIDDEN, prefix: "only rob@example.org"},
		{name: "the new commander cannot cancel", ans: HandoffAnswer{Action: ActionHandoffCancel, Actor: rob},
			code: ward.EFORBIDDEN, prefix: "only rita@example.org, who asked"},
		{name: "the reporter, with the new commander's address", ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: Actor{Email: "rob@example.org", Reporter: true}},
			code: ward.EFORBIDDEN, prefix: "only rob@example.org"},
		{name: "a new commander demoted since", ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: Actor{Email: "rob@example.org", Role: ward.RoleTriager}},
			code: ward.EFORBIDDEN, prefix: "commanding an incident needs a responder"},
		{name: "not an answer", ans: HandoffAnswer{Action: ActionAssign, Actor: rob}, code: ward.EINVALID, prefix: "action:"},
		{name: "answered already", handoff: func(h *ward.Handoff) { h.State = ward.HandoffDeclined },
			ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: rob}, code: ward.ECONFLICT, prefix: "handoff 4 is already declined"},
		{name: "the commander changed since", commander: "ada@example.org", ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: rob},
			code: ward.ECONFLICT, prefix: "the commander of report 7 changed from rita@example.org to ada@example.org"},
		{name: "but it may still be declined", commander: "ada@example.org",
			ans: HandoffAnswer{Action: ActionHandoffDecline, Actor: rob, Reason: "ada has it"}, want: ward.HandoffDeclined},
		{name: "no command left to take on a disclosed report", state: StateDisclosed, ans: HandoffAnswer{Action: ActionHandoffAccept, Actor: rob},
			code: ward.ECONFLICT, prefix: "report 7 is disclosed"},
		{name: "a decline without a reason", ans: HandoffAnswer{Action: ActionHandoffDecline, Actor: rob, Reason: " "},
			code: ward.EINVALID, prefix: "reason: required"},
		{name: "a reason with a control character", ans: HandoffAnswer{Action: ActionHandoffCancel, Actor: rita, Reason: "\x00"},
			code: ward.EINVALID, prefix: "reason: holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := tt.state
			if state == "" {
				state = StateTracked
			}
			r := fixture(state)
			if tt.commander != "" {
				r.Commander = tt.commander
			}
			h := pendingHandoff()
			if tt.handoff != nil {
				tt.handoff(&h)
			}
			ans := tt.ans
			ans.At = later
			before := deepCopy(r)
			got, answered, ev, err := AnswerHandoff(r, h, ans)
			if d := cmp.Diff(before, r); d != "" {
				t.Fatalf("AnswerHandoff changed the report (-before +after):\n%s", d)
			}
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.prefix)
				if d := cmp.Diff(r, got); d != "" {
					t.Errorf("a refused answer changed the report:\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("AnswerHandoff: %v", err)
			}
			if answered.State != tt.want || !answered.AnsweredAt.Equal(later) || answered.Reason != ans.Reason {
				t.Errorf("handoff = %+v, want %s at %s", answered, tt.want, later)
			}
			wantCommander, wantChanges := r.Commander, []Change(nil)
			if tt.want == ward.HandoffAccepted {
				wantCommander, wantChanges = "rob@example.org", []Change{{Field: "commander", From: "rita@example.org", To: "rob@example.org"}}
			}
			if got.Commander != wantCommander {
				t.Errorf("commander = %q, want %q", got.Commander, wantCommander)
			}
			if ev.Action != ans.Action || ev.Visibility != VisibilityTeam || ev.Comment != ans.Reason || !cmp.Equal(ev.Changes, wantChanges) {
				t.Errorf("event = %+v, want changes %v", ev, wantChanges)
			}
		})
	}
}

func TestHandoffNotify(t *testing.T) {
	h := pendingHandoff()
	tests := []struct {
		by   Actor
		want []string
	}{
		{rita, []string{"rob@example.org"}},
		{rob, []string{"rita@example.org"}},
		{ada, []string{"rita@example.org", "rob@example.org"}},
		{system, []string{"rita@example.org", "rob@example.org"}},
	}
	for _, tt := range tests {
		if got := HandoffNotify(h, tt.by); !slices.Equal(got, tt.want) {
			t.Errorf("HandoffNotify by %q = %v, want %v", tt.by.Email, got, tt.want)
		}
	}
}

// Random handoff steps by random actors, mixed with set_commander and
// moves of the report's state: the report's commander changes only by an
// acceptance (to the member it was to) or set_commander, at most one
// handoff is ever pending, and a refusal is always one of the documented
// codes and changes nothing.
func TestPropertyHandoffs(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260302, 9))
	people := []Actor{ada, rita, rob, tom, vic, reporter, system, {Email: "dora@example.org", Role: ward.RoleResponder}}
	emails := []string{"rita@example.org", "rob@example.org", "ada@example.org", "tom@example.org", "dora@example.org", "who@example.org"}
	steps := []Action{ActionHandoffRequest, ActionHandoffAccept, ActionHandoffDecline, ActionHandoffCancel}
	var accepted, declined, cancelled int
	for range 2000 {
		r := fixture(StateTracked)
		var handoffs []ward.Handoff
		at := handoffAt
		for range 30 {
			at = at.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
			a := people[rng.IntN(len(people))]
			var pending *ward.Handoff
			for i := range handoffs {
				if handoffs[i].State == ward.HandoffPending {
					pending = &handoffs[i]
				}
			}
			switch rng.IntN(8) {
			case 0: // someone moves the report on, or back
				r.State = []State{StateTriaged, StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed}[rng.IntN(5)]
				continue
			case 1: // someone else sets the commander
				r.Commander = emails[rng.IntN(3)]
				continue
			}
			act := steps[rng.IntN(len(steps))]
			if act == ActionHandoffRequest {
				to := emails[rng.IntN(len(emails))]
				req := goodHandoff()
				req.Actor, req.At, req.To, req.ToEmail, req.Pending = a, at, members[to], to, pending
				if rng.IntN(4) == 0 {
					req.TrackingUpdated, req.Decisions = rng.IntN(2) == 0, []string{"", "none"}[rng.IntN(2)]
				}
				h, _, err := RequestHandoff(r, req)
				if err != nil {
					checkRefusal(t, act, err)
					continue
				}
				if pending != nil || h.From != r.Commander || h.To == r.Commander || (a.Email != r.Commander && a.Role != ward.RoleAdmin) {
					t.Fatalf("request by %+v on %+v with %+v pending gave %+v", a, r, pending, h)
				}
				h.ID = int64(len(handoffs) + 1)
				handoffs = append(handoffs, h)
				continue
			}
			if len(handoffs) == 0 {
				continue
			}
			h := handoffs[rng.IntN(len(handoffs))]
			if pending != nil && rng.IntN(3) > 0 {
				h = *pending // answers to old handoffs are mostly conflicts
			}
			if rng.IntN(2) == 0 {
				a = Actor{Email: h.To, Role: members[h.To].Role} // the one who may accept or decline
			}
			before := deepCopy(r)
			got, answered, _, err := AnswerHandoff(r, h, HandoffAnswer{Action: act, Actor: a, At: at, Reason: []string{"", "busy"}[rng.IntN(2)]})
			if err != nil {
				checkRefusal(t, act, err)
				continue
			}
			wasPending := h.State == ward.HandoffPending
			switch {
			case !wasPending:
				t.Fatalf("%s of a %s handoff succeeded", act, h.State)
			case act == ActionHandoffAccept && (a.Email != h.To || got.Commander != h.To || before.Commander != h.From):
				t.Fatalf("accept by %+v of %+v: commander %q -> %q", a, h, before.Commander, got.Commander)
			case act != ActionHandoffAccept && !cmp.Equal(before, got):
				t.Fatalf("%s changed the report: %s", act, cmp.Diff(before, got))
			}
			switch answered.State {
			case ward.HandoffAccepted:
				accepted++
			case ward.HandoffDeclined:
				declined++
			case ward.HandoffCancelled:
				cancelled++
			}
			r = got
			handoffs[h.ID-1] = answered
		}
	}
	if accepted < 100 || declined < 100 || cancelled < 100 {
		t.Errorf("too few answers reached: %d accepted, %d declined, %d cancelled", accepted, declined, cancelled)
	}
}

// checkRefusal fails unless err is one of the codes a handoff step may be
// refused with.
func checkRefusal(t *testing.T, act Action, err error) {
	t.Helper()
	if code := ward.ErrorCode(err); code != ward.EFORBIDDEN && code != ward.ECONFLICT && code != ward.EINVALID {
		t.Fatalf("%s refused with %v; want forbidden, conflict or invalid", act, err)
	}
}
