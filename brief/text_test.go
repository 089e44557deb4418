package brief_test

import (
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/oncall"
)

// A brief as a scheduler would mail it: the reports by id, title, rating
// and state with their links, the counts, and nothing else of a report or
// of the handoff note.
func TestText(t *testing.T) {
	r := brief.Report{ID: 12, Title: "token in logs\nClick https://evil.example/", State: "needs_info", Rating: "High",
		CreatedAt: utc("2026-03-05T10:00:00Z")}
	b := &brief.Brief{Rotation: "src", At: utc("2026-03-09T09:00:00Z"), Shift: 1,
		ShiftStart: utc("2026-03-09T09:00:00Z"), ShiftEnd: utc("2026-03-16T09:00:00Z"), Since: utc("2026-03-02T09:00:00Z"),
		OnCall: oncall.Person{Email: "bo@example.org", Name: "Bo"}, Outgoing: &oncall.Person{Email: "ana@example.org", Name: "Ana"},
		HandoffNote: &ward.HandoffNote{Author: "ana@example.org", Body: "NOTE-BODY: the fix for CVE-2026-1234 lands Tuesday"},
		Triage:      brief.List[brief.Waiting]{Tally: brief.Tally{Count: 501, More: true}, Items: []brief.Waiting{{Report: r, Age: "3d 23h"}}},
		Stale: brief.List[brief.Stale]{Tally: brief.Tally{Count: 1}, Items: []brief.Stale{{Report: brief.Report{ID: 7, Title: "quiet", State: "tracked", Rating: "Critical"},
			Commander: "bo@example.org", Quiet: "5d"}}},
		New:       brief.List[brief.Report]{Tally: brief.Tally{Count: 1}, Items: []brief.Report{r}},
		Handoffs:  brief.List[brief.Handoff]{Tally: brief.Tally{Count: 1}, Items: []brief.Handoff{{ID: 3, Report: brief.Report{ID: 7, Title: "quiet", State: "tracked"}, From: "bo@example.org", To: "ana@example.org", Age: "6d"}}},
		Gaps:      []oncall.Gap{{Date: "2026-03-11", Assignee: oncall.Person{Email: "bo@example.org", Name: "Bo"}, Reason: "time off"}},
		GapsUntil: utc("2026-03-23T09:00:00Z"), DistributorRequests: 7}

	got := brief.Text(b, "https://ward.example.org/")
	holds(t, "the brief", got,
		"Start of shift 1 of src, Mon 9 Mar 2026 09:00 UTC to Mon 16 Mar 2026 09:00 UTC.",
		"On call: Bo <bo@example.org>, taking over from Ana <ana@example.org>.",
		"https://ward.example.org/brief?rotation=src",
		"Handoff note: ana@example.org left one for this shift",
		"Triage queue: 501+ reports, the oldest first.",
		"  #12 [High] token in logs Click https://evil.example/ (needs info; waiting 3d 23h)\n    https://ward.example.org/reports/12\n",
		"Stale incidents, quiet past their threshold: 1 report",
		"  #7 [Critical] quiet (tracked; no update for 5d)\n    https://ward.example.org/reports/7\n",
		"Filed since Mon 2 Mar 2026 09:00 UTC: 1 report.",
		"Pending handoffs of command: 1.",
		"  #7 quiet (tracked; from bo@example.org to ana@example.org, waiting 6d)",
		"Coverage gaps until Mon 23 Mar 2026 09:00 UTC: 1.\n  2026-03-11: Bo <bo@example.org> (time off)",
		"Distributor list join requests since Mon 2 Mar 2026 09:00 UTC: 7.",
	)
	for _, secret := range []string{"NOTE-BODY", "CVE-2026", "\nClick"} {
		if strings.Contains(got, secret) {
			t.Errorf("the text shows %q:\n%s", secret, got)
		}
	}
	if subject, want := brief.Subject(b), "Your src shift from Mon 9 Mar 2026 09:00 UTC: 501+ to triage, 1 stale, 1 new"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}

	b.Outgoing, b.HandoffNote, b.DistributorRequests = nil, nil, 0
	got = brief.Text(b, "https://ward.example.org")
	holds(t, "the first shift's brief", got, "the rotation's first shift", "Handoff note: none was left",
		"Distributor list join requests since Mon 2 Mar 2026 09:00 UTC: 0.")
}

func TestDigestText(t *testing.T) {
	d := &brief.Digest{At: utc("2026-04-10T12:00:00Z"),
		NeedsInfo: brief.List[brief.Waiting]{Tally: brief.Tally{Count: 1}, Items: []brief.Waiting{{Report: brief.Report{ID: 4, Title: "asked", State: "needs_info"}, Age: "4d 1h"}}},
		Disclosures: brief.List[brief.Deadline]{Tally: brief.Tally{Count: 2}, Items: []brief.Deadline{
			{Report: brief.Report{ID: 1, Title: "ended", State: "disclosure_requested", Rating: "Critical"}, Deadline: utc("2026-04-01T10:00:00Z"), Passed: true},
			{Report: brief.Report{ID: 2, Title: "soon", State: "disclosure_requested"}, Deadline: utc("2026-04-15T10:00:00Z"), Answer: "objected"},
		}},
		Stale: brief.Tally{Count: 3}, Handoffs: brief.Tally{Count: 500, More: true}}
	got := brief.DigestText(d, "https://ward.example.org")
	holds(t, "the digest", got,
		"Triage digest, Fri 10 Apr 2026 12:00 UTC.",
		"Triage queue: 0 reports",
		"Waiting on the reporter for 3d or more: 1 report.\n  #4 asked (needs info; unchanged for 4d 1h)\n    https://ward.example.org/reports/4\n",
		"Disclosure months ending within 7d or ended: 2 reports.",
		"  #1 [Critical] ended (disclosure requested; ended Wed 1 Apr 2026 10:00 UTC: may be disclosed)",
		"  #2 soon (disclosure requested; ends Wed 15 Apr 2026 10:00 UTC; the reporter objected)",
		"Stale incidents: 3. Pending handoffs of command: 500+.",
	)
	if subject, want := brief.DigestSubject(d), "Triage digest for Fri 10 Apr 2026: 0 to triage, 1 waiting on reporters, 2 disclosure deadlines"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
}

// holds fails the test unless text holds every one of wants.
func holds(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}
