package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
)

// briefFixture is the rotation fixture with a triaged critical report
// filed in its first shift (responder's), commanded by the responder and
// quiet since, and a handoff note for the second shift (triager's); the
// clock is in that second shift, on Tuesday 10 March 2026.
func briefFixture(t *testing.T) (*fixture, string) {
	t.Helper()
	f := rotationFixture(t)
	if _, err := f.db.ApplyTeam(context.Background(), ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
		Bounties: map[string]int64{"critical": 1_000_000}}}}, false); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	id := deskReport(t, f)
	triager := f.tokens[ward.RoleTriager]
	f.act(id, triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`, 200)
	f.act(id, triager, `{"action":"set_commander","member":"responder@example.org"}`, 200)
	f.clock.Set(time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC))
	if resp, body := f.do("POST", "/api/v1/rotations/src/handoff-notes", f.tokens[ward.RoleResponder], jsonType,
		`{"body":"NOTE-BODY: the fix lands Tuesday"}`); resp.StatusCode != 201 {
		t.Fatalf("handoff note: %d %s", resp.StatusCode, body)
	}
	f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	return f, id
}

func TestBriefAPI(t *testing.T) {
	f, id := briefFixture(t)
	triager, viewer := f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]

	resp, body := f.do("GET", "/api/v1/brief", triager, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("brief: %d %s", resp.StatusCode, body)
	}
	b := decodeJSON[brief.Brief](t, body)
	if b.Rotation != "src" || !b.At.Equal(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)) || b.OnCall.Email != "triager@example.org" ||
		b.Outgoing == nil || b.Outgoing.Email != "responder@example.org" {
		t.Errorf("brief of %s at %s for %+v after %+v, want src at the start of the triager's shift, after the responder", b.Rotation, b.At, b.OnCall, b.Outgoing)
	}
	if b.HandoffNote == nil || b.HandoffNote.Body != "NOTE-BODY: the fix lands Tuesday" {
		t.Errorf("handoff note = %+v", b.HandoffNote)
	}
	for name, l := range map[string]brief.Tally{"triage": b.Triage.Tally, "stale": b.Stale.Tally, "new": b.New.Tally} {
		if l != (brief.Tally{Count: 1}) {
			t.Errorf("%s = %+v, want the one report", name, l)
		}
	}
	if len(b.Stale.Items) != 1 || itoa(b.Stale.Items[0].ID) != id || b.Stale.Items[0].Rating != "Critical" {
		t.Errorf("stale = %+v, want the critical report", b.Stale.Items)
	}
	// The brief shows a report by its id, title, state and rating only.
	for _, secret := range []string{"alert('body')", "rae@example.net", "hackerone.com", "only us"} {
		if strings.Contains(string(body), secret) {
			t.Errorf("the brief shows %q: %s", secret, body)
		}
	}
	if b.DistributorRequests != 0 || !strings.Contains(string(body), `"distributor_requests":0`) {
		t.Errorf("distributor requests, none filed: %s", body)
	}

	resp, body = f.do("GET", "/api/v1/brief?rotation=src&at=2026-03-02T09:00:00Z", triager, "", "")
	if first := decodeJSON[brief.Brief](t, body); resp.StatusCode != 200 || first.Shift != 0 || first.Outgoing != nil || first.New.Count != 0 {
		t.Errorf("the first shift's brief: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("GET", "/api/v1/digest", triager, "", "")
	d := decodeJSON[brief.Digest](t, body)
	if resp.StatusCode != 200 || !d.At.Equal(f.clock.Now()) || d.Triage.Count != 1 || d.Stale != (brief.Tally{Count: 1}) ||
		len(d.NeedsInfo.Items) != 0 || d.Disclosures.Items == nil {
		t.Errorf("digest: %d %s", resp.StatusCode, body)
	}

	for _, tt := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"a viewer's brief", "/api/v1/brief", viewer, 403, ward.EFORBIDDEN},
		{"a viewer's digest", "/api/v1/digest", viewer, 403, ward.EFORBIDDEN},
		{"no token", "/api/v1/brief", "", 401, ward.EUNAUTHORIZED},
		{"a bad at", "/api/v1/brief?at=monday", triager, 422, ward.EINVALID},
		{"a bad at for the digest", "/api/v1/digest?at=2026-03-10", triager, 422, ward.EINVALID},
		{"an unknown rotation", "/api/v1/brief?rotation=nope", triager, 404, ward.ENOTFOUND},
		{"before the first shift", "/api/v1/brief?at=2026-03-01T09:00:00Z", triager, 404, ward.ENOTFOUND},
		{"a viewer with a bad at", "/api/v1/brief?at=monday", viewer, 403, ward.EFORBIDDEN},
	} {
		resp, body := f.do("GET", tt.path, tt.token, "", "")
		if e := decodeJSON[apiError](t, body); resp.StatusCode != tt.status || e.Error.Code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
	}
}

func TestBriefPage(t *testing.T) {
	f, id := briefFixture(t)
	pingForm := `<form method="post" action="/reports/` + id + `/actions" class="inline">`

	resp, html := f.page(ward.RoleTriager, "GET", "/brief", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("brief page: %d\n%s", resp.StatusCode, html)
	}
	noMarkup(t, html)
	for _, want := range []string{
		"Start-of-shift brief: src", "<strong>triager</strong>, taking over from responder", "NOTE-BODY: the fix lands Tuesday",
		`<a href="/reports/` + id + `">&lt;script&gt;`, "Triage queue</a>: 1", "Stale incidents: 1", "Filed since Mon 2 Mar 09:00 UTC: 1",
		"Distributor list join requests</h2>\n<p><strong>0</strong> since",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the brief page lacks %q", want)
		}
	}
	if strings.Contains(html, pingForm) {
		t.Error("a triager is offered a Ping button")
	}
	if _, html := f.page(ward.RoleResponder, "GET", "/brief?rotation=src", nil); !strings.Contains(html, pingForm) {
		t.Errorf("a responder's brief lacks the Ping button:\n%s", html)
	}
	if resp, _ := f.page(ward.RoleResponder, "POST", "/reports/"+id+"/actions", url.Values{"action": {"ping"}}); resp.StatusCode != 303 {
		t.Errorf("ping from the brief: %d", resp.StatusCode)
	}

	// The dashboard sums up the shift for whoever holds it, and links the
	// others to the brief.
	_, html = f.page(ward.RoleTriager, "GET", "/", nil)
	for _, want := range []string{"Your shift: src", "To triage: <strong>1</strong>", "Stale incidents: <strong>1</strong>",
		"responder@example.org left you a handoff note.", `<a href="/brief?rotation=src">Open the start-of-shift brief</a>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the on-call's dashboard lacks %q", want)
		}
	}
	_, html = f.page(ward.RoleResponder, "GET", "/", nil)
	if strings.Contains(html, "Your shift") || !strings.Contains(html, `<a href="/brief">Start-of-shift brief</a>`) {
		t.Errorf("another's dashboard should link to the brief without a summary")
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/", nil); strings.Contains(html, `href="/brief`) {
		t.Errorf("a viewer's dashboard links to a brief they may not read")
	}
}

func TestBriefPageWithoutRotation(t *testing.T) {
	f := newFixture(t)
	resp, html := f.page(ward.RoleTriager, "GET", "/brief", nil)
	if resp.StatusCode != 404 || !strings.Contains(html, "no rotation yet") {
		t.Errorf("no rotation: %d\n%s", resp.StatusCode, alertText(html))
	}
	if _, html := f.page(ward.RoleTriager, "GET", "/", nil); strings.Contains(html, `href="/brief`) {
		t.Error("the dashboard links to a brief without a rotation")
	}
}
