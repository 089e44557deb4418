package ward

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEntry records one write: who did what to which object, and how the
// object changed. The audit log is append-only.
type AuditEntry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`  // Actor.String()
	Action    string          `json:"action"` // such as "member.create"
	Object    string          `json:"object"` // such as "member/ana@example.org"
	Diff      json.RawMessage `json:"diff"`   // {"field": [before, after], ...}
	RequestID string          `json:"request_id,omitempty"`
}

// AuditFilter selects audit entries, newest first. Before is a cursor: only
// entries with a smaller ID are returned. Limit defaults to 100.
type AuditFilter struct {
	Actor  string
	Object string
	Before int64
	Limit  int
}

// AuditService reads the audit log; the other services write it.
type AuditService interface {
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, error)
}
