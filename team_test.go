package ward_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wardsec/ward"
)

func acceptAll(code string) (string, error) { return code, nil }

func ptr[T any](v T) *T { return &v }

func TestPlanTeam(t *testing.T) {
	current := map[string]*ward.Member{
		"ana@example.org": {ID: 1, Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin, TimeZone: "UTC", WorkHours: "Mon-Fri 09:00-17:00"},
	}
	spec := ward.TeamSpec{Members: []ward.MemberSpec{
		{Email: "ANA@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), WorkHours: ptr("mon-fri 09:00-17:00")}}, // same once normalised
		{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo")}},
		{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{TimeZone: ptr("Asia/Tokyo")}},
	}}
	got, err := ward.PlanTeam(current, spec, acceptAll)
	if err != nil {
		t.Fatal(err)
	}
	want := []ward.Change{
		{Action: "create", Object: "member/bo@example.org", Diff: ward.Diff{
			"email": {nil, "bo@example.org"}, "name": {nil, "Bo"}, "role": {nil, ward.RoleResponder}, "timezone": {nil, "UTC"},
			"workhours": {nil, "Mon-Fri 09:00-17:00"}, "holidays": {nil, ""}, "disabled": {nil, false}}},
		{Action: "update", Object: "member/ana@example.org", Diff: ward.Diff{"timezone": {"UTC", "Asia/Tokyo"}}},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ward.Change{}, "Member")); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if got[1].Member.ID != 1 || got[1].Member.Name != "Ana" {
		t.Errorf("an update must carry the current member with the change, got %+v", got[1].Member)
	}
}

func TestPlanTeamRefusesInvalidMembers(t *testing.T) {
	for _, s := range []ward.MemberSpec{
		{Email: "x@example.org"}, // a new member needs a name
		{Email: "x@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("X"), TimeZone: ptr("Local")}},
		{Email: "not-an-email"},
	} {
		_, err := ward.PlanTeam(nil, ward.TeamSpec{Members: []ward.MemberSpec{s}}, acceptAll)
		if ward.ErrorCode(err) != ward.EINVALID {
			t.Errorf("PlanTeam(%+v) = %v, want an invalid error", s, err)
		}
	}
}
