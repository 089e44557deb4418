package server

import (
	_ "embed"
	"net/http"

	"github.com/wardsec/ward"
)

type status struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, status{Status: "ok", Version: s.cfg.Version})
}

// handleReady answers 503 while the database does not, so that a load
// balancer sends no traffic to an instance that cannot serve it.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Ready(r.Context()); err != nil {
		s.cfg.Logger.Error("not ready", "error", err)
		s.Error(w, r, ward.Errorf(ward.EUNAVAILABLE, "the database does not answer"))
		return
	}
	writeJSON(w, http.StatusOK, status{Status: "ready", Version: s.cfg.Version})
}

//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI)
}
