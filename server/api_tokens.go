package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wardsec/ward"
)

// tokenOwner returns the member whose tokens the request is about: the
// caller unless another is named, which takes an admin.
func tokenOwner(actor ward.Actor, named string) (string, error) {
	if named == "" {
		return actor.Email, ward.Require(actor, ward.ManageOwnTokens)
	}
	email, err := ward.NormalizeEmail(named)
	if err != nil {
		return "", err
	}
	if email == actor.Email {
		return email, ward.Require(actor, ward.ManageOwnTokens)
	}
	return email, ward.Require(actor, ward.ManageAnyToken)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	actor := ward.ActorFromContext(r.Context())
	named := r.URL.Query().Get("member")
	var email string
	var err error
	if named == "*" {
		err = ward.Require(actor, ward.ManageAnyToken)
	} else {
		email, err = tokenOwner(actor, named)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tokens, err := s.cfg.Tokens.FindTokens(r.Context(), email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Tokens []*ward.Token `json:"tokens"`
	}{tokens})
}

// newToken is the body of POST /api/v1/tokens.
type newToken struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// handleTokenCreate issues a token for the caller only. A token for someone
// else would let its maker act in their name, with the audit log none the
// wiser; an admin who must do that uses the command line, on the server.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	actor := ward.ActorFromContext(r.Context())
	if err := ward.Require(actor, ward.ManageOwnTokens); err != nil {
		s.Error(w, r, err)
		return
	}
	var in newToken
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	t, secret, err := s.cfg.Tokens.CreateToken(r.Context(), actor.Email, in.Name, in.ExpiresAt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Token  *ward.Token `json:"token"`
		Secret string      `json:"secret"` // shown this once; only its hash is kept
	}{t, secret})
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no token has the id %q", r.PathValue("id")))
		return
	}
	t, err := s.cfg.Tokens.FindTokenByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Whether another member's token exists is not the caller's business
	// unless the caller may manage it: say not found, not forbidden.
	if _, err := tokenOwner(ward.ActorFromContext(r.Context()), t.Member); err != nil {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no token has the id %d", id))
		return
	}
	if t, err = s.cfg.Tokens.RevokeToken(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
