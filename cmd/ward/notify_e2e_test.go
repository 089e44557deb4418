package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
	"github.com/wardsec/ward/webhook"
)

// receiver is a webhook receiver that verifies each delivery's signature
// and counts deliveries by their Ward-Delivery id. It answers the first
// attempt of every seventh id with 503 and hangs on the first attempt of
// every nineteenth for longer than ward waits, so that retries and a
// receiver that hangs are part of the run.
type receiver struct {
	secret []byte
	mu     sync.Mutex
	got    map[string]int // accepted deliveries by id
	tries  map[string]int // attempts by id
	bad    []string       // why a request was refused
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(rc.secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
		rc.mu.Lock()
		rc.bad = append(rc.bad, err.Error())
		rc.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := r.Header.Get("Ward-Delivery")
	rc.mu.Lock()
	rc.tries[id]++
	try, n := rc.tries[id], len(rc.tries)
	rc.mu.Unlock()
	switch {
	case try == 1 && n%7 == 0:
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case try == 1 && n%19 == 0:
		select {
		case <-time.After(12 * time.Second):
		case <-r.Context().Done():
		}
		return
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID != id || p.Report == nil {
		rc.mu.Lock()
		rc.bad = append(rc.bad, fmt.Sprintf("payload %s: %v", body, err))
		rc.mu.Unlock()
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.got[id]++
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestMonthOfRemindersOnTwoInstances runs February 2027 in about a minute
// and a half (8 hours a second) on two `ward serve` sharing one
// PostgreSQL, kills one with SIGKILL half-way, and checks at a webhook
// receiver that every stale-incident ping was delivered exactly once, and
// at the database that each came at its threshold: a critical report
// every 2 days, a high one every 7, a medium one after a calendar month, a
// low one never.
func TestMonthOfRemindersOnTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("a month of reminders takes a minute")
	}
	dsn := wardtest.PostgresSchema(t)
	start := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	const rate = 28800 // clock seconds per real second: 8 hours a second
	rc := &receiver{secret: []byte("a shared secret of the test"), got: map[string]int{}, tries: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	// The team and its open reports, as of the start of the month.
	seed, err := store.Open(context.Background(), dsn, store.Options{Now: func() time.Time { return start }, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if _, err := seed.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	name, role := "Ana", ward.RoleResponder
	if _, err := seed.ApplyTeam(ctx, ward.TeamSpec{
		Members:  []ward.MemberSpec{{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: &name, Role: &role}}},
		Channels: []ward.NotifyChannel{{Name: "counter", Kind: ward.ChannelWebhook, URL: srv.URL, SecretEnv: "WARD_TEST_HOOK_SECRET", Kinds: []string{"ping"}}},
	}, false); err != nil {
		t.Fatal(err)
	}
	threshold := map[string]time.Duration{"critical": 48 * time.Hour, "high": 7 * 24 * time.Hour, "medium": 28 * 24 * time.Hour}
	wantPings := map[string]int{"critical": 14, "high": 4, "medium": 1, "low": 0}
	rating := map[int64]string{}
	for _, r := range []string{"critical", "high", "medium", "low"} {
		for range 5 {
			rep := ward.Report{Title: "A " + r + " issue", Source: ward.SourceAPI}
			if _, err := seed.CreateReport(ctx, &rep); err != nil {
				t.Fatal(err)
			}
			rep.State, rep.Commander = "tracked", "ana@example.org"
			rep.Severity = &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Version: "3.1", Score: 9.8, Rating: r}
			if err := seed.UpdateReport(ctx, &rep, rep.Version, &ward.TimelineEvent{Action: "track", FromState: "new", ToState: "tracked", Visibility: "team"}); err != nil {
				t.Fatal(err)
			}
			rating[rep.ID] = r
		}
	}

	// Both start before the clock reaches the month, which begins at the
	// same real instant for both.
	epoch := time.Now().Add(8 * time.Second)
	env := []string{"WARD_TEST_HOOK_SECRET=" + string(rc.secret), "WARD_TEST_CLOCK=" + start.Format(time.RFC3339) + "*" + strconv.Itoa(rate) + "@" + strconv.FormatInt(epoch.UnixMilli(), 10)}
	one := startServeEnv(t, env, "--db", dsn)
	two := startServeEnv(t, env, "--db", dsn)
	at := func(d time.Duration) time.Time { return epoch.Add(d / rate) } // the real instant the clock reads start+d
	day := 24 * time.Hour
	time.Sleep(time.Until(at(14*day + 5*time.Hour)))
	if err := one.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = one.cmd.Wait()
	end := 28*day + 12*time.Hour
	time.Sleep(time.Until(at(end)))
	stopServe(t, two)

	// What the dead instance had claimed, and what the stopped one had in
	// flight, goes once their leases run out: a third instance, on a
	// clock that has stopped racing, sends it.
	drain := startServeEnv(t, []string{"WARD_TEST_HOOK_SECRET=" + string(rc.secret), "WARD_TEST_CLOCK=" + start.Add(end).Format(time.RFC3339) + "*1"}, "--db", dsn)
	pollUntil(t, 2*time.Minute, "every dispatch sent", func() bool {
		waiting, err := seed.FindDispatches(ctx, ward.DispatchFilter{Status: "waiting", Limit: 1})
		return err == nil && len(waiting) == 0
	})
	stopServe(t, drain)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("the receiver refused %d requests: %v", len(rc.bad), rc.bad[:min(len(rc.bad), 5)])
	}
	pings := 0
	for id, r := range rating {
		evs, err := seed.FindTimeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var ats []time.Time
		for _, e := range evs {
			if e.Action == "ping" {
				ats = append(ats, e.At)
			}
		}
		pings += len(ats)
		if len(ats) != wantPings[r] {
			t.Errorf("report %d (%s) was pinged %d times in the month, want %d: %v", id, r, len(ats), wantPings[r], ats)
		}
		// The k-th ping comes at the k-th threshold, never before, and
		// within hours of it: the scan is hourly, an instance killed in
		// the middle of one leaves it to the next hour's, and on this clock
		// the 500 ms a busy CI machine may lag is four hours.
		for k, a := range ats {
			due := start.Add(time.Duration(k+1) * threshold[r])
			if a.Before(due) || a.After(due.Add(8*time.Hour)) {
				t.Errorf("report %d (%s): ping %d at %v, due at %v", id, r, k+1, a, due)
			}
		}
	}
	dispatches, err := seed.FindDispatches(ctx, ward.DispatchFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, d := range dispatches {
		if d.Kind == "ping" && d.Target == "counter" {
			sent[d.Key] = true
			if d.Status() != "delivered" {
				t.Errorf("dispatch %s: %s (%s)", d.Key, d.Status(), d.LastError)
			}
		}
	}
	if len(sent) != pings {
		t.Errorf("%d pings, %d webhook dispatches of them: want one each", pings, len(sent))
	}
	for key := range sent {
		if rc.got[key] != 1 {
			t.Errorf("%s was received %d times, want once", key, rc.got[key])
		}
	}
	for key, n := range rc.got {
		if !sent[key] {
			t.Errorf("%s was received %d times but is no ping ward sent", key, n)
		}
	}
	t.Logf("%d pings over the month, each received once; %d first attempts refused or hung and retried", pings, countRetried(rc.tries))
}

func countRetried(tries map[string]int) int {
	n := 0
	for _, c := range tries {
		if c > 1 {
			n++
		}
	}
	return n
}
