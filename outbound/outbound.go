// Package outbound is the policy every call ward makes to GitHub and
// HackerOne goes through: an http.RoundTripper that bounds each attempt,
// retries what is safe to retry, waits as the service asks, and stops
// calling a service that keeps failing. The clients of those services take
// an *http.Client built on it and keep no retry loop of their own.
//
// # Retries
//
// An attempt is tried again, up to Config.MaxAttempts in all, when it
// failed in one of these ways:
//
//   - a connection error or a timeout (no answer within Config.Timeout);
//   - 500, 502, 503 or 504;
//   - 429 Too Many Requests;
//   - 403 that is a rate limit: with Retry-After (GitHub's secondary limits),
//     or with X-RateLimit-Remaining: 0 and X-RateLimit-Reset (GitHub's
//     primary limit).
//
// Any other answer, every other 4xx included, is returned at once: asking
// again would be refused again.
//
// GET, HEAD, OPTIONS, PUT and DELETE are idempotent and are retried on all
// of the above. Other methods (POST, PATCH) are retried only when the
// service cannot have acted on the request: a 429, a 503 with Retry-After,
// a rate-limited 403, or a connection that failed while dialling, before
// the request was written. A POST that timed out or got a 500 may have been
// carried out: creating a GitHub issue twice is worse than creating it once
// late, so that answer goes back to the caller, whose own retry (an outbox)
// must check first whether the change was made.
//
// A request with a body is retried only when its GetBody can replay it
// (http.NewRequest sets it for in-memory bodies); the same bytes are sent
// on every attempt.
//
// # Waits
//
// Between attempts the wait is, in order of precedence: the service's
// Retry-After (seconds or an HTTP date, measured from the answer's Date);
// X-RateLimit-Reset (Unix seconds) when X-RateLimit-Remaining is 0;
// otherwise Config.Backoff doubled per attempt, with jitter (a random wait
// between half and all of it), at most MaxWait. When the wait needed is
// longer than Config.MaxWait, or would outlast the request's context
// deadline, RoundTrip does not sleep: it returns an *Error at once, whose
// RetryAfter says when to try again, so that a caller with an outbox can
// schedule the retry itself. When the attempts run out on a retryable
// answer, that answer is returned as it is, for the client to read the
// service's message from it.
//
// Any answer with X-RateLimit-Remaining: 0 and a reset to come (a 200
// included) makes the next request to that host wait for the reset rather
// than spend a request on a certain refusal. HackerOne's API documentation
// (https://api.hackerone.com/getting-started/) names no rate-limit
// headers, only 429 answers; they are honoured like any other's, with
// Retry-After when HackerOne sends one.
//
// # Circuit breaker
//
// Each host has a breaker (sony/gobreaker). After Config.BreakerFailures
// consecutive failed attempts (5xx, timeouts, connection errors; never a
// 4xx, which is the service answering), it opens: for Config.BreakerOpenFor
// every request fails at once with an *Error ("GitHub is failing; not
// called for 25s"), Temporary, whose RetryAfter is the time left. Then one
// request is let through as a probe; its success closes the breaker, its
// failure opens it again. gobreaker reads the machine's clock, not
// Config.Now: the breaker's time is real time.
package outbound

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Config is the policy for one service.
type Config struct {
	// Name is the service's name, as errors say it: "GitHub", "HackerOne".
	Name string
	// Base sends each attempt; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Timeout bounds one attempt, from dialling to the end of reading the
	// answer's body; zero means 10 seconds. Do not set http.Client.Timeout
	// as well: it would bound all the attempts and waits together.
	Timeout time.Duration
	// MaxAttempts is how many times a request is tried in all; zero means 4.
	MaxAttempts int
	// MaxWait is the longest one wait between attempts may be: a service
	// asking for longer gets an *Error back at once; zero means 60 seconds.
	MaxWait time.Duration
	// Backoff is the wait after the first failed attempt when the service
	// did not say how long; it doubles per attempt. Zero means 500 ms.
	Backoff time.Duration
	// BreakerFailures is how many consecutive failed attempts open a
	// host's breaker; zero means 5.
	BreakerFailures int
	// BreakerOpenFor is how long an open breaker refuses requests before
	// it lets one through; zero means 30 seconds.
	BreakerOpenFor time.Duration
	// Now tells the time by which rate-limit resets are awaited; nil means
	// time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done, and then returns ctx's error;
	// nil means a timer. Tests pass one that moves their clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

const (
	defaultTimeout         = 10 * time.Second
	defaultMaxAttempts     = 4
	defaultMaxWait         = 60 * time.Second
	defaultBackoff         = 500 * time.Millisecond
	defaultBreakerFailures = 5
	defaultBreakerOpenFor  = 30 * time.Second
	// drainLimit is how much of an answer that is not returned is read, so
	// that its connection can be reused.
	drainLimit = 4 << 10
)

// Transport applies the policy to every request sent through it. It is safe
// for concurrent use; share one per service, since its rate-limit and
// breaker state is per host.
type Transport struct {
	cfg   Config
	mu    sync.Mutex
	hosts map[string]*host
}

// New returns a Transport with cfg's zero fields set to their defaults.
func New(cfg Config) *Transport {
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	orDefault(&cfg.Timeout, defaultTimeout)
	orDefault(&cfg.MaxAttempts, defaultMaxAttempts)
	orDefault(&cfg.MaxWait, defaultMaxWait)
	orDefault(&cfg.Backoff, defaultBackoff)
	orDefault(&cfg.BreakerFailures, defaultBreakerFailures)
	orDefault(&cfg.BreakerOpenFor, defaultBreakerOpenFor)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Transport{cfg: cfg, hosts: make(map[string]*host)}
}

// RoundTrip sends req under the policy described in the package
// documentation. It returns the service's answer (a retryable one when the
// attempts ran out), an *Error when the policy refused to call or to wait,
// or the last attempt failed without an answer, or the context's error when
// the caller gave up.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	h := t.host(req.URL.Host)
	name := t.cfg.Name
	if name == "" {
		name = req.URL.Host
	}
	for attempt := 1; ; attempt++ {
		if wait := h.limitedFor(t.cfg.Now()); wait > 0 {
			if err := t.wait(ctx, name, wait, 0, "its rate limit is spent"); err != nil {
				closeBody(req)
				return nil, err
			}
		}
		done, err := h.breaker.Allow()
		if err != nil {
			closeBody(req)
			return nil, h.refusal(name, err, t.cfg.Timeout)
		}
		resp, v, err := t.try(ctx, req, attempt)
		done(v.breaker)
		if resp != nil {
			h.noteLimit(resp, t.cfg.Now())
		}
		if !v.retry || attempt >= t.cfg.MaxAttempts || !replayable(req) {
			if err != nil {
				return nil, t.failure(ctx, name, err, v, attempt)
			}
			return resp, nil
		}
		wait := v.wait
		if wait <= 0 {
			wait = t.backoff(attempt)
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			drain(resp)
		}
		if err := t.wait(ctx, name, wait, status, v.why); err != nil {
			return nil, err
		}
	}
}

