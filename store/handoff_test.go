package store

import (
	"testing"

	"github.com/wardsec/ward"
)

func TestHandoffs(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		rita := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleResponder})
		rob := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rob@example.org", Role: ward.RoleResponder})
		r := ward.Report{Title: "Kubelet log injection", Source: ward.SourceAPI}
		if _, err := db.CreateReport(rita, &r); err != nil {
			t.Fatal(err)
		}
		if _, err := db.write.ExecContext(rita, db.rebind(`UPDATE reports SET state = 'tracked', commander = 'rita@example.org' WHERE id = ?`), r.ID); err != nil {
			t.Fatal(err)
		}
		request := func(t *testing.T, version int64) (*ward.Handoff, error) {
			t.Helper()
			h := &ward.Handoff{Report: r.ID, From: "rita@example.org", To: "rob@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p"}
			ev := &ward.TimelineEvent{Action: "handoff_request", FromState: "tracked", ToState: "tracked", Visibility: "team",
				Comment: "Handing off", Notify: []string{"rob@example.org"}}
			return h, db.CreateHandoff(rita, h, version, ev)
		}
		stored, err := db.FindReportByID(rita, r.ID)
		if err != nil {
			t.Fatal(err)
		}

		h, err := request(t, stored.Version)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		t.Run("a request is stored pending, with its event and a notification", func(t *testing.T) {
			got, err := db.FindHandoffByID(rita, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ward.HandoffPending || got.From != "rita@example.org" || got.To != "rob@example.org" || got.CreatedBy != "member:rita@example.org" ||
				!got.CreatedAt.Equal(db.clock.Now()) || !got.AnsweredAt.IsZero() || got.Decisions != "d" {
				t.Errorf("stored = %+v", got)
			}
			events, _ := db.FindTimeline(rita, r.ID)
			if last := events[len(events)-1]; last.Action != "handoff_request" || last.Actor != "member:rita@example.org" {
				t.Errorf("last event = %+v", last)
			}
			notes, _ := db.FindNotifications(rita, ward.NotificationFilter{Member: "rob@example.org"})
			if len(notes) != 1 || notes[0].Kind != "handoff_request" || notes[0].Report != r.ID {
				t.Errorf("rob's notifications = %+v", notes)
			}
			if again, _ := db.FindReportByID(rita, r.ID); again.Version != stored.Version || again.Commander != "rita@example.org" {
				t.Errorf("a request changed the report: %+v", again)
			}
		})
		t.Run("one pending handoff per report", func(t *testing.T) {
			_, err := request(t, stored.Version)
			wantCode(t, err, ward.ECONFLICT)
		})
		t.Run("a request checked against an older report is refused", func(t *testing.T) {
			_, err := request(t, stored.Version-1)
			wantCode(t, err, ward.ECONFLICT)
		})
		t.Run("lists select pending, to and from", func(t *testing.T) {
			tests := []struct {
				name string
				f    ward.HandoffFilter
				want int
			}{
				{"all", ward.HandoffFilter{}, 1},
				{"pending to rob", ward.HandoffFilter{Pending: true, To: "rob@example.org"}, 1},
				{"pending from rita", ward.HandoffFilter{Pending: true, From: "rita@example.org"}, 1},
				{"to rita", ward.HandoffFilter{To: "rita@example.org"}, 0},
				{"of the report", ward.HandoffFilter{Report: r.ID}, 1},
				{"of another report", ward.HandoffFilter{Report: r.ID + 1}, 0},
				{"before it", ward.HandoffFilter{Before: h.ID}, 0},
				{"before the next", ward.HandoffFilter{Before: h.ID + 1}, 1},
			}
			for _, tt := range tests {
				got, err := db.FindHandoffs(rita, tt.f)
				if err != nil || len(got) != tt.want {
					t.Errorf("%s: got %d handoffs, %v; want %d", tt.name, len(got), err, tt.want)
				}
			}
		})
		t.Run("an acceptance while the commander changed is refused, and changes nothing", func(t *testing.T) {
			// Any write that bumps the version will do; set_commander itself
			// would cancel the handoff (TestSetCommanderCancelsPendingHandoff).
			changed := *stored
			changed.Commander = "ada@example.org"
			if err := db.UpdateReport(rita, &changed, stored.Version, &ward.TimelineEvent{Action: "comment", Visibility: "team"}); err != nil {
				t.Fatal(err)
			}
			accepted := *h
			accepted.State = ward.HandoffAccepted
			late := *stored
			late.Commander = "rob@example.org"
			err := db.AnswerHandoff(rob, &accepted, &late, stored.Version, &ward.TimelineEvent{Action: "handoff_accept", Visibility: "team"})
			wantCode(t, err, ward.ECONFLICT)
			if got, _ := db.FindHandoffByID(rita, h.ID); got.State != ward.HandoffPending {
				t.Errorf("the refused acceptance left the handoff %s", got.State)
			}
			if got, _ := db.FindReportByID(rita, r.ID); got.Commander != "ada@example.org" {
				t.Errorf("commander = %q", got.Commander)
			}
			stored = &changed
		})
		t.Run("an acceptance stores the new commander with the answer", func(t *testing.T) {
			if _, err := db.write.ExecContext(rita, db.rebind(`UPDATE reports SET commander = 'rita@example.org' WHERE id = ?`), r.ID); err != nil {
				t.Fatal(err)
			}
			accepted := *h
			accepted.State = ward.HandoffAccepted
			next := *stored
			next.Commander = "rob@example.org"
			ev := &ward.TimelineEvent{Action: "handoff_accept", Visibility: "team", Notify: []string{"rita@example.org"},
				Changes: []ward.FieldChange{{Field: "commander", From: "rita@example.org", To: "rob@example.org"}}}
			if err := db.AnswerHandoff(rob, &accepted, &next, stored.Version, ev); err != nil {
				t.Fatalf("accept: %v", err)
			}
			got, _ := db.FindHandoffByID(rita, h.ID)
			if got.State != ward.HandoffAccepted || !got.AnsweredAt.Equal(db.clock.Now()) {
				t.Errorf("handoff = %+v", got)
			}
			if rep, _ := db.FindReportByID(rita, r.ID); rep.Commander != "rob@example.org" || rep.Version != stored.Version+1 {
				t.Errorf("report = commander %q, version %d", rep.Commander, rep.Version)
			}
			notes, _ := db.FindNotifications(rita, ward.NotificationFilter{Member: "rita@example.org"})
			if len(notes) != 1 || notes[0].Kind != "handoff_accept" {
				t.Errorf("rita's notifications = %+v", notes)
			}
		})
		t.Run("an answered handoff cannot be answered again, and a new one may be asked", func(t *testing.T) {
			cancelled := *h
			cancelled.State = ward.HandoffCancelled
			err := db.AnswerHandoff(rita, &cancelled, nil, 0, &ward.TimelineEvent{Action: "handoff_cancel", Visibility: "team"})
			wantCode(t, err, ward.ECONFLICT)
			now, _ := db.FindReportByID(rita, r.ID)
			second, err := request(t, now.Version)
			if err != nil {
				t.Fatalf("a second request after the first was answered: %v", err)
			}
			declined := *second
			declined.State, declined.Reason = ward.HandoffDeclined, "on leave"
			if err := db.AnswerHandoff(rob, &declined, nil, 0, &ward.TimelineEvent{Action: "handoff_decline", Visibility: "team", Comment: "on leave"}); err != nil {
				t.Fatalf("decline: %v", err)
			}
			got, _ := db.FindHandoffByID(rita, second.ID)
			if got.State != ward.HandoffDeclined || got.Reason != "on leave" {
				t.Errorf("declined = %+v", got)
			}
			if pending, _ := db.FindHandoffs(rita, ward.HandoffFilter{Pending: true}); len(pending) != 0 {
				t.Errorf("pending = %+v", pending)
			}
		})
		t.Run("an unknown handoff is not found", func(t *testing.T) {
			_, err := db.FindHandoffByID(rita, 9999)
			wantCode(t, err, ward.ENOTFOUND)
		})
	})
}

