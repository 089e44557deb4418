package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

// distributorJoinPage is the public form to join the distributors list,
// empty or with what was sent and why it was refused.
type distributorJoinPage struct {
	Form  distributorApplication
	Error string
}

func (s *Server) handleDistributorJoinForm(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "distributor_join", distributorJoinPage{})
}

// handleDistributorJoinPost stores the form as a pending request, then
// sends the browser to the thank-you page (post, redirect, get), so that
// reloading it sends nothing twice. A repeat of another request is
// thanked alike, as the API answers it alike. A refused form is shown
// again with the reason and what was written.
func (s *Server) handleDistributorJoinPost(w http.ResponseWriter, r *http.Request) {
	if err := s.readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := r.PostForm
	app := distributorApplication{Organisation: f.Get("organisation"), ContactName: f.Get("contact_name"),
		ContactEmail: f.Get("contact_email"), ListAddress: f.Get("list_address"),
		Answers: ward.DistributorAnswers{Distribution: formText(r, "distribution"), UserBase: formText(r, "user_base"),
			TrackRecord: formText(r, "track_record"), NotDownstream: formText(r, "not_downstream"),
			Contribution: formText(r, "contribution"), Voucher: formText(r, "voucher"),
			AcceptsEmbargo: f.Get("accepts_embargo") == "yes", ContributesBack: f.Get("contributes_back") == "yes"}}
	err := s.joinAllowed(r)
	if err == nil {
		err = s.askToJoin(r, app)
	}
	if err != nil {
		if _, status, ok := s.failure(w, r, err); ok {
			s.page(w, r, status, "distributor_join", distributorJoinPage{Form: app, Error: ward.ErrorMessage(err)})
		}
		return
	}
	http.Redirect(w, r, "/distributors/join/thanks", http.StatusSeeOther)
}

func (s *Server) handleDistributorJoinThanks(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "distributor_thanks", nil)
}
