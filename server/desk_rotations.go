package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
)

// rotationsPage is GET /rotations: every rotation and who holds it now.
type rotationsPage struct {
	Nav       deskNav
	Rotations []rotationNow
}

func (s *Server) handleRotationsPage(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadSchedule) {
		return
	}
	rotations, err := s.cfg.Rotations.FindRotations(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := rotationsPage{Nav: s.nav(r, "rotations")}
	for _, rot := range rotations {
		rn := rotationNow{Name: rot.Name}
		if rn.Now, err = s.cfg.OnCall.OnCall(r.Context(), rot.Name, s.cfg.Now()); err != nil && ward.ErrorCode(err) != ward.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		p.Rotations = append(p.Rotations, rn)
	}
	s.page(w, r, http.StatusOK, "rotations", p)
}

// rotationPage is GET /rotations/{name}: four weeks of shifts, the
// overrides and open swap requests, the gaps, and the forms to change them.
type rotationPage struct {
	Nav      deskNav
	Rotation *ward.Rotation
	Weeks    []rotationWeek
	Starts   []time.Time // the starts of the whole shifts shown, for the swap form
	Override []ward.Override
	Requests []*ward.SwapRequest
	Gaps     []oncall.Gap
	Members  []*ward.Member
	MayEdit  bool
	FeedURL  string // a calendar feed just made: shown this once
	Error    string
}

// rotationWeek is one row of the shift table: the week from Monday 00:00
// UTC and the stretches held in it.
type rotationWeek struct {
	Start  time.Time
	Shifts []oncall.Shift
}

const rotationWeeks = 4

func (s *Server) handleRotationPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.rotationPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "rotation", p)
}

