package hackerone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

// h1 serves the fixture pages for the sync and answers writes with
// whatever status and fixture answer holds, recording what it was sent.
type h1 struct {
	pages
	mu     sync.Mutex
	answer func(r *http.Request) (int, string, http.Header)
	sent   []string // method path body
}

func (h *h1) serve(t *testing.T) *httptest.Server {
	reports := h.pages.serve(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			resp, err := reports.Client().Get(reports.URL + r.URL.String())
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			w.Write([]byte(strings.ReplaceAll(string(b), reports.URL, srv.URL)))
			return
		}
		if u, p, _ := r.BasicAuth(); u != testUser || p != testToken {
			t.Errorf("%s %s without the token", r.Method, r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.sent = append(h.sent, r.Method+" "+r.URL.Path+" "+string(body))
		h.mu.Unlock()
		status, name, header := h.answer(r)
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		if name != "" {
			w.Write(fixture(t, name, srv.URL+"/v1"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// act stores an action on the report as a member took it, as
// reports.Service.Act does: the report and its event together.
func act(t *testing.T, db *store.DB, id int64, change func(r *ward.Report), ev *ward.TimelineEvent) {
	t.Helper()
	ctx := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorMember, Email: "ana@example.org", Role: ward.RoleAdmin})
	r, err := db.FindReportByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	after := *r
	change(&after)
	if err := db.UpdateReport(ctx, &after, r.Version, ev); err != nil {
		t.Fatal(err)
	}
}

func timelineActions(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	tl, err := db.FindTimeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range tl {
		out = append(out, e.Action)
	}
	return out
}

func TestPush(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		ctx := context.Background()
		h := &h1{}
		s, r := syncXSS(t, db, h.serve(t))
		id := r.ID
		p := &Pusher{Client: s.Client, Store: db, Now: clock.Now}

		// A team-only comment becomes an internal activity, once.
		h.answer = func(*http.Request) (int, string, http.Header) { return 201, "comment_response.json", nil }
		act(t, db, id, func(*ward.Report) {}, &ward.TimelineEvent{Action: "comment", FromState: "triaged", ToState: "triaged",
			Visibility: "team", Comment: "I am an internal comment"})
		if sent, failed, err := p.Push(ctx); err != nil || sent != 1 || failed != 0 {
			t.Fatalf("push: %d sent, %d failed, %v", sent, failed, err)
		}
		want := `POST /v1/reports/1337/activities {"data":{"type":"activity-comment","attributes":{"message":"I am an internal comment","internal":true}}}`
		if len(h.sent) != 1 || h.sent[0] != want {
			t.Errorf("sent %q\nwant %q", h.sent, want)
		}
		if sent, _, _ := p.Push(ctx); sent != 0 {
			t.Errorf("a second push sent %d again", sent)
		}
		// HackerOne refuses a resolution: the report stays resolved in
		// ward, and the timeline says what HackerOne said.
		h.answer = func(*http.Request) (int, string, http.Header) { return 422, "error_422.json", nil }
		act(t, db, id, func(r *ward.Report) { r.State = "resolved" }, &ward.TimelineEvent{Action: "resolve", FromState: "triaged", ToState: "resolved", Visibility: "reporter"})
		if sent, failed, err := p.Push(ctx); err != nil || sent != 0 || failed != 1 {
			t.Fatalf("push: %d sent, %d failed, %v", sent, failed, err)
		}
		tl, err := db.FindTimeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last := tl[len(tl)-1]
		if last.Action != "push_failed" || !strings.Contains(last.Comment, "HackerOne refused: 422 Invalid Parameter: The parameter 'state' is invalid.") {
			t.Errorf("last event %s %q", last.Action, last.Comment)
		}
		if r, _ := db.FindReportByID(ctx, id); r.State != "resolved" {
			t.Errorf("state %s after the refusal, want resolved kept", r.State)
		}
		// Rate limited: tried again after Retry-After, not before.
		calls := 0
		h.answer = func(*http.Request) (int, string, http.Header) {
			calls++
			if calls == 1 {
				return 429, "error_429.json", http.Header{"Retry-After": {"600"}}
			}
			return 200, "severity_response.json", nil
		}
		act(t, db, id, func(r *ward.Report) {
			r.Severity = &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Version: "3.1", Score: 7.5, Rating: "High"}
		}, &ward.TimelineEvent{Action: "set_severity", FromState: "resolved", ToState: "resolved", Visibility: "team"})
		if sent, failed, err := p.Push(ctx); err != nil || sent+failed != 0 {
			t.Fatalf("rate-limited push: %d sent, %d failed, %v", sent, failed, err)
		}
		clock.Advance(9 * time.Minute)
		if sent, _, _ := p.Push(ctx); sent != 0 || calls != 1 {
			t.Errorf("pushed again before Retry-After: %d sent, %d calls", sent, calls)
		}
		clock.Advance(2 * time.Minute)
		if sent, _, _ := p.Push(ctx); sent != 1 || calls != 2 {
			t.Errorf("after Retry-After: %d sent, %d calls", sent, calls)
		}
		if got := h.sent[len(h.sent)-1]; !strings.Contains(got, `"attack_vector":"network"`) || !strings.Contains(got, `"rating":"high"`) {
			t.Errorf("severity sent as %s", got)
		}
		// The comment comes back in the activity stream with the id the
		// push recorded: no second event.
		before := timelineActions(t, db, id)
		edit := func(rep map[string]any) {
			if rep["id"] != "1337" {
				return
			}
			rep["attributes"].(map[string]any)["last_activity_at"] = "2017-07-20T19:31:19.733Z"
			rel, ok := rep["relationships"].(map[string]any)["activities"].(map[string]any)
			if !ok {
				return // the list's report, without its activities
			}
			rel["data"] = append(rel["data"].([]any), map[string]any{"type": "activity-comment", "id": "1854710",
				"attributes":    map[string]any{"message": "I am an internal comment", "internal": true, "created_at": "2017-07-20T19:31:19.733Z"},
				"relationships": map[string]any{"actor": map[string]any{"data": map[string]any{"type": "user", "id": "185283", "attributes": map[string]any{"username": "someone-else"}}}}})
		}
		h.pages.edit.Store(&edit)
		if _, err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		after := timelineActions(t, db, id)
		if strings.Join(after, " ") != strings.Join(before, " ") {
			t.Errorf("the sync added %v to %v", after[len(before):], before)
		}
	})
}

// pushFixture syncs the fixtures and returns the XSS report's id in ward
// and a Pusher.
func pushFixture(t *testing.T, db *store.DB, clock *wardtest.Clock, h *h1) (int64, *Pusher) {
	t.Helper()
	s, r := syncXSS(t, db, h.serve(t))
	return r.ID, &Pusher{Client: s.Client, Store: db, Now: clock.Now}
}

// A state change's or a bounty's message is the reporter's to read on
// HackerOne: a team-only comment goes as an internal comment instead.
func TestPushTeamCommentStaysInternal(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		ctx := context.Background()
		h := &h1{}
		id, p := pushFixture(t, db, clock, h)
		h.answer = func(r *http.Request) (int, string, http.Header) {
			if strings.HasSuffix(r.URL.Path, "/activities") {
				return 201, "comment_response.json", nil
			}
			return 200, "state_change_response.json", nil
		}
		act(t, db, id, func(r *ward.Report) { r.State = "needs_info" }, &ward.TimelineEvent{Action: "request_info", FromState: "triaged", ToState: "needs_info",
			Visibility: "team", Comment: "TEAM ONLY: CVE pending"})
		if sent, failed, err := p.Push(ctx); err != nil || sent != 2 || failed != 0 {
			t.Fatalf("push: %d sent, %d failed, %v", sent, failed, err)
		}
		want := []string{
			`POST /v1/reports/1337/state_changes {"data":{"type":"state-change","attributes":{"state":"needs-more-info"}}}`,
			`POST /v1/reports/1337/activities {"data":{"type":"activity-comment","attributes":{"message":"TEAM ONLY: CVE pending","internal":true}}}`,
		}
		if !slices.Equal(h.sent, want) {
			t.Errorf("sent %q\nwant %q", h.sent, want)
		}
		// The reporter's to see: the message of the state change.
		h.sent = nil
		act(t, db, id, func(r *ward.Report) { r.State = "resolved" }, &ward.TimelineEvent{Action: "resolve", FromState: "needs_info", ToState: "resolved",
			Visibility: "reporter", Comment: "Fixed in 1.2.3, thank you."})
		if sent, _, err := p.Push(ctx); err != nil || sent != 1 {
			t.Fatalf("push: %d sent, %v", sent, err)
		}
		if want := `POST /v1/reports/1337/state_changes {"data":{"type":"state-change","attributes":{"state":"resolved","message":"Fixed in 1.2.3, thank you."}}}`; len(h.sent) != 1 || h.sent[0] != want {
			t.Errorf("sent %q\nwant %q", h.sent, want)
		}
	})
}

