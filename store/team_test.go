package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// ignoreMember compares changes by what they say, not by the member value
// they carry to the writer.
var ignoreMember = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Member" }, cmp.Ignore())

func ptr[T any](v T) *T { return &v }

func TestApplyTeam(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		spec := ward.TeamSpec{Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), Role: ptr(ward.RoleAdmin), TimeZone: ptr("Europe/Berlin"), Holidays: ptr("DE")}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Bo"), WorkHours: ptr("Mon-Fri 10:00-18:00")}},
		}}

		dry, err := db.ApplyTeam(ctx, spec, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(dry) != 2 || dry[0].Action != "create" || dry[1].Object != "member/bo@example.org" {
			t.Fatalf("dry run = %+v", dry)
		}
		if ms, _ := db.FindMembers(ctx, ward.MemberFilter{}); len(ms) != 0 {
			t.Fatalf("dry run wrote %d members", len(ms))
		}

		changes, err := db.ApplyTeam(ctx, spec, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(dry, changes, ignoreMember); diff != "" {
			t.Errorf("apply differs from its dry run (-dry +apply):\n%s", diff)
		}
		bo, _ := db.FindMemberByEmail(ctx, "bo@example.org")
		if bo.Role != ward.RoleResponder || bo.TimeZone != "UTC" || bo.WorkHours != "Mon-Fri 10:00-18:00" {
			t.Errorf("bo = %+v, want defaults for what the file leaves out", bo)
		}

		t.Run("applying the same file again changes nothing", func(t *testing.T) {
			again, err := db.ApplyTeam(ctx, spec, false)
			if err != nil || len(again) != 0 {
				t.Errorf("second apply = %+v, %v; want no changes", again, err)
			}
		})
		t.Run("keys the file leaves out keep their current value", func(t *testing.T) {
			tz := "Asia/Tokyo"
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{TimeZone: &tz}); err != nil {
				t.Fatal(err)
			}
			next := ward.TeamSpec{Members: []ward.MemberSpec{{Email: "BO@example.org", MemberUpdate: ward.MemberUpdate{Role: ptr(ward.RoleTriager)}}}}
			changes, err := db.ApplyTeam(ctx, next, false)
			if err != nil {
				t.Fatal(err)
			}
			want := []ward.Change{{Action: "update", Object: "member/bo@example.org", Diff: ward.Diff{"role": {ward.RoleResponder, ward.RoleTriager}}}}
			if diff := cmp.Diff(want, changes, ignoreMember); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			bo, _ := db.FindMemberByEmail(ctx, "bo@example.org")
			if bo.TimeZone != "Asia/Tokyo" || bo.Role != ward.RoleTriager {
				t.Errorf("bo = %+v", bo)
			}
		})
		t.Run("one bad member writes nothing at all", func(t *testing.T) {
			bad := ward.TeamSpec{Members: []ward.MemberSpec{
				{Email: "cy@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Cy")}},
				{Email: "dee@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Dee"), Holidays: ptr("ZZ")}},
			}}
			_, err := db.ApplyTeam(ctx, bad, false)
			wantCode(t, err, ward.EINVALID)
			_, err = db.FindMemberByEmail(ctx, "cy@example.org")
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("a write that fails midway rolls back the writes before it", func(t *testing.T) {
			// The second entry passes planning but its insert collides
			// with the first: the first must not stay written.
			twice := ward.TeamSpec{Members: []ward.MemberSpec{
				{Email: "gus@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Gus")}},
				{Email: "GUS@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Gus again")}},
			}}
			_, err := db.ApplyTeam(ctx, twice, false)
			wantCode(t, err, ward.ECONFLICT)
			_, err = db.FindMemberByEmail(ctx, "gus@example.org")
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("a new member needs a name", func(t *testing.T) {
			_, err := db.ApplyTeam(ctx, ward.TeamSpec{Members: []ward.MemberSpec{{Email: "eve@example.org"}}}, false)
			wantCode(t, err, ward.EINVALID)
		})
		t.Run("a file cannot remove the last admin", func(t *testing.T) {
			_, err := db.ApplyTeam(ctx, ward.TeamSpec{Members: []ward.MemberSpec{{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Disabled: ptr(true)}}}}, false)
			wantCode(t, err, ward.ECONFLICT)
		})
	})
}
