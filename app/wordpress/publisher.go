package wordpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/store"
)

// State is where a job is.
type State string

// Job states.
const (
	StateQueued   State = "queued"
	StateSending  State = "sending"
	StateDone     State = "done"
	StateFailed   State = "failed"
	StateConflict State = "conflict"
)

// Conflict choices for Resolve.
const (
	ChoiceMine   = "mine"   // overwrite the site's copy with Warta's
	ChoiceTheirs = "theirs" // keep the site's copy; Warta overwrites it only after the article is edited again
	ChoiceCancel = "cancel" // do nothing now; the job fails with CodeConflict (Retry asks again)
)

// Post statuses a job may ask for.
const (
	StatusDraft   = "draft"
	StatusPending = "pending"
	StatusPublish = "publish"
	StatusFuture  = "future"
)

// Steps a sending job goes through (Job.Step).
const (
	StepPhotos = "photos"
	StepTerms  = "terms"
	StepPost   = "post"
)

// Key prefixes (see the package comment).
const (
	keyJob   = "wp/j/"
	keyPost  = "wp/p/"
	keyMedia = "wp/m/"
	keyTerms = "wp/t/"
)

// PostOptions are the choices made when publishing.
type PostOptions struct {
	// Status is draft (the default), pending, publish or future. publish
	// and future need the publish_posts right; future needs Date. On a
	// re-publish a post the site already published (or scheduled) is not
	// moved back to draft or pending.
	Status string `json:"status,omitempty"`
	// Date is when a future post goes out; with another status it sets
	// the post's date (a report published later than the event).
	Date time.Time `json:"date,omitzero"`
	// Featured is the photo id of the featured image: "" the article's
	// first photo, "none" no featured image.
	Featured string `json:"featured,omitempty"`
	// Categories and Tags are term names; nil means the article's own
	// (Category, Tags). Missing terms are created.
	Categories []string `json:"categories,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

func (o PostOptions) validate(now time.Time) error {
	switch o.Status {
	case "", StatusDraft, StatusPending, StatusPublish:
	case StatusFuture:
		if o.Date.IsZero() {
			return fmt.Errorf("%w: a scheduled post needs a date", ErrInvalid)
		}
		if !o.Date.After(now) {
			return fmt.Errorf("%w: the scheduled date %s is not in the future", ErrInvalid, o.Date.Format(time.RFC3339))
		}
	default:
		return fmt.Errorf("%w: post status %q (want draft, pending, publish or future)", ErrInvalid, o.Status)
	}
	return nil
}

// Job is one article to publish to one WordPress account.
type Job struct {
	ID       string      `json:"id"` // "<account>/<article id>"
	Account  string      `json:"account"`
	Article  string      `json:"article"`
	Headline string      `json:"headline"`
	Options  PostOptions `json:"options"`
	State    State       `json:"state"`

	Step        string `json:"step,omitempty"` // StepPhotos, StepTerms, StepPost while sending
	PhotosDone  int    `json:"photosDone"`
	PhotosTotal int    `json:"photosTotal"`
	BytesDone   int64  `json:"bytesDone"`
	BytesTotal  int64  `json:"bytesTotal"`

	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	ErrorCode   string    `json:"errorCode,omitempty"`
	Error       string    `json:"error,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`

	PostID     int    `json:"postId,omitempty"`
	Link       string `json:"link,omitempty"`
	PostStatus string `json:"postStatus,omitempty"` // the post's status on the site

	Conflict *Conflict `json:"conflict,omitempty"`
	Dirty    bool      `json:"dirty,omitempty"` // enqueued again while sending: send again after

	Enqueued time.Time `json:"enqueued"`
	Updated  time.Time `json:"updated"`
}

func (j *Job) pending() bool { return j.State == StateQueued || j.State == StateSending }

// Conflict is the site's copy of a post that changed there since Warta
// last wrote it, and Warta's.
type Conflict struct {
	Site Version `json:"site"`
	Mine Version `json:"mine"`
}

