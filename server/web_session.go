package server

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/auth"
)

// sessionCookie holds a web desk session's secret. Where the cookie is
// Secure its name has the __Host- prefix, which browsers accept only from
// HTTPS, for Path=/ and without a Domain: a neighbour host or a plain-HTTP
// page cannot plant one to fix a session. On plain HTTP to a loopback
// host the prefix would make browsers drop it, so the name is plain.
const (
	sessionCookie       = "ward_session"
	secureSessionCookie = "__Host-" + sessionCookie
)

// sessionCookieName is the session cookie's name for the request.
func (s *Server) sessionCookieName(r *http.Request) string {
	if s.secureCookie(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

// Sign-in limits: ten attempts from one address at once, then one a
// minute; and five failures for one email, from wherever, then one a
// minute, so that spreading guesses over many addresses gains nothing.
// The email's token is taken before the password is checked and given
// back if it was right: taken after a failure, parallel requests would
// all be checked before any failure was counted. The email's limit
// counts addresses that are no member's too, so that it tells nothing
// about who is one.
const (
	loginEvery      = time.Minute
	loginBurst      = 10
	loginEmailEvery = time.Minute
	loginEmailBurst = 5
)

var (
	// errSignIn is every refusal of an email, password and code alike,
	// so that it tells nothing about which was wrong or who is a member.
	errSignIn          = ward.Errorf(ward.EUNAUTHORIZED, "The email or password is wrong (or the code, if you use an authenticator app).")
	errTooManySignIns  = ward.Errorf(ward.ERATELIMIT, "Too many sign-in attempts from your address. Please wait a minute and try again.")
	errTooManyFailures = ward.Errorf(ward.ERATELIMIT, "Too many failed sign-ins for this account. Please wait a minute and try again.")
	errSignInFirst     = ward.Errorf(ward.EFORBIDDEN, "You are not signed in, or your session has ended. Sign in and send it again.")
	errFormToken       = ward.Errorf(ward.EFORBIDDEN, "This form has expired or did not come from ward. Open the page again and send it from there.")
)

type sessionKey struct{}

// sessionFromContext returns the session that signedIn has put into the
// context, or nil.
func sessionFromContext(ctx context.Context) *ward.Session {
	s, _ := ctx.Value(sessionKey{}).(*ward.Session)
	return s
}

// signedIn requires a web desk session. It puts the member into the
// context as the actor, and under memberKey as authenticated does, and
// marks the answer not to be cached. Without a valid session a GET is sent
// to sign in and back; anything else is refused (403), since what it sent
// cannot be carried through signing in.
func (s *Server) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		m, sess, err := s.currentSession(r)
		if err != nil {
			if ward.ErrorCode(err) != ward.EUNAUTHORIZED {
				s.pageError(w, r, err)
				return
			}
			if _, cerr := r.Cookie(s.sessionCookieName(r)); cerr == nil {
				s.clearSessionCookie(w, r)
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
				return
			}
			s.pageError(w, r, errSignInFirst)
			return
		}
		actor := ward.Actor{Kind: ward.ActorMember, Email: m.Email, Role: m.Role}
		if rec, ok := w.(*statusRecorder); ok {
			rec.actor = actor.String()
		}
		ctx := context.WithValue(ward.NewContextWithActor(r.Context(), actor), memberKey{}, m)
		next(w, r.WithContext(context.WithValue(ctx, sessionKey{}, sess)))
	}
}

// currentSession is the member and session of the request's cookie, or
// EUNAUTHORIZED.
func (s *Server) currentSession(r *http.Request) (*ward.Member, *ward.Session, error) {
	c, err := r.Cookie(s.sessionCookieName(r))
	if err != nil || c.Value == "" {
		return nil, nil, ward.Errorf(ward.EUNAUTHORIZED, "not signed in")
	}
	return s.cfg.Sessions.AuthenticateSession(r.Context(), c.Value)
}

// formToken is the signed-in session's form token, for every form that
// changes something: <input type="hidden" name="_csrf" value="...">. It is
// "" outside signedIn.
func (s *Server) formToken(r *http.Request) string {
	if sess := sessionFromContext(r.Context()); sess != nil {
		return sess.CSRF
	}
	return ""
}

// checkForm reads a signed-in page's form post as readForm does (from this
// site, within the body limit), and requires the session's form token in
// its _csrf field: EFORBIDDEN otherwise.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.readForm(w, r); err != nil {
		return err
	}
	sess := sessionFromContext(r.Context())
	got := r.PostForm.Get("_csrf")
	if sess == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
		return errFormToken
	}
	return nil
}

