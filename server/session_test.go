package server_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/auth"
	"github.com/wardsec/ward/server"
)

// browser is a client with cookies that does not follow redirects, so that
// each answer can be looked at.
type browser struct {
	f      *fixture
	client *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) send(method, path string, form url.Values) (*http.Response, string) {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *browser) get(path string) (*http.Response, string) { return b.send("GET", path, nil) }

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	return b.send("POST", path, form)
}

// signIn signs in with the password (and code) and expects to be let in.
func (b *browser) signIn(email, password, code string) {
	b.f.t.Helper()
	resp, body := b.post("/login", url.Values{"email": {email}, "password": {password}, "code": {code}})
	if resp.StatusCode != http.StatusSeeOther {
		b.f.t.Fatalf("sign in as %s: %d\n%s", email, resp.StatusCode, body)
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the form token from the account page.
func (b *browser) csrf() string {
	b.f.t.Helper()
	resp, body := b.get("/account")
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		b.f.t.Fatalf("account page: %d, no form token\n%s", resp.StatusCode, body)
	}
	return m[1]
}

// signedInAs reports whose account page the browser sees, or "".
func (b *browser) signedInAs() string {
	resp, body := b.get("/account")
	if resp.StatusCode != 200 {
		return ""
	}
	m := regexp.MustCompile(`&lt;([^&]+)&gt;`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

const password = "correct horse battery"

func (f *fixture) setPassword(email, pw string) {
	f.t.Helper()
	h, err := auth.HashPassword(pw, rand.Reader, auth.DefaultParams)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.SetPassword(context.Background(), email, h); err != nil {
		f.t.Fatal(err)
	}
}

func TestSignInWithPassword(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	b := f.browser()

	resp, _ := b.get("/account?tab=1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Faccount%3Ftab%3D1" {
		t.Fatalf("signed out: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get("/login?next=%2Faccount%3Ftab%3D1")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="next" value="/account?tab=1"`) {
		t.Fatalf("login page: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = b.post("/login", url.Values{"email": {"Triager@Example.org"}, "password": {password}, "next": {"/account?tab=1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?tab=1" {
		t.Fatalf("sign in: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ward_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure ||
		!strings.HasPrefix(cookie.Value, "wardses_") || cookie.MaxAge != int(ward.SessionLifetime.Seconds()) {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, 12 hours, and not Secure on plain HTTP to 127.0.0.1", cookie)
	}
	if got := b.signedInAs(); got != "triager@example.org" {
		t.Errorf("signed in as %q", got)
	}
	resp, _ = b.get("/account")
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if logs := f.logs.String(); !strings.Contains(logs, "actor=member:triager@example.org") {
		t.Errorf("the access log names no actor:\n%s", logs)
	}
	es, _ := f.db.FindAuditEntries(context.Background(), ward.AuditFilter{Actor: "member:triager@example.org"})
	if len(es) == 0 || es[0].Action != "session.sign_in" {
		t.Errorf("audit: %+v", es)
	}

	t.Run("a new sign-in is a new session", func(t *testing.T) {
		before := cookie.Value
		b.signIn("triager@example.org", password, "")
		u, _ := url.Parse(f.srv.URL)
		cs := b.client.Jar.Cookies(u)
		if len(cs) != 1 || cs[0].Value == before {
			t.Errorf("cookies %v: want a new secret", cs)
		}
		if _, _, err := f.db.AuthenticateSession(context.Background(), before); ward.ErrorCode(err) != ward.EUNAUTHORIZED {
			t.Errorf("the session before: %v, want ended", err)
		}
	})
}

func TestSignInRefusals(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	f.setPassword("viewer@example.org", password)
	yes := true
	if _, err := f.db.UpdateMember(context.Background(), "viewer@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	var message string
	for _, tt := range []struct{ name, email, password string }{
		{"wrong password", "triager@example.org", password + "!"},
		{"unknown email", "nobody@example.org", password},
		{"no password set", "admin@example.org", ""},
		{"disabled member", "viewer@example.org", password},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.post("/login", url.Values{"email": {tt.email}, "password": {tt.password}})
			m := regexp.MustCompile(`role="alert">([^<]+)<`).FindStringSubmatch(body)
			if resp.StatusCode != http.StatusUnauthorized || m == nil {
				t.Fatalf("%d\n%s", resp.StatusCode, body)
			}
			if message == "" {
				message = m[1]
			} else if m[1] != message {
				t.Errorf("message %q differs from %q", m[1], message)
			}
			if !strings.Contains(body, `value="`+tt.email+`"`) || strings.Contains(body, tt.password+`"`) && tt.password != "" {
				t.Errorf("the form keeps the email, never the password:\n%s", body)
			}
			if resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("a cookie for a refused sign-in")
			}
		})
	}
	t.Run("a form from another site", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader("email=triager%40example.org&password=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("%d, want 403", r.StatusCode)
		}
	})
}

func TestSignInRateLimits(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	b := f.browser()
	wrong := url.Values{"email": {"triager@example.org"}, "password": {"wrong password!"}}
	for i := range 5 {
		if resp, _ := b.post("/login", wrong); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	// The account is locked for everyone, even with the right password.
	resp, body := b.post("/login", url.Values{"email": {"Triager@example.org"}, "password": {password}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "this account") {
		t.Fatalf("the sixth try: %d\n%s", resp.StatusCode, body)
	}
	f.clock.Advance(time.Minute)
	b.signIn("triager@example.org", password, "")

	// From one address: ten attempts, whatever the emails; seven are
	// spent, and a minute gave one back.
	for i := range 4 {
		b.post("/login", url.Values{"email": {"other" + string(rune('a'+i)) + "@example.org"}, "password": {"x"}})
	}
	if resp, body := b.post("/login", url.Values{"email": {"x@example.org"}, "password": {"x"}}); resp.StatusCode != http.StatusTooManyRequests ||
		!strings.Contains(body, "your address") {
		t.Errorf("the eleventh attempt from one address: %d\n%s", resp.StatusCode, body)
	}
}

// TestSignInEmailLimitInParallel sends wrong passwords for one email all
// at once: the email's limit must hold while argon2 runs, so that no more
// than its burst are checked and the rest are refused.
func TestSignInEmailLimitInParallel(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	const tries = 10
	statuses := make(chan int, tries)
	var wg sync.WaitGroup
	for range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each from a browser of its own; all share the test's address,
			// whose limit (ten) lets every one through to the email's.
			resp, _ := f.browser().post("/login", url.Values{"email": {"triager@example.org"}, "password": {"wrong password!"}})
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	checked, limited := 0, 0
	for st := range statuses {
		switch st {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Errorf("status %d", st)
		}
	}
	if checked > 5 || checked+limited != tries {
		t.Errorf("%d passwords checked, %d refused; want at most 5 checked", checked, limited)
	}
}

func TestSignInWithTOTP(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	b := f.browser()
	b.signIn("triager@example.org", password, "")
	token := b.csrf()

	resp, _ := b.post("/account", url.Values{"_csrf": {token}, "action": {"totp_setup"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set up: %d", resp.StatusCode)
	}
	_, page := b.get("/account?done=totp_setup")
	uri := regexp.MustCompile(`otpauth://totp/[^<]+`).FindString(page)
	if uri == "" || !strings.Contains(page, `<img src="/account/totp.png"`) {
		t.Fatalf("no key on the page:\n%s", page)
	}
	u, _ := url.Parse(strings.ReplaceAll(uri, "&amp;", "&"))
	secret := u.Query().Get("secret")
	if resp, png := b.get("/account/totp.png"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
		t.Errorf("QR code: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	code := func() string {
		c, err := auth.TOTPCode(secret, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if resp, body := b.post("/account", url.Values{"_csrf": {token}, "action": {"totp_confirm"}, "code": {"000000"}}); resp.StatusCode != 422 {
		t.Errorf("a wrong confirmation code: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := b.post("/account", url.Values{"_csrf": {token}, "action": {"totp_confirm"}, "code": {code()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}

	other := f.browser()
	for _, tt := range []struct{ name, code string }{{"no code", ""}, {"a wrong code", "123456"}, {"the code used to confirm", code()}} {
		resp, body := other.post("/login", url.Values{"email": {"triager@example.org"}, "password": {password}, "code": {tt.code}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The email or password is wrong") {
			t.Errorf("%s: %d\n%s", tt.name, resp.StatusCode, body)
		}
	}
	f.clock.Advance(30 * time.Second)
	c := code()
	other.signIn("triager@example.org", password, c)
	third := f.browser()
	if resp, _ := third.post("/login", url.Values{"email": {"triager@example.org"}, "password": {password}, "code": {c}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a code used twice: %d", resp.StatusCode)
	}

	f.clock.Advance(30 * time.Second)
	if resp, _ := b.post("/account", url.Values{"_csrf": {b.csrf()}, "action": {"totp_disable"}, "code": {code()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	third.signIn("triager@example.org", password, "")
}

func TestSessionEnds(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)

	t.Run("after two idle hours", func(t *testing.T) {
		b := f.browser()
		b.signIn("triager@example.org", password, "")
		f.clock.Advance(ward.SessionIdle)
		if got := b.signedInAs(); got != "" {
			t.Errorf("signed in as %q after two idle hours", got)
		}
	})
	t.Run("twelve hours after signing in", func(t *testing.T) {
		b := f.browser()
		b.signIn("triager@example.org", password, "")
		for range 11 {
			f.clock.Advance(time.Hour)
			if got := b.signedInAs(); got == "" {
				t.Fatalf("signed out after %v", f.clock.Now())
			}
		}
		f.clock.Advance(time.Hour)
		if got := b.signedInAs(); got != "" {
			t.Errorf("signed in as %q after 12 hours", got)
		}
	})
	t.Run("signing out needs the form token", func(t *testing.T) {
		b := f.browser()
		b.signIn("triager@example.org", password, "")
		for _, form := range []url.Values{{}, {"_csrf": {"wrong"}}} {
			if resp, _ := b.post("/logout", form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("sign out with %v: %d, want 403", form, resp.StatusCode)
			}
		}
		if b.signedInAs() == "" {
			t.Fatal("signed out without the form token")
		}
		resp, _ := b.post("/logout", url.Values{"_csrf": {b.csrf()}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("sign out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := b.signedInAs(); got != "" {
			t.Errorf("signed in as %q after signing out", got)
		}
		if resp, _ := b.post("/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a post without a session: %d, want 403", resp.StatusCode)
		}
	})
	t.Run("signing out everywhere", func(t *testing.T) {
		one, two := f.browser(), f.browser()
		one.signIn("triager@example.org", password, "")
		two.signIn("triager@example.org", password, "")
		if resp, _ := one.post("/logout/everywhere", url.Values{"_csrf": {one.csrf()}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", resp.StatusCode)
		}
		if one.signedInAs() != "" || two.signedInAs() != "" {
			t.Errorf("still signed in somewhere")
		}
	})
	t.Run("a disabled member's session", func(t *testing.T) {
		f.setPassword("responder@example.org", password)
		b := f.browser()
		b.signIn("responder@example.org", password, "")
		yes := true
		if _, err := f.db.UpdateMember(context.Background(), "responder@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if got := b.signedInAs(); got != "" {
			t.Errorf("a disabled member is still signed in")
		}
	})
	t.Run("a new password ends the others but keeps this browser", func(t *testing.T) {
		one, two := f.browser(), f.browser()
		one.signIn("triager@example.org", password, "")
		two.signIn("triager@example.org", password, "")
		const next = "another long password"
		form := url.Values{"_csrf": {one.csrf()}, "action": {"password"}, "current": {"not it at all"}, "new": {next}, "confirm": {next}}
		if resp, body := one.post("/account", form); resp.StatusCode != 422 || !strings.Contains(body, "current password") {
			t.Errorf("a wrong current password: %d\n%s", resp.StatusCode, body)
		}
		form.Set("current", password)
		if resp, _ := one.post("/account", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change: %d", resp.StatusCode)
		}
		if one.signedInAs() != "triager@example.org" || two.signedInAs() != "" {
			t.Errorf("after the change: this browser %q, the other %q", one.signedInAs(), two.signedInAs())
		}
		f.browser().signIn("triager@example.org", next, "")
	})
}

func TestSignInLink(t *testing.T) {
	f := newFixture(t)
	secret, err := f.db.CreateSignInLink(context.Background(), "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	// Opening the link (as a mail scanner or a link preview does) only
	// asks; it uses nothing.
	for range 2 {
		resp, body := b.get("/login/link/" + secret)
		if resp.StatusCode != 200 || !strings.Contains(body, "Sign in as admin?") ||
			!strings.Contains(body, `<form method="post" action="/login/link/`+secret+`">`) {
			t.Fatalf("link page: %d\n%s", resp.StatusCode, body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || len(resp.Cookies()) != 0 {
			t.Errorf("link page: Cache-Control %q, cookies %v", resp.Header.Get("Cache-Control"), resp.Cookies())
		}
	}
	if got := b.signedInAs(); got != "" {
		t.Fatalf("opening the link signed in as %q", got)
	}
	// Another site cannot press the button.
	req, _ := http.NewRequest("POST", f.srv.URL+"/login/link/"+secret, nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := b.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site post: %v, %v", resp, err)
	}
	resp, _ := b.post("/login/link/"+secret, url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("link: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := b.signedInAs(); got != "admin@example.org" {
		t.Errorf("signed in as %q", got)
	}
	if resp, _ := f.browser().post("/login/link/"+secret, url.Values{}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the link again: %d, want 401", resp.StatusCode)
	}
	if resp, _ := f.browser().get("/login/link/" + secret); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the used link's page: %d, want 401", resp.StatusCode)
	}
	if strings.Contains(f.logs.String(), secret[len("wardlink_"):]) {
		t.Errorf("the access log holds the link's secret")
	}
}

func TestSignInNext(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	for next, want := range map[string]string{
		"/account":              "/account",
		"/reports?state=new":    "/reports?state=new",
		"":                      "/",
		"//evil.example":        "/",
		`/\evil.example`:        "/",
		"/\t/evil.example":      "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"evil.example":          "/",
	} {
		resp, _ := f.browser().post("/login", url.Values{"email": {"triager@example.org"}, "password": {password}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next %q: Location %q, want %q", next, got, want)
		}
		f.clock.Advance(time.Minute) // within the address's limit
	}
}

func TestSessionCookieSecure(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	for host, secure := range map[string]bool{"127.0.0.1": false, "localhost:8080": false, "[::1]:8080": false, "ward.example.org": true, "10.0.0.5:8080": true} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(url.Values{"email": {"triager@example.org"}, "password": {password}}.Encode()))
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := f.browser().client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cs := resp.Cookies()
		if len(cs) != 1 || cs[0].Secure != secure || cs[0].Name != cookieName(secure) {
			t.Errorf("Host %s: %d, cookies %v, want Secure %t", host, resp.StatusCode, cs, secure)
			continue
		}
		// The cookie signs in under its name, on the same host.
		req, _ = http.NewRequest("GET", f.srv.URL+"/account", nil)
		req.Host = host
		req.AddCookie(&http.Cookie{Name: cs[0].Name, Value: cs[0].Value})
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("Host %s: the cookie %s does not sign in: %v %v", host, cs[0].Name, resp, err)
		} else {
			resp.Body.Close()
		}
		f.clock.Advance(time.Minute)
	}
}

// TestSessionCookieSecureBehindProxy: a proxy that ends TLS often sends
// its own idea of the host (nginx's default is the upstream's,
// 127.0.0.1:8080); with an https public URL the cookie is Secure anyway.
func TestSessionCookieSecureBehindProxy(t *testing.T) {
	for publicURL, secure := range map[string]bool{"https://ward.example.org": true, "http://127.0.0.1:8080": false, "": false} {
		f := newFixtureWith(t, func(c *server.Config) { c.PublicURL = publicURL })
		f.setPassword("triager@example.org", password)
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(url.Values{"email": {"triager@example.org"}, "password": {password}}.Encode()))
		req.Host = "127.0.0.1:8080"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := f.browser().client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cs := resp.Cookies()
		if len(cs) != 1 || cs[0].Secure != secure || cs[0].Name != cookieName(secure) {
			t.Errorf("public URL %q: %d, cookies %v, want Secure %t", publicURL, resp.StatusCode, cs, secure)
		}
	}
}

// TestAccountTOTPLimit: codes on /account are guessed as passwords are,
// and count against the member's email in the same limit.
func TestAccountTOTPLimit(t *testing.T) {
	f := newFixture(t)
	f.setPassword("triager@example.org", password)
	b := f.browser()
	b.signIn("triager@example.org", password, "")
	token := b.csrf()
	if resp, _ := b.post("/account", url.Values{"_csrf": {token}, "action": {"totp_setup"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set up: %d", resp.StatusCode)
	}
	_, c, err := f.db.FindCredentials(context.Background(), "triager@example.org")
	if err != nil {
		t.Fatal(err)
	}
	wrong := func(action string) url.Values {
		return url.Values{"_csrf": {token}, "action": {action}, "code": {"000000"}}
	}
	for _, action := range []string{"totp_confirm", "totp_disable"} {
		for i := range 5 {
			if resp, _ := b.post("/account", wrong(action)); resp.StatusCode != 422 {
				t.Fatalf("%s: wrong code %d: %d, want 422", action, i+1, resp.StatusCode)
			}
		}
		if resp, _ := b.post("/account", wrong(action)); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("%s: the sixth wrong code: %d, want 429", action, resp.StatusCode)
		}
		f.clock.Advance(5 * time.Minute)
		if action == "totp_confirm" {
			code, err := auth.TOTPCode(c.TOTPPending, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if resp, _ := b.post("/account", url.Values{"_csrf": {token}, "action": {action}, "code": {code}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirm: %d", resp.StatusCode)
			}
		}
	}
}

// TestSignInRehashesPassword: a hash made at other costs is replaced on
// a successful sign-in, without ending the session it started.
func TestSignInRehashesPassword(t *testing.T) {
	f := newFixture(t)
	fast, err := auth.HashPassword(password, rand.Reader, auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetPassword(context.Background(), "triager@example.org", fast); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.signIn("triager@example.org", password, "")
	_, c, err := f.db.FindCredentials(context.Background(), "triager@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if c.PasswordHash == fast || auth.NeedsRehash(c.PasswordHash, auth.DefaultParams) || !auth.VerifyPassword(password, c.PasswordHash) {
		t.Errorf("after signing in the hash is %q, want the password at the default costs", c.PasswordHash)
	}
	if got := b.signedInAs(); got != "triager@example.org" {
		t.Errorf("after the rehash signed in as %q", got)
	}
}

// cookieName is the session cookie's name: with the __Host- prefix when
// it is Secure.
func cookieName(secure bool) string {
	if secure {
		return "__Host-ward_session"
	}
	return "ward_session"
}
