package server

import (
	"net/http"
	"strconv"

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
	f := ward.AuditFilter{Actor: q.Get("actor"), Object: q.Get("object"), Limit: 100}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.Error(w, r, ward.Errorf(ward.EINVALID, "before: want a positive integer, the id of an entry"))
			return
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.Error(w, r, ward.Errorf(ward.EINVALID, "limit: want an integer from 1 to 1000"))
			return
		}
		f.Limit = n
	}
	entries, err := s.cfg.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Entries []*ward.AuditEntry `json:"entries"`
		Next    string             `json:"next,omitempty"`
	}{Entries: entries}
	if len(entries) == f.Limit {
		q.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		page.Next = "/api/v1/audit?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, page)
}
