package ward_test

import (
	"testing"

	"github.com/wardsec/ward"
)

func TestCan(t *testing.T) {
	perms := []struct {
		name string
		p    ward.Permission
	}{
		{"ReadTeam", ward.ReadTeam}, {"EditOwnProfile", ward.EditOwnProfile}, {"ManageOwnTokens", ward.ManageOwnTokens},
		{"ManageTeam", ward.ManageTeam}, {"ManageAnyToken", ward.ManageAnyToken}, {"ReadAudit", ward.ReadAudit},
		{"ReadSchedule", ward.ReadSchedule}, {"EditSchedule", ward.EditSchedule}, {"ManageRotations", ward.ManageRotations},
		{"ReadReports", ward.ReadReports}, {"FileReports", ward.FileReports}, {"SaveFilters", ward.SaveFilters},
		{"ReadInbox", ward.ReadInbox}, {"WorkInbox", ward.WorkInbox}, {"DeleteMail", ward.DeleteMail},
	}
	// want[role] lists, in the order of perms, what each role may do.
	want := map[ward.Role][15]bool{
		ward.RoleAdmin:     {true, true, true, true, true, true, true, true, true, true, true, true, true, true, true},
		ward.RoleResponder: {true, true, true, false, false, false, true, true, false, true, true, true, true, true, false},
		ward.RoleTriager:   {true, true, true, false, false, false, true, true, false, true, true, true, true, true, false},
		ward.RoleViewer:    {true, true, true, false, false, false, true, false, false, true, false, false, true, false, false},
		"":                 {},
		"root":             {},
	}
	for role, allowed := range want {
		for i, p := range perms {
			a := ward.Actor{Kind: ward.ActorMember, Email: "x@example.org", Role: role}
			if got := ward.Can(a, p.p); got != allowed[i] {
				t.Errorf("Can(%q, %s) = %v, want %v", role, p.name, got, allowed[i])
			}
			if err := ward.Require(a, p.p); (err == nil) != allowed[i] || (err != nil && ward.ErrorCode(err) != ward.EFORBIDDEN) {
				t.Errorf("Require(%q, %s) = %v", role, p.name, err)
			}
		}
	}
}

func TestActorFromContextDefaultsToSystem(t *testing.T) {
	a := ward.ActorFromContext(t.Context())
	if a.Kind != ward.ActorSystem || a.String() != "system" {
		t.Errorf("actor of a bare context = %+v", a)
	}
}
