package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oidc"
	"github.com/wardsec/ward/server"
)

const (
	ssoClientID = "ward-desk"
	ssoSecret   = "s3cret"
	// ssoRedirect is what ward registers with the provider. The test
	// server's own address is only known later, so the fake provider
	// redirects here and the test follows the path and query.
	ssoRedirect = "http://ward.test/login/oidc/callback"
)

// fakeIdP is an OpenID Connect provider on a local test server: discovery,
// keys, an authorization endpoint that grants every request at once, and a
// token endpoint that signs the ID token claims makes.
type fakeIdP struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey
	now func() time.Time

	mu sync.Mutex
	// claims of the next ID token, made from the authorization request's
	// nonce; change changes them before they are signed.
	email  string
	change func(map[string]any)
	grants map[string]url.Values // authorization requests, by the code given for them
	// verifier is the PKCE verifier the last token request sent.
	verifier string
	down     bool // discovery answers 503
}

func newFakeIdP(t testing.TB, now func() time.Time) *fakeIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeIdP{t: t, key: key, now: now, grants: map[string]url.Values{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		u := p.srv.URL
		writeJSONTo(w, map[string]any{"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
			"jwks_uri": u + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTo(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := "code-" + q.Get("state")
		p.mu.Lock()
		p.grants[code] = q
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func writeJSONTo(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// token answers a code it gave with an ID token for p.email.
func (p *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	if err := r.ParseForm(); err != nil || id != ssoClientID || secret != ssoSecret {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSONTo(w, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	grant, ok := p.grants[r.PostForm.Get("code")]
	delete(p.grants, r.PostForm.Get("code"))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != grant.Get("redirect_uri") {
		w.WriteHeader(http.StatusBadRequest)
		writeJSONTo(w, map[string]string{"error": "invalid_grant"})
		return
	}
	p.verifier = r.PostForm.Get("code_verifier")
	now := p.now()
	claims := map[string]any{"iss": p.srv.URL, "aud": ssoClientID, "sub": "user-1", "email": p.email, "email_verified": true,
		"nonce": grant.Get("nonce"), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if p.change != nil {
		p.change(claims)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		p.t.Error(err)
		return
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		p.t.Error(err)
		return
	}
	idToken, _ := jws.CompactSerialize()
	writeJSONTo(w, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}

// newSSOFixture is a fixture whose server signs in through a fake
// provider.
func newSSOFixture(t *testing.T) (*fixture, *fakeIdP) {
	t.Helper()
	var idp *fakeIdP
	f := newFixtureWith(t, func(cfg *server.Config) {
		idp = newFakeIdP(t, cfg.Now)
		cfg.SSO = oidc.New(oidc.Config{Issuer: idp.srv.URL, ClientID: ssoClientID, ClientSecret: ssoSecret,
			RedirectURL: ssoRedirect, Now: cfg.Now})
		cfg.SSOName = "Example SSO"
	})
	return f, idp
}

// ssoStart follows the sign-in button to the provider and returns the
// authorization request and where the provider sends the browser back.
func (b *browser) ssoStart(next string) (authorize url.Values, callback string) {
	b.f.t.Helper()
	resp, _ := b.get("/login/oidc?next=" + url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		b.f.t.Fatalf("GET /login/oidc: %d, want 302", resp.StatusCode)
	}
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.f.t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	back, err := noFollow.Get(to.String())
	if err != nil {
		b.f.t.Fatal(err)
	}
	back.Body.Close()
	u, err := url.Parse(back.Header.Get("Location"))
	if err != nil || back.StatusCode != http.StatusFound || u.Path != "/login/oidc/callback" {
		b.f.t.Fatalf("the provider answered %d, Location %q", back.StatusCode, back.Header.Get("Location"))
	}
	return to.Query(), u.RequestURI()
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "ward_session" && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestSignInWithSSO(t *testing.T) {
	f, idp := newSSOFixture(t)
	idp.email = "Triager@Example.org"
	b := f.browser()

	if _, body := b.get("/login"); !strings.Contains(body, "Sign in with Example SSO") || !strings.Contains(body, `action="/login/oidc"`) {
		t.Errorf("the login page has no single sign-on button:\n%s", body)
	}
	resp, _ := b.get("/login/oidc?next=%2Freports")
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ward_sso" {
			state = c
		}
	}
	if state == nil || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.Path != "/login/oidc" || state.Secure ||
		state.MaxAge != 600 {
		t.Errorf("state cookie %+v: want HttpOnly, SameSite=Lax, Path=/login/oidc, 10 minutes, not Secure on plain HTTP to 127.0.0.1", state)
	}

	authorize, callback := b.ssoStart("/reports")
	for k, want := range map[string]string{"client_id": ssoClientID, "redirect_uri": ssoRedirect, "response_type": "code",
		"code_challenge_method": "S256"} {
		if got := authorize.Get(k); got != want {
			t.Errorf("authorization request's %s: %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(authorize.Get("scope"), "openid") || !strings.Contains(authorize.Get("scope"), "email") {
		t.Errorf("scope %q: want openid and email", authorize.Get("scope"))
	}
	if authorize.Get("state") == "" || authorize.Get("nonce") == "" || authorize.Get("state") == authorize.Get("nonce") {
		t.Errorf("state %q, nonce %q: want two different secrets", authorize.Get("state"), authorize.Get("nonce"))
	}
	resp, body := b.get(callback)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports" {
		t.Fatalf("callback: %d, Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), alertText(body))
	}
	if sessionCookieOf(resp) == nil {
		t.Error("no session cookie")
	}
	sum := sha256.Sum256([]byte(idp.verifier))
	if idp.verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != authorize.Get("code_challenge") {
		t.Errorf("PKCE: verifier %q does not match the challenge %q", idp.verifier, authorize.Get("code_challenge"))
	}
	if got := b.signedInAs(); got != "triager@example.org" {
		t.Errorf("signed in as %q", got)
	}
	es, _ := f.db.FindAuditEntries(context.Background(), ward.AuditFilter{Actor: "member:triager@example.org"})
	if len(es) == 0 || es[0].Action != "session.sign_in" || !strings.Contains(string(mustJSON(t, es[0])), `"oidc"`) {
		t.Errorf("audit: want session.sign_in, how oidc: %s", mustJSON(t, es))
	}

	t.Run("the state cookie serves once", func(t *testing.T) {
		resp, _ := b.get(callback)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("the same callback again: %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the address's sign-in limit", func(t *testing.T) {
		statuses := map[int]int{}
		for range 12 {
			resp, _ := b.get("/login/oidc/callback?state=guess&code=guess")
			statuses[resp.StatusCode]++
		}
		if statuses[http.StatusTooManyRequests] == 0 {
			t.Errorf("12 callbacks at once: %v, want 429 for some", statuses)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignInWithSSORefused holds every refusal to its status, and to no
// session.
func TestSignInWithSSORefused(t *testing.T) {
	f, idp := newSSOFixture(t)
	admin := f.tokens[ward.RoleAdmin]
	if resp, _ := f.do("PATCH", "/api/v1/members/viewer@example.org", admin, jsonType, `{"disabled":true}`); resp.StatusCode != 200 {
		t.Fatalf("disable the viewer: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		name   string
		email  string
		change func(map[string]any)
		// callback changes the callback's query
		callback func(b *browser, q url.Values) *browser
		want     int
		says     string
		logged   string // why, in the log, when the page does not say
	}{
		{name: "wrong state", email: "triager@example.org", want: 403, says: "did not start from this browser",
			callback: func(b *browser, q url.Values) *browser { q.Set("state", "forged"); return b }},
		{name: "another browser", email: "triager@example.org", want: 403, says: "did not start from this browser",
			callback: func(b *browser, q url.Values) *browser { return b.f.browser() }},
		{name: "missing nonce", email: "triager@example.org", want: 401, says: "could not be verified", logged: "nonce is not this sign-in's",
			change: func(c map[string]any) { delete(c, "nonce") }},
		{name: "another nonce", email: "triager@example.org", want: 401, says: "could not be verified", logged: "nonce is not this sign-in's",
			change: func(c map[string]any) { c["nonce"] = "someone-elses" }},
		{name: "expired", email: "triager@example.org", want: 401, says: "could not be verified", logged: "token is expired",
			change: func(c map[string]any) { c["exp"] = f.clock.Now().Add(-time.Minute).Unix() }},
		{name: "another audience", email: "triager@example.org", want: 401, says: "could not be verified", logged: "expected audience",
			change: func(c map[string]any) { c["aud"] = "another-app" }},
		{name: "another issuer", email: "triager@example.org", want: 401, says: "could not be verified", logged: "issued by a different provider",
			change: func(c map[string]any) { c["iss"] = "https://evil.example" }},
		{name: "unverified email", email: "triager@example.org", want: 403, says: "has not verified the email",
			change: func(c map[string]any) { c["email_verified"] = false }},
		{name: "no email_verified", email: "triager@example.org", want: 403, says: "has not verified the email",
			change: func(c map[string]any) { delete(c, "email_verified") }},
		{name: "no email", want: 403, says: "gave no email"},
		{name: "unknown member", email: "stranger@example.org", want: 403, says: "not a member of the team"},
		{name: "disabled member", email: "viewer@example.org", want: 403, says: "not a member of the team"},
		{name: "the provider refused", email: "triager@example.org", want: 401, says: "did not sign you in",
			callback: func(b *browser, q url.Values) *browser { q.Del("code"); q.Set("error", "access_denied"); return b }},
	} {
		t.Run(c.name, func(t *testing.T) {
			idp.mu.Lock()
			idp.email, idp.change = c.email, c.change
			idp.mu.Unlock()
			b := f.browser()
			_, callback := b.ssoStart("/")
			if c.callback != nil {
				u, _ := url.Parse(callback)
				q := u.Query()
				b = c.callback(b, q)
				u.RawQuery = q.Encode()
				callback = u.RequestURI()
			}
			f.clock.Advance(time.Minute) // a sign-in's worth of the address's limit
			logged := len(f.logs.String())
			resp, body := b.get(callback)
			if resp.StatusCode != c.want || !strings.Contains(body, c.says) {
				t.Errorf("callback: %d, want %d saying %q\n%s", resp.StatusCode, c.want, c.says, alertText(body))
			}
			if !strings.Contains(f.logs.String()[logged:], c.logged) {
				t.Errorf("the log does not say %q", c.logged)
			}
			if sessionCookieOf(resp) != nil || b.signedInAs() != "" {
				t.Error("refused, yet signed in")
			}
		})
	}
}

func TestSignInWithSSOOff(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	if _, body := b.get("/login"); strings.Contains(body, "/login/oidc") {
		t.Errorf("the login page offers single sign-on that is not set up:\n%s", body)
	}
	for _, path := range []string{"/login/oidc", "/login/oidc/callback?code=c&state=s"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestSignInWithSSOProviderDown: a provider that does not answer is 503,
// and discovery is tried again once it does.
func TestSignInWithSSOProviderDown(t *testing.T) {
	f, idp := newSSOFixture(t)
	idp.mu.Lock()
	idp.down = true
	idp.mu.Unlock()
	b := f.browser()
	resp, body := b.get("/login/oidc")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "does not answer") {
		t.Errorf("provider down: %d, want 503\n%s", resp.StatusCode, alertText(body))
	}
	idp.mu.Lock()
	idp.down = false
	idp.mu.Unlock()
	if resp, _ := b.get("/login/oidc"); resp.StatusCode != http.StatusFound {
		t.Errorf("provider up again: %d, want 302", resp.StatusCode)
	}
}

// TestSSOCookieSecureBehindProxy: the state cookie follows the session
// cookie's rule, Secure with an https public URL whatever the Host.
func TestSSOCookieSecureBehindProxy(t *testing.T) {
	f := newFixtureWith(t, func(cfg *server.Config) {
		idp := newFakeIdP(t, cfg.Now)
		cfg.SSO = oidc.New(oidc.Config{Issuer: idp.srv.URL, ClientID: ssoClientID, ClientSecret: ssoSecret,
			RedirectURL: ssoRedirect, Now: cfg.Now})
		cfg.PublicURL = "https://ward.example.org"
	})
	req, _ := http.NewRequest("GET", f.srv.URL+"/login/oidc", nil)
	req.Host = "127.0.0.1:8080"
	resp, err := f.browser().client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if len(cs) != 1 || cs[0].Name != "ward_sso" || !cs[0].Secure {
		t.Errorf("%d, cookies %v, want a Secure ward_sso", resp.StatusCode, cs)
	}
}
