package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
	"github.com/wardsec/ward/wardtest/browser"
)

// These tests drive the real binary with a real Chromium, as a reporter
// would: see wardtest/browser for how Chromium is found and where the
// screenshots go.

var (
	reporterPath = regexp.MustCompile(`/r/(wardrep_\w+)(\?new=1)?$`)
	reportNumber = regexp.MustCompile(`Report #(\d+)`)
)

// postJSON sends a JSON body with the token and returns the status and body.
func postJSON(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

// serveWithAdmin starts ward on a fresh database with an admin and returns
// it with the admin's API token and the command line on its database.
func serveWithAdmin(t *testing.T) (*process, string, *cli) {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "ward.db")
	c := &cli{t: t, db: db}
	c.ok("user", "add", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
	token := strings.TrimSpace(c.ok("token", "create", "--user", "admin@example.org"))
	return startServe(t, "--db", db), token, c
}

// TestBrowserReporterJourney is a reporter's whole way through ward in a
// browser: the form, the private link it leads to, the team's question and
// the answer, also in a 320 px wide window.
func TestBrowserReporterJourney(t *testing.T) {
	b := browser.New(t)
	t.Logf("browser: %s", b.Version(t))
	p, token, _ := serveWithAdmin(t)
	tab := b.Tab(t)

	if code := tab.Go(p.url + "/report"); code != http.StatusOK {
		t.Fatalf("GET /report: %d", code)
	}
	tab.Screenshot("form")
	tab.Fill("Title", "Path traversal in the artifact download endpoint")
	tab.Fill("What did you find?", "The `name` parameter of `/download` is joined to the artifact root unchecked:\n\n"+
		"```\ncurl 'https://ci.example.org/download?name=../../../../etc/passwd'\n```\n\n"+
		"Affects 2.3.0 to 2.4.1. See https://ci.example.org/a/very/long/path/that/a/narrow/window/must/wrap/somewhere/or/scroll/sideways")
	tab.Type("Your name", "Ada Reporter")
	tab.Type("Your email", "ada@example.org")
	if code := tab.Submit("Send the report"); code != http.StatusOK {
		t.Fatalf("send the report: %d\n%s", code, tab.Text("main"))
	}
	m := reporterPath.FindStringSubmatch(tab.URL())
	if m == nil || m[2] == "" {
		t.Fatalf("after sending the report the browser is at %s, want /r/wardrep_…?new=1", tab.URL())
	}
	link := p.url + "/r/" + m[1]
	tab.AssertText("Thank you: your report is received")
	if got := tab.Text(".notice a.link"); got != link {
		t.Errorf("the link shown: got %q, want %q", got, link)
	}
	if got := tab.Text("h1"); got != "Path traversal in the artifact download endpoint" {
		t.Errorf("heading: got %q", got)
	}
	if got := tab.Text("main .markdown code"); got != "name" {
		t.Errorf("the Markdown is not rendered: first code %q", got)
	}
	tab.AssertNoScriptInjection()
	tab.Screenshot("received")

	// The team asks; the reporter's page, reloaded, asks them.
	id := reportNumber.FindStringSubmatch(tab.Text("h1 + .meta"))
	if id == nil {
		t.Fatalf("no report number in %q", tab.Text("h1 + .meta"))
	}
	if code, body := postJSON(t, p.url+"/api/v1/reports/"+id[1]+"/actions", token,
		`{"action":"request_info","comment":"Which **version** did you test?","visibility":"reporter"}`); code != http.StatusOK {
		t.Fatalf("request_info: %d %s", code, body)
	}
	if code := tab.Go(link); code != http.StatusOK {
		t.Fatalf("GET the link: %d", code)
	}
	if got := tab.Text(".state"); got != "needs info" {
		t.Errorf("state after the team's question: got %q, want %q", got, "needs info")
	}
	if got := tab.Text(".notice"); got != "" {
		t.Errorf("the link's notice shows on a later visit: %q", got)
	}
	tab.AssertText("Which version did you test?")
	tab.Screenshot("question")
	tab.Type("Your answer to the team's question", "2.4.1, on Debian 12.")
	if code := tab.Submit("Send the answer"); code != http.StatusOK {
		t.Fatalf("send the answer: %d\n%s", code, tab.Text("main"))
	}
	if tab.URL() != link {
		t.Errorf("after the answer the browser is at %s, want %s", tab.URL(), link)
	}
	if got := tab.Text(".state"); got != "new" {
		t.Errorf("state after the answer: got %q, want %q", got, "new")
	}
	if got := tab.Texts(".event.by-you .markdown"); len(got) == 0 || got[len(got)-1] != "2.4.1, on Debian 12." {
		t.Errorf("the answer in the timeline: %q", got)
	}
	tab.AssertNoScriptInjection()
	tab.AssertNoConsoleErrors()
	tab.Screenshot("answered")

	// WCAG 1.4.10: at 320 CSS pixels nothing scrolls sideways.
	tab.Viewport(320, 640)
	tab.Go(link)
	tab.AssertNoHorizontalOverflow()
	tab.Screenshot("reporter-320px")
	tab.Go(p.url + "/report")
	tab.AssertNoHorizontalOverflow()
	tab.Screenshot("form-320px")
	tab.AssertNoConsoleErrors()
}

// payload is one attempt to make a page run script.
type payload struct {
	name, text string
	// shown is what a Markdown field shows of the text when Markdown gives
	// it a meaning (a link shows its words); "" when it shows the text
	// itself.
	shown string
}

// xssCorpus is what a reporter might send to make ward's pages run their
// script. Each sets the canary (window.__xss) or opens a dialog.
var xssCorpus = []payload{
	{name: "script", text: `<script>window.__xss=1</script>`},
	{name: "script-mixed-case", text: `<ScRiPt>alert(1)</sCrIpT>`},
	{name: "script-nested", text: `<scr<script>ipt>window.__xss=1</scr</script>ipt>`},
	{name: "script-src-data", text: `<script src="data:text/javascript,window.__xss=1"></script>`},
	{name: "img-onerror", text: `<img src=x onerror="window.__xss=1">`},
	{name: "img-onerror-mixed-case", text: `<IMG SRC=x OnErRoR=alert(1)>`},
	{name: "svg-onload", text: `<svg/onload=window.__xss=1>`},
	{name: "details-ontoggle", text: `<details open ontoggle=alert(1)>x</details>`},
	{name: "iframe-javascript", text: `<iframe src="javascript:parent.__xss=1"></iframe>`},
	{name: "iframe-srcdoc", text: `<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`},
	{name: "style", text: `<style>*{background:url("javascript:alert(1)")}</style><div style="width:expression(alert(1))">s</div>`},
	{name: "a-data-url", text: `<a href="data:text/html,<script>alert(1)</script>">data link</a>`},
	{name: "a-entity-encoded-javascript", text: `<a href="&#106;ava&#x73;cript:alert(1)">encoded</a>`},
	{name: "entity-encoded-script", text: `&lt;script&gt;window.__xss=1&lt;/script&gt;`, shown: `<script>window.__xss=1</script>`},
	{name: "markdown-javascript-link", text: `[click me](javascript:window.__xss=1)`, shown: "click me"},
	{name: "markdown-javascript-link-mixed-case", text: `[click me](JaVaScRiPt:alert(1))`, shown: "click me"},
	{name: "markdown-entity-encoded-link", text: `[encoded](&#106;avascript:alert(1))`, shown: "encoded"},
	{name: "markdown-data-link", text: `[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`, shown: "data"},
	{name: "markdown-autolink", text: `<javascript:alert(1)>`, shown: "javascript:alert(1)"},
	{name: "template-injection", text: `{{.}} {{template "layout" .}} ${alert(1)} {{constructor.constructor('alert(1)')()}}`},
	{name: "double-quote-breakout", text: `"><img src=x onerror=window.__xss=1>`},
	{name: "single-quote-breakout", text: `'><svg onload=alert(1)>`},
	{name: "attribute-handler", text: `" autofocus onfocus="window.__xss=1" x="`},
	{name: "textarea-breakout", text: `</textarea><script>window.__xss=1</script>`},
	{name: "title-breakout", text: `</title><script>alert(1)</script>`},
}

// TestBrowserNoScriptInjection sends every payload through every field a
// reporter fills (the form's title, body, name and email, and a message on
// their page) and checks, in the browser, that no script ran, nothing that
// could run one is in the page, and the payload is shown as the text it is.
// The tabs ignore the pages' Content-Security-Policy: escaping must hold
// without it.
func TestBrowserNoScriptInjection(t *testing.T) {
	b := browser.New(t)
	// One address may file DefaultFormBurst reports at once: a server of
	// its own for each batch. Batches run in parallel, each in its own tabs.
	for batch := range slices.Chunk(xssCorpus, server.DefaultFormBurst) {
		t.Run(batch[0].name+"…", func(t *testing.T) {
			t.Parallel()
			p, _, c := serveWithAdmin(t)
			for _, pl := range batch {
				t.Run("filed/"+pl.name, func(t *testing.T) {
					tab := b.Tab(t)
					tab.BypassCSP()
					fileWithPayload(t, tab, p.url, pl)
				})
			}
			// The team reads what was filed: the list, and each report's
			// page with the reporter's name, text and message.
			// A browser of its own: cookies are the host's whatever the port,
			// so batches' sessions in one browser would replace each other.
			t.Run("desk", func(t *testing.T) {
				tab := browser.Open(t)
				tab.BypassCSP()
				tab.Go(strings.TrimSpace(c.ok("user", "link", "admin@example.org", "--public-url", p.url)))
				tab.Submit("Sign in")
				tab.Go(p.url + "/reports")
				tab.AssertNoScriptInjection()
				for i, pl := range batch {
					if code := tab.Go(fmt.Sprintf("%s/reports/%d", p.url, i+1)); code != http.StatusOK {
						t.Fatalf("report %d: %d", i+1, code)
					}
					tab.AssertNoScriptInjection()
					if got := tab.Text("h1"); got != normalSpace(pl.text) {
						t.Errorf("%s: the desk's title shows %q, want the text", pl.name, got)
					}
					if !strings.Contains(tab.Text("main"), normalSpace(pl.text)) {
						t.Errorf("%s: the desk does not show the reporter's name as text", pl.name)
					}
				}
				// The same payloads by mail: in the sender's name, the
				// subject, the text part and the HTML part, which the desk
				// shows only sanitised.
				for i, pl := range batch {
					if out, _, err := c.run(payloadMail(i, pl.text), "import", "eml", "-"); err != nil {
						t.Fatalf("import %s: %v %s", pl.name, err, out)
					}
				}
				tab.Go(p.url + "/inbox")
				tab.AssertNoScriptInjection()
				for i, pl := range batch {
					if code := tab.Go(fmt.Sprintf("%s/inbox/%d", p.url, i+1)); code != http.StatusOK {
						t.Fatalf("thread %d: %d", i+1, code)
					}
					tab.AssertNoScriptInjection()
					if !strings.Contains(tab.Text("main"), normalSpace(pl.text)) {
						t.Errorf("%s: the thread does not show the mail's text as text", pl.name)
					}
				}
				tab.AssertNoConsoleErrors()
			})
			// The batch has used the address's reports; a refused form
			// (here for its email, or for the rate) shows what was
			// written again.
			for _, pl := range batch {
				t.Run("refused/"+pl.name, func(t *testing.T) {
					tab := b.Tab(t)
					tab.BypassCSP()
					refuseWithPayload(t, tab, p.url, pl)
				})
			}
		})
	}
}

// payloadMail is a message with the payload wherever a sender can put
// it; header lines get it on one line, as a header must be.
func payloadMail(i int, text string) string {
	line := strings.Join(strings.Fields(text), " ")
	return fmt.Sprintf("From: %s <x%d@example.net>\r\nTo: security@example.org\r\nSubject: %s\r\nMessage-ID: <xss%d@example.net>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"+
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n--b--\r\n", line, i, line, i, text, text)
}

// fileWithPayload files a report with the payload in every field, then
// sends it as a message from the reporter's page.
func fileWithPayload(t *testing.T, tab *browser.Tab, url string, pl payload) {
	t.Helper()
	shown := pl.text
	if pl.shown != "" {
		shown = pl.shown
	}
	tab.Go(url + "/report")
	tab.Fill("Title", pl.text)
	tab.Fill("What did you find?", pl.text)
	tab.Fill("Your name", pl.text)
	// The email must be an address; the payload is its local part when it
	// can be.
	email := "reporter@example.org"
	if _, err := ward.NormalizeEmail(pl.text + "@example.org"); err == nil {
		email = pl.text + "@example.org"
	}
	tab.Fill("Your email", email)
	if code := tab.Submit("Send the report"); code != http.StatusOK {
		t.Fatalf("send the report: %d\n%s", code, tab.Text("main"))
	}
	if !reporterPath.MatchString(tab.URL()) {
		t.Fatalf("after sending the report the browser is at %s", tab.URL())
	}
	tab.AssertNoScriptInjection()
	if got := tab.Text("h1"); got != normalSpace(pl.text) {
		t.Errorf("title: the page shows %q, want the text %q", got, pl.text)
	}
	if got := tab.Text("section[aria-labelledby=report] .markdown"); !strings.Contains(got, normalSpace(shown)) {
		t.Errorf("body: the page shows %q, want it to show %q", got, shown)
	}

	tab.Fill("A message to the team", pl.text)
	if code := tab.Submit("Send the message"); code != http.StatusOK {
		t.Fatalf("send the message: %d\n%s", code, tab.Text("main"))
	}
	tab.AssertNoScriptInjection()
	if got := tab.Texts(".event.by-you .markdown"); len(got) == 0 || !strings.Contains(got[len(got)-1], normalSpace(shown)) {
		t.Errorf("message: the timeline shows %q, want it to show %q", got, shown)
	}
	tab.AssertNoConsoleErrors()
	if t.Failed() {
		tab.Screenshot("injected")
	}
}

// refuseWithPayload sends the form with the payload in every field and an
// email that is no address, and checks the fields shown again.
func refuseWithPayload(t *testing.T, tab *browser.Tab, url string, pl payload) {
	t.Helper()
	tab.Go(url + "/report")
	// The browser would not send an email that is no address; a client
	// that posts with another tool would.
	tab.SkipValidation()
	email := pl.text
	if _, err := ward.NormalizeEmail(email); err == nil {
		email += " is no address"
	}
	for _, f := range []string{"Title", "What did you find?", "Your name"} {
		tab.Fill(f, pl.text)
	}
	tab.Fill("Your email", email)
	code := tab.Submit("Send the report")
	if code != http.StatusUnprocessableEntity && code != http.StatusBadRequest && code != http.StatusTooManyRequests {
		t.Fatalf("a report with the email %q: %d, want it refused", email, code)
	}
	tab.AssertNoScriptInjection()
	for f, want := range map[string]string{"Title": pl.text, "What did you find?": pl.text, "Your name": pl.text, "Your email": strings.TrimSpace(email)} {
		if got := tab.Value(f); got != want {
			t.Errorf("%s shown again: got %q, want %q", f, got, want)
		}
	}
	tab.AssertNoConsoleErrors("400", "422", "429")
}

func normalSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
