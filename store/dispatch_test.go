package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestDispatches(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleAdmin})
		if err := db.CreateMember(ctx, &ward.Member{Email: "rob@example.org", Name: "Rob"}); err != nil {
			t.Fatal(err)
		}
		r := ward.Report{Title: "Kubelet log injection", Source: ward.SourceAPI}
		if _, err := db.CreateReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
		stored, _ := db.FindReportByID(ctx, r.ID)
		stored.Commander = "rob@example.org"
		if err := db.UpdateReport(ctx, stored, stored.Version, &ward.TimelineEvent{Action: "ping", FromState: "new", ToState: "new",
			Visibility: "team", Comment: "ping", Notify: []string{"rob@example.org"}}); err != nil {
			t.Fatal(err)
		}

		pending, err := db.PendingNotifications(ctx, 10)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending = %+v, %v; want the new report's notification and the ping's", pending, err)
		}
		if created := pending[0]; created.Member != "" || created.Kind != "create" || created.Report != r.ID {
			t.Errorf("the new report's notification = %+v, want one for nobody: the on-call when it is sent", created)
		}
		n := pending[1]
		if n.Member != "rob@example.org" || n.Title != r.Title || n.Action != "ping" || n.State != "new" {
			t.Errorf("pending = %+v", n)
		}
		due := db.clock.Now().Add(time.Hour)
		ds := []*ward.Dispatch{
			{Key: "n:1:email", Channel: ward.ChannelEmail, Target: "rob@example.org", Member: "rob@example.org", Kind: "ping", Report: r.ID, Notification: n.ID, Subject: "s", Body: "b", DueAt: due},
			{Key: "n:1:channel:siem", Channel: ward.ChannelWebhook, Target: "siem", Kind: "ping", Report: r.ID, Notification: n.ID, Subject: "s", Body: "{}"},
		}
		if err := db.FanOut(ctx, []int64{pending[0].ID, n.ID}, ds); err != nil {
			t.Fatal(err)
		}
		t.Run("a notification fans out once", func(t *testing.T) {
			if again, _ := db.PendingNotifications(ctx, 10); len(again) != 0 {
				t.Errorf("pending after fan-out = %+v", again)
			}
			// A second instance that read it before the first committed
			// stores nothing twice.
			if err := db.FanOut(ctx, []int64{n.ID}, ds); err != nil {
				t.Fatal(err)
			}
			all, _ := db.FindDispatches(ctx, ward.DispatchFilter{})
			if len(all) != 2 {
				t.Errorf("dispatches = %d, want 2", len(all))
			}
			if added, err := db.QueueDispatch(ctx, &ward.Dispatch{Key: "n:1:email", Channel: ward.ChannelEmail, Target: "x", Kind: "k", Subject: "s", Body: "b"}); added || err != nil {
				t.Errorf("queue a stored key: %v, %v; want false, nil", added, err)
			}
		})

		machine := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		channels := []string{ward.ChannelEmail, ward.ChannelSlack, ward.ChannelWebhook}
		t.Run("claims follow the team's clock for due times and the machine's for leases", func(t *testing.T) {
			got, err := db.ClaimDispatches(ctx, channels, db.clock.Now(), machine, time.Minute, 10)
			if err != nil || len(got) != 1 || got[0].Channel != ward.ChannelWebhook {
				t.Fatalf("claimed %+v, %v; want the webhook only: the email waits an hour", got, err)
			}
			if again, _ := db.ClaimDispatches(ctx, channels, db.clock.Now(), machine.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
				t.Errorf("claimed while leased: %+v", again)
			}
			// The lease runs out: the worker that held it is gone.
			expired, _ := db.ClaimDispatches(ctx, channels, db.clock.Now(), machine.Add(time.Minute), time.Minute, 10)
			if len(expired) != 1 {
				t.Fatalf("after the lease: %+v", expired)
			}
			if mail, _ := db.ClaimDispatches(ctx, []string{ward.ChannelEmail}, due, machine.Add(2*time.Minute), time.Minute, 10); len(mail) != 1 || mail[0].Channel != ward.ChannelEmail {
				t.Errorf("an instance that sends email only claims %+v, want the email only", mail)
			}
			both, _ := db.ClaimDispatches(ctx, channels, due, machine.Add(4*time.Minute), time.Minute, 10)
			if len(both) != 2 || both[0].Channel != ward.ChannelWebhook {
				t.Errorf("at the email's hour: %+v, want both, the earliest due first", both)
			}
			if none, _ := db.ClaimDispatches(ctx, nil, due, machine.Add(9*time.Minute), time.Minute, 10); len(none) != 0 {
				t.Errorf("an instance that sends nothing claims %+v", none)
			}
		})
		t.Run("failures retry then give up; deliveries are recorded, fenced by the lease", func(t *testing.T) {
			claim := func(at time.Duration, dueBy time.Time) map[string]*ward.Dispatch {
				t.Helper()
				got, err := db.ClaimDispatches(ctx, channels, dueBy, machine.Add(at), time.Minute, 10)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]*ward.Dispatch{}
				for _, d := range got {
					out[d.Channel] = d
				}
				return out
			}
			stalled := claim(10*time.Minute, due)
			retaken := claim(12*time.Minute, due) // the first worker's lease ran out
			if stalled[ward.ChannelWebhook] == nil || retaken[ward.ChannelWebhook] == nil {
				t.Fatalf("claimed %v, then %v", stalled, retaken)
			}
			if err := db.MarkDispatchFailed(ctx, stalled[ward.ChannelWebhook], "late", time.Time{}); ward.ErrorCode(err) != ward.ECONFLICT {
				t.Errorf("a worker whose lease ran out records its failure: %v, want a conflict", err)
			}
			webhook, email := retaken[ward.ChannelWebhook], retaken[ward.ChannelEmail]
			if err := db.MarkDispatchFailed(ctx, webhook, "503 Service Unavailable", machine.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkDispatched(ctx, email); err != nil {
				t.Fatal(err)
			}
			if got := claim(59*time.Minute, due); len(got) != 0 {
				t.Errorf("before the retry, with the email delivered: %v", got)
			}
			again := claim(time.Hour, due)
			if len(again) != 1 || again[ward.ChannelWebhook] == nil {
				t.Fatalf("at the retry: %v, want the webhook", again)
			}
			if err := db.MarkDispatchFailed(ctx, again[ward.ChannelWebhook], "410 Gone", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := claim(48*time.Hour, due.Add(24*time.Hour)); len(got) != 0 {
				t.Errorf("after delivery and giving up: %v, want none", got)
			}
			failed, _ := db.FindDispatches(ctx, ward.DispatchFilter{Status: "failed"})
			if len(failed) != 1 || failed[0].Attempts != 2 || failed[0].LastError != "410 Gone" || failed[0].Status() != "failed" {
				t.Errorf("failed = %+v", failed)
			}
			sent, _ := db.FindDispatches(ctx, ward.DispatchFilter{Status: "delivered", Member: "rob@example.org"})
			if len(sent) != 1 || sent[0].Status() != "delivered" || sent[0].DeliveredAt.IsZero() {
				t.Errorf("delivered = %+v", sent)
			}
			if _, err := db.FindDispatches(ctx, ward.DispatchFilter{Status: "lost"}); ward.ErrorCode(err) != ward.EINVALID {
				t.Errorf("a status that is none: %v", err)
			}
			if err := db.MarkDispatched(ctx, &ward.Dispatch{ID: 999}); ward.ErrorCode(err) != ward.ECONFLICT {
				t.Errorf("mark an unknown dispatch: %v", err)
			}
		})
	})
}

