package server

import (
	"net/http"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
)

// briefs returns the brief service after checking that the caller may
// read briefs (triagers and up): EFORBIDDEN, or ENOTFOUND when this ward
// has none.
func (s *Server) briefs(r *http.Request) (*brief.Service, error) {
	if err := ward.Require(ward.ActorFromContext(r.Context()), ward.ReadBrief); err != nil {
		return nil, err
	}
	if s.cfg.Brief == nil {
		return nil, ward.Errorf(ward.ENOTFOUND, "this ward has no brief configured")
	}
	return s.cfg.Brief, nil
}

// briefAt reads at= from the query: zero, the service's default, when
// absent or empty.
func briefAt(r *http.Request) (time.Time, error) {
	if r.URL.Query().Get("at") == "" {
		return time.Time{}, nil
	}
	return queryTime(r, "at", time.Time{})
}

// handleBrief answers the start-of-shift brief of a rotation (the first
// by name unless rotation= names one) for the shift holding at= (the
// start of the shift in progress unless given).
func (s *Server) handleBrief(w http.ResponseWriter, r *http.Request) {
	s.answerBrief(w, r, func(svc *brief.Service, at time.Time) (any, error) {
		return svc.Brief(r.Context(), r.URL.Query().Get("rotation"), at)
	})
}

// handleDigest answers the daily triage digest as of at= (now unless
// given).
func (s *Server) handleDigest(w http.ResponseWriter, r *http.Request) {
	s.answerBrief(w, r, func(svc *brief.Service, at time.Time) (any, error) {
		return svc.Digest(r.Context(), at)
	})
}

// answerBrief checks the caller, reads at= and answers what compute
// makes of them.
func (s *Server) answerBrief(w http.ResponseWriter, r *http.Request, compute func(*brief.Service, time.Time) (any, error)) {
	svc, err := s.briefs(r)
	var at time.Time
	if err == nil {
		at, err = briefAt(r)
	}
	var v any
	if err == nil {
		v, err = compute(svc, at)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
