package server

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/workflow"
)

// reportListPage is GET /reports: the named views, the filters in force,
// one page of reports and the link to the next.
type reportListPage struct {
	Nav      deskNav
	Views    []string
	View     string // the view in force, "" for all
	Saved    []*ward.SavedFilter
	Filter   ward.ReportFilter // what the list selects, saved filter and parameters together
	FilterBy string            // the saved filter's name, if one is used
	States   []string
	Sources  []string
	Ratings  []string
	Members  []*ward.Member
	Reports  []*ward.Report
	Next     string
	Error    string // why the filters were refused
}

// The choices of the list's filters.
var (
	reportSources = []string{ward.SourceEmail, ward.SourceHackerOne, ward.SourceWeb, ward.SourceAPI}
	reportRatings = []string{"critical", "high", "medium", "low", "none"}
)

func reportStates() []string {
	var out []string
	for _, s := range workflow.States() {
		out = append(out, string(s))
	}
	return out
}

// handleReportListPage is the report list: the same selection as
// GET /api/v1/reports (reportFilter), as a page.
func (s *Server) handleReportListPage(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadReports) {
		return
	}
	// The filter form sends every field, most of them empty: an empty one
	// selects nothing, and must not clear what a saved filter selects.
	q := url.Values{}
	for key, values := range r.URL.Query() {
		for _, v := range values {
			if v != "" {
				q.Add(key, v)
			}
		}
	}
	p := reportListPage{Nav: s.nav(r, "reports"), Views: ward.ReportViews, States: reportStates(),
		Sources: reportSources, Ratings: reportRatings, FilterBy: q.Get("filter")}
	saved, err := s.cfg.Filters.FindFilters(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Saved = saved
	if p.Members, err = s.cfg.Members.FindMembers(r.Context(), ward.MemberFilter{}); err != nil {
		s.pageError(w, r, err)
		return
	}
	refuse := func(err error) {
		if _, status, ok := s.failure(w, r, err); ok {
			p.Error = ward.ErrorMessage(err)
			s.page(w, r, status, "reports", p)
		}
	}
	f, err := s.reportFilter(r, q)
	p.Filter, p.View = f, f.View
	if err != nil {
		refuse(err)
		return
	}
	c, err := readCursor(q, "a report", 50, 500)
	if err != nil {
		refuse(err)
		return
	}
	f.Before, f.Limit = c.Before, c.Limit
	if p.Reports, err = s.cfg.Reports.FindReports(r.Context(), f); err != nil {
		refuse(err)
		return
	}
	if n := len(p.Reports); n == c.Limit {
		q.Set("before", strconv.FormatInt(p.Reports[n-1].ID, 10))
		p.Next = "/reports?" + q.Encode()
	}
	s.page(w, r, http.StatusOK, "reports", p)
}

// reportPage is GET /reports/{id}: the report, its timeline and duplicate
// hints, and a form for each action the caller may take.
type reportPage struct {
	Nav      deskNav
	Report   *ward.Report
	Events   []timelineEntry
	Similar  []ward.SimilarReport
	Actions  []string       // what the caller may do now, in workflow order
	Tiers    []*ward.Tier   // for set_severity and triage
	Triagers []*ward.Member // who may be assigned
	Commands []*ward.Member // who may command
	Metrics  []cvssMetric
	Fixes    []string
	Error    string // why the last action was refused
	Sent     reports.Action
	// Handoff is the report's pending handoff of command, or nil;
	// HandoffSteps what the caller may do about it (reports.HandoffSteps).
	Handoff      *ward.Handoff
	HandoffSteps []string
	SentHandoff  reports.HandoffInput // a refused request, shown again
	// Tracker is where track files the tracking issue without a URL,
	// such as GitHub; "" when track needs one.
	Tracker string
	// Issue is how the tracking issue stood at the tracker's last webhook
	// delivery about it, or nil.
	Issue *ward.IssueState
}

func (s *Server) handleReportPage(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadReports) {
		return
	}
	rep, err := s.findVisibleReport(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.reportPage(r, rep)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "report", p)
}

