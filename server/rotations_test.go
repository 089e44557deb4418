package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/server"
)

// rotationFixture is the fixture with a weekly rotation "src" of the
// responder, the triager and the viewer, handing off on Mondays at 09:00
// UTC from 2 March 2026, the fixture clock's first instant.
func rotationFixture(t *testing.T) *fixture {
	t.Helper()
	return rotationFixtureWith(t, nil)
}

// rotationFixtureWith is rotationFixture with a server whose configuration
// configure changes first, as newFixtureWith.
func rotationFixtureWith(t *testing.T, configure func(*server.Config)) *fixture {
	t.Helper()
	f := newFixtureWith(t, configure)
	resp, body := f.do("POST", "/api/v1/rotations", f.tokens[ward.RoleAdmin], jsonType,
		`{"name":"src","members":["responder@example.org","triager@example.org","viewer@example.org"],"shift":"168h","handoff":"Mon 09:00 UTC","start":"2026-03-02"}`)
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/rotations/src" {
		t.Fatalf("create rotation: %d %s", resp.StatusCode, body)
	}
	return f
}

func (f *fixture) onCall(at string) oncall.OnCall {
	f.t.Helper()
	resp, body := f.do("GET", "/api/v1/rotations/src/oncall?at="+at, f.tokens[ward.RoleViewer], "", "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("oncall at %s: %d %s", at, resp.StatusCode, body)
	}
	return decodeJSON[oncall.OnCall](f.t, body)
}

