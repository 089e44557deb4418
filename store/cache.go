package store

import (
	"sync"
	"time"
)

// CacheTTL bounds how long the store reuses what it read for the hot
// paths: token checks, calendar feed lookups and the schedule version.
// Writes through this process (revoking a token or a feed, disabling a
// member, changing a role or a schedule) clear the caches at once; a write
// by another process, such as the CLI or a second instance on the same
// PostgreSQL, takes effect within this time. Without the caches every API
// request pays a database round trip before it does any work (see
// docs/performance.md).
const CacheTTL = time.Second

// cacheSize bounds the memory a flood of distinct valid keys can use.
const cacheSize = 10_000

// cache keeps recent reads by key for CacheTTL.
type cache[V any] struct {
	mu      sync.RWMutex
	entries map[string]cached[V]
	// gen counts clears. A read that began before a clear may have seen
	// what the clearing write changed; put refuses it.
	gen uint64
}

type cached[V any] struct {
	value   V
	fetched time.Time
}

// get returns the value for key if it is fresh, and the generation to hand
// to put after reading the database.
func (c *cache[V]) get(key string, now time.Time) (V, uint64, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) >= CacheTTL || now.Before(e.fetched) {
		var zero V
		return zero, gen, false
	}
	return e.value, gen, true
}

// put keeps the value read at now unless the cache was cleared since
// generation gen.
func (c *cache[V]) put(key string, v V, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= cacheSize {
		c.entries = make(map[string]cached[V])
	}
	c.entries[key] = cached[V]{value: v, fetched: now}
}

// clear forgets every entry; writes that may change what was read call it
// after they commit.
func (c *cache[V]) clear() {
	c.mu.Lock()
	c.entries = nil
	c.gen++
	c.mu.Unlock()
}
