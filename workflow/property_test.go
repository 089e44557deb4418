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

var cast = []Actor{ada, rita, rob, tom, {Email: "tess@example.org", Role: ward.RoleTriager}, vic, reporter, system, stranger}

// next is the state the matrix says the action leads to from r's state.
func next(r Report, act Action) State {
	cell := matrix[act][stateIndex(r.State)]
	switch {
	case cell == ok:
		return r.State
	case act == ActionReopen && r.State == StateResolved && r.TrackingURL == "":
		return StateTriaged
	}
	return cell
}

// fixIndex is the place of s in the order of a fix, -1 for none.
func fixIndex(s FixStatus) int { return slices.Index(fixStatuses, s) }

// mutations spoil one argument of a good request; some spoil nothing that
// the action reads.
var mutations = []func(r Report, req *Request, at time.Time){
	func(_ Report, req *Request, _ time.Time) { req.Comment = " " },
	func(_ Report, req *Request, _ time.Time) { req.Visibility = "everyone" },
	func(_ Report, req *Request, _ time.Time) { req.Visibility = VisibilityTeam },
	func(r Report, req *Request, _ time.Time) { req.Of = r.ID },
	func(_ Report, req *Request, _ time.Time) { req.Of = 0 },
	func(_ Report, req *Request, _ time.Time) { req.Severity = Severity{} },
	func(_ Report, req *Request, _ time.Time) { req.Severity.Rating = "Severe" },
	func(_ Report, req *Request, _ time.Time) { req.Severity = Severity{Rating: RatingCritical} },
	func(_ Report, req *Request, _ time.Time) { req.Tier = "" },
	func(_ Report, req *Request, _ time.Time) { req.URL = "http://example.org/1" },
	func(_ Report, req *Request, _ time.Time) { req.Kind = "" },
	func(_ Report, req *Request, _ time.Time) { req.Kind, req.Redactions = DisclosureFull, nil },
	func(_ Report, req *Request, _ time.Time) { req.Redactions = nil },
	func(_ Report, req *Request, _ time.Time) { req.Justification = "" },
	func(_ Report, req *Request, _ time.Time) { req.Amount = 0 },
	func(_ Report, req *Request, _ time.Time) { req.Amount += 1 },
	func(_ Report, req *Request, _ time.Time) { req.Amount, req.Reason = req.Amount+500, "chained bugs" },
	func(_ Report, req *Request, _ time.Time) { req.Currency = "usd" },
	func(_ Report, req *Request, _ time.Time) { req.Label = "" },
	func(_ Report, req *Request, _ time.Time) { req.Label, req.RemoveLabel = LabelTracked, true },
	func(_ Report, req *Request, _ time.Time) { req.Member = "not an address" },
	func(_ Report, req *Request, _ time.Time) { req.Member = "" },
	func(_ Report, req *Request, at time.Time) { req.At, req.Reason = at, "" },
	func(_ Report, req *Request, at time.Time) { req.At = at },
	func(_ Report, req *Request, _ time.Time) { req.At = time.Time{} },
	func(_ Report, req *Request, _ time.Time) { req.FixStatus = "shipped" },
	func(_ Report, req *Request, _ time.Time) { req.CVE = ptr("CVE-2026-12") },
	func(_ Report, req *Request, _ time.Time) { req.CVE, req.Attribution = ptr(""), ptr("") },
	func(_ Report, req *Request, _ time.Time) { req.CVE, req.Attribution, req.FixStatus = nil, nil, "" },
}

