package slack

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
)

const (
	token       = "xoxb-1234-5678-sEcReTtOkEn"
	webhookPath = "/services/T000/B000/hOoKsEcReT"
	// secretText stands for an embargoed detail in a message.
	secretText = "RCE in the login form"
)

// request is what the client sent to the fake Slack.
type request struct {
	method, path string
	header       http.Header
	body         []byte
}

// fakeSlack serves response, a raw HTTP response (a fixture's content),
// to every request, and passes each request on the returned channel.
func fakeSlack(t *testing.T, response string) (*httptest.Server, <-chan request) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(response)), nil)
	if err != nil {
		t.Fatalf("response does not parse: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	reqs := make(chan request, 10)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		reqs <- request{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: b}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, reqs
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func botClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := New(Config{Token: token, APIURL: srv.URL + "/api"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func webhookClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := New(Config{WebhookURL: srv.URL + webhookPath}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var message = Message{
	Channel: "C123ABC456",
	Text:    "New report: " + Escape("<!channel> "+secretText),
}

// checkError checks err's classification, and that its message gives
// away neither the token, the webhook URL's secret nor the message.
func checkError(t *testing.T, err error, wantStatus int, wantCode string, wantPermanent bool, wantRetryAfter time.Duration) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	if e.StatusCode != wantStatus || e.Code != wantCode || e.Permanent() != wantPermanent || e.RetryAfter() != wantRetryAfter {
		t.Errorf("status %d, code %q, permanent %t, retry after %s; want %d, %q, %t, %s",
			e.StatusCode, e.Code, e.Permanent(), e.RetryAfter(), wantStatus, wantCode, wantPermanent, wantRetryAfter)
	}
	for _, s := range []string{token, "sEcReTtOkEn", "hOoKsEcReT", secretText} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}
}

func TestPostMessage(t *testing.T) {
	srv, reqs := fakeSlack(t, fixture(t, "chat.postMessage-ok.http"))
	m := message
	m.Blocks = []goslack.Block{
		goslack.NewSectionBlock(goslack.NewTextBlockObject(goslack.MarkdownType, m.Text, false, false), nil, nil),
	}
	if err := botClient(t, srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	req := <-reqs
	if req.method != http.MethodPost || req.path != "/api/chat.postMessage" {
		t.Errorf("request %s %s, want POST /api/chat.postMessage", req.method, req.path)
	}
	// slack-go sends the token in the form, not in an Authorization
	// header; Slack takes either.
	if ct := req.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q, want a form", ct)
	}
	form, err := url.ParseQuery(string(req.body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"token":        token,
		"channel":      "C123ABC456",
		"text":         "New report: &lt;!channel&gt; " + secretText,
		"unfurl_links": "false",
		"unfurl_media": "false",
	}
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(form.Get("blocks")), &blocks); err != nil || len(blocks) != 1 || blocks[0]["type"] != "section" {
		t.Errorf("form blocks = %q (%v), want one section", form.Get("blocks"), err)
	}
}

func TestPostMessageErrors(t *testing.T) {
	apiError := func(code string) string {
		return "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"ok\": false, \"error\": \"" + code + "\"}"
	}
	tests := []struct {
		name           string
		response       string
		wantStatus     int
		wantCode       string
		wantPermanent  bool
		wantRetryAfter time.Duration
	}{
		{name: "channel_not_found", response: fixture(t, "chat.postMessage-channel_not_found.http"), wantCode: "channel_not_found", wantPermanent: true},
		{name: "429", response: fixture(t, "chat.postMessage-ratelimited.http"), wantStatus: 429, wantRetryAfter: 30 * time.Second},
		{name: "invalid_auth", response: apiError("invalid_auth"), wantCode: "invalid_auth", wantPermanent: true},
		{name: "not_in_channel", response: apiError("not_in_channel"), wantCode: "not_in_channel", wantPermanent: true},
		{name: "account_inactive", response: apiError("account_inactive"), wantCode: "account_inactive", wantPermanent: true},
		{name: "no_text", response: apiError("no_text"), wantCode: "no_text", wantPermanent: true},
		{name: "is_archived", response: apiError("is_archived"), wantCode: "is_archived", wantPermanent: true},
		{name: "ratelimited without 429", response: apiError("ratelimited"), wantCode: "ratelimited"},
		{name: "fatal_error", response: apiError("fatal_error"), wantCode: "fatal_error"},
		{name: "internal_error", response: apiError("internal_error"), wantCode: "internal_error"},
		{name: "service_unavailable", response: apiError("service_unavailable"), wantCode: "service_unavailable"},
		{name: "request_timeout", response: apiError("request_timeout"), wantCode: "request_timeout"},
		{name: "503 in HTML", response: "HTTP/1.1 503 Service Unavailable\nContent-Type: text/html\n\n<html>down</html>", wantStatus: 503},
		{name: "400", response: "HTTP/1.1 400 Bad Request\n\n", wantStatus: 400, wantPermanent: true},
		{name: "redirect not followed", response: "HTTP/1.1 307 Temporary Redirect\nLocation: https://elsewhere.example/\n\n", wantStatus: 307, wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, reqs := fakeSlack(t, tt.response)
			err := botClient(t, srv).Send(context.Background(), message)
			checkError(t, err, tt.wantStatus, tt.wantCode, tt.wantPermanent, tt.wantRetryAfter)
			if n := len(reqs); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	srv, reqs := fakeSlack(t, fixture(t, "webhook-ok.http"))
	if err := webhookClient(t, srv).Send(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	req := <-reqs
	if req.method != http.MethodPost || req.path != webhookPath {
		t.Errorf("request %s %s, want POST %s", req.method, req.path, webhookPath)
	}
	if ct := req.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text":         "New report: &lt;!channel&gt; " + secretText,
		"unfurl_links": false,
		"unfurl_media": false,
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body %s = %#v, want %#v", k, body[k], v)
		}
	}
	if _, ok := body["channel"]; ok {
		t.Error("body names a channel; a webhook posts to its own")
	}
}

func TestWebhookErrors(t *testing.T) {
	tests := []struct {
		fixture        string
		wantStatus     int
		wantCode       string
		wantPermanent  bool
		wantRetryAfter time.Duration
	}{
		{fixture: "webhook-invalid_payload.http", wantStatus: 400, wantCode: "invalid_payload", wantPermanent: true},
		{fixture: "webhook-action_prohibited.http", wantStatus: 403, wantCode: "action_prohibited", wantPermanent: true},
		{fixture: "webhook-channel_not_found.http", wantStatus: 404, wantCode: "channel_not_found", wantPermanent: true},
		{fixture: "webhook-channel_is_archived.http", wantStatus: 410, wantCode: "channel_is_archived", wantPermanent: true},
		{fixture: "webhook-rollup_error.http", wantStatus: 500, wantCode: "rollup_error"},
		{fixture: "webhook-rate_limited.http", wantStatus: 429, wantCode: "rate_limited", wantRetryAfter: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			srv, _ := fakeSlack(t, fixture(t, tt.fixture))
			err := webhookClient(t, srv).Send(context.Background(), message)
			checkError(t, err, tt.wantStatus, tt.wantCode, tt.wantPermanent, tt.wantRetryAfter)
		})
	}
}

func TestWebhookErrorReadsOnlyACode(t *testing.T) {
	srv, _ := fakeSlack(t, "HTTP/1.1 400 Bad Request\n\nbad payload: "+secretText)
	err := webhookClient(t, srv).Send(context.Background(), message)
	checkError(t, err, 400, "", true, 0)
}

func TestCheck(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		srv, reqs := fakeSlack(t, fixture(t, "auth.test-ok.http"))
		if err := botClient(t, srv).Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		req := <-reqs
		form, err := url.ParseQuery(string(req.body))
		if err != nil {
			t.Fatal(err)
		}
		if req.method != http.MethodPost || req.path != "/api/auth.test" || form.Get("token") != token {
			t.Errorf("request %s %s with token %q, want POST /api/auth.test with the token", req.method, req.path, form.Get("token"))
		}
	})
	t.Run("invalid_auth", func(t *testing.T) {
		srv, _ := fakeSlack(t, fixture(t, "auth.test-invalid_auth.http"))
		err := botClient(t, srv).Check(context.Background())
		checkError(t, err, 0, "invalid_auth", true, 0)
	})
	t.Run("webhook", func(t *testing.T) {
		srv, reqs := fakeSlack(t, fixture(t, "webhook-ok.http"))
		if err := webhookClient(t, srv).Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(reqs); n != 0 {
			t.Errorf("%d requests, want none", n)
		}
	})
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	for _, cfg := range []Config{
		{WebhookURL: srv.URL + webhookPath, Timeout: 200 * time.Millisecond},
		{Token: token, APIURL: srv.URL + "/api/", Timeout: 200 * time.Millisecond},
	} {
		c, err := New(cfg, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = c.Send(context.Background(), message)
		// Not a speed target: the error below shows the timeout cut
		// the send; this bound only turns one that never ends into a failure.
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("Send took %s with a 200ms timeout", took)
		}
		checkError(t, err, 0, "", false, 0)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 200ms") {
			t.Errorf("error %q does not tell of the timeout", err)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"nothing", Config{}},
		{"both", Config{WebhookURL: "https://hooks.slack.com" + webhookPath, Token: token}},
		{"webhook over http", Config{WebhookURL: "http://hooks.slack.com" + webhookPath}},
		{"webhook URL garbled", Config{WebhookURL: "https://hooks.slack.com" + webhookPath + "%zz"}},
		{"API over http", Config{Token: token, APIURL: "http://slack.example/api/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, nil)
			if err == nil {
				t.Fatal("New: nil, want an error")
			}
			for _, s := range []string{"sEcReTtOkEn", "hOoKsEcReT"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
		})
	}
}

func TestEscape(t *testing.T) {
	got := Escape("<!channel> & <https://evil.example|ward.example> <@U024BE7LH>")
	want := "&lt;!channel&gt; &amp; &lt;https://evil.example|ward.example&gt; &lt;@U024BE7LH&gt;"
	if got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
}
