package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

var cli = ward.Actor{Kind: ward.ActorCLI, Email: "root", Role: ward.RoleAdmin}

func ctxAs(a ward.Actor) context.Context {
	return ward.NewContextWithActor(context.Background(), a)
}

func mustCreate(t *testing.T, db testDB, m ward.Member) *ward.Member {
	t.Helper()
	if err := db.CreateMember(ctxAs(cli), &m); err != nil {
		t.Fatalf("create %s: %v", m.Email, err)
	}
	return &m
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestMembers(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		created := mustCreate(t, db, ward.Member{Email: "Ana@Example.ORG", Name: " Ana ", Role: ward.RoleAdmin, TimeZone: "Europe/Berlin", Holidays: "de"})
		want := &ward.Member{ID: created.ID, Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin, TimeZone: "Europe/Berlin",
			WorkHours: "Mon-Fri 09:00-17:00", Holidays: "DE", CreatedAt: db.clock.Now(), UpdatedAt: db.clock.Now()}

		t.Run("found whatever the case of the email", func(t *testing.T) {
			got, err := db.FindMemberByEmail(ctx, "ANA@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("member (-want +got):\n%s", diff)
			}
		})
		t.Run("an email taken in another case is a conflict", func(t *testing.T) {
			err := db.CreateMember(ctx, &ward.Member{Email: "ana@EXAMPLE.org", Name: "Other"})
			wantCode(t, err, ward.ECONFLICT)
		})
		t.Run("bad fields are invalid and write nothing", func(t *testing.T) {
			for _, m := range []ward.Member{
				{Email: "not an address", Name: "X"},
				{Email: "x@example.org", Name: ""},
				{Email: "x@example.org", Name: "X", Role: "root"},
				{Email: "x@example.org", Name: "X", TimeZone: "Mars/Olympus"},
				{Email: "x@example.org", Name: "X", WorkHours: "Mon-Fri 17:00-09:00"},
				{Email: "x@example.org", Name: "X", Holidays: "XX"},
			} {
				wantCode(t, db.CreateMember(ctx, &m), ward.EINVALID)
			}
			_, err := db.FindMemberByEmail(ctx, "x@example.org")
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("unknown email is not found", func(t *testing.T) {
			_, err := db.FindMemberByEmail(ctx, "nobody@example.org")
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("list filters role and disabled members", func(t *testing.T) {
			mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo", Role: ward.RoleViewer})
			mustCreate(t, db, ward.Member{Email: "cy@example.org", Name: "Cy", Role: ward.RoleViewer, Disabled: true})
			emails := func(f ward.MemberFilter) []string {
				ms, err := db.FindMembers(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, m := range ms {
					out = append(out, m.Email)
				}
				return out
			}
			if diff := cmp.Diff([]string{"ana@example.org", "bo@example.org"}, emails(ward.MemberFilter{})); diff != "" {
				t.Errorf("active members (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"bo@example.org", "cy@example.org"}, emails(ward.MemberFilter{Role: ward.RoleViewer, IncludeDisabled: true})); diff != "" {
				t.Errorf("viewers (-want +got):\n%s", diff)
			}
		})
	})
}

func TestUpdateMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		mustCreate(t, db, ward.Member{Email: "ana@example.org", Name: "Ana", Role: ward.RoleAdmin})
		mustCreate(t, db, ward.Member{Email: "bo@example.org", Name: "Bo", Role: ward.RoleResponder})

		tz := "Asia/Tokyo"
		hours := "mon-thu 08:00-16:00"
		got, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{TimeZone: &tz, WorkHours: &hours})
		if err != nil {
			t.Fatal(err)
		}
		if got.TimeZone != tz || got.WorkHours != "Mon-Thu 08:00-16:00" || got.Name != "Bo" {
			t.Errorf("updated member = %+v", got)
		}
		entries, err := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "member/bo@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "member.update" {
			t.Fatalf("audit entries = %+v, want an update after the create", entries)
		}
		var diff map[string][2]string
		if err := json.Unmarshal(entries[0].Diff, &diff); err != nil {
			t.Fatal(err)
		}
		want := map[string][2]string{"timezone": {"UTC", "Asia/Tokyo"}, "workhours": {"Mon-Fri 09:00-17:00", "Mon-Thu 08:00-16:00"}}
		if d := cmp.Diff(want, diff); d != "" {
			t.Errorf("audit diff (-want +got):\n%s", d)
		}

		t.Run("the last active admin cannot be demoted or disabled", func(t *testing.T) {
			viewer, yes := ward.RoleViewer, true
			_, err := db.UpdateMember(ctx, "ana@example.org", ward.MemberUpdate{Role: &viewer})
			wantCode(t, err, ward.ECONFLICT)
			_, err = db.UpdateMember(ctx, "ana@example.org", ward.MemberUpdate{Disabled: &yes})
			wantCode(t, err, ward.ECONFLICT)
			admin := ward.RoleAdmin
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Role: &admin}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UpdateMember(ctx, "ana@example.org", ward.MemberUpdate{Disabled: &yes}); err != nil {
				t.Errorf("disable one of two admins: %v", err)
			}
		})
		t.Run("an update that changes nothing writes no audit entry", func(t *testing.T) {
			name := "Bo"
			before, _ := db.FindAuditEntries(ctx, ward.AuditFilter{})
			if _, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{Name: &name}); err != nil {
				t.Fatal(err)
			}
			after, _ := db.FindAuditEntries(ctx, ward.AuditFilter{})
			if len(after) != len(before) {
				t.Errorf("audit entries went from %d to %d", len(before), len(after))
			}
		})
		t.Run("bad values and unknown members", func(t *testing.T) {
			bad := "Nowhere/City"
			_, err := db.UpdateMember(ctx, "bo@example.org", ward.MemberUpdate{TimeZone: &bad})
			wantCode(t, err, ward.EINVALID)
			_, err = db.UpdateMember(ctx, "zed@example.org", ward.MemberUpdate{})
			wantCode(t, err, ward.ENOTFOUND)
		})
	})
}

