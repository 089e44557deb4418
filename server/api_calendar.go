package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// timeOffOwner checks that the caller may manage the time off of the member
// in the path: their own, or anyone's for an admin.
func (s *Server) timeOffOwner(w http.ResponseWriter, r *http.Request) (string, bool) {
	actor := ward.ActorFromContext(r.Context())
	email, err := ward.NormalizeEmail(r.PathValue("email"))
	if err != nil {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", r.PathValue("email")))
		return "", false
	}
	perm := ward.ManageRotations
	if email == actor.Email {
		perm = ward.EditOwnProfile
	}
	return email, s.require(w, r, perm)
}

// handleTimeOffList shows a member's time off to them and to admins only:
// reasons are personal. Everyone sees its effect in gaps.
func (s *Server) handleTimeOffList(w http.ResponseWriter, r *http.Request) {
	email, ok := s.timeOffOwner(w, r)
	if !ok {
		return
	}
	off, err := s.cfg.Rotations.FindTimeOff(r.Context(), email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		TimeOff []*ward.TimeOff `json:"time_off"`
	}{off})
}

// newTimeOff is the body of POST /api/v1/members/{email}/time-off.
type newTimeOff struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}

func (s *Server) handleTimeOffCreate(w http.ResponseWriter, r *http.Request) {
	email, ok := s.timeOffOwner(w, r)
	if !ok {
		return
	}
	var in newTimeOff
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	t := &ward.TimeOff{Member: email, Start: in.Start, End: in.End, Reason: in.Reason}
	if err := s.cfg.Rotations.CreateTimeOff(r.Context(), t); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleTimeOffDelete(w http.ResponseWriter, r *http.Request) {
	email, ok := s.timeOffOwner(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "time off")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Rotations.DeleteTimeOff(r.Context(), email, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleCalendarFeedList lists the caller's feeds, those they made and
// those of their shifts; an admin may ask for everyone's with ?all=true.
func (s *Server) handleCalendarFeedList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	actor := ward.ActorFromContext(r.Context())
	filter := ward.CalendarFeedFilter{CreatedBy: actor.String(), Member: actor.Email}
	if r.URL.Query().Get("all") == "true" {
		if !s.require(w, r, ward.ManageRotations) {
			return
		}
		filter = ward.CalendarFeedFilter{}
	}
	feeds, err := s.cfg.Rotations.FindCalendarFeeds(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		CalendarFeeds []*ward.CalendarFeed `json:"calendar_feeds"`
	}{feeds})
}

// newCalendarFeed is the body of POST /api/v1/calendar-feeds: a rotation's
// feed, or a member's (one's own; anyone's for an admin).
type newCalendarFeed struct {
	Rotation string `json:"rotation"`
	Member   string `json:"member"`
}

func (s *Server) handleCalendarFeedCreate(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	var in newCalendarFeed
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Member != "" {
		if email, err := ward.NormalizeEmail(in.Member); err != nil || email != ward.ActorFromContext(r.Context()).Email {
			if !s.require(w, r, ward.ManageRotations) {
				return
			}
		}
	}
	f := &ward.CalendarFeed{Rotation: in.Rotation, Member: in.Member}
	secret, err := s.cfg.Rotations.CreateCalendarFeed(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Feed *ward.CalendarFeed `json:"feed"`
		Path string             `json:"path"` // secret: shown this once; only its hash is kept
	}{f, "/calendar/" + secret + ".ics"})
}

func (s *Server) handleCalendarFeedRevoke(w http.ResponseWriter, r *http.Request) {
	actor := ward.ActorFromContext(r.Context())
	id, err := pathID(r, "calendar feed")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// One's own feeds are those one made and those of one's own shifts,
	// whoever made them.
	mine, err := s.cfg.Rotations.FindCalendarFeeds(r.Context(), ward.CalendarFeedFilter{CreatedBy: actor.String(), Member: actor.Email})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	owned := false
	for _, f := range mine {
		owned = owned || f.ID == id
	}
	if !owned && !ward.Can(actor, ward.ManageRotations) {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no calendar feed has the id %d", id))
		return
	}
	f, err := s.cfg.Rotations.RevokeCalendarFeed(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// handleCalendar serves a feed to calendar clients, which cannot sign in:
// the secret in the path is the credential. Unchanged feeds answer 304.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no such calendar"))
		return
	}
	body, etag, err := s.cfg.OnCall.Feed(r.Context(), secret)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if match := r.Header.Get("If-None-Match"); match == "*" || match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="ward.ics"`)
	_, _ = w.Write(body)
}