// Version is one side of a conflict. Content is HTML.
type Version struct {
	Title       string `json:"title"`
	Content     string `json:"content"`
	Excerpt     string `json:"excerpt"`
	ModifiedGMT string `json:"modifiedGmt,omitempty"`
}

// ArticleStore is what the publisher needs of app/articles.
type ArticleStore interface {
	Get(id string) (articles.Article, error)
}

// PhotoStore is what the publisher needs of app/photos.
type PhotoStore interface {
	Get(id string) (photos.Photo, error)
	File(id, kind string) (string, error)
}

var (
	_ ArticleStore = (*articles.Library)(nil)
	_ PhotoStore   = (*photos.Library)(nil)
)

// Options tune a Publisher; the zero value is what the app uses.
type Options struct {
	MaxAttempts int           // 0 means 4
	BaseDelay   time.Duration // 0 means 2 s
	MaxDelay    time.Duration // 0 means 60 s
	Now         func() time.Time
	Sleep       func(ctx context.Context, d time.Duration) error // returns early with ctx's error
	Rand        func() float64                                   // [0,1): the backoff's jitter
	// ProgressEvery is the least time between two progress reports
	// (0 means 100 ms); state changes are always reported.
	ProgressEvery time.Duration
	Log           *slog.Logger
}

// Publisher is the durable queue of WordPress jobs. Run works through it;
// the other methods may be called at any time from any goroutine.
type Publisher struct {
	st   *store.Store
	arts ArticleStore
	pics PhotoStore
	o    Options
	log  *slog.Logger

	mu      sync.Mutex // guards read-modify-write of jobs, prog and active
	wake    chan struct{}
	prog    *tracker
	active  string // the job Run is sending now
	running bool   // a Run is working

}