func TestNotifyPrefsAndChannels(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleAdmin})
		if err := db.CreateMember(ctx, &ward.Member{Email: "rob@example.org", Name: "Rob"}); err != nil {
			t.Fatal(err)
		}
		p := ward.NotifyPrefs{Member: "rob@example.org", Email: false, Slack: "U0123ABCD", AnyHour: true}
		if err := db.SetNotifyPrefs(ctx, &p); err != nil || p.Slack != "" {
			t.Errorf("a Slack ID typed in: %v, stored %q; want it ignored: only a link sets it", err, p.Slack)
		}
		code, expires, err := db.IssueSlackLink(ctx, "rob@example.org")
		if err != nil || !expires.Equal(db.clock.Now().Add(ward.SlackLinkValid)) {
			t.Fatalf("IssueSlackLink = %v, %v", expires, err)
		}
		if m, err := db.LinkSlack(ctx, code, "U0123ABCD"); err != nil || m != "rob@example.org" {
			t.Fatalf("LinkSlack = %q, %v", m, err)
		}
		if _, err := db.LinkSlack(ctx, code, "U0123ABCD"); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("a code used again: %v", err)
		}
		p.Slack = ""
		if err := db.SetNotifyPrefs(ctx, &p); err != nil || p.Slack != "U0123ABCD" {
			t.Fatalf("SetNotifyPrefs: %v, Slack %q; want the link kept and told", err, p.Slack)
		}
		got, err := db.NotifyPrefs(ctx)
		if err != nil || got["rob@example.org"].Slack != "U0123ABCD" || got["rob@example.org"].Email || !got["rob@example.org"].AnyHour {
			t.Errorf("prefs = %+v, %v", got, err)
		}
		if err := db.SetNotifyPrefs(ctx, &ward.NotifyPrefs{Member: "nobody@example.org", Email: true}); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("prefs of nobody: %v", err)
		}

		siem := ward.NotifyChannel{Name: "siem", Kind: ward.ChannelWebhook, URL: "https://siem.example.org/hook", SecretEnv: "WARD_SIEM_SECRET"}
		slack := ward.NotifyChannel{Name: "sec", Kind: ward.ChannelSlack, URLEnv: "WARD_SLACK_WEBHOOK", Kinds: []string{"new_report"}}
		apply := func(t *testing.T, channels []ward.NotifyChannel) []ward.Change {
			t.Helper()
			changes, err := db.ApplyTeam(ctx, ward.TeamSpec{Channels: channels}, false)
			if err != nil {
				t.Fatal(err)
			}
			return changes
		}
		if c := apply(t, []ward.NotifyChannel{siem, slack}); len(c) != 2 || c[0].Action != "create" {
			t.Errorf("changes = %+v", c)
		}
		if c := apply(t, []ward.NotifyChannel{siem, slack}); len(c) != 0 {
			t.Errorf("the same again: %+v, want no change", c)
		}
		if c := apply(t, nil); len(c) != 0 {
			t.Errorf("a file without notifications: %+v, want no change", c)
		}
		siem.URL = "https://siem.example.org/v2"
		c := apply(t, []ward.NotifyChannel{siem})
		if len(c) != 2 || c[0].Action != "update" || c[1].Action != "delete" || c[1].Object != "channel/sec" {
			t.Errorf("changes = %+v, want siem updated and sec removed", c)
		}
		if d := c[0].Diff["url"]; d[1] != "changed" {
			t.Errorf("the diff of a URL shows %v, want no value: a URL may hold a token", d)
		}
		stored, _ := db.NotifyChannels(ctx)
		if len(stored) != 1 || stored[0].URL != siem.URL {
			t.Errorf("stored = %+v", stored)
		}
		bad := siem
		bad.SecretEnv = ""
		if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Channels: []ward.NotifyChannel{bad}}, false); ward.ErrorCode(err) != ward.EINVALID {
			t.Errorf("a webhook without a secret: %v", err)
		}
		typo := siem
		typo.Kinds = []string{"pings"}
		if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Channels: []ward.NotifyChannel{typo}}, false); ward.ErrorCode(err) != ward.EINVALID {
			t.Errorf("a kind that is none, which would silently send nothing: %v", err)
		}
	})
}

