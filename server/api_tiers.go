package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

func (s *Server) handleTierList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadTeam) {
		return
	}
	tiers, err := s.cfg.Tiers.FindTiers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Tiers []*ward.Tier `json:"tiers"`
	}{tiers})
}

func (s *Server) handleTierView(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadTeam) {
		return
	}
	t, err := s.cfg.Tiers.FindTierByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
