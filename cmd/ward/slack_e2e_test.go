package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward/slack"
)

// slackCommand posts "/ward text" to the server at base as Slack would,
// signed with secret now, and returns the status and the body.
func slackCommand(t *testing.T, base, secret, text string) (int, string) {
	t.Helper()
	return slackSend(t, base, secret, text, time.Now().UnixNano())
}

// slackSend posts "/ward text" signed now with the trigger ID trigger,
// which Slack makes different for each command it sends.
func slackSend(t *testing.T, base, secret, text string, trigger int64) (int, string) {
	t.Helper()
	body := url.Values{"command": {"/ward"}, "text": {text}, "team_id": {"T0001"}, "user_id": {demoSlackID},
		"trigger_id": {fmt.Sprint(trigger)}}.Encode()
	req, err := http.NewRequest("POST", base+"/api/v1/integrations/slack/commands", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(now))
	req.Header.Set("X-Slack-Signature", slack.Sign([]byte(secret), now, []byte(body)))
	return send(t, req)
}

// TestServeSlackCommand: `ward serve` takes the signing secret from
// --slack-signing-secret-file and answers the slash command signed with
// it; a request signed with another is refused.
func TestServeSlackCommand(t *testing.T) {
	const secret = "e2e-slack-signing-secret"
	file := filepath.Join(t.TempDir(), "slack-secret")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, "--demo", "--slack-signing-secret-file", file)
	code, body := slackCommand(t, p.url, secret, "oncall")
	var answer struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(body), &answer); code != 200 || err != nil || answer.ResponseType != "ephemeral" ||
		!strings.HasPrefix(answer.Text, "On call now:\n• *") {
		t.Errorf("/ward oncall: %d %s", code, body)
	}
	if code, body := slackCommand(t, p.url, "another secret", "oncall"); code != 401 || strings.Contains(body, "On call") {
		t.Errorf("/ward oncall signed with another secret: %d %s", code, body)
	}
	// The same request twice, as one who caught it would send it: the
	// second is refused. (Retried within the second it was signed in, so
	// that the signature is the same.)
	for range 3 {
		trigger := time.Now().UnixNano()
		if code, _ := slackSend(t, p.url, secret, "help", trigger); code != 200 {
			t.Fatalf("/ward help: %d", code)
		}
		code, body := slackSend(t, p.url, secret, "help", trigger)
		if code == 409 && strings.Contains(body, "a replay") {
			return
		}
		if code != 200 {
			t.Fatalf("/ward help again: %d %s", code, body)
		}
		// A new second began between the two: a new signature.
	}
	t.Error("a replayed command was answered")
}
