package server

import (
	"net/http"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/oncall"
)

// dashboardPage is GET /: what a responder looks at first in a shift.
type dashboardPage struct {
	Nav        deskNav
	Rotations  []rotationNow
	Mine       []*ward.Report
	Triage     []*ward.Report
	Stale      []brief.Stale  // quiet past their threshold, the longest quiet first
	CanPing    bool           // the viewer may ping them: a responder or above
	Disclosure []*ward.Report // waiting for the reporter's answer
	Gaps       []rotationGaps
	GapDays    int
	Unread     int
	UnreadMore bool // more than Unread
	// MyThreads are the actionable inbox threads assigned to the viewer;
	// the open ones are counted in Nav.
	MyThreads []*ward.Thread
	// Pending handoffs of command: to the viewer, for them to answer, and
	// from them, which they still command until answered.
	HandoffsToMe, HandoffsFromMe []dashHandoff
	// Briefs links to the start-of-shift brief (triagers and up);
	// MyShifts are the briefs of the shifts the viewer holds now, summed
	// up in "Your shift".
	Briefs   bool
	MyShifts []*brief.Brief
}

// dashHandoff is a pending handoff with its report's title.
type dashHandoff struct {
	*ward.Handoff
	Title string
}

// rotationNow is who holds a rotation now and who holds the next shift;
// Now is nil before its first shift.
type rotationNow struct {
	Name      string
	Now, Next *oncall.OnCall
}

type rotationGaps struct {
	Rotation string
	Gaps     []oncall.Gap
}

// The dashboard's lists are short: the first of each queue.
const (
	dashboardList  = 10
	dashboardGaps  = 14 // days ahead
	unreadCountMax = 99
)

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadReports) || !s.requirePage(w, r, ward.ReadSchedule) {
		return
	}
	ctx := r.Context()
	actor := ward.ActorFromContext(ctx)
	now := s.cfg.Now()
	p := dashboardPage{Nav: s.nav(r, "dashboard"), GapDays: dashboardGaps}
	for _, q := range []struct {
		view string
		into *[]*ward.Report
	}{{"mine", &p.Mine}, {"triage", &p.Triage}, {"pending-disclosure", &p.Disclosure}} {
		reports, err := s.cfg.Reports.FindReports(ctx, ward.ReportFilter{View: q.view, Me: actor.Email, Limit: dashboardList})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		*q.into = reports
	}
	th, err := s.cfg.Stale.StaleThresholds(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	quiet, err := s.cfg.Stale.QuietReports(ctx, now, th, dashboardList)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Stale = brief.Quiet(quiet, now)
	// The ping's own rule, without a report: a responder or above.
	p.CanPing = actor.Role.AtLeast(ward.RoleResponder)
	p.Briefs = s.cfg.Brief != nil && ward.Can(actor, ward.ReadBrief)
	rotations, err := s.cfg.Rotations.FindRotations(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, rot := range rotations {
		rn := rotationNow{Name: rot.Name}
		if rn.Now, err = s.cfg.OnCall.OnCall(ctx, rot.Name, now); err != nil && ward.ErrorCode(err) != ward.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		if rn.Now != nil { // before its first shift, the dashboard says so
			if rn.Next, err = s.cfg.OnCall.OnCall(ctx, rot.Name, rn.Now.End); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		p.Rotations = append(p.Rotations, rn)
		if p.Briefs && rn.Now != nil && rn.Now.Assignee.Email == actor.Email {
			// The box is a summary of /brief: without it the dashboard
			// still works, and the link says where to look.
			if b, err := s.cfg.Brief.Summary(ctx, rot.Name, now); err == nil {
				p.MyShifts = append(p.MyShifts, b)
			} else {
				s.cfg.Logger.Error("dashboard: the brief of your shift", "rotation", rot.Name, "err", err)
			}
		}
		gaps, err := s.cfg.OnCall.Gaps(ctx, rot.Name, now, now.AddDate(0, 0, dashboardGaps))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(gaps) > 0 {
			p.Gaps = append(p.Gaps, rotationGaps{rot.Name, gaps})
		}
	}
	if s.cfg.Notifications != nil && actor.Email != "" {
		unread, err := s.cfg.Notifications.FindNotifications(ctx, ward.NotificationFilter{Member: actor.Email, Unread: true, Limit: unreadCountMax + 1})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Unread, p.UnreadMore = min(len(unread), unreadCountMax), len(unread) > unreadCountMax
	}
	if s.cfg.Inbox != nil && ward.Can(actor, ward.ReadInbox) && actor.Email != "" {
		mine, err := s.cfg.Inbox.List(ctx, ward.ThreadFilter{Status: ward.ThreadActionable, Assignee: actor.Email, Limit: dashboardList})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.MyThreads = mine
	}
	if actor.Email != "" {
		for _, q := range []struct {
			f    ward.HandoffFilter
			into *[]dashHandoff
		}{{ward.HandoffFilter{Pending: true, To: actor.Email, Limit: dashboardList}, &p.HandoffsToMe},
			{ward.HandoffFilter{Pending: true, From: actor.Email, Limit: dashboardList}, &p.HandoffsFromMe}} {
			if *q.into, err = s.dashHandoffs(r, q.f); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
	}
	s.page(w, r, http.StatusOK, "dashboard", p)
}

// dashHandoffs are the selected handoffs with their reports' titles.
func (s *Server) dashHandoffs(r *http.Request, f ward.HandoffFilter) ([]dashHandoff, error) {
	handoffs, err := s.cfg.Actions.Handoffs(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := make([]dashHandoff, 0, len(handoffs))
	for _, h := range handoffs {
		rep, err := s.cfg.Actions.Visible(r.Context(), h.Report)
		if err != nil {
			return nil, err
		}
		out = append(out, dashHandoff{Handoff: h, Title: rep.Title})
	}
	return out, nil
}
