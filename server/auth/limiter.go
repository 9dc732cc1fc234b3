package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing. It counts failed logins per user
// name and per client address; after Free failures each further failure
// locks that name (or address) out for Base, then twice as long, up to Max.
// A success clears the name's count; Window without failures clears any
// count. It remembers at most Size keys, forgetting the stalest first, so
// a flood of made-up names cannot exhaust memory.
type Limiter struct {
	Free   int           // failures allowed before the first lock-out
	Base   time.Duration // first lock-out
	Max    time.Duration // longest lock-out
	Window time.Duration // a count is forgotten this long after its last failure
	Size   int           // most keys remembered

	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	fails int
	last  time.Time
	until time.Time
}

// NewLimiter returns the server's limiter: 5 free failures per name, 20 per
// address (an office shares one), 1 s doubling to 15 min.
func NewLimiter() *Limiter {
	return &Limiter{Free: 5, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour, Size: 10000}
}

// IPFree is how many more failures an address gets than a name: a newsroom
// logs in from behind one NAT.
const IPFree = 4

func nameKey(name string) string { return "n\x00" + name }
func ipKey(ip string) string     { return "a\x00" + ip }

// Check returns how long the caller must wait before trying name from ip
// again; 0 means go ahead.
func (l *Limiter) Check(name, ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range []string{nameKey(name), ipKey(ip)} {
		if e := l.m[k]; e != nil && e.until.After(now) {
			wait = max(wait, e.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed login and returns the lock-out it caused (0: none).
func (l *Limiter) Fail(name, ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.fail(nameKey(name), l.Free, now)
	b := l.fail(ipKey(ip), l.Free*IPFree, now)
	return max(a, b)
}

// Succeed clears the name's failures (not the address's: one good password
// does not excuse guessing at other names).
func (l *Limiter) Succeed(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, nameKey(name))
}

func (l *Limiter) fail(k string, free int, now time.Time) time.Duration {
	if l.m == nil {
		l.m = make(map[string]*entry)
	}
	e := l.m[k]
	if e != nil && now.Sub(e.last) > l.Window {
		e.fails = 0
	}
	if e == nil {
		l.evict(now)
		e = &entry{}
		l.m[k] = e
	}
	e.fails++
	e.last = now
	if e.fails < free {
		return 0
	}
	d := l.Base
	for i := free; i < e.fails && d < l.Max; i++ {
		d *= 2
	}
	d = min(d, l.Max)
	e.until = now.Add(d)
	return d
}

// evict makes room for one more key.
func (l *Limiter) evict(now time.Time) {
	if len(l.m) < l.Size {
		return
	}
	for k, e := range l.m {
		if now.Sub(e.last) > l.Window && !e.until.After(now) {
			delete(l.m, k)
		}
	}
	for len(l.m) >= l.Size {
		var oldest string
		var at time.Time
		for k, e := range l.m {
			if oldest == "" || e.last.Before(at) {
				oldest, at = k, e.last
			}
		}
		delete(l.m, oldest)
	}
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
