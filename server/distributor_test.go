package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
)

// joinBody is a request to join as the API takes it, from contact for org.
func joinBody(org, contact, list string) string {
	return `{"organisation":` + quote(org) + `,"contact_name":"Dana","contact_email":` + quote(contact) + `,"list_address":` + quote(list) + `,
		"answers":{"distribution":"Example Linux ships kubelet","user_base":"public mirrors","track_record":"https://example.org/errata",
		"not_downstream":"built from upstream","contribution":"SIG Node reviews","voucher":"ana@example.net","accepts_embargo":true,"contributes_back":true}}`
}

// joinForm is the public form's fields for a request from contact for org.
func joinForm(org, contact, list string) url.Values {
	return url.Values{"organisation": {org}, "contact_name": {"Dana"}, "contact_email": {contact}, "list_address": {list},
		"distribution": {"Example Linux ships kubelet"}, "user_base": {"public mirrors"}, "track_record": {"https://example.org/errata"},
		"not_downstream": {"built from upstream"}, "contribution": {"SIG Node reviews"}, "voucher": {"ana@example.net"},
		"accepts_embargo": {"yes"}, "contributes_back": {"yes"}}
}

// ask sends a request to join without a token, and answers the id of the
// newest request, which the sender is not told: the test reads it from
// the store.
func (f *fixture) ask(body string) string {
	f.t.Helper()
	resp, b := f.do("POST", "/api/v1/distributors/requests", "", jsonType, body)
	if resp.StatusCode != 201 || string(b) != joinAnswer {
		f.t.Fatalf("ask: %d %s", resp.StatusCode, b)
	}
	newest, err := f.db.FindDistributorRequests(context.Background(), ward.DistributorFilter{Limit: 1})
	if err != nil || len(newest) != 1 {
		f.t.Fatalf("the newest request: %v", err)
	}
	return itoa(newest[0].ID)
}

// joinAnswer is the API's answer to every request to join that it stores.
const joinAnswer = `{"state":"pending"}` + "\n"

