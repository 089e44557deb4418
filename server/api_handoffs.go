package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// handleHandoffCreate asks that a report's incident command pass to
// another member; the reports service checks who may and what is needed.
func (s *Server) handleHandoffCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in reports.HandoffInput
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	h, err := s.cfg.Actions.RequestHandoff(r.Context(), id, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/handoffs/"+strconv.FormatInt(h.ID, 10))
	writeJSON(w, http.StatusCreated, h)
}

// handleHandoffList pages through handoffs, newest first.
func (s *Server) handleHandoffList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := handoffFilter(ward.ActorFromContext(r.Context()), q)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := readCursor(q, "a handoff", 50, 500)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.Before, f.Limit = c.Before, c.Limit
	handoffs, err := s.cfg.Actions.Handoffs(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Handoffs []*ward.Handoff `json:"handoffs"`
		Next     string          `json:"next,omitempty"`
	}{Handoffs: handoffs}
	if page.Handoffs == nil {
		page.Handoffs = []*ward.Handoff{}
	}
	if len(handoffs) > 0 {
		page.Next = c.next(r, len(handoffs), handoffs[len(handoffs)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}

// handoffFilter reads pending, to and from; "me" for to or from is the
// caller, so that a member's own queue needs no address typed.
func handoffFilter(a ward.Actor, q url.Values) (ward.HandoffFilter, error) {
	var f ward.HandoffFilter
	switch q.Get("pending") {
	case "", "false":
	case "true":
		f.Pending = true
	default:
		return f, ward.Errorf(ward.EINVALID, "pending: want true or false")
	}
	for _, p := range []struct {
		name string
		into *string
	}{{"to", &f.To}, {"from", &f.From}} {
		v := q.Get(p.name)
		switch {
		case v == "":
		case v == "me" && (a.Kind != ward.ActorMember || a.Email == ""):
			return f, ward.Errorf(ward.EINVALID, "%s: me means the signed-in member, and you are %s", p.name, a)
		case v == "me":
			*p.into = a.Email
		default:
			email, err := ward.NormalizeEmail(v)
			if err != nil {
				return f, ward.Errorf(ward.EINVALID, "%s: want me or a member's email; %s", p.name, ward.ErrorMessage(err))
			}
			*p.into = email
		}
	}
	if v := q.Get("report"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, ward.Errorf(ward.EINVALID, "report: want a report's id")
		}
		f.Report = n
	}
	return f, nil
}

func (s *Server) handleHandoffView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "handoff")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h, err := s.cfg.Actions.Handoff(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// handoffReason is the body of decline and cancel.
type handoffReason struct {
	Reason string `json:"reason"`
}

func (s *Server) handleHandoffAccept(w http.ResponseWriter, r *http.Request) {
	s.answerHandoff(w, r, reports.StepAccept)
}

func (s *Server) handleHandoffDecline(w http.ResponseWriter, r *http.Request) {
	s.answerHandoff(w, r, reports.StepDecline)
}

func (s *Server) handleHandoffCancel(w http.ResponseWriter, r *http.Request) {
	s.answerHandoff(w, r, reports.StepCancel)
}

// answerHandoff accepts (no body), declines ({"reason"}) or cancels (an
// optional {"reason"}) the handoff in the path.
func (s *Server) answerHandoff(w http.ResponseWriter, r *http.Request, answer string) {
	id, err := pathID(r, "handoff")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in handoffReason
	// A cancel may come without a body; a decline needs its reason.
	if answer == reports.StepDecline || (answer == reports.StepCancel && r.ContentLength != 0) {
		if err := s.decode(w, r, &in); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	h, err := s.cfg.Actions.AnswerStep(r.Context(), id, answer, in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}
