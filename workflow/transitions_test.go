package workflow

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// Cells of the matrix: the next state, or ok (allowed, the state stays), or
// no (refused).
const (
	ok  State = "="
	no  State = "-"
	nw        = StateNew
	ni        = StateNeedsInfo
	inv       = StateInvalid
	dup       = StateDuplicate
	spm       = StateSpam
	tri       = StateTriaged
	trk       = StateTracked
	res       = StateResolved
	drq       = StateDisclosureRequested
	dis       = StateDisclosed
	dnd       = StateDoNotDisclose
)

// matrix is the package doc's table, for the fixtures: one row per action,
// one cell per state in the order of States. A new state or action without
// its cells fails TestMatrixIsComplete.
var matrix = map[Action][]State{
	//                        new  info inv  dup  spam tri  trk  res  req  disc dnd
	ActionRequestInfo:       {ni, no, no, no, no, no, no, no, no, no, no},
	ActionAnswer:            {no, nw, no, no, no, no, no, no, no, no, no},
	ActionMarkInvalid:       {inv, inv, no, no, no, no, no, no, no, no, no},
	ActionMarkDuplicate:     {dup, dup, no, no, no, no, no, no, no, no, no},
	ActionMarkSpam:          {spm, spm, no, no, no, no, no, no, no, no, no},
	ActionTriage:            {tri, no, no, no, no, no, no, no, no, no, no},
	ActionTrack:             {no, no, no, no, no, trk, no, no, no, no, no},
	ActionResolve:           {no, no, no, no, no, res, res, no, no, no, no},
	ActionRequestDisclosure: {no, no, no, no, no, no, no, drq, drq, no, no},
	ActionAgreeDisclosure:   {no, no, no, no, no, no, no, no, ok, no, no},
	ActionObjectDisclosure:  {no, no, no, no, no, no, no, no, ok, no, no},
	ActionDisclose:          {no, no, no, no, no, no, no, no, dis, no, no},
	ActionDoNotDisclose:     {no, no, no, no, no, no, no, dnd, dnd, no, no},
	ActionReopen:            {no, no, nw, nw, nw, no, no, trk, no, no, res},
	ActionAssign:            {ok, ok, ok, ok, no, ok, ok, ok, ok, ok, ok},
	ActionSetCommander:      {no, no, no, no, no, ok, ok, ok, ok, no, no},
	ActionComment:           {ok, ok, ok, ok, no, ok, ok, ok, ok, ok, ok},
	ActionSetSeverity:       {ok, ok, no, no, no, ok, ok, no, no, no, no},
	ActionProposeBounty:     {no, no, no, no, no, ok, ok, ok, ok, ok, ok},
	ActionApproveBounty:     {no, no, no, no, no, ok, ok, ok, ok, ok, ok},
	ActionLabel:             {ok, ok, ok, ok, no, ok, ok, ok, ok, ok, ok},
	ActionUpdateTracking:    {no, no, no, no, no, no, ok, ok, ok, ok, ok},
	ActionPing:              {no, no, no, no, no, ok, ok, no, no, no, no},
}

// reporterOnly are the actions no team member may take.
var reporterOnly = map[Action]bool{ActionAgreeDisclosure: true, ActionObjectDisclosure: true}

// capable is an actor who may take the action wherever the state allows it.
func capable(act Action) Actor {
	if reporterOnly[act] {
		return reporter
	}
	return ada
}

// reporterMay is what the reporter may do in each state.
var reporterMay = map[State][]Action{
	StateNeedsInfo:           {ActionAnswer},
	StateDisclosureRequested: {ActionAgreeDisclosure, ActionObjectDisclosure, ActionComment},
	StateSpam:                nil,
}

func reporterAllowed(s State) []Action {
	if list, ok := reporterMay[s]; ok {
		return list
	}
	return []Action{ActionComment}
}

// adminAllowed is what an admin may do in each state, read from the matrix.
func adminAllowed(s State) []Action {
	var list []Action
	for _, act := range Actions() {
		if !reporterOnly[act] && matrix[act][stateIndex(s)] != no {
			list = append(list, act)
		}
	}
	return list
}

