package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

// handleAuditList pages through the audit log, newest first. A full page
// carries "next", the URL of the page after it.
func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	if err := ward.Require(ward.ActorFromContext(r.Context()), ward.ReadAudit); err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	c, err := readCursor(q, "an entry", 100, 1000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	entries, err := s.cfg.Audit.FindAuditEntries(r.Context(), ward.AuditFilter{Actor: q.Get("actor"), Object: q.Get("object"), Before: c.Before, Limit: c.Limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Entries []*ward.AuditEntry `json:"entries"`
		Next    string             `json:"next,omitempty"`
	}{Entries: entries}
	if len(entries) > 0 {
		page.Next = c.next(r, len(entries), entries[len(entries)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}
