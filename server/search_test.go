package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

func TestReportSearchAPI(t *testing.T) {
	f := newFixture(t)
	triager, viewer := f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	for _, body := range []string{
		`{"title":"Admission webhook bypass","body":"See CVE-2026-1234","source":"api"}`,
		`{"title":"SSRF in the image proxy","body":"metadata endpoint","source":"api"}`,
		`{"title":"Webhook timeout","body":"slow","source":"web"}`,
		`{"title":"Webhook retries","body":"again","source":"web"}`,
	} {
		if resp, body := f.do("POST", "/api/v1/reports", triager, jsonType, body); resp.StatusCode != 201 {
			t.Fatalf("file: %d %s", resp.StatusCode, body)
		}
	}
	type page struct {
		Reports []ward.Report
		Next    string
	}
	search := func(query string) (int, page, string) {
		t.Helper()
		resp, body := f.do("GET", "/api/v1/reports?"+query, viewer, "", "")
		if resp.StatusCode != 200 {
			return resp.StatusCode, page{}, string(body)
		}
		return resp.StatusCode, decodeJSON[page](t, body), string(body)
	}

	t.Run("q finds by text and keeps the other filters and the cursor", func(t *testing.T) {
		if _, p, body := search("q=" + url.QueryEscape("cve-2026-1234")); len(p.Reports) != 1 || p.Reports[0].Title != "Admission webhook bypass" {
			t.Errorf("q=cve-2026-1234: %s", body)
		}
		_, p, body := search("q=WEBHOOK&source=web&limit=1")
		if len(p.Reports) != 1 || p.Reports[0].Title != "Webhook retries" || !strings.Contains(p.Next, "q=WEBHOOK") {
			t.Fatalf("first page: %s", body)
		}
		resp, next := f.do("GET", p.Next, viewer, "", "")
		if rest := decodeJSON[page](t, next); resp.StatusCode != 200 || len(rest.Reports) != 1 || rest.Reports[0].Title != "Webhook timeout" {
			t.Errorf("second page: %d %s", resp.StatusCode, next)
		}
	})
	t.Run("query syntax is text or a 422, never a 500", func(t *testing.T) {
		for _, q := range []string{`"`, `*`, `-`, `AND OR NOT`, `title:x`, `'; DROP TABLE reports; --`, `NEAR(a b)`, `webhook"`, strings.Repeat("x", 201), "a\x01b"} {
			status, _, body := search("q=" + url.QueryEscape(q))
			if status != 200 && (status != 422 || !strings.Contains(body, `"q: `)) {
				t.Errorf("q=%.40q: %d %s", q, status, body)
			}
		}
		if status, p, _ := search("q=webhook"); status != 200 || len(p.Reports) != 3 {
			t.Errorf("after them, q=webhook: %d, %d reports", status, len(p.Reports))
		}
	})
}

func TestSimilarReportsAPI(t *testing.T) {
	f := newFixture(t)
	admin, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	file := func(body string) int64 {
		t.Helper()
		resp, answer := f.do("POST", "/api/v1/reports", triager, jsonType, body)
		if resp.StatusCode != 201 {
			t.Fatalf("file: %d %s", resp.StatusCode, answer)
		}
		return decodeJSON[ward.Report](t, answer).ID
	}
	base := itoa(file(`{"title":"Admission webhook bypass","body":"CVE-2026-1234, see https://example.org/advisory.","source":"api","reporter_email":"rae@example.net"}`))
	same := itoa(file(`{"title":"Unrelated","body":"https://example.org/advisory","source":"api","reporter_email":"rae@example.net"}`))
	spamID := file(`{"title":"Admission webhook bypass","body":"CVE-2026-1234","source":"api"}`)
	markSpam(t, f, spamID)
	spam := itoa(spamID)

	type hints struct {
		Similar []struct {
			Report  ward.Report
			Score   float64
			Reasons []string
		}
	}
	resp, body := f.do("GET", "/api/v1/reports/"+base+"/similar", viewer, "", "")
	got := decodeJSON[hints](t, body)
	if resp.StatusCode != 200 || len(got.Similar) != 1 || itoa(got.Similar[0].Report.ID) != same || got.Similar[0].Score <= 0 ||
		strings.Join(got.Similar[0].Reasons, "; ") != "shared URL https://example.org/advisory; same reporter" {
		t.Errorf("similar: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do("GET", "/api/v1/reports/"+same+"/similar?limit=20", viewer, "", ""); resp.StatusCode != 200 || strings.Contains(string(body), `"id":`+spam+`,`) {
		t.Errorf("similar with limit 20: %d %s", resp.StatusCode, body)
	}
	for _, tt := range []struct {
		path, token string
		status      int
	}{
		{"/api/v1/reports/" + spam + "/similar", triager, 404},
		{"/api/v1/reports/" + spam + "/similar", admin, 200},
		{"/api/v1/reports/999999/similar", viewer, 404},
		{"/api/v1/reports/x/similar", viewer, 404},
		{"/api/v1/reports/" + base + "/similar?limit=0", viewer, 422},
		{"/api/v1/reports/" + base + "/similar?limit=21", viewer, 422},
		{"/api/v1/reports/" + base + "/similar", "", 401},
	} {
		if resp, body := f.do("GET", tt.path, tt.token, "", ""); resp.StatusCode != tt.status {
			t.Errorf("GET %s: %d %s, want %d", tt.path, resp.StatusCode, body, tt.status)
		}
	}
	// What an admin sees of a spam report's hints is never spam either.
	if _, body := f.do("GET", "/api/v1/reports/"+spam+"/similar", admin, "", ""); strings.Contains(string(body), `"state":"spam"`) {
		t.Errorf("hints of spam hold spam: %s", body)
	}
}
