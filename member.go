package ward

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is what a member may do. Each role includes the ones below it.
type Role string

// Roles, from most to least powerful.
const (
	RoleAdmin     Role = "admin"     // configures the team, rotations, tiers and integrations
	RoleResponder Role = "responder" // committee member: triages, commands incidents, approves bounties
	RoleTriager   Role = "triager"   // works the queues, cannot approve bounties or disclose
	RoleViewer    Role = "viewer"    // reads only
)

var roleRank = map[Role]int{RoleViewer: 1, RoleTriager: 2, RoleResponder: 3, RoleAdmin: 4}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r includes everything min may do.
func (r Role) AtLeast(min Role) bool { return r.Valid() && roleRank[r] >= roleRank[min] }

// Member is a person on the security team.
type Member struct {
	ID        int64     `json:"-"`
	Email     string    `json:"email"` // unique, stored lower-case
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	TimeZone  string    `json:"timezone"`  // IANA name, such as Europe/Berlin
	WorkHours string    `json:"workhours"` // canonical form of ParseWorkHours
	Holidays  string    `json:"holidays"`  // public-holiday calendar code, such as DE or US; "" for none
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HolidayChecker validates public-holiday calendar codes. The domain does
// not know the calendars; the holiday package does, and cmd/ward wires it in.
type HolidayChecker func(code string) (canonical string, err error)

// NormalizeEmail returns the lower-case bare address, or an EINVALID error.
func NormalizeEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	addr, err := mail.ParseAddress(e)
	if e == "" || err != nil || addr.Address != e || addr.Name != "" {
		return "", Errorf(EINVALID, "email %q is not a plain address such as ana@example.org", email)
	}
	return strings.ToLower(e), nil
}

// Normalize checks every field of m and rewrites them into canonical form:
// the email lower-case, the work hours in their canonical spelling, the
// defaults filled in. It returns an EINVALID error naming the first bad field.
func (m *Member) Normalize(holidays HolidayChecker) error {
	var err error
	if m.Email, err = NormalizeEmail(m.Email); err != nil {
		return err
	}
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" {
		return Errorf(EINVALID, "name: must not be empty")
	}
	if len(m.Name) > 200 {
		return Errorf(EINVALID, "name: longer than 200 bytes")
	}
	if m.Role == "" {
		m.Role = RoleResponder
	}
	if !m.Role.Valid() {
		return Errorf(EINVALID, "role: %q is not one of admin, responder, triager, viewer", m.Role)
	}
	if m.TimeZone == "" {
		m.TimeZone = "UTC"
	}
	if err := ValidTimeZone(m.TimeZone); err != nil {
		return err
	}
	wh, err := ParseWorkHours(m.WorkHours)
	if err != nil {
		return Errorf(EINVALID, "workhours: %v", err)
	}
	m.WorkHours = wh.String()
	if m.Holidays, err = holidays(m.Holidays); err != nil {
		return Errorf(EINVALID, "holidays: %v", err)
	}
	return nil
}

// ValidTimeZone returns an EINVALID error unless name is an IANA time zone.
// "Local" is refused: it means different things on different machines.
func ValidTimeZone(name string) error {
	if _, err := time.LoadLocation(name); name == "Local" || name == "" || err != nil {
		return Errorf(EINVALID, "timezone: %q is not an IANA time zone such as Europe/Berlin", name)
	}
	return nil
}

// MemberUpdate holds the fields to change; nil fields stay as they are.
type MemberUpdate struct {
	Name      *string `json:"name"`
	Role      *Role   `json:"role"`
	TimeZone  *string `json:"timezone"`
	WorkHours *string `json:"workhours"`
	Holidays  *string `json:"holidays"`
	Disabled  *bool   `json:"disabled"`
}

// Apply returns a copy of m with the update's fields set.
func (u MemberUpdate) Apply(m Member) Member {
	if u.Name != nil {
		m.Name = *u.Name
	}
	if u.Role != nil {
		m.Role = *u.Role
	}
	if u.TimeZone != nil {
		m.TimeZone = *u.TimeZone
	}
	if u.WorkHours != nil {
		m.WorkHours = *u.WorkHours
	}
	if u.Holidays != nil {
		m.Holidays = *u.Holidays
	}
	if u.Disabled != nil {
		m.Disabled = *u.Disabled
	}
	return m
}

// SelfService reports whether the update touches only what members may
// change of themselves: not their role, nor whether they are disabled.
func (u MemberUpdate) SelfService() bool {
	return u.Role == nil && u.Disabled == nil
}

// MemberFilter selects members; the zero value selects every one.
type MemberFilter struct {
	Role            Role
	IncludeDisabled bool
}

// MemberService manages the team. Writes are recorded in the audit log under
// the context's actor. Authorisation is the caller's job (see Can).
type MemberService interface {
	// FindMemberByEmail returns ENOTFOUND when no member has the address.
	FindMemberByEmail(ctx context.Context, email string) (*Member, error)
	// FindMembers returns the selected members ordered by email.
	FindMembers(ctx context.Context, filter MemberFilter) ([]*Member, error)
	// CreateMember normalises m, stores it and sets its ID and times.
	// A taken email is ECONFLICT.
	CreateMember(ctx context.Context, m *Member) error
	// UpdateMember changes the member with the email. Removing the last
	// active admin, by role or by disabling, is ECONFLICT.
	UpdateMember(ctx context.Context, email string, upd MemberUpdate) (*Member, error)
}
