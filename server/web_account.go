package server

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/auth"
)

// accountPage is the member's own account: their password, their second
// factor, how they are notified and where they are signed in.
type accountPage struct {
	Nav            deskNav
	Member         *ward.Member
	CSRF           string
	Sessions       []*ward.Session
	CurrentSession int64
	HasPassword    bool
	TOTP           bool   // the second factor is on
	TOTPURI        string // the otpauth:// URI of a secret being set up
	Prefs          ward.NotifyPrefs
	SlackLink      *slackLinkCode   // a code just made, to type in Slack
	Sent           []*ward.Dispatch // the latest sent to the member, or waiting
	Notice, Error  string
}

// accountNotices are what the page says after a change; the query names
// one, so that nothing from the URL is shown as it is.
var accountNotices = map[string]string{
	"password":     "Your password is changed. Every other session of yours has ended.",
	"totp_setup":   "Add the key below to your authenticator app, then confirm it with a code.",
	"totp_enabled": "Your authenticator app is set up: signing in now asks for its code.",
	"totp_off":     "Signing in no longer asks for a code.",
	"notify":       "Your notification preferences are saved.",
	"slack_unlink": "Your Slack account is unlinked: ward sends it nothing, and /ward no longer answers it as you.",
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	p, err := s.accountPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Notice = accountNotices[r.URL.Query().Get("done")]
	s.page(w, r, http.StatusOK, "account", p)
}

func (s *Server) accountPage(r *http.Request) (*accountPage, error) {
	m := memberFromContext(r.Context())
	_, c, err := s.cfg.Sessions.FindCredentials(r.Context(), m.Email)
	if err != nil {
		return nil, err
	}
	list, err := s.cfg.Sessions.FindSessions(r.Context(), m.Email)
	if err != nil {
		return nil, err
	}
	p := &accountPage{Nav: s.nav(r, "account"), Member: m, CSRF: s.formToken(r), Sessions: list, CurrentSession: sessionFromContext(r.Context()).ID,
		HasPassword: c.PasswordHash != "", TOTP: c.TOTP()}
	if p.Prefs, err = s.notifyPrefsOf(r, m.Email); err != nil {
		return nil, err
	}
	if p.Sent, err = s.cfg.Dispatches.FindDispatches(r.Context(), ward.DispatchFilter{Member: m.Email, Limit: 10}); err != nil {
		return nil, err
	}
	if c.TOTPPending != "" {
		key, err := auth.TOTPKey(m.Email, c.TOTPPending)
		if err != nil {
			return nil, err
		}
		p.TOTPURI = key.URL()
	}
	return p, nil
}

// handleAccountPost makes one change to the member's own account, named by
// the form's action, then shows the page again (post, redirect, get); a
// refused change shows the page with the reason.
func (s *Server) handleAccountPost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if r.PostForm.Get("action") == "slack_link" {
		s.showSlackLink(w, r)
		return
	}
	done, err := s.changeAccount(w, r)
	if err == nil {
		http.Redirect(w, r, "/account?done="+done, http.StatusSeeOther)
		return
	}
	p, perr := s.accountPage(r)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	if r.PostForm.Get("action") == "notify" {
		typed := typedPrefs(r, p.Member.Email) // what was refused, to correct
		typed.Slack = p.Prefs.Slack
		p.Prefs = typed
	}
	if _, status, ok := s.failure(w, r, err); ok {
		p.Error = ward.ErrorMessage(err)
		s.page(w, r, status, "account", p)
	}
}

