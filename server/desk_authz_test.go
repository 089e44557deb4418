package server_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
)

// TestPageAuthorization sends every page and form to a signed-out visitor
// and to a member of each role, and holds each answer to what that caller
// may do. Every page route must be in the table: a new page without a row
// fails the test.
func TestPageAuthorization(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[ward.RoleAdmin]
	f.do("POST", "/api/v1/rotations", admin, jsonType,
		`{"name":"src","members":["responder@example.org","triager@example.org"],"shift":"168h","handoff":"Mon 09:00 UTC","start":"2026-03-02"}`)
	id := deskReport(t, f)
	_, body := f.do("POST", "/api/v1/reports", f.tokens[ward.RoleTriager], jsonType, `{"title":"SPAM-TITLE cheap watches","source":"api"}`)
	spam := itoa(decodeJSON[ward.Report](t, body).ID)
	f.act(spam, f.tokens[ward.RoleTriager], `{"action":"mark_spam"}`, 200)
	mail := f.mail(mailMessage("authz@example.net", "Rae <rae@example.net>", "Webhook bypass", "Steps."))
	spamMail := f.mail(mailMessage("authz-spam@spam.example", "deals@spam.example", "SPAM-TITLE cheap watches", "buy"))
	f.threadAct(spamMail.Thread.ID, admin, `{"action":"spam"}`, 200)
	thread, spamThread := itoa(mail.Thread.ID), itoa(spamMail.Thread.ID)
	raw := "/inbox/" + thread + "/messages/" + itoa(mail.Message.ID) + "/raw"
	applicant := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorApplicant, Email: "dana@example.org"})
	join := ward.DistributorRequest{Organisation: "Example Linux", ContactName: "Dana", ContactEmail: "dana@example.org", ListAddress: "sec@example.org",
		Answers: ward.DistributorAnswers{Distribution: "d", UserBase: "u", TrackRecord: "t", NotDownstream: "n", Contribution: "c", Voucher: "v",
			AcceptsEmbargo: true, ContributesBack: true}}
	if err := f.db.CreateDistributorRequest(applicant, &join); err != nil {
		t.Fatal(err)
	}
	joinID := itoa(join.ID)
	spamRaw := "/inbox/" + spamThread + "/messages/" + itoa(spamMail.Message.ID) + "/raw"

	// Statuses for: signed out, viewer, triager, responder, admin. 303 is
	// "to the sign-in page" for a GET signed out, and "done" for a form.
	type row struct {
		method, path string
		form         url.Values
		want         [5]int
	}
	member := [5]int{303, 200, 200, 200, 200}
	adminOnly := [5]int{303, 403, 403, 403, 200}
	team := [5]int{403, 403, 303, 303, 303} // a form the viewer may not send
	anyone := [5]int{403, 303, 303, 303, 303}
	rows := []row{
		{"GET", "/", nil, member},
		{"GET", "/brief", nil, [5]int{303, 403, 200, 200, 200}},
		{"GET", "/brief?rotation=nope", nil, [5]int{303, 403, 404, 404, 404}},
		{"GET", "/reports", nil, member},
		{"GET", "/reports/" + id, nil, member},
		{"GET", "/reports/" + spam, nil, [5]int{303, 404, 404, 404, 200}},
		{"POST", "/reports/" + id + "/actions", url.Values{"action": {"comment"}, "comment": {"seen"}}, team},
		// deskReport is new: no command to hand off yet.
		{"POST", "/reports/" + id + "/handoffs", url.Values{"to": {"admin@example.org"}}, [5]int{403, 403, 403, 409, 409}},
		{"POST", "/handoffs/999", url.Values{"answer": {"accept"}}, [5]int{403, 404, 404, 404, 404}},
		{"POST", "/reports/" + spam + "/actions", url.Values{"action": {"comment"}, "comment": {"seen"}}, [5]int{403, 404, 404, 404, 409}},
		{"GET", "/inbox", nil, member},
		{"GET", "/inbox?status=spam", nil, [5]int{303, 403, 403, 403, 200}},
		{"GET", "/inbox/" + thread, nil, member},
		{"GET", "/inbox/" + spamThread, nil, [5]int{303, 404, 404, 404, 200}},
		{"GET", raw, nil, member},
		{"GET", spamRaw, nil, [5]int{303, 404, 404, 404, 200}},
		{"POST", "/inbox/" + thread + "/actions", url.Values{"action": {"mark"}, "status": {"open"}}, team},
		{"POST", "/inbox/" + spamThread + "/actions", url.Values{"action": {"spam"}}, [5]int{403, 404, 404, 404, 303}},
		{"POST", "/inbox/" + thread + "/delete", url.Values{"confirm": {"yes"}}, [5]int{403, 403, 403, 403, 422}},
		{"POST", "/inbox/" + spamThread + "/delete", url.Values{}, [5]int{403, 403, 403, 403, 422}},
		{"GET", "/distributors", nil, [5]int{303, 403, 200, 200, 200}},
		{"GET", "/distributors?state=approved", nil, [5]int{303, 403, 200, 200, 200}},
		// The responder declines it; the admin then finds it declined.
		{"POST", "/distributors/" + joinID, url.Values{"action": {"decline"}, "version": {"1"}, "reason": {"no record"}}, [5]int{403, 403, 403, 303, 409}},
		{"POST", "/distributors/999", url.Values{"action": {"approve"}, "version": {"1"}}, [5]int{403, 403, 403, 404, 404}},
		{"GET", "/distributors/export", nil, [5]int{303, 403, 403, 200, 200}},
		{"GET", "/distributors/export?format=csv", nil, [5]int{303, 403, 403, 200, 200}},
		// The public form is anyone's, signed in or not; an empty one is
		// refused alike.
		{"GET", "/distributors/join", nil, [5]int{200, 200, 200, 200, 200}},
		{"POST", "/distributors/join", url.Values{"organisation": {""}}, [5]int{422, 422, 422, 422, 422}},
		{"GET", "/distributors/join/thanks", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/rotations", nil, member},
		{"GET", "/rotations/src", nil, member},
		{"POST", "/rotations/src/overrides", url.Values{"member": {"responder@example.org"}, "start": {"2026-03-31T09:00"}, "end": {"2026-04-01T09:00"}}, team},
		{"POST", "/rotations/src/swaps", url.Values{"first": {"2026-03-09T09:00"}, "second": {"2026-03-16T09:00"}}, team},
		{"POST", "/rotations/src/calendar-feed", url.Values{}, [5]int{403, 201, 201, 201, 201}},
		{"POST", "/rotations/src/swap-requests/999/take", url.Values{}, [5]int{403, 403, 404, 404, 404}},
		{"POST", "/rotations/src/swap-requests/999/cancel", url.Values{}, [5]int{403, 404, 404, 404, 404}},
		{"GET", "/admin/members", nil, adminOnly},
		{"GET", "/admin/audit", nil, adminOnly},
		{"GET", "/admin/outbox", nil, adminOnly},
		{"GET", "/admin/tiers", nil, adminOnly},
		{"GET", "/admin/tokens", nil, adminOnly},
		{"POST", "/admin/tokens/999/revoke", url.Values{}, [5]int{403, 403, 403, 403, 404}},
		{"GET", "/account", nil, member},
		{"POST", "/account", url.Values{"action": {"nothing"}}, [5]int{403, 422, 422, 422, 422}},
		{"GET", "/account/totp.png", nil, [5]int{303, 404, 404, 404, 404}},
		{"POST", "/logout/everywhere", url.Values{}, anyone},
		{"POST", "/logout", url.Values{}, anyone},
	}
	routes := server.New(server.Config{}).Routes()
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/calendar/") || strings.HasPrefix(path, "/static/") ||
			slices.Contains([]string{"/healthz", "/readyz", "/report", "/r/{key}", "/login", "/login/link/{secret}", "/login/oidc", "/login/oidc/callback"}, path) {
			continue
		}
		if !slices.ContainsFunc(rows, func(x row) bool { return x.method == method && pattern(x.path) == pattern(path) }) {
			t.Errorf("page %s has no row in this test", r)
		}
	}
	roles := []ward.Role{"", ward.RoleViewer, ward.RoleTriager, ward.RoleResponder, ward.RoleAdmin}
	for _, x := range rows {
		for i, role := range roles {
			var form url.Values
			if x.form != nil {
				form = url.Values{}
				for k, v := range x.form {
					form[k] = v
				}
			}
			resp, html := f.page(role, x.method, x.path, form)
			if resp.StatusCode != x.want[i] {
				t.Errorf("%s %s as %q: %d, want %d\n%s", x.method, x.path, role, resp.StatusCode, x.want[i], alertText(html))
			}
			if role != ward.RoleAdmin && strings.Contains(html, "SPAM-TITLE") {
				t.Errorf("%s %s shows spam to %q", x.method, x.path, role)
			}
		}
		if x.path == "/logout" || x.path == "/logout/everywhere" {
			f.sessions = nil // signed out: the next rows sign in again
		}
	}
	// Lists leave spam out for all but admins, too.
	if _, html := f.page(ward.RoleAdmin, "GET", "/reports?state=spam", nil); !strings.Contains(html, "SPAM-TITLE") {
		t.Error("an admin's list of spam lacks it")
	}
}

// pattern turns a concrete path of the table into the route it hits, for
// the completeness check: ids, the rotation's name and wildcards alike
// become *.
func pattern(path string) string {
	if path == "/{$}" {
		return "/"
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil || p == "src" || strings.HasPrefix(p, "{") {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}

// alertText is what a page's alert says, or its first 300 bytes.
func alertText(html string) string {
	if _, after, ok := strings.Cut(html, `role="alert">`); ok {
		text, _, _ := strings.Cut(after, "<")
		return text
	}
	return html[:min(300, len(html))]
}