// showItem adds to report 1337 on HackerOne what a lost call did: item in
// its relationship's data.
func showItem(h *h1, relationship string, item map[string]any) {
	edit := func(rep map[string]any) {
		if rep["id"] != "1337" {
			return
		}
		if rel, ok := rep["relationships"].(map[string]any)[relationship].(map[string]any); ok {
			rel["data"] = append(rel["data"].([]any), item)
		}
	}
	h.pages.edit.Store(&edit)
}

// HackerOne may have acted on a POST whose answer was lost (a 500, a
// timeout): the next attempt reads the report first, and a bounty is
// never paid twice. Only an effect by ward's user since the push was
// queued counts: an equal comment or bounty of before is not this one.
func TestPushChecksBeforeResending(t *testing.T) {
	lost := func(h *h1) {
		calls := 0
		h.answer = func(r *http.Request) (int, string, http.Header) {
			calls++
			if calls == 1 {
				return 500, "", nil // carried out or not, the answer lost
			}
			if strings.HasSuffix(r.URL.Path, "/bounties") {
				return 201, "bounty_response.json", nil
			}
			return 201, "comment_response.json", nil
		}
	}
	// An effect is what report 1337 shows on HackerOne when it is read
	// again, given when the push was queued.
	type effect func(rep map[string]any, queued time.Time)
	add := func(relationship string, item func(queued time.Time) map[string]any) effect {
		return func(rep map[string]any, queued time.Time) {
			if rel, ok := rep["relationships"].(map[string]any)[relationship].(map[string]any); ok {
				rel["data"] = append(rel["data"].([]any), item(queued))
			}
		}
	}
	state := func(s string) effect {
		return func(rep map[string]any, _ time.Time) { rep["attributes"].(map[string]any)["state"] = s }
	}
	both := func(a, b effect) effect {
		return func(rep map[string]any, queued time.Time) { a(rep, queued); b(rep, queued) }
	}
	own := func(typ, message string, at time.Duration) func(time.Time) map[string]any {
		return func(queued time.Time) map[string]any {
			return map[string]any{"type": typ, "id": "1854777",
				"attributes":    map[string]any{"message": message, "internal": true, "created_at": queued.Add(at).Format(time.RFC3339Nano)},
				"relationships": map[string]any{"actor": map[string]any{"data": map[string]any{"type": "user", "id": "1", "attributes": map[string]any{"username": testUser}}}}}
		}
	}
	paid := func(at time.Duration) func(time.Time) map[string]any {
		return func(queued time.Time) map[string]any {
			return map[string]any{"id": "9", "type": "bounty", "attributes": map[string]any{"amount": "500.00", "awarded_amount": "500.00",
				"awarded_currency": "USD", "created_at": queued.Add(at).Format(time.RFC3339Nano)}}
		}
	}
	run := func(t *testing.T, p *Pusher, clock *wardtest.Clock, times int) {
		t.Helper()
		for range times {
			if _, _, err := p.Push(context.Background()); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
	}
	bounty := func(r *ward.Report) {
		r.Bounty = &ward.Bounty{Amount: 50000, Currency: "USD", ProposedBy: "ana@example.org", ApprovedBy: "rita@example.org"}
	}
	needsInfo := func(r *ward.Report) { r.State = "needs_info" }
	for _, tc := range []struct {
		name   string
		change func(*ward.Report)
		ev     ward.TimelineEvent
		shown  effect // what the report shows after the lost call, if anything
		sends  int    // POSTs in all
		last   string // the report's last event
	}{
		{"comment made", func(*ward.Report) {}, ward.TimelineEvent{Action: "comment", Comment: "seen it"},
			add("activities", own("activity-comment", "seen it", time.Minute)), 1, "push_sent"},
		{"comment not made", func(*ward.Report) {}, ward.TimelineEvent{Action: "comment", Comment: "again"}, nil, 2, "push_sent"},
		{"an equal comment of before", func(*ward.Report) {}, ward.TimelineEvent{Action: "comment", Comment: "Thanks, looking into it."},
			add("activities", own("activity-comment", "Thanks, looking into it.", -time.Hour)), 2, "push_sent"},
		{"bounty paid", bounty, ward.TimelineEvent{Action: "approve_bounty"}, add("bounties", paid(time.Minute)), 1, "push_sent"},
		{"bounty unknown", bounty, ward.TimelineEvent{Action: "approve_bounty"}, nil, 1, "push_failed"},
		{"an equal bounty of before", bounty, ward.TimelineEvent{Action: "approve_bounty"}, add("bounties", paid(-time.Hour)), 1, "push_failed"},
		// The reporter answered since: the state moved on, and ward's
		// change is in the activities.
		{"state changed, then moved on", needsInfo, ward.TimelineEvent{Action: "request_info", ToState: "needs_info"},
			both(state("triaged"), add("activities", own("activity-bug-needs-more-info", "", time.Minute))), 1, "push_sent"},
		// Someone else set the state: ward's message never reached the
		// reporter.
		{"state set by someone else", needsInfo, ward.TimelineEvent{Action: "request_info", ToState: "needs_info"},
			state("needs-more-info"), 2, "push_sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
				h := &h1{}
				id, p := pushFixture(t, db, clock, h)
				lost(h)
				ev := tc.ev
				ev.FromState, ev.Visibility = "triaged", "team"
				ev.ToState = cmp.Or(ev.ToState, "triaged")
				queued := clock.Now()
				act(t, db, id, tc.change, &ev)
				run(t, p, clock, 1)
				if acts := timelineActions(t, db, id); acts[len(acts)-1] == "push_sent" {
					t.Fatal("push_sent after a 500")
				}
				if tc.shown != nil {
					edit := func(rep map[string]any) {
						if rep["id"] == "1337" {
							tc.shown(rep, queued)
						}
					}
					h.pages.edit.Store(&edit)
				}
				run(t, p, clock, 2)
				if len(h.sent) != tc.sends {
					t.Errorf("sent %d times, want %d: %q", len(h.sent), tc.sends, h.sent)
				}
				tl, err := db.FindTimeline(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				last := tl[len(tl)-1]
				if last.Action != tc.last || (tc.last == "push_failed" && !strings.Contains(last.Comment, "may have been sent: check HackerOne")) {
					t.Errorf("last event %s %q, want %s", last.Action, last.Comment, tc.last)
				}
			})
		})
	}
}

