package outbox

import (
	"sync"
	"time"
)

// Progress is one report from Run: the items that changed since the last
// report and the totals of the whole queue.
type Progress struct {
	Items      []Item  `json:"items"` // changed since the last report
	Total      int     `json:"total"`
	Done       int     `json:"done"`
	Failed     int     `json:"failed"`
	Conflicts  int     `json:"conflicts"`
	Pending    int     `json:"pending"`
	BytesDone  int64   `json:"bytesDone"`
	BytesTotal int64   `json:"bytesTotal"`
	BytesPerS  float64 `json:"bytesPerSecond"` // over the last rateWindow
	ETASeconds float64 `json:"etaSeconds"`     // -1 when unknown
	Paused     bool    `json:"paused"`
}

// rateWindow is how far back the transfer rate looks.
const rateWindow = 5 * time.Second

type sample struct {
	at    time.Time
	bytes int64
}

// tracker keeps the latest state of every item and throttles reports.
type tracker struct {
	fnMu    sync.Mutex // one report at a time, in order: photos go in parallel
	mu      sync.Mutex
	now     func() time.Time
	every   time.Duration
	fn      func(Progress)
	items   map[string]Item
	changed map[string]bool
	last    time.Time
	sent    int64 // bytes sent in this Run, for the rate
	samples []sample
}

func newTracker(now func() time.Time, every time.Duration, fn func(Progress)) *tracker {
	return &tracker{now: now, every: every, fn: fn, items: map[string]Item{}, changed: map[string]bool{}}
}

func (t *tracker) setItems(items []Item) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, it := range items {
		t.put(it)
	}
}

// get returns the latest state of an item Run reported.
func (t *tracker) get(id string) (Item, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	it, ok := t.items[id]
	return it, ok
}

func (t *tracker) put(it Item) {
	old, ok := t.items[it.ID]
	if ok && it.BytesDone > old.BytesDone && old.SHA256 == it.SHA256 {
		t.sent += it.BytesDone - old.BytesDone
	}
	if !ok || old.State != it.State || old.BytesDone != it.BytesDone || old.LastError != it.LastError {
		t.changed[it.ID] = true
	}
	t.items[it.ID] = it
}

func (t *tracker) report(force, paused bool) {
	if t == nil {
		return
	}
	t.fnMu.Lock()
	defer t.fnMu.Unlock()
	t.mu.Lock()
	now := t.now()
	t.samples = append(t.samples, sample{now, t.sent})
	for len(t.samples) > 2 && now.Sub(t.samples[0].at) > rateWindow {
		t.samples = t.samples[1:]
	}
	if t.fn == nil || (!force && now.Sub(t.last) < t.every) || (len(t.changed) == 0 && !force) {
		t.mu.Unlock()
		return
	}
	t.last = now
	p := Progress{Paused: paused, ETASeconds: -1}
	for id := range t.changed {
		p.Items = append(p.Items, t.items[id])
	}
	clear(t.changed)
	for _, it := range t.items {
		p.Total++
		switch it.State {
		case StateDone:
			p.Done++
		case StateFailed:
			p.Failed++
		case StateConflict:
			p.Conflicts++
		default:
			p.Pending++
		}
		if it.Kind == KindPhoto {
			p.BytesTotal += it.BytesTotal
			p.BytesDone += min(it.BytesDone, it.BytesTotal)
		}
	}
	if first := t.samples[0]; now.Sub(first.at) > 0 {
		p.BytesPerS = float64(t.sent-first.bytes) / now.Sub(first.at).Seconds()
	}
	if p.BytesPerS > 0 {
		p.ETASeconds = float64(p.BytesTotal-p.BytesDone) / p.BytesPerS
	}
	fn := t.fn
	t.mu.Unlock()
	fn(p)
}

// report records item changes and sends a report if one is due (always
// when force). changed are the items that changed; with none, every item
// is read again from the store (rare: pauses, the end of a run).
func (ob *Outbox) report(force bool, changed ...Item) {
	ob.mu.Lock()
	t, paused := ob.prog, ob.paused
	ob.mu.Unlock()
	if t == nil {
		return
	}
	if len(changed) > 0 {
		t.setItems(changed)
	} else if items, err := ob.Items(); err == nil {
		t.setItems(items)
	}
	t.report(force, paused)
}
