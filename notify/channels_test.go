package notify

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/webhook"
)

// hook is a webhook receiver: it verifies every request's signature and
// answers as told.
type hook struct {
	secret []byte
	mu     sync.Mutex
	got    map[string]int // verified deliveries by Ward-Delivery
	bad    []string
	answer func(try int) (status int, hang bool)
	tries  map[string]int
}

func newHook(secret string, answer func(try int) (int, bool)) (*hook, *httptest.Server) {
	h := &hook{secret: []byte(secret), got: map[string]int{}, tries: map[string]int{}, answer: answer}
	srv := httptest.NewServer(h)
	return h, srv
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get("Ward-Delivery")
	h.mu.Lock()
	h.tries[id]++
	try := h.tries[id]
	h.mu.Unlock()
	if err := webhook.Verify(h.secret, r.Header, body, time.Now(), time.Minute); err != nil {
		h.mu.Lock()
		h.bad = append(h.bad, err.Error())
		h.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	status, hang := h.answer(try)
	if hang {
		<-r.Context().Done()
		return
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "120")
	}
	if status < 300 {
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil || p.ID != id || r.Header.Get("Ward-Event") != p.Kind {
			h.mu.Lock()
			h.bad = append(h.bad, "payload: "+string(body))
			h.mu.Unlock()
		}
		h.mu.Lock()
		h.got[id]++
		h.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (h *hook) count(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[id]
}

// Real webhook deliveries through Channels: a receiver that fails is
// retried with back-off (and its Retry-After), one that hangs holds one
// slot for the timeout and no other delivery, and every request's
// signature verifies with the secret from the environment.
func TestWebhookChannels(t *testing.T) {
	f := newFixture(t, time.Date(2027, 3, 31, 11, 0, 0, 0, time.UTC))
	good, goodSrv := newHook("good secret", func(int) (int, bool) { return http.StatusNoContent, false })
	defer goodSrv.Close()
	flaky, flakySrv := newHook("flaky secret", func(try int) (int, bool) {
		if try == 1 {
			return http.StatusServiceUnavailable, false
		}
		return http.StatusOK, false
	})
	defer flakySrv.Close()
	_, hangSrv := newHook("hang secret", func(int) (int, bool) { return 0, true })
	defer hangSrv.Close()
	gone, goneSrv := newHook("gone secret", func(int) (int, bool) { return http.StatusGone, false })
	defer goneSrv.Close()

	env := map[string]string{"GOOD": "good secret", "FLAKY": "flaky secret", "HANG": "hang secret", "GONE": "gone secret"}
	channels := []ward.NotifyChannel{
		{Name: "good", Kind: ward.ChannelWebhook, URL: goodSrv.URL, SecretEnv: "GOOD", Kinds: []string{"ping"}},
		{Name: "flaky", Kind: ward.ChannelWebhook, URL: flakySrv.URL, SecretEnv: "FLAKY", Kinds: []string{"ping"}},
		{Name: "hang", Kind: ward.ChannelWebhook, URL: hangSrv.URL, SecretEnv: "HANG", Kinds: []string{"ping"}},
		{Name: "gone", Kind: ward.ChannelWebhook, URL: goneSrv.URL, SecretEnv: "GONE", Kinds: []string{"ping"}},
		{Name: "unset", Kind: ward.ChannelWebhook, URL: goodSrv.URL, SecretEnv: "UNSET", Kinds: []string{"ping"}},
	}
	if _, err := f.db.ApplyTeam(f.ctx, ward.TeamSpec{Channels: channels}, false); err != nil {
		t.Fatal(err)
	}
	sender := &Channels{Store: f.db, Getenv: func(k string) string { return env[k] }}
	f.setSender(ward.ChannelWebhook, sender)
	// Long enough for a real request on a loaded machine under -race,
	// short enough for the hanging receiver not to drag the test.
	f.setTimeout(time.Second)
	var notes []int64
	for range 4 {
		notes = append(notes, f.notify(t, "ana@example.org", "ping", "high"))
	}
	begun := time.Now()
	f.step(t)
	// Four hanging deliveries, two slots, a second each: 2 s idle. Not a
	// speed target (CI's loaded machine is several times slower); the
	// bound only turns a pass that never ends into a failure.
	if took := time.Since(begun); took > time.Minute {
		t.Errorf("a pass took %v", took)
	}
	for _, n := range notes {
		if got := good.count(f.channelKey(n, "good")); got != 1 {
			t.Errorf("notification %d reached the good receiver %d times", n, got)
		}
		if got := flaky.count(f.channelKey(n, "flaky")); got != 0 {
			t.Errorf("notification %d reached the flaky receiver before its retry", n)
		}
	}
	status := map[string]map[string]int{}
	all, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Limit: 100})
	for _, d := range all {
		if status[d.Target] == nil {
			status[d.Target] = map[string]int{}
		}
		status[d.Target][d.Status()]++
		switch d.Target {
		case "flaky":
			if wait := d.NextAttemptAt.Sub(f.machine.Now()); wait != 2*time.Minute {
				t.Errorf("flaky retries in %v, want its Retry-After, 2 minutes", wait)
			}
		case "gone":
			if !strings.Contains(d.LastError, "410") {
				t.Errorf("gone: %q", d.LastError)
			}
		case "unset":
			if !strings.Contains(d.LastError, "UNSET") || d.Status() != "waiting" {
				t.Errorf("a secret not set: %s %q; want a retry naming the variable", d.Status(), d.LastError)
			}
		}
	}
	for target, want := range map[string]string{"good": "delivered", "flaky": "waiting", "hang": "waiting", "gone": "failed", "unset": "waiting"} {
		if status[target][want] != 4 {
			t.Errorf("%s: %v, want 4 %s", target, status[target], want)
		}
	}
	f.machine.Advance(2 * time.Minute)
	f.step(t)
	for _, n := range notes {
		if got := flaky.count(f.channelKey(n, "flaky")); got != 1 {
			t.Errorf("notification %d reached the flaky receiver %d times after its retry, want once", n, got)
		}
	}
	for _, h := range []*hook{good, flaky, gone} {
		if len(h.bad) > 0 {
			t.Errorf("refused: %v", h.bad)
		}
	}
	if gone.count(f.channelKey(notes[0], "gone")) != 0 {
		t.Error("a 410 counted as delivered")
	}
}

