package server

import (
	"net/http"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
)

// handleCVSS computes a vector's score and rating, for the calculator in
// the web desk and for scripts; any member may ask.
func (s *Server) handleCVSS(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadTeam) {
		return
	}
	var in struct {
		Vector string `json:"vector"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sev, err := cvss.Parse(in.Vector)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sev)
}
