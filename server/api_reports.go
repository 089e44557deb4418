package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// newReport is the body of POST /api/v1/reports.
type newReport struct {
	Title         string `json:"title"`
	Body          string `json:"body"`
	Source        string `json:"source"`
	ReporterName  string `json:"reporter_name"`
	ReporterEmail string `json:"reporter_email"`
	ExternalID    string `json:"external_id"`
	ExternalURL   string `json:"external_url"`
}

// handleReportCreate files a report. The same external report twice is one
// report: the second answer is 200 with the stored one, not 201.
func (s *Server) handleReportCreate(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.FileReports) {
		return
	}
	var in newReport
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	rep := ward.Report{Title: in.Title, Body: in.Body, Source: in.Source, ReporterName: in.ReporterName,
		ReporterEmail: in.ReporterEmail, ExternalID: in.ExternalID, ExternalURL: in.ExternalURL}
	created, err := s.cfg.Reports.CreateReport(r.Context(), &rep)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Filing again must not show what viewing would hide.
	if !created && rep.State == "spam" && ward.ActorFromContext(r.Context()).Role != ward.RoleAdmin {
		s.Error(w, r, ward.Errorf(ward.ECONFLICT, "a report from %s with this external_id was filed before", rep.Source))
		return
	}
	w.Header().Set("Location", "/api/v1/reports/"+strconv.FormatInt(rep.ID, 10))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, rep)
}

// findVisibleReport returns the report in the path, or ENOTFOUND when the
// caller may not see it.
func (s *Server) findVisibleReport(r *http.Request) (*ward.Report, error) {
	id, err := pathID(r, "report")
	if err != nil {
		return nil, err
	}
	return s.cfg.Actions.Visible(r.Context(), id)
}

func (s *Server) handleReportView(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	rep, err := s.findVisibleReport(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleReportTimeline(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	rep, err := s.findVisibleReport(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	events, err := s.cfg.Reports.FindTimeline(r.Context(), rep.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Events []*ward.TimelineEvent `json:"events"`
	}{events})
}

// handleReportList pages through reports, newest first; a full page carries
// "next".
func (s *Server) handleReportList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	q := r.URL.Query()
	f, err := s.reportFilter(r, q)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := readCursor(q, "a report", 50, 500)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.Before, f.Limit = c.Before, c.Limit
	reports, err := s.cfg.Reports.FindReports(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Reports []*ward.Report `json:"reports"`
		Next    string         `json:"next,omitempty"`
	}{Reports: reports}
	if len(reports) > 0 {
		page.Next = c.next(r, len(reports), reports[len(reports)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}

// reportFilter reads a list's selection: a saved filter named by filter=,
// with the query's own parameters on top of it.
func (s *Server) reportFilter(r *http.Request, q url.Values) (ward.ReportFilter, error) {
	saved := ""
	switch names := q["filter"]; {
	case len(names) > 1:
		return ward.ReportFilter{}, ward.Errorf(ward.EINVALID, "filter: given %d times", len(names))
	case len(names) == 1 && names[0] != "":
		sf, err := s.cfg.Filters.FindFilterByName(r.Context(), names[0])
		if ward.ErrorCode(err) == ward.ENOTFOUND {
			return ward.ReportFilter{}, ward.Errorf(ward.EINVALID, "filter: %s", ward.ErrorMessage(err))
		}
		if err != nil {
			return ward.ReportFilter{}, err
		}
		saved = sf.Query
	}
	over := url.Values{}
	for key, values := range q {
		if key != "filter" && key != "before" && key != "limit" {
			over[key] = values
		}
	}
	f, err := ward.ParseSavedReportQuery(saved, over)
	actor := ward.ActorFromContext(r.Context())
	f.Me, f.IncludeSpam = actor.Email, actor.Role == ward.RoleAdmin
	return f, err
}

// handleReportSimilar answers the duplicate hints of a report the caller
// may see.
func (s *Server) handleReportSimilar(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	id, err := pathID(r, "report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	limit := 5
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 20 {
			s.Error(w, r, ward.Errorf(ward.EINVALID, "limit: want an integer from 1 to 20"))
			return
		}
	}
	similar, err := s.cfg.Actions.Similar(r.Context(), id, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Similar []ward.SimilarReport `json:"similar"`
	}{similar})
}

// handleReportAction takes one action on a report; the workflow decides who
// may take it in which state. The answer is the report as it now is and the
// action's timeline event.
func (s *Server) handleReportAction(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	id, err := pathID(r, "report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in reports.Action
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	rep, ev, err := s.cfg.Actions.Act(r.Context(), id, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Report *ward.Report        `json:"report"`
		Event  *ward.TimelineEvent `json:"event"`
	}{rep, ev})
}
