package server

import (
	"net/http"
	"net/url"
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
	Calendar calendarSpan
	// MayTake and MayCancelAny say which swap-request buttons to offer:
	// taking cover (mayWorkOn), and withdrawing others' requests.
	MayTake, MayCancelAny bool
	Weeks                 []rotationWeek
	Starts                []time.Time // the starts of the whole shifts shown, for the swap form
	Override              []ward.Override
	Requests              []*ward.SwapRequest
	Gaps                  []oncall.Gap
	Members               []*ward.Member
	MayEdit               bool
	FeedURL               string // a calendar feed just made: shown this once
	Error                 string
}

// rotationWeek is one row of the shift table: the week from Monday 00:00
// UTC and the stretches held in it.
type rotationWeek struct {
	Start  time.Time
	Shifts []oncall.Shift
}

// swapWeeks is how far ahead the swap form offers shifts.
const swapWeeks = 8

// calendarSpan is what the rotation page shows: a week, or a calendar
// month, from its first Monday (UTC), with the spans before and after.
type calendarSpan struct {
	Span        string    // week or month
	Start, End  time.Time // the Monday the table starts on, and where it ends
	Title       string    // "week of Mon 2 Mar 2026", "March 2026"
	Prev, Next  string    // the same view, a span earlier and later
	Week, Month string    // the week and the month around Start, as links
}

// readSpan reads ?span=week|month and ?from=YYYY-MM-DD: by default the
// month of today. A month's table runs from the Monday on or before its
// first day to the Monday after its last, so that every row is a week.
func readSpan(q url.Values, now time.Time) (calendarSpan, error) {
	c := calendarSpan{Span: q.Get("span")}
	if c.Span == "" {
		c.Span = "month"
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if v := q.Get("from"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 2000 || d.Year() > 2100 {
			return c, ward.Errorf(ward.EINVALID, "from: %q is not a date such as 2026-03-02", v)
		}
		day = d
	}
	monday := func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) }
	link := func(span string, t time.Time) string { return "?span=" + span + "&from=" + t.Format(time.DateOnly) }
	switch c.Span {
	case "week":
		c.Start = monday(day)
		c.End = c.Start.AddDate(0, 0, 7)
		c.Title = "week of " + c.Start.Format("Mon 2 Jan 2006")
		c.Prev, c.Next = link("week", c.Start.AddDate(0, 0, -7)), link("week", c.End)
	case "month":
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		c.Start = monday(first)
		c.End = monday(first.AddDate(0, 1, 0).AddDate(0, 0, -1)).AddDate(0, 0, 7)
		c.Title = first.Format("January 2006")
		c.Prev, c.Next = link("month", first.AddDate(0, -1, 0)), link("month", first.AddDate(0, 1, 0))
	default:
		return c, ward.Errorf(ward.EINVALID, "span: %q is not week or month", c.Span)
	}
	c.Week, c.Month = link("week", day), link("month", day)
	return c, nil
}

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
	p := &rotationPage{Nav: s.nav(r, "rotations"), Rotation: rot, MayEdit: ward.Can(actor, ward.EditSchedule),
		MayCancelAny: ward.Can(actor, ward.ManageRotations)}
	switch err := s.mayWorkOn(r); ward.ErrorCode(err) {
	case "":
		p.MayTake = true
	case ward.EFORBIDDEN:
	default:
		return nil, err
	}
	now := s.cfg.Now().UTC()
	if p.Calendar, err = readSpan(r.URL.Query(), now); err != nil {
		return nil, err
	}
	monday, end := p.Calendar.Start, p.Calendar.End
	shifts, err := s.cfg.OnCall.Shifts(ctx, name, monday, end)
	if err != nil {
		return nil, err
	}
	for i := range int(end.Sub(monday).Hours()) / (7 * 24) {
		week := rotationWeek{Start: monday.AddDate(0, 0, 7*i)}
		weekEnd := week.Start.AddDate(0, 0, 7)
		for _, sh := range shifts {
			if sh.Start.Before(weekEnd) && sh.End.After(week.Start) {
				week.Shifts = append(week.Shifts, sh)
			}
		}
		p.Weeks = append(p.Weeks, week)
	}
	// The shifts one may swap are the coming ones, whichever span the table
	// shows: the next eight weeks' worth.
	upcoming, err := s.cfg.OnCall.Shifts(ctx, name, now, now.AddDate(0, 0, 7*swapWeeks))
	if err != nil {
		return nil, err
	}
	for _, sh := range upcoming {
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
	// Gaps still to be covered: from now, or the table's start if later.
	from := monday
	if now.After(from) {
		from = now
	}
	if from.Before(end) {
		if p.Gaps, err = s.cfg.OnCall.Gaps(ctx, name, from, end); err != nil {
			return nil, err
		}
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