func (s *Server) rotationPage(r *http.Request) (*rotationPage, error) {
	ctx, name := r.Context(), r.PathValue("name")
	actor := ward.ActorFromContext(ctx)
	if err := ward.Require(actor, ward.ReadSchedule); err != nil {
		return nil, err
	}
	rot, err := s.cfg.Rotations.FindRotationByName(ctx, name)
	if err != nil {
		return nil, err
	}
	p := &rotationPage{Nav: s.nav(r, "rotations"), Rotation: rot, MayEdit: ward.Can(actor, ward.EditSchedule)}
	now := s.cfg.Now().UTC()
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	end := monday.AddDate(0, 0, 7*rotationWeeks)
	shifts, err := s.cfg.OnCall.Shifts(ctx, name, monday, end)
	if err != nil {
		return nil, err
	}
	for i := range rotationWeeks {
		week := rotationWeek{Start: monday.AddDate(0, 0, 7*i)}
		weekEnd := week.Start.AddDate(0, 0, 7)
		for _, sh := range shifts {
			if sh.Start.Before(weekEnd) && sh.End.After(week.Start) {
				week.Shifts = append(week.Shifts, sh)
			}
		}
		p.Weeks = append(p.Weeks, week)
	}
	for _, sh := range shifts {
		if sh.Override == 0 && !sh.Start.Before(now) && (len(p.Starts) == 0 || !p.Starts[len(p.Starts)-1].Equal(sh.Start)) {
			p.Starts = append(p.Starts, sh.Start)
		}
	}
	sched, err := s.cfg.OnCall.Schedule(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, o := range sched.Overrides {
		if o.DeletedAt == nil && o.End.After(now) {
			p.Override = append(p.Override, o)
		}
	}
	if p.Requests, err = s.cfg.Rotations.FindSwapRequests(ctx, name, ward.SwapOpen); err != nil {
		return nil, err
	}
	if p.Gaps, err = s.cfg.OnCall.Gaps(ctx, name, now, end); err != nil {
		return nil, err
	}
	if p.MayEdit {
		if p.Members, err = s.cfg.Members.FindMembers(ctx, ward.MemberFilter{}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// rotationPost is what the rotation page's forms share: check the form,
// do the change, then back to the page, or the page with why not.
func (s *Server) rotationPost(w http.ResponseWriter, r *http.Request, change func() error) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	err := change()
	if err == nil {
		http.Redirect(w, r, "/rotations/"+r.PathValue("name"), http.StatusSeeOther)
		return
	}
	_, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	p, perr := s.rotationPage(r)
	if perr != nil || status == http.StatusNotFound || status >= 500 {
		s.pageError(w, r, err)
		return
	}
	p.Error = ward.ErrorMessage(err)
	s.page(w, r, status, "rotation", p)
}

// formTime reads a time from a form: RFC 3339, or a datetime-local field
// (2026-03-10T09:00), which the page labels as UTC.
func formTime(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		return time.Time{}, nil // the service names what is required
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ward.Errorf(ward.EINVALID, "%s: %q is not a time such as 2026-03-10T09:00", name, v)
}

// handleRotationOverridePost adds an override, as
// POST /api/v1/rotations/{name}/overrides does.
func (s *Server) handleRotationOverridePost(w http.ResponseWriter, r *http.Request) {
	s.rotationPost(w, r, func() error {
		if err := ward.Require(ward.ActorFromContext(r.Context()), ward.EditSchedule); err != nil {
			return err
		}
		member := strings.TrimSpace(r.PostForm.Get("member"))
		if member == "" {
			return ward.Errorf(ward.EINVALID, "member: required, the email of who covers")
		}
		start, err := formTime(r, "start")
		if err != nil {
			return err
		}
		end, err := formTime(r, "end")
		if err != nil {
			return err
		}
		_, err = s.cfg.OnCall.AddOverride(r.Context(), r.PathValue("name"), ward.Override{Member: member, Start: start, End: end, Reason: formText(r, "reason")})
		return err
	})
}

// handleRotationSwapPost swaps two shifts, as
// POST /api/v1/rotations/{name}/swaps does.
func (s *Server) handleRotationSwapPost(w http.ResponseWriter, r *http.Request) {
	s.rotationPost(w, r, func() error {
		if err := ward.Require(ward.ActorFromContext(r.Context()), ward.EditSchedule); err != nil {
			return err
		}
		first, err := formTime(r, "first")
		if err != nil {
			return err
		}
		second, err := formTime(r, "second")
		if err != nil {
			return err
		}
		_, err = s.cfg.OnCall.Swap(r.Context(), r.PathValue("name"), first, second)
		return err
	})
}

// handleRotationSwapTake takes an open request for cover, as
// POST /api/v1/rotations/{name}/swap-requests/{id}/take does.
func (s *Server) handleRotationSwapTake(w http.ResponseWriter, r *http.Request) {
	s.rotationPost(w, r, func() error {
		if err := s.mayWorkOn(r); err != nil {
			return err
		}
		id, err := pathID(r, "swap request")
		if err != nil {
			return err
		}
		_, err = s.cfg.OnCall.TakeSwap(r.Context(), r.PathValue("name"), id, ward.ActorFromContext(r.Context()).Email)
		return err
	})
}

// handleRotationSwapCancel withdraws a request for cover, the requester's
// or, as an admin, anyone's.
func (s *Server) handleRotationSwapCancel(w http.ResponseWriter, r *http.Request) {
	s.rotationPost(w, r, func() error {
		id, err := pathID(r, "swap request")
		if err != nil {
			return err
		}
		req, err := s.cfg.Rotations.FindSwapRequestByID(r.Context(), r.PathValue("name"), id)
		if err != nil {
			return err
		}
		if err := mayCancelSwap(ward.ActorFromContext(r.Context()), req); err != nil {
			return err
		}
		_, err = s.cfg.Rotations.CancelSwapRequest(r.Context(), r.PathValue("name"), id)
		return err
	})
}

// handleRotationFeedPost makes a calendar feed of the rotation and shows
// its link on the page this once: only its hash is kept.
func (s *Server) handleRotationFeedPost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.rotationPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	secret, err := s.cfg.Rotations.CreateCalendarFeed(r.Context(), &ward.CalendarFeed{Rotation: p.Rotation.Name})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.FeedURL = s.publicURL(r) + "/calendar/" + secret + ".ics"
	s.page(w, r, http.StatusCreated, "rotation", p)
}
