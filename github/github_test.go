package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/github"
)

const (
	testToken = "ghp_contract_test_token"
	repoPath  = "/repos/octocat/Hello-World"
)

// fixture is a file of testdata; see testdata/SOURCES.md.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureWith is a fixture decoded, changed by edit, and encoded again.
func fixtureWith[T any](t *testing.T, name string, edit func(*T)) []byte {
	t.Helper()
	var v T
	if err := json.Unmarshal(fixture(t, name), &v); err != nil {
		t.Fatal(err)
	}
	edit(&v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// api is a stand-in for GitHub's REST API: each route answers as the
// documentation shows, and checks what ward sends as GitHub would.
type api struct {
	t   *testing.T
	mux *http.ServeMux
	srv *httptest.Server
	mu  sync.Mutex
	hit map[string]int // "METHOD path" → requests
}

func newAPI(t *testing.T) *api {
	a := &api{t: t, mux: http.NewServeMux(), hit: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.hit[r.Method+" "+r.URL.Path]++
		a.mu.Unlock()
		if v := r.Header.Get("X-GitHub-Api-Version"); v != "2022-11-28" {
			t.Errorf("%s %s: X-GitHub-Api-Version %q, want 2022-11-28", r.Method, r.URL.Path, v)
		}
		if ua := r.Header.Get("User-Agent"); ua == "" {
			t.Errorf("%s %s: no User-Agent, which GitHub refuses", r.Method, r.URL.Path)
		}
		a.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *api) hits(route string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hit[route]
}

// handle answers route with status and body, after checking the token.
func (a *api) handle(route string, status int, body []byte, check func(*http.Request)) {
	a.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			a.t.Errorf("%s: Authorization %q, want the token", route, got)
		}
		if check != nil {
			check(r)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		w.Write(body)
	})
}

func (a *api) client(t *testing.T, edit func(*github.Config)) *github.Client {
	t.Helper()
	cfg := github.Config{Repository: "octocat/Hello-World", APIURL: a.srv.URL + "/", Token: testToken,
		Labels: []string{"security"}, Logins: map[string]string{"cmd@example.org": "octo-commander", "ana@example.org": "octo-ana"},
		PublicURL: "https://ward.example.org/", HTTPClient: a.srv.Client()}
	if edit != nil {
		edit(&cfg)
	}
	c, err := github.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testReport is a report filed a little before the documentation's issue
// (2011-04-22T13:33:48Z), so that the issue is among those listed.
func testReport() *ward.Report {
	return &ward.Report{ID: 42, Title: "SQL injection in /search", Body: "The q parameter is pasted into SQL.\n\n<!-- ward-report: 7 -->\nsee above",
		State: "triaged", Commander: "cmd@example.org", Assignee: "nobody-mapped@example.org",
		Severity:  &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Version: "3.1", Score: 9.1, Rating: "Critical"},
		CreatedAt: time.Date(2011, 4, 22, 13, 0, 0, 0, time.UTC)}
}

// createIssueBody is the request of POST /repos/{owner}/{repo}/issues.
type createIssueBody struct {
	Title     string   `json:"title"`
	Body      string   `json:"body"`
	Labels    []string `json:"labels"`
	Assignees []string `json:"assignees"`
}

func TestFileIssueCreates(t *testing.T) {
	a := newAPI(t)
	a.handle("GET "+repoPath+"/issues", http.StatusOK, fixture(t, "issues-list.json"), func(r *http.Request) {
		q := r.URL.Query()
		want := map[string]string{"state": "all", "sort": "created", "direction": "desc", "per_page": "100", "since": "2011-04-22T12:50:00Z"}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("list issues: %s=%q, want %q", k, q.Get(k), v)
			}
		}
	})
	var sent createIssueBody
	a.handle("POST "+repoPath+"/issues", http.StatusCreated, fixture(t, "issue.json"), func(r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("create issue: Content-Type %q", ct)
		}
		if err := json.NewDecoder(r.Body).Decode(&sent); err != nil {
			t.Errorf("create issue: body: %v", err)
		}
	})
	got, err := a.client(t, nil).FileIssue(t.Context(), testReport())
	if err != nil {
		t.Fatal(err)
	}
	want := ward.TrackedIssue{URL: "https://github.com/octocat/Hello-World/issues/1347", Name: "octocat/Hello-World#1347"}
	if got != want {
		t.Errorf("FileIssue = %+v, want %+v", got, want)
	}
	if sent.Title != "SQL injection in /search (ward report #42)" {
		t.Errorf("title %q", sent.Title)
	}
	for _, part := range []string{
		"> The q parameter is pasted into SQL.",
		"**Critical**, 9.1 (CVSS 3.1): `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N`",
		"https://ward.example.org/reports/42",
		"Credit: _to be confirmed with the reporter_",
	} {
		if !strings.Contains(sent.Body, part) {
			t.Errorf("body lacks %q:\n%s", part, sent.Body)
		}
	}
	if !strings.HasSuffix(sent.Body, "\n\n<!-- ward-report: 42 -->\n") {
		t.Errorf("body does not end with the marker:\n%s", sent.Body)
	}
	if diff := cmp.Diff([]string{"security", "severity/critical"}, sent.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	// The assignee has no login in the map: only the commander is assigned.
	if diff := cmp.Diff([]string{"octo-commander"}, sent.Assignees); diff != "" {
		t.Errorf("assignees (-want +got):\n%s", diff)
	}
}

