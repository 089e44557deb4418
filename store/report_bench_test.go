package store

// BenchmarkReports lives in package store, not in package reports: seeding
// 100,000 reports fast needs the store's own transactions (bulk INSERTs
// through tx.exec, with the dialect's placeholders), and a test file here
// can use them without exporting a seeding function from the store. The
// action still goes through reports.Service.Act, workflow included, as a
// request would: package reports does not import store, so this test may
// import it without a cycle.

import (
	"context"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// BenchmarkReports measures the report desk at scale: 100,000 reports and
// 1,000,000 timeline events (see reportseed_test.go), on SQLite and, when
// WARD_TEST_POSTGRES names a server, on PostgreSQL. The seeded database is
// kept between runs (in $TMPDIR, or a schema ward_bench_reports_KEY), so that
// -count 10 seeds at most once. Targets, at the median: the triage view's
// first page < 20 ms, a text search < 50 ms, an action < 5 ms.
//
// Names are db=BACKEND/op=OPERATION, so that
// `benchstat -col /db` shows the backends side by side.
//
// The action benchmark writes to the kept database: each run adds a
// comment event per iteration to recent triaged low and medium reports,
// which no other benchmark reads (they stay out of stale-critical), and a
// few thousand events are nothing beside a million.
func BenchmarkReports(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) {
		benchmarkReports(b, seededSQLite(b, reportsSeeding))
	})
	b.Run("db=postgres", func(b *testing.B) {
		benchmarkReports(b, seededPostgres(b, reportsSeeding))
	})
}

func benchmarkReports(b *testing.B, dsn string) {
	db, clock := openSeedDB(b, dsn)
	ctx := context.Background()
	find := func(name string, f ward.ReportFilter, least int) {
		b.Run("op="+name, func(b *testing.B) {
			var n int
			for b.Loop() {
				got, err := db.FindReports(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(got)
			}
			if n < least {
				b.Fatalf("found %d reports, want at least %d", n, least)
			}
			b.ReportMetric(float64(n), "reports/op")
		})
	}
	// The first page of each, as the web pages ask for it.
	find("triage", ward.ReportFilter{View: "triage", Limit: 50}, 50)
	find("stale-critical", ward.ReportFilter{View: "stale-critical", Limit: 50}, 50)
	find("mine-veteran", ward.ReportFilter{View: "mine", Me: seedVeteran, Limit: 50}, 50)
	find("mine-newcomer", ward.ReportFilter{View: "mine", Me: seedNewcomer, Limit: 50}, 1)
	// Text search over titles and bodies: a word in about 260 reports, one
	// in about 40 (less than a page), a CVE id in about 390.
	find("search-rare", ward.ReportFilter{Query: "kerberoasting", Limit: 50}, 1)
	find("search-veryrare", ward.ReportFilter{Query: seedVeryRareWord, Limit: 50}, 1)
	find("search-cve", ward.ReportFilter{Query: "CVE-2021-44228", Limit: 50}, 1)
	// Common words, in most reports: the newest page of many matches.
	find("search-common", ward.ReportFilter{Query: "webhook", Limit: 50}, 50)
	find("search-two-common", ward.ReportFilter{Query: "password reset", Limit: 50}, 50)
	// Search within a queue, as the triage page's search box does.
	find("search-in-triage", ward.ReportFilter{View: "triage", Query: "token leak", Limit: 50}, 1)

	// Duplicate hints for a report as it arrives: the newest one.
	b.Run("op=similar", func(b *testing.B) {
		var n int
		for b.Loop() {
			got, err := db.SimilarReports(ctx, seedReports, 5)
			if err != nil {
				b.Fatal(err)
			}
			n = len(got)
		}
		if n == 0 {
			b.Fatal("no hints for the newest report")
		}
	})

	b.Run("op=timeline", func(b *testing.B) {
		for b.Loop() {
			events, err := db.FindTimeline(ctx, seedLongReport)
			if err != nil {
				b.Fatal(err)
			}
			if len(events) != seedLongEvents {
				b.Fatalf("timeline has %d events, want %d", len(events), seedLongEvents)
			}
		}
	})

	// An action: a triager comments on a report in the queue, through the
	// service (load, workflow, then update, event and audit entry in one
	// durable transaction).
	b.Run("op=action-comment", func(b *testing.B) {
		svc := reports.New(db, db, db, db, clock.Now)
		targets := actionTargets(b, db)
		as := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: seedVeteran, Role: ward.RoleTriager})
		in := reports.Action{Action: "comment", Visibility: "team",
			Comment: "Reproduced on staging with the steps above; the session cookie is sent to the redirect target. Raising with the owning team."}
		i := 0
		for b.Loop() {
			if _, _, err := svc.Act(as, targets[i%len(targets)], in); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// actionTargets are recent triaged reports of low or medium rating: a
// comment on them changes no benchmark's answer.
func actionTargets(b *testing.B, db *DB) []int64 {
	b.Helper()
	rows, err := db.query(context.Background(), `SELECT id FROM reports WHERE state = 'triaged' AND rating IN ('low', 'medium')
		ORDER BY id DESC LIMIT 500`)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := collect(rows, "report ids", func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	})
	if err != nil || len(ids) == 0 {
		b.Fatalf("action targets: %d, %v", len(ids), err)
	}
	return ids
}
