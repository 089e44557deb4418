package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// SingleSignOn is an OpenID Connect provider that members sign in
// through; the oidc package is one.
type SingleSignOn interface {
	// AuthCodeURL is where to send the browser to sign in, with the
	// state, the nonce and the S256 challenge of the PKCE verifier.
	AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Exchange trades the code for an ID token with the verifier, checks
	// it and its nonce, and returns its verified email. EUNAUTHORIZED
	// for a token that fails a check, EFORBIDDEN for a missing or
	// unverified email.
	Exchange(ctx context.Context, code, verifier, nonce string) (string, error)
}

// ssoCookie carries one sign-in from GET /login/oidc to its callback: only
// that path gets it, it lasts ssoLifetime, and it is signed with the
// server's ssoKey, so that it comes back as it was sent. It is readable by
// the browser's owner, which is harmless: its secrets only matter to
// whoever also holds the code the provider sends to that browser.
const (
	ssoCookie   = "ward_sso"
	ssoPath     = "/login/oidc"
	ssoLifetime = 10 * time.Minute
)

var (
	errSSOOff     = ward.Errorf(ward.ENOTFOUND, "Single sign-on is not set up on this ward; sign in with your password.")
	errSSOState   = ward.Errorf(ward.EFORBIDDEN, "This sign-in did not start from this browser, or took longer than 10 minutes. Please start again from the sign-in page.")
	errNotAMember = ward.Errorf(ward.EFORBIDDEN, "Your account is not a member of the team. Ask an admin to add you with the email address your identity provider gave.")
)

// ssoState is the content of the ssoCookie.
type ssoState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"next"`
	Expires  time.Time `json:"exp"`
}

// handleLoginOIDC starts a single sign-on: it keeps a new state, nonce and
// PKCE verifier in the signed cookie and sends the browser to the
// provider.
func (s *Server) handleLoginOIDC(w http.ResponseWriter, r *http.Request) {
	if s.cfg.SSO == nil {
		s.pageError(w, r, errSSOOff)
		return
	}
	st := ssoState{Next: safeNext(r.URL.Query().Get("next")), Expires: s.cfg.Now().Add(ssoLifetime)}
	for _, v := range []*string{&st.State, &st.Nonce, &st.Verifier} {
		b := make([]byte, 32)
		if _, err := io.ReadFull(s.cfg.Random, b); err != nil {
			s.pageError(w, r, fmt.Errorf("single sign-on: random state: %w", err))
			return
		}
		*v = base64.RawURLEncoding.EncodeToString(b) // 43 characters, a valid PKCE verifier
	}
	to, err := s.cfg.SSO.AuthCodeURL(r.Context(), st.State, st.Nonce, st.Verifier)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	value, err := s.signSSOState(st)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: value, Path: ssoPath, MaxAge: int(ssoLifetime.Seconds()),
		Secure: s.secureCookie(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusFound)
}

// handleLoginOIDCCallback finishes a single sign-on: the provider sends the
// browser back with the state and a code. The state must be the cookie's,
// the ID token the code buys must pass the provider's checks, and its
// verified email must be an active member's; then the member gets a
// session as with a password, and goes where they were going.
func (s *Server) handleLoginOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if s.cfg.SSO == nil {
		s.pageError(w, r, errSSOOff)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if !s.loginLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		s.pageError(w, r, errTooManySignIns)
		return
	}
	// The cookie serves one attempt, whatever its outcome.
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: ssoPath, MaxAge: -1,
		Secure: s.secureCookie(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	m, next, err := s.checkSSO(r)
	if err != nil {
		if c := ward.ErrorCode(err); c == ward.EUNAUTHORIZED || c == ward.EFORBIDDEN {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "single sign-on refused",
				slog.String("request_id", ward.RequestIDFromContext(r.Context())), slog.String("address", s.clientAddress(r)),
				slog.String("error", err.Error()))
		}
		s.pageError(w, r, err)
		return
	}
	if err := s.startSession(w, r, m, ward.SignInOIDC); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkSSO returns the active member the callback's request signs in, and
// where to go then.
func (s *Server) checkSSO(r *http.Request) (*ward.Member, string, error) {
	c, err := r.Cookie(ssoCookie)
	if err != nil {
		return nil, "", errSSOState
	}
	st, ok := s.openSSOState(c.Value)
	q := r.URL.Query()
	if !ok || !s.cfg.Now().Before(st.Expires) || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return nil, "", errSSOState
	}
	if e := q.Get("error"); e != "" {
		return nil, "", ward.Errorf(ward.EUNAUTHORIZED, "The identity provider did not sign you in (%s). Please start again from the sign-in page.", e)
	}
	if q.Get("code") == "" {
		return nil, "", ward.Errorf(ward.EUNAUTHORIZED, "The identity provider sent no code. Please start again from the sign-in page.")
	}
	email, err := s.cfg.SSO.Exchange(r.Context(), q.Get("code"), st.Verifier, st.Nonce)
	if err != nil {
		return nil, "", err
	}
	m, _, err := s.cfg.Sessions.FindCredentials(r.Context(), email)
	switch {
	case ward.ErrorCode(err) == ward.ENOTFOUND:
		return nil, "", errNotAMember
	case err != nil:
		return nil, "", err
	case m.Disabled:
		return nil, "", errNotAMember
	}
	return m, st.Next, nil
}

// signSSOState is the cookie value of st: its JSON and that JSON's
// HMAC-SHA256 under ssoKey, both base64url, joined with a dot.
func (s *Server) signSSOState(st ssoState) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("single sign-on: encode state: %w", err)
	}
	mac := hmac.New(sha256.New, s.ssoKey)
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// openSSOState reads a cookie value of signSSOState; false unless this
// server signed it.
func (s *Server) openSSOState(value string) (ssoState, bool) {
	var st ssoState
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return st, false
	}
	b, err1 := base64.RawURLEncoding.DecodeString(payload)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return st, false
	}
	mac := hmac.New(sha256.New, s.ssoKey)
	mac.Write(b)
	if !hmac.Equal(got, mac.Sum(nil)) || json.Unmarshal(b, &st) != nil || st.State == "" {
		return st, false
	}
	return st, true
}