// safeNext is where to go after signing in: next if it is a path on this
// site, else "/". A path must start with one "/": "//host" and "/\host"
// are other sites to browsers, and browsers drop tabs and line breaks
// from URLs, so "/\t/host" would be one too.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) || len(next) > 2048 {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// secureCookie says whether ward's cookies (the session's, single sign-on's)
// are marked Secure. When the public URL is https they always are: behind
// a proxy that ends TLS, requests come as plain HTTP, often for the
// proxy's own idea of the host (nginx sends 127.0.0.1:8080 unless told
// otherwise), so the request cannot tell. Otherwise they are Secure except
// for plain HTTP to a loopback host (localhost, 127.0.0.1, ::1), where
// browsers would drop a Secure cookie and nobody can listen in, so that
// `ward serve` works on a laptop without TLS.
func (s *Server) secureCookie(r *http.Request) bool {
	if r.TLS != nil || s.publicHTTPS {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string, sess *ward.Session) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(r), Value: secret, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), Secure: s.secureCookie(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(r), Value: "", Path: "/", MaxAge: -1,
		Secure: s.secureCookie(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// startSession signs the member in with a new session, each time a new
// secret, and ends the one the browser held before, if any. how is
// recorded in the audit log.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, m *ward.Member, how ward.SignInMethod) error {
	ctx := ward.NewContextWithActor(r.Context(), ward.Actor{Kind: ward.ActorMember, Email: m.Email, Role: m.Role})
	if c, err := r.Cookie(s.sessionCookieName(r)); err == nil && c.Value != "" {
		if err := s.cfg.Sessions.EndSession(ctx, c.Value); err != nil {
			return err
		}
	}
	sess, secret, err := s.cfg.Sessions.CreateSession(ctx, m.Email, how, r.UserAgent(), s.clientAddress(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, secret, sess)
	return nil
}

// loginPage is the sign-in form, empty or with why it was refused. SSO
// names the single sign-on provider for its button; "" when there is
// none.
type loginPage struct {
	Email, Next, Error, SSO string
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "login", s.loginPage(loginPage{Next: safeNext(r.URL.Query().Get("next"))}))
}

// loginPage completes p with what every rendering of the form shows.
func (s *Server) loginPage(p loginPage) loginPage {
	if s.cfg.SSO != nil {
		p.SSO = s.cfg.SSOName
	}
	return p
}

// handleLoginPost signs in with an email, a password and, for members who
// have turned it on, a TOTP code; then sends the browser where it was
// going (post, redirect, get).
func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	p := loginPage{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"))}
	refuse := func(err error) {
		if _, status, ok := s.failure(w, r, err); ok {
			p.Error = ward.ErrorMessage(err)
			s.page(w, r, status, "login", s.loginPage(p))
		}
	}
	now := s.cfg.Now()
	if !s.loginLimit.allow(s.clientAddress(r), now) {
		refuse(errTooManySignIns)
		return
	}
	if !s.emailLimit.allow(strings.ToLower(p.Email), now) {
		refuse(errTooManyFailures)
		return
	}
	m, err := s.checkSignIn(r.Context(), p.Email, r.PostForm.Get("password"), r.PostForm.Get("code"), now)
	if err != nil {
		if ward.ErrorCode(err) == ward.EUNAUTHORIZED {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "sign-in refused",
				slog.String("request_id", ward.RequestIDFromContext(r.Context())), slog.String("address", s.clientAddress(r)))
		}
		refuse(err)
		return
	}
	s.emailLimit.refund(strings.ToLower(p.Email), now)
	if err := s.startSession(w, r, m, ward.SignInPassword); err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// checkSignIn returns the member whose password, and code if they use one,
// these are; errSignIn for anything wrong. An unknown email and a member
// without a password cost as much time as a wrong password.
func (s *Server) checkSignIn(ctx context.Context, email, password, code string, now time.Time) (*ward.Member, error) {
	m, c, err := s.cfg.Sessions.FindCredentials(ctx, email)
	if err != nil && ward.ErrorCode(err) != ward.ENOTFOUND {
		return nil, err
	}
	hash := ""
	if err == nil {
		hash = c.PasswordHash
	}
	if !auth.VerifyPassword(password, hash) || m.Disabled {
		return nil, errSignIn
	}
	if c.TOTP() {
		step, ok := auth.MatchTOTP(c.TOTPSecret, code, now, c.TOTPLastStep)
		if !ok {
			return nil, errSignIn
		}
		if err := s.cfg.Sessions.UseTOTPStep(ctx, m.Email, step); err != nil {
			if ward.ErrorCode(err) == ward.ECONFLICT {
				return nil, errSignIn
			}
			return nil, err
		}
	}
	s.rehashPassword(ctx, m.Email, password, c.PasswordHash)
	return m, nil
}

// rehashPassword stores the password, just checked against hash, hashed
// at today's costs if hash was made with others, so that raising the
// costs reaches every member as they sign in. A failure is logged, not
// shown: the sign-in itself is good.
func (s *Server) rehashPassword(ctx context.Context, email, password, hash string) {
	if !auth.NeedsRehash(hash, auth.DefaultParams) {
		return
	}
	fresh, err := auth.HashPassword(password, s.cfg.Random, auth.DefaultParams)
	if err == nil {
		err = s.cfg.Sessions.RehashPassword(ctx, email, hash, fresh)
	}
	if err != nil {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelError, "rehash password",
			slog.String("request_id", ward.RequestIDFromContext(ctx)), slog.String("error", err.Error()))
	}
}

// loginLinkPage asks before a one-time link is used.
type loginLinkPage struct {
	Name, Email, Secret string
}

// handleLoginLinkPage asks whether to sign in with a one-time link, and
// uses nothing: mail scanners and link previews open links, and a GET
// that signed in would use the link up before its member clicked it.
func (s *Server) handleLoginLinkPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.loginLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		s.pageError(w, r, errTooManySignIns)
		return
	}
	m, err := s.cfg.Sessions.FindSignInLink(r.Context(), r.PathValue("secret"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "login_link", loginLinkPage{Name: m.Name, Email: m.Email, Secret: r.PathValue("secret")})
}

// handleLoginLink signs in with a one-time link, posted from its page,
// then goes to the desk. There is no session yet, so no form token:
// readForm's cross-origin check is what keeps other sites from posting.
func (s *Server) handleLoginLink(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.loginLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		s.pageError(w, r, errTooManySignIns)
		return
	}
	m, err := s.cfg.Sessions.UseSignInLink(r.Context(), r.PathValue("secret"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.startSession(w, r, m, ward.SignInLink); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout signs this browser's session out.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if c, err := r.Cookie(s.sessionCookieName(r)); err == nil {
		if err := s.cfg.Sessions.EndSession(r.Context(), c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// handleLogoutEverywhere signs every session of the member out, this one
// too.
func (s *Server) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.cfg.Sessions.EndSessions(r.Context(), memberFromContext(r.Context()).Email); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
