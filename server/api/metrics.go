package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// metrics are the server's counters, written in the Prometheus text format
// at /api/v1/metrics.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status code

	pushed    atomic.Uint64
	conflicts atomic.Uint64
	replays   atomic.Uint64
	loginsOK  atomic.Uint64
	loginsBad atomic.Uint64
	limited   atomic.Uint64
}

func (m *metrics) request(route string, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.requests == nil {
		m.requests = make(map[[2]string]uint64)
	}
	m.requests[[2]string{route, fmt.Sprint(status)}]++
}

func (m *metrics) write(w http.ResponseWriter) {
	var b strings.Builder
	b.WriteString("# HELP warta_http_requests_total HTTP requests answered, by route and status.\n")
	b.WriteString("# TYPE warta_http_requests_total counter\n")
	m.mu.Lock()
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "warta_http_requests_total{route=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	m.mu.Unlock()
	for _, c := range []struct {
		name, help string
		v          uint64
	}{
		{"warta_articles_pushed_total", "Article pushes stored.", m.pushed.Load()},
		{"warta_article_conflicts_total", "Article pushes refused because the server's copy had moved on.", m.conflicts.Load()},
		{"warta_idempotent_replays_total", "Retried operations answered from the idempotency record.", m.replays.Load()},
		{"warta_logins_total", "Successful logins.", m.loginsOK.Load()},
		{"warta_logins_failed_total", "Failed logins (unknown user or wrong password).", m.loginsBad.Load()},
		{"warta_logins_rate_limited_total", "Login attempts refused by the rate limiter.", m.limited.Load()},
	} {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", c.name, c.help, c.name, c.name, c.v)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}
