package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

// handoffFixture is a fixture with a second responder, rob, and a tracked
// report commanded by responder@example.org; it returns rob's token and
// the report's id.
func handoffFixture(t *testing.T, f *fixture) (rob, id string) {
	t.Helper()
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorCLI, Email: "test", Role: ward.RoleAdmin})
	if _, err := f.db.ApplyTeam(ctx, ward.TeamSpec{
		Members: []ward.MemberSpec{{Email: "rob@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Rob"), Role: ptr(ward.RoleResponder)}}},
		Tiers:   []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"), Bounties: map[string]int64{"critical": 1_000_000}}},
	}, false); err != nil {
		t.Fatal(err)
	}
	_, rob, err := f.db.CreateToken(ctx, "rob@example.org", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType, `{"title":"Scheduler RCE","source":"api"}`)
	id = itoa(decodeJSON[ward.Report](t, body).ID)
	responder := f.tokens[ward.RoleResponder]
	f.act(id, responder, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`, 200)
	f.act(id, responder, `{"action":"set_commander","member":"responder@example.org"}`, 200)
	f.act(id, responder, `{"action":"track","url":"https://github.com/example/security/issues/9"}`, 200)
	return rob, id
}

const goodHandoffBody = `{"to":"rob@example.org","open_questions":"1.30?","decisions":"embargo","pending_actions":"distributors","tracking_updated":true}`

func TestHandoffsAPI(t *testing.T) {
	f := newFixture(t)
	rob, id := handoffFixture(t, f)
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]

	asks := "/api/v1/reports/" + id + "/handoffs"
	refusals := []struct {
		name, token, method, path, body string
		status                          int
	}{
		{"a triager may not ask", triager, "POST", asks, goodHandoffBody, 403},
		{"nor a responder who does not command", rob, "POST", asks, goodHandoffBody, 403},
		{"an unknown report", responder, "POST", "/api/v1/reports/999/handoffs", goodHandoffBody, 404},
		{"an unknown field", responder, "POST", asks, `{"to":"rob@example.org","urgent":true}`, 400},
		{"the tracking issue not confirmed", responder, "POST", asks, `{"to":"rob@example.org","open_questions":"q","decisions":"d","pending_actions":"p"}`, 422},
		{"no decisions", responder, "POST", asks, `{"to":"rob@example.org","open_questions":"q","pending_actions":"p","tracking_updated":true}`, 422},
		{"to a triager", responder, "POST", asks,
			`{"to":"triager@example.org","open_questions":"q","decisions":"d","pending_actions":"p","tracking_updated":true}`, 422},
		{"an unknown handoff", rob, "POST", "/api/v1/handoffs/999/accept", "", 404},
		{"a bad pending", viewer, "GET", "/api/v1/handoffs?pending=yes", "", 422},
		{"no token", "", "GET", "/api/v1/handoffs?to=me", "", 401},
		{"a bad address", viewer, "GET", "/api/v1/handoffs?from=rob", "", 422},
	}
	for _, tt := range refusals {
		resp, body := f.do(tt.method, tt.path, tt.token, jsonType, tt.body)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
		}
	}

	resp, body := f.do("POST", "/api/v1/reports/"+id+"/handoffs", responder, jsonType, goodHandoffBody)
	h := decodeJSON[ward.Handoff](t, body)
	if resp.StatusCode != 201 || h.State != ward.HandoffPending || h.From != "responder@example.org" || resp.Header.Get("Location") != "/api/v1/handoffs/"+itoa(h.ID) {
		t.Fatalf("request: %d %s", resp.StatusCode, body)
	}
	hid := itoa(h.ID)
	if resp, body := f.do("POST", "/api/v1/reports/"+id+"/handoffs", responder, jsonType, goodHandoffBody); resp.StatusCode != 409 {
		t.Errorf("a second pending handoff: %d %s, want 409", resp.StatusCode, body)
	}

	t.Run("lists: mine to answer, mine waiting, anyone's for a viewer", func(t *testing.T) {
		tests := []struct {
			token, query string
			want         int
		}{
			{rob, "pending=true&to=me", 1},
			{responder, "pending=true&to=me", 0},
			{responder, "pending=true&from=me", 1},
			{viewer, "pending=true&to=ROB@example.org", 1},
			{viewer, "report=" + id, 1},
		}
		for _, tt := range tests {
			resp, body := f.do("GET", "/api/v1/handoffs?"+tt.query, tt.token, "", "")
			if got := decodeJSON[struct{ Handoffs []ward.Handoff }](t, body).Handoffs; resp.StatusCode != 200 || len(got) != tt.want {
				t.Errorf("%s: %d %s, want %d handoffs", tt.query, resp.StatusCode, body, tt.want)
			}
		}
		if resp, body := f.do("GET", "/api/v1/handoffs/"+hid, viewer, "", ""); resp.StatusCode != 200 || decodeJSON[ward.Handoff](t, body).To != "rob@example.org" {
			t.Errorf("view: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("until rob accepts, the old commander commands", func(t *testing.T) {
		_, body := f.do("GET", "/api/v1/reports/"+id, viewer, "", "")
		if got := decodeJSON[ward.Report](t, body).Commander; got != "responder@example.org" {
			t.Errorf("commander = %q", got)
		}
	})
	t.Run("only rob answers; an admin cannot accept for him", func(t *testing.T) {
		for _, tok := range []string{admin, responder, viewer} {
			if resp, body := f.do("POST", "/api/v1/handoffs/"+hid+"/accept", tok, "", ""); resp.StatusCode != 403 {
				t.Errorf("accept by another: %d %s, want 403", resp.StatusCode, body)
			}
		}
		if resp, body := f.do("POST", "/api/v1/handoffs/"+hid+"/decline", rob, jsonType, `{"reason":""}`); resp.StatusCode != 422 {
			t.Errorf("decline without a reason: %d %s, want 422", resp.StatusCode, body)
		}
		if resp, body := f.do("POST", "/api/v1/handoffs/"+hid+"/cancel", rob, "", ""); resp.StatusCode != 403 {
			t.Errorf("cancel by rob: %d %s, want 403", resp.StatusCode, body)
		}
	})
	t.Run("a commander set meanwhile cancels the handoff", func(t *testing.T) {
		f.act(id, admin, `{"action":"set_commander","member":"admin@example.org"}`, 200)
		if resp, body := f.do("POST", "/api/v1/handoffs/"+hid+"/accept", rob, "", ""); resp.StatusCode != 409 {
			t.Errorf("accept: %d %s, want 409", resp.StatusCode, body)
		}
		_, body := f.do("GET", "/api/v1/handoffs/"+hid, viewer, "", "")
		if got := decodeJSON[ward.Handoff](t, body); got.State != ward.HandoffCancelled {
			t.Errorf("after set_commander the handoff is %s, want cancelled", got.State)
		}
		f.act(id, admin, `{"action":"set_commander","member":"responder@example.org"}`, 200)
		// The commander hands off again, as the runbook would have it.
		resp, body := f.do("POST", "/api/v1/reports/"+id+"/handoffs", responder, jsonType, goodHandoffBody)
		if resp.StatusCode != 201 {
			t.Fatalf("request again: %d %s", resp.StatusCode, body)
		}
		hid = itoa(decodeJSON[ward.Handoff](t, body).ID)
	})
	t.Run("rob accepts and commands; the old commander is told", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/handoffs/"+hid+"/accept", rob, "", "")
		if got := decodeJSON[ward.Handoff](t, body); resp.StatusCode != 200 || got.State != ward.HandoffAccepted || got.AnsweredAt.IsZero() {
			t.Fatalf("accept: %d %s", resp.StatusCode, body)
		}
		_, body = f.do("GET", "/api/v1/reports/"+id, viewer, "", "")
		if got := decodeJSON[ward.Report](t, body).Commander; got != "rob@example.org" {
			t.Errorf("commander = %q", got)
		}
		_, body = f.do("GET", "/api/v1/notifications", responder, "", "")
		notes := decodeJSON[struct{ Notifications []ward.Notification }](t, body).Notifications
		if len(notes) == 0 || notes[0].Kind != "handoff_accept" {
			t.Errorf("responder's notifications = %s", body)
		}
		if resp, _ := f.do("POST", "/api/v1/handoffs/"+hid+"/decline", rob, jsonType, `{"reason":"changed my mind"}`); resp.StatusCode != 409 {
			t.Errorf("decline after accepting: %d, want 409", resp.StatusCode)
		}
	})
	t.Run("a new request, cancelled by an admin without a body", func(t *testing.T) {
		_, body := f.do("POST", "/api/v1/reports/"+id+"/handoffs", rob, jsonType,
			`{"to":"responder@example.org","open_questions":"q","decisions":"d","pending_actions":"p","tracking_updated":true}`)
		back := decodeJSON[ward.Handoff](t, body)
		resp, body := f.do("POST", "/api/v1/handoffs/"+itoa(back.ID)+"/cancel", admin, "", "")
		if got := decodeJSON[ward.Handoff](t, body); resp.StatusCode != 200 || got.State != ward.HandoffCancelled {
			t.Errorf("cancel: %d %s", resp.StatusCode, body)
		}
		_, body = f.do("GET", "/api/v1/reports/"+id+"/timeline", viewer, "", "")
		events := decodeJSON[struct{ Events []ward.TimelineEvent }](t, body).Events
		last := events[len(events)-1]
		if last.Action != "handoff_cancel" || last.Visibility != "team" || last.Actor != "member:admin@example.org" {
			t.Errorf("last event = %+v", last)
		}
	})
}

// The desk: the commander hands off from the report page, the member it is
// to sees it on their dashboard and accepts from the report page.
func TestHandoffDesk(t *testing.T) {
	f := newFixture(t)
	_, id := handoffFixture(t, f)
	request := url.Values{"to": {"admin@example.org"}, "open_questions": {"Does <b>1.30</b> need it?"}, "decisions": {"embargo"},
		"pending_actions": {"tell distributors"}}

	_, html := f.page(ward.RoleResponder, "GET", "/reports/"+id, nil)
	if !strings.Contains(html, "Hand off command") || !strings.Contains(html, `name="tracking_updated"`) {
		t.Fatal("the commander's report page has no handoff form with the tracking confirmation")
	}
	if _, html := f.page(ward.RoleTriager, "GET", "/reports/"+id, nil); strings.Contains(html, "Hand off command") {
		t.Error("a triager who does not command sees the handoff form")
	}
	resp, html := f.page(ward.RoleResponder, "POST", "/reports/"+id+"/handoffs", request)
	if resp.StatusCode != 422 || !strings.Contains(html, "tracking_updated: the runbook asks") || !strings.Contains(html, "Does &lt;b&gt;1.30&lt;/b&gt; need it?") {
		t.Fatalf("without the confirmation: %d %s", resp.StatusCode, alertText(html))
	}
	request.Set("tracking_updated", "true")
	if resp, html := f.page(ward.RoleResponder, "POST", "/reports/"+id+"/handoffs", request); resp.StatusCode != 303 {
		t.Fatalf("request: %d %s", resp.StatusCode, alertText(html))
	}

	_, html = f.page(ward.RoleAdmin, "GET", "/", nil)
	if !strings.Contains(html, "To you, to answer") || !strings.Contains(html, "#"+id+" Scheduler RCE") {
		t.Errorf("the admin's dashboard lacks the handoff to answer")
	}
	_, html = f.page(ward.RoleResponder, "GET", "/", nil)
	if !strings.Contains(html, "From you, waiting") {
		t.Errorf("the commander's dashboard lacks the handoff waiting")
	}
	_, html = f.page(ward.RoleResponder, "GET", "/reports/"+id, nil)
	if !strings.Contains(html, "Cancel the handoff") || strings.Contains(html, "Accept command") || strings.Contains(html, "Hand off command</summary>") {
		t.Errorf("the commander's page with a pending handoff: want cancel only")
	}
	_, html = f.page(ward.RoleAdmin, "GET", "/reports/"+id, nil)
	if !strings.Contains(html, "Accept command") || !strings.Contains(html, "Does &lt;b&gt;1.30&lt;/b&gt; need it?") {
		t.Errorf("the new commander's page lacks the accept form or the context")
	}
	handoffs, err := f.db.FindHandoffs(context.Background(), ward.HandoffFilter{Pending: true})
	if err != nil || len(handoffs) != 1 {
		t.Fatalf("pending = %v, %v", handoffs, err)
	}
	answer := "/handoffs/" + itoa(handoffs[0].ID)
	if resp, _ := f.page(ward.RoleResponder, "POST", answer, url.Values{"answer": {"accept"}}); resp.StatusCode != 403 {
		t.Errorf("the old commander accepts: %d, want 403", resp.StatusCode)
	}
	if resp, _ := f.page(ward.RoleAdmin, "POST", answer, url.Values{"answer": {"accept"}}); resp.StatusCode != 303 || resp.Header.Get("Location") != "/reports/"+id {
		t.Fatalf("accept: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html = f.page(ward.RoleAdmin, "GET", "/reports/"+id, nil)
	if !strings.Contains(html, "<dt>Commander</dt><dd>admin@example.org</dd>") || strings.Contains(html, "Pending handoff of command") {
		t.Errorf("after the acceptance the page does not show the new commander alone")
	}
}
