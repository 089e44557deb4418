package server

import (
	"net/http"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// handleHandoffRequestPost asks for a handoff of the report's command from
// the report page's form.
func (s *Server) handleHandoffRequestPost(w http.ResponseWriter, r *http.Request) {
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
	in := reports.HandoffInput{To: r.PostForm.Get("to"), OpenQuestions: formText(r, "open_questions"), Decisions: formText(r, "decisions"),
		PendingActions: formText(r, "pending_actions"), TrackingUpdated: r.PostForm.Get("tracking_updated") != ""}
	_, err = s.cfg.Actions.RequestHandoff(r.Context(), id, in)
	s.reportAfterPost(w, r, id, err, func(p *reportPage) { p.SentHandoff = in })
}

// handleHandoffAnswerPost accepts, declines or cancels a handoff from the
// report page (or the dashboard), then shows the report.
func (s *Server) handleHandoffAnswerPost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requirePage(w, r, ward.ReadReports) {
		return
	}
	id, err := pathID(r, "handoff")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	h, err := s.cfg.Actions.Handoff(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	_, err = s.cfg.Actions.AnswerStep(r.Context(), id, r.PostForm.Get("answer"), formText(r, "reason"))
	s.reportAfterPost(w, r, h.Report, err, func(*reportPage) {})
}