func TestFileIssueFindsTheOneFiledBefore(t *testing.T) {
	a := newAPI(t)
	// The first page has the documentation's issue; the second, through
	// the Link header, the one an earlier call filed (its answer lost).
	a.mux.HandleFunc("GET "+repoPath+"/issues", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			w.Write(fixtureWith(t, "issues-list.json", func(issues *[]map[string]any) {
				(*issues)[0]["number"] = 1350
				(*issues)[0]["html_url"] = "https://github.com/octocat/Hello-World/issues/1350"
				(*issues)[0]["body"] = "Filed by ward.\n\n<!-- ward-report: 42 -->\n"
			}))
			return
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s%s/issues?page=2>; rel="next", <%s%s/issues?page=2>; rel="last"`, a.srv.URL, repoPath, a.srv.URL, repoPath))
		w.Write(fixture(t, "issues-list.json"))
	})
	a.handle("POST "+repoPath+"/issues", http.StatusCreated, fixture(t, "issue.json"), func(*http.Request) {
		t.Error("an issue was filed again")
	})
	got, err := a.client(t, nil).FileIssue(t.Context(), testReport())
	if err != nil {
		t.Fatal(err)
	}
	if want := (ward.TrackedIssue{URL: "https://github.com/octocat/Hello-World/issues/1350", Name: "octocat/Hello-World#1350"}); got != want {
		t.Errorf("FileIssue = %+v, want %+v", got, want)
	}
}

func TestFileIssueStopsAtOlderIssues(t *testing.T) {
	a := newAPI(t)
	a.mux.HandleFunc("GET "+repoPath+"/issues", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			t.Error("read the page after an issue older than the report")
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s%s/issues?page=2>; rel="next"`, a.srv.URL, repoPath))
		w.Write(fixture(t, "issues-list.json"))
	})
	a.handle("POST "+repoPath+"/issues", http.StatusCreated, fixture(t, "issue.json"), nil)
	r := testReport()
	r.CreatedAt = time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC) // after the listed issue
	if _, err := a.client(t, nil).FileIssue(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if n := a.hits("POST " + repoPath + "/issues"); n != 1 {
		t.Errorf("%d issues filed, want 1", n)
	}
}