// reportPage gathers what the report page shows of the report.
func (s *Server) reportPage(r *http.Request, rep *ward.Report) (*reportPage, error) {
	ctx := r.Context()
	p := &reportPage{Nav: s.nav(r, "reports"), Report: rep, Tracker: s.cfg.Actions.Tracker()}
	events, err := s.cfg.Reports.FindTimeline(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	if rep.TrackingURL != "" && s.cfg.IssueChanges != nil {
		switch p.Issue, err = s.cfg.IssueChanges.FindIssueState(ctx, rep.ID); {
		case ward.ErrorCode(err) == ward.ENOTFOUND:
		case err != nil:
			return nil, err
		}
	}
	p.Events = make([]timelineEntry, len(events))
	for i, ev := range events {
		p.Events[i] = s.timelineEntry(ev)
	}
	if p.Actions, err = s.cfg.Actions.Allowed(ctx, rep); err != nil {
		return nil, err
	}
	has := func(a workflow.Action) bool { return slices.Contains(p.Actions, string(a)) }
	// Duplicate hints are for triage, where a report may still be marked a
	// duplicate; finding them is most of a long report's page otherwise
	// (some 30 ms of 40 at 100,000 reports).
	if has(workflow.ActionMarkDuplicate) {
		if p.Similar, err = s.cfg.Actions.Similar(ctx, rep.ID, 5); err != nil {
			return nil, err
		}
	}
	if has(workflow.ActionSetSeverity) || has(workflow.ActionTriage) {
		if p.Tiers, err = s.cfg.Tiers.FindTiers(ctx); err != nil {
			return nil, err
		}
		p.Metrics = cvssMetrics(rep.Severity)
	}
	pending, err := s.cfg.Actions.Handoffs(ctx, ward.HandoffFilter{Pending: true, Report: rep.ID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		p.Handoff = pending[0]
	}
	if p.HandoffSteps, err = s.cfg.Actions.HandoffSteps(ctx, rep, p.Handoff); err != nil {
		return nil, err
	}
	if has(workflow.ActionAssign) || has(workflow.ActionSetCommander) || slices.Contains(p.HandoffSteps, reports.StepRequest) {
		members, err := s.cfg.Members.FindMembers(ctx, ward.MemberFilter{})
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if m.Role.AtLeast(ward.RoleTriager) {
				p.Triagers = append(p.Triagers, m)
			}
			if m.Role.AtLeast(ward.RoleResponder) {
				p.Commands = append(p.Commands, m)
			}
		}
	}
	if has(workflow.ActionUpdateTracking) {
		p.Fixes = []string{string(workflow.FixPlanning), string(workflow.FixDevelopment), string(workflow.FixEmbargo),
			string(workflow.FixReleased), string(workflow.FixPublished)}
	}
	return p, nil
}

// handleReportActionPost takes one action from the report page, then shows
// the report again (post, redirect, get); a refused action shows the page
// with the reason, under the status the API would answer.
func (s *Server) handleReportActionPost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requirePage(w, r, ward.ReadReports) {
		return
	}
	id, err := pathID(r, "report")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	in, err := actionFromForm(r)
	if err == nil {
		_, _, err = s.cfg.Actions.Act(r.Context(), id, in)
	}
	s.reportAfterPost(w, r, id, err, func(p *reportPage) { p.Sent = in })
}

// reportAfterPost ends a post from the report page: back to the report
// when err is nil (post, redirect, get), else the page again with the
// refusal under the status the API would answer; keep puts back what was
// sent, so that nothing typed is lost.
func (s *Server) reportAfterPost(w http.ResponseWriter, r *http.Request, id int64, err error, keep func(*reportPage)) {
	if err == nil {
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	code, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	// An outside service that failed (GitHub, for track) leaves the
	// report as it was: the page says what it answered, with the forms
	// to try again or do without it.
	if status == http.StatusNotFound || (status >= 500 && code != ward.EUNAVAILABLE) {
		s.pageError(w, r, err)
		return
	}
	rep, verr := s.cfg.Actions.Visible(r.Context(), id)
	if verr != nil {
		s.pageError(w, r, verr)
		return
	}
	p, perr := s.reportPage(r, rep)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	p.Error = ward.ErrorMessage(err)
	keep(p)
	s.page(w, r, status, "report", p)
}

// actionFromForm reads an action as the report page's forms send it: the
// fields of reports.Action, redactions one per line, the CVSS vector
// pasted or built from the metrics chosen.
func actionFromForm(r *http.Request) (reports.Action, error) {
	f := r.PostForm
	in := reports.Action{Action: f.Get("action"), Comment: formText(r, "comment"), Visibility: f.Get("visibility"),
		Member: f.Get("member"), URL: strings.TrimSpace(f.Get("url")), Kind: f.Get("kind"),
		Justification: formText(r, "justification"), Reason: formText(r, "reason"), Currency: strings.TrimSpace(f.Get("currency")),
		Label: strings.TrimSpace(f.Get("label")), Tier: f.Get("tier"), FixStatus: f.Get("fix_status")}
	in.RemoveLabel = f.Get("remove_label") != ""
	for _, line := range strings.Split(formText(r, "redactions"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Redactions = append(in.Redactions, line)
		}
	}
	// update_tracking leaves a field it is not sent; its form sends each
	// field filled with what the report holds, so that one left as it was
	// stays and one emptied is cleared.
	if f.Has("cve_id") {
		in.CVE = new(strings.TrimSpace(f.Get("cve_id")))
	}
	if f.Has("attribution") {
		in.Attribution = new(strings.TrimSpace(f.Get("attribution")))
	}
	for _, n := range []struct {
		name string
		to   *int64
	}{{"amount", &in.Amount}, {"of", &in.Of}} {
		v := strings.TrimSpace(strings.TrimPrefix(f.Get(n.name), "#"))
		if v == "" {
			continue
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, ward.Errorf(ward.EINVALID, "%s: %q is not a whole number", n.name, v)
		}
		*n.to = x
	}
	vector, err := cvssFromForm(f)
	in.Vector = vector
	return in, err
}

// timelineEntry is a timeline event as the report page shows it, worked
// out here rather than in the template: a long timeline is most of the
// page's cost.
type timelineEntry struct {
	TeamOnly   bool
	Actor      string
	At         string // RFC 3339, for <time datetime>
	When       string // for people
	Action     string
	Transition string // "new → triaged", or "" when the state stayed
	Changes    []ward.FieldChange
	Comment    template.HTML // rendered and sanitised
}

func (s *Server) timelineEntry(ev *ward.TimelineEvent) timelineEntry {
	e := timelineEntry{TeamOnly: ev.Visibility != string(workflow.VisibilityReporter), Actor: who(ev.Actor),
		At: ev.At.Format(time.RFC3339), When: ev.At.Format("2 Jan 2006 15:04 MST"), Action: words(ev.Action), Changes: ev.Changes}
	if ev.FromState != ev.ToState {
		e.Transition = words(ev.FromState) + " → " + words(ev.ToState)
	}
	if ev.Comment != "" {
		e.Comment = s.comments.render(ev.ID, ev.Comment)
	}
	return e
}
