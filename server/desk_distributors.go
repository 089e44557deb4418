package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
)

// distributorsPage is GET /distributors: the requests of one state, with
// each request's answers, and for responders the forms to decide; the
// approved tab is the list itself, with its export.
type distributorsPage struct {
	Nav      deskNav
	State    string
	States   []string
	Requests []*ward.DistributorRequest
	Next     string
	Decide   bool // the caller may approve, decline, remove and export
	// Error is why the last decision was refused; Failed is that
	// request's ID and Reason what was written for it, to send again.
	Error  string
	Failed int64
	Reason string
	// Keep is the page's selection and cursor, which each decision's form
	// sends back as hidden fields, so that a refused decision shows this
	// same page again, and a decision made returns to it.
	Keep []queryField
}

// queryField is one parameter of a page's query, kept in its forms.
type queryField struct{ Name, Value string }

func (s *Server) handleDistributorsPage(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadDistributors) {
		return
	}
	s.distributorsPage(w, r, http.StatusOK, distributorsPage{})
}

// distributorsPage answers the page, with p's refusal when there is one,
// for the list that the query selects: pending unless it says otherwise.
func (s *Server) distributorsPage(w http.ResponseWriter, r *http.Request, status int, p distributorsPage) {
	f, c, err := distributorFilter(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if f.State == "" {
		f.State = ward.DistributorPending
	}
	list, err := s.cfg.Distributors.FindDistributorRequests(r.Context(), f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Nav, p.State, p.States, p.Requests = s.nav(r, "distributors"), f.State, ward.DistributorStates, list
	p.Decide = ward.Can(ward.ActorFromContext(r.Context()), ward.DecideDistributors)
	q := r.URL.Query()
	q.Set("state", f.State)
	for _, key := range distributorQueryKeys {
		if v := q.Get(key); v != "" {
			p.Keep = append(p.Keep, queryField{key, v})
		}
	}
	if len(list) > 0 {
		p.Next = c.next(r, len(list), list[len(list)-1].ID)
	}
	s.page(w, r, status, "distributors", p)
}

// handleDistributorDecidePost approves, declines or removes a request from
// the desk, as the API does, then shows the page it was on (post,
// redirect, get); a refusal shows that page with the reason and what was
// written. The page is the list's selection and cursor that the form
// kept (distributorsPage.Keep).
func (s *Server) handleDistributorDecidePost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requirePage(w, r, ward.DecideDistributors) {
		return
	}
	id, err := pathID(r, "distributor request")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	action, reason := r.PostForm.Get("action"), formText(r, "reason")
	back := url.Values{}
	for _, key := range distributorQueryKeys {
		if v := r.PostForm.Get(key); v != "" {
			back.Set(key, v)
		}
	}
	// A form that kept no tab was on the tab of its action: a removal is
	// of an approved request, the others of pending ones.
	if back.Get("state") == "" {
		back.Set("state", ward.DistributorPending)
		if action == ward.DistributorRemove {
			back.Set("state", ward.DistributorApproved)
		}
	}
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil || version < 1 {
		err = ward.Errorf(ward.EINVALID, "version: want the version of the request the page showed")
	} else {
		_, err = s.cfg.Distributors.DecideDistributorRequest(r.Context(), id, version, ward.DistributorDecision{Action: action, Reason: reason})
	}
	if err == nil {
		http.Redirect(w, r, "/distributors?"+back.Encode(), http.StatusSeeOther)
		return
	}
	_, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	// The page is shown as GET /distributors would show it, links and
	// all: its "Older requests" is made from this URL, and one to the
	// POST's path would answer 405.
	r.URL.Path, r.URL.RawQuery = "/distributors", back.Encode()
	s.distributorsPage(w, r, status, distributorsPage{Error: ward.ErrorMessage(err), Failed: id, Reason: reason})
}

// handleDistributorExportPage downloads the list from the desk, as the
// API's export does.
func (s *Server) handleDistributorExportPage(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.DecideDistributors) {
		return
	}
	if err := s.exportDistributors(w, r); err != nil {
		s.pageError(w, r, err)
	}
}