func TestMatrixIsComplete(t *testing.T) {
	for _, act := range Actions() {
		row, ok := matrix[act]
		if !ok {
			t.Errorf("matrix has no row for %s", act)
			continue
		}
		if len(row) != len(States()) {
			t.Errorf("matrix row %s has %d cells, want one for each of the %d states", act, len(row), len(States()))
		}
	}
	if len(matrix) != len(Actions()) {
		t.Errorf("matrix has %d rows, want %d: a row for an unknown action", len(matrix), len(Actions()))
	}
	if len(rules) != len(Actions()) {
		t.Errorf("rules has %d actions, Actions %d", len(rules), len(Actions()))
	}
}

// Every (state, action) pair: allowed ones reach the documented state,
// the others are ECONFLICT naming the state and the allowed actions.
func TestEveryStateAndAction(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	for i, s := range States() {
		for _, act := range Actions() {
			t.Run(string(s)+"/"+string(act), func(t *testing.T) {
				want := matrix[act][i]
				a := capable(act)
				r := fixture(s)
				before := deepCopy(r)
				got, ev, err := Apply(r, good(r, a, act, at))
				if d := cmp.Diff(before, r); d != "" {
					t.Fatalf("Apply changed its argument (-before +after):\n%s", d)
				}
				if want == no {
					wantList := adminAllowed(s)
					if a.Reporter {
						wantList = reporterAllowed(s)
					}
					wantCode(t, err, ward.ECONFLICT, fmt.Sprintf("report is %s", s))
					if msg := ward.ErrorMessage(err); msg != conflictMessage(s, wantList) {
						t.Errorf("message = %q, want %q", msg, conflictMessage(s, wantList))
					}
					if d := cmp.Diff(r, got); d != "" {
						t.Errorf("refused Apply returned a changed report (-r +got):\n%s", d)
					}
					return
				}
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if want == ok {
					want = s
				}
				if got.State != want || ev.From != s || ev.To != want {
					t.Errorf("state %s, event %s -> %s; want %s -> %s", got.State, ev.From, ev.To, s, want)
				}
			})
		}
	}
}

