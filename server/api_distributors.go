package server

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// distributorApplication is what an organisation sends to join the
// distributors list, through the API or the public form: what it says of
// itself. The state, the decision and the times are the team's and ward's.
type distributorApplication struct {
	Organisation string                  `json:"organisation"`
	ContactName  string                  `json:"contact_name"`
	ContactEmail string                  `json:"contact_email"`
	ListAddress  string                  `json:"list_address"`
	Answers      ward.DistributorAnswers `json:"answers"`
}

var errTooManyJoinRequests = ward.Errorf(ward.ERATELIMIT, "Too many requests to join from your address in a short time. Please wait a few minutes and send it again.")

// joinAllowed takes one of the requests to join that the client's address
// may send, through the API and the form together, or refuses.
func (s *Server) joinAllowed(r *http.Request) error {
	if !s.joinLimit.allow(s.clientAddress(r), s.cfg.Now()) {
		return errTooManyJoinRequests
	}
	return nil
}

// askToJoin stores an application as a pending request under the
// applicant as the actor: the audit log then names them by the address
// they gave. A repeat of another request is stored like any other, so
// that what the applicant learns depends on what they sent only.
func (s *Server) askToJoin(r *http.Request, app distributorApplication) error {
	req := &ward.DistributorRequest{Organisation: app.Organisation, ContactName: app.ContactName, ContactEmail: app.ContactEmail,
		ListAddress: app.ListAddress, Answers: app.Answers}
	email, _ := ward.NormalizeEmail(app.ContactEmail) // a bad one is refused by CreateDistributorRequest
	ctx := ward.NewContextWithActor(r.Context(), ward.Actor{Kind: ward.ActorApplicant, Email: email})
	return s.cfg.Distributors.CreateDistributorRequest(ctx, req)
}

// joinAnswer is the answer to every request to join that is stored. It
// has no ID: IDs count up, and would tell anyone how many requests the
// team has had.
var joinAnswer = struct {
	State string `json:"state"`
}{ward.DistributorPending}

// handleDistributorRequestCreate takes a request to join from anyone. A
// well-formed request is answered 201 and joinAnswer, whether or not the
// same contact or organisation has asked before: the answer tells nothing
// of what the team holds, so that no one can learn from it whether a
// vendor is joining the list. What the caller does learn is about what
// they sent: a refused field (422) or too many requests from their
// address (429). Every call counts against the limit, read or not, so
// that a flood costs its sender the same.
func (s *Server) handleDistributorRequestCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.joinAllowed(r); err != nil {
		s.Error(w, r, err)
		return
	}
	var app distributorApplication
	if err := s.decode(w, r, &app); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.askToJoin(r, app); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, joinAnswer)
}

// distributorQueryKeys are the parameters of a list of requests; any
// other is refused, so that a misspelt one does not list more than meant.
var distributorQueryKeys = []string{"state", "since", "before", "limit"}

// distributorFilter reads a list's selection and cursor from the query.
func distributorFilter(r *http.Request) (ward.DistributorFilter, cursor, error) {
	q := r.URL.Query()
	var f ward.DistributorFilter
	for _, key := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(distributorQueryKeys, key) {
			return f, cursor{}, ward.Errorf(ward.EINVALID, "%s: not a filter of distributor requests; use %s", key, strings.Join(distributorQueryKeys, ", "))
		}
		if len(q[key]) != 1 {
			return f, cursor{}, ward.Errorf(ward.EINVALID, "%s: given %d times", key, len(q[key]))
		}
	}
	f.State = q.Get("state")
	if f.State != "" && !slices.Contains(ward.DistributorStates, f.State) {
		return f, cursor{}, ward.Errorf(ward.EINVALID, "state: %q is not one of %s", f.State, strings.Join(ward.DistributorStates, ", "))
	}
	if q.Get("since") != "" {
		var err error
		if f.Since, err = queryTime(r, "since", time.Time{}); err != nil {
			return f, cursor{}, err
		}
	}
	c, err := readCursor(q, "a distributor request", 50, ward.MaxDistributorLimit)
	f.Before, f.Limit = c.Before, c.Limit
	return f, c, err
}

// handleDistributorRequestList pages through requests, newest first.
func (s *Server) handleDistributorRequestList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadDistributors) {
		return
	}
	f, c, err := distributorFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.cfg.Distributors.FindDistributorRequests(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Requests []*ward.DistributorRequest `json:"requests"`
		Next     string                     `json:"next,omitempty"`
	}{Requests: list}
	if len(list) > 0 {
		page.Next = c.next(r, len(list), list[len(list)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleDistributorRequestView(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadDistributors) {
		return
	}
	id, err := pathID(r, "distributor request")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	req, err := s.cfg.Distributors.FindDistributorRequestByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// distributorDecision is the body of approve (optional), decline and
// remove (required, for the reason). A version the request has moved past
// is refused; without one the decision is on the request as it is.
type distributorDecision struct {
	Reason  string `json:"reason"`
	Version int64  `json:"version"`
}

func (s *Server) handleDistributorApprove(w http.ResponseWriter, r *http.Request) {
	s.decideDistributor(w, r, ward.DistributorApprove)
}

func (s *Server) handleDistributorDecline(w http.ResponseWriter, r *http.Request) {
	s.decideDistributor(w, r, ward.DistributorDecline)
}

func (s *Server) handleDistributorRemove(w http.ResponseWriter, r *http.Request) {
	s.decideDistributor(w, r, ward.DistributorRemove)
}

func (s *Server) decideDistributor(w http.ResponseWriter, r *http.Request, action string) {
	if !s.require(w, r, ward.DecideDistributors) {
		return
	}
	id, err := pathID(r, "distributor request")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in distributorDecision
	// An approval may come without a body; the others need their reason.
	if action != ward.DistributorApprove || r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	req, err := s.cfg.Distributors.DecideDistributorRequest(r.Context(), id, in.Version, ward.DistributorDecision{Action: action, Reason: in.Reason})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// handleDistributorExport answers with the list for the mail system.
func (s *Server) handleDistributorExport(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.DecideDistributors) {
		return
	}
	if err := s.exportDistributors(w, r); err != nil {
		s.Error(w, r, err)
	}
}

// exportDistributors writes the approved list in the query's format, as
// an attachment; it answers an error, having written nothing, when the
// format is bad or the list cannot be read. The API and the desk serve
// it alike.
func (s *Server) exportDistributors(w http.ResponseWriter, r *http.Request) error {
	format, err := ward.ParseDistributorListFormat(r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	list, err := s.cfg.Distributors.FindDistributorList(r.Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := ward.WriteDistributorList(&b, format, list); err != nil {
		return err
	}
	contentType := map[string]string{ward.DistributorListText: "text/plain; charset=utf-8", ward.DistributorListCSV: "text/csv; charset=utf-8"}[format]
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="distributors.`+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(b.String())) // the status is sent; a broken connection is the client's to notice
	return nil
}
