package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

const (
	defaultTimeout = 10 * time.Second
	// drainLimit is how much of a receiver's answer is read: enough for
	// the connection to be reused after a short answer, too little for a
	// receiver to keep ward reading.
	drainLimit = 4 << 10
	// maxRetryAfter bounds a receiver's Retry-After, so that a mistaken
	// or hostile answer cannot park a delivery for years.
	maxRetryAfter = 24 * time.Hour
)

// Client sends deliveries. Its zero value is ready to use; it is safe for
// concurrent use.
type Client struct {
	// HTTP sends the requests; nil means http.DefaultClient. Its redirect
	// policy is not used: Send never follows a redirect.
	HTTP *http.Client
	// Timeout bounds one attempt, from dialling to the end of the answer,
	// so that a receiver that never answers holds a worker no longer; zero
	// means 10 seconds.
	Timeout time.Duration
}

// Delivery is one webhook to send.
type Delivery struct {
	URL    string // http or https
	Secret []byte // the receiver's signing secret
	ID     string // the same on every attempt of this delivery
	Event  string // the kind of event, sent as Ward-Event
	Body   []byte // JSON
	// At is when this attempt is signed: the time of the attempt, not of
	// the delivery's creation, since receivers refuse a timestamp further
	// than their tolerance (typically five minutes) from their clock.
	At time.Time
}

// Send POSTs d.Body to d.URL, signed with d.Secret at d.At. It returns nil
// when the receiver answers 2xx, and otherwise an *Error that says whether
// trying again can help: it cannot for an unusable delivery (a URL that is
// not http or https, an empty secret, ID or event, a zero At), a redirect
// (a webhook URL that redirects is misconfigured, and following it would
// hand the payload to another address) or a 4xx other than 408, 425 and
// 429; it can for those three, a 5xx, a network failure or a timeout, with
// the receiver's Retry-After when it gave one. The error never holds the
// body, the secret, or the URL's path and query (which may hold a token).
func (c *Client) Send(ctx context.Context, d Delivery) error {
	u, err := url.Parse(d.URL)
	if err != nil {
		// The parse error would repeat the URL.
		return &Error{Reason: "the URL does not parse", permanent: true}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Reason: "the URL is not an http or https URL with a host", permanent: true}
	}
	if reason := d.unusable(); reason != "" {
		return &Error{Host: u.Host, Reason: reason, permanent: true}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return &Error{Host: u.Host, Reason: "build the request", err: withoutURL(err), permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ward-webhook/1")
	req.Header.Set(headerDelivery, d.ID)
	req.Header.Set(headerEvent, d.Event)
	req.Header.Set(headerTimestamp, strconv.FormatInt(d.At.Unix(), 10))
	req.Header.Set(headerSignature, Sign(d.Secret, d.At, d.Body))

	client := http.Client{}
	if c.HTTP != nil {
		client = *c.HTTP
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		reason := "POST failed"
		if ctx.Err() == nil && reqCtx.Err() != nil {
			reason = fmt.Sprintf("no answer within %s", timeout)
		}
		return &Error{Host: u.Host, Reason: reason, err: withoutURL(err)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
	return answer(u.Host, resp, d.At)
}

// unusable says what makes d impossible to send, or "".
func (d Delivery) unusable() string {
	switch {
	case len(d.Secret) == 0:
		return "no signing secret"
	case d.ID == "" || !httpguts.ValidHeaderFieldValue(d.ID):
		return "the delivery ID is empty or not a valid header value"
	case d.Event == "" || !httpguts.ValidHeaderFieldValue(d.Event):
		return "the event is empty or not a valid header value"
	case d.At.IsZero():
		return "no signing time"
	}
	return ""
}

// answer classifies the receiver's answer. The reason is made from the
// status code, not the receiver's status line, which could repeat what it
// was sent.
func answer(host string, resp *http.Response, at time.Time) error {
	code := resp.StatusCode
	e := &Error{Host: host, StatusCode: code, Reason: fmt.Sprintf("%d %s", code, http.StatusText(code))}
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		e.Reason += ": the webhook URL redirects, which is not followed; set the URL it leads to"
		e.permanent = true
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500:
		e.retryAfter = retryAfter(resp.Header, at)
	default:
		e.Reason += ": the receiver refused the delivery"
		e.permanent = true
	}
	return e
}

// retryAfter reads Retry-After: seconds, or an HTTP date measured from the
// answer's Date (the receiver's own clock, so that skew between the clocks
// does not count), or without one from at. It returns 0 when the header is
// absent, unreadable or past, and at most maxRetryAfter.
func retryAfter(h http.Header, at time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Bounded before multiplying: a hostile -9223372037 would wrap.
		if secs <= 0 {
			return 0
		}
		return min(time.Duration(min(secs, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	when, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		at = date
	}
	return min(max(when.Sub(at), 0), maxRetryAfter)
}

// withoutURL drops the URL that net/http puts in its errors: a webhook URL
// may carry a token.
func withoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// Error is a failed delivery. The outbox tells what to do with it through
// its Permanent and RetryAfter methods, without importing this package.
// Its message names the receiver's host and what went wrong, never the
// body, the secret, or the URL's path and query.
type Error struct {
	Host       string // the URL's host and port; "" when the URL is unusable
	StatusCode int    // the receiver's HTTP status; 0 when none came
	Reason     string // what went wrong
	err        error
	permanent  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("webhook")
	if e.Host != "" {
		b.WriteString(" to " + e.Host)
	}
	b.WriteString(": " + e.Reason)
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	if e.retryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.retryAfter)
	}
	return b.String()
}

// Unwrap returns the network error or timeout behind e, if any.
func (e *Error) Unwrap() error { return e.err }

// Permanent reports whether sending the same delivery again will fail
// again, whatever the wait.
func (e *Error) Permanent() bool { return e.permanent }

// RetryAfter is how long the receiver asked to be left alone, at most a
// day; 0 when it did not say.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }
