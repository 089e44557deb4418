package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
