package outbound

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// host is what the policy remembers of one host: its breaker and when its
// rate limit resets.
type host struct {
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	mu       sync.Mutex
	resumeAt time.Time // by Config.Now: no request before, the limit is spent
	openedAt time.Time // by the machine's clock, as gobreaker's: when the breaker last opened
	openFor  time.Duration
}

func newHost(name string, failures int, openFor time.Duration) *host {
	h := &host{openFor: openFor}
	h.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1, // one probe while half-open
		Timeout:     openFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(failures)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
		// Called under gobreaker's lock: it must not call the breaker.
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				h.mu.Lock()
				h.openedAt = time.Now()
				h.mu.Unlock()
			}
		},
	})
	return h
}

// limitedFor is how long from now the host's rate limit stays spent.
func (h *host) limitedFor(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return max(h.resumeAt.Sub(now), 0)
}

// noteLimit remembers a spent rate limit that an answer reports.
func (h *host) noteLimit(resp *http.Response, now time.Time) {
	wait, ok := rateLimitReset(resp.Header, now)
	if !ok || wait <= 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if at := now.Add(wait); at.After(h.resumeAt) {
		h.resumeAt = at
	}
}

// refusal is the error for a request the breaker did not let through.
// While half-open with its probe under way, the probe's answer comes
// within one attempt's timeout.
func (h *host) refusal(name string, err error, timeout time.Duration) error {
	if !errors.Is(err, gobreaker.ErrOpenState) {
		return &Error{Service: name, temporary: true, retryAfter: timeout, err: err,
			msg: name + " is failing; a trial request is under way"}
	}
	h.mu.Lock()
	left := max(time.Until(h.openedAt.Add(h.openFor)), 0)
	h.mu.Unlock()
	return &Error{Service: name, temporary: true, retryAfter: left, err: err,
		msg: fmt.Sprintf("%s is failing; not called for %s", name, (left + time.Second - 1).Truncate(time.Second))}
}
