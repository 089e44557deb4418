package ward

import (
	"context"
	"time"
)

// Tier is a severity tier with its bounty table: what a report of each
// CVSS rating earns, in minor units of the tier's currency.
type Tier struct {
	ID          int64            `json:"-"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Currency    string           `json:"currency"`
	Bounties    map[string]int64 `json:"bounties"` // "critical", "high", "medium", "low" → minor units
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// Ratings that a bounty table may name, from the most severe.
var BountyRatings = []string{"critical", "high", "medium", "low"}

// TierService reads tiers; team files write them.
type TierService interface {
	FindTiers(ctx context.Context) ([]*Tier, error)
	// FindTierByName returns ENOTFOUND when no tier has the name.
	FindTierByName(ctx context.Context, name string) (*Tier, error)
}
