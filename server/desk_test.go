package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

// pageRequest is a request for a desk page by the member of the role as a
// signed-in browser on ward's own site sends it, with the session's form
// token in a form; role "" is nobody signed in. It is the one place where
// the desk's tests sign in: one session per role, made in the store
// (signing in through /login has tests of its own).
func (f *fixture) pageRequest(role ward.Role, method, path string, form url.Values) *http.Request {
	f.t.Helper()
	var sess *ward.Session
	var secret string
	if role != "" {
		if f.sessions == nil {
			f.sessions = map[ward.Role]deskSession{}
		}
		ds, ok := f.sessions[role]
		if !ok {
			var err error
			if ds.session, ds.secret, err = f.db.CreateSession(context.Background(), string(role)+"@example.org", ward.SignInPassword, "test", "127.0.0.1"); err != nil {
				f.t.Fatal(err)
			}
			f.sessions[role] = ds
		}
		sess, secret = ds.session, ds.secret
	}
	if form != nil && sess != nil && !form.Has("_csrf") {
		form.Set("_csrf", sess.CSRF)
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if secret != "" {
		req.AddCookie(&http.Cookie{Name: "ward_session", Value: secret})
	}
	return req
}

// deskSession is a role's session in the desk's tests.
type deskSession struct {
	session *ward.Session
	secret  string
}

// page sends pageRequest and answers the response and its body, without
// following redirects.
func (f *fixture) page(role ward.Role, method, path string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(f.pageRequest(role, method, path, form))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, string(b)
}

// xss are payloads in everything a reporter writes; none may reach a page
// as markup.
const (
	xssTitle = `<script>alert("title")</script> Webhook bypass`
	xssName  = `<img src=x onerror=alert("name")>`
	xssBody  = "Steps:\n\n<script>alert('body')</script>\n\n<a href=\"javascript:alert(1)\">x</a> [y](javascript:alert(2))"
	xssNote  = `<svg onload=alert("comment")>`
)

// noMarkup fails the test when the page holds any of the payloads' markup.
func noMarkup(t *testing.T, html string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg", `href="javascript:`} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}

// deskReport files a report with payloads everywhere a reporter writes,
// and a team-only and a reporter-visible comment on it; it returns its id.
func deskReport(t *testing.T, f *fixture) string {
	t.Helper()
	resp, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType,
		`{"title":`+quote(xssTitle)+`,"body":`+quote(xssBody)+`,"source":"hackerone","external_id":"42","external_url":"https://hackerone.com/reports/42","reporter_name":`+quote(xssName)+`,"reporter_email":"rae@example.net"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("file: %d %s", resp.StatusCode, body)
	}
	id := itoa(decodeJSON[ward.Report](t, body).ID)
	f.act(id, f.tokens[ward.RoleTriager], `{"action":"comment","comment":"internal: `+strings.ReplaceAll(xssNote, `"`, `\"`)+` only us","visibility":"team"}`, 200)
	f.act(id, f.tokens[ward.RoleTriager], `{"action":"comment","comment":"thanks, looking","visibility":"reporter"}`, 200)
	return id
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestDeskSignIn(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.page("", "GET", "/reports?view=triage", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Freports%3Fview%3Dtriage" {
		t.Errorf("signed out: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = f.page("", "POST", "/reports/1/actions", url.Values{"action": {"comment"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("signed-out post: %d", resp.StatusCode)
	}
	// Signed in, a form without the session's token is refused and
	// changes nothing.
	id := deskReport(t, f)
	f.page(ward.RoleTriager, "GET", "/reports/"+id, nil) // signs in
	before := f.auditCount()
	resp, _ = f.page(ward.RoleTriager, "POST", "/reports/"+id+"/actions", url.Values{"action": {"comment"}, "comment": {"x"}, "_csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden || f.auditCount() != before {
		t.Errorf("a forged form token: %d", resp.StatusCode)
	}
}

func TestDeskReportList(t *testing.T) {
	f := newFixture(t)
	id := deskReport(t, f)
	for _, title := range []string{"Second report", "Third report"} {
		f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType, `{"title":"`+title+`","body":"b","source":"api"}`)
	}

	resp, html := f.page(ward.RoleViewer, "GET", "/reports", nil)
	if resp.StatusCode != 200 || !strings.Contains(html, `<a href="/reports/`+id+`">&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Webhook bypass</a>`) {
		t.Fatalf("list: %d\n%s", resp.StatusCode, html)
	}
	noMarkup(t, html)
	for _, want := range []string{`<th scope="col">Severity</th>`, `href="/reports?view=triage"`, `<label for="q">`, "Third report", `<script src="/static/desk.js" defer></script>`, `<nav aria-label="Desk">`, `name="_csrf"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(html, `href="/admin/members"`) {
		t.Errorf("a viewer's nav shows Admin")
	}

	t.Run("search, filters and empty fields", func(t *testing.T) {
		_, html := f.page(ward.RoleViewer, "GET", "/reports?q=webhook&state=&severity=&source=&assignee=&label=&view=", nil)
		if !strings.Contains(html, `/reports/`+id+`"`) || strings.Contains(html, "Third report") {
			t.Errorf("search for webhook:\n%s", html)
		}
		_, html = f.page(ward.RoleViewer, "GET", "/reports?source=hackerone", nil)
		if !strings.Contains(html, `/reports/`+id+`"`) || strings.Contains(html, "Second report") {
			t.Errorf("source hackerone:\n%s", html)
		}
	})
	t.Run("pages with before", func(t *testing.T) {
		_, html := f.page(ward.RoleViewer, "GET", "/reports?limit=2", nil)
		if !strings.Contains(html, `rel="next"`) || strings.Contains(html, `/reports/`+id+`"`) {
			t.Fatalf("first page of two:\n%s", html)
		}
		_, html = f.page(ward.RoleViewer, "GET", "/reports?limit=2&before=2", nil)
		if !strings.Contains(html, `/reports/`+id+`"`) || strings.Contains(html, "Third report") {
			t.Errorf("the page before 2:\n%s", html)
		}
	})
	t.Run("a saved filter, and the form's empty fields keep it", func(t *testing.T) {
		resp, body := f.do("PUT", "/api/v1/filters/h1", f.tokens[ward.RoleTriager], jsonType, `{"query":"source=hackerone"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("save: %d %s", resp.StatusCode, body)
		}
		_, html := f.page(ward.RoleViewer, "GET", "/reports?filter=h1&source=&q=", nil)
		if !strings.Contains(html, `/reports/`+id+`"`) || strings.Contains(html, "Second report") || !strings.Contains(html, `<option value="h1" selected>`) {
			t.Errorf("filter h1:\n%s", html)
		}
	})
	t.Run("bad filters are shown, not lost", func(t *testing.T) {
		resp, html := f.page(ward.RoleViewer, "GET", "/reports?q=%2B%2B%2B", nil)
		if resp.StatusCode != 422 || !strings.Contains(html, `role="alert"`) || !strings.Contains(html, `value="&#43;&#43;&#43;"`) {
			t.Errorf("a search of punctuation: %d\n%s", resp.StatusCode, html)
		}
	})
}

func TestDeskReportPage(t *testing.T) {
	f := newFixture(t)
	id := deskReport(t, f)
	path := "/reports/" + id

	t.Run("a viewer reads it all, escaped, and may do nothing", func(t *testing.T) {
		resp, html := f.page(ward.RoleViewer, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%d\n%s", resp.StatusCode, html)
		}
		noMarkup(t, html)
		for _, want := range []string{
			"<h1>&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Webhook bypass</h1>",
			"&lt;img src=x onerror=alert(&#34;name&#34;)&gt;",
			`<a href="https://hackerone.com/reports/42" rel="noopener noreferrer" target="_blank">`,
			`<li class="team">`, `<span class="vis">Team only</span>`,
			`<li class="shared">`, `<span class="vis">Visible to the reporter</span>`,
			"&lt;svg onload=alert(&#34;comment&#34;)&gt;", "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;",
		} {
			if !strings.Contains(html, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(html, `action="/reports/`+id+`/actions"`) {
			t.Errorf("a viewer is offered actions")
		}
	})
	t.Run("a viewer's post is refused", func(t *testing.T) {
		resp, html := f.page(ward.RoleViewer, "POST", path+"/actions", url.Values{"action": {"comment"}, "comment": {"hi"}})
		if resp.StatusCode != 403 || !strings.Contains(html, "viewer") {
			t.Errorf("viewer: %d\n%s", resp.StatusCode, html)
		}
	})
	t.Run("a comment round-trips", func(t *testing.T) {
		_, html := f.page(ward.RoleTriager, "GET", path, nil)
		if !strings.Contains(html, `<input type="hidden" name="action" value="comment">`) || strings.Contains(html, `value="approve_bounty"`) {
			t.Fatalf("a triager's forms:\n%s", html)
		}
		resp, _ := f.page(ward.RoleTriager, "POST", path+"/actions", url.Values{"action": {"comment"}, "comment": {"line one\r\nline two"}, "visibility": {"team"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
			t.Fatalf("comment: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		events, _ := f.db.FindTimeline(context.Background(), mustID(t, id))
		if last := events[len(events)-1]; last.Comment != "line one\nline two" || last.Visibility != "team" {
			t.Errorf("the comment stored: %+v", last)
		}
	})
	t.Run("triage from the calculator's metrics", func(t *testing.T) {
		if _, err := f.db.ApplyTeam(context.Background(), ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
			Bounties: map[string]int64{"critical": 1_000_000}}}}, false); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"action": {"triage"}, "tier": {"tier-1"}}
		for k, v := range map[string]string{"AV": "N", "AC": "L", "PR": "N", "UI": "N", "S": "U", "C": "H", "I": "H", "A": "H"} {
			form.Set("cvss_"+k, v)
		}
		resp, html := f.page(ward.RoleTriager, "POST", path+"/actions", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("triage: %d\n%s", resp.StatusCode, html)
		}
		rep, _ := f.db.FindReportByID(context.Background(), mustID(t, id))
		if rep.State != "triaged" || rep.Severity == nil || rep.Severity.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" || rep.Severity.Score != 9.8 {
			t.Errorf("after triage: %s %+v", rep.State, rep.Severity)
		}
		_, html = f.page(ward.RoleTriager, "GET", path, nil)
		if !strings.Contains(html, `<option value="N" selected>Network</option>`) {
			t.Errorf("the calculator does not show the vector's metrics")
		}
	})
	t.Run("a responder pings a triaged report; a triager may not", func(t *testing.T) {
		if _, html := f.page(ward.RoleTriager, "GET", path, nil); strings.Contains(html, `value="ping"`) {
			t.Errorf("a triager is offered Ping")
		}
		_, html := f.page(ward.RoleResponder, "GET", path, nil)
		if !strings.Contains(html, `<input type="hidden" name="action" value="ping">`) {
			t.Fatalf("a responder is not offered Ping:\n%s", html)
		}
		resp, _ := f.page(ward.RoleResponder, "POST", path+"/actions", url.Values{"action": {"ping"}, "comment": {"any news?"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ping: %d", resp.StatusCode)
		}
		events, _ := f.db.FindTimeline(context.Background(), mustID(t, id))
		if last := events[len(events)-1]; last.Action != "ping" || last.Visibility != "team" || last.Comment != "any news?" {
			t.Errorf("the ping stored: %+v", last)
		}
	})
	t.Run("a refused action shows why, under its status", func(t *testing.T) {
		resp, html := f.page(ward.RoleTriager, "POST", path+"/actions", url.Values{"action": {"request_info"}, "comment": {"which version?"}, "visibility": {"reporter"}})
		if resp.StatusCode != 409 || !strings.Contains(html, `<p class="error" role="alert" id="refused">`) || !strings.Contains(html, "triaged") || !strings.Contains(html, "which version?") {
			t.Errorf("request_info on a triaged report: %d\n%s", resp.StatusCode, html)
		}
		resp, html = f.page(ward.RoleTriager, "POST", path+"/actions", url.Values{"action": {"set_severity"}, "cvss_AV": {"N"}})
		if resp.StatusCode != 422 || !strings.Contains(html, "attack complexity is not chosen") {
			t.Errorf("half a calculator: %d\n%s", resp.StatusCode, html)
		}
	})
	t.Run("another site cannot post", func(t *testing.T) {
		req := f.pageRequest(ward.RoleTriager, "POST", path+"/actions", url.Values{"action": {"comment"}, "comment": {"x"}})
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("cross-site: %d", resp.StatusCode)
		}
	})
	t.Run("spam is a 404 page but for admins", func(t *testing.T) {
		f.act(id, f.tokens[ward.RoleTriager], `{"action":"reopen"}`, 409) // triaged: nothing to reopen
		_, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType, `{"title":"buy now","body":"b","source":"api"}`)
		spam := itoa(decodeJSON[ward.Report](t, body).ID)
		f.act(spam, f.tokens[ward.RoleTriager], `{"action":"mark_spam"}`, 200)
		if resp, html := f.page(ward.RoleResponder, "GET", "/reports/"+spam, nil); resp.StatusCode != 404 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("a responder opens spam: %d\n%s", resp.StatusCode, html)
		}
		if resp, _ := f.page(ward.RoleAdmin, "GET", "/reports/"+spam, nil); resp.StatusCode != 200 {
			t.Errorf("an admin opens spam: %d", resp.StatusCode)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("report id %q: %v", s, err)
	}
	return n
}

func TestDeskDashboard(t *testing.T) {
	f := rotationFixture(t)
	f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)) // Tuesday of the second week: the triager's
	triager := f.tokens[ward.RoleTriager]
	id := deskReport(t, f)
	f.act(id, triager, `{"action":"assign","member":"triager@example.org"}`, 200)
	resp, body := f.do("POST", "/api/v1/reports/"+id+"/reporter-link", triager, "", "")
	if resp.StatusCode != 201 {
		t.Fatalf("link: %d %s", resp.StatusCode, body)
	}
	link := decodeJSON[struct{ URL, API string }](t, body)
	if resp, body := f.do("POST", strings.TrimPrefix(link.API, f.srv.URL)+"/actions", "", jsonType, `{"action":"comment","comment":"any news?"}`); resp.StatusCode != 200 {
		t.Fatalf("reporter comment: %d %s", resp.StatusCode, body)
	}

	resp, html := f.page(ward.RoleTriager, "GET", "/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", resp.StatusCode, html)
	}
	noMarkup(t, html)
	for _, want := range []string{
		`<a href="/rotations/src">src</a>`, "<strong>triager</strong> until Mon 16 Mar 09:00 UTC", "On duty now", "Next: viewer",
		`<h2 id="mine-h"><a href="/reports?view=mine">My reports</a></h2>`, `<a href="/reports/` + id + `">&lt;script&gt;`,
		"<strong>1 unread notification</strong>", "Coverage gaps in the next 14 days", `aria-current="page">Dashboard`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/", nil); !strings.Contains(html, "Nothing assigned to you") || !strings.Contains(html, "No unread notifications") {
		t.Errorf("a viewer's dashboard:\n%s", html)
	}
}

