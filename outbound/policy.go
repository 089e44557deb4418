package outbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds what a service may ask ward to wait, so that a
// mistaken or hostile answer cannot park a call for years.
const maxRetryAfter = 24 * time.Hour

// What an attempt tells its host's breaker (gobreaker's done callback).
var (
	errFailed   = errors.New("the service failed") // counts towards opening
	errExcluded = errors.New("not the service's doing")
)

// verdict is what an attempt's outcome means for the policy.
type verdict struct {
	retry     bool          // trying again is safe and may help
	wait      time.Duration // how long the service asked to wait; 0 when it did not say
	why       string        // what went wrong, for errors; "" for an answer that is not a failure
	temporary bool          // for an attempt without an answer: a later try may succeed
	breaker   error         // nil (a success), errFailed or errExcluded
}

// judgeError judges an attempt that got no answer. ctx is the caller's,
// actx the attempt's.
func judgeError(ctx, actx context.Context, method string, err error, timeout time.Duration) verdict {
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		return verdict{why: "the caller gave up", breaker: errExcluded}
	case errors.As(err, &certErr):
		return verdict{why: "its TLS certificate was refused", breaker: errFailed}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		// Nothing was written: safe to retry whatever the method.
		return verdict{retry: true, why: "could not connect", temporary: true, breaker: errFailed}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return verdict{retry: idempotent(method), why: fmt.Sprintf("no answer within %s", timeout), temporary: true, breaker: errFailed}
	default:
		return verdict{retry: idempotent(method), why: "the connection failed", temporary: true, breaker: errFailed}
	}
}

// judgeAnswer judges an attempt that got an answer.
func judgeAnswer(method string, resp *http.Response, now time.Time) verdict {
	code := resp.StatusCode
	if code < 400 {
		return verdict{}
	}
	h := resp.Header
	v := verdict{why: fmt.Sprintf("%d %s", code, http.StatusText(code)), wait: serverWait(h, now)}
	_, hasRetryAfter := retryAfter(h, now)
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusForbidden && rateLimited(h, now):
		// Refused before being acted on, whatever the method; the service
		// is answering, so the breaker counts it as a success.
		v.retry = true
	case code == http.StatusServiceUnavailable:
		// A 503 with Retry-After is the service saying it did not take the
		// request on.
		v.retry = idempotent(method) || hasRetryAfter
		v.breaker = errFailed
	case code == http.StatusInternalServerError || code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
		v.retry = idempotent(method)
		v.breaker = errFailed
	case code >= 500:
		v.breaker = errFailed
	}
	return v
}

// idempotent reports whether sending a request with the method twice has
// the effect of sending it once (RFC 9110, section 9.2.2).
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// rateLimited reports whether a 403 is GitHub's rate limit rather than a
// refusal: a secondary limit comes with Retry-After, the primary one with
// X-RateLimit-Remaining: 0 and its reset.
func rateLimited(h http.Header, now time.Time) bool {
	_, hasRetryAfter := retryAfter(h, now)
	_, hasReset := rateLimitReset(h, now)
	return hasRetryAfter || hasReset
}

// serverWait is the longest of the waits the answer asks for.
func serverWait(h http.Header, now time.Time) time.Duration {
	a, _ := retryAfter(h, now)
	b, _ := rateLimitReset(h, now)
	return max(a, b)
}

// retryAfter reads Retry-After: seconds, or an HTTP date measured from the
// answer's Date (the service's own clock, so that skew between the clocks
// does not count), or without one from now. ok is false when the header is
// absent or unreadable; the wait is at most maxRetryAfter.
// RetryAfter is the wait an answer's Retry-After asks for (seconds or an
// HTTP date, measured from the answer's Date), at most a day; 0 without
// one. For a client that reports the answer outbound gave up on.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	wait, _ := retryAfter(h, now)
	return wait
}

func retryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return seconds(secs), true
	}
	when, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(when.Sub(answeredAt(h, now)), 0), maxRetryAfter), true
}

// rateLimitReset reads X-RateLimit-Reset (Unix seconds) when
// X-RateLimit-Remaining is 0, as a wait measured from the answer's Date, or
// without one from now. ok is false when the limit is not spent or the
// reset is absent or unreadable.
func rateLimitReset(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" {
		return 0, false
	}
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
	if err != nil {
		return 0, false
	}
	at := answeredAt(h, now).Unix()
	// Subtracted as seconds and bounded before converting: a hostile reset
	// near the int64 limit would overflow a Duration.
	return seconds(reset - min(at, reset)), true
}

// seconds converts a count of seconds to a Duration within 0 and
// maxRetryAfter.
func seconds(n int64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
}

// answeredAt is the answer's Date, or now without one.
func answeredAt(h http.Header, now time.Time) time.Time {
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		return date
	}
	return now
}

// drain reads a little of an answer that is not returned and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
}
