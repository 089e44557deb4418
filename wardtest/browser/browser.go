// Package browser drives a real Chromium for tests of ward's pages: open a
// page, fill and send its forms as a person would, read what it shows, take
// screenshots, and check that nothing anyone wrote became script. Only tests
// import it.
//
// Chromium is found in WARD_CHROMIUM, at /usr/bin/chromium or as chromium on
// the PATH. Without it a test skips, unless WARD_REQUIRE_BROWSER=1 (which CI
// sets) makes that a failure. Screenshots go under WARD_SCREENSHOTS, by
// default ward-screenshots in the system's temporary directory, in one
// folder per test.
//
// One browser per test function, one tab per subtest:
//
//	b := browser.New(t)
//	t.Run("form", func(t *testing.T) {
//		tab := b.Tab(t)
//		tab.Go(url + "/report")
//		tab.Fill("Title", "A title")
//		tab.Submit("Send the report")
//		tab.AssertNoScriptInjection()
//		tab.Screenshot("sent")
//	})
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each step of a tab: a navigation, a click, a read.
const Timeout = 20 * time.Second

// Canary is the global that injection payloads set (window.__xss = 1):
// AssertNoScriptInjection fails when it is defined.
const Canary = "__xss"

// Browser is a headless Chromium that lives as long as the test that
// started it.
type Browser struct {
	ctx context.Context
}

// Path returns where Chromium is, or "" when it is not installed.
func Path() string {
	if p := os.Getenv("WARD_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts Chromium for the test, with a fresh profile, and stops it when
// the test ends. It skips the test when Chromium is missing, or fails it
// when WARD_REQUIRE_BROWSER=1.
func New(t *testing.T) *Browser {
	t.Helper()
	path := Path()
	if path == "" {
		msg := "no Chromium: install it (apt-get install chromium) or name it in WARD_CHROMIUM"
		if os.Getenv("WARD_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; WARD_REQUIRE_BROWSER=1 requires it")
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		// A closed network refuses Chromium's own connections; these keep it
		// from trying, so that it starts fast and logs nothing about them.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser; it must not have a deadline, which
	// would stop the browser with it.
	start := make(chan error, 1)
	go func() { start <- chromedp.Do(ctx) }()
	select {
	case err := <-start:
		if err != nil {
			t.Fatalf("start Chromium (%s): %v", path, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("Chromium (%s) did not start within 60s", path)
	}
	return &Browser{ctx: ctx}
}

// Version returns the browser's product and version, such as
// "HeadlessChrome/156.0.8078.108".
func (b *Browser) Version(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	v, err := chromedp.CallBrowser(ctx, cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browser version: %v", err)
	}
	return v.Product
}

// Open starts a browser for the test and opens one tab in it: for a test
// that needs only one.
func Open(t *testing.T) *Tab {
	t.Helper()
	return New(t).Tab(t)
}

// Tab is one tab of the browser, used by one test (or subtest). Its
// methods fail the test when a step fails, so they must be called from the
// test's goroutine.
type Tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	dialogs []string
	dir     string
}

// Tab opens a new tab for the test and closes it when the test ends; when
// the test has failed by then, the tab's last page is saved as a screenshot
// first.
func (b *Browser) Tab(t *testing.T) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	tab := &Tab{t: t, ctx: ctx, dir: screenshotDir(t)}
	// Subscribe before the first page so that nothing it logs is lost.
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.console = append(tab.console, m)
			tab.mu.Unlock()
		}
	})
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.dialogs = append(tab.dialogs, fmt.Sprintf("%s(%q)", ev.Type, ev.Message))
			tab.mu.Unlock()
			// An open dialog blocks the page, and with it every later step.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			tab.screenshot("failed")
		}
		cancel()
		wg.Wait()
	})
	tab.do("open a tab")
	return tab
}

// do runs the steps within Timeout, failing the test with what it was
// doing when one fails.
func (tab *Tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the tab's page and returns its
// value decoded as T. The page's Content-Security-Policy does not apply to
// it.
func Eval[T any](tab *Tab, expression string) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		tab.t.Fatalf("evaluate %.80q: %v", expression, err)
	}
	return v
}