// NewPublisher returns the publisher whose jobs and remote ids are kept
// in st.
func NewPublisher(st *store.Store, arts ArticleStore, pics PhotoStore, o Options) *Publisher {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 2 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 100 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{st: st, arts: arts, pics: pics, o: o, log: o.Log.With("component", "wordpress"), wake: make(chan struct{}, 1)}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var accountRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func checkAccount(id string) error {
	if !accountRE.MatchString(id) {
		return fmt.Errorf("%w: account id %q (letters, digits, . _ - only)", ErrInvalid, id)
	}
	return nil
}

// JobID is the id of the job publishing an article to an account.
func JobID(accountID, articleID string) string { return accountID + "/" + articleID }

// Items lists every job, oldest first.
func (p *Publisher) Items() ([]Job, error) {
	var out []Job
	err := p.st.View(func(tx *store.Txn) error {
		return tx.IteratePrefix(keyJob, func(_ string, v []byte) error {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			out = append(out, j)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Job) int { return a.Enqueued.Compare(b.Enqueued) })
	return out, err
}

// Item returns one job.
func (p *Publisher) Item(jobID string) (Job, error) {
	var j Job
	err := p.st.GetJSON(keyJob+jobID, &j)
	if errors.Is(err, store.ErrNotFound) {
		return j, fmt.Errorf("%s: %w", jobID, ErrNoJob)
	}
	return j, err
}

func (p *Publisher) put(j *Job) error {
	j.Updated = p.o.Now()
	return p.st.PutJSON(keyJob+j.ID, j)
}

// update reads, changes and writes one job under the lock.
func (p *Publisher) update(jobID string, fn func(*Job) error) (Job, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j, err := p.Item(jobID)
	if err != nil {
		return j, err
	}
	if err := fn(&j); err != nil {
		return j, err
	}
	return j, p.put(&j)
}

// Enqueue adds (or re-queues) the job publishing an article to an
// account. A job being sent is marked to be sent again once done; a job
// in conflict keeps waiting for Resolve (its options are updated).
func (p *Publisher) Enqueue(accountID, articleID string, opts PostOptions) error {
	if err := checkAccount(accountID); err != nil {
		return err
	}
	if err := opts.validate(p.o.Now()); err != nil {
		return err
	}
	a, err := p.arts.Get(articleID)
	if err != nil {
		return fmt.Errorf("enqueue article %s: %w", articleID, err)
	}
	id := JobID(accountID, articleID)
	p.mu.Lock()
	defer p.mu.Unlock()
	j, err := p.Item(id)
	now := p.o.Now()
	switch {
	case errors.Is(err, ErrNoJob):
		j = Job{ID: id, Account: accountID, Article: articleID, State: StateQueued, Enqueued: now}
	case err != nil:
		return err
	case j.State == StateSending:
		j.Dirty = true
	case j.State == StateConflict:
	default:
		j.State, j.Attempts, j.NextAttempt, j.ErrorCode, j.Error, j.Warnings = StateQueued, 0, time.Time{}, "", "", nil
		j.BytesDone, j.BytesTotal, j.Step = 0, 0, ""
	}
	j.Headline, j.Options = a.Headline, opts
	if err := p.put(&j); err != nil {
		return err
	}
	p.poke()
	return nil
}

func (p *Publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Retry re-queues a failed job with a fresh count of attempts.
func (p *Publisher) Retry(jobID string) error {
	_, err := p.update(jobID, func(j *Job) error {
		if j.State != StateFailed {
			return fmt.Errorf("retry %s (%s): %w", jobID, j.State, ErrBadState)
		}
		j.State, j.Attempts, j.NextAttempt, j.ErrorCode, j.Error = StateQueued, 0, time.Time{}, "", ""
		return nil
	})
	p.poke()
	return err
}

// Remove drops a job that is not being sent right now. What it already put on the
// site stays there, and stays known: enqueued again, the article updates
// the same post.
func (p *Publisher) Remove(jobID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.Item(jobID); err != nil {
		return err
	}
	if p.active == jobID {
		return fmt.Errorf("remove %s: %w (it is being sent)", jobID, ErrBadState)
	}
	return p.st.Delete(keyJob + jobID)
}

// Resolve settles a conflict (see ChoiceMine, ChoiceTheirs, ChoiceCancel).
// Nothing is lost either way: the site keeps its revisions, Warta its
// article.
func (p *Publisher) Resolve(jobID, choice string) error {
	j, err := p.Item(jobID)
	if err != nil {
		return err
	}
	if j.State != StateConflict || j.Conflict == nil {
		return fmt.Errorf("resolve %s (%s): %w", jobID, j.State, ErrBadState)
	}
	site := j.Conflict.Site
	switch choice {
	case ChoiceMine, ChoiceTheirs:
		a, err := p.arts.Get(j.Article)
		if err != nil {
			return err
		}
		// The site's copy becomes the base: a publish goes through unless
		// it changes again.
		rk := keyPost + j.Account + "/" + j.Article
		var rec postRecord
		if err := p.st.GetJSON(rk, &rec); err != nil {
			return err
		}
		rec.Modified, rec.TextHash, rec.KeepVersion = site.ModifiedGMT, textHash(site.Title, site.Content, site.Excerpt), 0
		if choice == ChoiceTheirs {
			rec.KeepVersion = a.Version
		}
		if err := p.st.PutJSON(rk, rec); err != nil {
			return err
		}
		_, err = p.update(jobID, func(j *Job) error {
			j.Conflict, j.ErrorCode, j.Error, j.Attempts, j.NextAttempt = nil, "", "", 0, time.Time{}
			j.State = StateQueued
			if choice == ChoiceTheirs {
				j.State = StateDone
				j.Warnings = append(j.Warnings, "the site's version was kept; Warta will overwrite it only after the article is edited again")
			}
			return nil
		})
		p.poke()
		return err
	case ChoiceCancel:
		_, err = p.update(jobID, func(j *Job) error {
			j.State, j.Conflict, j.ErrorCode = StateFailed, nil, CodeConflict
			j.Error = "publishing cancelled: the post changed on the site; nothing was overwritten"
			return nil
		})
		return err
	}
	return fmt.Errorf("resolve %s: %w: choice %q is not mine, theirs or cancel", jobID, ErrInvalid, choice)
}

// ForgetAccount removes an account's jobs, remote ids and cached terms
// (the account was deleted). Posts and media stay on the site.
func (p *Publisher) ForgetAccount(accountID string) error {
	if err := checkAccount(accountID); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, prefix := range []string{keyJob, keyPost, keyMedia} {
		keys, err := p.st.Keys(prefix + accountID + "/")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := p.st.Delete(k); err != nil {
				return err
			}
		}
	}
	return p.st.Delete(keyTerms + accountID)
}

// backoff is the delay before attempt n+1 after n failures: full jitter,
// uniform in [0, min(max, base·2^(n-1))).
func (p *Publisher) backoff(n int) time.Duration {
	d := p.o.BaseDelay << min(n-1, 30)
	if d > p.o.MaxDelay || d <= 0 {
		d = p.o.MaxDelay
	}
	return time.Duration(p.o.Rand() * float64(d))
}

// Run publishes every job due until none is left to send (all done,
// failed or in conflict), then returns nil. It returns ctx's error when
// ctx ends; the job in flight stays queued and a later Run (or a new
// Publisher on the same store) takes it up without duplicating what was
// already sent. clientFor gives the client of an account; onProgress, if
// not nil, gets throttled reports and a last one.
func (p *Publisher) Run(ctx context.Context, clientFor func(accountID string) (*Client, error), onProgress func(Progress)) error {
	p.mu.Lock()
	if p.running {
		p.mu.Unlock()
		return ErrRunning
	}
	p.running = true
	p.prog = newTracker(p.o.Now, p.o.ProgressEvery, onProgress)
	p.mu.Unlock()
	finished := false // finish cleared running: another Run may own it now
	defer func() {
		p.report(true)
		if !finished {
			p.mu.Lock()
			p.running = false
			p.mu.Unlock()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		jobs, err := p.Items()
		if err != nil {
			return err
		}
		p.prog.setJobs(jobs)
		next, wait, any := p.pick(jobs)
		if next == nil {
			if !any && p.finish() {
				finished = true
				return nil
			}
			if !any {
				continue
			}
			p.report(true)
			wctx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-p.wake:
					cancel()
				case <-wctx.Done():
				}
			}()
			_ = p.o.Sleep(wctx, wait)
			cancel()
			continue
		}
		if err := p.process(ctx, next, clientFor); err != nil && ctx.Err() == nil {
			return err // the store failed
		}
	}
}

// finish ends a Run that found nothing to send, unless an Enqueue came
// in meanwhile (Enqueue writes under the same lock, so a job is either
// seen here or enqueued after running is false, when a new Run starts).
func (p *Publisher) finish() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	jobs, err := p.Items()
	if err != nil {
		return false
	}
	if _, _, any := p.pick(jobs); any {
		return false
	}
	p.running = false
	return true
}

// pick returns the next job due, else how long until one is; any tells
// whether anything is still to send. A job left "sending" by a killed run
// is due again.
func (p *Publisher) pick(jobs []Job) (next *Job, wait time.Duration, any bool) {
	now := p.o.Now()
	wait = -1
	for i := range jobs {
		j := &jobs[i]
		if !j.pending() {
			continue
		}
		any = true
		if d := j.NextAttempt.Sub(now); d > 0 {
			if wait < 0 || d < wait {
				wait = d
			}
			continue
		}
		return j, 0, true
	}
	return nil, max(wait, 0), any
}

// process makes one attempt at a job and records its outcome. Only a
// store failure is returned.
func (p *Publisher) process(ctx context.Context, j *Job, clientFor func(string) (*Client, error)) error {
	p.mu.Lock()
	p.active = j.ID
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.active = ""
		p.mu.Unlock()
	}()
	cur, err := p.update(j.ID, func(x *Job) error {
		x.State, x.Dirty, x.Step, x.PhotosDone, x.BytesDone, x.Warnings = StateSending, false, "", 0, 0, nil
		return nil
	})
	if err != nil {
		return err
	}
	*j = cur
	p.report(true, *j)
	c, err := clientFor(j.Account)
	if err == nil && c == nil {
		err = errors.New("no client")
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Op: "account " + j.Account, Code: CodeAccount, Message: err.Error(), Err: err}
		}
		return p.failed(ctx, j, err, true)
	}
	err = p.publish(ctx, j, c)
	switch {
	case err == nil:
		x, serr := p.update(j.ID, func(x *Job) error {
			x.Step, x.ErrorCode, x.Error, x.Attempts, x.NextAttempt = "", "", "", 0, time.Time{}
			x.PostID, x.Link, x.PostStatus, x.Warnings = j.PostID, j.Link, j.PostStatus, j.Warnings
			x.BytesDone, x.PhotosDone = x.BytesTotal, x.PhotosTotal
			x.State = StateDone
			if x.Dirty {
				x.State, x.Dirty = StateQueued, false
			}
			return nil
		})
		*j = x
		p.report(true, *j)
		return serr
	case errors.Is(err, ErrConflict):
		x, serr := p.update(j.ID, func(x *Job) error {
			x.State, x.Step, x.Conflict = StateConflict, "", j.Conflict
			x.ErrorCode, x.Error, x.Attempts, x.NextAttempt, x.Dirty = CodeConflict, err.Error(), 0, time.Time{}, false
			x.PostID, x.Link, x.PostStatus = j.PostID, j.Link, j.PostStatus
			return nil
		})
		*j = x
		p.report(true, *j)
		return serr
	}
	return p.failed(ctx, j, err, false)
}

