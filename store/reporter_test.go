package store

import (
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

func TestReporterKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		r := ward.Report{Title: "t", Source: ward.SourceWeb}
		if _, err := db.CreateReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindReportByReporterKey(ctx, ReporterKeyPrefix); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("a report without a link is found by the bare prefix: %v", err)
		}
		first, err := db.IssueReporterKey(ctx, r.ID)
		if err != nil || !strings.HasPrefix(first, ReporterKeyPrefix) || len(first) < 50 {
			t.Fatalf("issue = %q, %v", first, err)
		}
		if got, err := db.FindReportByReporterKey(ctx, first); err != nil || got.ID != r.ID {
			t.Errorf("find by key = %+v, %v", got, err)
		}
		second, err := db.IssueReporterKey(ctx, r.ID)
		if err != nil || second == first {
			t.Fatalf("reissue = %q, %v", second, err)
		}
		_, err = db.FindReportByReporterKey(ctx, first)
		wantCode(t, err, ward.ENOTFOUND)
		for _, bad := range []string{"", "x", strings.ToUpper(second), second + "a"} {
			_, err := db.FindReportByReporterKey(ctx, bad)
			wantCode(t, err, ward.ENOTFOUND)
		}
		_, err = db.IssueReporterKey(ctx, 999)
		wantCode(t, err, ward.ENOTFOUND)
		entries, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "report/" + itoa(r.ID)})
		for _, e := range entries {
			if strings.Contains(string(e.Diff), second[len(ReporterKeyPrefix):]) {
				t.Errorf("the audit log holds the secret: %s", e.Diff)
			}
		}
	})
}

func TestNotifications(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		r := ward.Report{Title: "t", Source: ward.SourceWeb}
		if _, err := db.CreateReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
		ev := &ward.TimelineEvent{Action: "answer", Visibility: "reporter", Notify: []string{"a@example.org", "b@example.org"}}
		if err := db.UpdateReport(ctx, &r, r.Version, ev); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindNotifications(ctx, ward.NotificationFilter{Member: "a@example.org"})
		if err != nil || len(got) != 1 || got[0].Report != r.ID || got[0].Event != ev.ID || got[0].Kind != "answer" || !got[0].ReadAt.IsZero() {
			t.Fatalf("notifications = %+v, %v", got, err)
		}
		t.Run("a refused update notifies nobody", func(t *testing.T) {
			stale := &ward.TimelineEvent{Action: "comment", Visibility: "team", Notify: []string{"a@example.org"}}
			wantCode(t, db.UpdateReport(ctx, &r, 1, stale), ward.ECONFLICT)
			if all, _ := db.FindNotifications(ctx, ward.NotificationFilter{Member: "a@example.org"}); len(all) != 1 {
				t.Errorf("notifications after a conflict = %d", len(all))
			}
		})
		t.Run("only the member reads their own", func(t *testing.T) {
			_, err := db.MarkNotificationRead(ctx, "b@example.org", got[0].ID)
			wantCode(t, err, ward.ENOTFOUND)
			db.clock.Advance(1e9)
			n, err := db.MarkNotificationRead(ctx, "a@example.org", got[0].ID)
			if err != nil || n.ReadAt.IsZero() {
				t.Fatalf("mark read = %+v, %v", n, err)
			}
			db.clock.Advance(1e9)
			again, _ := db.MarkNotificationRead(ctx, "a@example.org", got[0].ID)
			if !again.ReadAt.Equal(n.ReadAt) {
				t.Errorf("reading again moved read_at from %v to %v", n.ReadAt, again.ReadAt)
			}
			if unread, _ := db.FindNotifications(ctx, ward.NotificationFilter{Member: "a@example.org", Unread: true}); len(unread) != 0 {
				t.Errorf("unread = %+v", unread)
			}
			if unread, _ := db.FindNotifications(ctx, ward.NotificationFilter{Member: "b@example.org", Unread: true}); len(unread) != 1 {
				t.Errorf("b's unread = %+v", unread)
			}
		})
	})
}

func TestSavedFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		tri := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		other := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "res@example.org", Role: ward.RoleResponder})
		admin := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "adm@example.org", Role: ward.RoleAdmin})
		f := ward.SavedFilter{Name: "crit-h1", Query: "source=hackerone&view=triage&severity=critical"}
		if created, err := db.SaveFilter(tri, &f); err != nil || !created {
			t.Fatalf("save = %v, %v", created, err)
		}
		if f.Query != "severity=critical&source=hackerone&view=triage" || f.Owner != "member:tri@example.org" {
			t.Errorf("saved = %+v", f)
		}
		t.Run("only the owner or an admin replaces or deletes it", func(t *testing.T) {
			_, err := db.SaveFilter(other, &ward.SavedFilter{Name: "crit-h1", Query: "view=triage"})
			wantCode(t, err, ward.EFORBIDDEN)
			wantCode(t, db.DeleteFilter(other, "crit-h1"), ward.EFORBIDDEN)
			db.clock.Advance(1e9)
			f2 := ward.SavedFilter{Name: "crit-h1", Query: "view=triage"}
			if created, err := db.SaveFilter(admin, &f2); err != nil || created {
				t.Fatalf("an admin replaces it: %v, %v", created, err)
			}
			got, err := db.FindFilterByName(tri, "crit-h1")
			if err != nil || got.Query != "view=triage" || got.Owner != "member:tri@example.org" || !got.CreatedAt.Equal(f.CreatedAt) || !got.UpdatedAt.After(f.UpdatedAt) {
				t.Errorf("replaced = %+v, %v; the owner stays who made it", got, err)
			}
		})
		for _, bad := range []ward.SavedFilter{
			{Name: "Bad Name", Query: "view=triage"},
			{Name: "", Query: "view=triage"},
			{Name: "x", Query: ""},
			{Name: "x", Query: "view=nope"},
			{Name: "x", Query: "colour=red"},
			{Name: "x", Query: "state=new&state=triaged"},
			{Name: "x", Query: "severity=severe"},
			{Name: "x", Query: "source=fax"},
			{Name: "x", Query: "q=%00"},
			{Name: "x", Query: "%zz"},
		} {
			_, err := db.SaveFilter(tri, &bad)
			wantCode(t, err, ward.EINVALID)
		}
		if all, _ := db.FindFilters(tri); len(all) != 1 {
			t.Errorf("filters = %+v", all)
		}
		if err := db.DeleteFilter(tri, "crit-h1"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteFilter(tri, "crit-h1"), ward.ENOTFOUND)
		_, err := db.FindFilterByName(tri, "crit-h1")
		wantCode(t, err, ward.ENOTFOUND)
		entries, _ := db.FindAuditEntries(tri, ward.AuditFilter{Object: "saved_filter/crit-h1"})
		if len(entries) != 3 {
			t.Errorf("audit entries = %d, want save, save, delete", len(entries))
		}
	})
}