// call evaluates fn (a JavaScript function expression) with the arguments,
// which go over as JSON, so that no quoting can go wrong.
func call[T any](tab *Tab, fn string, args ...any) T {
	tab.t.Helper()
	if args == nil {
		args = []any{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		tab.t.Fatal(err)
	}
	return Eval[T](tab, "("+fn+")(..."+string(b)+")")
}

// Context returns the tab's chromedp context, for what the Tab's methods do
// not cover; derive a deadline from it for each step.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Go opens the URL, waits until the page has loaded and returns its HTTP
// status.
func (tab *Tab) Go(url string) int {
	tab.t.Helper()
	return tab.navigate("open "+url, chromedp.Navigate(url))
}

// Reload loads the page again and returns its HTTP status.
func (tab *Tab) Reload() int {
	tab.t.Helper()
	return tab.navigate("reload", chromedp.Evaluate[chromedp.Void]("location.reload()"))
}

// navigate runs a step that leads to a new page and waits for that page.
func (tab *Tab) navigate(what string, step chromedp.Action[chromedp.Void]) int {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, step)
	if err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
	return int(resp.Status)
}

// URL returns the address of the page the tab shows.
func (tab *Tab) URL() string {
	tab.t.Helper()
	return Eval[string](tab, "location.href")
}

// findField is a function that finds a form field by the text of its label
// (the start of it, ignoring case and the label's <small> hints), or else
// by its name or id.
const findField = `function(key) {
	const want = key.trim().toLowerCase();
	for (const l of document.querySelectorAll('label')) {
		const c = l.cloneNode(true);
		c.querySelectorAll('small').forEach(s => s.remove());
		if (c.textContent.trim().toLowerCase().startsWith(want) && l.control) return l.control;
	}
	return document.querySelector('[name="' + CSS.escape(key) + '"]') || document.getElementById(key);
}`

// Fill sets the value of the form field with the label (or name, or id),
// as if pasted: the exact text, at once. It fails the test when there is
// no such field.
func (tab *Tab) Fill(field, value string) {
	tab.t.Helper()
	ok := call[bool](tab, `function(key, value) {
		const el = (`+findField+`)(key);
		if (!el) return false;
		el.focus();
		el.value = value;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	}`, field, value)
	if !ok {
		tab.t.Fatalf("fill %q: no field with that label, name or id on %s", field, tab.URL())
	}
}

// Type focuses the form field with the label (or name, or id) and types
// the text key by key, as a person would.
func (tab *Tab) Type(field, text string) {
	tab.t.Helper()
	ok := call[bool](tab, `function(key) {
		const el = (`+findField+`)(key);
		if (!el) return false;
		el.focus();
		return true;
	}`, field)
	if !ok {
		tab.t.Fatalf("type into %q: no field with that label, name or id on %s", field, tab.URL())
	}
	tab.do("type into "+field, chromedp.KeyEvent(text))
}

// Press types the keys to whatever has the focus, as a person would: for
// keyboard shortcuts.
func (tab *Tab) Press(keys string) {
	tab.t.Helper()
	tab.do("press "+keys, chromedp.KeyEvent(keys))
}

// Value returns the value of the form field with the label (or name, or
// id).
func (tab *Tab) Value(field string) string {
	tab.t.Helper()
	v := call[*string](tab, `function(key) {
		const el = (`+findField+`)(key);
		return el ? el.value : null;
	}`, field)
	if v == nil {
		tab.t.Fatalf("value of %q: no field with that label, name or id on %s", field, tab.URL())
	}
	return *v
}

// findClickable finds a button or link by its text (exactly, after
// trimming and joining spaces, ignoring case), or else the first element
// that matches it as a CSS selector.
const findClickable = `function(key) {
	const want = key.trim().replace(/\s+/g, ' ').toLowerCase();
	for (const el of document.querySelectorAll('button, a, input[type=submit], input[type=button], summary')) {
		const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').toLowerCase();
		if (text === want) return el;
	}
	try { return document.querySelector(key); } catch (e) { return null; }
}`

// Click clicks the button or link with the text, or else the element that
// matches the CSS selector, and does not wait for anything.
func (tab *Tab) Click(target string) {
	tab.t.Helper()
	if !tab.clickStep(target) {
		tab.t.Fatalf("click %q: no button or link with that text, nor element with that selector, on %s", target, tab.URL())
	}
}

// Submit clicks the button or link (as Click finds it), waits for the page
// it leads to and returns that page's HTTP status.
func (tab *Tab) Submit(target string) int {
	tab.t.Helper()
	// A form the browser will not send would leave the wait to time out;
	// say why at once instead.
	problem := call[string](tab, `function(key) {
		const el = (`+findClickable+`)(key);
		if (!el) return 'no button or link with that text, nor element with that selector';
		const f = el.form;
		if (!f || f.noValidate || el.formNoValidate || f.checkValidity()) return '';
		return 'the browser will not send the form: ' + Array.from(f.elements).filter(e => e.validity && !e.validity.valid)
			.map(e => (e.labels && e.labels[0] ? e.labels[0].innerText.trim() : e.name) + ': ' + e.validationMessage).join('; ');
	}`, target)
	if problem != "" {
		tab.t.Fatalf("submit %q on %s: %s", target, tab.URL(), problem)
	}
	b, _ := json.Marshal(target)
	// A real click, so that a form sends the button's name and value.
	return tab.navigate("submit "+target, chromedp.Evaluate[chromedp.Void]("("+findClickable+")("+string(b)+").click()"))
}

