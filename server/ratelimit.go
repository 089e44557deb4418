package server

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter is a token bucket per client (an address, a reporter
// link), read on the server's clock so that tests can move time. Buckets
// of clients gone quiet are dropped, and there are at most maxBuckets: a
// flood of new clients is refused rather than allowed to grow it.
type clientLimiter struct {
	every time.Duration // one more request is allowed after each
	burst int
	mu    sync.Mutex
	seen  map[string]*bucket
	swept time.Time
}

// maxBuckets bounds a limiter's memory: some 100 bytes a bucket.
const maxBuckets = 100_000

type bucket struct {
	limiter *rate.Limiter
	last    time.Time
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
			return false
		}
		b = &bucket{limiter: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.seen[client] = b
	}
	b.last = now
	return b.limiter.AllowN(now, 1)
}

// clientAddress is the address a request came from: an IPv4 address, or
// the /64 network of an IPv6 one, since one client commonly holds a whole
// /64. Behind a reverse proxy every request comes from the proxy; ward
// does not read X-Forwarded-For, which any client can send, so the proxy
// should limit too.
func clientAddress(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64) // a /64 of an IPv6 address always exists
		return p.String()
	}
	return addr.String()
}

// exhausted reports whether the client's bucket is empty, taking nothing
// from it: for limits that count only failures, checked before trying.
func (l *clientLimiter) exhausted(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.seen[client]
	return b != nil && b.limiter.TokensAt(now) < 1
}
