package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestNotifyPrefsAndOutboxAPI(t *testing.T) {
	f := newFixture(t)
	admin, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	const prefs = "/api/v1/me/notify-prefs"

	resp, body := f.do("GET", prefs, viewer, "", "")
	if got := decodeJSON[ward.NotifyPrefs](t, body); resp.StatusCode != 200 || !got.Email || got.AnyHour || got.Member != "viewer@example.org" {
		t.Errorf("defaults: %d %s", resp.StatusCode, body)
	}
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"no email", `{"slack":"U0123ABCD"}`, 422},
		{"a Slack handle, not an ID", `{"email":true,"slack":"@viewer"}`, 422},
		{"someone else's", `{"email":true,"member":"admin@example.org"}`, 400},
		{"not JSON", `email=true`, 400},
	} {
		if resp, body := f.do("PUT", prefs, viewer, jsonType, tt.body); resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
		}
	}
	// A Slack ID typed in proves nothing: the Slack user links itself,
	// with a code the member makes.
	if resp, body := f.do("PUT", prefs, viewer, jsonType, `{"email":false,"slack":"U0123ABCD","any_hour":true}`); resp.StatusCode != 422 ||
		!strings.Contains(string(body), "/ward link CODE") {
		t.Errorf("a Slack ID typed in: %d %s, want 422", resp.StatusCode, body)
	}
	resp, body = f.do("POST", "/api/v1/me/slack-link", viewer, "", "")
	code := decodeJSON[struct {
		Code, Command string
		ExpiresAt     time.Time `json:"expires_at"`
	}](t, body)
	if resp.StatusCode != 201 || code.Command != "/ward link "+code.Code || !code.ExpiresAt.Equal(f.clock.Now().Add(ward.SlackLinkValid)) {
		t.Fatalf("link code: %d %s", resp.StatusCode, body)
	}
	if _, err := f.db.LinkSlack(context.Background(), code.Code, "U0123ABCD"); err != nil {
		t.Fatal(err)
	}
	resp, body = f.do("PUT", prefs, viewer, jsonType, `{"email":false,"slack":"U0123ABCD","any_hour":true}`)
	if got := decodeJSON[ward.NotifyPrefs](t, body); resp.StatusCode != 200 || got.Email || got.Slack != "U0123ABCD" || !got.AnyHour {
		t.Errorf("set: %d %s", resp.StatusCode, body)
	}
	// Without slack, the link is kept.
	resp, body = f.do("PUT", prefs, viewer, jsonType, `{"email":true}`)
	if got := decodeJSON[ward.NotifyPrefs](t, body); resp.StatusCode != 200 || !got.Email || got.Slack != "U0123ABCD" || got.AnyHour {
		t.Errorf("set without slack: %d %s", resp.StatusCode, body)
	}
	if _, body := f.do("GET", prefs, viewer, "", ""); decodeJSON[ward.NotifyPrefs](t, body).Slack != "U0123ABCD" {
		t.Errorf("read back: %s", body)
	}
	if _, body := f.do("GET", prefs, admin, "", ""); decodeJSON[ward.NotifyPrefs](t, body).Slack != "" {
		t.Errorf("another member's are their own: %s", body)
	}

	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	for _, d := range []*ward.Dispatch{
		{Key: "a", Channel: ward.ChannelEmail, Target: "triager@example.org", Member: "triager@example.org", Kind: "ping", Subject: "s", Body: "b"},
		{Key: "b", Channel: ward.ChannelEmail, Target: "viewer@example.org", Member: "viewer@example.org", Kind: "ping", Subject: "s", Body: "b"},
		{Key: "c", Channel: ward.ChannelWebhook, Target: "siem", Kind: "ping", Subject: "s", Body: "{}"},
	} {
		if _, err := f.db.QueueDispatch(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Dispatches []*ward.Dispatch `json:"dispatches"`
	}
	for _, tt := range []struct {
		name, token, query string
		status, count      int
	}{
		{"an admin sees the whole outbox", admin, "", 200, 3},
		{"an admin filters by member", admin, "?member=viewer@example.org", 200, 1},
		{"a member sees what was sent to them", triager, "", 200, 1},
		{"and may name themselves", triager, "?member=triager@example.org&status=waiting", 200, 1},
		{"but no one else", triager, "?member=viewer@example.org", 403, 0},
		{"a status that is none", admin, "?status=lost", 422, 0},
		{"no token", "", "", 401, 0},
	} {
		resp, body := f.do("GET", "/api/v1/dispatches"+tt.query, tt.token, "", "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.status == 200 {
			if got := decodeJSON[page](t, body).Dispatches; len(got) != tt.count {
				t.Errorf("%s: %d dispatches, want %d", tt.name, len(got), tt.count)
			}
		}
	}
}