func (tab *Tab) clickStep(target string) bool {
	tab.t.Helper()
	return call[bool](tab, `function(key) {
		const el = (`+findClickable+`)(key);
		if (!el) return false;
		el.click();
		return true;
	}`, target)
}

// SkipValidation turns off the browser's own checks of the page's forms
// (required fields, email addresses, lengths), as a client that posts with
// another tool would, so that a test reaches the server's checks.
func (tab *Tab) SkipValidation() {
	tab.t.Helper()
	Eval[chromedp.Void](tab, "document.querySelectorAll('form').forEach(f => f.noValidate = true)")
}

// Text returns the visible text of the first element that matches the CSS
// selector, with runs of white space as one space; "" when none matches.
func (tab *Tab) Text(selector string) string {
	tab.t.Helper()
	return call[string](tab, `function(sel) {
		const el = document.querySelector(sel);
		return el ? el.innerText.replace(/\s+/g, ' ').trim() : '';
	}`, selector)
}

// Texts returns the visible text of every element that matches the CSS
// selector, as Text does.
func (tab *Tab) Texts(selector string) []string {
	tab.t.Helper()
	return call[[]string](tab, `function(sel) {
		return Array.from(document.querySelectorAll(sel), el => el.innerText.replace(/\s+/g, ' ').trim());
	}`, selector)
}

// AssertText fails the test unless the page shows the text (white space
// joined as Text joins it).
func (tab *Tab) AssertText(text string) {
	tab.t.Helper()
	want := strings.Join(strings.Fields(text), " ")
	if got := tab.Text("body"); !strings.Contains(got, want) {
		tab.t.Errorf("%s does not show %q; it shows:\n%s", tab.URL(), want, got)
	}
}

// Viewport sets the size of the tab's window in CSS pixels, as a phone or
// a narrow window would have it.
func (tab *Tab) Viewport(width, height int64) {
	tab.t.Helper()
	tab.do("set the viewport", chromedp.EmulateViewport(width, height))
}

// AssertNoHorizontalOverflow fails the test when the page is wider than
// the window, so that a reader has to scroll sideways (WCAG 1.4.10 asks for
// none at 320 CSS pixels).
func (tab *Tab) AssertNoHorizontalOverflow() {
	tab.t.Helper()
	got := call[[]int](tab, `function() {
		return [document.documentElement.scrollWidth, document.documentElement.clientWidth];
	}`)
	if got[0] > got[1] {
		wide := call[[]string](tab, `function() {
			const w = document.documentElement.clientWidth, out = [];
			for (const el of document.body.querySelectorAll('*')) {
				const r = el.getBoundingClientRect();
				if (r.right > w + 0.5) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' (right edge ' + Math.round(r.right) + ')');
			}
			return out.slice(0, 10);
		}`)
		tab.t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways; too wide: %v", tab.URL(), got[0], got[1], wide)
	}
}

// ConsoleMessages returns what the tab's pages have written to the console
// so far: console calls, uncaught exceptions, and the browser's own log,
// where Content-Security-Policy violations and failed loads appear.
func (tab *Tab) ConsoleMessages() []chromedp.ConsoleMessage {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), tab.console...)
}

// AssertNoConsoleErrors fails the test when a page has logged an error, an
// exception or a warning, such as a CSP violation or a stylesheet that did
// not load; the browser's request for /favicon.ico is let pass. A failed load of a document the test opened on
// purpose (an error page) is logged too; pass its status, such as "422",
// to allow it.
func (tab *Tab) AssertNoConsoleErrors(allowStatus ...string) {
	tab.t.Helper()
	for _, m := range tab.ConsoleMessages() {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException && m.Type != chromedp.ConsoleWarning {
			continue
		}
		// Chromium asks every site for /favicon.ico; ward has none.
		if m.Source == "network" && (allowed(m.Text, allowStatus) || strings.HasSuffix(m.URL, "/favicon.ico")) {
			continue
		}
		tab.t.Errorf("console %s (%s) at %s: %s", m.Type, m.Source, m.URL, m.Text)
	}
}

func allowed(text string, statuses []string) bool {
	for _, s := range statuses {
		if strings.Contains(text, "status of "+s) {
			return true
		}
	}
	return false
}

