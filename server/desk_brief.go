package server

import (
	"net/http"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
)

// briefPage is GET /brief: the start-of-shift brief of the shift in
// progress, as of now, for triagers and up.
type briefPage struct {
	Nav       deskNav
	Rotations []string // every rotation, to brief another
	Brief     *brief.Brief
	// Missing says why there is no brief: no rotation yet, or none
	// begun; Brief is nil then.
	Missing string
	CanPing bool // a responder or above, as the ping's own rule
}

// handleBriefPage shows the brief of the rotation named by rotation=, or
// the team's first by name.
func (s *Server) handleBriefPage(w http.ResponseWriter, r *http.Request) {
	svc, err := s.briefs(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	p := briefPage{Nav: s.nav(r, "dashboard"), CanPing: ward.ActorFromContext(ctx).Role.AtLeast(ward.RoleResponder)}
	rotations, err := s.cfg.Rotations.FindRotations(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, rot := range rotations {
		p.Rotations = append(p.Rotations, rot.Name)
	}
	// The page is the shift in progress as it stands: ages, stale
	// incidents and new reports up to now, not to the shift's start.
	p.Brief, err = svc.Brief(ctx, r.URL.Query().Get("rotation"), s.cfg.Now())
	status := http.StatusOK
	switch {
	case ward.ErrorCode(err) == ward.ENOTFOUND:
		// The page is here; the shift is not: say why on it.
		p.Missing, status = ward.ErrorMessage(err), http.StatusNotFound
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, status, "brief", p)
}
