package server

import (
	"net/http"
	"time"

	"github.com/wardsec/ward"
)

// notifyPrefsOf returns a member's preferences: their own, or the defaults.
func (s *Server) notifyPrefsOf(r *http.Request, member string) (ward.NotifyPrefs, error) {
	all, err := s.cfg.Dispatches.NotifyPrefs(r.Context())
	if err != nil {
		return ward.NotifyPrefs{}, err
	}
	if p, ok := all[member]; ok {
		return p, nil
	}
	return ward.DefaultNotifyPrefs(member), nil
}

// handleNotifyPrefsView shows the caller's own notification preferences.
func (s *Server) handleNotifyPrefsView(w http.ResponseWriter, r *http.Request) {
	a := ward.ActorFromContext(r.Context())
	if a.Kind != ward.ActorMember {
		s.Error(w, r, ward.Errorf(ward.EFORBIDDEN, "preferences are a member's; this token is no member's"))
		return
	}
	p, err := s.notifyPrefsOf(r, a.Email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handleNotifyPrefsSave replaces the caller's own preferences: how they are
// reached is theirs to say, whatever their role.
func (s *Server) handleNotifyPrefsSave(w http.ResponseWriter, r *http.Request) {
	a := ward.ActorFromContext(r.Context())
	if a.Kind != ward.ActorMember {
		s.Error(w, r, ward.Errorf(ward.EFORBIDDEN, "preferences are a member's; this token is no member's"))
		return
	}
	var in struct {
		Email   *bool   `json:"email"`
		Slack   *string `json:"slack"`
		AnyHour bool    `json:"any_hour"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Email == nil {
		s.Error(w, r, ward.Errorf(ward.EINVALID, "email: say true or false"))
		return
	}
	current, err := s.notifyPrefsOf(r, a.Email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// slack is left out to keep the link, "" to unlink; the linked ID
	// itself is taken as "keep", so that what GET gave can be PUT back.
	if in.Slack != nil && *in.Slack != "" && *in.Slack != current.Slack {
		s.Error(w, r, errSlackTypedIn)
		return
	}
	p := ward.NotifyPrefs{Member: a.Email, Email: *in.Email, AnyHour: in.AnyHour}
	if err := s.cfg.Dispatches.SetNotifyPrefs(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Slack != nil && *in.Slack == "" && p.Slack != "" {
		if err := s.cfg.Dispatches.UnlinkSlack(r.Context(), a.Email); err != nil {
			s.Error(w, r, err)
			return
		}
		p.Slack = ""
	}
	writeJSON(w, http.StatusOK, p)
}

var errSlackTypedIn = ward.Errorf(ward.EINVALID, "slack: a Slack account is linked, not typed in: make a code on your account page (or POST /api/v1/me/slack-link) and type /ward link CODE in Slack")

// slackLinkCode is a code that links the caller's Slack account once
// they type its command in Slack.
type slackLinkCode struct {
	Code      string    `json:"code"`
	Command   string    `json:"command"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleSlackLinkCode makes a code for the caller to link their Slack
// account with: typed in Slack as /ward link CODE, it proves the Slack
// user theirs. A member ID typed into ward would prove nothing.
func (s *Server) handleSlackLinkCode(w http.ResponseWriter, r *http.Request) {
	a := ward.ActorFromContext(r.Context())
	if a.Kind != ward.ActorMember {
		s.Error(w, r, ward.Errorf(ward.EFORBIDDEN, "a Slack account is linked to a member; this token is no member's"))
		return
	}
	c, err := s.issueSlackLink(r, a.Email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) issueSlackLink(r *http.Request, member string) (*slackLinkCode, error) {
	code, expires, err := s.cfg.Dispatches.IssueSlackLink(r.Context(), member)
	if err != nil {
		return nil, err
	}
	return &slackLinkCode{Code: code, Command: "/ward link " + code, ExpiresAt: expires}, nil
}

// handleDispatchList pages through the outbox, newest first: an admin's
// view of everything ward sent or is sending, anyone else's of what was
// sent to them.
func (s *Server) handleDispatchList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := readCursor(q, "a dispatch", 50, 500)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a := ward.ActorFromContext(r.Context())
	f := ward.DispatchFilter{Member: q.Get("member"), Status: q.Get("status"), Before: c.Before, Limit: c.Limit}
	if !a.Role.AtLeast(ward.RoleAdmin) {
		if f.Member != "" && f.Member != a.Email {
			s.Error(w, r, ward.Errorf(ward.EFORBIDDEN, "only an admin may see what was sent to others"))
			return
		}
		if f.Member = a.Email; f.Member == "" {
			s.Error(w, r, ward.Errorf(ward.EFORBIDDEN, "only an admin may see the outbox"))
			return
		}
	}
	list, err := s.cfg.Dispatches.FindDispatches(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Dispatches []*ward.Dispatch `json:"dispatches"`
		Next       string           `json:"next,omitempty"`
	}{Dispatches: list}
	if len(list) > 0 {
		page.Next = c.next(r, len(list), list[len(list)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}
