package ward

// Permission is something an API caller may be allowed to do.
type Permission int

// Permissions, each granted to a minimum role in Can.
const (
	ReadTeam           Permission = iota // list members and see profiles
	EditOwnProfile                       // change one's own name, time zone, hours, holidays
	ManageOwnTokens                      // create, list and revoke one's own API tokens
	ManageTeam                           // add members, change roles, disable members
	ManageAnyToken                       // list and revoke every member's tokens; nobody creates them for others over the API
	ReadAudit                            // read the audit log
	ReadSchedule                         // see rotations, who is on call, shifts and gaps; subscribe to calendars
	EditSchedule                         // add and delete overrides, swap shifts, ask for and take cover, leave handoff notes
	ManageRotations                      // create and change rotations; manage anyone's time off and calendar feeds
	ReadReports                          // see reports and their timelines (spam only as an admin)
	FileReports                          // file reports through the API, as integrations and scripts do; give reporters their link
	SaveFilters                          // save report filters for the team; replacing or deleting another's is an admin's
	ReadInbox                            // read the team's mail (spam only as an admin)
	WorkInbox                            // assign and mark threads, reply, make reports of them, mark spam
	DeleteMail                           // delete spam for good
	HandOffCommand                       // ask for, answer and cancel handoffs of incident command (the workflow says whose)
	ReadDistributors                     // see requests to join the distributors list, and their answers
	DecideDistributors                   // approve, decline and remove distributors; export the list for the mail system
	ReadBrief                            // read, and be sent, the start-of-shift brief and the daily triage digest
)

var minimumRole = map[Permission]Role{
	ReadTeam:           RoleViewer,
	EditOwnProfile:     RoleViewer,
	ManageOwnTokens:    RoleViewer,
	ManageTeam:         RoleAdmin,
	ManageAnyToken:     RoleAdmin,
	ReadAudit:          RoleAdmin,
	ReadSchedule:       RoleViewer,
	EditSchedule:       RoleTriager,
	ManageRotations:    RoleAdmin,
	ReadReports:        RoleViewer,
	FileReports:        RoleTriager,
	SaveFilters:        RoleTriager,
	ReadInbox:          RoleViewer,
	WorkInbox:          RoleTriager,
	DeleteMail:         RoleAdmin,
	HandOffCommand:     RoleResponder,
	ReadDistributors:   RoleTriager,
	DecideDistributors: RoleResponder,
	ReadBrief:          RoleTriager,
}

// Can reports whether the actor may do p. The command line and ward itself
// act with an admin's rights: whoever runs them already holds the database.
func Can(a Actor, p Permission) bool {
	min, ok := minimumRole[p]
	return ok && a.Role.AtLeast(min)
}

// Require returns an EFORBIDDEN error naming the needed role unless the actor
// may do p.
func Require(a Actor, p Permission) error {
	if Can(a, p) {
		return nil
	}
	return Errorf(EFORBIDDEN, "this needs the %s role; you are %s", minimumRole[p], roleOrNone(a.Role))
}

func roleOrNone(r Role) string {
	if r == "" {
		return "not signed in"
	}
	return "a " + string(r)
}
