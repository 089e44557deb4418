package store

import (
	"sync"
	"time"

	"github.com/wardsec/ward"
)

// AuthCacheTTL bounds how long an answer of Authenticate is reused. Writes
// through this process (revoking a token, disabling a member, changing a
// role) clear the cache at once; a write by another process, such as the
// CLI or a second instance on the same PostgreSQL, takes effect within
// this time. Without the cache every API request pays a database round
// trip before it does any work (see docs/performance.md).
const AuthCacheTTL = time.Second

// authCacheSize bounds the memory a flood of distinct valid tokens can use.
const authCacheSize = 10_000

// authCache keeps recent token lookups by secret hash. Only tokens that
// were valid when fetched are kept; their expiry is checked on every use.
type authCache struct {
	mu      sync.RWMutex
	entries map[string]authEntry
}

type authEntry struct {
	member  ward.Member
	token   ward.Token
	fetched time.Time
}

func (c *authCache) get(hash string, now time.Time) (authEntry, bool) {
	c.mu.RLock()
	e, ok := c.entries[hash]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) >= AuthCacheTTL || now.Before(e.fetched) {
		return authEntry{}, false
	}
	return e, true
}

func (c *authCache) put(hash string, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= authCacheSize {
		c.entries = make(map[string]authEntry)
	}
	c.entries[hash] = e
}

// clear forgets every entry; writes that may change whether a token is
// valid call it after they commit.
func (c *authCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}
