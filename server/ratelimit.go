package server

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// clientLimiter is a token bucket per client (an address, a reporter
// link), read on the server's clock so that tests can move time. Buckets
// of clients gone quiet are dropped, and there are at most maxBuckets: a
// new client in a full table takes the place of one seen long ago (see
// evict), so that a flood neither grows the table nor turns the limit
// off.
type clientLimiter struct {
	every time.Duration // one more request is allowed after each
	burst int
	mu    sync.Mutex
	seen  map[string]*bucket
	swept time.Time
}

// maxBuckets bounds a limiter's memory: some 100 bytes a bucket.
const maxBuckets = 100_000

// bucket is one client's tokens: burst at most, one more after each
// every. It is the limiter's own rather than golang.org/x/time/rate's,
// since a sign-in that succeeds gives its token back (refund), which rate
// cannot do exactly.
type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
	last   time.Time // when the client was last seen
}

// fill brings the bucket's tokens up to now.
func (b *bucket) fill(now time.Time, every time.Duration, burst int) {
	if now.After(b.at) {
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.at))/float64(every))
		b.at = now
	}
}

func newClientLimiter(every time.Duration, burst int) *clientLimiter {
	return &clientLimiter{every: every, burst: burst, seen: map[string]*bucket{}}
}

// allow takes one request from the client's bucket, or reports that it is
// empty.
func (l *clientLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A bucket unseen for burst×every is full again: forgetting it changes
	// nothing.
	idle := time.Duration(l.burst) * l.every
	if now.Sub(l.swept) > idle {
		for k, b := range l.seen {
			if now.Sub(b.last) > idle {
				delete(l.seen, k)
			}
		}
		l.swept = now
	}
	b := l.seen[client]
	if b == nil {
		if len(l.seen) >= maxBuckets {
			l.evict()
		}
		b = &bucket{tokens: float64(l.burst), at: now}
		l.seen[client] = b
	}
	b.last = now
	b.fill(now, l.every, l.burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evictSample is how many buckets evict looks at to find the least
// recently seen: a sample, since looking at all of a full table for each
// new client would be the flood's work multiplied.
const evictSample = 64

// evict drops the least recently seen of some buckets (Go's maps start
// each walk at a random place) to make room for a new client. Refusing
// new clients would lock everyone new out, and forgetting them would
// let them in unlimited; a dropped bucket starts full again, which costs
// an attacker a whole table of clients to cause.
func (l *clientLimiter) evict() {
	var oldest string
	var oldestSeen time.Time
	n := 0
	for k, b := range l.seen {
		if n == 0 || b.last.Before(oldestSeen) {
			oldest, oldestSeen = k, b.last
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(l.seen, oldest)
}

// refund gives back a token that allow took, for limits that count only
// failures: the token is taken before trying, so that requests in
// parallel cannot all try before any failure is counted, and given back
// when the try succeeds.
func (l *clientLimiter) refund(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.seen[client]; b != nil {
		b.fill(now, l.every, l.burst)
		b.tokens = min(float64(l.burst), b.tokens+1)
	}
}

// clientAddress is the address a request came from, as the limits key
// it: an IPv4 address, or the /64 network of an IPv6 one, since one client
// commonly holds a whole /64. It is the connection's address, unless that
// is one of the trusted proxies: then it is the right-most address of
// X-Forwarded-For that is not itself a trusted proxy. Each proxy appends
// the address it was connected from, so everything to the left of that
// one was written by the client, who can write anything there; and an
// untrusted peer's X-Forwarded-For is not read at all.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap()
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				// A proxy we trust wrote something unreadable: keep the
				// last address known, so that such requests share one
				// bucket rather than escape the limit.
				break
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64) // a /64 of an IPv6 address always exists
		return p.String()
	}
	return addr.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientAddress is the request's client address under the server's
// trusted proxies.
func (s *Server) clientAddress(r *http.Request) string {
	return clientAddress(r, s.cfg.TrustedProxies)
}