// BypassCSP makes the tab ignore pages' Content-Security-Policy, so that a
// script injected into a page would run and be seen rather than be blocked
// in silence: a test of escaping must hold without the policy, which is
// only the second line of defence.
func (tab *Tab) BypassCSP() {
	tab.t.Helper()
	tab.do("bypass CSP", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return chromedp.Void{}, err
	})
}

// injectionAudit lists whatever in the page could run script that ward did
// not write: handler attributes, script elements other than ward's own
// static files, javascript: and data: URLs where a browser follows or loads
// them, frames and plugins, and the canary that payloads set.
const injectionAudit = `function(canary) {
	const out = [];
	if (typeof window[canary] !== 'undefined') out.push('window.' + canary + ' is set: an injected script ran');
	const describe = el => {
		const s = el.outerHTML;
		return s.length > 160 ? s.slice(0, 160) + '…' : s;
	};
	const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'xlink:href', 'poster', 'background', 'ping', 'srcset'];
	for (const el of document.querySelectorAll('*')) {
		const tag = el.tagName.toLowerCase();
		for (const a of el.attributes) {
			const name = a.name.toLowerCase();
			if (name.startsWith('on')) out.push('handler attribute ' + name + ' on ' + describe(el));
			if (urlAttrs.includes(name)) {
				const v = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
				if (v.startsWith('javascript:') || v.startsWith('vbscript:') || (v.startsWith('data:') && tag !== 'img'))
					out.push('script URL in ' + name + ' of ' + describe(el));
			}
		}
		if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) out.push('script element ' + describe(el));
		if (['iframe', 'frame', 'object', 'embed', 'base', 'meta'].includes(tag) && !(tag === 'meta' && !el.hasAttribute('http-equiv')))
			out.push(tag + ' element ' + describe(el));
		if (tag === 'style' || (el.hasAttribute('style') && /expression|url\(|javascript/i.test(el.getAttribute('style'))))
			out.push('injected style ' + describe(el));
	}
	return out;
}`

// AssertNoScriptInjection fails the test when the page holds anything that
// could run script ward did not write (see injectionAudit), when a script
// has opened a dialog (alert, confirm, prompt), or when the browser blocked
// something under the Content-Security-Policy: every one of them means that
// text someone wrote became markup.
func (tab *Tab) AssertNoScriptInjection() {
	tab.t.Helper()
	for _, p := range call[[]string](tab, injectionAudit, Canary) {
		tab.t.Errorf("%s: %s", tab.URL(), p)
	}
	tab.mu.Lock()
	dialogs := append([]string(nil), tab.dialogs...)
	tab.mu.Unlock()
	for _, d := range dialogs {
		tab.t.Errorf("a script opened a dialog: %s", d)
	}
	for _, m := range tab.ConsoleMessages() {
		if strings.Contains(m.Text, "Content Security Policy") {
			tab.t.Errorf("the browser blocked something under the CSP at %s: %s", m.URL, m.Text)
		}
	}
}

// Screenshot saves the whole page as a PNG in the test's screenshot folder
// and logs where.
func (tab *Tab) Screenshot(name string) {
	tab.t.Helper()
	if err := tab.screenshot(name); err != nil {
		tab.t.Fatal(err)
	}
}

func (tab *Tab) screenshot(name string) error {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", name, err)
	}
	if err := os.MkdirAll(tab.dir, 0o755); err != nil {
		return fmt.Errorf("screenshot %s: %w", name, err)
	}
	n := screenshotNumber(tab.dir)
	path := filepath.Join(tab.dir, fmt.Sprintf("%02d-%s.png", n, fileName(name)))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("screenshot %s: %w", name, err)
	}
	tab.t.Logf("screenshot: %s", path)
	return nil
}

// ScreenshotRoot is the folder that holds every test's screenshots:
// WARD_SCREENSHOTS, or ward-screenshots in the temporary directory.
func ScreenshotRoot() string {
	if d := os.Getenv("WARD_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "ward-screenshots")
}

// screenshotDir is the test's own folder under the root, emptied of an
// earlier run's pictures when the test's first tab opens: a test with two
// people in two browsers keeps both's pictures, numbered in the order taken.
func screenshotDir(t *testing.T) string {
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = fileName(p)
	}
	dir := filepath.Join(append([]string{ScreenshotRoot()}, parts...)...)
	if _, seen := shotCounts.LoadOrStore(dir, new(atomic.Int64)); !seen {
		old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	return dir
}

// shotCounts numbers the screenshots of each folder.
var shotCounts sync.Map // dir → *atomic.Int64

func screenshotNumber(dir string) int64 {
	c, _ := shotCounts.LoadOrStore(dir, new(atomic.Int64))
	return c.(*atomic.Int64).Add(1)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string {
	s = strings.Trim(unsafeFileChars.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "page"
	}
	return s
}
