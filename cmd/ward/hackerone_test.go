package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

// ward integrations check names the missing token's variable, never a
// value, and checks that the token reaches the programme; ward
// integrations sync hackerone pulls the programme's reports.
func TestHackerOneCheckAndSync(t *testing.T) {
	const report = `{"id":"77","type":"report","attributes":{"title":"SSRF in the importer","state":"new",
		"vulnerability_information":"The importer fetches any URL.","created_at":"2026-01-01T00:00:00.000Z","last_activity_at":"2026-01-01T00:00:00.000Z"},
		"relationships":{"reporter":{"data":{"id":"5","type":"user","attributes":{"username":"zoe","name":"Zoe"}}}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "ward-bot" || p != "h1-s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"status":401,"title":"Unauthorized","detail":"Invalid credentials."}]}`))
			return
		}
		switch r.URL.Path {
		case "/v1/me/programs":
			w.Write([]byte(`{"data":[{"id":"1","type":"program","attributes":{"handle":"example"}}],"links":{}}`))
		case "/v1/reports":
			w.Write([]byte(`{"data":[` + report + `],"links":{}}`))
		case "/v1/reports/77": // in full: the list has no activities nor attachments
			w.Write([]byte(`{"data":` + report + `}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := newCLI(t)
	team := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(team, []byte(`integrations:
  hackerone:
    program: example
    api_url: `+srv.URL+`/v1
    username: ward-bot
    token_env: WARD_TEST_H1_TOKEN
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("apply", "-f", team)

	// The team file alone cannot send the token to another host.
	t.Setenv("WARD_TEST_H1_TOKEN", "h1-s3cret")
	host := strings.TrimPrefix(srv.URL, "http://")
	if out, _, err := c.run("", "integrations", "check"); err == nil || !strings.Contains(out, "api_url: "+host+" is not api.hackerone.com") {
		t.Errorf("a host the operator did not allow: %v\n%s", err, out)
	}
	t.Setenv(ward.APIHostsEnv, "ghe.example.org, "+host)
	t.Setenv("WARD_TEST_H1_TOKEN", "")
	out, _, err := c.run("", "integrations", "check")
	if err == nil || !strings.Contains(out, "hackerone (example): token: the environment variable WARD_TEST_H1_TOKEN is not set or empty") {
		t.Errorf("without the token: %v\n%s", err, out)
	}
	t.Setenv("WARD_TEST_H1_TOKEN", "wrong")
	out, _, err = c.run("", "integrations", "check")
	if err == nil || !strings.Contains(out, "401 Unauthorized: Unauthorized: Invalid credentials.") || strings.Contains(out, "wrong") {
		t.Errorf("with a wrong token: %v\n%s", err, out)
	}
	t.Setenv("WARD_TEST_H1_TOKEN", "h1-s3cret")
	if out := c.ok("integrations", "check"); !strings.Contains(out, "hackerone (example): ok") {
		t.Errorf("with the token: %s", out)
	}
	if out := c.ok("integrations", "sync", "hackerone"); !strings.Contains(out, "hackerone (example): 1 new, 0 updated, 0 events, 0 conflicts") {
		t.Errorf("sync: %s", out)
	}
	if out := c.ok("integrations", "sync", "hackerone"); !strings.Contains(out, "0 new, 0 updated") {
		t.Errorf("second sync: %s", out)
	}
}
