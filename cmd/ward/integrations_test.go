package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward/webhook"
)

// ward integrations check names each channel that cannot be used and
// why, without a secret's value; --send-test sends each webhook a signed
// delivery that its receiver can verify.
func TestIntegrationsCheck(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("integrations", "check"); !strings.Contains(out, "no notification channels") {
		t.Errorf("without channels: %q", out)
	}
	var mu sync.Mutex
	var verified []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify([]byte("s3cret-value"), r.Header, body, time.Now(), time.Minute)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		verified = append(verified, r.Header.Get("Ward-Event"))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	team := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(team, []byte(`notifications:
  channels:
    - {name: siem, kind: webhook, url: "`+srv.URL+`", secret_env: WARD_TEST_CHECK_SECRET}
    - {name: chat, kind: slack, token_env: WARD_TEST_CHECK_SLACK_TOKEN, channel: C0123}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("apply", "-f", team)
	t.Setenv("WARD_TEST_CHECK_SLACK_TOKEN", "")

	t.Setenv("WARD_TEST_CHECK_SECRET", "")
	out, _, err := c.run("", "integrations", "check")
	if err == nil || !strings.Contains(out, "siem (webhook): the secret is to come from the environment variable WARD_TEST_CHECK_SECRET") ||
		!strings.Contains(out, "chat (slack): the token is to come from the environment variable WARD_TEST_CHECK_SLACK_TOKEN") {
		t.Errorf("with no secrets set: %v\n%s", err, out)
	}

	t.Setenv("WARD_TEST_CHECK_SECRET", "s3cret-value")
	out, _, err = c.run("", "integrations", "check", "--send-test")
	if err == nil || !strings.Contains(out, "siem (webhook): ok") || strings.Contains(out, "s3cret-value") {
		t.Errorf("with the webhook's secret set: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(verified, ",") != "check" {
		t.Errorf("the receiver verified %v, want one check", verified)
	}
}