// failed records a failed attempt: queued again after a backoff while
// retrying may help, else failed.
func (p *Publisher) failed(ctx context.Context, j *Job, err error, final bool) error {
	if ctx.Err() != nil {
		// Cancelled (shutdown): not the job's fault.
		x, serr := p.update(j.ID, func(x *Job) error {
			if x.State == StateSending {
				x.State = StateQueued
			}
			x.Step = ""
			return nil
		})
		*j = x
		return serr
	}
	var sErr *storeError
	if errors.As(err, &sErr) {
		return sErr.err
	}
	x, serr := p.update(j.ID, func(x *Job) error {
		x.Attempts++
		x.Error, x.ErrorCode = err.Error(), CodeOf(err)
		x.PostID, x.Link, x.PostStatus, x.Warnings = j.PostID, j.Link, j.PostStatus, j.Warnings
		x.PhotosDone, x.PhotosTotal, x.BytesTotal, x.BytesDone = j.PhotosDone, j.PhotosTotal, j.BytesTotal, j.BytesDone
		if final || !Retryable(err) || x.Attempts >= p.o.MaxAttempts {
			x.State, x.NextAttempt = StateFailed, time.Time{}
			return nil
		}
		x.State = StateQueued
		d := p.backoff(x.Attempts)
		var e *Error
		if errors.As(err, &e) && e.RetryAfter > d {
			d = min(e.RetryAfter, 10*time.Minute)
		}
		x.NextAttempt = p.o.Now().Add(d)
		return nil
	})
	p.log.Warn("wordpress job attempt failed", "job", j.ID, "state", x.State, "err", err)
	*j = x
	p.report(true, *j)
	return serr
}

// storeError marks a failure of the local store: Run stops on it.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func storeErr(err error) error {
	if err == nil {
		return nil
	}
	return &storeError{err}
}

// PostRef is what Warta knows of the post an article became on a site.
type PostRef struct {
	ID          int    `json:"id"`
	Link        string `json:"link"`
	Status      string `json:"status"`
	ModifiedGMT string `json:"modifiedGmt"`
}

// Published returns the post an article became on an account's site, as
// of Warta's last write; ok is false when it was never published there
// (or its create is still unanswered).
func (p *Publisher) Published(accountID, articleID string) (ref PostRef, ok bool, err error) {
	var rec postRecord
	err = p.st.GetJSON(keyPost+accountID+"/"+articleID, &rec)
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.ID == 0 {
		return ref, false, nil
	}
	if err != nil {
		return ref, false, err
	}
	return PostRef{ID: rec.ID, Link: rec.Link, Status: rec.Status, ModifiedGMT: rec.Modified}, true, nil
}
