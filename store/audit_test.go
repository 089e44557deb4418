package store

import (
	"context"
	"strconv"
	"testing"

	"github.com/wardsec/ward"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAuditLog(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		actor := ward.Actor{Kind: ward.ActorMember, Email: "ana@example.org", Role: ward.RoleAdmin}
		ctx := ward.NewContextWithRequestID(ctxAs(actor), "req-1")
		for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
			if err := db.CreateMember(ctx, &ward.Member{Email: e, Name: e}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := db.FindAuditEntries(ctx, ward.AuditFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].Object != "member/c@example.org" || page[1].Object != "member/b@example.org" {
			t.Fatalf("first page = %+v", page)
		}
		if e := page[0]; e.Actor != "member:ana@example.org" || e.Action != "member.create" || e.RequestID != "req-1" || !e.At.Equal(db.clock.Now()) {
			t.Errorf("entry = %+v", e)
		}
		rest, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Before: page[1].ID})
		if len(rest) != 1 || rest[0].Object != "member/a@example.org" {
			t.Errorf("second page = %+v", rest)
		}
		// A cursor beyond 32 bits reads like any other.
		if all, err := db.FindAuditEntries(ctx, ward.AuditFilter{Before: 1 << 40}); err != nil || len(all) != 3 {
			t.Errorf("entries before 2^40 = %d, %v", len(all), err)
		}
		byActor, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Actor: "cli:root"})
		if len(byActor) != 0 {
			t.Errorf("entries by cli:root = %d, want 0", len(byActor))
		}

		t.Run("the database refuses to change or delete entries", func(t *testing.T) {
			statements := []string{`UPDATE audit_log SET actor = 'x'`, `DELETE FROM audit_log`}
			if db.dialect == postgresDialect {
				statements = append(statements, `TRUNCATE audit_log`)
			}
			for _, q := range statements {
				if _, err := db.write.ExecContext(context.Background(), q); err == nil {
					t.Errorf("%s: succeeded on an append-only table", q)
				}
			}
			all, _ := db.FindAuditEntries(ctx, ward.AuditFilter{})
			if len(all) != 3 || all[0].Actor != "member:ana@example.org" {
				t.Errorf("entries after tampering = %+v", all)
			}
		})
	})
}

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		applied, err := db.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Errorf("second migrate applied %v, %v; want nothing", applied, err)
		}
	})
}