func TestDeskRotation(t *testing.T) {
	f := rotationFixture(t)
	f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	resp, html := f.page(ward.RoleViewer, "GET", "/rotations/src", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("rotation: %d\n%s", resp.StatusCode, html)
	}
	for _, want := range []string{"<th scope=\"row\">Mon 9 Mar 2026</th>", "triager: Mon 9 Mar 09:00 → Mon 16 Mar 09:00", "Make a calendar feed"} {
		if !strings.Contains(html, want) {
			t.Errorf("the rotation page lacks %q", want)
		}
	}
	if strings.Contains(html, "Add an override") {
		t.Errorf("a viewer is offered an override")
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/rotations/src?span=week", nil); !strings.Contains(html, `<th scope="row">Mon 9 Mar 2026</th>`) ||
		strings.Contains(html, `<th scope="row">Mon 16 Mar 2026</th>`) || !strings.Contains(html, "Shifts, week of Mon 9 Mar 2026") || !strings.Contains(html, `href="?span=week&amp;from=2026-03-16" rel="next"`) {
		t.Errorf("the week's view:\n%s", html)
	}
	if resp, _ := f.page(ward.RoleViewer, "GET", "/rotations/src?span=year", nil); resp.StatusCode != 422 {
		t.Errorf("an unknown span: %d", resp.StatusCode)
	}
	if resp, _ := f.page(ward.RoleViewer, "POST", "/rotations/src/overrides", url.Values{"member": {"admin@example.org"}}); resp.StatusCode != 403 {
		t.Errorf("a viewer's override: %d", resp.StatusCode)
	}
	if resp, html := f.page(ward.RoleViewer, "GET", "/rotations", nil); resp.StatusCode != 200 || !strings.Contains(html, `<a href="/rotations/src">src</a>`) {
		t.Errorf("rotations: %d\n%s", resp.StatusCode, html)
	}

	resp, _ = f.page(ward.RoleTriager, "POST", "/rotations/src/overrides", url.Values{"member": {"admin@example.org"}, "start": {"2026-03-11T00:00"}, "end": {"2026-03-12T00:00"}, "reason": {"dentist"}})
	if resp.StatusCode != 303 {
		t.Fatalf("override: %d", resp.StatusCode)
	}
	if oc := f.onCall("2026-03-11T12:00:00Z"); oc.Assignee.Email != "admin@example.org" {
		t.Errorf("after the override: %+v", oc)
	}
	resp, html = f.page(ward.RoleTriager, "POST", "/rotations/src/overrides", url.Values{"member": {"admin@example.org"}, "start": {"2026-03-12T00:00"}, "end": {"2026-03-11T00:00"}})
	if resp.StatusCode != 422 || !strings.Contains(html, "end: must be after start") {
		t.Errorf("a backwards override: %d\n%s", resp.StatusCode, html)
	}
	resp, _ = f.page(ward.RoleTriager, "POST", "/rotations/src/swaps", url.Values{"first": {"2026-03-16T09:00:00Z"}, "second": {"2026-03-23T09:00:00Z"}})
	if resp.StatusCode != 303 {
		t.Fatalf("swap: %d", resp.StatusCode)
	}
	if oc := f.onCall("2026-03-17T12:00:00Z"); oc.Assignee.Email != "responder@example.org" {
		t.Errorf("after the swap, the week of 16 March: %+v", oc.Assignee)
	}
	resp, html = f.page(ward.RoleViewer, "POST", "/rotations/src/calendar-feed", url.Values{})
	if resp.StatusCode != 201 || !strings.Contains(html, "/calendar/wardcal_") {
		t.Errorf("calendar feed: %d\n%s", resp.StatusCode, html)
	}
}

func TestDeskAdmin(t *testing.T) {
	f := newFixture(t)
	if _, err := f.db.ApplyTeam(context.Background(), ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
		Bounties: map[string]int64{"critical": 1_000_000}}}}, false); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/members", "/admin/audit", "/admin/tiers"} {
		for _, role := range []ward.Role{ward.RoleViewer, ward.RoleTriager, ward.RoleResponder} {
			if resp, html := f.page(role, "GET", path, nil); resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s as a %s: %d\n%s", path, role, resp.StatusCode, html)
			}
		}
	}
	if _, html := f.page(ward.RoleAdmin, "GET", "/admin/members", nil); !strings.Contains(html, "<td>viewer@example.org</td><td>viewer</td>") || !strings.Contains(html, `href="/admin/members" aria-current="page"`) {
		t.Errorf("members:\n%s", html)
	}
	// The newest entries are the test's own sign-ins; the page after them
	// goes on from the last one shown.
	if _, html := f.page(ward.RoleAdmin, "GET", "/admin/audit?limit=2", nil); !strings.Contains(html, "<td>session.sign_in</td>") ||
		!regexp.MustCompile(`<tr><td>(\d+)</td>(?s:.*)href="/admin/audit\?before=(\d+)&amp;limit=2"`).MatchString(html) {
		t.Errorf("audit:\n%s", html)
	}
	if _, html := f.page(ward.RoleAdmin, "GET", "/admin/tiers", nil); !strings.Contains(html, "<td>10000.00 USD</td>") {
		t.Errorf("tiers:\n%s", html)
	}
}

