package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/github"
	"github.com/wardsec/ward/server"
)

const (
	githubHookPath = "/api/v1/integrations/github/webhook"
	githubSecret   = "github-WEBHOOK-secret-0123456789"
	// The documentation's issue, which the webhook fixtures are about.
	githubIssueURL = "https://github.com/Codertocat/Hello-World/issues/1"
)

// githubFixture reads a fixture of package github (see its
// testdata/SOURCES.md).
func githubFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../github/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// githubDeliver posts a delivery as GitHub does, signed with secret;
// edit, if not nil, changes the request before it is sent.
func (f *fixture) githubDeliver(secret, event, delivery string, body []byte, edit func(*http.Request)) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+githubHookPath, strings.NewReader(string(body)))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", github.SignWebhook([]byte(secret), body))
	if edit != nil {
		edit(req)
	}
	return f.send(req)
}

func TestGitHubWebhook(t *testing.T) {
	f := newFixtureWith(t, func(c *server.Config) { c.GitHubWebhookSecret, c.IssueChanges = githubSecret, nil })
	f.clock.Set(time.Date(2019, 5, 15, 15, 21, 0, 0, time.UTC)) // just after the documentation's events
	if resp, body := f.githubDeliver(githubSecret, "ping", "p-1", githubFixture(t, "webhook-ping.json"), nil); resp.StatusCode != 404 {
		t.Errorf("without a store of issue changes: %d %s, want 404", resp.StatusCode, body)
	}

	f = newFixtureWith(t, withGitHubWebhook)
	f.clock.Set(time.Date(2019, 5, 15, 15, 21, 0, 0, time.UTC))
	// The fixture's clock is the store's: make a report that tracks the
	// documentation's issue.
	triager := f.tokens[ward.RoleTriager]
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"Spelling in the README","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	tiers := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"), Bounties: map[string]int64{"high": 500_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), tiers, false); err != nil {
		t.Fatal(err)
	}
	f.act(id, triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","tier":"tier-1"}`, 200)
	f.act(id, triager, `{"action":"track","url":"`+githubIssueURL+`"}`, 200)

	closed := githubFixture(t, "webhook-issues-closed.json")
	refused := []struct {
		name   string
		secret string
		edit   func(*http.Request)
		status int
	}{
		{"unsigned", githubSecret, func(r *http.Request) { r.Header.Del("X-Hub-Signature-256") }, 401},
		{"another secret", "not-the-secret", nil, 401},
		{"body changed after signing", githubSecret, func(r *http.Request) {
			r.Body = http.NoBody
			r.ContentLength = 0
		}, 401},
	}
	for _, tt := range refused {
		resp, body := f.githubDeliver(tt.secret, "issues", "d-"+tt.name, closed, tt.edit)
		if e := decodeJSON[apiError](t, body); resp.StatusCode != tt.status || e.Error.Code != "unauthorized" {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
		}
	}

	resp, body := f.githubDeliver(githubSecret, "ping", "p-1", githubFixture(t, "webhook-ping.json"), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"pong"`) {
		t.Errorf("ping: %d %s", resp.StatusCode, body)
	}
	resp, body = f.githubDeliver(githubSecret, "issues", "d-opened", githubFixture(t, "webhook-issues-opened.json"), nil)
	if resp.StatusCode != 202 || !strings.Contains(string(body), `"ignored"`) {
		t.Errorf("opened: %d %s, want 202 ignored", resp.StatusCode, body)
	}

	resp, body = f.githubDeliver(githubSecret, "issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958", closed, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"recorded"`) {
		t.Fatalf("closed: %d %s", resp.StatusCode, body)
	}
	// The same delivery again is a replay, refused.
	resp, body = f.githubDeliver(githubSecret, "issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958", closed, nil)
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 409 || e.Error.Message != "delivery already received: 72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Errorf("replay: %d %s, want 409", resp.StatusCode, body)
	}
	// GitHub signs the body, not the GUID: the same body under a new GUID
	// is a replay too.
	resp, body = f.githubDeliver(githubSecret, "issues", "forged-guid", closed, nil)
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 409 || e.Error.Message != "delivery already received: forged-guid" {
		t.Errorf("the body again under a new GUID: %d %s, want 409", resp.StatusCode, body)
	}
	// Nor is X-GitHub-Event signed: a comment's delivery relabelled as
	// issues is refused.
	var comment map[string]any
	if err := json.Unmarshal(closed, &comment); err != nil {
		t.Fatal(err)
	}
	comment["action"], comment["comment"] = "created", map[string]any{"id": 1, "body": "reopen please"}
	commentBody, _ := json.Marshal(comment)
	resp, body = f.githubDeliver(githubSecret, "issues", "relabelled", commentBody, nil)
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 400 || e.Error.Code != "malformed" {
		t.Errorf("an issue_comment sent as issues: %d %s, want 400 malformed", resp.StatusCode, body)
	}
	// A new GUID on a change a week old is a replay too.
	f.clock.Advance(github.MaxEventAge)
	resp, body = f.githubDeliver(githubSecret, "issues", "fresh-guid", closed, nil)
	if resp.StatusCode != 409 || !strings.Contains(string(body), "over 7 days ago") {
		t.Errorf("a week-old change: %d %s, want 409", resp.StatusCode, body)
	}

	_, body = f.do("GET", "/api/v1/reports/"+id+"/timeline", triager, "", "")
	events := decodeJSON[struct{ Events []ward.TimelineEvent }](t, body).Events
	last := events[len(events)-1]
	if last.Actor != "github:Codertocat" || last.Action != "github" || last.Comment != "closed Codertocat/Hello-World#1 as completed." ||
		last.Visibility != "team" {
		t.Errorf("last event %+v", last)
	}
	state, err := f.db.FindIssueState(context.Background(), decodeJSON[ward.Report](t, mustGet(f, "/api/v1/reports/"+id, triager)).ID)
	if err != nil || state.State != "closed" || strings.Join(state.Labels, ",") != "bug" || strings.Join(state.Assignees, ",") != "Codertocat" {
		t.Errorf("issue state %+v, %v", state, err)
	}
	// The report's page shows where the issue stands.
	_, page := f.page(ward.RoleViewer, "GET", "/reports/"+id, nil)
	if !strings.Contains(page, `<span class="meta" id="issue-state">closed · bug · assigned to Codertocat · as of`) {
		t.Errorf("the report page does not show the issue's state:\n%s", page)
	}
}

