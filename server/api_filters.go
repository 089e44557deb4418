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
// own, or anyone's as an admin (ward.MayChangeFilter).
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
	f := ward.SavedFilter{Name: r.PathValue("name"), Query: in.Query}
	created, err := s.cfg.Filters.SaveFilter(r.Context(), &f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, f)
}

func (s *Server) handleFilterDelete(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.SaveFilters) {
		return
	}
	if err := s.cfg.Filters.DeleteFilter(r.Context(), r.PathValue("name")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
