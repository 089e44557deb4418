package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

func TestReportsAPI(t *testing.T) {
	f := newFixture(t)
	admin, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	h1 := `{"title":"Admission webhook bypass","body":"<img src=x onerror=alert(1)> steps","source":"hackerone",` +
		`"reporter_name":"Rae","reporter_email":"rae@example.net","external_id":"2345678","external_url":"https://hackerone.com/reports/2345678"}`

	resp, body := f.do("POST", "/api/v1/reports", triager, jsonType, h1)
	created := decodeJSON[ward.Report](t, body)
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/reports/"+itoa(created.ID) || created.State != "new" ||
		created.Body != "<img src=x onerror=alert(1)> steps" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	// JSON answers escape markup, so that no browser reads reporter text
	// in an API answer as HTML.
	if strings.Contains(string(body), "<img") {
		t.Errorf("the answer carries raw markup: %s", body)
	}

	t.Run("the same external report twice is one report", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/reports", triager, jsonType, h1)
		if again := decodeJSON[ward.Report](t, body); resp.StatusCode != 200 || again.ID != created.ID {
			t.Errorf("second create: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("filing spam again does not show it to non-admins", func(t *testing.T) {
		spam := `{"title":"cheap watches","source":"email","external_id":"<spam@example.com>"}`
		_, body := f.do("POST", "/api/v1/reports", triager, jsonType, spam)
		id := decodeJSON[ward.Report](t, body).ID
		markSpam(t, f, id)
		if resp, body := f.do("POST", "/api/v1/reports", triager, jsonType, spam); resp.StatusCode != 409 || strings.Contains(string(body), "watches") {
			t.Errorf("a triager re-files spam: %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.do("GET", "/api/v1/reports/"+itoa(id), triager, "", ""); resp.StatusCode != 404 {
			t.Errorf("a triager views spam: %d", resp.StatusCode)
		}
		if resp, _ := f.do("GET", "/api/v1/reports/"+itoa(id), admin, "", ""); resp.StatusCode != 200 {
			t.Errorf("an admin views spam: %d", resp.StatusCode)
		}
	})
	t.Run("viewers read; they cannot file", func(t *testing.T) {
		if resp, body := f.do("GET", "/api/v1/reports/"+itoa(created.ID), viewer, "", ""); resp.StatusCode != 200 || !strings.Contains(string(body), "Admission webhook bypass") {
			t.Errorf("view: %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.do("POST", "/api/v1/reports", viewer, jsonType, `{"title":"x","source":"api"}`); resp.StatusCode != 403 {
			t.Errorf("a viewer files a report: %d", resp.StatusCode)
		}
		resp, body := f.do("GET", "/api/v1/reports/"+itoa(created.ID)+"/timeline", viewer, "", "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"action":"create"`) || !strings.Contains(string(body), `"actor":"member:triager@example.org"`) {
			t.Errorf("timeline: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("bad reports get clear errors and write nothing", func(t *testing.T) {
		for _, tt := range []struct {
			body, field string
			status      int
		}{
			{`{"title":"","source":"api"}`, "title", 422},
			{`{"title":"x","source":"carrier pigeon"}`, "source", 422},
			{`{"title":"x","source":"api","reporter_email":"rae"}`, "reporter_email", 422},
			{`{"title":"x","source":"api","external_id":"1","external_url":"javascript:alert(1)"}`, "external_url", 422},
			{`{"title":"x","source":"api","severity":"critical"}`, "severity", 400},
			{`{"title":"a\u0000b","source":"api"}`, "U+0000", 422},
			{`{"title":"x","source":"api","body":"\u001b[2J"}`, "U+001B", 422},
			{`{"title":"` + "\xff\xfe" + `","source":"api"}`, "UTF-8", 400},
			{`{"title":"x","source":"api","body":"` + strings.Repeat("x", 300<<10) + `"}`, "body", 422},
		} {
			before := f.auditCount()
			resp, body := f.do("POST", "/api/v1/reports", triager, jsonType, tt.body)
			if e := decodeJSON[apiError](t, body); resp.StatusCode != tt.status || !strings.Contains(e.Error.Message, tt.field) {
				t.Errorf("%.60s: %d %s; want %d naming %s", tt.body, resp.StatusCode, body, tt.status, tt.field)
			}
			if f.auditCount() != before {
				t.Errorf("%.60s: wrote something", tt.body)
			}
		}
	})
	t.Run("lists page and filter", func(t *testing.T) {
		for i := range 3 {
			f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"web `+itoa(int64(i))+`","source":"web"}`)
		}
		_, body := f.do("GET", "/api/v1/reports?source=web&limit=2", viewer, "", "")
		page := decodeJSON[struct {
			Reports []ward.Report
			Next    string
		}](t, body)
		if len(page.Reports) != 2 || page.Reports[0].Title != "web 2" || page.Next == "" {
			t.Fatalf("first page = %s", body)
		}
		_, body = f.do("GET", page.Next, viewer, "", "")
		if rest := decodeJSON[struct{ Reports []ward.Report }](t, body); len(rest.Reports) != 1 || rest.Reports[0].Title != "web 0" {
			t.Errorf("second page = %s", body)
		}
		if resp, body := f.do("GET", "/api/v1/reports?view=everything", viewer, "", ""); resp.StatusCode != 422 || !strings.Contains(string(body), "view") {
			t.Errorf("an unknown view: %d %s", resp.StatusCode, body)
		}
		if _, body := f.do("GET", "/api/v1/reports?view=triage&source=web", viewer, "", ""); strings.Count(string(body), `"title":"web`) != 3 {
			t.Errorf("triage view of web reports: %s", body)
		}
		if resp, _ := f.do("GET", "/api/v1/reports?limit=0", admin, "", ""); resp.StatusCode != 422 {
			t.Errorf("limit=0: %d", resp.StatusCode)
		}
		if resp, _ := f.do("GET", "/api/v1/reports/999999", admin, "", ""); resp.StatusCode != 404 {
			t.Errorf("unknown report: %d", resp.StatusCode)
		}
	})
}

// markSpam sets a report's state in the database itself: the actions that
// do it arrive with the triage workflow.
func markSpam(t *testing.T, f *fixture, id int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `UPDATE reports SET state = 'spam' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
}
