package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

// actResult is the answer to an action.
type actResult struct {
	Report ward.Report
	Event  ward.TimelineEvent
}

// act takes the action on the report as the token's member and fails the
// test unless the answer has the status; it returns the answer to a 200.
func (f *fixture) act(id, token, action string, status int) actResult {
	f.t.Helper()
	resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", token, jsonType, action)
	if resp.StatusCode != status {
		f.t.Fatalf("%s: %d %s, want %d", action, resp.StatusCode, body, status)
	}
	if status != 200 {
		return actResult{}
	}
	return decodeJSON[actResult](f.t, body)
}

// TestTriageToDisclosure walks a report through the runbook, through the
// real handler: severity from a vector, a bounty proposed and approved by
// two responders, tracked, resolved, disclosure requested and, a calendar
// month later, disclosed.
func TestTriageToDisclosure(t *testing.T) {
	f := newFixture(t)
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	tiers := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
		Bounties: map[string]int64{"critical": 1_000_000, "high": 500_000, "medium": 250_000, "low": 100_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), tiers, false); err != nil {
		t.Fatal(err)
	}
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"RCE in the scheduler","source":"api","reporter_email":"rae@example.net"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)

	act := func(token, action string, status int) actResult {
		t.Helper()
		return f.act(id, token, action, status)
	}

	res := act(triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`, 200)
	if s := res.Report.Severity; res.Report.State != "triaged" || s == nil || s.Score != 9.8 || s.Rating != "Critical" || s.Version != "3.1" || res.Report.Tier != "tier-1" {
		t.Fatalf("after triage: %+v severity %+v", res.Report, res.Report.Severity)
	}
	act(viewer, `{"action":"comment","comment":"looks bad"}`, 403)
	act(viewer, `{"action":"set_severity","vector":"nonsense"}`, 403) // the role first, then the arguments
	act(triager, `{"action":"set_severity","vector":"CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}`, 422)
	act(triager, `{"action":"propose_bounty","amount":999,"currency":"USD"}`, 422) // not the table's, and no reason
	res = act(responder, `{"action":"propose_bounty","amount":1000000,"currency":"USD"}`, 200)
	if b := res.Report.Bounty; b == nil || b.ApprovedBy != "" || b.ProposedBy != "responder@example.org" {
		t.Fatalf("proposed bounty = %+v", b)
	}
	act(responder, `{"action":"approve_bounty"}`, 403) // the proposer
	act(triager, `{"action":"approve_bounty"}`, 403)   // a triager
	res = act(admin, `{"action":"approve_bounty"}`, 200)
	if b := res.Report.Bounty; b.ApprovedBy != "admin@example.org" || b.ApprovedAt.IsZero() {
		t.Errorf("awarded bounty = %+v", b)
	}
	res = act(triager, `{"action":"track","url":"https://github.com/example/security-disclosures/issues/17"}`, 200)
	if res.Report.State != "tracked" || !strings.Contains(strings.Join(res.Report.Labels, ","), "Tracked") {
		t.Errorf("after track: %+v", res.Report)
	}
	act(triager, `{"action":"resolve"}`, 422) // needs a comment
	act(triager, `{"action":"resolve","comment":"fixed in 1.31.2"}`, 200)
	res = act(responder, `{"action":"request_disclosure","kind":"full"}`, 200)
	if d := res.Report.Disclosure; d == nil || !d.Deadline.Equal(f.clock.Now().AddDate(0, 1, 0)) {
		t.Fatalf("disclosure = %+v", d)
	}
	act(responder, `{"action":"disclose"}`, 422) // the reporter's month is not over
	f.clock.Advance(32 * 24 * time.Hour)
	res = act(responder, `{"action":"disclose"}`, 200)
	if res.Report.State != "disclosed" {
		t.Errorf("after disclose: %s", res.Report.State)
	}
	resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", triager, jsonType, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`)
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 409 || !strings.Contains(e.Error.Message, "disclosed") {
		t.Errorf("triage of a disclosed report: %d %s", resp.StatusCode, body)
	}

	_, body = f.do("GET", "/api/v1/reports/"+id+"/timeline", viewer, "", "")
	events := decodeJSON[struct{ Events []ward.TimelineEvent }](t, body).Events
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	want := "create triage propose_bounty approve_bounty track resolve request_disclosure disclose"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("timeline = %s, want %s", got, want)
	}
	if e := events[1]; e.FromState != "new" || e.ToState != "triaged" || len(e.Changes) == 0 || e.Actor != "member:triager@example.org" {
		t.Errorf("triage event = %+v", e)
	}
}

func TestReportActionBadInput(t *testing.T) {
	f := newFixture(t)
	triager := f.tokens[ward.RoleTriager]
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"x","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	for _, tt := range []struct {
		body   string
		status int
		says   string
	}{
		{`{"action":"teleport"}`, 422, "action"},
		{`{"action":"comment","comment":"x","visibility":"everyone"}`, 422, "visibility"},
		{`{"action":"mark_duplicate","of":987654}`, 422, "of"},
		{`{"action":"track","url":"https://example.org/1"}`, 409, "allowed"},
		{`{"action":"comment","amount":"lots"}`, 400, "amount"},
		{`{"action":"triage","vector":"CVSS:3.1/AV:N","tier":"tier-9"}`, 422, "vector"},
		{`{"action":"assign","member":"mallory@evil.example"}`, 422, "member"},
		{`{"action":"assign","member":"viewer@example.org"}`, 422, "viewer"},
		{`{"action":"set_commander","member":"triager@example.org"}`, 409, "allowed"},
		{`{"action":"comment","comment":"a\u0000b"}`, 422, "U+0000"},
		{`{"action":"comment","comment":"x","body":"y"}`, 422, "body"},
		{`{"action":"set_severity"}`, 422, "vector"},
	} {
		before := f.auditCount()
		resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", triager, jsonType, tt.body)
		if e := decodeJSON[apiError](t, body); resp.StatusCode != tt.status || !strings.Contains(e.Error.Message, tt.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tt.body, resp.StatusCode, body, tt.status, tt.says)
		}
		if f.auditCount() != before {
			t.Errorf("%s wrote something", tt.body)
		}
	}
	if resp, _ := f.do("POST", "/api/v1/reports/424242/actions", triager, jsonType, `{"action":"comment","comment":"x"}`); resp.StatusCode != 404 {
		t.Errorf("an action on no report: %d", resp.StatusCode)
	}
}
