package workflow

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

func TestBadArguments(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	with := func(s State, a Actor, act Action, edit func(*Request)) (Report, Request) {
		r := fixture(s)
		req := good(r, a, act, at)
		edit(&req)
		return r, req
	}
	unrated := fixture(StateNew)
	tests := []struct {
		name   string
		r      Report
		req    Request
		prefix string
	}{
		{"unknown action", fixture(StateNew), Request{Action: "close", Actor: ada, At: at}, `action: "close" is not an action`},
		{"no time", fixture(StateNew), Request{Action: ActionComment, Actor: ada, Comment: "x"}, "at: the time of the action is required"},
		{"comment without body", fixture(StateNew), Request{Action: ActionComment, Actor: tom, At: at, Comment: " \n\t"}, "comment: comment needs a comment"},
		{"comment with a bad visibility", fixture(StateNew), Request{Action: ActionComment, Actor: tom, At: at, Comment: "x", Visibility: "public"},
			`visibility: "public" is not team or reporter`},
		{"reporter's team-only comment", fixture(StateNew), Request{Action: ActionComment, Actor: reporter, At: at, Comment: "x", Visibility: VisibilityTeam},
			"visibility: the reporter's comments are visible to the reporter"},
		{"bad visibility without a comment", fixture(StateNew), Request{Action: ActionMarkInvalid, Actor: tom, At: at, Visibility: "all"},
			`visibility: "all" is not team or reporter`},
		{"question without a question", fixture(StateNew), Request{Action: ActionRequestInfo, Actor: tom, At: at}, "comment: request_info needs a comment"},
		{"answer without an answer", fixture(StateNeedsInfo), Request{Action: ActionAnswer, Actor: reporter, At: at}, "comment: answer needs a comment"},
		{"ping the reporter can see", fixture(StateTracked), Request{Action: ActionPing, Actor: rob, At: at, Comment: "x", Visibility: VisibilityReporter},
			"visibility: a ping is team-only"},
		{"resolve without a resolution", fixture(StateTracked), Request{Action: ActionResolve, Actor: tom, At: at}, "comment: resolve needs a comment"},
		{"duplicate of nothing", fixture(StateNew), Request{Action: ActionMarkDuplicate, Actor: tom, At: at}, "of: the ID of the original report is required"},
		{"duplicate of itself", fixture(StateNew), Request{Action: ActionMarkDuplicate, Actor: tom, At: at, Of: 7}, "of: a report cannot be a duplicate of itself"},
		{"triage without a rating", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Tier: "1"}, "severity.rating: triage needs a rating"},
		{"triage with a vector but no rating", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Tier: "1", Severity: Severity{Vector: highVector}},
			"severity.rating: required"},
		{"triage with a bad rating", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Tier: "1", Severity: Severity{Rating: "Severe"}},
			`severity.rating: "Severe" is not one of None, Low, Medium, High, Critical`},
		{"triage with a bad vector", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Tier: "1", Severity: Severity{Rating: RatingLow, Vector: "AV:N"}},
			`severity.vector: "AV:N" is not a CVSS vector`},
		{"triage without a tier", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Severity: Severity{Rating: RatingLow}}, "tier: triage needs a tier"},
		{"triage with a bad tier", unrated, Request{Action: ActionTriage, Actor: tom, At: at, Tier: "a\tb", Severity: Severity{Rating: RatingLow}}, `tier: "a\tb" is not a tier name`},
		{"set_severity without a rating", fixture(StateTriaged), Request{Action: ActionSetSeverity, Actor: tom, At: at, Tier: "2"}, "severity.rating: required"},
		{"set_severity with a bad tier", fixture(StateTriaged), Request{Action: ActionSetSeverity, Actor: tom, At: at, Severity: Severity{Rating: RatingLow}, Tier: " \x01 "},
			"tier: "},
		{"track without a URL", fixture(StateTriaged), Request{Action: ActionTrack, Actor: tom, At: at}, `url: "" is not an https URL`},
		{"track over http", fixture(StateTriaged), Request{Action: ActionTrack, Actor: tom, At: at, URL: "http://github.com/acme/security/issues/1"},
			`url: "http://github.com/acme/security/issues/1" is not an https URL`},
		{"track a relative URL", fixture(StateTriaged), Request{Action: ActionTrack, Actor: tom, At: at, URL: "issues/1"}, "url: "},
		{"track with credentials", fixture(StateTriaged), Request{Action: ActionTrack, Actor: tom, At: at, URL: "https://u:p@github.com/a/b/issues/1"}, "url: "},
		{"disclosure of no kind", fixture(StateResolved), Request{Action: ActionRequestDisclosure, Actor: rita, At: at}, `kind: "" is not full or redacted`},
		{"redacted without redactions", fixture(StateResolved), Request{Action: ActionRequestDisclosure, Actor: rita, At: at, Kind: DisclosureRedacted},
			"redactions: a redacted disclosure needs the passages to redact"},
		{"redacted with an empty passage", fixture(StateResolved),
			Request{Action: ActionRequestDisclosure, Actor: rita, At: at, Kind: DisclosureRedacted, Redactions: []string{"host", " "}}, "redactions: passage 2 is empty"},
		{"full with redactions", fixture(StateResolved),
			Request{Action: ActionRequestDisclosure, Actor: rita, At: at, Kind: DisclosureFull, Redactions: []string{"host"}}, "redactions: a full disclosure has none"},
		{"do_not_disclose without a justification", fixture(StateResolved), Request{Action: ActionDoNotDisclose, Actor: rita, At: at, Justification: " "},
			"justification: why the report is not to be disclosed is required"},
		{"assign to a name", fixture(StateNew), Request{Action: ActionAssign, Actor: tom, At: at, Member: "Rob <rob@example.org>"}, `member: "Rob <rob@example.org>" is not a plain address`},
		{"commander not an address", fixture(StateTriaged), Request{Action: ActionSetCommander, Actor: tom, At: at, Member: "rob"}, `member: "rob" is not a plain address`},
		{"empty label", fixture(StateNew), Request{Action: ActionLabel, Actor: tom, At: at, Label: "  "}, "label: must not be empty"},
		{"long label", fixture(StateNew), Request{Action: ActionLabel, Actor: tom, At: at, Label: strings.Repeat("x", 101)}, "label: longer than 100 bytes"},
		{"label with a newline", fixture(StateNew), Request{Action: ActionLabel, Actor: tom, At: at, Label: "a\nb"}, "label: "},
		{"removing Tracked while tracked", fixture(StateTracked), Request{Action: ActionLabel, Actor: tom, At: at, Label: LabelTracked, RemoveLabel: true},
			"label: Tracked stays while the report has a tracking issue"},
		{"update_tracking of nothing", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, Comment: "x"},
			"action: update_tracking needs cve_id, attribution or fix_status"},
		{"CVE id with a two-digit year", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr("CVE-26-1234")},
			`cve_id: "CVE-26-1234" is not a CVE id such as CVE-2026-1234`},
		{"CVE id with three digits", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr("CVE-2026-123")}, "cve_id: "},
		{"CVE id and more", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr("CVE-2026-1234, CVE-2026-1235")}, "cve_id: "},
		{"not a CVE id", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr("GHSA-xxxx-yyyy-zzzz")}, "cve_id: "},
		{"long attribution", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, Attribution: ptr(strings.Repeat("x", 201))},
			"attribution: longer than 200 bytes"},
		{"attribution with an escape", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, Attribution: ptr("Rae\x1b[31m")},
			"attribution: holds the control character U+001B"},
		{"unknown fix status", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, FixStatus: "done"},
			`fix_status: "done" is not one of planning, development, embargo, released, published`},
		{"fix status back, by a triager", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, FixStatus: FixPlanning, Reason: "x"},
			"fix_status: the fix status moves forward only, planning → development → embargo → released → published; only an admin, giving a reason, may move it back from development to planning"},
		{"fix status back, by a responder", fixture(StateDisclosed), Request{Action: ActionUpdateTracking, Actor: rob, At: at, FixStatus: FixPlanning, Reason: "x"},
			"fix_status: the fix status moves forward only"},
		{"fix status back, by an admin without a reason", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: ada, At: at, FixStatus: FixPlanning, Reason: " "},
			"reason: the fix status moves forward only, planning → development → embargo → released → published; give a reason to move it back from development to planning"},
		{"fix status back, with a comment to the reporter", fixture(StateTracked),
			Request{Action: ActionUpdateTracking, Actor: ada, At: at, FixStatus: FixPlanning, Reason: "pulled", Comment: "x", Visibility: VisibilityReporter},
			"visibility: the reason for moving the fix status back is team-only"},
	}
	bounty := func(edit func(*Request)) (Report, Request) {
		return with(StateTriaged, tom, ActionProposeBounty, edit)
	}
	for _, b := range []struct {
		name   string
		edit   func(*Request)
		prefix string
	}{
		{"zero", func(r *Request) { r.Amount = 0 }, "amount: must be a positive number of minor units"},
		{"negative with a reason", func(r *Request) { r.Amount, r.Reason = -5, "why not" }, "amount: must be a positive number"},
		{"lower-case currency", func(r *Request) { r.Currency = "usd" }, `currency: "usd" is not three upper-case letters`},
		{"long currency", func(r *Request) { r.Currency = "USDT" }, "currency: "},
		{"no currency", func(r *Request) { r.Currency = "" }, "currency: "},
		{"off the table", func(r *Request) { r.Amount = 150000 }, `amount: tier "1" pays 100000 USD for High; give a reason for 150000 USD`},
		{"other currency", func(r *Request) { r.Currency = "EUR" }, `amount: tier "1" pays 100000 USD for High; give a reason for 100000 EUR`},
		{"no table", func(r *Request) { r.Table = nil }, `amount: tier "1" has no bounty for a High rating; give a reason`},
		{"no rating", func(r *Request) { r.Amount, r.Currency = 100, "USD" }, `amount: tier "1" has no bounty for a missing rating; give a reason for 100 USD`},
	} {
		r, req := bounty(b.edit)
		if b.name == "no rating" {
			r.Severity = Severity{} // a report imported from elsewhere
		}
		tests = append(tests, struct {
			name   string
			r      Report
			req    Request
			prefix string
		}{"bounty " + b.name, r, req, b.prefix})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deepCopy(tt.r)
			got, ev, err := Apply(tt.r, tt.req)
			wantCode(t, err, ward.EINVALID, tt.prefix)
			if d := cmp.Diff(before, got); d != "" {
				t.Errorf("refused Apply returned a changed report (-want +got):\n%s", d)
			}
			if d := cmp.Diff(Event{}, ev); d != "" {
				t.Errorf("refused Apply returned an event:\n%s", d)
			}
		})
	}
}

