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

// reportFormPage is the public form, empty or with why it was refused.
type reportFormPage struct {
	Form  reportForm
	Error string
}

func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "report_form", reportFormPage{})
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
		s.page(w, r, status, "report_form", reportFormPage{form, ward.ErrorMessage(err)})
	}
	if !s.formLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		refuse(errTooManyReports)
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
	// The reporter acts under the address as the report keeps it, so that
	// the audit log names them one way throughout.
	email, _ := ward.NormalizeEmail(rep.ReporterEmail) // a bad one is refused by CreateReport
	ctx := ward.NewContextWithActor(r.Context(), ward.Actor{Kind: ward.ActorReporter, Email: email})
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

var (
	errTooManyReports = ward.Errorf(ward.ERATELIMIT, "Too many reports from your address in a short time. Please wait a few minutes and send it again; nothing you wrote was lost.")
	errTooManyActions = ward.Errorf(ward.ERATELIMIT, "Too many messages from your address in a short time. Please wait a minute and send it again.")
)

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
	View    *reports.ReporterView
	Link    string // shown on arrival from the form
	Error   string // why the last action was refused
	Comment string // what the refused action said, to send again
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
// shows the page again (post, redirect, get); a refused action shows the
// page with the reason and what they wrote.
func (s *Server) handleReporterPost(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	secret := r.PathValue("key")
	comment := strings.ReplaceAll(r.PostForm.Get("comment"), "\r\n", "\n")
	_, err := s.reporterAct(r, secret, r.PostForm.Get("action"), comment)
	if err == nil {
		http.Redirect(w, r, "/r/"+secret, http.StatusSeeOther)
		return
	}
	v, verr := s.cfg.Actions.ForReporter(r.Context(), secret)
	if verr != nil {
		s.pageError(w, r, verr)
		return
	}
	if _, status, ok := s.failure(w, r, err); ok {
		s.page(w, r, status, "reporter", reporterPage{View: v, Error: ward.ErrorMessage(err), Comment: comment})
	}
}

// reporterAct takes a reporter's action, within what one address may do
// through reporter links.
func (s *Server) reporterAct(r *http.Request, secret, action, comment string) (*reports.ReporterView, error) {
	if !s.linkLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		return nil, errTooManyActions
	}
	return s.cfg.Actions.ReporterAct(r.Context(), secret, action, comment)
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
