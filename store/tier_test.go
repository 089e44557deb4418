package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

func TestTiers(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(cli)
		tier1 := ward.TierSpec{Name: "tier-1", Description: ptr("core components"), Currency: ptr("USD"),
			Bounties: map[string]int64{"critical": 1_000_000, "high": 500_000, "medium": 250_000, "low": 100_000}}
		changes, err := db.ApplyTeam(ctx, ward.TeamSpec{Tiers: []ward.TierSpec{tier1}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].Action != "create" || changes[0].Object != "tier/tier-1" {
			t.Fatalf("changes = %+v", changes)
		}
		got, err := db.FindTierByName(ctx, "tier-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tier1.Bounties, got.Bounties); diff != "" || got.Currency != "USD" || got.Description != "core components" {
			t.Errorf("tier = %+v (bounties -want +got:\n%s)", got, diff)
		}

		t.Run("applying again changes nothing", func(t *testing.T) {
			if again, err := db.ApplyTeam(ctx, ward.TeamSpec{Tiers: []ward.TierSpec{tier1}}, false); err != nil || len(again) != 0 {
				t.Errorf("second apply = %+v, %v", again, err)
			}
		})
		t.Run("keys left out keep their value", func(t *testing.T) {
			changes, err := db.ApplyTeam(ctx, ward.TeamSpec{Tiers: []ward.TierSpec{{Name: "tier-1", Description: ptr("kube-apiserver, etcd, kubelet")}}}, false)
			if err != nil {
				t.Fatal(err)
			}
			want := []ward.Change{{Action: "update", Object: "tier/tier-1", Diff: ward.Diff{"description": {"core components", "kube-apiserver, etcd, kubelet"}}}}
			if diff := cmp.Diff(want, changes, ignoreMember); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if got, _ := db.FindTierByName(ctx, "tier-1"); got.Bounties["critical"] != 1_000_000 {
				t.Errorf("bounties after a description change = %v", got.Bounties)
			}
		})
		t.Run("bad tiers are invalid and write nothing", func(t *testing.T) {
			for _, bad := range []ward.TierSpec{
				{Name: "x", Currency: ptr("usd"), Bounties: map[string]int64{"high": 1}},
				{Name: "x", Currency: ptr("USD"), Bounties: map[string]int64{"severe": 1}},
				{Name: "x", Currency: ptr("USD"), Bounties: map[string]int64{"high": -1}},
				{Name: "x", Currency: ptr("USD"), Bounties: map[string]int64{}},
				{Name: "x", Bounties: map[string]int64{"high": 1}},
				{Name: "Tier One", Currency: ptr("USD"), Bounties: map[string]int64{"high": 1}},
			} {
				_, err := db.ApplyTeam(ctx, ward.TeamSpec{Tiers: []ward.TierSpec{bad}}, false)
				wantCode(t, err, ward.EINVALID)
			}
			all, _ := db.FindTiers(ctx)
			if len(all) != 1 {
				t.Errorf("tiers after bad applies = %d, want 1", len(all))
			}
			_, err := db.FindTierByName(ctx, "x")
			wantCode(t, err, ward.ENOTFOUND)
		})
		t.Run("tier changes are audited", func(t *testing.T) {
			entries, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "tier/tier-1"})
			if len(entries) != 2 || entries[1].Action != "tier.create" || entries[0].Action != "tier.update" {
				t.Errorf("audit = %+v", entries)
			}
		})
	})
}