func TestSlackLink(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleAdmin})
		for _, email := range []string{"ana@example.org", "bo@example.org"} {
			if err := db.CreateMember(ctx, &ward.Member{Email: email, Name: email}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.IssueSlackLink(ctx, "nobody@example.org"); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("a code for no member: %v", err)
		}
		first, _, err := db.IssueSlackLink(ctx, "ana@example.org")
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := db.IssueSlackLink(ctx, "ana@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.LinkSlack(ctx, first, "U0ANA"); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("a code replaced by a newer one: %v", err)
		}
		db.clock.Advance(ward.SlackLinkValid)
		if _, err := db.LinkSlack(ctx, second, "U0ANA"); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("an expired code: %v", err)
		}
		code, _, _ := db.IssueSlackLink(ctx, "ana@example.org")
		if _, err := db.LinkSlack(ctx, code, "not-an-id"); ward.ErrorCode(err) != ward.EINVALID {
			t.Errorf("a Slack user that is none: %v", err)
		}
		if m, err := db.LinkSlack(ctx, code, "U0SHARED"); err != nil || m != "ana@example.org" {
			t.Fatalf("LinkSlack = %q, %v", m, err)
		}
		// The same Slack user proves itself Bo's: it is Ana's no more.
		code, _, _ = db.IssueSlackLink(ctx, "bo@example.org")
		if _, err := db.LinkSlack(ctx, code, "U0SHARED"); err != nil {
			t.Fatal(err)
		}
		prefs, err := db.NotifyPrefs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if prefs["bo@example.org"].Slack != "U0SHARED" || prefs["ana@example.org"].Slack != "" || !prefs["bo@example.org"].Email {
			t.Errorf("prefs = %+v, want the Slack user Bo's alone, Bo's email on by default", prefs)
		}
		// Unlinking is the member's own to do.
		if err := db.UnlinkSlack(ctx, "bo@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := db.UnlinkSlack(ctx, "nobody@example.org"); ward.ErrorCode(err) != ward.ENOTFOUND {
			t.Errorf("unlink nobody: %v", err)
		}
		audit, err := db.FindAuditEntries(ctx, ward.AuditFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range audit {
			if strings.HasPrefix(e.Action, "member.slack") {
				actions = append(actions, e.Actor+" "+e.Action+" "+e.Object)
			}
		}
		slices.Reverse(actions)
		want := []string{
			"member:rita@example.org member.slack_link_code member/ana@example.org",
			"member:rita@example.org member.slack_link_code member/ana@example.org",
			"member:rita@example.org member.slack_link_code member/ana@example.org",
			"member:ana@example.org member.slack_link member/ana@example.org",
			"member:rita@example.org member.slack_link_code member/bo@example.org",
			"member:bo@example.org member.slack_unlink member/ana@example.org",
			"member:bo@example.org member.slack_link member/bo@example.org",
			"member:rita@example.org member.slack_unlink member/bo@example.org",
		}
		if !slices.Equal(actions, want) {
			t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
		}
		if prefs, _ := db.NotifyPrefs(ctx); prefs["bo@example.org"].Slack != "" {
			t.Errorf("after unlinking: %+v", prefs["bo@example.org"])
		}
	})
}
