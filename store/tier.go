package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/wardsec/ward"
)

var _ ward.TierService = (*DB)(nil)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// maxBounty bounds an amount in minor units: a trillion is more than any
// programme pays and far from overflowing anything that adds them up.
const maxBounty = 1_000_000_000_000

func loadTiers(ctx context.Context, query queryFunc) (map[string]*ward.Tier, []string, error) {
	rows, err := query(ctx, `SELECT id, name, description, currency, bounties, created_at, updated_at FROM tiers ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("find tiers: %w", err)
	}
	defer rows.Close()
	byName := map[string]*ward.Tier{}
	var names []string
	for rows.Next() {
		var t ward.Tier
		var bounties string
		var created, updated int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Description, &t.Currency, &bounties, &created, &updated); err != nil {
			return nil, nil, fmt.Errorf("scan tier: %w", err)
		}
		if err := json.Unmarshal([]byte(bounties), &t.Bounties); err != nil {
			return nil, nil, fmt.Errorf("tier %s: bounty table: %w", t.Name, err)
		}
		t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
		byName[t.Name] = &t
		names = append(names, t.Name)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read tiers: %w", err)
	}
	return byName, names, nil
}

// FindTiers returns every tier, by name.
func (db *DB) FindTiers(ctx context.Context) ([]*ward.Tier, error) {
	byName, names, err := loadTiers(ctx, db.query)
	if err != nil {
		return nil, err
	}
	out := make([]*ward.Tier, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out, nil
}

// FindTierByName returns ENOTFOUND when no tier has the name.
func (db *DB) FindTierByName(ctx context.Context, name string) (*ward.Tier, error) {
	byName, _, err := loadTiers(ctx, db.query)
	if err != nil {
		return nil, err
	}
	if t := byName[name]; t != nil {
		return t, nil
	}
	return nil, ward.Errorf(ward.ENOTFOUND, "no tier is named %q", name)
}

// planTiers works out what applying the specs changes.
func (tx *Tx) planTiers(ctx context.Context, specs []ward.TierSpec) ([]ward.Change, []*ward.Tier, error) {
	current, _, err := loadTiers(ctx, tx.query)
	if err != nil {
		return nil, nil, err
	}
	var changes []ward.Change
	var writes []*ward.Tier
	for _, spec := range specs {
		before := current[spec.Name]
		after, err := planTier(spec, before)
		if err != nil {
			return nil, nil, ward.Errorf(ward.EINVALID, "tier %s: %s", spec.Name, ward.ErrorMessage(err))
		}
		d := tierDiff(before, after)
		if len(d) == 0 {
			continue
		}
		action := "update"
		if before == nil {
			action = "create"
		}
		changes = append(changes, ward.Change{Action: action, Object: "tier/" + spec.Name, Diff: d})
		writes = append(writes, after)
	}
	return changes, writes, nil
}

func planTier(spec ward.TierSpec, before *ward.Tier) (*ward.Tier, error) {
	if !rotationName.MatchString(spec.Name) {
		return nil, ward.Errorf(ward.EINVALID, "name: use 1 to 63 lower-case letters, digits and hyphens")
	}
	after := &ward.Tier{Name: spec.Name}
	if before != nil {
		c := *before
		after = &c
	}
	if spec.Description != nil {
		after.Description = *spec.Description
	}
	if spec.Currency != nil {
		after.Currency = *spec.Currency
	}
	if spec.Bounties != nil {
		after.Bounties = spec.Bounties
	}
	if !currencyCode.MatchString(after.Currency) {
		return nil, ward.Errorf(ward.EINVALID, "currency: %q is not an ISO 4217 code such as USD", after.Currency)
	}
	if len(after.Bounties) == 0 {
		return nil, ward.Errorf(ward.EINVALID, "bounties: a bounty table needs at least one rating")
	}
	for rating, amount := range after.Bounties {
		if !slices.Contains(ward.BountyRatings, rating) {
			return nil, ward.Errorf(ward.EINVALID, "bounties: %q is not one of critical, high, medium, low", rating)
		}
		if amount < 0 || amount > maxBounty {
			return nil, ward.Errorf(ward.EINVALID, "bounties.%s: %d is outside 0 to %d minor units", rating, amount, int64(maxBounty))
		}
	}
	return after, nil
}

func tierDiff(before, after *ward.Tier) ward.Diff {
	var b ward.Tier
	if before != nil {
		b = *before
	}
	d := ward.Diff{}
	add := func(name string, x, y any, same bool) {
		if before == nil {
			d[name] = [2]any{nil, y}
		} else if !same {
			d[name] = [2]any{x, y}
		}
	}
	add("description", b.Description, after.Description, b.Description == after.Description)
	add("currency", b.Currency, after.Currency, b.Currency == after.Currency)
	add("bounties", b.Bounties, after.Bounties, maps.Equal(b.Bounties, after.Bounties))
	return d
}

func (tx *Tx) writeTier(ctx context.Context, t *ward.Tier) error {
	bounties, err := json.Marshal(t.Bounties)
	if err != nil {
		return fmt.Errorf("tier %s: %w", t.Name, err)
	}
	t.UpdatedAt = tx.now
	if t.ID == 0 {
		t.CreatedAt = tx.now
		err = tx.queryRow(ctx, `INSERT INTO tiers (name, description, currency, bounties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.Description, t.Currency, string(bounties), micros(tx.now), micros(tx.now)).Scan(&t.ID)
	} else {
		_, err = tx.exec(ctx, `UPDATE tiers SET description = ?, currency = ?, bounties = ?, updated_at = ? WHERE id = ?`,
			t.Description, t.Currency, string(bounties), micros(tx.now), t.ID)
	}
	if err != nil {
		return fmt.Errorf("write tier %s: %w", t.Name, err)
	}
	return nil
}
