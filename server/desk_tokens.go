package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

// adminTokensPage is GET /admin/tokens: every member's API tokens, never
// their secrets, with a form to revoke each one still live.
type adminTokensPage struct {
	Nav    deskNav
	Tokens []*ward.Token
	Error  string
}

func (s *Server) handleAdminTokens(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ManageAnyToken) {
		return
	}
	s.adminTokens(w, r, http.StatusOK, "")
}

func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request, status int, refusal string) {
	tokens, err := s.cfg.Tokens.FindTokens(r.Context(), "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, status, "admin_tokens", adminTokensPage{Nav: s.nav(r, "admin"), Tokens: tokens, Error: refusal})
}

// handleAdminTokenRevoke revokes a token, as DELETE /api/v1/tokens/{id}
// does for an admin, then shows the list again (post, redirect, get).
func (s *Server) handleAdminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requirePage(w, r, ward.ManageAnyToken) {
		return
	}
	id, err := pathID(r, "token")
	if err == nil {
		_, err = s.cfg.Tokens.RevokeToken(r.Context(), id)
	}
	if err != nil {
		if _, status, ok := s.failure(w, r, err); ok {
			s.adminTokens(w, r, status, ward.ErrorMessage(err))
		}
		return
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}