func conflictMessage(s State, allowed []Action) string {
	if len(allowed) == 0 {
		return fmt.Sprintf("report is %s; allowed: none", s)
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return fmt.Sprintf("report is %s; allowed: %s", s, strings.Join(names, ", "))
}

// Allowed, for the admin and the reporter, is the matrix's list, in the
// order of Actions.
func TestAllowedFollowsTheMatrix(t *testing.T) {
	for _, s := range States() {
		r := fixture(s)
		if d := cmp.Diff(adminAllowed(s), Allowed(r, ada)); d != "" {
			t.Errorf("Allowed(%s, admin) (-want +got):\n%s", s, d)
		}
		if d := cmp.Diff(reporterAllowed(s), Allowed(r, reporter)); d != "" {
			t.Errorf("Allowed(%s, reporter) (-want +got):\n%s", s, d)
		}
	}
}

// The fixtures of triaged and later states hold a pending bounty; once it
// is awarded neither bounty action is allowed, and the conflict says why.
func TestAwardedBountyIsFinal(t *testing.T) {
	r := fixture(StateTracked)
	at := utc("2026-03-15T12:00:00Z")
	r, _, err := Apply(r, Request{Action: ActionApproveBounty, Actor: rob, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Bounty.Awarded() {
		t.Fatalf("bounty %+v not awarded", r.Bounty)
	}
	for _, act := range []Action{ActionProposeBounty, ActionApproveBounty} {
		_, _, err := Apply(r, good(r, ada, act, at))
		wantCode(t, err, ward.ECONFLICT, "report is tracked and its bounty is already awarded; allowed: resolve,")
	}
	r.Bounty = nil
	_, _, err = Apply(r, good(r, ada, ActionApproveBounty, at))
	wantCode(t, err, ward.ECONFLICT, "report is tracked and has no bounty proposal to approve; allowed: resolve,")
}

func TestReopenResolvedWithoutTrackingIssue(t *testing.T) {
	r := fixture(StateResolved)
	r.TrackingURL, r.Labels = "", nil
	got, _, err := Apply(r, Request{Action: ActionReopen, Actor: tom, At: utc("2026-03-15T12:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateTriaged {
		t.Errorf("state = %s, want triaged", got.State)
	}
}

// The fixtures of tracked and later states have a tracking issue; a report
// resolved without one has no tracking fields to update.
func TestUpdateTrackingNeedsATrackingIssue(t *testing.T) {
	r := fixture(StateResolved)
	r.TrackingURL, r.Labels, r.FixStatus = "", nil, ""
	_, _, err := Apply(r, good(r, ada, ActionUpdateTracking, utc("2026-03-15T12:00:00Z")))
	wantCode(t, err, ward.ECONFLICT, "report is resolved and has no tracking issue; allowed: request_disclosure,")
	if slices.Contains(Allowed(r, ada), ActionUpdateTracking) {
		t.Errorf("Allowed(%+v) has update_tracking", r)
	}
}

// The package doc's matrix says what the test's matrix says.
func TestDocMatrix(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]State{"new": nw, "info": ni, "inv": inv, "dup": dup, "spam": spm, "tri": tri, "trk": trk,
		"trk*": trk, "res": res, "req": drq, "disc": dis, "dnd": dnd, "=": ok, "=b": ok, "=t": ok, "-": no}
	seen := map[Action]bool{}
	_, table, found := strings.Cut(string(src), "//\taction ")
	table, _, _ = strings.Cut(table, "\n//\n")
	if !found {
		t.Fatal("doc.go has no matrix: no line starting with action")
	}
	for _, line := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(strings.TrimPrefix(line, "//\t"))
		act := Action(f[0])
		row, isRow := matrix[act]
		if !isRow {
			t.Errorf("doc row %q is not an action", f[0])
			continue
		}
		seen[act] = true
		if len(f)-1 != len(row) {
			t.Errorf("doc row %s has %d cells, want %d", act, len(f)-1, len(row))
			continue
		}
		for i, cell := range f[1:] {
			if got, ok := doc[cell]; !ok || got != row[i] {
				t.Errorf("doc: %s from %s is %q, want %s", act, States()[i], cell, row[i])
			}
		}
	}
	for _, act := range Actions() {
		if !seen[act] {
			t.Errorf("doc has no matrix row for %s", act)
		}
	}
}

// A report's life along the runbook, with the events it leaves.
func TestRunbookLife(t *testing.T) {
	day := func(n int) time.Time { return utc("2026-01-05T09:00:00Z").AddDate(0, 0, n) }
	r := Report{ID: 42, State: StateNew}
	steps := []struct {
		req     Request
		state   State
		changes []Change
	}{
		{Request{Action: ActionRequestInfo, Actor: tom, At: day(0), Comment: "Which version?", Visibility: VisibilityReporter}, ni, nil},
		{Request{Action: ActionAnswer, Actor: reporter, At: day(1), Comment: "1.31.0"}, nw, nil},
		{Request{Action: ActionAssign, Actor: tom, At: day(1), Member: "Rita@example.org"}, nw,
			[]Change{{"assignee", "", "rita@example.org"}}},
		{Request{Action: ActionTriage, Actor: rita, At: day(2), Severity: Severity{Rating: "high", Vector: highVector}, Tier: "1"}, tri,
			[]Change{{"severity", "", "High " + highVector}, {"tier", "", "1"}}},
		{Request{Action: ActionProposeBounty, Actor: rita, At: day(2), Amount: 100000, Currency: "USD", Table: tableTier1}, tri,
			[]Change{{"bounty", "", "100000 USD proposed"}}},
		{Request{Action: ActionApproveBounty, Actor: rob, At: day(3)}, tri,
			[]Change{{"bounty", "100000 USD proposed", "100000 USD awarded"}}},
		{Request{Action: ActionSetCommander, Actor: tom, At: day(3), Member: "rita@example.org"}, tri,
			[]Change{{"commander", "", "rita@example.org"}}},
		{Request{Action: ActionTrack, Actor: rita, At: day(3), URL: "https://github.com/acme/security/issues/12"}, trk,
			[]Change{{"tracking_url", "", "https://github.com/acme/security/issues/12"}, {"labels", "", "Tracked"}, {"fix_status", "", "planning"}}},
		{Request{Action: ActionUpdateTracking, Actor: tom, At: day(4), CVE: ptr("cve-2026-1234"), Attribution: ptr(" Rae Okafor "), FixStatus: FixDevelopment}, trk,
			[]Change{{"cve_id", "", "CVE-2026-1234"}, {"attribution", "", "Rae Okafor"}, {"fix_status", "planning", "development"}}},
		{Request{Action: ActionResolve, Actor: rita, At: day(20), Comment: "Fixed in 1.31.2.", Visibility: VisibilityReporter}, res, nil},
		{Request{Action: ActionUpdateTracking, Actor: rita, At: day(20), FixStatus: FixReleased}, res,
			[]Change{{"fix_status", "development", "released"}}},
		{Request{Action: ActionRequestDisclosure, Actor: rita, At: day(21), Kind: DisclosureFull}, drq,
			[]Change{{"disclosure", "", "full requested"}}},
		{Request{Action: ActionAgreeDisclosure, Actor: reporter, At: day(22)}, drq,
			[]Change{{"disclosure", "full requested", "full requested, reporter agreed"}}},
		{Request{Action: ActionDisclose, Actor: rob, At: day(23)}, dis,
			[]Change{{"disclosure", "full requested, reporter agreed", "full disclosed"}}},
		{Request{Action: ActionUpdateTracking, Actor: tom, At: day(23), FixStatus: FixPublished}, dis,
			[]Change{{"fix_status", "released", "published"}}},
	}
	for _, st := range steps {
		next, ev, err := Apply(r, st.req)
		if err != nil {
			t.Fatalf("%s: %v", st.req.Action, err)
		}
		if next.State != st.state || ev.From != r.State || ev.To != st.state || !ev.At.Equal(st.req.At) || ev.Actor != st.req.Actor {
			t.Errorf("%s: state %s, event %+v; want %s", st.req.Action, next.State, ev, st.state)
		}
		if d := cmp.Diff(st.changes, ev.Changes); d != "" {
			t.Errorf("%s: changes (-want +got):\n%s", st.req.Action, d)
		}
		r = next
	}
	want := Report{ID: 42, State: StateDisclosed, Severity: Severity{Rating: RatingHigh, Vector: highVector}, Tier: "1",
		Bounty: &Bounty{Amount: 100000, Currency: "USD", ProposedBy: "rita@example.org", ProposedAt: day(2),
			ApprovedBy: "rob@example.org", ApprovedAt: day(3)},
		Disclosure:  &Disclosure{Kind: DisclosureFull, RequestedAt: day(21), Answer: AnswerAgreed, AnsweredAt: day(22), DisclosedAt: day(23)},
		Assignee:    "rita@example.org",
		Commander:   "rita@example.org",
		Labels:      []string{LabelTracked},
		TrackingURL: "https://github.com/acme/security/issues/12",
		CVE:         "CVE-2026-1234",
		Attribution: "Rae Okafor",
		FixStatus:   FixPublished,
	}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
}

func TestEventComment(t *testing.T) {
	at := utc("2026-03-15T12:00:00Z")
	tests := []struct {
		name    string
		req     Request
		comment string
		vis     Visibility
	}{
		{"member default", Request{Action: ActionComment, Actor: tom, At: at, Comment: "hm"}, "hm", VisibilityTeam},
		{"member to reporter", Request{Action: ActionComment, Actor: tom, At: at, Comment: "hi", Visibility: VisibilityReporter}, "hi", VisibilityReporter},
		{"reporter default", Request{Action: ActionComment, Actor: reporter, At: at, Comment: "any news?"}, "any news?", VisibilityReporter},
		{"no comment", Request{Action: ActionAssign, Actor: tom, At: at, Member: "rob@example.org"}, "", VisibilityTeam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ev, err := Apply(fixture(StateTriaged), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Comment != tt.comment || ev.Visibility != tt.vis {
				t.Errorf("event comment %q %q, want %q %q", ev.Comment, ev.Visibility, tt.comment, tt.vis)
			}
		})
	}
	// The reporter's answer to a disclosure request is theirs to see, said
	// with a comment or not.
	for _, act := range []Action{ActionAgreeDisclosure, ActionObjectDisclosure} {
		r := fixture(StateDisclosureRequested)
		r.Disclosure = &Disclosure{Kind: DisclosureFull, RequestedAt: at}
		_, ev, err := Apply(r, Request{Action: act, Actor: reporter, At: at})
		if err != nil || ev.Visibility != VisibilityReporter {
			t.Errorf("%s without a comment: visibility %q, %v", act, ev.Visibility, err)
		}
	}
}