// Thousands of random action sequences by random actors, each action's
// outcome checked against the matrix and the invariants of a report.
func TestPropertySequences(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260131, 7))
	reached := map[State]int{}
	var awarded, disclosed, early, objectedDisclosed, movedBack int
	for range 2000 {
		r := Report{ID: 1 + rng.Int64N(1000), State: StateNew}
		at := utc("2026-01-01T00:00:00Z")
		var resolvedSeen bool
		for step := range 40 {
			days := []int64{1, 1, 3, 8}[rng.IntN(4)]
			at = at.Add(time.Duration(rng.Int64N(days * int64(24*time.Hour))))
			a := cast[rng.IntN(len(cast))]
			if rng.IntN(5) == 0 {
				a = ada // the only one who reopens spam and discloses early
			}
			act := actions[rng.IntN(len(actions))]
			if allowed := Allowed(r, a); len(allowed) > 0 && rng.IntN(10) < 7 {
				act = allowed[rng.IntN(len(allowed))]
				// Prefer moving on, so that sequences reach the late states.
				moving := slices.DeleteFunc(allowed, func(x Action) bool { return next(r, x) == r.State })
				if len(moving) > 0 && rng.IntN(2) == 0 {
					act = moving[rng.IntN(len(moving))]
				}
			}
			req := good(r, a, act, at)
			if rng.IntN(5) == 0 {
				mutations[rng.IntN(len(mutations))](r, &req, at)
			}
			if act == ActionUpdateTracking && rng.IntN(3) == 0 {
				// Any fix status, often a step back, which only an admin
				// with a reason may take; and a reason from anyone.
				req.FixStatus = fixStatuses[rng.IntN(len(fixStatuses))]
				if rng.IntN(2) == 0 {
					req.Reason = "the release was pulled"
				}
			}
			before := deepCopy(r)
			got, ev, err := Apply(r, req)
			if d := cmp.Diff(before, r); d != "" {
				t.Fatalf("Apply changed its argument (-before +after):\n%s", d)
			}
			allowed := slices.Contains(Allowed(r, a), act)
			if err != nil {
				code := ward.ErrorCode(err)
				switch {
				case allowed && code != ward.EINVALID:
					t.Fatalf("%s by %+v on %+v: %v; Allowed has it, so only an argument may be wrong", act, a, r, err)
				case !allowed && code != ward.ECONFLICT && code != ward.EFORBIDDEN:
					t.Fatalf("%s by %+v on %+v: %v; not Allowed, want conflict or forbidden", act, a, r, err)
				}
				if d := cmp.Diff(r, got); d != "" {
					t.Fatalf("refused Apply returned a changed report:\n%s", d)
				}
				continue
			}
			if !allowed {
				t.Fatalf("%s by %+v on %+v succeeded, but Allowed does not have it", act, a, r)
			}
			if want := next(r, act); got.State != want || ev.From != r.State || ev.To != got.State || ev.Action != act || ev.Actor != a {
				t.Fatalf("%s from %s: state %s, event %+v; want %s", act, r.State, got.State, ev, want)
			}
			if got.State == StateDisclosed && r.State != StateDisclosed {
				d := r.Disclosure
				disclosed++
				switch {
				case !resolvedSeen:
					t.Fatalf("disclosed without passing resolved")
				case d.Answer == AnswerAgreed:
				case d.Answer == "" && !req.At.Before(d.Deadline()):
				case a.Role == ward.RoleAdmin && strings.TrimSpace(req.Reason) != "":
					early++
					if d.Answer == AnswerObjected {
						objectedDisclosed++
					}
				default:
					t.Fatalf("disclosed by %+v at %s: %+v", a, req.At, d)
				}
			}
			if r.State == StateSpam && got.State != StateSpam && (act != ActionReopen || a.Reporter || a.Role != ward.RoleAdmin) {
				t.Fatalf("left spam by %s by %+v", act, a)
			}
			if act == ActionApproveBounty {
				awarded++
			}
			if fixIndex(got.FixStatus) < fixIndex(r.FixStatus) {
				reason := strings.TrimSpace(req.Reason)
				if act != ActionUpdateTracking || a.Reporter || a.Role != ward.RoleAdmin || reason == "" ||
					!strings.HasSuffix(ev.Comment, reason) || ev.Visibility != VisibilityTeam {
					t.Fatalf("fix status moved back from %s to %s by %s by %+v with reason %q, event %+v",
						r.FixStatus, got.FixStatus, act, a, req.Reason, ev)
				}
				movedBack++
			}
			if got.State == StateResolved {
				resolvedSeen = true
			}
			reached[got.State]++
			if req.At.After(at) {
				at = req.At
			}
			r = got
			invariants(t, r)
			if step%8 == 0 {
				allowedIsWhatApplies(t, r, at)
			}
		}
	}
	for _, s := range States() {
		if reached[s] < 50 {
			t.Errorf("only %d sequences reached %s: the generator does not explore", reached[s], s)
		}
	}
	t.Logf("steps ending in each state %v; %d bounties awarded, %d disclosures, %d early, %d over an objection, %d fix statuses moved back",
		reached, awarded, disclosed, early, objectedDisclosed, movedBack)
	if movedBack < 10 {
		t.Errorf("%d fix statuses moved back: too few to test", movedBack)
	}
	if awarded < 100 || disclosed < 200 || early < 10 || objectedDisclosed < 5 {
		t.Errorf("%d bounties awarded, %d disclosures, %d early, %d over an objection: too few to test",
			awarded, disclosed, early, objectedDisclosed)
	}
}

