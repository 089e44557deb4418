package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// TestTrackingFields keeps the tracking issue's CVE id, attribution and fix
// status through the real handler: only once tracked, forward only for a
// triager, back for an admin who says why, and shown with the report.
func TestTrackingFields(t *testing.T) {
	f := newFixture(t)
	admin, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	tiers := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"), Bounties: map[string]int64{"high": 500_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), tiers, false); err != nil {
		t.Fatal(err)
	}
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"Token in kubelet logs","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	refused := func(token, action string, status int, says string) {
		t.Helper()
		resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", token, jsonType, action)
		if e := decodeJSON[apiError](t, body); resp.StatusCode != status || !strings.Contains(e.Error.Message, says) {
			t.Errorf("%s: %d %s; want %d saying %q", action, resp.StatusCode, body, status, says)
		}
	}

	f.act(id, triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","tier":"tier-1"}`, 200)
	refused(triager, `{"action":"update_tracking","cve_id":"CVE-2026-1234"}`, 409, "report is triaged; allowed:")
	res := f.act(id, triager, `{"action":"track","url":"https://github.com/example/security/issues/5"}`, 200)
	if res.Report.FixStatus != "planning" {
		t.Errorf("fix status after track = %q, want planning", res.Report.FixStatus)
	}

	res = f.act(id, triager, `{"action":"update_tracking","cve_id":" cve-2026-1234 ","attribution":"Sam Lind","fix_status":"development"}`, 200)
	want := []ward.FieldChange{{Field: "cve_id", To: "CVE-2026-1234"}, {Field: "attribution", To: "Sam Lind"},
		{Field: "fix_status", From: "planning", To: "development"}}
	if d := cmp.Diff(want, res.Event.Changes); d != "" || res.Event.FromState != "tracked" || res.Event.ToState != "tracked" {
		t.Errorf("event %+v, changes (-want +got):\n%s", res.Event, d)
	}
	refused(viewer, `{"action":"update_tracking","fix_status":"released"}`, 403, "viewers")
	refused(triager, `{"action":"update_tracking","cve_id":"CVE-26-1"}`, 422, "cve_id")
	refused(triager, `{"action":"update_tracking","attribution":"Sam\u001b[31m"}`, 422, "U+001B")
	refused(triager, `{"action":"update_tracking","fix_status":"shipped"}`, 422, "fix_status")
	refused(triager, `{"action":"update_tracking","comment":"nothing else"}`, 422, "update_tracking needs")

	f.act(id, triager, `{"action":"resolve","comment":"fixed in 1.31.2"}`, 200)
	res = f.act(id, triager, `{"action":"update_tracking","fix_status":"released"}`, 200) // embargo skipped
	if res.Report.FixStatus != "released" || res.Report.State != "resolved" {
		t.Errorf("after a skip to released: %+v", res.Report)
	}
	refused(triager, `{"action":"update_tracking","fix_status":"development","reason":"the release was pulled"}`, 422,
		"fix_status: the fix status moves forward only")
	refused(admin, `{"action":"update_tracking","fix_status":"development"}`, 422, "reason: ")
	res = f.act(id, admin, `{"action":"update_tracking","fix_status":"development","reason":"the release was pulled"}`, 200)
	if e := res.Event; e.Comment != "Moved the fix status back: the release was pulled" || e.Visibility != "team" {
		t.Errorf("moving back: event %+v", e)
	}
	res = f.act(id, triager, `{"action":"update_tracking","attribution":""}`, 200)
	if d := cmp.Diff([]ward.FieldChange{{Field: "attribution", From: "Sam Lind"}}, res.Event.Changes); d != "" {
		t.Errorf("clearing the attribution (-want +got):\n%s", d)
	}

	_, body = f.do("GET", "/api/v1/reports/"+id, viewer, "", "")
	got := decodeJSON[ward.Report](t, body)
	if got.CVE != "CVE-2026-1234" || got.Attribution != "" || got.FixStatus != "development" {
		t.Errorf("GET shows cve_id %q, attribution %q, fix_status %q", got.CVE, got.Attribution, got.FixStatus)
	}
	if !strings.Contains(string(body), `"cve_id":"CVE-2026-1234"`) || strings.Contains(string(body), `"attribution"`) {
		t.Errorf("GET answer: %s", body)
	}
}