// HackerOne awards a bounty in the programme's currency: one in another
// is refused, not paid as a number of dollars.
func TestPushBountyCurrency(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		h := &h1{}
		id, p := pushFixture(t, db, clock, h)
		h.answer = func(*http.Request) (int, string, http.Header) { return 201, "bounty_response.json", nil }
		act(t, db, id, func(r *ward.Report) {
			r.Bounty = &ward.Bounty{Amount: 50000, Currency: "EUR", ProposedBy: "ana@example.org", ApprovedBy: "rita@example.org"}
		}, &ward.TimelineEvent{Action: "approve_bounty", FromState: "triaged", ToState: "triaged", Visibility: "team"})
		if sent, failed, err := p.Push(context.Background()); err != nil || sent != 0 || failed != 1 || len(h.sent) != 0 {
			t.Errorf("push: %d sent, %d failed, %v; calls %q", sent, failed, err, h.sent)
		}
		tl, _ := db.FindTimeline(context.Background(), id)
		if last := tl[len(tl)-1]; last.Action != "push_failed" || !strings.Contains(last.Comment, "EUR") {
			t.Errorf("last event %s %q", last.Action, last.Comment)
		}
		// A bounty whose currency ward does not know is refused too.
		act(t, db, id, func(r *ward.Report) { r.Bounty.Currency = "" },
			&ward.TimelineEvent{Action: "approve_bounty", FromState: "triaged", ToState: "triaged", Visibility: "team"})
		if sent, failed, err := p.Push(context.Background()); err != nil || sent != 0 || failed != 1 || len(h.sent) != 0 {
			t.Errorf("push without a currency: %d sent, %d failed, %v; calls %q", sent, failed, err, h.sent)
		}
		// With the programme's currency configured, it goes.
		act(t, db, id, func(r *ward.Report) { r.Bounty.Currency = "EUR" },
			&ward.TimelineEvent{Action: "label", FromState: "triaged", ToState: "triaged", Visibility: "team"})
		p.Currency = "EUR"
		act(t, db, id, func(r *ward.Report) {}, &ward.TimelineEvent{Action: "approve_bounty", FromState: "triaged", ToState: "triaged", Visibility: "team"})
		if sent, _, err := p.Push(context.Background()); err != nil || sent != 1 {
			t.Errorf("push in the programme's currency: %d sent, %v", sent, err)
		}
	})
}

