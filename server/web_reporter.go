package server

import (
	"net/http"
	"strings"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// reportForm is what the public form sends, kept to show it again when it
// is refused.
type reportForm struct {
	Title, Body, ReporterName, ReporterEmail string
}

func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "report_form", struct {
		Form  reportForm
		Error string
	}{})
}

// handleReportFormPost files a report from the public form, then sends the
// reporter to their private link, which is the confirmation: the link is
// theirs to keep, and reloading it files nothing twice.
func (s *Server) handleReportFormPost(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	form := reportForm{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"),
		ReporterName: r.PostForm.Get("reporter_name"), ReporterEmail: strings.TrimSpace(r.PostForm.Get("reporter_email"))}
	refuse := func(err error) {
		_, status, ok := s.failure(w, r, err)
		if !ok {
			return
		}
		s.page(w, r, status, "report_form", struct {
			Form  reportForm
			Error string
		}{form, ward.ErrorMessage(err)})
	}
	if !s.formLimit.allow(clientAddress(r), s.cfg.Now()) {
		refuse(ward.Errorf(ward.ERATELIMIT, "Too many reports from your address in a short time. Please wait a few minutes and send it again; nothing you wrote was lost."))
		return
	}
	// Browsers send line breaks as CRLF; the report keeps the reporter's
	// text, not the form encoding's.
	rep := ward.Report{Title: form.Title, Body: strings.ReplaceAll(form.Body, "\r\n", "\n"), Source: ward.SourceWeb,
		ReporterName: form.ReporterName, ReporterEmail: form.ReporterEmail}
	if strings.TrimSpace(rep.Body) == "" {
		refuse(ward.Errorf(ward.EINVALID, "body: tell the team what you found"))
		return
	}
	ctx := ward.NewContextWithActor(r.Context(), ward.Actor{Kind: ward.ActorReporter, Email: rep.ReporterEmail})
	if _, err := s.cfg.Reports.CreateReport(ctx, &rep); err != nil {
		refuse(err)
		return
	}
	secret, err := s.cfg.Reports.IssueReporterKey(ctx, rep.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/r/"+secret+"?new=1", http.StatusSeeOther)
}

// readForm checks that a form post comes from one of ward's own pages and
// reads it within the body limit.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.csrf.Check(r); err != nil {
		return ward.Errorf(ward.EFORBIDDEN, "this form was sent from another site; open the page on this site and send it from there")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return ward.Errorf(ward.ETOOLARGE, "the form is over the limit of %d bytes", s.cfg.MaxBody)
		}
		return ward.Errorf(ward.EMALFORMED, "the form could not be read")
	}
	return nil
}

// reporterPage is the reporter's page: their view of the report, the link
// itself when it is new, and why their last action was refused.
type reporterPage struct {
	View  *reports.ReporterView
	Link  string // shown once, right after the report is filed
	Error string
}

func (s *Server) handleReporterPage(w http.ResponseWriter, r *http.Request) {
	secret := r.PathValue("key")
	v, err := s.cfg.Actions.ForReporter(r.Context(), secret)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := reporterPage{View: v}
	if r.URL.Query().Get("new") == "1" {
		p.Link = s.publicURL(r) + "/r/" + secret
	}
	s.page(w, r, http.StatusOK, "reporter", p)
}

// handleReporterPost takes the reporter's action from their page, then
// shows the page again (post, redirect, get).
func (s *Server) handleReporterPost(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	secret := r.PathValue("key")
	comment := strings.ReplaceAll(r.PostForm.Get("comment"), "\r\n", "\n")
	if _, err := s.cfg.Actions.ReporterAct(r.Context(), secret, r.PostForm.Get("action"), comment); err != nil {
		v, verr := s.cfg.Actions.ForReporter(r.Context(), secret)
		_, status, ok := s.failure(w, r, err)
		switch {
		case verr != nil:
			s.pageError(w, r, verr)
		case ok:
			s.page(w, r, status, "reporter", reporterPage{View: v, Error: ward.ErrorMessage(err)})
		}
		return
	}
	http.Redirect(w, r, "/r/"+secret, http.StatusSeeOther)
}

// publicURL is where people reach ward: the configured URL, or else the
// scheme and host this request came to.
func (s *Server) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
