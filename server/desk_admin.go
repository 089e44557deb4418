package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
)

// The admin pages are an admin's, each by the admin permission of what it
// shows: ManageTeam for the members, ReadAudit for the audit log and
// ManageRotations for the tiers. That is stricter than the API's reads
// (its member and tier lists need only ReadTeam, its audit log ReadAudit
// too), since these pages are where an admin manages them.

// adminMembersPage is GET /admin/members: everyone, disabled too.
type adminMembersPage struct {
	Nav     deskNav
	Members []*ward.Member
}

func (s *Server) handleAdminMembers(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ManageTeam) {
		return
	}
	members, err := s.cfg.Members.FindMembers(r.Context(), ward.MemberFilter{IncludeDisabled: true})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "admin_members", adminMembersPage{Nav: s.nav(r, "admin"), Members: members})
}

// adminAuditPage is GET /admin/audit: one page of the audit log, newest
// first.
type adminAuditPage struct {
	Nav     deskNav
	Entries []*ward.AuditEntry
	Next    string
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadAudit) {
		return
	}
	c, err := readCursor(r.URL.Query(), "an entry", 100, 1000)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	entries, err := s.cfg.Audit.FindAuditEntries(r.Context(), ward.AuditFilter{Before: c.Before, Limit: c.Limit})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := adminAuditPage{Nav: s.nav(r, "admin"), Entries: entries}
	if n := len(entries); n == c.Limit {
		p.Next = "/admin/audit?before=" + strconv.FormatInt(entries[n-1].ID, 10)
		if c.Limit != 100 {
			p.Next += "&limit=" + strconv.Itoa(c.Limit)
		}
	}
	s.page(w, r, http.StatusOK, "admin_audit", p)
}

// adminOutboxPage is GET /admin/outbox: what ward sent or is sending.
type adminOutboxPage struct {
	Nav        deskNav
	Status     string
	Dispatches []*ward.Dispatch
	Next       string
}

// handleAdminOutbox lists the outbox, newest first, for an admin to see
// what reached whom and what failed, and why.
func (s *Server) handleAdminOutbox(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ReadAudit) {
		return
	}
	q := r.URL.Query()
	c, err := readCursor(q, "a dispatch", 100, 500)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	status := q.Get("status")
	list, err := s.cfg.Dispatches.FindDispatches(r.Context(), ward.DispatchFilter{Status: status, Before: c.Before, Limit: c.Limit})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := adminOutboxPage{Nav: s.nav(r, "admin"), Status: status, Dispatches: list}
	if n := len(list); n == c.Limit {
		p.Next = "/admin/outbox?" + url.Values{"status": {status}, "before": {strconv.FormatInt(list[n-1].ID, 10)}, "limit": {strconv.Itoa(c.Limit)}}.Encode()
	}
	s.page(w, r, http.StatusOK, "admin_outbox", p)
}

// adminTiersPage is GET /admin/tiers: the tiers and their bounty tables.
type adminTiersPage struct {
	Nav     deskNav
	Tiers   []*ward.Tier
	Ratings []string
}

func (s *Server) handleAdminTiers(w http.ResponseWriter, r *http.Request) {
	if !s.requirePage(w, r, ward.ManageRotations) {
		return
	}
	tiers, err := s.cfg.Tiers.FindTiers(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "admin_tiers", adminTiersPage{Nav: s.nav(r, "admin"), Tiers: tiers, Ratings: ward.BountyRatings})
}
