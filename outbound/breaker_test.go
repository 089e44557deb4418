package outbound

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/wardsec/ward/wardtest"
)

// The breaker runs by the machine's clock (gobreaker has no other). Tests
// that check it refuses once open keep it open for longOpen, which no
// loaded machine outlasts; only those of the half-open state open it for
// shortOpen, and wait it out.
const (
	longOpen  = time.Hour
	shortOpen = time.Second
)

func breakerFixture(t *testing.T, openFor time.Duration, script ...answer) *fixture {
	t.Helper()
	return newFixture(t, Config{MaxAttempts: 1, BreakerFailures: 3, BreakerOpenFor: openFor}, script...)
}

// wantTripped checks that the breaker of f's server is not closed: open,
// or already half-open when a slow machine let shortOpen pass.
func wantTripped(t *testing.T, f *fixture) {
	t.Helper()
	u, err := url.Parse(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if state := f.tr.host(u.Host).breaker.State(); state == gobreaker.StateClosed {
		t.Fatalf("breaker %s, want it open", state)
	}
}

func wantStatus(t *testing.T, f *fixture, want int) {
	t.Helper()
	resp, err := f.do(t, context.Background(), "GET", "")
	if err != nil {
		t.Fatalf("err = %v, want %d", err, want)
	}
	if resp.StatusCode != want {
		t.Fatalf("status = %d, want %d", resp.StatusCode, want)
	}
}

func wantRefused(t *testing.T, f *fixture) *Error {
	t.Helper()
	calls := f.srv.calls()
	_, err := f.do(t, context.Background(), "GET", "")
	e := wantTemporary(t, err, "GitHub is failing; ")
	if f.srv.calls() != calls {
		t.Fatal("the service was called through an open breaker")
	}
	return e
}

func TestBreakerRefusesWhileOpen(t *testing.T) {
	f := breakerFixture(t, longOpen, status(500, 502, 503)...)
	for _, code := range []int{500, 502, 503} {
		wantStatus(t, f, code)
	}
	e := wantRefused(t, f)
	if !strings.HasPrefix(e.Error(), "GitHub is failing; not called for 1h0m0s") {
		t.Errorf("message %q", e.Error())
	}
	if e.RetryAfter() <= 0 || e.RetryAfter() > longOpen {
		t.Errorf("RetryAfter = %s, want the open time left, at most %s", e.RetryAfter(), longOpen)
	}
	wantRefused(t, f)
}

func TestBreakerOpensAndCloses(t *testing.T) {
	f := breakerFixture(t, shortOpen, status(500, 502, 503, 200, 200)...)
	for _, code := range []int{500, 502, 503} {
		wantStatus(t, f, code)
	}
	wantTripped(t, f)
	time.Sleep(shortOpen + 50*time.Millisecond)
	wantStatus(t, f, 200) // the probe
	wantStatus(t, f, 200) // closed again
	if got := f.srv.calls(); got != 5 {
		t.Errorf("calls = %d, want 5", got)
	}
}

func TestBreakerProbeFailureOpensAgain(t *testing.T) {
	f := breakerFixture(t, shortOpen, status(500, 500, 500, 504, 200)...)
	for range 3 {
		wantStatus(t, f, 500)
	}
	wantTripped(t, f)
	time.Sleep(shortOpen + 50*time.Millisecond)
	wantStatus(t, f, 504) // the probe fails
	wantTripped(t, f)
}

func TestBreakerOneProbeAtATime(t *testing.T) {
	f := breakerFixture(t, shortOpen, answer{status: 500}, answer{status: 500}, answer{status: 500}, answer{hang: true})
	f.tr.cfg.Timeout = 2 * time.Second
	for range 3 {
		wantStatus(t, f, 500)
	}
	time.Sleep(shortOpen + 50*time.Millisecond)
	for range 3 {
		<-f.srv.entered
	}
	var wg sync.WaitGroup
	wg.Go(func() { f.do(t, context.Background(), "GET", "") }) // the probe hangs
	<-f.srv.entered
	e := wantRefused(t, f)
	if !strings.Contains(e.Error(), "a trial request is under way") || e.RetryAfter() != 2*time.Second {
		t.Errorf("err = %v, RetryAfter %s; want a probe under way, retry after the timeout", e, e.RetryAfter())
	}
	wg.Wait()
}

func TestBreakerIgnores4xx(t *testing.T) {
	f := breakerFixture(t, longOpen, status(404, 422, 401, 429, 403, 400)...)
	for _, code := range []int{404, 422, 401, 429, 403, 400} {
		wantStatus(t, f, code)
	}
}

func TestBreakerSuccessResetsTheCount(t *testing.T) {
	f := breakerFixture(t, longOpen, status(500, 500, 200, 500, 500, 200)...)
	for _, code := range []int{500, 500, 200, 500, 500, 200} {
		wantStatus(t, f, code)
	}
}

func TestBreakerPerHost(t *testing.T) {
	f := breakerFixture(t, longOpen, status(500, 500, 500)...)
	for range 3 {
		wantStatus(t, f, 500)
	}
	wantRefused(t, f)
	other := newServer(t, wardtest.NewClock(start))
	resp, err := f.client.Get(other.URL)
	if err != nil {
		t.Fatalf("another host: %v, want an answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another host: status %d", resp.StatusCode)
	}
}