// changeAccount makes the change and returns the notice to show for it.
func (s *Server) changeAccount(w http.ResponseWriter, r *http.Request) (string, error) {
	ctx, m, now := r.Context(), memberFromContext(r.Context()), s.cfg.Now()
	_, c, err := s.cfg.Sessions.FindCredentials(ctx, m.Email)
	if err != nil {
		return "", err
	}
	code := r.PostForm.Get("code")
	switch action := r.PostForm.Get("action"); action {
	case "password":
		if c.PasswordHash != "" {
			// Guessing the current password here is guessing at the
			// sign-in form: the same limit holds, taken before the check
			// and given back when it is right.
			if !s.emailLimit.allow(m.Email, now) {
				return "", errTooManyFailures
			}
			if !auth.VerifyPassword(r.PostForm.Get("current"), c.PasswordHash) {
				return "", ward.Errorf(ward.EINVALID, "current password: it is wrong")
			}
			s.emailLimit.refund(m.Email, now)
		}
		if r.PostForm.Get("new") != r.PostForm.Get("confirm") {
			return "", ward.Errorf(ward.EINVALID, "new password: the two entries differ")
		}
		hash, err := auth.HashPassword(r.PostForm.Get("new"), s.cfg.Random, auth.DefaultParams)
		if err != nil {
			return "", err
		}
		// A new password ends every session, this one too; the browser
		// that changed it gets a new one.
		if err := s.cfg.Sessions.SetPassword(ctx, m.Email, hash); err != nil {
			return "", err
		}
		return "password", s.startSession(w, r, m, ward.SignInPassword)
	case "totp_setup":
		if c.TOTP() {
			return "", ward.Errorf(ward.ECONFLICT, "an authenticator app is set up already; turn it off first")
		}
		secret, err := auth.NewTOTPSecret(m.Email, s.cfg.Random)
		if err != nil {
			return "", err
		}
		return "totp_setup", s.cfg.Sessions.SetPendingTOTP(ctx, m.Email, secret)
	case "totp_confirm":
		// Codes are guessed as passwords are: the same limit holds.
		if !s.emailLimit.allow(m.Email, now) {
			return "", errTooManyFailures
		}
		step, ok := auth.MatchTOTP(c.TOTPPending, code, now, 0)
		if c.TOTPPending == "" || !ok {
			return "", ward.Errorf(ward.EINVALID, "code: it is not the current code of the key shown; check the app and the clock of your device")
		}
		s.emailLimit.refund(m.Email, now)
		// c was read before this request's transaction: the store turns on
		// only the secret checked here, in case the set-up was started
		// again (another tab) meanwhile.
		return "totp_enabled", s.cfg.Sessions.ConfirmTOTP(ctx, m.Email, c.TOTPPending, step)
	case "totp_disable":
		if !c.TOTP() {
			return "", ward.Errorf(ward.ECONFLICT, "no authenticator app is set up")
		}
		if !s.emailLimit.allow(m.Email, now) {
			return "", errTooManyFailures
		}
		step, ok := auth.MatchTOTP(c.TOTPSecret, code, now, c.TOTPLastStep)
		if !ok {
			return "", ward.Errorf(ward.EINVALID, "code: it is wrong, or was used already")
		}
		s.emailLimit.refund(m.Email, now)
		if err := s.cfg.Sessions.UseTOTPStep(ctx, m.Email, step); err != nil {
			return "", err
		}
		return "totp_off", s.cfg.Sessions.DisableTOTP(ctx, m.Email)
	case "notify":
		p := typedPrefs(r, m.Email)
		return "notify", s.cfg.Dispatches.SetNotifyPrefs(ctx, &p)
	case "slack_unlink":
		return "slack_unlink", s.cfg.Dispatches.UnlinkSlack(ctx, m.Email)
	default:
		return "", ward.Errorf(ward.EINVALID, "action: %q is not one of password, totp_setup, totp_confirm, totp_disable, notify, slack_link, slack_unlink", action)
	}
}

// showSlackLink makes a code that links the member's Slack account and
// shows the page with it. It is shown once, not put in a redirect's URL,
// where logs and the browser's history would keep it.
func (s *Server) showSlackLink(w http.ResponseWriter, r *http.Request) {
	p, err := s.accountPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.SlackLink, err = s.issueSlackLink(r, p.Member.Email); err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.page(w, r, http.StatusOK, "account", p)
}

// typedPrefs are the notification preferences the account form sent.
func typedPrefs(r *http.Request, member string) ward.NotifyPrefs {
	return ward.NotifyPrefs{Member: member, Email: r.PostForm.Get("email") == "on", AnyHour: r.PostForm.Get("any_hour") == "on"}
}

// handleTOTPImage serves the QR code of the secret being set up, for an
// authenticator app to scan.
func (s *Server) handleTOTPImage(w http.ResponseWriter, r *http.Request) {
	m := memberFromContext(r.Context())
	_, c, err := s.cfg.Sessions.FindCredentials(r.Context(), m.Email)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if c.TOTPPending == "" {
		s.pageError(w, r, ward.Errorf(ward.ENOTFOUND, "no authenticator app is being set up"))
		return
	}
	key, err := auth.TOTPKey(m.Email, c.TOTPPending)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	img, err := key.Image(256, 256)
	if err != nil {
		s.pageError(w, r, fmt.Errorf("TOTP QR code: %w", err))
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		s.pageError(w, r, fmt.Errorf("TOTP QR code: %w", err))
		return
	}
	pageHeaders(w.Header(), false)
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(buf.Bytes())
}
