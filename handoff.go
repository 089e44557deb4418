package ward

import (
	"context"
	"time"
)

// States of a handoff of incident command.
const (
	HandoffPending   = "pending"   // asked; the old commander still commands
	HandoffAccepted  = "accepted"  // the new commander acknowledged: they command now
	HandoffDeclined  = "declined"  // the new commander said no; the old one keeps command
	HandoffCancelled = "cancelled" // withdrawn by whoever asked, or an admin
)

// Handoff is a request to pass a report's incident command from its
// commander to another member. The runbook holds that a handoff is not done
// until the new commander explicitly acknowledges it, so until it is
// accepted the report's Commander stays From.
type Handoff struct {
	ID     int64  `json:"id"`
	Report int64  `json:"report"`
	From   string `json:"from"` // the commander when it was asked
	To     string `json:"to"`
	// The context the runbook asks to dump before handing off.
	OpenQuestions  string    `json:"open_questions"`
	Decisions      string    `json:"decisions"`
	PendingActions string    `json:"pending_actions"`
	State          string    `json:"state"`
	Reason         string    `json:"reason,omitempty"` // why it was declined or cancelled
	CreatedBy      string    `json:"created_by"`       // the actor who asked: From, or an admin for them
	CreatedAt      time.Time `json:"created_at"`
	AnsweredAt     time.Time `json:"answered_at,omitzero"` // when it left pending
	RemindedAt     time.Time `json:"reminded_at,omitzero"` // when its new commander was last reminded of it
}

// HandoffFilter selects handoffs, newest first. Empty fields select all;
// Before is a cursor, as in other lists: only handoffs with a smaller ID.
type HandoffFilter struct {
	Pending bool
	Before  int64
	Report  int64
	To      string // an email
	From    string // an email
	Limit   int    // 50 when 0 or less; at most 500
}

// HandoffService stores handoffs. Each write stores the handoff, its
// report's timeline event and the event's notifications in one
// transaction, as UpdateReport does.
type HandoffService interface {
	// CreateHandoff stores h as pending with ev on its report. ECONFLICT
	// when the report is no longer at version (what the request was
	// checked against changed) or already has a pending handoff.
	CreateHandoff(ctx context.Context, h *Handoff, version int64, ev *TimelineEvent) error
	// FindHandoffByID returns ENOTFOUND when no handoff has the ID.
	FindHandoffByID(ctx context.Context, id int64) (*Handoff, error)
	FindHandoffs(ctx context.Context, f HandoffFilter) ([]*Handoff, error)
	// AnswerHandoff moves a pending handoff to h.State with ev on its
	// report; when r is not nil (an acceptance) it stores r, whose
	// commander changed, as UpdateReport would. ECONFLICT when the handoff
	// is no longer pending, or r is given and the report is no longer at
	// version.
	AnswerHandoff(ctx context.Context, h *Handoff, r *Report, version int64, ev *TimelineEvent) error
}