// Slack through Channels: a team channel through an incoming webhook, and
// a member's direct message through the bot token, both escaped so that a
// title written outside cannot mention everyone or make a link.
func TestSlackChannels(t *testing.T) {
	f := newFixture(t, time.Date(2027, 3, 31, 11, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	got := map[string]string{} // path → what was posted, every post
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] += string(body) + "\n"
		mu.Unlock()
		if r.URL.Path == "/api/chat.postMessage" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true,"channel":"D0123","ts":"1503435956.000247"}`)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	env := map[string]string{"HOOK": srv.URL + "/services/T0/B0/x", "TOKEN": "xoxb-test"}
	if _, err := f.db.ApplyTeam(f.ctx, ward.TeamSpec{Channels: []ward.NotifyChannel{
		{Name: "room", Kind: ward.ChannelSlack, URLEnv: "HOOK"},
		{Name: "bot", Kind: ward.ChannelSlack, TokenEnv: "TOKEN", Channel: "C0123", Kinds: []string{"window_ended"}},
	}}, false); err != nil {
		t.Fatal(err)
	}
	code, _, err := f.db.IssueSlackLink(f.ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.LinkSlack(f.ctx, code, "U0ANA"); err != nil {
		t.Fatal(err)
	}
	f.setSender(ward.ChannelSlack, &Channels{Store: f.db, Getenv: func(k string) string { return env[k] }, HTTP: srv.Client(), SlackAPIURL: srv.URL + "/api/"})
	f.setTimeout(10 * time.Second) // TLS handshakes under -race on a loaded machine
	r := ward.Report{Title: "<!channel> <https://evil.example|click> & more", Source: ward.SourceAPI}
	if _, err := f.db.CreateReport(f.ctx, &r); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.db.FindReportByID(f.ctx, r.ID)
	if err := f.db.UpdateReport(f.ctx, stored, stored.Version, &ward.TimelineEvent{Action: "ping", FromState: "new", ToState: "new",
		Visibility: "team", Comment: "ping", Notify: []string{"ana@example.org"}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	failed, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "failed"})
	waiting, _ := f.db.FindDispatches(f.ctx, ward.DispatchFilter{Status: "waiting"})
	if len(failed)+len(waiting) > 0 {
		t.Fatalf("not sent: %+v %+v", failed, waiting)
	}
	mu.Lock()
	defer mu.Unlock()
	hook, dm := got["/services/T0/B0/x"], got["/api/chat.postMessage"]
	// The incoming webhook's channel wants every kind: the new report
	// and the ping, in either order, neither with the title.
	if !strings.Contains(hook, "no update lately") || !strings.Contains(hook, "new report") || strings.Contains(hook, "channel") || strings.Contains(hook, "evil") {
		t.Errorf("the team channel got %s: want the ping and the new report, without the title", hook)
	}
	if !strings.Contains(dm, "U0ANA") || !strings.Contains(dm, "xoxb-test") || strings.Contains(dm, "%3C%21channel%3E") || !strings.Contains(dm, "%26lt%3B%21channel%26gt%3B") {
		t.Errorf("the direct message posted %s: want it to Ana, with the bot's token, the title escaped", dm)
	}
}
