package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
)

// BenchmarkMe is the in-process cost of GET /api/v1/me through the whole
// handler, logging at info to a discarded text log as a deployment would
// log to a file. bench/me.sh measures the same over real connections.
func BenchmarkMe(b *testing.B) {
	f := newFixture(b)
	s := server.New(server.Config{Members: f.db, Tokens: f.db, Audit: f.db, Ready: f.db.Ping,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := s.Handler()
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[ward.RoleAdmin])
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// benchPage renders a desk page through the whole handler as the role.
func benchPage(b *testing.B, f *fixture, role ward.Role, path string) {
	req := f.pageRequest(role, "GET", path, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkReportPage renders a report with 200 timeline events, each a
// Markdown comment, as a triager, who is offered forms.
func BenchmarkReportPage(b *testing.B) {
	f := newFixture(b)
	triager := f.tokens[ward.RoleTriager]
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType,
		`{"title":"Admission webhook bypass","body":"## Steps\n\n1. Create a pod\n2. `+"`kubectl apply`"+`\n\n**Impact**: full bypass.","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](b, body).ID)
	for i := range 199 {
		vis := "team"
		if i%2 == 0 {
			vis = "reporter"
		}
		f.act(id, triager, `{"action":"comment","comment":"Checked **step `+strconv.Itoa(i)+`**: see `+"`pkg/admission`"+` and [the issue](https://example.org/i/1).","visibility":"`+vis+`"}`, 200)
	}
	benchPage(b, f, ward.RoleTriager, "/reports/"+id)
}

// BenchmarkDashboardPage renders the dashboard with a rotation and a few
// reports in its queues.
func BenchmarkDashboardPage(b *testing.B) {
	f := newFixture(b)
	admin, triager := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager]
	f.do("POST", "/api/v1/rotations", admin, jsonType,
		`{"name":"src","members":["responder@example.org","triager@example.org","viewer@example.org"],"shift":"168h","handoff":"Mon 09:00 UTC","start":"2026-03-02"}`)
	for i := range 30 {
		_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"Report `+strconv.Itoa(i)+`","body":"b","source":"api"}`)
		if i%3 == 0 {
			f.act(itoa(decodeJSON[ward.Report](b, body).ID), triager, `{"action":"assign","member":"triager@example.org"}`, 200)
		}
	}
	benchPage(b, f, ward.RoleTriager, "/")
}