// fileNew files r's issue in a repository that has none yet, with a
// client that edit configures, and returns what was sent.
func fileNew(t *testing.T, edit func(*github.Config), r *ward.Report) createIssueBody {
	t.Helper()
	a := newAPI(t)
	a.handle("GET "+repoPath+"/issues", http.StatusOK, []byte("[]"), nil)
	var sent createIssueBody
	a.handle("POST "+repoPath+"/issues", http.StatusCreated, fixture(t, "issue.json"), func(r *http.Request) {
		json.NewDecoder(r.Body).Decode(&sent)
	})
	if _, err := a.client(t, edit).FileIssue(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return sent
}

func TestFileIssueTemplate(t *testing.T) {
	tmpl := `{{define "title"}}[Security] {{.Report.Title}}{{end}}{{define "body"}}Credit: {{.Credit}}
<!-- ward-report: 1 -->{{end}}`
	r := testReport()
	r.Attribution, r.Severity = "Jane Doe of Example Labs", nil
	sent := fileNew(t, func(c *github.Config) { c.Template = tmpl }, r)
	want := createIssueBody{Title: "[Security] SQL injection in /search",
		Body:   "Credit: Jane Doe of Example Labs\n<!-- ward-report: 1 -->\n\n<!-- ward-report: 42 -->\n",
		Labels: []string{"security"}, Assignees: []string{"octo-commander"}}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if _, err := github.New(github.Config{Repository: "a/b", Token: "t", Template: `{{define "title"}}x{{end}}`}); err == nil ||
		!strings.Contains(err.Error(), `no "body"`) {
		t.Errorf("a template without body: %v", err)
	}
}

// TestErrors replays GitHub's documented error answers to the calls ward
// makes: each becomes an *Error that says the status and GitHub's message,
// and none holds the token.
func TestErrors(t *testing.T) {
	reset := time.Date(2013, 8, 20, 15, 41, 6, 0, time.UTC)
	tests := []struct {
		name    string
		status  int
		file    string
		headers map[string]string
		want    string
	}{
		{"bad credentials", 401, "error-bad-credentials.json", nil, "GitHub: list the issues of octocat/Hello-World: 401 Bad credentials"},
		{"rate limit", 403, "error-rate-limit.json", map[string]string{"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "60",
			"X-RateLimit-Reset": fmt.Sprint(reset.Unix())}, "GitHub: list the issues of octocat/Hello-World: 403 API rate limit exceeded for xxx.xxx.xxx.xxx."},
		{"not found", 404, "error-not-found.json", nil, "GitHub: list the issues of octocat/Hello-World: 404 Not Found"},
		{"validation failed", 422, "error-validation-failed.json", nil, "GitHub: list the issues of octocat/Hello-World: 422 Validation Failed: Issue title missing_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t)
			a.mux.HandleFunc("GET "+repoPath+"/issues", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write(fixture(t, tt.file))
			})
			_, err := a.client(t, nil).FileIssue(t.Context(), testReport())
			var ge *github.Error
			if !errors.As(err, &ge) {
				t.Fatalf("error %v (%T), want a *github.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || ge.Status != tt.status {
				t.Errorf("error %q (status %d), want %q… (status %d)", err, ge.Status, tt.want, tt.status)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), a.srv.URL) {
				t.Errorf("error %q holds the token or the URL", err)
			}
			if tt.headers != nil && !ge.RateLimitReset.Equal(reset) {
				t.Errorf("RateLimitReset %v, want %v", ge.RateLimitReset, reset)
			}
			if n := a.hits("POST " + repoPath + "/issues"); n != 0 {
				t.Errorf("filed an issue after the list failed")
			}
		})
	}
}

