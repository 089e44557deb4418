// Package hackerone talks to HackerOne's customer API (v1, JSON:API, HTTP
// Basic with an API token): it reads the programme's reports and their
// activities, and writes ward's actions back as comments, state changes,
// severities, bounties and disclosure requests. Sync and Pusher move
// reports between HackerOne and ward's store; the Client makes the calls.
//
// Retries, back-off and the circuit breaker are not here: the caller hands
// New an *http.Client whose transport does them (package outbound in
// ward serve). A refusal becomes an *Error that says what HackerOne said.
package hackerone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardsec/ward/outbound"
)

// DefaultAPIURL is HackerOne's API, version 1.
const DefaultAPIURL = "https://api.hackerone.com/v1"

const (
	// pageSize is the largest page the reports list serves.
	pageSize = 100
	// maxBody bounds what is read of one answer: a page of 100 reports
	// with their activities is a few megabytes.
	maxBody = 64 << 20
	// maxErrorBody bounds what is read of a refusal.
	maxErrorBody = 64 << 10
)

// Config is how to reach the programme.
type Config struct {
	// APIURL is the API's base, DefaultAPIURL when empty; tests point it
	// at a local server. It must be https unless its host is a loopback
	// address, since every call carries the token.
	APIURL string
	// Username is the API token's identifier, Token its value.
	Username, Token string
	// Program is the programme's handle, as in hackerone.com/<handle>.
	Program string
	// HTTP makes the calls; http.DefaultClient when nil. ward serve
	// passes one built on package outbound, which retries.
	HTTP *http.Client
}

// Client calls HackerOne's API. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	username string
	token    string
	program  string
	http     *http.Client
}

// New checks cfg and returns a client. Its errors never repeat the token.
func New(cfg Config) (*Client, error) {
	raw := cfg.APIURL
	if raw == "" {
		raw = DefaultAPIURL
	}
	base, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && !(base.Scheme == "http" && isLoopback(base.Hostname()))) {
		return nil, fmt.Errorf("hackerone: api_url %q: want an https URL", raw)
	}
	switch {
	case cfg.Username == "":
		return nil, errors.New("hackerone: no API token identifier (username)")
	case cfg.Token == "":
		return nil, errors.New("hackerone: no API token")
	case cfg.Program == "":
		return nil, errors.New("hackerone: no programme handle")
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	// A redirect would carry the token elsewhere; HackerOne's API does
	// not redirect.
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: base, username: cfg.Username, token: cfg.Token, program: cfg.Program, http: &noRedirect}, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Program returns the programme's handle.
func (c *Client) Program() string { return c.program }

// Username returns the API token's identifier: HackerOne names it as the
// actor of what ward does through the API.
func (c *Client) Username() string { return c.username }

// Error is HackerOne's refusal of a call: its status and what its errors
// said. It never holds the token.
type Error struct {
	Method string
	Path   string // without the query
	Status int
	// Problems are HackerOne's errors[]: title and detail of each.
	Problems []Problem
	// RetryAfter is what Retry-After asked for on a 429 or 503; zero when
	// absent.
	RetryAfter time.Duration
}

// Problem is one entry of HackerOne's errors array.
type Problem struct {
	Status any    `json:"status"` // a number, in some answers a string
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hackerone: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if m := e.Message(); m != "" {
		b.WriteString(": " + m)
	}
	return b.String()
}

// Message is what HackerOne said, for people: each problem's title and
// detail, or "" when it said nothing.
func (e *Error) Message() string {
	var parts []string
	for _, p := range e.Problems {
		switch {
		case p.Title != "" && p.Detail != "":
			parts = append(parts, p.Title+": "+p.Detail)
		case p.Title != "" || p.Detail != "":
			parts = append(parts, p.Title+p.Detail)
		}
	}
	return strings.Join(parts, "; ")
}

// Temporary reports whether the same call may succeed later: HackerOne
// was rate limiting (429) or failing (5xx). Any other refusal is final
// for that request.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// IsTemporary reports whether err may pass on a later try: a temporary
// *Error, or a call the outbound policy or the network refused for now
// (their Temporary). Any other error is taken as permanent: retrying what
// ward cannot name would only repeat it.
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	// *url.Error has a Temporary of its own that says false for a refused
	// connection; what it wraps decides.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// errUnreadable marks an answer that came but could not be read: the call
// was made, and may have been carried out.
var errUnreadable = errors.New("the answer could not be read")

// mayHaveActed reports whether HackerOne may have carried out a call that
// failed with err: anything but a clear refusal (a 4xx, 429 included), a
// call the outbound policy did not make (an open circuit, a rate limit's
// wait: it says when to try again), a connection that failed before the
// request was written, or ward's own error before sending.
func mayHaveActed(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	if errors.Is(err, errUnreadable) {
		return true
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return false // not sent: the request could not be built
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var r interface{ RetryAfter() time.Duration }
	return !errors.As(err, &r) || r.RetryAfter() <= 0
}

// RetryAfter returns how long HackerOne, or the outbound policy, asked to
// wait before trying err's call again, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}

// do sends a request to path (relative to the API's base, or an absolute
// URL on the API's host for a next page) with body as JSON, and decodes a
// 2xx answer into out when out is not nil.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u, err := c.resolve(path)
	if err != nil {
		return err
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("hackerone: %s %s: encode: %w", method, u.Path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("hackerone: %s %s: %w", method, u.Path, err)
	}
	req.SetBasicAuth(c.username, c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL, which holds no secret: the token
		// travels in a header.
		return fmt.Errorf("hackerone: %s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return refusal(resp, method, u.Path)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return fmt.Errorf("hackerone: %s %s: %w: %w", method, u.Path, errUnreadable, err)
	}
	return nil
}

// resolve turns path into a URL on the API's host. An absolute URL (a
// links.next) must be on the same scheme and host, so that a page cannot
// send the token anywhere else.
func (c *Client) resolve(path string) (*url.URL, error) {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err := url.Parse(path)
		if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host {
			return nil, fmt.Errorf("hackerone: a next page outside %s://%s was refused", c.base.Scheme, c.base.Host)
		}
		return u, nil
	}
	u := *c.base
	u.Path = c.base.Path + path
	return &u, nil
}

func refusal(resp *http.Response, method, path string) error {
	e := &Error{Method: method, Path: path, Status: resp.StatusCode}
	var body struct {
		Errors []Problem `json:"errors"`
	}
	if b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)); err == nil {
		_ = json.Unmarshal(b, &body) // a body that is not JSON:API errors says nothing more
	}
	e.Problems = body.Errors
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = outbound.RetryAfter(resp.Header, time.Now())
	}
	return e
}
