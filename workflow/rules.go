package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wardsec/ward"
)

// edge is one action allowed from one state.
type edge struct {
	min      ward.Role          // the least team role that may take it; "" when no team member may
	reporter bool               // whether the reporter may take it
	next     func(Report) State // nil when the state stays
}

func to(s State) func(Report) State { return func(Report) State { return s } }

// on returns the edge from each of the states.
func on(e edge, from ...State) map[State]edge {
	m := make(map[State]edge, len(from))
	for _, s := range from {
		m[s] = e
	}
	return m
}

func except(out ...State) []State {
	var in []State
	for _, s := range states {
		if !slices.Contains(out, s) {
			in = append(in, s)
		}
	}
	return in
}

const (
	triager   = ward.RoleTriager
	responder = ward.RoleResponder
	admin     = ward.RoleAdmin
)

var afterTriage = []State{StateTriaged, StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed, StateDoNotDisclose}

// rules is the table of the package doc: for each action, the states it is
// allowed from and who may take it there.
var rules = map[Action]map[State]edge{
	ActionRequestInfo:       on(edge{min: triager, next: to(StateNeedsInfo)}, StateNew),
	ActionAnswer:            on(edge{min: triager, reporter: true, next: to(StateNew)}, StateNeedsInfo),
	ActionMarkInvalid:       on(edge{min: triager, next: to(StateInvalid)}, StateNew, StateNeedsInfo),
	ActionMarkDuplicate:     on(edge{min: triager, next: to(StateDuplicate)}, StateNew, StateNeedsInfo),
	ActionMarkSpam:          on(edge{min: triager, next: to(StateSpam)}, StateNew, StateNeedsInfo),
	ActionTriage:            on(edge{min: triager, next: to(StateTriaged)}, StateNew),
	ActionTrack:             on(edge{min: triager, next: to(StateTracked)}, StateTriaged),
	ActionResolve:           on(edge{min: triager, next: to(StateResolved)}, StateTriaged, StateTracked),
	ActionRequestDisclosure: on(edge{min: responder, next: to(StateDisclosureRequested)}, StateResolved, StateDisclosureRequested),
	ActionAgreeDisclosure:   on(edge{reporter: true}, StateDisclosureRequested),
	ActionObjectDisclosure:  on(edge{reporter: true}, StateDisclosureRequested),
	ActionDisclose:          on(edge{min: responder, next: to(StateDisclosed)}, StateDisclosureRequested),
	ActionDoNotDisclose:     on(edge{min: responder, next: to(StateDoNotDisclose)}, StateResolved, StateDisclosureRequested),
	ActionReopen: {
		StateInvalid:       {min: triager, next: to(StateNew)},
		StateDuplicate:     {min: triager, next: to(StateNew)},
		StateSpam:          {min: admin, next: to(StateNew)},
		StateResolved:      {min: triager, next: reopenResolved},
		StateDoNotDisclose: {min: responder, next: to(StateResolved)},
	},
	ActionAssign:        on(edge{min: triager}, except(StateSpam)...),
	ActionSetCommander:  on(edge{min: triager}, StateTriaged, StateTracked, StateResolved, StateDisclosureRequested),
	ActionComment:       commentRule(),
	ActionSetSeverity:   on(edge{min: triager}, StateNew, StateNeedsInfo, StateTriaged, StateTracked),
	ActionProposeBounty: on(edge{min: triager}, afterTriage...),
	ActionApproveBounty: on(edge{min: responder}, afterTriage...),
	ActionLabel:         on(edge{min: triager}, except(StateSpam)...),
	// From tracked on, and only while the report has a tracking issue:
	// check refuses a report resolved without ever being tracked.
	ActionUpdateTracking: on(edge{min: triager}, StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed, StateDoNotDisclose),
	// Pinging asks someone to act for the team, as a responder may; the
	// reports that have a commander to ping are those being worked.
	ActionPing: on(edge{min: responder}, StateTriaged, StateTracked),
}

// commentRule: members comment anywhere but on spam; so does the reporter,
// except while a question waits for them, when their reply is an answer.
func commentRule() map[State]edge {
	m := on(edge{min: triager, reporter: true}, except(StateSpam)...)
	m[StateNeedsInfo] = edge{min: triager}
	return m
}