// Two admins demoting each other at once must not leave the team without
// an admin, on either database: the check and the write are one step.
func TestConcurrentDemotions(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		for round := range 20 {
			a, b := fmt.Sprintf("a%d@example.org", round), fmt.Sprintf("b%d@example.org", round)
			for _, e := range []string{a, b} {
				mustCreate(t, db, ward.Member{Email: e, Name: e, Role: ward.RoleAdmin})
			}
			// Only these two are admins in this round.
			if round > 0 {
				for _, e := range []string{fmt.Sprintf("a%d@example.org", round-1), fmt.Sprintf("b%d@example.org", round-1)} {
					viewer := ward.RoleViewer
					_, _ = db.UpdateMember(ctx, e, ward.MemberUpdate{Role: &viewer})
				}
			}
			var wg sync.WaitGroup
			for _, e := range []string{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					viewer := ward.RoleViewer
					_, _ = db.UpdateMember(ctx, e, ward.MemberUpdate{Role: &viewer})
				}()
			}
			wg.Wait()
			admins, err := db.FindMembers(ctx, ward.MemberFilter{Role: ward.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			if len(admins) == 0 {
				t.Fatalf("round %d: the team has no admin left", round)
			}
		}
	})
}

// Writers on SQLite queue on one connection: concurrent creates all succeed
// instead of failing with "database is locked".
func TestConcurrentWrites(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := ward.Member{Email: "m" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.org", Name: "M"}
				errs <- db.CreateMember(ctxAs(cli), &m)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		ms, err := db.FindMembers(ctxAs(cli), ward.MemberFilter{})
		if err != nil || len(ms) != 40 {
			t.Errorf("members = %d, %v; want 40", len(ms), err)
		}
	})
}
