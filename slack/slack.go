// Package slack posts ward's notifications to Slack through
// slack-go/slack: to an incoming webhook's channel, or with a bot token to
// any channel or, by a user ID, as a direct message. Verify checks the
// requests that Slack signs, such as a slash command's.
package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"
)

const (
	defaultTimeout = 10 * time.Second
	// maxRetryAfter bounds Slack's Retry-After, so that a mistaken answer
	// cannot park a notification for years.
	maxRetryAfter = 24 * time.Hour
	// maxCodeLength is how much of a webhook's refusal is read for its
	// code; Slack's codes are short words.
	maxCodeLength = 64
)

// Config says where notifications go: WebhookURL or Token, not both.
type Config struct {
	// WebhookURL is an incoming webhook (https://hooks.slack.com/…). It
	// is a secret: anyone with it can post to its channel.
	WebhookURL string
	// Token is a bot token (xoxb-…) with the chat:write scope.
	Token string
	// APIURL is the Web API's base URL; "" means Slack's. Tests set it.
	APIURL string
	// Timeout bounds one call to Slack; zero means 10 seconds.
	Timeout time.Duration
}

// Message is one notification.
type Message struct {
	// Channel is a channel ID, or a user ID for a direct message. An
	// incoming webhook posts to its own channel and ignores it.
	Channel string
	// Text is the message in Slack's mrkdwn, or its fallback when Blocks
	// are given. Text that outsiders wrote (a report's title) must go
	// through Escape.
	Text string
	// Blocks, if any, lay the message out; Text is then what
	// notifications show.
	Blocks []goslack.Block
}

// Client posts messages. It is safe for concurrent use.
type Client struct {
	webhookURL string
	api        *goslack.Client // nil for a webhook
	http       *http.Client
	timeout    time.Duration
}

// New checks cfg and returns a Client for it. It refuses a config with
// both or neither of WebhookURL and Token, and URLs that are not https
// (the URL or the token would cross the network in plain text). Its
// errors never repeat the webhook URL or the token. httpClient nil means
// a new http.Client; its redirect policy is replaced, as Client never
// follows a redirect, which would hand the token or the message to
// another address.
func New(cfg Config, httpClient *http.Client) (*Client, error) {
	if (cfg.WebhookURL == "") == (cfg.Token == "") {
		return nil, errors.New("slack: set either a webhook URL or a bot token")
	}
	hc := http.Client{}
	if httpClient != nil {
		hc = *httpClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{http: &hc, timeout: cfg.Timeout}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if cfg.WebhookURL != "" {
		if err := checkHTTPS(cfg.WebhookURL); err != nil {
			return nil, fmt.Errorf("slack: webhook URL: %w", err)
		}
		c.webhookURL = cfg.WebhookURL
		return c, nil
	}
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = goslack.APIURL
	}
	if err := checkHTTPS(apiURL); err != nil {
		return nil, fmt.Errorf("slack: API URL: %w", err)
	}
	// slack-go appends the method's name to the base URL.
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	c.api = goslack.New(cfg.Token, goslack.OptionAPIURL(apiURL), goslack.OptionHTTPClient(c.http))
	return c, nil
}

func checkHTTPS(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// The parse error would repeat the URL.
		return errors.New("does not parse")
	}
	if u.Scheme != "https" || u.Host == "" {
		return errors.New("not an https URL with a host")
	}
	return nil
}

