package wordpress

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/warta-news/warta/app/store"
)

// Progress is one report from Run, shaped like app/outbox's: the jobs
// that changed since the last report and the totals of the whole queue.
type Progress struct {
	Items      []Job `json:"items"` // changed since the last report
	Total      int   `json:"total"`
	Done       int   `json:"done"`
	Failed     int   `json:"failed"`
	Conflicts  int   `json:"conflicts"`
	Pending    int   `json:"pending"`
	BytesDone  int64 `json:"bytesDone"`
	BytesTotal int64 `json:"bytesTotal"`
}

// tracker keeps the latest state of every job and throttles reports.
type tracker struct {
	fnMu    sync.Mutex // one report at a time, in order
	mu      sync.Mutex
	now     func() time.Time
	every   time.Duration
	fn      func(Progress)
	jobs    map[string]Job
	order   []string
	changed map[string]bool
	last    time.Time
}

func newTracker(now func() time.Time, every time.Duration, fn func(Progress)) *tracker {
	return &tracker{now: now, every: every, fn: fn, jobs: map[string]Job{}, changed: map[string]bool{}}
}

func (t *tracker) setJobs(jobs []Job) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, j := range jobs {
		t.put(j)
	}
}

func (t *tracker) put(j Job) {
	old, ok := t.jobs[j.ID]
	if !ok {
		t.order = append(t.order, j.ID)
	}
	if !ok || old.State != j.State || old.Step != j.Step || old.BytesDone != j.BytesDone || old.PhotosDone != j.PhotosDone || old.Error != j.Error {
		t.changed[j.ID] = true
	}
	t.jobs[j.ID] = j
}

func (t *tracker) report(force bool) {
	if t == nil {
		return
	}
	t.fnMu.Lock()
	defer t.fnMu.Unlock()
	t.mu.Lock()
	now := t.now()
	if t.fn == nil || len(t.changed) == 0 && !force || !force && now.Sub(t.last) < t.every {
		t.mu.Unlock()
		return
	}
	t.last = now
	var p Progress
	for _, id := range t.order {
		j := t.jobs[id]
		if t.changed[id] {
			p.Items = append(p.Items, j)
		}
		p.Total++
		switch j.State {
		case StateDone:
			p.Done++
		case StateFailed:
			p.Failed++
		case StateConflict:
			p.Conflicts++
		default:
			p.Pending++
		}
		p.BytesTotal += j.BytesTotal
		p.BytesDone += min(j.BytesDone, j.BytesTotal)
	}
	clear(t.changed)
	fn := t.fn
	t.mu.Unlock()
	fn(p)
}

// report records job changes and sends a report if one is due (always
// when force). With no jobs given, every job is read again.
func (p *Publisher) report(force bool, changed ...Job) {
	p.mu.Lock()
	t := p.prog
	p.mu.Unlock()
	if t == nil {
		return
	}
	if len(changed) > 0 {
		t.setJobs(changed)
	} else if jobs, err := p.Items(); err == nil {
		t.setJobs(jobs)
	}
	t.report(force)
}

// TermCache is an account's categories and tags as last fetched, for
// suggestions while offline.
type TermCache struct {
	Fetched    time.Time `json:"fetched,omitzero"`
	Categories []Term    `json:"categories"`
	Tags       []Term    `json:"tags"`
}

// Terms returns the cached categories and tags of an account (empty
// before the first RefreshTerms).
func (p *Publisher) Terms(accountID string) (TermCache, error) {
	var tc TermCache
	if err := checkAccount(accountID); err != nil {
		return tc, err
	}
	err := p.st.GetJSON(keyTerms+accountID, &tc)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return tc, err
}

// RefreshTerms fetches every category and tag of the account's site and
// caches them.
func (p *Publisher) RefreshTerms(ctx context.Context, accountID string, c *Client) (TermCache, error) {
	var tc TermCache
	if err := checkAccount(accountID); err != nil {
		return tc, err
	}
	var err error
	if tc.Categories, err = c.Terms(ctx, Categories); err != nil {
		return tc, err
	}
	if tc.Tags, err = c.Terms(ctx, Tags); err != nil {
		return tc, err
	}
	tc.Fetched = p.o.Now().UTC()
	return tc, p.st.PutJSON(keyTerms+accountID, tc)
}