func TestAccountNotifyPrefs(t *testing.T) {
	f := newFixture(t)
	resp, body := f.page(ward.RoleViewer, "POST", "/account", url.Values{"action": {"notify"}, "any_hour": {"on"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account?done=notify" {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	_, body = f.page(ward.RoleViewer, "GET", "/account?done=notify", nil)
	for _, want := range []string{"Your notification preferences are saved.", `name="any_hour" checked`, "Make a link code"} {
		if !strings.Contains(body, want) {
			t.Errorf("the account page lacks %q", want)
		}
	}
	if strings.Contains(body, `name="email" checked`) {
		t.Error("email is on, though the form left it unchecked")
	}

	resp, body = f.page(ward.RoleViewer, "POST", "/account", url.Values{"action": {"slack_link"}})
	code := regexp.MustCompile(`/ward link (wardslack_[a-z0-9]+)`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || code == nil || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("make a link code: %d %q\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if _, err := f.db.LinkSlack(context.Background(), code[1], "U0VIEWER1"); err != nil {
		t.Fatal(err)
	}
	if _, body := f.page(ward.RoleViewer, "GET", "/account", nil); !strings.Contains(body, "Linked to the Slack member U0VIEWER1") {
		t.Errorf("the account page does not say Slack is linked:\n%s", body)
	}
	// The preferences' form, even one drawn before the link (or sent with
	// another ID), saves the other preferences and keeps the link.
	for _, form := range []url.Values{{"action": {"notify"}, "email": {"on"}}, {"action": {"notify"}, "email": {"on"}, "slack": {"U0ELSE"}}} {
		if resp, _ := f.page(ward.RoleViewer, "POST", "/account", form); resp.StatusCode != 303 {
			t.Errorf("save while linked: %d", resp.StatusCode)
		}
	}
	if prefs, _ := f.db.NotifyPrefs(context.Background()); prefs["viewer@example.org"].Slack != "U0VIEWER1" || !prefs["viewer@example.org"].Email {
		t.Errorf("after saving the preferences: %+v, want the link kept", prefs["viewer@example.org"])
	}
	resp, _ = f.page(ward.RoleViewer, "POST", "/account", url.Values{"action": {"slack_unlink"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account?done=slack_unlink" {
		t.Errorf("unlink: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if prefs, err := f.db.NotifyPrefs(context.Background()); err != nil || prefs["viewer@example.org"].Slack != "" || !prefs["viewer@example.org"].Email {
		t.Errorf("after unlinking: %+v, %v", prefs["viewer@example.org"], err)
	}
}

func TestAdminOutboxPage(t *testing.T) {
	f := newFixture(t)
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	d := &ward.Dispatch{Key: "n:1:channel:siem", Channel: ward.ChannelWebhook, Target: "siem", Kind: "ping", Subject: "s", Body: "{}"}
	if _, err := f.db.QueueDispatch(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := f.db.MarkDispatchFailed(ctx, d, `webhook to <b>siem</b>: 410 Gone`, time.Time{}); err != nil {
		t.Fatal(err)
	}
	resp, body := f.page(ward.RoleAdmin, "GET", "/admin/outbox?status=failed", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "webhook: siem") || !strings.Contains(body, "&lt;b&gt;siem&lt;/b&gt;: 410 Gone") {
		t.Errorf("failed outbox: %d, want the dispatch and its escaped reason:\n%s", resp.StatusCode, body)
	}
	if _, body := f.page(ward.RoleAdmin, "GET", "/admin/outbox?status=delivered", nil); !strings.Contains(body, "Nothing sent.") {
		t.Error("the delivered outbox shows the failed dispatch")
	}
	if resp, _ := f.page(ward.RoleAdmin, "GET", "/admin/outbox?status=lost", nil); resp.StatusCode != 422 {
		t.Errorf("a status that is none: %d", resp.StatusCode)
	}
}
