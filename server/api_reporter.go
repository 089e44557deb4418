package server

import (
	"fmt"
	"net/http"

	"github.com/wardsec/ward"
)

// The reporter's API: the same view and actions as their page, for a
// bug bounty platform or a script acting for them. The path's secret is
// the credential, as with calendar feeds.

func (s *Server) handleReporterView(w http.ResponseWriter, r *http.Request) {
	v, err := s.cfg.Actions.ForReporter(r.Context(), r.PathValue("key"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// reporterAction is the body of POST /api/v1/reporter/{key}/actions.
type reporterAction struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

func (s *Server) handleReporterAction(w http.ResponseWriter, r *http.Request) {
	var in reporterAction
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.reporterAct(r, r.PathValue("key"), in.Action, in.Comment)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleReporterLinkCreate makes a new reporter link for a report, for the
// team to send to the reporter; the link before stops working.
func (s *Server) handleReporterLinkCreate(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.FileReports) {
		return
	}
	rep, err := s.findVisibleReport(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.cfg.Reports.IssueReporterKey(r.Context(), rep.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		URL string `json:"url"`
		API string `json:"api"`
	}{s.publicURL(r) + "/r/" + secret, s.publicURL(r) + "/api/v1/reporter/" + secret})
}

// handleReportExport answers with a disclosed report as it may be
// published, as JSON or, with format=markdown, as a Markdown document.
func (s *Server) handleReportExport(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	id, err := pathID(r, "report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "markdown" {
		s.Error(w, r, ward.Errorf(ward.EINVALID, "format: %q is not json or markdown", format))
		return
	}
	e, err := s.cfg.Actions.Export(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if format == "markdown" {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"report-%d.md\"", e.ID))
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write([]byte(e.Markdown()))
		return
	}
	writeJSON(w, http.StatusOK, e)
}
