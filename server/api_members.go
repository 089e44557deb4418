package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
)

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, memberFromContext(r.Context()))
}

func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request) {
	if err := ward.Require(ward.ActorFromContext(r.Context()), ward.ReadTeam); err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := ward.MemberFilter{Role: ward.Role(q.Get("role"))}
	if f.Role != "" && !f.Role.Valid() {
		s.Error(w, r, ward.Errorf(ward.EINVALID, "role: %q is not one of admin, responder, triager, viewer", f.Role))
		return
	}
	if v := q.Get("include_disabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.Error(w, r, ward.Errorf(ward.EINVALID, "include_disabled: want true or false"))
			return
		}
		f.IncludeDisabled = b
	}
	members, err := s.cfg.Members.FindMembers(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Members []*ward.Member `json:"members"`
	}{members})
}

func (s *Server) handleMemberView(w http.ResponseWriter, r *http.Request) {
	if err := ward.Require(ward.ActorFromContext(r.Context()), ward.ReadTeam); err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.cfg.Members.FindMemberByEmail(r.Context(), r.PathValue("email"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// newMember is the body of POST /api/v1/members.
type newMember struct {
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      ward.Role `json:"role"`
	TimeZone  string    `json:"timezone"`
	WorkHours string    `json:"workhours"`
	Holidays  string    `json:"holidays"`
}

func (s *Server) handleMemberCreate(w http.ResponseWriter, r *http.Request) {
	if err := ward.Require(ward.ActorFromContext(r.Context()), ward.ManageTeam); err != nil {
		s.Error(w, r, err)
		return
	}
	var in newMember
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	m := ward.Member{Email: in.Email, Name: in.Name, Role: in.Role, TimeZone: in.TimeZone, WorkHours: in.WorkHours, Holidays: in.Holidays}
	if err := s.cfg.Members.CreateMember(r.Context(), &m); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/members/"+url.PathEscape(m.Email))
	writeJSON(w, http.StatusCreated, m)
}

// handleMemberUpdate lets admins change anything, and every member their
// own profile but not their role or whether they are disabled.
func (s *Server) handleMemberUpdate(w http.ResponseWriter, r *http.Request) {
	actor := ward.ActorFromContext(r.Context())
	var upd ward.MemberUpdate
	if err := s.decode(w, r, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	email, err := ward.NormalizeEmail(r.PathValue("email"))
	if err != nil {
		s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no member has the email %q", r.PathValue("email")))
		return
	}
	perm := ward.ManageTeam
	if email == actor.Email && upd.SelfService() {
		perm = ward.EditOwnProfile
	}
	if err := ward.Require(actor, perm); err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.cfg.Members.UpdateMember(r.Context(), email, upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}