func TestBountyOffTheTableWithAReason(t *testing.T) {
	r := fixture(StateResolved)
	r.Bounty = nil
	at := utc("2026-03-15T12:00:00Z")
	got, _, err := Apply(r, Request{Action: ActionProposeBounty, Actor: tom, At: at, Amount: 150000, Currency: "USD",
		Table: tableTier1, Reason: " chained with a second bug "})
	if err != nil {
		t.Fatal(err)
	}
	want := &Bounty{Amount: 150000, Currency: "USD", Reason: "chained with a second bug", ProposedBy: tom.Email, ProposedAt: at}
	if d := cmp.Diff(want, got.Bounty); d != "" {
		t.Errorf("bounty (-want +got):\n%s", d)
	}
	// A new proposal replaces a pending one, and its proposer may not
	// approve it while the first proposer now may.
	got, _, err = Apply(got, Request{Action: ActionProposeBounty, Actor: rob, At: at, Amount: 100000, Currency: "USD", Table: tableTier1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Apply(got, Request{Action: ActionApproveBounty, Actor: rob, At: at}); ward.ErrorCode(err) != ward.EFORBIDDEN {
		t.Errorf("proposer's approval: %v, want forbidden", err)
	}
	got, _, err = Apply(got, Request{Action: ActionApproveBounty, Actor: rita, At: at})
	if err != nil || !got.Bounty.Awarded() || got.Bounty.Reason != "" || got.Bounty.ProposedBy != rob.Email || got.Bounty.ApprovedBy != rita.Email {
		t.Errorf("approve: %+v, %v", got.Bounty, err)
	}
}

func TestFieldChanges(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	tests := []struct {
		name    string
		r       Report
		req     Request
		check   func(Report) bool
		changes []Change
	}{
		{"mark duplicate", fixture(StateNew), Request{Action: ActionMarkDuplicate, Actor: tom, At: at, Of: 3},
			func(r Report) bool { return r.DuplicateOf == 3 }, []Change{{"duplicate_of", "", "3"}}},
		{"reopen a duplicate", fixture(StateDuplicate), Request{Action: ActionReopen, Actor: tom, At: at},
			func(r Report) bool { return r.DuplicateOf == 0 }, []Change{{"duplicate_of", "3", ""}}},
		{"reopen do_not_disclose", fixture(StateDoNotDisclose), Request{Action: ActionReopen, Actor: rob, At: at},
			func(r Report) bool { return r.Disclosure == nil && r.State == StateResolved }, []Change{{"disclosure", "not to be disclosed", ""}}},
		{"do_not_disclose instead of a request", fixture(StateResolved), Request{Action: ActionDoNotDisclose, Actor: rob, At: at, Justification: " shared code "},
			func(r Report) bool { return r.Disclosure.Justification == "shared code" && r.Disclosure.Kind == "" },
			[]Change{{"disclosure", "", "not to be disclosed"}}},
		{"do_not_disclose after a request", fixture(StateDisclosureRequested), Request{Action: ActionDoNotDisclose, Actor: rob, At: at, Justification: "shared code"},
			func(r Report) bool {
				return r.Disclosure.Justification == "shared code" && r.Disclosure.Kind == DisclosureFull
			},
			[]Change{{"disclosure", "full requested", "not to be disclosed"}}},
		{"request again, redacted", objectedReport(), Request{Action: ActionRequestDisclosure, Actor: rob, At: at, Kind: DisclosureRedacted, Redactions: []string{"the host"}},
			func(r Report) bool {
				d := r.Disclosure
				return d.Kind == DisclosureRedacted && d.Answer == "" && d.RequestedAt.Equal(at) && cmp.Equal(d.Redactions, []string{"the host"})
			},
			[]Change{{"disclosure", "full requested, reporter objected", "redacted requested"}}},
		{"reporter changes their mind", objectedReport(), Request{Action: ActionAgreeDisclosure, Actor: reporter, At: at},
			func(r Report) bool { return r.Disclosure.Answer == AnswerAgreed && r.Disclosure.AnsweredAt.Equal(at) },
			[]Change{{"disclosure", "full requested, reporter objected", "full requested, reporter agreed"}}},
		{"admin discloses early", fixture(StateDisclosureRequested), Request{Action: ActionDisclose, Actor: ada, At: utc("2026-02-01T00:00:00Z"), Reason: " fix is public "},
			func(r Report) bool {
				return r.Disclosure.Reason == "fix is public" && r.Disclosure.DisclosedAt.Equal(utc("2026-02-01T00:00:00Z"))
			},
			[]Change{{"disclosure", "full requested", "full disclosed"}}},
		{"set severity and tier", fixture(StateTracked), Request{Action: ActionSetSeverity, Actor: tom, At: at, Severity: Severity{Rating: "CRITICAL"}, Tier: " 2 "},
			func(r Report) bool { return r.Severity == Severity{Rating: RatingCritical} && r.Tier == "2" },
			[]Change{{"severity", "High " + highVector, "Critical"}, {"tier", "1", "2"}}},
		{"set severity keeps the tier", fixture(StateTracked), Request{Action: ActionSetSeverity, Actor: tom, At: at, Severity: Severity{Rating: RatingHigh, Vector: highVector}},
			func(r Report) bool { return r.Tier == "1" }, nil},
		{"triage with the severity set before", withSeverity(fixture(StateNew)), Request{Action: ActionTriage, Actor: tom, At: at, Tier: "3"},
			func(r Report) bool { return r.Severity.Rating == RatingLow && r.Tier == "3" }, []Change{{"tier", "", "3"}}},
		{"unassign", fixture(StateNew), Request{Action: ActionAssign, Actor: tom, At: at},
			func(r Report) bool { return r.Assignee == "" }, []Change{{"assignee", "tom@example.org", ""}}},
		{"assign the assignee", fixture(StateNew), Request{Action: ActionAssign, Actor: tom, At: at, Member: "TOM@example.org"},
			func(r Report) bool { return r.Assignee == "tom@example.org" }, nil},
		{"add a label twice", fixture(StateTracked), Request{Action: ActionLabel, Actor: tom, At: at, Label: "kubelet"},
			func(r Report) bool { return cmp.Equal(r.Labels, []string{"kubelet", LabelTracked}) }, nil},
		{"add a label", fixture(StateTracked), Request{Action: ActionLabel, Actor: tom, At: at, Label: " cve-requested "},
			func(r Report) bool { return cmp.Equal(r.Labels, []string{"kubelet", LabelTracked, "cve-requested"}) },
			[]Change{{"labels", "kubelet, Tracked", "kubelet, Tracked, cve-requested"}}},
		{"remove a label", fixture(StateTracked), Request{Action: ActionLabel, Actor: tom, At: at, Label: "kubelet", RemoveLabel: true},
			func(r Report) bool { return cmp.Equal(r.Labels, []string{LabelTracked}) }, []Change{{"labels", "kubelet, Tracked", "Tracked"}}},
		{"remove Tracked with no tracking issue", untracked(), Request{Action: ActionLabel, Actor: tom, At: at, Label: LabelTracked, RemoveLabel: true},
			func(r Report) bool { return len(r.Labels) == 0 }, []Change{{"labels", "Tracked", ""}}},
		{"track keeps a Tracked label", untracked(), Request{Action: ActionTrack, Actor: tom, At: at, URL: "https://github.com/acme/security/issues/9"},
			func(r Report) bool { return cmp.Equal(r.Labels, []string{LabelTracked}) && r.State == StateTracked },
			[]Change{{"tracking_url", "", "https://github.com/acme/security/issues/9"}, {"fix_status", "", "planning"}}},
		{"a CVE id only", fixture(StateTracked), Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr(" cve-2026-100001 ")},
			func(r Report) bool {
				return r.CVE == "CVE-2026-100001" && r.Attribution == "" && r.FixStatus == FixDevelopment
			},
			[]Change{{"cve_id", "", "CVE-2026-100001"}}},
		{"clear the CVE id and attribution", withTrackingFields(fixture(StateResolved)),
			Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr(""), Attribution: ptr(" ")},
			func(r Report) bool { return r.CVE == "" && r.Attribution == "" && r.FixStatus == FixDevelopment },
			[]Change{{"cve_id", "CVE-2026-1234", ""}, {"attribution", "Rae Okafor", ""}}},
		{"the same fields again", withTrackingFields(fixture(StateResolved)),
			Request{Action: ActionUpdateTracking, Actor: tom, At: at, CVE: ptr("cve-2026-1234"), Attribution: ptr("Rae Okafor"), FixStatus: FixDevelopment},
			func(r Report) bool { return r.CVE == "CVE-2026-1234" && r.FixStatus == FixDevelopment }, nil},
		{"skip to released", fixture(StateDoNotDisclose), Request{Action: ActionUpdateTracking, Actor: tom, At: at, FixStatus: FixReleased},
			func(r Report) bool { return r.FixStatus == FixReleased }, []Change{{"fix_status", "development", "released"}}},
		{"a fix status on a report tracked before there were any", noFixStatus(), Request{Action: ActionUpdateTracking, Actor: tom, At: at, FixStatus: FixEmbargo},
			func(r Report) bool { return r.FixStatus == FixEmbargo }, []Change{{"fix_status", "", "embargo"}}},
		{"an admin moves the fix status back", fixture(StateDisclosed),
			Request{Action: ActionUpdateTracking, Actor: ada, At: at, FixStatus: FixPlanning, Reason: " the patch broke upgrades "},
			func(r Report) bool { return r.FixStatus == FixPlanning }, []Change{{"fix_status", "development", "planning"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deepCopy(tt.r)
			got, ev, err := Apply(tt.r, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(before, tt.r); d != "" {
				t.Errorf("Apply changed its argument (-before +after):\n%s", d)
			}
			if !tt.check(got) {
				t.Errorf("report after %s: %+v", tt.req.Action, got)
			}
			if d := cmp.Diff(tt.changes, ev.Changes); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
		})
	}
}

func objectedReport() Report {
	r := fixture(StateDisclosureRequested)
	r.Disclosure.Answer, r.Disclosure.AnsweredAt = AnswerObjected, utc("2026-02-01T00:00:00Z")
	return r
}

func withSeverity(r Report) Report {
	r.Severity = Severity{Rating: RatingLow}
	return r
}

func withTrackingFields(r Report) Report {
	r.CVE, r.Attribution = "CVE-2026-1234", "Rae Okafor"
	return r
}

// noFixStatus is a report tracked before ward kept fix statuses.
func noFixStatus() Report {
	r := fixture(StateTracked)
	r.FixStatus = ""
	return r
}

// A fix status moved back keeps its reason on the event, for the team only.
func TestFixStatusBackKeepsTheReason(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	for _, tt := range []struct {
		name, comment, want string
	}{
		{"reason only", "", "Moved the fix status back: the patch broke upgrades"},
		{"with a comment", "Reopening the fix.", "Reopening the fix.\n\nMoved the fix status back: the patch broke upgrades"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ev, err := Apply(fixture(StateResolved), Request{Action: ActionUpdateTracking, Actor: ada, At: at, FixStatus: FixPlanning,
				Reason: " the patch broke upgrades ", Comment: tt.comment})
			if err != nil {
				t.Fatal(err)
			}
			if ev.Comment != tt.want || ev.Visibility != VisibilityTeam {
				t.Errorf("event comment %q %q, want %q team", ev.Comment, ev.Visibility, tt.want)
			}
		})
	}
}

// untracked is a triaged report that carries the Tracked label by hand.
func untracked() Report {
	r := fixture(StateTriaged)
	r.Labels = []string{LabelTracked}
	return r
}

func TestBrokenReports(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	for _, r := range []Report{{ID: 1, State: "open"}, {ID: 2, State: StateDisclosureRequested}} {
		_, _, err := Apply(r, Request{Action: ActionComment, Actor: ada, At: at, Comment: "x"})
		if ward.ErrorCode(err) != ward.EINTERNAL {
			t.Errorf("report %+v: %v, want an internal error", r, err)
		}
	}
}
