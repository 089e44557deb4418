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
	// gen counts clears. A lookup that began before a clear may have read
	// what the clearing write changed; put refuses it.
	gen uint64
}

type authEntry struct {
	member  ward.Member
	token   ward.Token
	fetched time.Time
}

// get returns the entry for hash if it is fresh, and the generation to
// hand to put after a lookup in the database.
func (c *authCache) get(hash string, now time.Time) (authEntry, uint64, bool) {
	c.mu.RLock()
	e, ok := c.entries[hash]
	gen := c.gen
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) >= AuthCacheTTL || now.Before(e.fetched) {
		return authEntry{}, gen, false
	}
	return e, gen, true
}

// put keeps e unless the cache was cleared since generation gen.
func (c *authCache) put(hash string, e authEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
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
	c.gen++
	c.mu.Unlock()
}

// versionCache keeps the schedule version for AuthCacheTTL, on the same
// terms as authCache: this process's writes clear it at once.
type versionCache struct {
	mu      sync.Mutex
	version int64
	fetched time.Time
	valid   bool
	gen     uint64
}

func (c *versionCache) get(now time.Time) (int64, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := c.valid && now.Sub(c.fetched) < AuthCacheTTL && !now.Before(c.fetched)
	return c.version, c.gen, fresh
}

func (c *versionCache) put(v int64, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.version, c.fetched, c.valid = v, now, true
	}
}

func (c *versionCache) clear() {
	c.mu.Lock()
	c.valid = false
	c.gen++
	c.mu.Unlock()
}