// Escape returns s with &, < and > written as Slack's entities, for text
// that outsiders wrote: in Slack's mrkdwn, mentions (<!channel>, <@U…>)
// and links (<https://…|text>) all need < and >, so escaped text can
// neither ping anyone nor disguise a link.
func Escape(s string) string {
	return escaper.Replace(s)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Send posts m: to the webhook's channel, or through chat.postMessage to
// m.Channel. Links and media in it are not unfurled: a report's links
// are the reporter's, and a preview would fetch them. It returns nil once
// Slack has taken the message, and otherwise an *Error that says whether
// trying again can help.
func (c *Client) Send(ctx context.Context, m Message) error {
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if c.api == nil {
		return c.sendWebhook(ctx, callCtx, m)
	}
	opts := []goslack.MsgOption{
		goslack.MsgOptionText(m.Text, false),
		goslack.MsgOptionDisableLinkUnfurl(),
		goslack.MsgOptionDisableMediaUnfurl(),
	}
	if len(m.Blocks) > 0 {
		opts = append(opts, goslack.MsgOptionBlocks(m.Blocks...))
	}
	if _, _, err := c.api.PostMessageContext(callCtx, m.Channel, opts...); err != nil {
		return c.failure(ctx, callCtx, "chat.postMessage", err, "")
	}
	return nil
}

func (c *Client) sendWebhook(ctx, callCtx context.Context, m Message) error {
	no := false
	msg := &goslack.WebhookMessage{Text: m.Text, UnfurlLinks: &no, UnfurlMedia: &no}
	if len(m.Blocks) > 0 {
		msg.Blocks = &goslack.Blocks{BlockSet: m.Blocks}
	}
	hc := *c.http
	rec := &codeRecorder{next: hc.Transport}
	if rec.next == nil {
		rec.next = http.DefaultTransport
	}
	hc.Transport = rec
	if err := goslack.PostWebhookCustomHTTPContext(callCtx, c.webhookURL, &hc, msg); err != nil {
		return c.failure(ctx, callCtx, "webhook", err, rec.code)
	}
	return nil
}

// Check confirms that the bot token works by calling auth.test, for
// `ward integrations check`; it returns an *Error as Send does. For an
// incoming webhook it makes no call and returns nil: Slack offers no way
// to test one short of posting to its channel.
func (c *Client) Check(ctx context.Context) error {
	if c.api == nil {
		return nil
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if _, err := c.api.AuthTestContext(callCtx); err != nil {
		return c.failure(ctx, callCtx, "auth.test", err, "")
	}
	return nil
}

// codeRecorder keeps the code that Slack writes in the body of a
// webhook's refusal (channel_is_archived, action_prohibited…): slack-go
// reports only the status, and one status stands for several causes that
// an admin fixes differently. It serves one request.
type codeRecorder struct {
	next http.RoundTripper
	code string
}

func (r *codeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxCodeLength))
	if code := strings.TrimSpace(string(head)); isCode(code) {
		r.code = code
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return resp, nil
}

// isCode reports whether s looks like one of Slack's error codes, so that
// nothing else a server answers ends up in an error message.
func isCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// failure classifies err from slack-go. code is a webhook refusal's code,
// if one was read.
func (c *Client) failure(ctx, callCtx context.Context, op string, err error, code string) *Error {
	e := &Error{Op: op, Code: code, err: err}
	if rl, ok := errors.AsType[*goslack.RateLimitedError](err); ok {
		e.StatusCode = http.StatusTooManyRequests
		e.retryAfter = min(max(rl.RetryAfter, 0), maxRetryAfter)
		return e
	}
	if sc, ok := errors.AsType[goslack.StatusCodeError](err); ok {
		e.StatusCode = sc.Code
		e.permanent = !retryableStatus(sc.Code)
		return e
	}
	if se, ok := errors.AsType[goslack.SlackErrorResponse](err); ok {
		e.Code = se.Err
		e.permanent = !retryableCode(se.Err)
		return e
	}
	// A network failure, a timeout, an answer that is not JSON: all
	// temporary. net/http's errors name the URL, which for a webhook is
	// its secret.
	if ue, ok := errors.AsType[*url.Error](err); ok {
		e.err = ue.Err
	}
	if ctx.Err() == nil && callCtx.Err() != nil {
		e.reason = fmt.Sprintf("no answer within %s", c.timeout)
	}
	return e
}

func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500
}

// retryableCode reports whether a Web API error code is Slack's own
// trouble or a limit. Every other code is about the request, the token,
// the app or the channel (invalid_auth, channel_not_found, not_in_channel,
// is_archived, no_text…), and the same call will meet it again.
func retryableCode(code string) bool {
	switch code {
	case "ratelimited", "rate_limited", "fatal_error", "internal_error",
		"service_unavailable", "request_timeout", "team_added_to_org":
		return true
	}
	return false
}

// Error is a failed call to Slack. The outbox tells what to do with it
// through its Permanent and RetryAfter methods, without importing this
// package. Its message never holds the token, the webhook URL or the
// message.
type Error struct {
	Op         string // "webhook", "chat.postMessage" or "auth.test"
	StatusCode int    // HTTP status when it was not 200; 0 otherwise
	Code       string // Slack's error code (channel_not_found…); "" when none
	reason     string
	err        error
	permanent  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("slack " + e.Op)
	switch {
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	case e.Code == "":
		// Neither status nor code: the cause is all there is to say.
		if e.reason != "" {
			b.WriteString(": " + e.reason)
		}
		b.WriteString(": " + e.err.Error())
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.retryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.retryAfter)
	}
	return b.String()
}

// Unwrap returns slack-go's error, or the network error behind e.
func (e *Error) Unwrap() error { return e.err }

// Permanent reports whether the same call will fail again, whatever the
// wait: Slack refused the token, the channel or the message.
func (e *Error) Permanent() bool { return e.permanent }

// RetryAfter is how long Slack asked to be left alone, at most a day; 0
// when it did not say.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }
