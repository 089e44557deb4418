package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
	"github.com/wardsec/ward/slack"
)

const (
	slackPath   = "/api/v1/integrations/slack/commands"
	slackSecret = "slack-SIGNING-secret-0123456789"
	formType    = "application/x-www-form-urlencoded"
)

// slackTriggers numbers the commands the tests send: Slack gives each a
// trigger_id of its own, so no two of its requests are the same bytes.
var slackTriggers atomic.Int64

// slackForm is the form Slack posts for "/ward text", with the fields of
// https://api.slack.com/interactivity/slash-commands.
func slackForm(text string) string {
	return url.Values{"token": {"deprecated-verification-token"}, "team_id": {"T0001"}, "team_domain": {"example"},
		"channel_id": {"C2147483705"}, "channel_name": {"security"}, "user_id": {"U2147483697"}, "user_name": {"ana"},
		"command": {"/ward"}, "text": {text}, "api_app_id": {"A123456"},
		"response_url": {"https://hooks.slack.com/commands/T0001/1234/abcd"}, "trigger_id": {fmt.Sprintf("13345224609.738474920.%d", slackTriggers.Add(1))},
	}.Encode()
}

// slackRequest posts body as Slack would, signed with secret at the Unix
// time at; edit, if not nil, changes the request before it is sent.
func (f *fixture) slackRequest(secret, body string, at time.Time, edit func(*http.Request)) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+slackPath, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", formType)
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(at.Unix()))
	req.Header.Set("X-Slack-Signature", slack.Sign([]byte(secret), at.Unix(), []byte(body)))
	if edit != nil {
		edit(req)
	}
	return f.send(req)
}

// slackAsk runs "/ward text", signed now, and returns the answer's text.
func (f *fixture) slackAsk(text string) string {
	f.t.Helper()
	resp, body := f.slackRequest(slackSecret, slackForm(text), f.clock.Now(), nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		f.t.Fatalf("/ward %s: %d %s %s", text, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var answer struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&answer); err != nil {
		f.t.Fatalf("/ward %s: %v: %s", text, err, body)
	}
	if answer.ResponseType != "ephemeral" {
		f.t.Errorf("/ward %s: response_type %q, want ephemeral: only the caller may see it", text, answer.ResponseType)
	}
	return answer.Text
}

// slackLinkCode makes a link code for the member of the role, as their
// account page would.
func (f *fixture) slackLinkCode(role ward.Role) string {
	f.t.Helper()
	resp, body := f.do("POST", "/api/v1/me/slack-link", f.tokens[role], "", "")
	if resp.StatusCode != 201 {
		f.t.Fatalf("link code: %d %s", resp.StatusCode, body)
	}
	return decodeJSON[struct{ Code string }](f.t, body).Code
}

func TestSlackCommand(t *testing.T) {
	f := rotationFixtureWith(t, func(c *server.Config) { c.SlackSigningSecret = slackSecret })
	f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)) // Tuesday of the triager's week

	t.Run("only a ward member who linked their Slack account, as their role allows", func(t *testing.T) {
		if got := f.slackAsk("oncall"); !strings.Contains(got, "does not know your Slack account") {
			t.Errorf("an unlinked Slack user asks who is on call: %q", got)
		}
		ctx := context.Background()
		if got := f.slackAsk("link wardslack_guessed"); got != "That code is unknown, used or expired. Make a new one on your ward account page (Notifications)." {
			t.Errorf("a wrong code: %q", got)
		}
		if got := f.slackAsk("oncall"); !strings.Contains(got, "does not know your Slack account") {
			t.Errorf("after a wrong code: %q", got)
		}
		if got := f.slackAsk("link " + f.slackLinkCode(ward.RoleViewer)); got != "Linked: ward knows you as viewer@example.org. Its direct messages to you come here, and `/ward` answers you as them." {
			t.Errorf("link: %q", got)
		}
		if got := f.slackAsk("queue"); got != "Your ward role, viewer, may not see that." {
			t.Errorf("a viewer asks for the queue: %q", got)
		}
		if got := f.slackAsk("oncall"); !strings.HasPrefix(got, "On call now:") {
			t.Errorf("a viewer asks who is on call: %q", got)
		}
		// From here on the caller is the triager: the same Slack user
		// links itself to them, and is the viewer's no more.
		f.slackAsk("link " + f.slackLinkCode(ward.RoleTriager))
		if prefs, err := f.db.NotifyPrefs(ctx); err != nil || prefs["viewer@example.org"].Slack != "" || prefs["triager@example.org"].Slack != "U2147483697" {
			t.Errorf("prefs after linking to the triager: %+v, %v", prefs, err)
		}
	})

	t.Run("oncall", func(t *testing.T) {
		got := f.slackAsk("oncall")
		want := "On call now:\n• *src*: triager (triager@example.org), their time Tue 2026-03-10 12:00 UTC, " +
			"until <!date^1773651600^{date_short_pretty} {time}|2026-03-16 09:00 UTC>"
		if got != want {
			t.Errorf("oncall:\n got %q\nwant %q", got, want)
		}
		f.clock.Set(time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)) // Saturday
		defer f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
		if got := f.slackAsk("  OnCall please"); !strings.HasSuffix(got, "; off duty now, back <!date^1773651600^{date_short_pretty} {time}|2026-03-16 09:00 UTC>") {
			t.Errorf("oncall on Saturday: %q, want off duty until Monday", got)
		}
	})

	t.Run("queue shows no titles", func(t *testing.T) {
		if got := f.slackAsk("queue"); got != "The triage queue is empty." {
			t.Errorf("queue before any report: %q", got)
		}
		if _, err := f.db.ApplyTeam(context.Background(), ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
			Bounties: map[string]int64{"critical": 1_000_000}}}}, false); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC))
		older := deskReport(t, f)
		f.act(older, f.tokens[ward.RoleTriager], `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`, 200)
		f.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
		resp, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType,
			`{"title":"SECOND-TITLE: token leak","body":"details","source":"email","reporter_name":"Rae","reporter_email":"rae@example.net"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("file: %d %s", resp.StatusCode, body)
		}
		newer := itoa(decodeJSON[ward.Report](t, body).ID)
		f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))

		got := f.slackAsk("queue")
		want := fmt.Sprintf("<%[1]s/reports?view=triage|Triage queue>: 2, the oldest first:\n"+
			"• <%[1]s/reports/%[2]s|#%[2]s> critical, triaged, waiting 3d\n"+
			"• <%[1]s/reports/%[3]s|#%[3]s> unrated, new, waiting 3h", f.srv.URL, older, newer)
		if got != want {
			t.Errorf("queue:\n got %q\nwant %q", got, want)
		}
		// The channel may hold people who may not read an embargoed
		// report: nothing of its text, its reporter or its source.
		for _, secret := range []string{"Webhook bypass", "SECOND-TITLE", "alert", "script", "rae@example.net", "hackerone", "only us"} {
			if strings.Contains(got, secret) {
				t.Errorf("the queue shows %q: %s", secret, got)
			}
		}
	})

	t.Run("help and anything else", func(t *testing.T) {
		usage := "Usage:\n`/ward oncall`: who is on call now in each rotation\n`/ward queue`: the triage queue, the oldest first\n" +
			"`/ward link CODE`: link your Slack account to ward, with a code from your ward account page\n`/ward help`: this text"
		for _, text := range []string{"", "help", "HELP me"} {
			if got := f.slackAsk(text); got != usage {
				t.Errorf("/ward %q: %q, want the usage", text, got)
			}
		}
		// What was typed is escaped: it cannot mention the channel.
		if got := f.slackAsk("<!channel> now"); got != "ward does not know “&lt;!channel&gt;”.\n"+usage {
			t.Errorf("/ward <!channel>: %q", got)
		}
	})

	now := f.clock.Now()
	good := slackForm("queue")
	for _, c := range []struct {
		name   string
		secret string
		body   string
		at     time.Time
		edit   func(*http.Request)
		status int
		code   string
	}{
		{"another secret", "another-secret", good, now, nil, 401, ward.EUNAUTHORIZED},
		{"a body other than signed", slackSecret, good, now, func(r *http.Request) {
			r.Body, r.ContentLength = http.NoBody, 0
		}, 401, ward.EUNAUTHORIZED},
		{"no timestamp", slackSecret, good, now, func(r *http.Request) { r.Header.Del("X-Slack-Request-Timestamp") }, 401, ward.EUNAUTHORIZED},
		{"no signature", slackSecret, good, now, func(r *http.Request) { r.Header.Del("X-Slack-Signature") }, 401, ward.EUNAUTHORIZED},
		{"a Bearer token instead", slackSecret, good, now, func(r *http.Request) {
			r.Header.Del("X-Slack-Signature")
			r.Header.Set("Authorization", "Bearer "+f.tokens[ward.RoleAdmin])
		}, 401, ward.EUNAUTHORIZED},
		{"replayed six minutes later", slackSecret, good, now.Add(-6 * time.Minute), nil, 401, ward.EUNAUTHORIZED},
		{"signed six minutes ahead", slackSecret, good, now.Add(6 * time.Minute), nil, 401, ward.EUNAUTHORIZED},
		{"over 32 KiB", slackSecret, good + "&pad=" + strings.Repeat("x", 32<<10), now, nil, 413, ward.ETOOLARGE},
		{"over 32 KiB without a length", slackSecret, good + "&pad=" + strings.Repeat("x", 32<<10), now, func(r *http.Request) {
			r.ContentLength = -1 // chunked: read until the limit
		}, 413, ward.ETOOLARGE},
		{"signed, but not a form", slackSecret, good, now, func(r *http.Request) { r.Header.Set("Content-Type", jsonType) }, 415, ward.EUNSUPPORTED},
		{"signed, but not form encoding", slackSecret, "text=%zz", now, nil, 400, ward.EMALFORMED},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.slackRequest(c.secret, c.body, c.at, c.edit)
			e := decodeJSON[apiError](t, body)
			if resp.StatusCode != c.status || e.Error.Code != c.code {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, c.status, c.code)
			}
			if strings.Contains(string(body), "triage") || strings.Contains(string(body), slackSecret) {
				t.Errorf("a refusal tells more than it should: %s", body)
			}
		})
	}
	if strings.Contains(f.logs.String(), slackSecret) || strings.Contains(f.logs.String(), "U2147483697&") {
		t.Errorf("the log holds the secret or a body:\n%s", f.logs.String())
	}

	t.Run("failures are rate-limited by address; signed requests are not", func(t *testing.T) {
		// Later than every request so far (the oncall case went to the
		// Saturday), so that the bucket is full again.
		f.clock.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		for i := range 30 {
			if resp, body := f.slackRequest(slackSecret, slackForm("help"), f.clock.Now(), nil); resp.StatusCode != 200 {
				t.Fatalf("signed request %d: %d %s", i+1, resp.StatusCode, body)
			}
		}
		for i := range 20 {
			if resp, _ := f.slackRequest("forged", good, f.clock.Now(), nil); resp.StatusCode != 401 {
				t.Fatalf("forged request %d: %d, want 401", i+1, resp.StatusCode)
			}
		}
		if resp, body := f.slackRequest("forged", good, f.clock.Now(), nil); resp.StatusCode != 429 {
			t.Errorf("the 21st forged request: %d %s, want 429", resp.StatusCode, body)
		}
		// Slack's addresses are shared by every workspace: forgeries from
		// them must not keep the team's own commands out.
		if resp, body := f.slackRequest(slackSecret, slackForm("help"), f.clock.Now(), nil); resp.StatusCode != 200 {
			t.Errorf("a signed request right after: %d %s", resp.StatusCode, body)
		}
	})
}

// Without a signing secret there is no slash command, even for a request
// that is signed (with the empty secret) or not.
// A request sent again is refused, however its signature's hex is
// spelt: what was signed is what is remembered.
func TestSlackCommandReplayed(t *testing.T) {
	f := rotationFixtureWith(t, func(c *server.Config) { c.SlackSigningSecret = slackSecret })
	body, at := slackForm("help"), f.clock.Now()
	if resp, answer := f.slackRequest(slackSecret, body, at, nil); resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, answer)
	}
	for name, edit := range map[string]func(*http.Request){
		"as it was": nil,
		"in upper case": func(r *http.Request) {
			r.Header.Set("X-Slack-Signature", "v0="+strings.ToUpper(r.Header.Get("X-Slack-Signature")[3:]))
		},
	} {
		resp, answer := f.slackRequest(slackSecret, body, at, edit)
		if e := decodeJSON[apiError](t, answer); resp.StatusCode != 409 || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "a replay") {
			t.Errorf("replayed %s: %d %s, want 409", name, resp.StatusCode, answer)
		}
	}
	// Another command in the same second is no replay.
	if resp, answer := f.slackRequest(slackSecret, slackForm("help"), at, nil); resp.StatusCode != 200 {
		t.Errorf("another command: %d %s", resp.StatusCode, answer)
	}
}

func TestSlackCommandNotConfigured(t *testing.T) {
	f := newFixture(t)
	for name, secret := range map[string]string{"signed with the empty secret": "", "signed with some secret": slackSecret} {
		resp, body := f.slackRequest(secret, slackForm("oncall"), f.clock.Now(), nil)
		if e := decodeJSON[apiError](t, body); resp.StatusCode != 404 || e.Error.Code != ward.ENOTFOUND {
			t.Errorf("%s: %d %s, want 404", name, resp.StatusCode, body)
		}
	}
	if resp, _ := f.do("GET", slackPath, "", "", ""); resp.StatusCode != 405 {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
}