// withGitHubWebhook turns the webhook on, over the fixture's store.
func withGitHubWebhook(c *server.Config) {
	c.GitHubWebhookSecret, c.IssueChanges = githubSecret, c.Reports.(ward.IssueChangeService)
}

func mustGet(f *fixture, path, token string) []byte {
	f.t.Helper()
	resp, body := f.do("GET", path, token, "", "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

func TestGitHubWebhookRateLimitsFailures(t *testing.T) {
	f := newFixtureWith(t, withGitHubWebhook)
	ping := githubFixture(t, "webhook-ping.json")
	for i := range 20 {
		if resp, body := f.githubDeliver("wrong", "ping", "x", ping, nil); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d %s, want 401", i+1, resp.StatusCode, body)
		}
	}
	if resp, body := f.githubDeliver("wrong", "ping", "x", ping, nil); resp.StatusCode != 429 {
		t.Errorf("the 21st failure: %d %s, want 429", resp.StatusCode, body)
	}
	if resp, body := f.githubDeliver(githubSecret, "ping", "x", ping, nil); resp.StatusCode != 200 {
		t.Errorf("a signed delivery after the failures: %d %s, want 200", resp.StatusCode, body)
	}
}

// githubAPI is GitHub's REST API for the issues of octocat/Hello-World,
// answering with the documentation's examples (package github's
// testdata), or failing with GitHub's rate-limit answer while fail is set.
type githubAPI struct {
	now    func() time.Time // GitHub's clock: the fixture's
	mu     sync.Mutex
	fail   bool
	filed  []map[string]any // the bodies of the issues created
	issues []map[string]any // as GitHub lists them, newest first
}

func (g *githubAPI) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer ghp_server_test" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case g.fail:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "1377013266")
			w.WriteHeader(403)
			w.Write(githubFixture(t, "error-rate-limit.json"))
		case r.Method == "GET" && r.URL.Path == "/repos/octocat/Hello-World/issues":
			json.NewEncoder(w).Encode(g.issues)
		case r.Method == "POST" && r.URL.Path == "/repos/octocat/Hello-World/issues":
			var sent map[string]any
			json.NewDecoder(r.Body).Decode(&sent)
			g.filed = append(g.filed, sent)
			var issue map[string]any
			json.Unmarshal(githubFixture(t, "issue.json"), &issue)
			issue["body"], issue["created_at"] = sent["body"], g.now().UTC().Format(time.RFC3339)
			g.issues = append([]map[string]any{issue}, g.issues...)
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(issue)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTrackFilesOnGitHub: track without a URL files the issue through the
// real handler; GitHub's failure leaves the report as it was and says
// why; a retry after a lost answer files nothing twice.
func TestTrackFilesOnGitHub(t *testing.T) {
	gh := &githubAPI{fail: true, now: time.Now}
	api := gh.serve(t)
	client, err := github.New(github.Config{Repository: "octocat/Hello-World", APIURL: api.URL + "/", Token: "ghp_server_test",
		Labels: []string{"security"}, PublicURL: "https://ward.example.org", HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureWith(t, func(c *server.Config) { c.Actions = c.Actions.WithIssueTracker(client) })
	gh.mu.Lock()
	gh.now = f.clock.Now
	gh.mu.Unlock()
	triager := f.tokens[ward.RoleTriager]
	tiers := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"), Bounties: map[string]int64{"high": 500_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), tiers, false); err != nil {
		t.Fatal(err)
	}
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"Token in kubelet logs","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	f.act(id, triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","tier":"tier-1"}`, 200)

	resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", triager, jsonType, `{"action":"track"}`)
	e := decodeJSON[apiError](t, body)
	if resp.StatusCode != 503 || e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "403 API rate limit exceeded") {
		t.Fatalf("track with GitHub rate-limited: %d %s", resp.StatusCode, body)
	}
	if r := decodeJSON[ward.Report](t, mustGet(f, "/api/v1/reports/"+id, triager)); r.State != "triaged" || r.TrackingURL != "" {
		t.Errorf("the report changed although GitHub failed: %+v", r)
	}

	gh.mu.Lock()
	gh.fail = false
	gh.mu.Unlock()
	res := f.act(id, triager, `{"action":"track"}`, 200)
	if res.Report.TrackingURL != "https://github.com/octocat/Hello-World/issues/1347" || res.Report.State != "tracked" ||
		res.Event.Comment != "Filed octocat/Hello-World#1347 on GitHub." {
		t.Errorf("track: report %+v, event %+v", res.Report, res.Event)
	}
	if len(gh.filed) != 1 || !strings.Contains(gh.filed[0]["body"].(string), "https://ward.example.org/reports/"+id) {
		t.Errorf("filed %v", gh.filed)
	}

	// A second report's issue is filed, but the answer is lost (the
	// direct call below); the retry, track again, finds that issue
	// instead of filing another.
	_, body = f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"Second","source":"api"}`)
	id2 := itoa(decodeJSON[ward.Report](t, body).ID)
	f.act(id2, triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","tier":"tier-1"}`, 200)
	r2 := decodeJSON[ward.Report](t, mustGet(f, "/api/v1/reports/"+id2, triager))
	if _, err := client.FileIssue(context.Background(), &r2); err != nil { // the call whose answer was lost
		t.Fatal(err)
	}
	f.act(id2, triager, `{"action":"track"}`, 200)
	if len(gh.filed) != 2 {
		t.Errorf("%d issues filed for two reports, one retried; want 2", len(gh.filed))
	}
}