// An admin sees every member's tokens, never a secret, and revokes one;
// the API then refuses it.
func TestDeskAdminTokens(t *testing.T) {
	f := newFixture(t)
	_, html := f.page(ward.RoleAdmin, "GET", "/admin/tokens", nil)
	for role, secret := range f.tokens {
		if !strings.Contains(html, "<th scope=\"row\">"+string(role)+"@example.org</th>") {
			t.Errorf("the %s's token is not listed", role)
		}
		if strings.Contains(html, secret) || strings.Contains(html, secret[len("ward_"):20]) {
			t.Errorf("the page shows the %s's secret", role)
		}
	}
	tokens, err := f.db.FindTokens(context.Background(), "viewer@example.org")
	if err != nil || len(tokens) != 1 {
		t.Fatalf("viewer's tokens: %v, %v", tokens, err)
	}
	path := "/admin/tokens/" + strconv.FormatInt(tokens[0].ID, 10) + "/revoke"
	if resp, _ := f.page(ward.RoleAdmin, "POST", path, url.Values{}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/tokens" {
		t.Fatalf("revoke: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := f.do("GET", "/api/v1/me", f.tokens[ward.RoleViewer], "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked token still works: %d", resp.StatusCode)
	}
	if _, html := f.page(ward.RoleAdmin, "GET", "/admin/tokens", nil); !strings.Contains(html, "revoked ") {
		t.Error("the list does not show the token revoked")
	}
}

// Cover asked for on the API is taken, or withdrawn, on the rotation page,
// by whom the API allows.
func TestDeskSwapRequests(t *testing.T) {
	f := rotationFixture(t)
	f.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	ask := func(start, end string) string {
		t.Helper()
		resp, body := f.do("POST", "/api/v1/rotations/src/swap-requests", f.tokens[ward.RoleViewer], jsonType,
			`{"start":"`+start+`","end":"`+end+`","note":"at a conference"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("ask for cover: %d %s", resp.StatusCode, body)
		}
		return itoa(decodeJSON[ward.SwapRequest](t, body).ID)
	}
	first := ask("2026-03-16T09:00:00Z", "2026-03-23T09:00:00Z")
	second := ask("2026-04-06T09:00:00Z", "2026-04-13T09:00:00Z")

	_, html := f.page(ward.RoleTriager, "GET", "/rotations/src", nil)
	if !strings.Contains(html, "/swap-requests/"+first+"/take") || strings.Contains(html, "/swap-requests/"+first+"/cancel") {
		t.Errorf("the triager is not offered to take it, or is offered to withdraw it:\n%s", html)
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/rotations/src", nil); !strings.Contains(html, "/swap-requests/"+second+"/cancel") {
		t.Error("the requester is not offered to withdraw their request")
	}
	if resp, _ := f.page(ward.RoleResponder, "POST", "/rotations/src/swap-requests/"+second+"/cancel", url.Values{}); resp.StatusCode != 403 {
		t.Errorf("another member withdraws it: %d", resp.StatusCode)
	}
	if resp, html := f.page(ward.RoleTriager, "POST", "/rotations/src/swap-requests/"+first+"/take", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("take: %d\n%s", resp.StatusCode, alertText(html))
	}
	if got := f.onCall("2026-03-17T12:00:00Z").Assignee.Email; got != "triager@example.org" {
		t.Errorf("after taking it, on call is %s", got)
	}
	if resp, _ := f.page(ward.RoleViewer, "POST", "/rotations/src/swap-requests/"+second+"/cancel", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("withdraw: %d", resp.StatusCode)
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/rotations/src", nil); strings.Contains(html, "asks for cover") {
		t.Error("requests taken or withdrawn are still open on the page")
	}
}

func TestDeskDashboardStale(t *testing.T) {
	f := newFixture(t)
	if _, err := f.db.ApplyTeam(context.Background(), ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Currency: ptr("USD"),
		Bounties: map[string]int64{"critical": 1_000_000}}}}, false); err != nil {
		t.Fatal(err)
	}
	id := deskReport(t, f)
	f.act(id, f.tokens[ward.RoleTriager], `{"action":"triage","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tier":"tier-1"}`, 200)
	f.act(id, f.tokens[ward.RoleTriager], `{"action":"set_commander","member":"responder@example.org"}`, 200)
	pingForm := `<form method="post" action="/reports/` + id + `/actions" class="inline">`

	// As the admin: a session signed in now would have run out when the
	// report is stale.
	if _, html := f.page(ward.RoleAdmin, "GET", "/", nil); !strings.Contains(html, "No report has gone quiet past its threshold.") {
		t.Errorf("a fresh critical is listed as stale")
	}
	f.clock.Advance(48 * time.Hour)
	_, html := f.page(ward.RoleTriager, "GET", "/", nil)
	if !strings.Contains(html, `<a href="/reports/`+id+`">`) || strings.Contains(html, pingForm) {
		t.Errorf("a triager's dashboard should list the stale critical without a Ping button:\n%s", html)
	}
	_, html = f.page(ward.RoleResponder, "GET", "/", nil)
	if !strings.Contains(html, pingForm) || !strings.Contains(html, "<td>responder@example.org</td>") {
		t.Fatalf("a responder's dashboard lacks the Ping button:\n%s", html)
	}
	resp, _ := f.page(ward.RoleResponder, "POST", "/reports/"+id+"/actions", url.Values{"action": {"ping"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ping: %d", resp.StatusCode)
	}
	// Pinged, it stays on the list until the team updates it: the hourly
	// pings would otherwise empty the list of what is still quiet.
	if _, html := f.page(ward.RoleResponder, "GET", "/", nil); !strings.Contains(html, `<a href="/reports/`+id+`">`) {
		t.Errorf("the pinged, still quiet report left the dashboard")
	}
	f.act(id, f.tokens[ward.RoleResponder], `{"action":"comment","comment":"on it","visibility":"team"}`, 200)
	if _, html := f.page(ward.RoleResponder, "GET", "/", nil); !strings.Contains(html, "No report has gone quiet past its threshold.") {
		t.Errorf("an updated report is still listed as quiet")
	}
}
