package workflow

import (
	"slices"
	"testing"

	"github.com/wardsec/ward"
)

func TestViewerCannotAct(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	for _, a := range []Actor{vic, stranger} {
		for _, s := range States() {
			r := fixture(s)
			if got := Allowed(r, a); len(got) != 0 {
				t.Errorf("Allowed(%s, %s) = %v, want none", s, a.Email, got)
			}
			for _, act := range Actions() {
				_, _, err := Apply(r, good(r, a, act, at))
				if ward.ErrorCode(err) != ward.EFORBIDDEN {
					t.Errorf("%s %s on %s: %v, want forbidden", a.Email, act, s, err)
				}
			}
		}
	}
}

func TestRoles(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z") // after the fixtures' disclosure month
	early := utc("2026-02-10T12:00:00Z")
	objected := fixture(StateDisclosureRequested)
	objected.Disclosure.Answer, objected.Disclosure.AnsweredAt = AnswerObjected, utc("2026-02-01T00:00:00Z")
	tests := []struct {
		name   string
		r      Report
		req    Request
		code   string // "" for success
		prefix string
	}{
		{"triager triages", fixture(StateNew), good(fixture(StateNew), tom, ActionTriage, at), "", ""},
		{"triager proposes a bounty", fixture(StateTriaged), good(fixture(StateTriaged), tom, ActionProposeBounty, at), "", ""},
		{"triager approves a bounty", fixture(StateTriaged), good(fixture(StateTriaged), tom, ActionApproveBounty, at),
			ward.EFORBIDDEN, "approve_bounty needs the responder role; you are a triager"},
		{"triager approves in new", fixture(StateNew), good(fixture(StateNew), tom, ActionApproveBounty, at),
			ward.EFORBIDDEN, "approve_bounty needs the responder role"},
		{"triager discloses", fixture(StateDisclosureRequested), good(fixture(StateDisclosureRequested), tom, ActionDisclose, at),
			ward.EFORBIDDEN, "disclose needs the responder role; you are a triager"},
		{"triager requests disclosure", fixture(StateResolved), good(fixture(StateResolved), tom, ActionRequestDisclosure, at),
			ward.EFORBIDDEN, "request_disclosure needs the responder role"},
		{"triager decides not to disclose", fixture(StateResolved), good(fixture(StateResolved), tom, ActionDoNotDisclose, at),
			ward.EFORBIDDEN, "do_not_disclose needs the responder role"},
		{"triager reopens invalid", fixture(StateInvalid), good(fixture(StateInvalid), tom, ActionReopen, at), "", ""},
		{"triager reopens spam", fixture(StateSpam), good(fixture(StateSpam), tom, ActionReopen, at),
			ward.EFORBIDDEN, "reopen of a spam report needs the admin role; you are a triager"},
		{"responder reopens spam", fixture(StateSpam), good(fixture(StateSpam), rob, ActionReopen, at),
			ward.EFORBIDDEN, "reopen of a spam report needs the admin role; you are a responder"},
		{"admin reopens spam", fixture(StateSpam), good(fixture(StateSpam), ada, ActionReopen, at), "", ""},
		{"triager reopens do_not_disclose", fixture(StateDoNotDisclose), good(fixture(StateDoNotDisclose), tom, ActionReopen, at),
			ward.EFORBIDDEN, "reopen of a do_not_disclose report needs the responder role"},
		{"triager pings", fixture(StateTracked), good(fixture(StateTracked), tom, ActionPing, at),
			ward.EFORBIDDEN, "ping needs the responder role; you are a triager"},
		{"responder pings", fixture(StateTracked), good(fixture(StateTracked), rob, ActionPing, at), "", ""},
		{"responder approves", fixture(StateTriaged), good(fixture(StateTriaged), rob, ActionApproveBounty, at), "", ""},
		{"proposer approves", fixture(StateTriaged), good(fixture(StateTriaged), rita, ActionApproveBounty, at),
			ward.EFORBIDDEN, "you proposed this bounty; another responder must approve it"},
		{"proposer approves, other case", fixture(StateTriaged),
			good(fixture(StateTriaged), Actor{Email: "RITA@example.org", Role: ward.RoleAdmin}, ActionApproveBounty, at),
			ward.EFORBIDDEN, "you proposed this bounty"},
		{"ward itself proposes", fixture(StateTriaged), good(fixture(StateTriaged), system, ActionProposeBounty, at),
			ward.EFORBIDDEN, "bounties are proposed and approved by members named by their email"},
		{"responder discloses after the month", fixture(StateDisclosureRequested),
			Request{Action: ActionDisclose, Actor: rob, At: utc("2026-02-28T10:00:00Z")}, "", ""},
		{"responder discloses early", fixture(StateDisclosureRequested),
			Request{Action: ActionDisclose, Actor: rob, At: early, Reason: "please"},
			ward.EINVALID, "at: the reporter has until 2026-02-28 10:00 UTC to answer"},
		{"responder discloses a second early", fixture(StateDisclosureRequested),
			Request{Action: ActionDisclose, Actor: rob, At: utc("2026-02-28T09:59:59.999999999Z")},
			ward.EINVALID, "at: "},
		{"responder discloses over an objection", objected, Request{Action: ActionDisclose, Actor: rob, At: at, Reason: "public anyway"},
			ward.EFORBIDDEN, "the reporter objected to disclosure; only an admin"},
		{"admin discloses early with a reason", fixture(StateDisclosureRequested),
			Request{Action: ActionDisclose, Actor: ada, At: early, Reason: "the fix is public"}, "", ""},
		{"admin discloses early without a reason", fixture(StateDisclosureRequested),
			Request{Action: ActionDisclose, Actor: ada, At: early, Reason: "  "},
			ward.EINVALID, "reason: the reporter has until 2026-02-28 10:00 UTC to answer; give a reason"},
		{"admin discloses over an objection with a reason", objected,
			Request{Action: ActionDisclose, Actor: ada, At: early, Reason: "already public elsewhere"}, "", ""},
		{"admin discloses over an objection without a reason", objected,
			Request{Action: ActionDisclose, Actor: ada, At: at},
			ward.EINVALID, "reason: the reporter objected"},
		{"responder discloses early with agreement", agreed(), Request{Action: ActionDisclose, Actor: rob, At: early}, "", ""},
		{"reporter comments", fixture(StateTracked), Request{Action: ActionComment, Actor: reporter, At: at, Comment: "news?"}, "", ""},
		{"reporter answers", fixture(StateNeedsInfo), Request{Action: ActionAnswer, Actor: reporter, At: at, Comment: "1.31"}, "", ""},
		{"reporter comments instead of answering", fixture(StateNeedsInfo),
			Request{Action: ActionComment, Actor: reporter, At: at, Comment: "1.31"},
			ward.ECONFLICT, "report is needs_info; allowed: answer"},
		{"reporter agrees", fixture(StateDisclosureRequested), Request{Action: ActionAgreeDisclosure, Actor: reporter, At: at}, "", ""},
		{"reporter objects", fixture(StateDisclosureRequested), Request{Action: ActionObjectDisclosure, Actor: reporter, At: at}, "", ""},
		{"reporter agrees too early", fixture(StateResolved), Request{Action: ActionAgreeDisclosure, Actor: reporter, At: at},
			ward.ECONFLICT, "report is resolved; allowed: comment"},
		{"reporter triages", fixture(StateNew), good(fixture(StateNew), reporter, ActionTriage, at),
			ward.EFORBIDDEN, "the reporter may only comment, answer a question, and agree or object to disclosure"},
		{"reporter discloses", fixture(StateDisclosureRequested), good(fixture(StateDisclosureRequested), reporter, ActionDisclose, at),
			ward.EFORBIDDEN, "the reporter may only"},
		{"admin agrees for the reporter", fixture(StateDisclosureRequested), Request{Action: ActionAgreeDisclosure, Actor: ada, At: at},
			ward.EFORBIDDEN, "agree_disclosure is the reporter's alone"},
		{"triager updates tracking", fixture(StateTracked), good(fixture(StateTracked), tom, ActionUpdateTracking, at), "", ""},
		{"triager moves the fix status back", fixture(StateTracked),
			Request{Action: ActionUpdateTracking, Actor: tom, At: at, FixStatus: FixPlanning, Reason: "the release was pulled"},
			ward.EINVALID, "fix_status: the fix status moves forward only"},
		{"responder moves the fix status back", fixture(StateDisclosed),
			Request{Action: ActionUpdateTracking, Actor: rob, At: at, FixStatus: FixPlanning, Reason: "the release was pulled"},
			ward.EINVALID, "fix_status: the fix status moves forward only"},
		{"admin moves the fix status back with a reason", fixture(StateDisclosed),
			Request{Action: ActionUpdateTracking, Actor: ada, At: at, FixStatus: FixPlanning, Reason: "the release was pulled"}, "", ""},
		{"ward itself moves the fix status back with a reason", fixture(StateTracked),
			Request{Action: ActionUpdateTracking, Actor: system, At: at, FixStatus: FixPlanning, Reason: "the release was pulled"}, "", ""},
		{"reporter sets their attribution", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: reporter, At: at, Attribution: ptr("Rae")},
			ward.EFORBIDDEN, "the reporter may only"},
		{"member answers a team-only question", fixture(StateNeedsInfo), Request{Action: ActionAnswer, Actor: tom, At: at, Comment: "It is 1.31."}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deepCopy(tt.r)
			_, _, err := Apply(tt.r, tt.req)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
			} else {
				wantCode(t, err, tt.code, tt.prefix)
			}
			allowed := slices.Contains(Allowed(before, tt.req.Actor), tt.req.Action)
			if code := ward.ErrorCode(err); allowed != (code == "" || code == ward.EINVALID) {
				t.Errorf("Allowed has %s: %v, but Apply: %v", tt.req.Action, allowed, err)
			}
		})
	}
}

func agreed() Report {
	r := fixture(StateDisclosureRequested)
	r.Disclosure.Answer, r.Disclosure.AnsweredAt = AnswerAgreed, utc("2026-02-01T00:00:00Z")
	return r
}

func TestVisible(t *testing.T) {
	for _, s := range States() {
		r := fixture(s)
		for _, a := range []Actor{ada, rita, tom, vic, reporter, {Email: "x@example.org", Role: ward.RoleAdmin, Reporter: true}} {
			want := s != StateSpam || a == ada
			if got := Visible(r, a); got != want {
				t.Errorf("Visible(%s, %+v) = %v, want %v", s, a, got, want)
			}
		}
	}
}