func TestDistributorsAPI(t *testing.T) {
	f := newFixtureWith(t, func(c *server.Config) { c.FormBurst = 100 }) // many refusals from one address
	admin, responder, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleResponder], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]

	t.Run("anyone may ask, and learns only that it is pending", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/distributors/requests", "", jsonType, joinBody("Example Linux", "Dana@Example.org", "security@example.org"))
		if resp.StatusCode != 201 || string(body) != joinAnswer {
			t.Fatalf("ask: %d %s", resp.StatusCode, body)
		}
		entries, _ := f.db.FindAuditEntries(context.Background(), ward.AuditFilter{Limit: 1})
		if entries[0].Action != "distributor.request" || entries[0].Actor != "applicant:dana@example.org" {
			t.Errorf("audit = %+v", entries[0])
		}
	})
	id := "1"
	// Whether an organisation has asked already is the team's to know:
	// a repeat, from the same contact or from anyone in its name, is
	// answered as the first was and stored; the triager sees both.
	t.Run("a repeat is answered alike and stored; the team sees it", func(t *testing.T) {
		before := f.auditCount()
		repeat := f.ask(joinBody("example  LINUX", "dana@example.org", "x@example.org"))
		impostor := f.ask(joinBody("Example Linux", "mallory@evil.example", "list@evil.example"))
		if f.auditCount() != before+2 {
			t.Errorf("audit entries went from %d to %d, want two more", before, f.auditCount())
		}
		resp, body := f.do("GET", "/api/v1/distributors/requests/"+id, triager, "", "")
		var got struct {
			Duplicates []map[string]any
		}
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("view: %d %s", resp.StatusCode, body)
		}
		want := `[map[id:` + impostor + ` same_contact:false same_organisation:true state:pending] map[id:` + repeat + ` same_contact:true same_organisation:true state:pending]]`
		if fmt.Sprint(got.Duplicates) != want {
			t.Errorf("duplicates = %v\nwant %s", got.Duplicates, want)
		}
		// The team declines the two, which leaves the first alone in
		// the queue.
		for _, dup := range []string{repeat, impostor} {
			if resp, body := f.do("POST", "/api/v1/distributors/requests/"+dup+"/decline", responder, jsonType, `{"reason":"a repeat of #1"}`); resp.StatusCode != 200 {
				t.Fatalf("decline #%s: %d %s", dup, resp.StatusCode, body)
			}
		}
	})
	refusals := []struct {
		name, method, path, token, contentType, body string
		status                                       int
		code                                         string
	}{
		{"an applicant setting the state", "POST", "/api/v1/distributors/requests", "", jsonType, strings.Replace(joinBody("Other", "o@example.org", "o@example.org"), `{"organisation"`, `{"state":"approved","organisation"`, 1), 400, ward.EMALFORMED},
		{"a form body", "POST", "/api/v1/distributors/requests", "", "application/x-www-form-urlencoded", "organisation=x", 415, ward.EUNSUPPORTED},
		{"no answers", "POST", "/api/v1/distributors/requests", "", jsonType, `{"organisation":"O","contact_name":"C","contact_email":"c@example.org","list_address":"l@example.org"}`, 422, ward.EINVALID},
		{"the embargo not accepted", "POST", "/api/v1/distributors/requests", "", jsonType, strings.Replace(joinBody("Other", "o@example.org", "o@example.org"), `"accepts_embargo":true`, `"accepts_embargo":false`, 1), 422, ward.EINVALID},
		{"a list without a token", "GET", "/api/v1/distributors/requests", "", "", "", 401, ward.EUNAUTHORIZED},
		{"a viewer lists", "GET", "/api/v1/distributors/requests", viewer, "", "", 403, ward.EFORBIDDEN},
		{"a viewer reads one", "GET", "/api/v1/distributors/requests/" + id, viewer, "", "", 403, ward.EFORBIDDEN},
		{"a bad state", "GET", "/api/v1/distributors/requests?state=accepted", triager, "", "", 422, ward.EINVALID},
		{"an unknown parameter", "GET", "/api/v1/distributors/requests?status=pending", triager, "", "", 422, ward.EINVALID},
		{"a bad since", "GET", "/api/v1/distributors/requests?since=yesterday", triager, "", "", 422, ward.EINVALID},
		{"an unknown request", "GET", "/api/v1/distributors/requests/999", triager, "", "", 404, ward.ENOTFOUND},
		{"a triager approves", "POST", "/api/v1/distributors/requests/" + id + "/approve", triager, "", "", 403, ward.EFORBIDDEN},
		{"a decline without a body", "POST", "/api/v1/distributors/requests/" + id + "/decline", responder, jsonType, "", 400, ward.EMALFORMED},
		{"a decline without a reason", "POST", "/api/v1/distributors/requests/" + id + "/decline", responder, jsonType, `{"reason":"  "}`, 422, ward.EINVALID},
		{"a removal of a pending request", "POST", "/api/v1/distributors/requests/" + id + "/remove", responder, jsonType, `{"reason":"x"}`, 409, ward.ECONFLICT},
		{"an approval of an older version", "POST", "/api/v1/distributors/requests/" + id + "/approve", responder, jsonType, `{"version":7}`, 409, ward.ECONFLICT},
		// The reason and the version are checked before the request.
		{"a decline without a reason of an older version", "POST", "/api/v1/distributors/requests/" + id + "/decline", responder, jsonType, `{"version":7}`, 422, ward.EINVALID},
		{"a removal without a reason of a pending request", "POST", "/api/v1/distributors/requests/" + id + "/remove", responder, jsonType, `{"reason":""}`, 422, ward.EINVALID},
		{"a negative version", "POST", "/api/v1/distributors/requests/" + id + "/approve", responder, jsonType, `{"version":-1}`, 422, ward.EINVALID},
		{"a decline without a reason of an unknown request", "POST", "/api/v1/distributors/requests/999/decline", responder, jsonType, `{}`, 422, ward.EINVALID},
		{"an approval of an unknown request", "POST", "/api/v1/distributors/requests/999/approve", responder, "", "", 404, ward.ENOTFOUND},
		{"a triager exports", "GET", "/api/v1/distributors/export", triager, "", "", 403, ward.EFORBIDDEN},
		{"an unknown format", "GET", "/api/v1/distributors/export?format=json", responder, "", "", 422, ward.EINVALID},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			before := f.auditCount()
			resp, body := f.do(tt.method, tt.path, tt.token, tt.contentType, tt.body)
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			if f.auditCount() != before {
				t.Error("a refused request wrote something")
			}
		})
	}

	t.Run("a triager reads the queue; a responder decides", func(t *testing.T) {
		resp, body := f.do("GET", "/api/v1/distributors/requests?state=pending", triager, "", "")
		list := decodeJSON[struct{ Requests []ward.DistributorRequest }](t, body).Requests
		if resp.StatusCode != 200 || len(list) != 1 || list[0].Answers.TrackRecord != "https://example.org/errata" || list[0].Version != 1 {
			t.Fatalf("queue: %d %s", resp.StatusCode, body)
		}
		resp, body = f.do("POST", "/api/v1/distributors/requests/"+id+"/approve", responder, jsonType, `{"version":1,"reason":"vouched for by Ana"}`)
		got := decodeJSON[ward.DistributorRequest](t, body)
		if resp.StatusCode != 200 || got.State != ward.DistributorApproved || got.DecidedBy != "member:responder@example.org" || got.Reason != "vouched for by Ana" {
			t.Fatalf("approve: %d %s", resp.StatusCode, body)
		}
		resp, body = f.do("POST", "/api/v1/distributors/requests/"+id+"/decline", admin, jsonType, `{"reason":"changed our minds"}`)
		if resp.StatusCode != 409 || !strings.Contains(string(body), "it is approved, and an approved one can only be removed from the list") {
			t.Errorf("decline an approved one: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("the export is the approved list", func(t *testing.T) {
		f.ask(joinBody("Beta Cloud", "bo@beta.example", "beta-security@beta.example")) // pending: not on the list
		second := f.ask(joinBody("=1+1", "al@alpha.example", "Alpha-Sec@Alpha.example"))
		if resp, body := f.do("POST", "/api/v1/distributors/requests/"+second+"/approve", admin, "", ""); resp.StatusCode != 200 {
			t.Fatalf("approve: %d %s", resp.StatusCode, body)
		}
		resp, body := f.do("GET", "/api/v1/distributors/export", responder, "", "")
		if resp.StatusCode != 200 || string(body) != "alpha-sec@alpha.example\nsecurity@example.org\n" ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Content-Disposition") != `attachment; filename="distributors.txt"` {
			t.Errorf("txt: %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
		resp, body = f.do("GET", "/api/v1/distributors/export?format=csv", responder, "", "")
		want := "organisation,contact,address,approved_at\n'=1+1,al@alpha.example,alpha-sec@alpha.example,2026-03-02T09:00:00Z\n" +
			"Example Linux,dana@example.org,security@example.org,2026-03-02T09:00:00Z\n"
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("csv: %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
	})
	t.Run("removal takes an organisation off the list, with its reason", func(t *testing.T) {
		if resp, body := f.do("POST", "/api/v1/distributors/requests/"+id+"/remove", responder, jsonType, `{"reason":"leaked an embargo"}`); resp.StatusCode != 200 {
			t.Fatalf("remove: %d %s", resp.StatusCode, body)
		}
		_, body := f.do("GET", "/api/v1/distributors/requests/"+id, triager, "", "")
		if got := decodeJSON[ward.DistributorRequest](t, body); got.State != ward.DistributorRemoved || got.Reason != "leaked an embargo" || got.ApprovedAt.IsZero() {
			t.Errorf("removed = %s", body)
		}
		if _, body := f.do("GET", "/api/v1/distributors/export", admin, "", ""); string(body) != "alpha-sec@alpha.example\n" {
			t.Errorf("export after removal = %q", body)
		}
	})
	t.Run("lists select by state and time, and page", func(t *testing.T) {
		f.clock.Advance(7 * 24 * time.Hour)
		f.ask(joinBody("Gamma", "g@gamma.example", "sec@gamma.example"))
		for query, want := range map[string]int{
			"":                           6,
			"state=pending":              2,
			"state=removed":              1,
			"state=declined":             2,
			"since=2026-03-05T00:00:00Z": 1,
			"since=2026-03-02T09:00:00Z": 6,
			"limit=3":                    3,
		} {
			resp, body := f.do("GET", "/api/v1/distributors/requests?"+query, triager, "", "")
			page := decodeJSON[struct {
				Requests []ward.DistributorRequest
				Next     string
			}](t, body)
			if resp.StatusCode != 200 || len(page.Requests) != want {
				t.Errorf("%s: %d, %d requests, want %d", query, resp.StatusCode, len(page.Requests), want)
			}
			if query == "limit=3" && page.Next != "/api/v1/distributors/requests?before="+itoa(page.Requests[2].ID)+"&limit=3" {
				t.Errorf("next = %q", page.Next)
			}
		}
	})
}

// One address may ask a few times, then waits: the API and the form share
// the limit, and it is not the report form's.
func TestDistributorJoinRateLimit(t *testing.T) {
	f := newFixtureWith(t, func(c *server.Config) { c.FormBurst = 2 })
	if resp, _ := f.post("/report", url.Values{"title": {"t"}, "body": {"b"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a report first: %d", resp.StatusCode)
	}
	f.ask(joinBody("One", "a@one.example", "s@one.example"))
	if resp, _ := f.post("/distributors/join", joinForm("Two", "a@two.example", "s@two.example")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the form: %d", resp.StatusCode)
	}
	resp, body := f.do("POST", "/api/v1/distributors/requests", "", jsonType, joinBody("Three", "a@three.example", "s@three.example"))
	if resp.StatusCode != 429 || !strings.Contains(string(body), `"code":"rate_limited"`) {
		t.Errorf("over the limit: %d %s", resp.StatusCode, body)
	}
	resp, html := f.post("/distributors/join", joinForm("Four", "a@four.example", "s@four.example"))
	if resp.StatusCode != 429 || !strings.Contains(html, `value="Four"`) {
		t.Errorf("the form over the limit: %d %s", resp.StatusCode, alertText(html))
	}
	f.clock.Advance(server.DefaultFormEvery)
	f.ask(joinBody("Three", "a@three.example", "s@three.example"))
}

// The public form: an organisation asks; what it wrote reaches the desk
// only as text; a responder decides from the desk.
func TestDistributorPages(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("GET", "/distributors/join", "", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<form method="post" action="/distributors/join">`) ||
		strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src") || strings.Contains(string(body), "<script") {
		t.Fatalf("form: %d %v", resp.StatusCode, resp.Header)
	}
	xss := joinForm(xssTitle, "dana@example.org", "security@example.org")
	xss.Set("track_record", xssBody)
	xss.Set("contact_name", xssName)

	t.Run("a refused form keeps what was written", func(t *testing.T) {
		missing := joinForm("Example <Linux>", "dana@example.org", "security@example.org")
		missing.Del("accepts_embargo")
		resp, html := f.post("/distributors/join", missing)
		if resp.StatusCode != 422 || !strings.Contains(html, "answers.accepts_embargo:") || !strings.Contains(html, `value="Example &lt;Linux&gt;"`) ||
			!strings.Contains(html, "https://example.org/errata</textarea>") {
			t.Errorf("without the embargo: %d %s", resp.StatusCode, alertText(html))
		}
	})
	t.Run("another site cannot post it", func(t *testing.T) {
		before := f.auditCount()
		if resp, _ := f.post("/distributors/join", xss, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 || f.auditCount() != before {
			t.Errorf("cross-site: %d", resp.StatusCode)
		}
	})
	resp, _ = f.post("/distributors/join", xss)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/distributors/join/thanks" {
		t.Fatalf("post: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := f.do("GET", "/distributors/join/thanks", "", "", ""); resp.StatusCode != 200 || !strings.Contains(string(body), "is received") {
		t.Errorf("thanks: %d", resp.StatusCode)
	}
	list, _ := f.db.FindDistributorRequests(context.Background(), ward.DistributorFilter{})
	if len(list) != 1 || list[0].Answers.TrackRecord != xssBody || list[0].Organisation != strings.TrimSpace(xssTitle) {
		t.Fatalf("stored: %+v", list)
	}
	id := itoa(list[0].ID)
	// A repeat is thanked as the first was, and kept; the desk notes it
	// on both.
	repeat := joinForm(xssTitle, "dana@example.org", "security@example.org")
	if resp, _ := f.post("/distributors/join", repeat); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/distributors/join/thanks" {
		t.Errorf("again: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	list, _ = f.db.FindDistributorRequests(context.Background(), ward.DistributorFilter{})
	if len(list) != 2 {
		t.Fatalf("the repeat is not stored: %d requests", len(list))
	}
	repeatID := itoa(list[0].ID)

	t.Run("the desk shows the queue as text, and the forms to responders", func(t *testing.T) {
		if _, html := f.page(ward.RoleViewer, "GET", "/", nil); strings.Contains(html, `href="/distributors"`) {
			t.Error("a viewer's navigation links the distributors page")
		}
		resp, html := f.page(ward.RoleTriager, "GET", "/distributors", nil)
		if resp.StatusCode != 200 || !strings.Contains(html, `href="/distributors" aria-current="page"`) || !strings.Contains(html, "ana@example.net") {
			t.Fatalf("triager: %d %s", resp.StatusCode, alertText(html))
		}
		noMarkup(t, html)
		for _, note := range []string{"#" + repeatID + " (pending, same contact and organisation)", "#" + id + " (pending, same contact and organisation)"} {
			if !strings.Contains(html, "<dt>Also requested</dt><dd>"+note+"</dd>") {
				t.Errorf("the queue lacks the note %q", note)
			}
		}
		if strings.Contains(html, `action="/distributors/`+id+`"`) {
			t.Error("a triager gets the forms to decide")
		}
		_, html = f.page(ward.RoleResponder, "GET", "/distributors", nil)
		noMarkup(t, html)
		if !strings.Contains(html, `action="/distributors/`+id+`"`) || !strings.Contains(html, `name="version" value="1"`) || strings.Contains(html, "Remove from the list") {
			t.Error("a responder's queue lacks the approve and decline forms")
		}
	})
	t.Run("a decision of an older version keeps the reason written", func(t *testing.T) {
		resp, html := f.page(ward.RoleResponder, "POST", "/distributors/"+id, url.Values{"action": {"decline"}, "version": {"5"}, "reason": {"no <b>track</b> record"}})
		if resp.StatusCode != 409 || !strings.Contains(html, "changed since version 5") || !strings.Contains(html, "no &lt;b&gt;track&lt;/b&gt; record</textarea>") {
			t.Errorf("stale: %d %s", resp.StatusCode, alertText(html))
		}
		if resp, html := f.page(ward.RoleResponder, "POST", "/distributors/"+id, url.Values{"action": {"decline"}, "version": {"1"}}); resp.StatusCode != 422 ||
			!strings.Contains(html, "reason: say why") {
			t.Errorf("no reason: %d %s", resp.StatusCode, alertText(html))
		}
	})
	t.Run("approved from the desk, it is on the list and in the export", func(t *testing.T) {
		resp, _ := f.page(ward.RoleResponder, "POST", "/distributors/"+id, url.Values{"action": {"approve"}, "version": {"1"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/distributors?state=pending" {
			t.Fatalf("approve: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, html := f.page(ward.RoleResponder, "GET", "/distributors?state=approved", nil)
		if !strings.Contains(html, `href="/distributors/export?format=csv"`) || !strings.Contains(html, "Remove from the list") {
			t.Error("the approved tab lacks the export or the removal")
		}
		if _, html := f.page(ward.RoleTriager, "GET", "/distributors?state=approved", nil); strings.Contains(html, "/distributors/export") {
			t.Error("a triager is offered the export")
		}
		resp, text := f.page(ward.RoleResponder, "GET", "/distributors/export", nil)
		if resp.StatusCode != 200 || text != "security@example.org\n" || resp.Header.Get("Content-Disposition") != `attachment; filename="distributors.txt"` {
			t.Errorf("export: %d %q", resp.StatusCode, text)
		}
		resp, _ = f.page(ward.RoleResponder, "POST", "/distributors/"+id, url.Values{"action": {"remove"}, "version": {"2"}, "reason": {"stopped shipping"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/distributors?state=approved" {
			t.Errorf("remove: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, html = f.page(ward.RoleTriager, "GET", "/distributors?state=removed", nil)
		if !strings.Contains(html, "stopped shipping") || !strings.Contains(html, "by responder@example.org") {
			t.Errorf("the removed tab lacks the reason or who decided")
		}
	})
	// A refusal on an older page shows that page again, as GET shows it:
	// its "Older requests" link is to /distributors, not to the POST's
	// path, which has no GET (405).
	t.Run("a refusal on page two shows page two, whose next link works", func(t *testing.T) {
		applicant := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorApplicant, Email: "p@page.example"})
		for _, org := range []string{"Page One", "Page Two", "Page Three"} {
			r := ward.DistributorRequest{Organisation: org, ContactName: "P", ContactEmail: "p@page.example", ListAddress: "sec@page.example",
				Answers: ward.DistributorAnswers{Distribution: "d", UserBase: "u", TrackRecord: "t", NotDownstream: "n", Contribution: "c",
					Voucher: "v", AcceptsEmbargo: true, ContributesBack: true}}
			if err := f.db.CreateDistributorRequest(applicant, &r); err != nil {
				t.Fatal(err)
			}
		}
		pending, _ := f.db.FindDistributorRequests(context.Background(), ward.DistributorFilter{State: ward.DistributorPending})
		if len(pending) < 3 {
			t.Fatalf("%d pending", len(pending))
		}
		first, second, third := itoa(pending[0].ID), itoa(pending[1].ID), itoa(pending[2].ID)
		pageTwo := "/distributors?before=" + first + "&limit=1"
		_, html := f.page(ward.RoleResponder, "GET", pageTwo, nil)
		if !strings.Contains(html, `id="dr-`+second+`"`) || !strings.Contains(html, `<input type="hidden" name="before" value="`+first+`">`) ||
			!strings.Contains(html, `<input type="hidden" name="limit" value="1">`) || !strings.Contains(html, `<input type="hidden" name="state" value="pending">`) {
			t.Fatalf("page two lacks its request or the fields that keep it: %s", alertText(html))
		}
		kept := url.Values{"before": {first}, "limit": {"1"}, "state": {"pending"}}
		stale := url.Values{"action": {"decline"}, "version": {"5"}, "reason": {"typed on page two"}}
		for k, v := range kept {
			stale[k] = v
		}
		resp, html := f.page(ward.RoleResponder, "POST", "/distributors/"+second, stale)
		next := "/distributors?before=" + second + "&amp;limit=1&amp;state=pending"
		if resp.StatusCode != 409 || !strings.Contains(html, `id="dr-`+second+`"`) || !strings.Contains(html, "typed on page two</textarea>") ||
			!strings.Contains(html, `href="`+next+`" rel="next"`) {
			t.Fatalf("refused on page two: %d %s", resp.StatusCode, alertText(html))
		}
		resp, html = f.page(ward.RoleResponder, "GET", strings.ReplaceAll(next, "&amp;", "&"), nil)
		if resp.StatusCode != 200 || !strings.Contains(html, `id="dr-`+third+`"`) {
			t.Errorf("older requests after a refusal: %d %s", resp.StatusCode, alertText(html))
		}
		made := url.Values{"action": {"decline"}, "version": {"1"}, "reason": {"a test"}}
		for k, v := range kept {
			made[k] = v
		}
		resp, _ = f.page(ward.RoleResponder, "POST", "/distributors/"+second, made)
		if want := "/distributors?before=" + first + "&limit=1&state=pending"; resp.StatusCode != 303 || resp.Header.Get("Location") != want {
			t.Errorf("decided on page two: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
	})
	// The form's maxlength counts characters; so does the server, which
	// takes what the browser lets through even when it is not ASCII.
	t.Run("the form's limits are the server's", func(t *testing.T) {
		_, form := f.do("GET", "/distributors/join", "", "", "")
		if n := strings.Count(string(form), `maxlength="4096"`); n != 6 {
			t.Errorf("%d answers have maxlength 4096, want 6", n)
		}
		long := joinForm(strings.Repeat("é", 200), "zoe@example.org", "sec@zeta.example")
		long.Set("contribution", strings.Repeat("ж", 4096))
		if resp, html := f.post("/distributors/join", long); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("4096 characters of Cyrillic: %d %s", resp.StatusCode, alertText(html))
		}
		long.Set("contribution", strings.Repeat("ж", 4097))
		if resp, html := f.post("/distributors/join", long); resp.StatusCode != 422 || !strings.Contains(html, "longer than 4096 characters") {
			t.Errorf("4097 characters: %d %s", resp.StatusCode, alertText(html))
		}
	})
}
