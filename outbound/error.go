package outbound

import "time"

// Error is a call the policy did not make, or gave up on without an answer.
// Callers decide through its Temporary and RetryAfter methods, without
// importing this package; an *http.Client hands it back wrapped in a
// *url.Error, which errors.As sees through. Its message names the service
// and what went wrong, never the request's headers or body.
type Error struct {
	Service    string // Config.Name, or the host without one
	StatusCode int    // the answer that asked for the wait, if any; 0 otherwise
	msg        string
	err        error
	temporary  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	s := e.msg
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

// Unwrap returns what is behind e: the network error, the breaker's
// refusal, or context.DeadlineExceeded when the wait would outlast the
// request's deadline.
func (e *Error) Unwrap() error { return e.err }

// Temporary reports whether the same request may succeed later: true for a
// rate limit, an open breaker, a timeout or a connection that failed;
// false for a refused TLS certificate or a body that could not be sent
// again. A Temporary error on a POST or PATCH that timed out does not mean
// the service did not act on it.
func (e *Error) Temporary() bool { return e.temporary }

// RetryAfter is how long to wait before trying again, when the service or
// the breaker said; 0 otherwise.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }
