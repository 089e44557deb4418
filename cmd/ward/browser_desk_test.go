package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wardsec/ward/examples"
	"github.com/wardsec/ward/wardtest/browser"
)

// deskTeam starts ward with the example team (a rotation, tiers, a member
// of each role) and returns it, an admin's API token, and a way to make a
// one-time sign-in link for a member.
func deskTeam(t *testing.T) (p *process, token string, link func(email string) string) {
	t.Helper()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ward.db")
	c := &cli{t: t, db: db}
	team := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(team, examples.Team, 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("apply", "-f", team)
	token = strings.TrimSpace(c.ok("token", "create", "--user", "ana.keller@example.org"))
	p = startServe(t, "--db", db)
	return p, token, func(email string) string {
		t.Helper()
		return strings.TrimSpace(c.ok("user", "link", email, "--public-url", p.url))
	}
}

// TestBrowserDeskTriage triages a report end to end in the browser, as the
// runbook's people would: a triager scores it with the calculator and
// proposes the bounty; a responder, in another browser, approves it,
// resolves the report and asks to disclose it.
func TestBrowserDeskTriage(t *testing.T) {
	p, token, link := deskTeam(t)
	status, body := postJSON(t, p.url+"/api/v1/reports", token,
		`{"title":"kubelet serves pod logs without authn <img src=x onerror=window.__xss=1>","body":"Steps: curl the kubelet.\n\n<script>window.__xss=1</script>","source":"api"}`)
	if status != 201 {
		t.Fatalf("file a report: %d %s", status, body)
	}
	var report struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &report); err != nil {
		t.Fatal(err)
	}
	page := p.url + "/reports/" + strconv.FormatInt(report.ID, 10)

	triager := browser.Open(t)
	if code := triager.Go(link("daichi.sato@example.org")); code != 200 {
		t.Fatalf("the sign-in link: %d", code)
	}
	triager.AssertText("Sign in as Daichi Sato?")
	if code := triager.Submit("Sign in"); code != 200 {
		t.Fatalf("sign in with the link: %d", code)
	}
	triager.AssertText("Daichi Sato")
	triager.Screenshot("dashboard")
	if code := triager.Go(p.url + "/reports"); code != 200 {
		t.Fatalf("reports: %d", code)
	}
	triager.AssertText("kubelet serves pod logs without authn")
	triager.Go(page)
	triager.AssertNoScriptInjection()

	// Severity from the calculator's metrics, and the tier, in one step.
	// The calculator is open from the start on a new report: triage is what
	// it waits for.
	if !browser.Eval[bool](triager, `document.querySelector('details:has(button[value=triage])').open`) {
		t.Error("the triage form is not open on a new report")
	}
	for label, value := range map[string]string{"Attack vector": "N", "Attack complexity": "L", "Privileges required": "N",
		"User interaction": "N", "Scope": "U", "Confidentiality": "H", "Integrity": "H", "Availability": "H", "Tier": "tier-1"} {
		triager.Fill(label, value)
	}
	// desk.js shows the vector the metrics make, as they are chosen.
	triager.AssertText("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	triager.Screenshot("calculator")
	if code := triager.Submit(`button[name=action][value=triage]`); code != 200 {
		t.Fatalf("triage: %d", code)
	}
	triager.AssertText("9.8")
	triager.AssertText("Critical")
	triager.AssertText("triaged")

	triager.Click("Propose a bounty")
	triager.Fill("Amount", "1000000")
	triager.Fill("Currency", "USD")
	if code := triager.Submit(`form:has(input[value=propose_bounty]) button[type=submit]`); code != 200 {
		t.Fatalf("propose a bounty: %d", code)
	}
	triager.AssertText("waiting for approval")
	if strings.Contains(triager.Text("main"), "Approve the bounty") {
		t.Error("the proposer is offered to approve their own bounty")
	}
	triager.Screenshot("proposed")

	responder := browser.Open(t)
	responder.Go(link("ben.carter@example.org"))
	responder.Submit("Sign in")
	responder.Go(page)
	if code := responder.Submit(`form:has(input[value=approve_bounty]) button[type=submit]`); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	responder.AssertText("awarded, approved by ben.carter@example.org")

	responder.Click("Resolve")
	responder.Fill("The resolution", "Fixed in 1.31.3: the kubelet now checks authn on the logs endpoint.")
	if code := responder.Submit(`form:has(input[value=resolve]) button[type=submit]`); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	responder.AssertText("resolved")

	responder.Click("Request disclosure")
	if code := responder.Submit(`form:has(input[value=request_disclosure]) button[type=submit]`); code != 200 {
		t.Fatalf("request disclosure: %d", code)
	}
	responder.AssertText("disclosure requested")
	responder.AssertNoScriptInjection()
	responder.AssertNoConsoleErrors("favicon")
	responder.Screenshot("disclosure requested")

	// The list by keyboard: / to the search, j to the first report, Enter
	// to open it.
	responder.Go(p.url + "/reports")
	responder.Press("/")
	if id := browser.Eval[string](responder, `document.activeElement.id`); id != "q" {
		t.Errorf("/ focused %q, want the search", id)
	}
	browser.Eval[bool](responder, `(document.activeElement.blur(), true)`)
	responder.Press("j")
	if href := browser.Eval[string](responder, `document.activeElement.getAttribute("href") || ""`); !strings.HasPrefix(href, "/reports/") {
		t.Errorf("j focused %q, want a report's link", href)
	}

	// WCAG 1.4.10: the desk's pages at 320 CSS pixels scroll only inside
	// their tables, never the page sideways.
	responder.Viewport(320, 640)
	for _, path := range []string{"/", "/brief", "/reports", "/reports/" + strconv.FormatInt(report.ID, 10), "/rotations/src", "/account"} {
		responder.Go(p.url + path)
		responder.AssertNoHorizontalOverflow()
	}
	responder.Screenshot("report at 320 px")
}

// TestBrowserDeskSwap swaps two shifts on the rotation page, and the API
// then shows the holders exchanged.
func TestBrowserDeskSwap(t *testing.T) {
	p, token, link := deskTeam(t)
	tab := browser.Open(t)
	tab.Go(link("daichi.sato@example.org"))
	tab.Submit("Sign in")
	if code := tab.Go(p.url + "/rotations/src"); code != 200 {
		t.Fatalf("rotation page: %d", code)
	}
	starts := browser.Eval[[]string](tab, `Array.from(document.querySelectorAll('#sw-first option'), o => o.value)`)
	if len(starts) < 3 {
		t.Fatalf("shifts to swap: %q", starts)
	}
	first, second := starts[1], starts[2]
	holder := func(start string) string {
		t.Helper()
		code, body := get(t, p.url+"/api/v1/rotations/src/oncall?at="+strings.ReplaceAll(start, "+", "%2B"), token)
		var oc struct{ Assignee struct{ Email string } }
		if code != 200 || json.Unmarshal([]byte(body), &oc) != nil {
			t.Fatalf("on call at %s: %d %s", start, code, body)
		}
		return oc.Assignee.Email
	}
	a, b := holder(first), holder(second)
	tab.Fill("The shift starting", first)
	tab.Fill("with the shift starting", second)
	tab.Screenshot("before the swap")
	if code := tab.Submit("Swap"); code != 200 {
		t.Fatalf("swap: %d", code)
	}
	if got1, got2 := holder(first), holder(second); got1 != b || got2 != a {
		t.Errorf("after the swap: %s and %s, want %s and %s", got1, got2, b, a)
	}
	tab.Screenshot("after the swap")
	tab.AssertNoConsoleErrors("favicon")
}
