package hackerone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward/wardtest"
)

// generated serves n reports as HackerOne does: the list in pages of 100
// (keyset: filtered by last activity), and each report in full, with a
// body of a few kilobytes, a weakness, a severity, an attachment and four
// activities.
func generated(tb testing.TB, n int) *httptest.Server {
	body := strings.Repeat("Steps to reproduce: open `/login?next=` with a payload and watch it run. ", 30)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	report := func(i int, full bool) map[string]any {
		at := start.Add(time.Duration(i) * time.Minute)
		rel := map[string]any{
			"reporter": map[string]any{"data": map[string]any{"type": "user", "id": "1", "attributes": map[string]any{"username": fmt.Sprintf("hacker%d", i%300), "name": "A Hacker"}}},
			"weakness": map[string]any{"data": map[string]any{"id": "1", "attributes": map[string]any{"name": "Cross-site Scripting (XSS) - Generic", "external_id": "cwe-79"}}},
			"severity": map[string]any{"data": map[string]any{"id": "1", "attributes": map[string]any{"rating": "medium", "attack_vector": "network", "attack_complexity": "low",
				"privileges_required": "none", "user_interaction": "required", "scope": "changed", "confidentiality": "low", "integrity": "low", "availability": "none"}}},
			"bounties": map[string]any{"data": []any{}},
		}
		if full {
			actor := map[string]any{"data": map[string]any{"type": "user", "id": "7", "attributes": map[string]any{"username": "triager"}}}
			var acts []map[string]any
			for k, typ := range []string{"activity-comment", "activity-bug-triaged", "activity-comment", "activity-report-severity-updated"} {
				acts = append(acts, map[string]any{"type": typ, "id": fmt.Sprintf("%d", i*10+k),
					"attributes":    map[string]any{"message": "Looking into it; reproduced on staging.", "internal": k%2 == 0, "created_at": at.Add(time.Duration(k) * time.Second)},
					"relationships": map[string]any{"actor": actor}})
			}
			rel["attachments"] = map[string]any{"data": []any{map[string]any{"id": "1", "attributes": map[string]any{"file_name": "poc.png", "content_type": "image/png", "file_size": 48213, "expiring_url": "/system/attachments/poc.png"}}}}
			rel["activities"] = map[string]any{"data": acts}
		}
		return map[string]any{"id": strconv.Itoa(100000 + i), "type": "report",
			"attributes": map[string]any{"title": fmt.Sprintf("XSS in form %d", i), "state": "triaged", "vulnerability_information": body,
				"created_at": at, "last_activity_at": at.Add(time.Minute)},
			"relationships": rel}
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if id, ok := strings.CutPrefix(r.URL.Path, "/v1/reports/"); ok {
			i, _ := strconv.Atoi(id)
			json.NewEncoder(w).Encode(map[string]any{"data": report(i-100000, true)})
			return
		}
		q := r.URL.Query()
		first := 0 // the first report whose last activity is after the filter
		if v := q.Get("filter[last_activity_at__gt]"); v != "" {
			since, _ := time.Parse(time.RFC3339, v)
			first = max(int(since.Sub(start)/time.Minute), 0) // report i's last activity is start+i+1 minutes
		}
		num, _ := strconv.Atoi(q.Get("page[number]"))
		num = max(num, 1)
		var data []map[string]any
		lo := first + (num-1)*pageSize
		for i := lo; i < min(lo+pageSize, n); i++ {
			data = append(data, report(i, false))
		}
		links := map[string]any{}
		if lo+pageSize < n {
			q.Set("page[number]", strconv.Itoa(num+1))
			links["next"] = srv.URL + r.URL.Path + "?" + q.Encode()
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data, "links": links})
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkFirstSync10k is the first sync of 10,000 reports into an empty
// store, with a GET of each report in full; the target is under 60 s
// (docs/performance.md).
//
//	go test ./hackerone -run '^$' -bench FirstSync10k -benchtime 1x
func BenchmarkFirstSync10k(b *testing.B) {
	n := benchReports()
	srv := generated(b, n)
	run := func(b *testing.B, dsn func() string) {
		for b.Loop() {
			b.StopTimer()
			db, _ := openStore(b, dsn())
			c, err := New(Config{APIURL: srv.URL + "/v1", Username: testUser, Token: testToken, Program: "security", HTTP: srv.Client()})
			if err != nil {
				b.Fatal(err)
			}
			s := &Syncer{Client: c, Store: db}
			b.StartTimer()
			res, err := s.Sync(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if res.Created != n {
				b.Fatalf("created %d reports, want %d", res.Created, n)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		run(b, func() string { return "sqlite:" + filepath.Join(b.TempDir(), "ward.db") })
	})
	if os.Getenv("WARD_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { run(b, func() string { return wardtest.PostgresSchema(b) }) })
	}
}

// benchReports is 10,000, or WARD_BENCH_REPORTS for a quicker profile.
func benchReports() int {
	if n, err := strconv.Atoi(os.Getenv("WARD_BENCH_REPORTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}
