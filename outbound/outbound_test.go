package outbound

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward/wardtest"
)

// start is a whole second, so that the Date header (whole seconds) reads
// the fake clock exactly.
var start = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// answer is one scripted answer of the test server.
type answer struct {
	status int
	header map[string]string // "Date" set to "" means none is sent
	hang   bool              // do not answer until the request is given up
}

// received is what the test server saw of one request.
type received struct {
	method string
	body   string
	at     time.Time // the fake clock's time
}

// server answers from a script, then 200, and records what it received.
type server struct {
	*httptest.Server
	clock   *wardtest.Clock
	mu      sync.Mutex
	script  []answer
	got     []received
	entered chan struct{} // one value per request, when it arrives
}

func newServer(t *testing.T, clock *wardtest.Clock, script ...answer) *server {
	t.Helper()
	s := &server{clock: clock, script: script, entered: make(chan struct{}, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, received{method: r.Method, body: string(body), at: s.clock.Now()})
	a := answer{status: http.StatusOK}
	if len(s.script) > 0 {
		a, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	s.entered <- struct{}{}
	if a.hang {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	w.Header().Set("Date", s.clock.Now().Format(http.TimeFormat))
	for k, v := range a.header {
		w.Header().Set(k, v)
		if k == "Date" && v == "" {
			w.Header()["Date"] = nil
		}
	}
	w.WriteHeader(a.status)
	io.WriteString(w, `{"message":"scripted"}`)
}

func (s *server) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *server) calls() int { return len(s.received()) }

// sleeper is Config.Sleep for tests: it moves the clock instead of
// sleeping, and remembers each wait.
type sleeper struct {
	clock *wardtest.Clock
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return nil
}

func (s *sleeper) slept() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// fixture is a transport on a fake clock and a scripted server.
type fixture struct {
	clock  *wardtest.Clock
	sleep  *sleeper
	srv    *server
	client *http.Client
	tr     *Transport
}

func newFixture(t *testing.T, cfg Config, script ...answer) *fixture {
	t.Helper()
	clock := wardtest.NewClock(start)
	f := &fixture{clock: clock, sleep: &sleeper{clock: clock}, srv: newServer(t, clock, script...)}
	cfg.Name = "GitHub"
	cfg.Now = clock.Now
	cfg.Sleep = f.sleep.sleep
	f.tr = New(cfg)
	f.client = &http.Client{Transport: f.tr}
	return f
}

// do sends a request with an in-memory body (so GetBody is set) to path.
func (f *fixture) do(t *testing.T, ctx context.Context, method, body string) (*http.Response, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.srv.URL+"/repos/o/r/issues", r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer secret-token")
	resp, err := f.client.Do(req)
	if resp != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func h(kv ...string) map[string]string {
	m := make(map[string]string)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func status(codes ...int) []answer {
	var as []answer
	for _, c := range codes {
		as = append(as, answer{status: c})
	}
	return as
}

// resetIn is a spent GitHub rate limit that resets d after start.
func resetIn(status int, d time.Duration) answer {
	return answer{status: status, header: h("X-RateLimit-Remaining", "0",
		"X-RateLimit-Reset", strconv.FormatInt(start.Add(d).Unix(), 10))}
}

// wantTemporary checks that err holds a temporary *Error whose message
// starts with prefix, and returns it.
func wantTemporary(t *testing.T, err error, prefix string) *Error {
	t.Helper()
	e, ok := errors.AsType[*Error](err)
	if !ok || !e.Temporary() || !strings.HasPrefix(e.Error(), prefix) {
		t.Fatalf("err = %v, want a temporary *outbound.Error %q…", err, prefix)
	}
	if strings.Contains(e.Error(), "secret-token") {
		t.Fatalf("err = %v: it holds the token", err)
	}
	return e
}

func TestRetryRules(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		script     []answer
		wantCalls  int
		wantStatus int
	}{
		{"GET retried after 500", "GET", status(500, 200), 2, 200},
		{"GET retried after 502, 503, 504", "GET", status(502, 503, 504, 200), 4, 200},
		{"GET gives the last 500 back after MaxAttempts", "GET", status(500, 500, 500, 500, 200), 4, 500},
		{"GET retried after 429", "GET", status(429, 200), 2, 200},
		{"GET retried after a 403 with Retry-After", "GET", []answer{{status: 403, header: h("Retry-After", "2")}, {status: 200}}, 2, 200},
		{"GET retried after a 403 with a spent rate limit", "GET", []answer{resetIn(403, 10*time.Second), {status: 200}}, 2, 200},
		{"403 without rate-limit headers not retried", "GET", status(403, 200), 1, 403},
		{"403 with requests remaining not retried", "GET", []answer{{status: 403, header: h("X-RateLimit-Remaining", "12", "X-RateLimit-Reset", "1803988800")}}, 1, 403},
		{"400 not retried", "GET", status(400, 200), 1, 400},
		{"401 not retried", "GET", status(401, 200), 1, 401},
		{"404 not retried", "GET", status(404, 200), 1, 404},
		{"422 not retried", "GET", status(422, 200), 1, 422},
		{"501 not retried", "GET", status(501, 200), 1, 501},
		{"PUT retried after 500", "PUT", status(500, 200), 2, 200},
		{"DELETE retried after 503", "DELETE", status(503, 200), 2, 200},
		{"POST not retried after 500", "POST", status(500, 200), 1, 500},
		{"POST not retried after 502", "POST", status(502, 200), 1, 502},
		{"POST not retried after 504", "POST", status(504, 200), 1, 504},
		{"POST not retried after 503 without Retry-After", "POST", status(503, 200), 1, 503},
		{"POST retried after 503 with Retry-After", "POST", []answer{{status: 503, header: h("Retry-After", "3")}, {status: 201}}, 2, 201},
		{"POST retried after 429", "POST", status(429, 201), 2, 201},
		{"POST retried after a rate-limited 403", "POST", []answer{{status: 403, header: h("Retry-After", "1")}, {status: 201}}, 2, 201},
		{"PATCH not retried after 500", "PATCH", status(500, 200), 1, 500},
		{"PATCH retried after 429", "PATCH", status(429, 200), 2, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{}, tt.script...)
			body := ""
			if tt.method == "POST" || tt.method == "PATCH" || tt.method == "PUT" {
				body = `{"title":"XSS in search"}`
			}
			resp, err := f.do(t, context.Background(), tt.method, body)
			if err != nil {
				t.Fatalf("err = %v, want an answer", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := f.srv.calls(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if got := len(f.sleep.slept()); got != tt.wantCalls-1 {
				t.Errorf("waits = %d, want %d", got, tt.wantCalls-1)
			}
		})
	}
}

func TestWaits(t *testing.T) {
	tests := []struct {
		name   string
		script []answer
		want   time.Duration
	}{
		{"Retry-After in seconds", []answer{{status: 429, header: h("Retry-After", "7")}}, 7 * time.Second},
		{"Retry-After as an HTTP date", []answer{{status: 503, header: h("Retry-After", start.Add(45*time.Second).Format(http.TimeFormat))}}, 45 * time.Second},
		{"Retry-After date measured from the service's Date", []answer{{status: 503, header: h(
			"Date", start.Add(-10*time.Second).Format(http.TimeFormat),
			"Retry-After", start.Add(10*time.Second).Format(http.TimeFormat))}}, 20 * time.Second},
		{"Retry-After date without Date measured from the clock", []answer{{status: 503, header: h(
			"Date", "", "Retry-After", start.Add(12*time.Second).Format(http.TimeFormat))}}, 12 * time.Second},
		{"Retry-After in the past", []answer{{status: 429, header: h("Retry-After", start.Add(-time.Hour).Format(http.TimeFormat))}}, 0},
		{"X-RateLimit-Reset", []answer{resetIn(429, 30*time.Second)}, 30 * time.Second},
		{"the longer of Retry-After and the reset", []answer{{status: 403, header: h("Retry-After", "5",
			"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(start.Add(40*time.Second).Unix(), 10))}}, 40 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{}, tt.script...)
			if _, err := f.do(t, context.Background(), "GET", ""); err != nil {
				t.Fatal(err)
			}
			waits := f.sleep.slept()
			if len(waits) != 1 {
				t.Fatalf("waits = %v, want one", waits)
			}
			// A service that names no wait (0) gets the backoff: ≤ 500 ms.
			if got := waits[0]; tt.want == 0 && got > 500*time.Millisecond || tt.want != 0 && got != tt.want {
				t.Errorf("wait = %s, want %s", got, tt.want)
			}
			got := f.srv.received()
			if len(got) != 2 || got[1].at.Sub(got[0].at) != waits[0] {
				t.Errorf("the second attempt came at %v, want %s after the first", got, waits[0])
			}
		})
	}
}

func TestBackoffDoublesWithJitter(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 6, Backoff: time.Second, MaxWait: 5 * time.Second, BreakerFailures: 10}, status(500, 500, 500, 500, 500, 200)...)
	if _, err := f.do(t, context.Background(), "GET", ""); err != nil {
		t.Fatal(err)
	}
	waits := f.sleep.slept()
	// 1 s, 2 s, 4 s, then capped at MaxWait; each between half and all.
	full := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if len(waits) != len(full) {
		t.Fatalf("waits = %v, want %d", waits, len(full))
	}
	for i, w := range waits {
		if w < full[i]/2 || w > full[i] {
			t.Errorf("wait %d = %s, want between %s and %s", i+1, w, full[i]/2, full[i])
		}
	}
}

func TestWaitBeyondMaxWait(t *testing.T) {
	tests := []struct {
		name   string
		answer answer
		want   time.Duration
	}{
		{"Retry-After", answer{status: 429, header: h("Retry-After", "120")}, 2 * time.Minute},
		{"rate limit reset", resetIn(403, time.Hour), time.Hour},
		{"a year's Retry-After is bounded", answer{status: 429, header: h("Retry-After", "31536000")}, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{}, tt.answer)
			resp, err := f.do(t, context.Background(), "POST", `{"body":"hi"}`)
			if resp != nil {
				t.Fatalf("status %d, want an error", resp.StatusCode)
			}
			e := wantTemporary(t, err, "GitHub: ")
			if e.RetryAfter() != tt.want || e.StatusCode != tt.answer.status {
				t.Errorf("RetryAfter %s, StatusCode %d; want %s, %d", e.RetryAfter(), e.StatusCode, tt.want, tt.answer.status)
			}
			if f.srv.calls() != 1 || len(f.sleep.slept()) != 0 {
				t.Errorf("calls %d, waits %v; want 1 and none", f.srv.calls(), f.sleep.slept())
			}
		})
	}
}

func TestSpentRateLimitWaitsBeforeCalling(t *testing.T) {
	t.Run("within MaxWait", func(t *testing.T) {
		f := newFixture(t, Config{}, resetIn(200, 20*time.Second), answer{status: 200})
		for range 2 {
			if _, err := f.do(t, context.Background(), "GET", ""); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := f.sleep.slept(), []time.Duration{20 * time.Second}; !cmp.Equal(got, want) {
			t.Errorf("waits = %v, want %v", got, want)
		}
		if got := f.srv.received(); len(got) != 2 || got[1].at.Before(start.Add(20*time.Second)) {
			t.Errorf("received %v, want the second call at the reset", got)
		}
	})
	t.Run("beyond MaxWait", func(t *testing.T) {
		f := newFixture(t, Config{}, resetIn(200, 5*time.Minute))
		if _, err := f.do(t, context.Background(), "GET", ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		_, err := f.do(t, context.Background(), "GET", "")
		e, ok := errors.AsType[*Error](err)
		if !ok || e.RetryAfter() != 4*time.Minute || !e.Temporary() {
			t.Fatalf("err = %v, want a temporary *outbound.Error to retry after 4m", err)
		}
		if f.srv.calls() != 1 {
			t.Errorf("calls = %d, want 1: no request spent on a certain refusal", f.srv.calls())
		}
		f.clock.Advance(4 * time.Minute)
		if _, err := f.do(t, context.Background(), "GET", ""); err != nil || f.srv.calls() != 2 {
			t.Errorf("after the reset: err %v, calls %d; want a call", err, f.srv.calls())
		}
	})
	t.Run("requests remaining", func(t *testing.T) {
		f := newFixture(t, Config{}, answer{status: 200, header: h("X-RateLimit-Remaining", "1", "X-RateLimit-Reset", strconv.FormatInt(start.Add(time.Minute).Unix(), 10))})
		for range 2 {
			if _, err := f.do(t, context.Background(), "GET", ""); err != nil {
				t.Fatal(err)
			}
		}
		if w := f.sleep.slept(); len(w) != 0 {
			t.Errorf("waits = %v, want none", w)
		}
	})
}

func TestContextDeadlineWins(t *testing.T) {
	f := newFixture(t, Config{}, answer{status: 429, header: h("Retry-After", "10")})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := f.do(t, ctx, "GET", "")
	e, ok := errors.AsType[*Error](err)
	if !ok || e.RetryAfter() != 10*time.Second || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want an *outbound.Error to retry after 10s, past the deadline", err)
	}
	if f.srv.calls() != 1 || len(f.sleep.slept()) != 0 {
		t.Errorf("calls %d, waits %v; want 1 and none", f.srv.calls(), f.sleep.slept())
	}
}

func TestCancelDuringWait(t *testing.T) {
	// The real sleep: a cancelled caller does not wait out the 30 s.
	srv := newServer(t, wardtest.NewClock(start), answer{status: 503, header: h("Retry-After", "30")})
	client := &http.Client{Transport: New(Config{Name: "HackerOne"})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-srv.entered
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	done := make(chan error, 1)
	go func() {
		_, err := client.Do(req)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait went on after the caller gave up")
	}
}

func TestTimeouts(t *testing.T) {
	hang := []answer{{hang: true}, {hang: true}, {hang: true}}
	tests := []struct {
		method      string
		maxAttempts int
		wantErr     string
		wantCalls   int
	}{
		{"GET", 3, "GitHub: no answer within 50ms (3 attempts): ", 3},
		// The service may have acted on the POST.
		{"POST", 3, "GitHub: no answer within 50ms: ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			f := newFixture(t, Config{Timeout: 50 * time.Millisecond, MaxAttempts: tt.maxAttempts}, hang...)
			_, err := f.do(t, context.Background(), tt.method, `{"title":"t"}`)
			wantTemporary(t, err, tt.wantErr)
			if f.srv.calls() != tt.wantCalls {
				t.Errorf("calls = %d, want %d", f.srv.calls(), tt.wantCalls)
			}
		})
	}
	t.Run("the answer's body outlives RoundTrip", func(t *testing.T) {
		f := newFixture(t, Config{Timeout: time.Minute})
		req, _ := http.NewRequest("GET", f.srv.URL, nil)
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		// The answer is read in full later: its attempt's context is alive
		// until the body is closed.
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !strings.Contains(string(b), "scripted") {
			t.Errorf("body %q, err %v", b, err)
		}
	})
}

// flaky fails the first len(errs) attempts with errs, in order, without
// sending them, then sends through http.DefaultTransport.
type flaky struct {
	mu   sync.Mutex
	errs []error
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	var err error
	if len(f.errs) > 0 {
		err, f.errs = f.errs[0], f.errs[1:]
	}
	f.mu.Unlock()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestConnectionErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name      string
		method    string
		errs      []error
		wantCalls int // that reached the server
		wantErr   string
	}{
		{"GET retried after a dial error", "GET", []error{dial}, 1, ""},
		{"POST retried after a dial error", "POST", []error{dial, dial}, 1, ""},
		{"GET retried after a reset", "GET", []error{reset}, 1, ""},
		{"POST not retried after a reset", "POST", []error{reset}, 0, "GitHub: the connection failed: read tcp: connection reset by peer"},
		{"gives up after MaxAttempts", "GET", []error{dial, dial, dial, dial}, 0, "GitHub: could not connect (4 attempts): dial tcp: connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{Base: &flaky{errs: tt.errs}})
			body := ""
			if tt.method == "POST" {
				body = `{"title":"t"}`
			}
			_, err := f.do(t, context.Background(), tt.method, body)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			if tt.wantErr != "" {
				wantTemporary(t, err, tt.wantErr)
			}
			if got := f.srv.calls(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestBodyReplayed(t *testing.T) {
	f := newFixture(t, Config{}, answer{status: 429}, answer{status: 503, header: h("Retry-After", "1")}, answer{status: 200})
	body := `{"title":"[H1 #123] XSS in search","labels":["security"]}`
	if _, err := f.do(t, context.Background(), "POST", body); err != nil {
		t.Fatal(err)
	}
	got := f.srv.received()
	if len(got) != 3 {
		t.Fatalf("calls = %d, want 3", len(got))
	}
	for i, r := range got {
		if r.method != "POST" || r.body != body {
			t.Errorf("attempt %d: %s %q, want POST %q", i+1, r.method, r.body, body)
		}
	}
}

func TestBodyNotReplayableNotRetried(t *testing.T) {
	f := newFixture(t, Config{}, status(429, 200)...)
	// A reader http.NewRequest does not know leaves GetBody nil.
	req, _ := http.NewRequest("POST", f.srv.URL, io.MultiReader(bytes.NewReader([]byte("once"))))
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || f.srv.calls() != 1 {
		t.Errorf("status %d after %d calls, want 429 after 1", resp.StatusCode, f.srv.calls())
	}
}