// invariants are what every report that Apply returns holds.
func invariants(t *testing.T, r Report) {
	t.Helper()
	if b := r.Bounty; b.Awarded() && (b.ProposedBy == "" || strings.EqualFold(b.ProposedBy, b.ApprovedBy)) {
		t.Fatalf("bounty %+v awarded without two people", b)
	}
	if r.State == StateTracked && (r.TrackingURL == "" || !slices.Contains(r.Labels, LabelTracked)) {
		t.Fatalf("tracked without its issue and label: %+v", r)
	}
	if slices.Contains(afterTriage, r.State) && (r.Severity.Rating == "" || r.Tier == "") {
		t.Fatalf("%s with no severity or tier: %+v", r.State, r)
	}
	if r.State == StateDuplicate && (r.DuplicateOf <= 0 || r.DuplicateOf == r.ID) {
		t.Fatalf("duplicate of %d", r.DuplicateOf)
	}
	if r.State != StateDuplicate && r.DuplicateOf != 0 {
		t.Fatalf("%s report is a duplicate of %d", r.State, r.DuplicateOf)
	}
	d := r.Disclosure
	switch r.State {
	case StateDisclosureRequested:
		if d == nil || d.Kind == "" || !d.DisclosedAt.IsZero() || d.Justification != "" || (d.Kind == DisclosureRedacted) != (len(d.Redactions) > 0) {
			t.Fatalf("disclosure_requested with %+v", d)
		}
	case StateDisclosed:
		if d == nil || d.DisclosedAt.IsZero() {
			t.Fatalf("disclosed with %+v", d)
		}
	case StateDoNotDisclose:
		if d == nil || d.Justification == "" {
			t.Fatalf("do_not_disclose with %+v", d)
		}
	default:
		if d != nil {
			t.Fatalf("%s with disclosure %+v", r.State, d)
		}
	}
	if (r.TrackingURL != "") != (r.FixStatus != "") || fixIndex(r.FixStatus) < 0 && r.FixStatus != "" {
		t.Fatalf("tracking issue %q with fix status %q", r.TrackingURL, r.FixStatus)
	}
	if r.TrackingURL == "" && (r.CVE != "" || r.Attribution != "") || r.CVE != "" && !cveID.MatchString(r.CVE) {
		t.Fatalf("tracking issue %q with CVE id %q, attribution %q", r.TrackingURL, r.CVE, r.Attribution)
	}
	seen := map[string]bool{}
	for _, l := range r.Labels {
		if seen[l] || l == "" {
			t.Fatalf("labels %q", r.Labels)
		}
		seen[l] = true
	}
}

// allowedIsWhatApplies checks, for every actor and action, that Apply with
// good arguments succeeds, reaching the matrix's state, exactly when
// Allowed has the action, and is otherwise a conflict or forbidden.
func allowedIsWhatApplies(t *testing.T, r Report, at time.Time) {
	t.Helper()
	for _, a := range cast {
		allowed := Allowed(r, a)
		for _, act := range actions {
			got, _, err := Apply(r, good(r, a, act, at))
			switch {
			case slices.Contains(allowed, act) && err != nil:
				t.Fatalf("%s by %+v on %+v: %v, but Allowed has it", act, a, r, err)
			case slices.Contains(allowed, act) && got.State != next(r, act):
				t.Fatalf("%s from %s reached %s, want %s", act, r.State, got.State, next(r, act))
			case !slices.Contains(allowed, act) && ward.ErrorCode(err) != ward.ECONFLICT && ward.ErrorCode(err) != ward.EFORBIDDEN:
				t.Fatalf("%s by %+v on %+v: %v; not Allowed, want conflict or forbidden", act, a, r, err)
			}
		}
	}
}