func TestCreateValidationFailed(t *testing.T) {
	a := newAPI(t)
	a.handle("GET "+repoPath+"/issues", http.StatusOK, []byte("[]"), nil)
	a.handle("POST "+repoPath+"/issues", http.StatusUnprocessableEntity, fixture(t, "error-validation-failed.json"), nil)
	_, err := a.client(t, nil).FileIssue(t.Context(), testReport())
	if want := "GitHub: create an issue in octocat/Hello-World: 422 Validation Failed: Issue title missing_field"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestOpenPullRequests(t *testing.T) {
	a := newAPI(t)
	a.mux.HandleFunc("GET "+repoPath+"/pulls", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		if s := r.URL.Query().Get("state"); s != "open" {
			t.Errorf("state=%q, want open", s)
		}
		if r.URL.Query().Get("page") == "2" {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s/pulls?page=1>; rel="prev", <%s%s/pulls?page=1>; rel="first"`, a.srv.URL, repoPath, a.srv.URL, repoPath))
			w.Write(fixture(t, "pulls-page2.json"))
			return
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s%s/pulls?page=2>; rel="next", <%s%s/pulls?page=2>; rel="last"`, a.srv.URL, repoPath, a.srv.URL, repoPath))
		w.Write(fixture(t, "pulls-page1.json"))
	})
	got, err := a.client(t, nil).OpenPullRequests(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []ward.PullRequest{
		{Number: 1347, Title: "Amazing new feature", Author: "octocat", URL: "https://github.com/octocat/Hello-World/pull/1347",
			CreatedAt: time.Date(2011, 1, 26, 19, 1, 12, 0, time.UTC), UpdatedAt: time.Date(2011, 1, 26, 19, 1, 12, 0, time.UTC)},
		{Number: 1346, Title: "Fix the embargoed thing", Author: "hubot", URL: "https://github.com/octocat/Hello-World/pull/1346",
			CreatedAt: time.Date(2011, 1, 20, 10, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2011, 1, 25, 8, 30, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
}

func TestCheck(t *testing.T) {
	private := func(push bool) []byte {
		return fixtureWith(t, "repository.json", func(r *map[string]any) {
			(*r)["private"] = true
			(*r)["permissions"] = map[string]bool{"admin": false, "push": push, "pull": true}
		})
	}
	tests := []struct {
		name   string
		status int
		body   []byte
		want   string // "" for no error
	}{
		{"private, may push", 200, private(true), ""},
		{"public", 200, fixture(t, "repository.json"), "github: octocat/Hello-World is public: tracking issues hold embargoed details"},
		{"read only", 200, private(false), "github: the token lacks issues: write on octocat/Hello-World"},
		{"not found", 404, fixture(t, "error-not-found.json"), "GitHub: read the repository octocat/Hello-World: 404 Not Found: the token cannot see octocat/Hello-World"},
		{"bad credentials", 401, fixture(t, "error-bad-credentials.json"), "GitHub: read the repository octocat/Hello-World: 401 Bad credentials: the token or App key is not accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t)
			a.handle("GET "+repoPath, tt.status, tt.body, nil)
			err := a.client(t, nil).Check(t.Context())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Check: %v, want %q…", err, tt.want)
			}
		})
	}
}

// TestApp authenticates as a GitHub App: a JWT signed with its key is
// exchanged for an installation token, which the calls carry until five
// minutes before it expires.
func TestApp(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// The documentation's token expires at 2016-07-11T22:14:10Z: an hour
	// after now.
	now := time.Date(2016, 7, 11, 21, 14, 10, 0, time.UTC)
	a := newAPI(t)
	// Read here: t.Fatal may not be called from a handler's goroutine.
	token := fixture(t, "installation-token.json")
	repository := fixtureWith(t, "repository.json", func(r *map[string]any) { (*r)["private"] = true; delete(*r, "permissions") })
	a.mux.HandleFunc("POST /app/installations/99/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if !ok || err != nil {
			t.Errorf("token exchange: Authorization is not a JWT: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var claims jwt.Claims
		if err := tok.Claims(&key.PublicKey, &claims); err != nil {
			t.Errorf("token exchange: JWT not signed by the App's key: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: "123", Time: now}, 0); err != nil {
			t.Errorf("token exchange: JWT claims: %v", err)
		}
		if life := claims.Expiry.Time().Sub(claims.IssuedAt.Time()); life > 10*time.Minute {
			t.Errorf("JWT lives %s; GitHub takes at most 10 minutes", life)
		}
		w.WriteHeader(http.StatusCreated)
		w.Write(token)
	})
	a.mux.HandleFunc("GET "+repoPath, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a" {
			t.Errorf("Authorization %q, want the installation token", got)
		}
		w.Write(repository)
	})
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := a.client(t, func(cfg *github.Config) {
		cfg.Token, cfg.AppID, cfg.InstallationID, cfg.PrivateKey, cfg.Now = "", 123, 99, keyPEM, clock
	})
	for range 2 {
		if err := c.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.hits("POST /app/installations/99/access_tokens"); n != 1 {
		t.Errorf("%d tokens minted for two calls within the hour, want 1", n)
	}
	mu.Lock()
	now = now.Add(56 * time.Minute) // 4 minutes left: too few
	mu.Unlock()
	if err := c.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := a.hits("POST /app/installations/99/access_tokens"); n != 2 {
		t.Errorf("%d tokens minted, want a second one near the first's expiry", n)
	}
}

func TestAppTokenRefused(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	a := newAPI(t)
	a.mux.HandleFunc("POST /app/installations/99/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(fixture(t, "error-bad-credentials.json"))
	})
	c := a.client(t, func(cfg *github.Config) {
		cfg.Token, cfg.AppID, cfg.InstallationID, cfg.PrivateKey = "", 123, 99, keyPEM
	})
	_, err := c.OpenPullRequests(t.Context())
	if want := "GitHub: get a token for the App's installation 99: 401 Bad credentials"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if n := a.hits("GET " + repoPath + "/pulls"); n != 0 {
		t.Errorf("listed pull requests without a token")
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  github.Config
		want string
	}{
		{"no repository", github.Config{Token: "t"}, `repository ""`},
		{"no credentials", github.Config{Repository: "a/b"}, "give a token"},
		{"both", github.Config{Repository: "a/b", Token: "t", AppID: 1, InstallationID: 2}, "not both"},
		{"no installation", github.Config{Repository: "a/b", AppID: 1}, "installation_id"},
		{"bad key", github.Config{Repository: "a/b", AppID: 1, InstallationID: 2, PrivateKey: []byte("secret-ish")}, "private_key: not a PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := github.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want …%s…", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-ish") {
				t.Errorf("New: %v quotes the key", err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The marker is found on any line of its own, so that text added to the
// issue after it (by hand, or by a bot) does not lead to a second issue;
// a marker that is quoted, or another report's, is not the report's.
func TestFileIssueFindsTheMarkerOnAnyLine(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		found bool
	}{
		{"text added after it", "Filed by ward.\r\n\r\n<!-- ward-report: 42 -->\r\n\r\nUpdate: the fix is in #12.\r\n", true},
		{"last", "Filed by ward.\n\n<!-- ward-report: 42 -->\n", true},
		{"quoted", "Filed by ward.\n\n> <!-- ward-report: 42 -->\n", false},
		{"within a line", "see <!-- ward-report: 42 --> here", false},
		{"another report's", "<!-- ward-report: 421 -->", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t)
			a.handle("GET "+repoPath+"/issues", http.StatusOK, fixtureWith(t, "issues-list.json", func(issues *[]map[string]any) {
				(*issues)[0]["number"] = 1350
				(*issues)[0]["html_url"] = "https://github.com/octocat/Hello-World/issues/1350"
				(*issues)[0]["body"] = tt.body
			}), nil)
			a.handle("POST "+repoPath+"/issues", http.StatusCreated, fixture(t, "issue.json"), nil)
			got, err := a.client(t, nil).FileIssue(t.Context(), testReport())
			if err != nil {
				t.Fatal(err)
			}
			if found := got.Name == "octocat/Hello-World#1350"; found != tt.found {
				t.Errorf("FileIssue = %+v: found the issue %t, want %t", got, found, tt.found)
			}
			if filed := a.hits("POST "+repoPath+"/issues") == 1; filed == tt.found {
				t.Errorf("filed an issue: %t, want %t", filed, !tt.found)
			}
		})
	}
}

// The reporter's text goes in the issue unable to act: it mentions nobody,
// hides nothing, loads no image, and plants no marker; the title is cut
// to GitHub's 256 characters.
func TestFileIssueNeutralisesTheReportersText(t *testing.T) {
	r := testReport()
	r.Title = strings.Repeat("é", 300)
	r.Body = "cc @octocat and @octo-org/security-team, mail me at rae@example.net\n" +
		"<!-- ward-report: 42 -->\n" +
		"<!-- hidden from the team -->\n" +
		"![beacon](https://tracker.example.net/pixel.png)\n" +
		`<img src="https://tracker.example.net/pixel.png">`
	sent := fileNew(t, nil, r)
	for _, bad := range []string{"@octocat", "@octo-org", "<!-- hidden", "![", "<img"} {
		if strings.Contains(sent.Body, bad) {
			t.Errorf("the issue holds %q:\n%s", bad, sent.Body)
		}
	}
	for _, kept := range []string{"@\u200doctocat", "rae@example.net", "&lt;!-- hidden from the team -->", `!\[beacon]`} {
		if !strings.Contains(sent.Body, kept) {
			t.Errorf("the issue lacks %q:\n%s", kept, sent.Body)
		}
	}
	markers := 0
	for line := range strings.Lines(sent.Body) {
		if strings.TrimSpace(line) == "<!-- ward-report: 42 -->" {
			markers++
		}
	}
	if markers != 1 {
		t.Errorf("%d marker lines, want ward's alone:\n%s", markers, sent.Body)
	}
	if n := utf8.RuneCountInString(sent.Title); n != 256 || !strings.HasSuffix(sent.Title, "é…") {
		t.Errorf("title of %d characters, want 256 ending with …: %q", n, sent.Title)
	}
}

// A caller waiting for the App's token while another mints it gives up
// when its own context ends, rather than wait for GitHub's answer.
func TestAppTokenWaitHonoursTheContext(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	a := newAPI(t)
	minting, release := make(chan struct{}), make(chan struct{})
	token := fixture(t, "installation-token.json")
	a.mux.HandleFunc("POST /app/installations/99/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		close(minting)
		<-release
		w.WriteHeader(http.StatusCreated)
		w.Write(token)
	})
	a.mux.HandleFunc("GET "+repoPath+"/pulls", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) })
	c := a.client(t, func(cfg *github.Config) {
		cfg.Token, cfg.AppID, cfg.InstallationID, cfg.PrivateKey = "", 123, 99, keyPEM
		cfg.Now = func() time.Time { return time.Date(2016, 7, 11, 21, 14, 10, 0, time.UTC) }
	})
	first := make(chan error, 1)
	go func() { _, err := c.OpenPullRequests(t.Context()); first <- err }()
	<-minting
	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan error, 1)
	go func() { _, err := c.OpenPullRequests(ctx); second <- err }()
	cancel()
	select {
	case err := <-second:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the cancelled caller: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the cancelled caller still waits for the other's token")
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the minting caller: %v", err)
	}
}
