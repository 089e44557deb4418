package store

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/server"
)

// BenchmarkPages renders the desk's busiest pages through the whole
// handler on the databases of BenchmarkReports (100,000 reports, 1,000,000
// events), as the issue measures them: the dashboard, and a report page
// with 200 timeline events. It lives here, not in package server, because
// the seeded databases are made here; package server does not import the
// store, so this test may import it.
//
// B/page is the weight of the page's HTML as sent; the stylesheet and
// script it loads, as sent (gzipped), are reported beside it as op=assets.
func BenchmarkPages(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) { benchmarkPages(b, seededSQLite(b, reportsSeeding)) })
	b.Run("db=postgres", func(b *testing.B) { benchmarkPages(b, seededPostgres(b, reportsSeeding)) })
}

func benchmarkPages(b *testing.B, dsn string) {
	db, clock := openSeedDB(b, dsn)
	ctx := context.Background()
	// The seed has reports, not members: the veteran triager signs in.
	if _, err := db.FindMemberByEmail(ctx, seedVeteran); ward.ErrorCode(err) == ward.ENOTFOUND {
		if err := db.CreateMember(ctx, &ward.Member{Email: seedVeteran, Name: "Maren Holt", Role: ward.RoleTriager}); err != nil {
			b.Fatal(err)
		}
	} else if err != nil {
		b.Fatal(err)
	}
	_, secret, err := db.CreateSession(ctx, seedVeteran, ward.SignInLink, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	h := server.New(server.Config{Members: db, Tokens: db, Audit: db, Team: db, Rotations: db, Tiers: db, Reports: db,
		Actions: reports.New(db, db, db, db, clock.Now), Filters: db, Sessions: db, Notifications: db, Stale: db,
		OnCall: oncall.New(db, clock.Now), Now: clock.Now}).Handler()
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://127.0.0.1:8080"+path, nil)
		req.AddCookie(&http.Cookie{Name: "ward_session", Value: secret})
		req.Header.Set("Accept-Encoding", "gzip") // as browsers send it: the assets go compressed, pages do not
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body)
		}
		return rec
	}
	page := func(name, path string) {
		b.Run("op="+name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				size = get(path).Body.Len()
			}
			b.ReportMetric(float64(size), "B/page")
		})
	}
	page("dashboard", "/")
	page("report-200-events", "/reports/"+strconv.Itoa(seedLongReport))
	page("report-list", "/reports?view=triage")
	b.Run("op=assets", func(b *testing.B) {
		var size int
		for b.Loop() {
			size = get("/static/ward.css").Body.Len() + get("/static/desk.js").Body.Len()
		}
		b.ReportMetric(float64(size), "B/page")
	})
}
