package ward

import (
	"context"
	"time"
)

// ReplayGuard remembers the signed requests ward took, so that one sent
// again while its signature is still good is refused. It is shared by
// every instance on the database: a replay to another instance is caught
// too.
type ReplayGuard interface {
	// TakeOnce records the request id of source until keepUntil, and
	// forgets those whose time is up. One recorded already is ECONFLICT.
	TakeOnce(ctx context.Context, source, id string, keepUntil time.Time) error
}