func TestMayHaveActed(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a 500", &Error{Status: 500}, true},
		{"a 422", &Error{Status: 422}, false},
		{"a 429", &Error{Status: 429}, false},
		{"a timeout", &url.Error{Op: "Post", URL: "https://x", Err: context.DeadlineExceeded}, true},
		{"a dial error", &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, false},
		{"an unreadable answer", fmt.Errorf("x: %w: %w", errUnreadable, errors.New("EOF")), true},
		{"ward's own", errors.New("a bounty cannot be negative"), false},
	} {
		if got := mayHaveActed(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if IsTemporary(errors.New("something ward cannot name")) {
		t.Error("an unknown error is temporary")
	}
}

// A run cancelled (or a crash) while a POST is in flight leaves the push
// marked unsure by its claim: the next run reads the report before
// sending it again, and a bounty is paid once.
func TestPushCancelledInFlight(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, clock *wardtest.Clock) {
		h := &h1{}
		id, p := pushFixture(t, db, clock, h)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.answer = func(r *http.Request) (int, string, http.Header) {
			if ctx.Err() != nil { // sent again
				return 201, "bounty_response.json", nil
			}
			// HackerOne pays, and ward's run is cancelled before the
			// answer comes.
			showItem(h, "bounties", map[string]any{"id": "9", "type": "bounty", "attributes": map[string]any{
				"amount": "500.00", "awarded_amount": "500.00", "awarded_currency": "USD", "created_at": clock.Now().Format(time.RFC3339Nano)}})
			cancel()
			<-r.Context().Done()
			return 201, "bounty_response.json", nil
		}
		act(t, db, id, func(r *ward.Report) {
			r.Bounty = &ward.Bounty{Amount: 50000, Currency: "USD", ProposedBy: "ana@example.org", ApprovedBy: "rita@example.org"}
		}, &ward.TimelineEvent{Action: "approve_bounty", FromState: "triaged", ToState: "triaged", Visibility: "team"})
		p.Push(ctx) // cancelled: its error is the cancellation's
		clock.Advance(pushLease + time.Minute)
		if _, _, err := p.Push(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(h.sent) != 1 {
			t.Errorf("the bounty was POSTed %d times, want once: %q", len(h.sent), h.sent)
		}
		if acts := timelineActions(t, db, id); acts[len(acts)-1] != "push_sent" {
			t.Errorf("timeline ends with %s, want push_sent", acts[len(acts)-1])
		}
	})
}
