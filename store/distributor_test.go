package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// distributorRequest is a request the domain accepts, from contact for
// org.
func distributorRequest(org, contact, list string) *ward.DistributorRequest {
	return &ward.DistributorRequest{Organisation: org, ContactName: "Dana", ContactEmail: contact, ListAddress: list,
		Answers: ward.DistributorAnswers{Distribution: "packages kubelet", UserBase: "the public", TrackRecord: "https://example.org/errata",
			NotDownstream: "from upstream sources", Contribution: "reviews", Voucher: "ana@example.net", AcceptsEmbargo: true, ContributesBack: true}}
}

func TestDistributorRequests(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		dana := ctxAs(ward.Actor{Kind: ward.ActorApplicant, Email: "dana@example.org"})
		rita := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleResponder})
		start := db.clock.Now()

		req := distributorRequest(" Example  Linux ", "Dana@Example.org", "Security@Example.org")
		if err := db.CreateDistributorRequest(dana, req); err != nil {
			t.Fatalf("create: %v", err)
		}
		t.Run("a request is stored pending, normalised, with its audit entry", func(t *testing.T) {
			got, err := db.FindDistributorRequestByID(rita, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *distributorRequest("Example  Linux", "dana@example.org", "security@example.org")
			want.ID, want.State, want.Version, want.CreatedAt, want.UpdatedAt = req.ID, ward.DistributorPending, 1, start, start
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(got, req); diff != "" {
				t.Errorf("the request given differs from the stored one (-stored +given):\n%s", diff)
			}
			entries, _ := db.FindAuditEntries(rita, ward.AuditFilter{Object: "distributor_request/" + itoa(req.ID)})
			if len(entries) != 1 || entries[0].Action != "distributor.request" || entries[0].Actor != "applicant:dana@example.org" {
				t.Fatalf("audit = %+v", entries)
			}
			var diff map[string][2]any
			if err := json.Unmarshal(entries[0].Diff, &diff); err != nil || diff["list_address"][1] != "security@example.org" || diff["answers"] != [2]any{} {
				t.Errorf("audit diff = %s", entries[0].Diff)
			}
		})
		// Anyone may ask in an organisation's name with any contact
		// email: a repeat refused would let the first to ask block the
		// real one. Repeats are kept, and each request lists the others.
		again := distributorRequest("example  LINUX", "DANA@example.org", "other@example.org")
		eve := distributorRequest("Example Linux", "eve@example.org", "security@example.org") // another contact
		cloud := distributorRequest("Example Cloud", "dana@example.org", "cloud@example.org") // another organisation
		unrelated := distributorRequest("Zeta", "zoe@zeta.example", "sec@zeta.example")
		t.Run("a repeat of a pending request is stored, and each shows the others", func(t *testing.T) {
			for _, r := range []*ward.DistributorRequest{again, eve, cloud, unrelated} {
				if err := db.CreateDistributorRequest(dana, r); err != nil {
					t.Fatalf("%s for %s: %v", r.ContactEmail, r.Organisation, err)
				}
			}
			stored, err := db.FindDistributorRequestByID(rita, again.ID)
			if err != nil || stored.Answers != again.Answers || stored.Organisation != "example  LINUX" || stored.State != ward.DistributorPending {
				t.Errorf("the repeat as stored = %+v, %v", stored, err)
			}
			got, err := db.FindDistributorRequestByID(rita, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []ward.DistributorDuplicate{
				{ID: cloud.ID, State: ward.DistributorPending, SameContact: true},
				{ID: eve.ID, State: ward.DistributorPending, SameOrganisation: true},
				{ID: again.ID, State: ward.DistributorPending, SameContact: true, SameOrganisation: true},
			}
			if diff := cmp.Diff(want, got.Duplicates); diff != "" || got.MoreDuplicates != 0 {
				t.Errorf("duplicates of the first (-want +got), %d more:\n%s", got.MoreDuplicates, diff)
			}
			list, err := db.FindDistributorRequests(rita, ward.DistributorFilter{})
			if err != nil || len(list) != 5 {
				t.Fatalf("list = %d, %v", len(list), err)
			}
			dups := map[int64][]int64{}
			for _, r := range list {
				for _, d := range r.Duplicates {
					dups[r.ID] = append(dups[r.ID], d.ID)
				}
			}
			wantDups := map[int64][]int64{
				req.ID: {cloud.ID, eve.ID, again.ID}, again.ID: {cloud.ID, eve.ID, req.ID},
				eve.ID: {again.ID, req.ID}, cloud.ID: {again.ID, req.ID},
			}
			if diff := cmp.Diff(wantDups, dups); diff != "" {
				t.Errorf("duplicates in the list (-want +got):\n%s", diff)
			}
		})
		t.Run("an invalid request is refused before anything is written", func(t *testing.T) {
			bad := distributorRequest("Example", "dana@example.org", "not an address")
			wantCode(t, db.CreateDistributorRequest(dana, bad), ward.EINVALID)
			if bad.ID != 0 {
				t.Errorf("id = %d", bad.ID)
			}
		})

		db.clock.Advance(time.Hour)
		approved, err := db.DecideDistributorRequest(rita, req.ID, 1, ward.DistributorDecision{Action: ward.DistributorApprove})
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		t.Run("an approval is stored with who and when, and audited", func(t *testing.T) {
			got, _ := db.FindDistributorRequestByID(rita, req.ID)
			now := db.clock.Now()
			if got.State != ward.DistributorApproved || got.Version != 2 || got.DecidedBy != "member:rita@example.org" ||
				!got.DecidedAt.Equal(now) || !got.ApprovedAt.Equal(now) || !got.UpdatedAt.Equal(now) || !got.CreatedAt.Equal(start) {
				t.Errorf("stored = %+v", got)
			}
			if diff := cmp.Diff(got, approved); diff != "" {
				t.Errorf("returned differs from stored (-stored +returned):\n%s", diff)
			}
			if len(approved.Duplicates) != 3 {
				t.Errorf("the decision's answer lacks the duplicates: %+v", approved.Duplicates)
			}
			entries, _ := db.FindAuditEntries(rita, ward.AuditFilter{Object: "distributor_request/" + itoa(req.ID)})
			if len(entries) != 2 || entries[0].Action != "distributor.approve" || entries[0].Actor != "member:rita@example.org" ||
				string(entries[0].Diff) != `{"state":["pending","approved"]}` {
				t.Errorf("audit = %+v", entries[0])
			}
		})
		t.Run("a decision on an older version is refused and changes nothing", func(t *testing.T) {
			before := auditCount(t, db)
			_, err := db.DecideDistributorRequest(rita, req.ID, 1, ward.DistributorDecision{Action: ward.DistributorRemove, Reason: "x"})
			wantCode(t, err, ward.ECONFLICT)
			if got, _ := db.FindDistributorRequestByID(rita, req.ID); got.State != ward.DistributorApproved || got.Version != 2 {
				t.Errorf("after = %+v", got)
			}
			if after := auditCount(t, db); after != before {
				t.Errorf("audit entries went from %d to %d", before, after)
			}
		})
		t.Run("illegal moves are conflicts; a missing reason is invalid", func(t *testing.T) {
			_, err := db.DecideDistributorRequest(rita, req.ID, 0, ward.DistributorDecision{Action: ward.DistributorDecline, Reason: "x"})
			wantCode(t, err, ward.ECONFLICT)
			_, err = db.DecideDistributorRequest(rita, req.ID, 0, ward.DistributorDecision{Action: ward.DistributorRemove})
			wantCode(t, err, ward.EINVALID)
			_, err = db.DecideDistributorRequest(rita, 9999, 0, ward.DistributorDecision{Action: ward.DistributorApprove})
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("the decision itself is checked before the request: invalid, not a conflict", func(t *testing.T) {
			before := auditCount(t, db)
			for _, c := range []struct {
				version int64
				d       ward.DistributorDecision
			}{
				{1, ward.DistributorDecision{Action: ward.DistributorDecline}},  // stale, and a decline of an approved one
				{0, ward.DistributorDecision{Action: ward.DistributorDecline}},  // a decline of an approved one
				{-1, ward.DistributorDecision{Action: ward.DistributorApprove}}, // not a version
				{-1, ward.DistributorDecision{Action: ward.DistributorRemove, Reason: "x"}},
			} {
				_, err := db.DecideDistributorRequest(rita, req.ID, c.version, c.d)
				wantCode(t, err, ward.EINVALID)
			}
			_, err := db.DecideDistributorRequest(rita, 9999, 0, ward.DistributorDecision{Action: ward.DistributorDecline})
			wantCode(t, err, ward.EINVALID)
			if after := auditCount(t, db); after != before {
				t.Errorf("audit entries went from %d to %d", before, after)
			}
		})
		t.Run("a list address is on the list once", func(t *testing.T) {
			others, _ := db.FindDistributorRequests(rita, ward.DistributorFilter{State: ward.DistributorPending})
			var same *ward.DistributorRequest
			for _, o := range others {
				if o.ListAddress == "security@example.org" {
					same = o
				}
			}
			if same == nil {
				t.Fatalf("no pending request with the same list address: %+v", others)
			}
			_, err := db.DecideDistributorRequest(rita, same.ID, 0, ward.DistributorDecision{Action: ward.DistributorApprove})
			wantCode(t, err, ward.ECONFLICT)
			if msg := ward.ErrorMessage(err); msg != "security@example.org is on the distributors list already, through request "+itoa(req.ID)+"; remove that one first, or decline this one" {
				t.Errorf("message = %q", msg)
			}
		})
		t.Run("the list is the approved requests by address", func(t *testing.T) {
			if _, err := db.DecideDistributorRequest(rita, cloud.ID, cloud.Version, ward.DistributorDecision{Action: ward.DistributorApprove}); err != nil {
				t.Fatal(err)
			}
			list, err := db.FindDistributorList(rita)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range list {
				got = append(got, r.ListAddress)
			}
			if diff := cmp.Diff([]string{"cloud@example.org", "security@example.org"}, got); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
		})
		t.Run("a removal keeps when it was approved, and the reason", func(t *testing.T) {
			db.clock.Advance(time.Hour)
			removed, err := db.DecideDistributorRequest(rita, req.ID, 2, ward.DistributorDecision{Action: ward.DistributorRemove, Reason: " leaked an embargo "})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindDistributorRequestByID(rita, req.ID)
			if got.State != ward.DistributorRemoved || got.Reason != "leaked an embargo" || !got.ApprovedAt.Equal(approved.ApprovedAt) ||
				!got.DecidedAt.Equal(db.clock.Now()) || got.Version != 3 || removed.Version != 3 {
				t.Errorf("removed = %+v", got)
			}
			entries, _ := db.FindAuditEntries(rita, ward.AuditFilter{Object: "distributor_request/" + itoa(req.ID), Limit: 1})
			if entries[0].Action != "distributor.remove" || string(entries[0].Diff) != `{"reason":["","leaked an embargo"],"state":["approved","removed"]}` {
				t.Errorf("audit = %s %s", entries[0].Action, entries[0].Diff)
			}
			if list, _ := db.FindDistributorList(rita); len(list) != 1 {
				t.Errorf("list after removal = %d entries", len(list))
			}
		})
		t.Run("a removed organisation may ask again", func(t *testing.T) {
			if err := db.CreateDistributorRequest(dana, distributorRequest("Example Linux", "dana@example.org", "security@example.org")); err != nil {
				t.Errorf("asking again: %v", err)
			}
		})
		t.Run("lists select by state, time and cursor; counts by time", func(t *testing.T) {
			all, _ := db.FindDistributorRequests(rita, ward.DistributorFilter{})
			if len(all) != 6 || all[0].ID <= all[5].ID {
				t.Fatalf("all = %d, not newest first", len(all))
			}
			newest := all[0]
			tests := []struct {
				name string
				f    ward.DistributorFilter
				want int
			}{
				{"pending", ward.DistributorFilter{State: ward.DistributorPending}, 4},
				{"approved", ward.DistributorFilter{State: ward.DistributorApproved}, 1},
				{"removed", ward.DistributorFilter{State: ward.DistributorRemoved}, 1},
				{"declined", ward.DistributorFilter{State: ward.DistributorDeclined}, 0},
				{"since the start", ward.DistributorFilter{Since: start}, 6},
				{"since the last one", ward.DistributorFilter{Since: newest.CreatedAt}, 1},
				{"after it", ward.DistributorFilter{Since: newest.CreatedAt.Add(time.Microsecond)}, 0},
				{"before the newest", ward.DistributorFilter{Before: newest.ID}, 5},
				{"one", ward.DistributorFilter{Limit: 1}, 1},
			}
			for _, tt := range tests {
				got, err := db.FindDistributorRequests(rita, tt.f)
				if err != nil || len(got) != tt.want {
					t.Errorf("%s: got %d, %v; want %d", tt.name, len(got), err, tt.want)
				}
			}
			for _, c := range []struct {
				since time.Time
				want  int
			}{{start, 6}, {start.Add(time.Minute), 1}, {db.clock.Now().Add(time.Microsecond), 0}} {
				if n, err := db.CountDistributorRequestsSince(rita, c.since); err != nil || n != c.want {
					t.Errorf("count since %s = %d, %v; want %d", c.since, n, err, c.want)
				}
			}
		})
	})
}

// A flood of repeats is counted, not listed: a page of requests holds at
// most MaxDistributorDuplicates of each one's duplicates.
func TestDistributorDuplicatesFlood(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		dana := ctxAs(ward.Actor{Kind: ward.ActorApplicant, Email: "dana@example.org"})
		rita := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleTriager})
		n := ward.MaxDistributorDuplicates + 3
		var ids []int64
		for range n {
			r := distributorRequest("Example Linux", "mallory@evil.example", "list@evil.example")
			if err := db.CreateDistributorRequest(dana, r); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		list, err := db.FindDistributorRequests(rita, ward.DistributorFilter{Limit: 2})
		if err != nil || len(list) != 2 {
			t.Fatalf("list = %d, %v", len(list), err)
		}
		for _, r := range list {
			if len(r.Duplicates) != ward.MaxDistributorDuplicates || r.MoreDuplicates != n-1-ward.MaxDistributorDuplicates {
				t.Errorf("#%d: %d duplicates and %d more, want %d and %d", r.ID, len(r.Duplicates), r.MoreDuplicates, ward.MaxDistributorDuplicates, n-1-ward.MaxDistributorDuplicates)
			}
		}
		newest := list[0]
		if first := newest.Duplicates[0].ID; first != ids[n-2] {
			t.Errorf("the newest's first duplicate = #%d, want the next newest #%d", first, ids[n-2])
		}
	})
}

// auditCount is how many writes the store has recorded.
func auditCount(t *testing.T, db testDB) int {
	t.Helper()
	entries, err := db.FindAuditEntries(ctxAs(cli), ward.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
