package ward

import (
	"context"
	"time"
)

// Rotation is an on-call rotation as configured. Its shifts are computed
// by the rotation package from a Schedule.
type Rotation struct {
	ID                int64     `json:"-"`
	Name              string    `json:"name"`
	Members           []string  `json:"members"` // emails, in rotation order, as of now
	Shift             string    `json:"shift"`   // a Go duration, such as 168h0m0s
	Handoff           string    `json:"handoff"` // "Mon 09:00 America/Los_Angeles"
	Start             string    `json:"start"`   // 2006-01-02
	BusinessHoursOnly bool      `json:"business_hours_only"`
	Revision          int64     `json:"-"` // counts changes of its member lists, which may move any future shift
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Epoch is a member list in force from one shift of a rotation on; a
// change of members starts a new epoch, so that past shifts keep theirs.
type Epoch struct {
	FromShift int64    `json:"from_shift"`
	Members   []string `json:"members"`
	Offset    int      `json:"offset"` // Members[Offset] holds shift FromShift
}

// Override hands part of a rotation to another member. Deleted overrides
// are kept, marked, so that calendars can tell a shift changed back.
type Override struct {
	ID        int64      `json:"id"`
	Rotation  string     `json:"rotation"`
	Member    string     `json:"member"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	Reason    string     `json:"reason"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// TimeOff is a range in which a member is away.
type TimeOff struct {
	ID        int64     `json:"id"`
	Member    string    `json:"member"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// SwapRequest is a member asking for cover of a shift; another member
// takes it, which creates an override.
type SwapRequest struct {
	ID        int64     `json:"id"`
	Rotation  string    `json:"rotation"`
	Requester string    `json:"requester"`
	Start     time.Time `json:"start"` // the shift's, or the part of it to cover
	End       time.Time `json:"end"`
	Note      string    `json:"note"`
	Status    string    `json:"status"` // SwapOpen, SwapTaken or SwapCancelled
	TakenBy   string    `json:"taken_by,omitempty"`
	Override  int64     `json:"override,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Swap request states.
const (
	SwapOpen      = "open"
	SwapTaken     = "taken"
	SwapCancelled = "cancelled"
)

// HandoffNote is what the outgoing on-call leaves the incoming one at the
// end of a shift: open items, decisions, pending actions.
type HandoffNote struct {
	ID         int64     `json:"id"`
	Rotation   string    `json:"rotation"`
	ShiftStart time.Time `json:"shift_start"` // the shift the note hands over to
	Author     string    `json:"author"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// CalendarFeed is a secret URL serving a rotation's or a member's shifts as
// iCalendar. Only a hash of its secret is stored.
type CalendarFeed struct {
	ID        int64      `json:"id"`
	Rotation  string     `json:"rotation,omitempty"` // one of Rotation and Member is set
	Member    string     `json:"member,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CalendarFeedFilter selects calendar feeds: those made by CreatedBy (an
// Actor.String()) or showing Member's shifts; the zero value selects all.
type CalendarFeedFilter struct {
	CreatedBy string
	Member    string
}

// Schedule is everything needed to compute a rotation's shifts: its
// configuration, member lists, overrides (deleted ones too), and its
// members with their time off. Version changes whenever any of it may have.
type Schedule struct {
	Rotation  Rotation
	Epochs    []Epoch
	Overrides []Override
	People    []Member
	TimeOff   []TimeOff
	Handoffs  []HandoffNote // the latest, newest shift first
	Version   int64
}

// RotationService stores rotations and what changes their schedule. It
// checks references and ranges; what needs the shifts computed (does an
// override fall in a shift, which shifts does a swap exchange) is checked
// by the caller, which passes the Version it computed from, so that a
// schedule changed meanwhile is an ECONFLICT rather than a wrong write.
type RotationService interface {
	FindRotations(ctx context.Context) ([]*Rotation, error)
	// FindRotationByName returns ENOTFOUND when no rotation has the name.
	FindRotationByName(ctx context.Context, name string) (*Rotation, error)
	// LoadSchedule returns the rotation's schedule.
	LoadSchedule(ctx context.Context, name string) (*Schedule, error)
	// ScheduleVersion returns the version that LoadSchedule would return,
	// cheaply.
	ScheduleVersion(ctx context.Context) (int64, error)

	// CreateOverrides stores the overrides in one transaction, or none.
	CreateOverrides(ctx context.Context, rotation string, version int64, overrides []Override) ([]Override, error)
	// DeleteOverride marks the override deleted.
	DeleteOverride(ctx context.Context, rotation string, id int64) (*Override, error)

	CreateTimeOff(ctx context.Context, t *TimeOff) error
	FindTimeOff(ctx context.Context, member string) ([]*TimeOff, error)
	DeleteTimeOff(ctx context.Context, member string, id int64) error

	CreateSwapRequest(ctx context.Context, r *SwapRequest) error
	FindSwapRequests(ctx context.Context, rotation, status string) ([]*SwapRequest, error)
	FindSwapRequestByID(ctx context.Context, rotation string, id int64) (*SwapRequest, error)
	// TakeSwapRequest creates the override that covers the request with
	// the taker and marks it taken, in one transaction; a request that is
	// no longer open is ECONFLICT.
	TakeSwapRequest(ctx context.Context, rotation string, id int64, taker string, version int64) (*SwapRequest, error)
	CancelSwapRequest(ctx context.Context, rotation string, id int64) (*SwapRequest, error)

	CreateHandoffNote(ctx context.Context, n *HandoffNote) error
	FindHandoffNotes(ctx context.Context, rotation string, limit int) ([]*HandoffNote, error)

	// CreateCalendarFeed issues a feed and returns its secret.
	CreateCalendarFeed(ctx context.Context, f *CalendarFeed) (string, error)
	FindCalendarFeeds(ctx context.Context, f CalendarFeedFilter) ([]*CalendarFeed, error)
	// FindCalendarFeedBySecret returns ENOTFOUND for an unknown or revoked
	// secret.
	FindCalendarFeedBySecret(ctx context.Context, secret string) (*CalendarFeed, error)
	RevokeCalendarFeed(ctx context.Context, id int64) (*CalendarFeed, error)
}