// Setting the commander directly cancels the pending handoff, which was
// the old commander's: it would block the new one's and could never be
// accepted.
func TestSetCommanderCancelsPendingHandoff(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		admin := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "ana@example.org", Role: ward.RoleAdmin})
		r := ward.Report{Title: "t", Source: ward.SourceAPI}
		if _, err := db.CreateReport(admin, &r); err != nil {
			t.Fatal(err)
		}
		execSQL(t, db, `UPDATE reports SET state = 'tracked', commander = 'bo@example.org' WHERE id = ?`, r.ID)
		stored, _ := db.FindReportByID(admin, r.ID)
		h := &ward.Handoff{Report: r.ID, From: "bo@example.org", To: "cy@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p"}
		if err := db.CreateHandoff(admin, h, stored.Version, &ward.TimelineEvent{Action: "handoff_request", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		stored, _ = db.FindReportByID(admin, r.ID)
		stored.Commander = "dee@example.org"
		if err := db.UpdateReport(admin, stored, stored.Version, &ward.TimelineEvent{Action: "set_commander", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindHandoffByID(admin, h.ID)
		if got.State != ward.HandoffCancelled || got.Reason != "the commander was set to dee@example.org" {
			t.Errorf("handoff after set_commander = %+v", got)
		}
		for _, member := range []string{"bo@example.org", "cy@example.org"} {
			if n, _ := db.FindNotifications(admin, ward.NotificationFilter{Member: member}); len(n) == 0 || n[0].Kind != "handoff_cancel" {
				t.Errorf("%s was not told: %+v", member, n)
			}
		}
		stored, _ = db.FindReportByID(admin, r.ID)
		next := &ward.Handoff{Report: r.ID, From: "dee@example.org", To: "cy@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p"}
		if err := db.CreateHandoff(admin, next, stored.Version, &ward.TimelineEvent{Action: "handoff_request", Visibility: "team"}); err != nil {
			t.Errorf("the new commander cannot hand off: %v", err)
		}
	})
}
