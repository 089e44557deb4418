package server_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/server"
)

// post sends a form as a browser on the page's own site would, and does
// not follow redirects.
func (f *fixture) post(path string, form url.Values, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The public form: a reporter with no account files a report and lands on
// their private page, which shows what they wrote escaped or sanitised.
func TestReportForm(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("GET", "/report", "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(body2s(body), `<form method="post" action="/report">`) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("form: %d %v", resp.StatusCode, resp.Header)
	}
	title := `<script>alert("t")</script> XSS in the dashboard`
	bodyText := "Steps:\r\n\r\n<img src=x onerror=alert(1)>\r\n\r\n[link](javascript:alert(2))\r\n\r\n**bold**"
	resp, _ = f.post("/report", url.Values{"title": {title}, "body": {bodyText}, "reporter_name": {"Rae"}, "reporter_email": {"Rae@Example.net"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/r/wardrep_") || !strings.HasSuffix(loc, "?new=1") {
		t.Fatalf("post: %d, Location %q", resp.StatusCode, loc)
	}
	list, _ := f.db.FindReports(context.Background(), ward.ReportFilter{Source: "web"})
	if len(list) != 1 || list[0].Title != title || list[0].Body != strings.ReplaceAll(bodyText, "\r\n", "\n") || list[0].ReporterEmail != "rae@example.net" {
		t.Fatalf("stored: %+v", list)
	}
	resp, page := f.do("GET", loc, "", "", "")
	html := body2s(page)
	if resp.StatusCode != 200 || !strings.Contains(html, "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; XSS") ||
		!strings.Contains(html, "<strong>bold</strong>") || !strings.Contains(html, f.srv.URL+strings.TrimSuffix(loc, "?new=1")) {
		t.Errorf("reporter page: %d\n%s", resp.StatusCode, html)
	}
	if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the proof of concept does not show as text:\n%s", html)
	}
	for _, bad := range []string{"<script", "<img", `href="javascript:`} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q:\n%s", bad, html)
		}
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("a reporter page's links would send its secret along: %v", resp.Header)
	}
	if _, page := f.do("GET", strings.TrimSuffix(loc, "?new=1"), "", "", ""); strings.Contains(body2s(page), "your report is received") {
		t.Errorf("the link's banner shows on every visit")
	}

	t.Run("refused input keeps what was written", func(t *testing.T) {
		resp, html := f.post("/report", url.Values{"title": {""}, "body": {"my long write-up"}})
		if resp.StatusCode != 422 || !strings.Contains(html, "title: must not be empty") || !strings.Contains(html, "my long write-up") {
			t.Errorf("empty title: %d\n%s", resp.StatusCode, html)
		}
	})
	t.Run("another site cannot post the form", func(t *testing.T) {
		before := f.auditCount()
		resp, _ := f.post("/report", url.Values{"title": {"x"}, "body": {"y"}}, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != 403 || f.auditCount() != before {
			t.Errorf("cross-site post: %d", resp.StatusCode)
		}
	})
	t.Run("an unknown link is a 404 page", func(t *testing.T) {
		resp, body := f.do("GET", "/r/wardrep_nothing", "", "", "")
		if resp.StatusCode != 404 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(body2s(body), "wardrep_nothing") {
			t.Errorf("unknown link: %d %s", resp.StatusCode, body)
		}
	})
}

func body2s(b []byte) string { return string(b) }

// One address files a few reports, then waits: the limit refuses with 429
// and keeps the text; time refills it.
func TestReportFormRateLimit(t *testing.T) {
	f := newFixture(t)
	form := url.Values{"title": {"t"}, "body": {"b"}}
	for i := range server.DefaultFormBurst {
		if resp, _ := f.post("/report", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("report %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, html := f.post("/report", url.Values{"title": {"one more"}, "body": {"keep me"}})
	if resp.StatusCode != 429 || !strings.Contains(html, "keep me") || !strings.Contains(html, "Too many reports") {
		t.Errorf("over the limit: %d\n%s", resp.StatusCode, html)
	}
	f.clock.Advance(server.DefaultFormEvery)
	if resp, _ := f.post("/report", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after waiting: %d", resp.StatusCode)
	}
	if resp, _ := f.post("/report", form); resp.StatusCode != 429 {
		t.Errorf("the wait refilled more than one: %d", resp.StatusCode)
	}
}

// The reporter's API and page: they see only what is theirs, answer, and
// the assignee hears of it.
func TestReporterAPI(t *testing.T) {
	f := newFixture(t)
	triager, viewer := f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"t","body":"b","source":"email","reporter_email":"rae@example.net"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	if resp, _ := f.do("POST", "/api/v1/reports/"+id+"/reporter-link", viewer, "", ""); resp.StatusCode != 403 {
		t.Errorf("a viewer makes a reporter link: %d", resp.StatusCode)
	}
	resp, body := f.do("POST", "/api/v1/reports/"+id+"/reporter-link", triager, "", "")
	link := decodeJSON[struct{ URL, API string }](t, body)
	if resp.StatusCode != 201 || !strings.HasPrefix(link.URL, f.srv.URL+"/r/wardrep_") {
		t.Fatalf("link: %d %s", resp.StatusCode, body)
	}
	api := strings.TrimPrefix(link.API, f.srv.URL)
	for _, a := range []string{
		`{"action":"assign","member":"triager@example.org"}`,
		`{"action":"comment","body":"TEAM ONLY: probably a dup of #3","visibility":"team"}`,
		`{"action":"request_info","comment":"Which version?","visibility":"reporter"}`,
	} {
		if resp, body := f.do("POST", "/api/v1/reports/"+id+"/actions", triager, jsonType, a); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
		}
	}
	resp, body = f.do("GET", api, "", "", "")
	v := decodeJSON[reports.ReporterView](t, body)
	if resp.StatusCode != 200 || v.State != "needs_info" || strings.Contains(string(body), "TEAM ONLY") || strings.Contains(string(body), "triager@example.org") {
		t.Errorf("reporter view: %d %s", resp.StatusCode, body)
	}
	for _, bad := range []struct {
		body string
		want int
	}{
		{`{"action":"triage"}`, 422},
		{`{"action":"agree_disclosure"}`, 409},
		{`{"action":"answer","visibility":"team"}`, 400},
		{`{"action":"answer","comment":"a\u0000b"}`, 422},
	} {
		if resp, body := f.do("POST", api+"/actions", "", jsonType, bad.body); resp.StatusCode != bad.want {
			t.Errorf("%s: %d %s", bad.body, resp.StatusCode, body)
		}
	}
	resp, body = f.do("POST", api+"/actions", "", jsonType, `{"action":"answer","comment":"1.31.2"}`)
	if v := decodeJSON[reports.ReporterView](t, body); resp.StatusCode != 200 || v.State != "new" {
		t.Fatalf("answer: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("GET", "/api/v1/notifications?unread=true", triager, "", "")
	list := decodeJSON[struct{ Notifications []ward.Notification }](t, body).Notifications
	if resp.StatusCode != 200 || len(list) != 1 || list[0].Kind != "answer" || itoa(list[0].Report) != id {
		t.Fatalf("notifications: %d %s", resp.StatusCode, body)
	}
	n := itoa(list[0].ID)
	if resp, _ := f.do("POST", "/api/v1/notifications/"+n+"/read", viewer, "", ""); resp.StatusCode != 404 {
		t.Errorf("another member reads it: %d", resp.StatusCode)
	}
	if resp, _ := f.do("POST", "/api/v1/notifications/"+n+"/read", triager, "", ""); resp.StatusCode != 200 {
		t.Errorf("read: %d", resp.StatusCode)
	}
	if _, body := f.do("GET", "/api/v1/notifications?unread=true", triager, "", ""); strings.Contains(string(body), `"kind"`) {
		t.Errorf("still unread: %s", body)
	}

	t.Run("the page takes the same actions", func(t *testing.T) {
		page := strings.TrimPrefix(link.URL, f.srv.URL)
		resp, _ := f.post(page, url.Values{"action": {"comment"}, "comment": {"also: <script>x()</script>"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
			t.Fatalf("comment: %d", resp.StatusCode)
		}
		resp, html := f.post(page, url.Values{"action": {"object_disclosure"}})
		if resp.StatusCode != 409 || !strings.Contains(html, "report is new; allowed: comment") {
			t.Errorf("object with nothing requested: %d\n%s", resp.StatusCode, html)
		}
		_, b := f.do("GET", page, "", "", "")
		if html := body2s(b); !strings.Contains(html, "also: &lt;script&gt;x()&lt;/script&gt;") || strings.Contains(html, "<script>") {
			t.Errorf("page:\n%s", html)
		}
	})
	t.Run("a new link ends the old one", func(t *testing.T) {
		f.do("POST", "/api/v1/reports/"+id+"/reporter-link", triager, "", "")
		if resp, _ := f.do("GET", api, "", "", ""); resp.StatusCode != 404 {
			t.Errorf("old link: %d", resp.StatusCode)
		}
	})
}

// A reporter's link is their credential: the access log must not keep it,
// however the path is spelled.
func TestReporterSecretNotLogged(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.post("/report", url.Values{"title": {"t"}, "body": {"b"}})
	page := resp.Header.Get("Location")
	secret := strings.TrimSuffix(strings.TrimPrefix(page, "/r/"), "?new=1")
	for _, p := range []string{page, "/r/" + secret, "/api/v1/reporter/" + secret, "//r/" + secret, "/R/" + strings.ToUpper(secret)} {
		f.do("GET", p, "", "", "")
	}
	f.do("POST", "/api/v1/reporter/"+secret+"/actions", "", jsonType, `{"action":"comment","comment":"hi"}`)
	logs := f.logs.String()
	if strings.Contains(strings.ToLower(logs), secret[len("wardrep_"):]) || strings.Count(logs, "(secret)") < 7 {
		t.Errorf("log:\n%s", logs)
	}
}

func TestSavedFiltersAPI(t *testing.T) {
	f := newFixture(t)
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]
	for _, title := range []string{"a", "b"} {
		f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"`+title+`","source":"web"}`)
	}
	f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"c","source":"email"}`)
	if resp, _ := f.do("PUT", "/api/v1/filters/web-new", viewer, jsonType, `{"query":"source=web"}`); resp.StatusCode != 403 {
		t.Errorf("a viewer saves: %d", resp.StatusCode)
	}
	if resp, body := f.do("PUT", "/api/v1/filters/web-new", triager, jsonType, `{"query":"source=web&state=new"}`); resp.StatusCode != 201 {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do("PUT", "/api/v1/filters/web-new", triager, jsonType, `{"query":"view=nope"}`); resp.StatusCode != 422 {
		t.Errorf("bad view: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("PUT", "/api/v1/filters/web-new", responder, jsonType, `{"query":"source=web"}`); resp.StatusCode != 403 {
		t.Errorf("another member replaces it: %d", resp.StatusCode)
	}
	titles := func(query string) string {
		resp, body := f.do("GET", "/api/v1/reports?"+query, viewer, "", "")
		if resp.StatusCode != 200 {
			return resp.Status
		}
		var out []string
		for _, r := range decodeJSON[struct{ Reports []ward.Report }](t, body).Reports {
			out = append(out, r.Title)
		}
		return strings.Join(out, ",")
	}
	for query, want := range map[string]string{
		"filter=web-new":              "b,a",
		"filter=web-new&source=email": "c",
		"filter=web-new&limit=1":      "b",
		"filter=nope":                 "422 Unprocessable Entity",
		"colour=red":                  "422 Unprocessable Entity",
	} {
		if got := titles(query); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
	if resp, _ := f.do("DELETE", "/api/v1/filters/web-new", responder, "", ""); resp.StatusCode != 403 {
		t.Errorf("another member deletes it: %d", resp.StatusCode)
	}
	if resp, _ := f.do("DELETE", "/api/v1/filters/web-new", admin, "", ""); resp.StatusCode != 204 {
		t.Errorf("an admin deletes it: %d", resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/api/v1/filters/web-new", viewer, "", ""); resp.StatusCode != 404 {
		t.Errorf("deleted: %d", resp.StatusCode)
	}
}

// A report with everything the team keeps to itself set: none of it
// reaches the reporter, through the API or the page, at any step.
func TestReporterSeesNothingTeamOnly(t *testing.T) {
	f := newFixture(t)
	admin, responder, triager := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager]
	tiers := ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "secret-tier", Currency: ptr("USD"), Bounties: map[string]int64{"high": 500_000}}}}
	if _, err := f.db.ApplyTeam(context.Background(), tiers, false); err != nil {
		t.Fatal(err)
	}
	_, body := f.do("POST", "/api/v1/reports", triager, jsonType, `{"title":"t","body":"b","source":"api","external_id":"X-1"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	_, body = f.do("POST", "/api/v1/reports/"+id+"/reporter-link", triager, "", "")
	api := strings.TrimPrefix(decodeJSON[struct{ API string }](t, body).API, f.srv.URL)
	page := strings.Replace(api, "/api/v1/reporter/", "/r/", 1)

	secrets := []string{"secret-tier", "SECRET-LABEL", "github.com/acme/private", "triager@example.org", "responder@example.org",
		"admin@example.org", "TEAM-NOTE", "SECRET-REASON", "SECRET-JUSTIFICATION", "123456"}
	check := func(step string) {
		t.Helper()
		_, viewJSON := f.do("GET", api, "", "", "")
		_, html := f.do("GET", page, "", "", "")
		for _, s := range secrets {
			if strings.Contains(string(viewJSON), s) || strings.Contains(string(html), s) {
				t.Errorf("after %s the reporter sees %q:\n%s", step, s, viewJSON)
			}
		}
	}
	steps := []struct{ token, action string }{
		{triager, `{"action":"assign","member":"triager@example.org"}`},
		{triager, `{"action":"label","label":"SECRET-LABEL"}`},
		{triager, `{"action":"comment","comment":"TEAM-NOTE: it is the admission path","visibility":"team"}`},
		{triager, `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","tier":"secret-tier"}`},
		{triager, `{"action":"set_commander","member":"responder@example.org"}`},
		{triager, `{"action":"propose_bounty","amount":123456,"currency":"USD","reason":"SECRET-REASON for the amount"}`},
		{triager, `{"action":"track","url":"https://github.com/acme/private/issues/9"}`},
		{triager, `{"action":"resolve","comment":"TEAM-NOTE fixed in the private fork"}`},
		{responder, `{"action":"do_not_disclose","justification":"SECRET-JUSTIFICATION: downstream unpatched"}`},
		{admin, `{"action":"reopen"}`},
		{responder, `{"action":"request_disclosure","kind":"full"}`},
	}
	for _, s := range steps {
		f.act(id, s.token, s.action, 200)
		check(s.action)
	}
	f.clock.Advance(40 * 24 * time.Hour)
	f.act(id, admin, `{"action":"disclose","reason":"SECRET-REASON to go early"}`, 200)
	check("disclose")
}

// Posts to a reporter's page from another site are refused like the form's.
func TestReporterPageRefusesCrossSitePosts(t *testing.T) {
	f := newFixture(t)
	_, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType, `{"title":"t","source":"api"}`)
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	_, body = f.do("POST", "/api/v1/reports/"+id+"/reporter-link", f.tokens[ward.RoleTriager], "", "")
	page := strings.TrimPrefix(decodeJSON[struct{ URL string }](t, body).URL, f.srv.URL)
	before := f.auditCount()
	if resp, _ := f.post(page, url.Values{"action": {"comment"}, "comment": {"x"}}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 {
		t.Errorf("cross-site: %d", resp.StatusCode)
	}
	if resp, _ := f.post(page, url.Values{"action": {"comment"}, "comment": {"x"}}, "Sec-Fetch-Site", "", "Origin", "https://evil.example"); resp.StatusCode != 403 {
		t.Errorf("another origin: %d", resp.StatusCode)
	}
	if f.auditCount() != before {
		t.Error("a refused post wrote something")
	}
}

// Behind a trusted proxy each client has its own bucket, by the address
// the proxy adds to X-Forwarded-For; without one, the header changes
// nothing.
func TestReportFormRateLimitBehindProxy(t *testing.T) {
	send := func(f *fixture, xff string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", f.srv.URL+"/report", strings.NewReader(url.Values{"title": {"t"}, "body": {"b"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := f.browser().client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	behind := newFixtureWith(t, func(c *server.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	direct := newFixture(t)
	for i := range server.DefaultFormBurst {
		// The client names another address each time, left of the proxy's.
		if got := send(behind, "192.0.2."+itoa(int64(i))+", 198.51.100.1"); got != http.StatusSeeOther {
			t.Fatalf("report %d behind the proxy: %d", i+1, got)
		}
		if got := send(direct, "198.51.100."+itoa(int64(i))); got != http.StatusSeeOther {
			t.Fatalf("report %d without a proxy: %d", i+1, got)
		}
	}
	if got := send(behind, "192.0.2.99, 198.51.100.1"); got != http.StatusTooManyRequests {
		t.Errorf("the same client behind the proxy, another claim: %d, want 429", got)
	}
	if got := send(behind, "198.51.100.2"); got != http.StatusSeeOther {
		t.Errorf("another client behind the proxy: %d, want 303", got)
	}
	if got := send(direct, "198.51.100.99"); got != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer's X-Forwarded-For was read: %d, want 429", got)
	}
}
