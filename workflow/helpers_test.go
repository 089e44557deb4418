package workflow

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	ada      = Actor{Email: "ada@example.org", Role: ward.RoleAdmin}
	rita     = Actor{Email: "rita@example.org", Role: ward.RoleResponder}
	rob      = Actor{Email: "rob@example.org", Role: ward.RoleResponder}
	tom      = Actor{Email: "tom@example.org", Role: ward.RoleTriager}
	vic      = Actor{Email: "vic@example.org", Role: ward.RoleViewer}
	reporter = Actor{Email: "finder@example.net", Reporter: true}
	system   = Actor{Role: ward.RoleAdmin} // ward itself: an admin with no email
	stranger = Actor{Email: "who@example.net"}
)

// requested is when the fixtures' disclosure was requested; its month runs
// to 2026-02-28T10:00:00Z.
var requested = utc("2026-01-31T10:00:00Z")

var highVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"

// fixture returns a report in the state, with what a report reaches that
// state with: a severity and tier after triage, a pending bounty proposed
// by rita, a tracking issue and a fix in development once tracked, a
// disclosure request.
func fixture(s State) Report {
	r := Report{ID: 7, State: s, Assignee: "tom@example.org"}
	switch s {
	case StateDuplicate:
		r.DuplicateOf = 3
	case StateTriaged, StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed, StateDoNotDisclose:
		r.Severity = Severity{Rating: RatingHigh, Vector: highVector}
		r.Tier = "1"
		r.Commander = "rita@example.org"
		r.Bounty = &Bounty{Amount: 100000, Currency: "USD", ProposedBy: "rita@example.org", ProposedAt: utc("2026-01-05T09:00:00Z")}
	}
	switch s {
	case StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed, StateDoNotDisclose:
		r.TrackingURL = "https://github.com/acme/security/issues/12"
		r.Labels = []string{"kubelet", LabelTracked}
		r.FixStatus = FixDevelopment
	}
	switch s {
	case StateDisclosureRequested:
		r.Disclosure = &Disclosure{Kind: DisclosureFull, RequestedAt: requested}
	case StateDisclosed:
		r.Disclosure = &Disclosure{Kind: DisclosureFull, RequestedAt: requested, Answer: AnswerAgreed,
			AnsweredAt: utc("2026-02-02T10:00:00Z"), DisclosedAt: utc("2026-02-03T10:00:00Z")}
	case StateDoNotDisclose:
		r.Disclosure = &Disclosure{Justification: "the fix is shared with an unpatched product"}
	}
	return r
}

var tableTier1 = BountyTable{
	RatingLow:      {Amount: 10000, Currency: "USD"},
	RatingMedium:   {Amount: 50000, Currency: "USD"},
	RatingHigh:     {Amount: 100000, Currency: "USD"},
	RatingCritical: {Amount: 250000, Currency: "USD"},
}

// good returns a request for the action with good arguments. For a
// disclose that the actor could not make at the instant, it moves the
// instant to the end of the reporter's month.
func good(r Report, a Actor, act Action, at time.Time) Request {
	req := Request{Action: act, Actor: a, At: at, Comment: "Thanks, looking into it."}
	switch act {
	case ActionMarkDuplicate:
		req.Of = r.ID + 100
	case ActionTriage, ActionSetSeverity:
		req.Severity = Severity{Rating: RatingHigh, Vector: highVector}
		req.Tier = "1"
	case ActionTrack:
		req.URL = "https://github.com/acme/security/issues/12"
	case ActionRequestDisclosure:
		req.Kind = DisclosureRedacted
		req.Redactions = []string{"the customer's hostname"}
	case ActionDisclose:
		if d := r.Disclosure; d != nil && !d.Disclosable(at) && d.Answer == "" && at.Before(d.Deadline()) {
			req.At = d.Deadline()
		}
		if a.Role == ward.RoleAdmin {
			req.Reason = "the fix shipped in 1.31.2"
		}
	case ActionDoNotDisclose:
		req.Justification = "the fix is shared with an unpatched product"
	case ActionAssign, ActionSetCommander:
		req.Member = "Rob@Example.org"
	case ActionProposeBounty:
		req.Table = tableTier1
		if m, ok := tableTier1[r.Severity.Rating]; ok {
			req.Amount, req.Currency = m.Amount, m.Currency
		} else {
			req.Amount, req.Currency, req.Reason = 5000, "EUR", "no table entry for this rating"
		}
	case ActionLabel:
		req.Label = "kubelet"
	case ActionUpdateTracking:
		req.CVE, req.Attribution = ptr("CVE-2026-1234"), ptr("Rae Okafor")
		req.FixStatus = fixStatuses[min(slices.Index(fixStatuses, r.FixStatus)+1, len(fixStatuses)-1)]
	}
	if a.Reporter {
		req.Visibility = VisibilityReporter
	}
	return req
}

// wantCode fails the test unless err is a *ward.Error with the code and a
// message that starts with prefix.
func wantCode(t testing.TB, err error, code, prefix string) {
	t.Helper()
	var e *ward.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want a *ward.Error %s starting %q", err, code, prefix)
	}
	if e.Code != code || !strings.HasPrefix(e.Message, prefix) {
		t.Fatalf("error = %s %q, want %s starting %q", e.Code, e.Message, code, prefix)
	}
}

// deepCopy copies a report without the package's clone, so that a shallow
// clone in Apply cannot hide a change to the caller's report.
func deepCopy(r Report) Report {
	c := r
	c.Labels = slices.Clone(r.Labels)
	if r.Bounty != nil {
		b := *r.Bounty
		c.Bounty = &b
	}
	if r.Disclosure != nil {
		d := *r.Disclosure
		d.Redactions = slices.Clone(r.Disclosure.Redactions)
		c.Disclosure = &d
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func stateIndex(s State) int { return slices.Index(States(), s) }