// reach is, for each action, the least team role that may take it from
// some state ("" if none may) and whether the reporter may from some state.
var reach = func() map[Action]edge {
	m := make(map[Action]edge, len(rules))
	for act, rule := range rules {
		var r edge
		for _, e := range rule {
			r.reporter = r.reporter || e.reporter
			if e.min != "" && (r.min == "" || r.min.AtLeast(e.min)) {
				r.min = e.min
			}
		}
		m[act] = r
	}
	return m
}()

func reopenResolved(r Report) State {
	if r.TrackingURL != "" {
		return StateTracked
	}
	return StateTriaged
}

// Allowed returns the actions that the actor may take on the report now, in
// the order of Actions. Each succeeds in Apply given good arguments, and a
// time after the reporter's month for a responder's disclose.
func Allowed(r Report, a Actor) []Action {
	var out []Action
	for _, act := range actions {
		if check(r, a, act) == nil {
			out = append(out, act)
		}
	}
	return out
}

// refusal is why an action may not be taken; a conflict's message is built
// by Apply, since it lists the allowed actions.
type refusal struct {
	code string // ward.EFORBIDDEN or ward.ECONFLICT
	msg  string // the EFORBIDDEN message; for ECONFLICT, what besides the state stands in the way
}

// check returns nil when the actor may take the action on the report as it
// is. The action and the state must be known.
func check(r Report, a Actor, act Action) *refusal {
	rule := rules[act]
	if f := never(a, act); f != "" {
		return &refusal{code: ward.EFORBIDDEN, msg: f}
	}
	e, ok := rule[r.State]
	if !ok || (a.Reporter && !e.reporter) || (!a.Reporter && e.min == "") {
		return &refusal{code: ward.ECONFLICT}
	}
	switch {
	case (act == ActionProposeBounty || act == ActionApproveBounty) && r.Bounty.Awarded():
		return &refusal{code: ward.ECONFLICT, msg: "its bounty is already awarded"}
	case act == ActionApproveBounty && r.Bounty == nil:
		return &refusal{code: ward.ECONFLICT, msg: "has no bounty proposal to approve"}
	case act == ActionUpdateTracking && r.TrackingURL == "":
		return &refusal{code: ward.ECONFLICT, msg: "has no tracking issue"}
	}
	if a.Reporter {
		return nil
	}
	switch {
	case !a.Role.AtLeast(e.min):
		return &refusal{code: ward.EFORBIDDEN, msg: fmt.Sprintf("%s of a %s report needs the %s role; you are a %s", act, r.State, e.min, a.Role)}
	case act == ActionApproveBounty && strings.EqualFold(r.Bounty.ProposedBy, a.Email):
		return &refusal{code: ward.EFORBIDDEN, msg: "you proposed this bounty; another responder must approve it"}
	case act == ActionDisclose && r.Disclosure != nil && r.Disclosure.Answer == AnswerObjected && a.Role != admin:
		return &refusal{code: ward.EFORBIDDEN, msg: "the reporter objected to disclosure; only an admin, giving a reason, may disclose over the objection"}
	}
	return nil
}

// never returns why the actor may take the action from no state at all, or
// "".
func never(a Actor, act Action) string {
	r := reach[act]
	switch {
	case a.Reporter && r.reporter:
		return ""
	case a.Reporter:
		return "the reporter may only comment, answer a question, and agree or object to disclosure"
	case !a.Role.Valid():
		return "only the team and the reporter may act on a report"
	case a.Role == ward.RoleViewer:
		return "viewers cannot act on reports"
	case r.min == "":
		return fmt.Sprintf("%s is the reporter's alone, through their link", act)
	case !a.Role.AtLeast(r.min):
		return fmt.Sprintf("%s needs the %s role; you are a %s", act, r.min, a.Role)
	case (act == ActionProposeBounty || act == ActionApproveBounty) && a.Email == "":
		return "bounties are proposed and approved by members named by their email"
	}
	return ""
}

// conflict is the ECONFLICT error for an action the report's state does not
// allow.
func conflict(r Report, a Actor, why string) error {
	allowed := "none"
	if list := Allowed(r, a); len(list) > 0 {
		names := make([]string, len(list))
		for i, act := range list {
			names[i] = string(act)
		}
		allowed = strings.Join(names, ", ")
	}
	if why != "" {
		return ward.Errorf(ward.ECONFLICT, "report is %s and %s; allowed: %s", r.State, why, allowed)
	}
	return ward.Errorf(ward.ECONFLICT, "report is %s; allowed: %s", r.State, allowed)
}
