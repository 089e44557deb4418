package main

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

// ward integrations check says what keeps GitHub from working: a secret
// not set (named, never its value), a public repository, no webhook
// secret; and ok when all is well.
func TestIntegrationsCheckGitHub(t *testing.T) {
	private := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/example-org/security" || r.Header.Get("Authorization") != "Bearer ghp-check-value" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest/repos/repos#get-a-repository"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if private {
			w.Write([]byte(`{"full_name":"example-org/security","private":true,"has_issues":true,"permissions":{"admin":false,"push":true,"pull":true}}`))
			return
		}
		w.Write([]byte(`{"full_name":"example-org/security","private":false,"has_issues":true}`))
	}))
	defer srv.Close()
	c := newCLI(t)
	if out := c.ok("integrations", "check"); !strings.Contains(out, "github: not configured") {
		t.Errorf("without GitHub: %q", out)
	}
	team := filepath.Join(t.TempDir(), "team.yaml")
	write := func(webhook string) {
		t.Helper()
		if err := os.WriteFile(team, []byte(`integrations:
  github:
    repository: example-org/security
    api_url: `+srv.URL+`/
    token_env: WARD_TEST_GITHUB_TOKEN
`+webhook), 0o600); err != nil {
			t.Fatal(err)
		}
		c.ok("apply", "-f", team)
	}
	write("")
	// The team file alone cannot send the token to another host.
	t.Setenv("WARD_TEST_GITHUB_TOKEN", "gh-s3cret")
	host := strings.TrimPrefix(srv.URL, "http://")
	if out, _, err := c.run("", "integrations", "check"); err == nil || !strings.Contains(out, "api_url: "+host+" is not api.github.com") {
		t.Errorf("a host the operator did not allow: %v\n%s", err, out)
	}
	t.Setenv(ward.APIHostsEnv, host)
	check := func(want string) {
		t.Helper()
		out, _, err := c.run("", "integrations", "check")
		if (err == nil) != strings.HasSuffix(want, ": ok") || !strings.Contains(out, want) || strings.Contains(out, "ghp-check-value") {
			t.Errorf("check: %v\n%s\nwant %q", err, out, want)
		}
	}
	t.Setenv("WARD_TEST_GITHUB_TOKEN", "")
	check("github (example-org/security): integrations.github.token: the environment variable WARD_TEST_GITHUB_TOKEN is not set or empty")
	t.Setenv("WARD_TEST_GITHUB_TOKEN", "ghp-check-value")
	check("github (example-org/security): no webhook_secret_env or webhook_secret_file")
	write("    webhook_secret_env: WARD_TEST_GITHUB_HOOK\n")
	t.Setenv("WARD_TEST_GITHUB_HOOK", "")
	check("integrations.github.webhook_secret: the environment variable WARD_TEST_GITHUB_HOOK is not set or empty")
	t.Setenv("WARD_TEST_GITHUB_HOOK", "hook-secret")
	check("github (example-org/security): ok")
	private = false
	check("github (example-org/security): github: example-org/security is public")
	t.Setenv("WARD_TEST_GITHUB_TOKEN", "ghp-other")
	check("github (example-org/security): GitHub: read the repository example-org/security: 404 Not Found: the token cannot see example-org/security")
}

// newGitHub's errors are the team's to read (EINVALID, the field named)
// and keep their cause for errors.Is.
func TestNewGitHubErrorsKeepTheirCause(t *testing.T) {
	getenv := func(string) string { return "" }
	tests := []struct {
		name  string
		cfg   ward.GitHubConfig
		want  string
		cause error
	}{
		{"token file missing", ward.GitHubConfig{Repository: "org/sec", Token: ward.SecretRef{File: "/nonexistent/token"}, Template: "/nonexistent/issue.tmpl"},
			"integrations.github.token: ", nil},
		{"template unreadable", ward.GitHubConfig{Repository: "org/sec", Template: "/nonexistent/issue.tmpl"},
			"integrations.github.template: open /nonexistent/issue.tmpl: no such file or directory", fs.ErrNotExist},
		{"bad repository", ward.GitHubConfig{Repository: "no-slash", AppID: 1}, `integrations.github: github: repository "no-slash": want owner/name`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newGitHub(&tt.cfg, "", nil, getenv, os.ReadFile)
			if ward.ErrorCode(err) != ward.EINVALID || !strings.HasPrefix(ward.ErrorMessage(err), tt.want) {
				t.Errorf("newGitHub = %v, want invalid: %s…", err, tt.want)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("newGitHub = %v, which does not wrap %v", err, tt.cause)
			}
		})
	}
	// The github package's own error stays reachable.
	_, err := newGitHub(&ward.GitHubConfig{Repository: "no-slash", AppID: 1}, "", nil, getenv, os.ReadFile)
	if u, ok := err.(interface{ Unwrap() []error }); !ok || len(u.Unwrap()) != 2 {
		t.Errorf("newGitHub = %v (%T), which does not wrap github.New's error", err, err)
	}
}