// try sends one attempt, bounded by the Timeout, and judges its outcome.
// The attempt's timer runs until the answer's body is closed.
func (t *Transport) try(ctx context.Context, req *http.Request, attempt int) (*http.Response, verdict, error) {
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	r := req.WithContext(actx)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, verdict{why: "the request's body could not be read again", breaker: errExcluded}, err
		}
		r.Body = body
	}
	resp, err := t.cfg.Base.RoundTrip(r)
	if err != nil {
		v := judgeError(ctx, actx, req.Method, err, t.cfg.Timeout)
		cancel()
		return nil, v, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, judgeAnswer(req.Method, resp, t.cfg.Now()), nil
}

// wait sleeps before the next attempt, or returns an *Error saying when to
// try again when the wait is longer than MaxWait or the context's deadline
// allows.
func (t *Transport) wait(ctx context.Context, name string, d time.Duration, status int, why string) error {
	d = min(d, maxRetryAfter)
	if d > t.cfg.MaxWait {
		return &Error{Service: name, StatusCode: status, temporary: true, retryAfter: d,
			msg: name + ": " + why + "; retry in " + d.String() + ", longer than the " + t.cfg.MaxWait.String() + " ward waits"}
	}
	// Context deadlines are real time, whatever clock the waits run by.
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return &Error{Service: name, StatusCode: status, temporary: true, retryAfter: d, err: context.DeadlineExceeded,
			msg: name + ": " + why + "; retry in " + d.String() + ", after the request's deadline"}
	}
	return t.cfg.Sleep(ctx, d)
}

// failure is the error for an attempt that got no answer and will not be
// tried again. The caller's own cancellation is returned as it is.
func (t *Transport) failure(ctx context.Context, name string, err error, v verdict, attempts int) error {
	if ctx.Err() != nil {
		return err
	}
	msg := name + ": " + v.why
	if attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", attempts)
	}
	return &Error{Service: name, temporary: v.temporary, err: err, msg: msg}
}

// backoff is the wait after the attempt-th failure when the service did not
// say: Backoff doubled per attempt, capped at MaxWait, then a random wait
// between half and all of it, so that clients failing together do not all
// come back together.
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.cfg.Backoff
	for i := 1; i < attempt && d < t.cfg.MaxWait; i++ {
		d *= 2
	}
	d = min(d, t.cfg.MaxWait)
	return d/2 + rand.N(d/2+1)
}

func (t *Transport) host(name string) *host {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hosts[name]
	if h == nil {
		h = newHost(name, t.cfg.BreakerFailures, t.cfg.BreakerOpenFor)
		t.hosts[name] = h
	}
	return h
}

// orDefault sets *v to def when it is not positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// replayable reports whether req's body can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// closeBody closes the body of a request that is not sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cancelOnClose ends an attempt's context when its answer's body is closed,
// so that the Timeout covers reading the body too.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