func TestRotationAPI(t *testing.T) {
	f := rotationFixture(t)
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]

	oc := f.onCall("2026-03-10T12:00:00Z")
	if oc.Assignee.Email != "triager@example.org" || !oc.OnDuty || oc.Start != time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC) || oc.NextOnDuty == nil {
		t.Errorf("on call on Tuesday of the second week = %+v", oc)
	}
	if oc := f.onCall("2026-03-14T12:00:00Z"); oc.OnDuty || oc.NextOnDuty == nil || !oc.NextOnDuty.Equal(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("on Saturday: on_duty %v, next %v; want off until Monday 09:00", oc.OnDuty, oc.NextOnDuty)
	}

	t.Run("only admins create or change rotations", func(t *testing.T) {
		resp, _ := f.do("POST", "/api/v1/rotations", responder, jsonType, `{"name":"x","members":["responder@example.org"],"start":"2026-03-02"}`)
		if resp.StatusCode != 403 {
			t.Errorf("responder creates a rotation: %d", resp.StatusCode)
		}
		resp, body := f.do("PATCH", "/api/v1/rotations/src", admin, jsonType, `{"shift":"24h"}`)
		if resp.StatusCode != 409 || !strings.Contains(string(body), "rewrite past shifts") {
			t.Errorf("changing the shift of a running rotation: %d %s", resp.StatusCode, body)
		}
		resp, body = f.do("POST", "/api/v1/rotations", admin, jsonType, `{"name":"src","members":["responder@example.org"],"start":"2026-03-02"}`)
		if resp.StatusCode != 409 {
			t.Errorf("creating src twice: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("an override hands part of a shift to another member", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/rotations/src/overrides", triager, jsonType,
			`{"member":"admin@example.org","start":"2026-03-11T00:00:00Z","end":"2026-03-12T00:00:00Z","reason":"dentist"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("override: %d %s", resp.StatusCode, body)
		}
		if oc := f.onCall("2026-03-11T12:00:00Z"); oc.Assignee.Email != "admin@example.org" || oc.Override == nil || oc.Override.Reason != "dentist" {
			t.Errorf("during the override: %+v", oc)
		}
		resp, _ = f.do("POST", "/api/v1/rotations/src/overrides", viewer, jsonType, `{"member":"admin@example.org","start":"2026-03-11T00:00:00Z","end":"2026-03-12T00:00:00Z"}`)
		if resp.StatusCode != 403 {
			t.Errorf("a viewer adds an override: %d", resp.StatusCode)
		}
	})
	t.Run("a swap exchanges two shifts", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/rotations/src/swaps", responder, jsonType, `{"first":"2026-03-16T09:00:00Z","second":"2026-03-23T09:00:00Z"}`)
		if resp.StatusCode != 201 || strings.Count(string(body), `"id"`) != 2 {
			t.Fatalf("swap: %d %s", resp.StatusCode, body)
		}
		if a, b := f.onCall("2026-03-17T12:00:00Z").Assignee.Email, f.onCall("2026-03-24T12:00:00Z").Assignee.Email; a != "responder@example.org" || b != "viewer@example.org" {
			t.Errorf("after the swap: %s then %s, want responder then viewer", a, b)
		}
	})
	t.Run("a swap request is taken by another member", func(t *testing.T) {
		// Shift 4, from 30 March, is the triager's.
		resp, body := f.do("POST", "/api/v1/rotations/src/swap-requests", triager, jsonType, `{"start":"2026-03-30T09:00:00Z","note":"conference"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("request: %d %s", resp.StatusCode, body)
		}
		req := decodeJSON[ward.SwapRequest](t, body)
		if !req.End.Equal(time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)) || req.Status != ward.SwapOpen {
			t.Errorf("request = %+v; want the rest of the shift, open", req)
		}
		resp, _ = f.do("POST", "/api/v1/rotations/src/swap-requests/"+itoa(req.ID)+"/take", triager, "", "")
		if resp.StatusCode != 409 {
			t.Errorf("taking one's own request: %d", resp.StatusCode)
		}
		resp, body = f.do("POST", "/api/v1/rotations/src/swap-requests/"+itoa(req.ID)+"/take", responder, "", "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"taken"`) {
			t.Fatalf("take: %d %s", resp.StatusCode, body)
		}
		if oc := f.onCall("2026-04-01T12:00:00Z"); oc.Assignee.Email != "responder@example.org" {
			t.Errorf("after the take: %s on call", oc.Assignee.Email)
		}
		resp, _ = f.do("POST", "/api/v1/rotations/src/swap-requests/"+itoa(req.ID)+"/take", admin, "", "")
		if resp.StatusCode != 409 {
			t.Errorf("taking a taken request: %d", resp.StatusCode)
		}
	})
	t.Run("time off shows as a gap until someone covers it", func(t *testing.T) {
		// Shift 5, from 6 April, is the viewer's.
		resp, body := f.do("POST", "/api/v1/members/viewer@example.org/time-off", viewer, jsonType, `{"start":"2026-04-07T00:00:00Z","end":"2026-04-08T00:00:00Z","reason":"moving"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("time off: %d %s", resp.StatusCode, body)
		}
		_, body = f.do("GET", "/api/v1/rotations/src/gaps?from=2026-04-06T00:00:00Z&to=2026-04-13T00:00:00Z", viewer, "", "")
		gaps := decodeJSON[struct{ Gaps []oncall.Gap }](t, body).Gaps
		if len(gaps) != 1 || gaps[0].Date != "2026-04-07" || gaps[0].Assignee.Email != "viewer@example.org" || gaps[0].Reason != "time off" {
			t.Errorf("gaps = %s", body)
		}
		resp, _ = f.do("POST", "/api/v1/members/viewer@example.org/time-off", triager, jsonType, `{"start":"2026-04-14T00:00:00Z","end":"2026-04-15T00:00:00Z"}`)
		if resp.StatusCode != 403 {
			t.Errorf("a triager records another's time off: %d", resp.StatusCode)
		}
	})
	t.Run("shifts list the pieces overrides cut", func(t *testing.T) {
		_, body := f.do("GET", "/api/v1/rotations/src/shifts?from=2026-03-09T09:00:00Z&to=2026-03-16T09:00:00Z", viewer, "", "")
		shifts := decodeJSON[struct{ Shifts []oncall.Shift }](t, body).Shifts
		var holders []string
		for _, s := range shifts {
			holders = append(holders, s.Assignee.Email)
		}
		if want := "triager@example.org admin@example.org triager@example.org"; strings.Join(holders, " ") != want {
			t.Errorf("holders = %v, want %s", holders, want)
		}
	})
}

func TestRotationBadInput(t *testing.T) {
	f := rotationFixture(t)
	admin, triager := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager]
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		field                    string // the message must name it
	}{
		{"unknown member", "POST", "/api/v1/rotations/src/overrides", `{"member":"nobody@example.org","start":"2026-03-11T00:00:00Z","end":"2026-03-12T00:00:00Z"}`, 422, "member"},
		{"end before start", "POST", "/api/v1/rotations/src/overrides", `{"member":"admin@example.org","start":"2026-03-12T00:00:00Z","end":"2026-03-11T00:00:00Z"}`, 422, "end"},
		{"override outside any shift", "POST", "/api/v1/rotations/src/overrides", `{"member":"admin@example.org","start":"2026-02-01T00:00:00Z","end":"2026-02-02T00:00:00Z"}`, 422, "start"},
		{"override without member", "POST", "/api/v1/rotations/src/overrides", `{"start":"2026-03-11T00:00:00Z","end":"2026-03-12T00:00:00Z"}`, 422, "member"},
		{"swap of a time that starts no shift", "POST", "/api/v1/rotations/src/swaps", `{"first":"2026-03-17T09:00:00Z","second":"2026-03-23T09:00:00Z"}`, 422, "first"},
		{"swap of overlapping shifts", "POST", "/api/v1/rotations/src/swaps", `{"first":"2026-03-16T09:00:00Z","second":"2026-03-16T09:00:00Z"}`, 422, "second"},
		{"bad time zone", "POST", "/api/v1/rotations", `{"name":"tz","members":["admin@example.org"],"handoff":"Mon 09:00 Mars/Olympus","start":"2026-03-02"}`, 422, "handoff"},
		{"bad rotation name", "POST", "/api/v1/rotations", `{"name":"Not A Name","members":["admin@example.org"],"start":"2026-03-02"}`, 422, "name"},
		{"unknown rotation member", "POST", "/api/v1/rotations", `{"name":"x","members":["ghost@example.org"],"start":"2026-03-02"}`, 422, "members"},
		{"shifts without a range", "GET", "/api/v1/rotations/src/shifts", ``, 422, "from"},
		{"oncall at a bad time", "GET", "/api/v1/rotations/src/oncall?at=tomorrow", ``, 422, "at"},
		{"unknown rotation", "GET", "/api/v1/rotations/nope/oncall", ``, 404, "nope"},
		{"cover asked for someone else's time", "POST", "/api/v1/rotations/src/swap-requests", `{"start":"2026-03-09T09:00:00Z","end":"2026-03-20T00:00:00Z"}`, 422, "end"},
		{"a novel for a reason", "POST", "/api/v1/members/triager@example.org/time-off", `{"start":"2026-04-14T00:00:00Z","end":"2026-04-15T00:00:00Z","reason":"` + strings.Repeat("x", 1001) + `"}`, 422, "reason"},
		{"time off ending first", "POST", "/api/v1/members/triager@example.org/time-off", `{"start":"2026-04-15T00:00:00Z","end":"2026-04-14T00:00:00Z"}`, 422, "end"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token, ct := admin, jsonType
			if strings.Contains(tt.path, "/time-off") || strings.Contains(tt.path, "/swap-requests") {
				token = triager
			}
			if tt.method == "GET" {
				ct = ""
			}
			before := f.auditCount()
			resp, body := f.do(tt.method, tt.path, token, ct, tt.body)
			e := decodeJSON[apiError](t, body)
			if resp.StatusCode != tt.status || !strings.Contains(e.Error.Message, tt.field) {
				t.Errorf("%d %s; want %d naming %q", resp.StatusCode, body, tt.status, tt.field)
			}
			if f.auditCount() != before {
				t.Error("the request wrote something")
			}
		})
	}
}

func TestCalendarFeed(t *testing.T) {
	f := rotationFixture(t)
	viewer := f.tokens[ward.RoleViewer]
	resp, body := f.do("POST", "/api/v1/calendar-feeds", viewer, jsonType, `{"rotation":"src"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create feed: %d %s", resp.StatusCode, body)
	}
	created := decodeJSON[struct {
		Feed ward.CalendarFeed
		Path string
	}](t, body)

	get := func(etag string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", f.srv.URL+created.Path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp, b.String()
	}
	resp, ics := get("")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") || etag == "" ||
		!strings.Contains(ics, "BEGIN:VCALENDAR") || !strings.Contains(ics, "UID:src-1@ward") {
		t.Fatalf("feed: %d %q etag %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), etag, ics)
	}
	if resp, _ := get(etag); resp.StatusCode != 304 {
		t.Errorf("unchanged feed with its ETag: %d, want 304", resp.StatusCode)
	}
	f.do("POST", "/api/v1/rotations/src/overrides", f.tokens[ward.RoleTriager], jsonType,
		`{"member":"admin@example.org","start":"2026-03-11T00:00:00Z","end":"2026-03-12T00:00:00Z"}`)
	resp, ics = get(etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag || !strings.Contains(ics, "SEQUENCE:1") {
		t.Errorf("after an override: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	f.do("DELETE", "/api/v1/calendar-feeds/"+itoa(created.Feed.ID), viewer, "", "")
	if resp, _ := get(""); resp.StatusCode != 404 {
		t.Errorf("revoked feed: %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/calendar/wardcal_nothing.ics", "", "", ""); resp.StatusCode != 404 {
		t.Errorf("unknown feed: %d", resp.StatusCode)
	}
}

// A feed's URL is its credential: the access log must not keep it.
func TestCalendarSecretNotLogged(t *testing.T) {
	f := rotationFixture(t)
	var logs strings.Builder
	s := server.New(server.Config{Members: f.db, Tokens: f.db, Rotations: f.db, OnCall: oncall.New(f.db, f.clock.Now),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	_, body := f.do("POST", "/api/v1/calendar-feeds", f.tokens[ward.RoleViewer], jsonType, `{"rotation":"src"}`)
	path := decodeJSON[struct{ Path string }](t, body).Path
	secret := strings.TrimSuffix(strings.TrimPrefix(path, "/calendar/"), ".ics")
	for _, p := range []string{path, "/" + path, "/x/.." + path, strings.ToUpper(path)} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
	}
	if strings.Contains(strings.ToLower(logs.String()), secret) || !strings.Contains(logs.String(), "/calendar/(secret).ics") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// Who may do what, beyond the roles: a rotation's own members work it
// whatever their role; personal data stays with its owner.
func TestRotationPermissions(t *testing.T) {
	f := rotationFixture(t)
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	f.clock.Advance(15 * 24 * time.Hour) // 17 March, in shift 2: the viewer's

	for _, tt := range []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"a viewer in the rotation leaves a handoff note", "POST", "/api/v1/rotations/src/handoff-notes", viewer, `{"body":"all quiet"}`, 201},
		{"a viewer in the rotation asks for cover of their shift", "POST", "/api/v1/rotations/src/swap-requests", viewer, `{"start":"2026-03-16T09:00:00Z"}`, 201},
		{"a viewer lists another member's time off", "GET", "/api/v1/members/triager@example.org/time-off", viewer, ``, 403},
		{"a viewer deletes another member's time off", "DELETE", "/api/v1/members/triager@example.org/time-off/1", viewer, ``, 403},
		{"a responder makes a feed of another member", "POST", "/api/v1/calendar-feeds", responder, `{"member":"triager@example.org"}`, 403},
		{"a viewer deletes an override", "DELETE", "/api/v1/rotations/src/overrides/1", viewer, ``, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ct := jsonType
			if tt.body == "" {
				ct = ""
			}
			if resp, body := f.do(tt.method, tt.path, tt.token, ct, tt.body); resp.StatusCode != tt.status {
				t.Errorf("%d %s, want %d", resp.StatusCode, body, tt.status)
			}
		})
	}
	t.Run("a viewer taken out of the list still works the shift they hold", func(t *testing.T) {
		resp, body := f.do("PATCH", "/api/v1/rotations/src", admin, jsonType, `{"members":["responder@example.org","triager@example.org"]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("change members: %d %s", resp.StatusCode, body)
		}
		if resp, body := f.do("POST", "/api/v1/rotations/src/handoff-notes", viewer, jsonType, `{"body":"handing over"}`); resp.StatusCode != 201 {
			t.Errorf("the outgoing viewer's note: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("only the requester or an admin cancels a request", func(t *testing.T) {
		_, body := f.do("GET", "/api/v1/rotations/src/swap-requests?status=open", viewer, "", "")
		open := decodeJSON[struct {
			SwapRequests []ward.SwapRequest `json:"swap_requests"`
		}](t, body).SwapRequests
		if len(open) != 1 {
			t.Fatalf("open requests: %s", body)
		}
		id := itoa(open[0].ID)
		if resp, _ := f.do("POST", "/api/v1/rotations/src/swap-requests/"+id+"/cancel", triager, "", ""); resp.StatusCode != 403 {
			t.Errorf("a triager cancels another's request: %d", resp.StatusCode)
		}
		if resp, _ := f.do("POST", "/api/v1/rotations/src/swap-requests/"+id+"/cancel", viewer, "", ""); resp.StatusCode != 200 {
			t.Errorf("the requester cancels: %d", resp.StatusCode)
		}
	})
	t.Run("the member a feed shows may revoke it; others may not know it", func(t *testing.T) {
		_, body := f.do("POST", "/api/v1/calendar-feeds", admin, jsonType, `{"member":"viewer@example.org"}`)
		id := itoa(decodeJSON[struct{ Feed ward.CalendarFeed }](t, body).Feed.ID)
		if resp, _ := f.do("DELETE", "/api/v1/calendar-feeds/"+id, triager, "", ""); resp.StatusCode != 404 {
			t.Errorf("a triager revokes someone else's feed: %d, want 404", resp.StatusCode)
		}
		if resp, _ := f.do("DELETE", "/api/v1/calendar-feeds/"+id, viewer, "", ""); resp.StatusCode != 200 {
			t.Errorf("the member revokes the feed of their shifts: %d", resp.StatusCode)
		}
	})
}
