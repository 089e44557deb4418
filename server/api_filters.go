package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

func (s *Server) handleFilterList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	filters, err := s.cfg.Filters.FindFilters(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Filters []*ward.SavedFilter `json:"filters"`
	}{filters})
}

func (s *Server) handleFilterView(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadReports) {
		return
	}
	f, err := s.cfg.Filters.FindFilterByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// handleFilterSave creates a saved filter, or replaces one: the caller's
// own, or anyone's as an admin. Filters are the team's, but a queue that
// others rely on must not change under them by someone else's hand.
func (s *Server) handleFilterSave(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.SaveFilters) {
		return
	}
	var in struct {
		Query string `json:"query"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	name := r.PathValue("name")
	old, err := s.mayChangeFilter(r, name)
	if err != nil && ward.ErrorCode(err) != ward.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	f := ward.SavedFilter{Name: name, Query: in.Query}
	if err := s.cfg.Filters.SaveFilter(r.Context(), &f); err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if old == nil {
		status = http.StatusCreated
	}
	writeJSON(w, status, f)
}

func (s *Server) handleFilterDelete(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.SaveFilters) {
		return
	}
	name := r.PathValue("name")
	if _, err := s.mayChangeFilter(r, name); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Filters.DeleteFilter(r.Context(), name); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mayChangeFilter returns the filter of the name, ENOTFOUND when there is
// none, or EFORBIDDEN when it is someone else's and the caller no admin.
func (s *Server) mayChangeFilter(r *http.Request, name string) (*ward.SavedFilter, error) {
	f, err := s.cfg.Filters.FindFilterByName(r.Context(), name)
	if err != nil {
		return nil, err
	}
	actor := ward.ActorFromContext(r.Context())
	if f.Owner != actor.String() && actor.Role != ward.RoleAdmin {
		return nil, ward.Errorf(ward.EFORBIDDEN, "the filter %s is %s's; only they or an admin may change it", name, f.Owner)
	}
	return f, nil
}
