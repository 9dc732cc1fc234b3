package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	"github.com/warta-news/warta/app/store"
)

// State is where an item is.
type State string

// Item states.
const (
	StateQueued    State = "queued"
	StateUploading State = "uploading"
	StateWaiting   State = "waiting" // article pushed; the server lacks photos
	StateDone      State = "done"
	StateFailed    State = "failed"
	StateConflict  State = "conflict"
)

// Item kinds.
const (
	KindArticle = "article"
	KindPhoto   = "photo"
)

// Conflict choices for Resolve.
const (
	ChoiceMine   = "mine"
	ChoiceTheirs = "theirs"
	ChoiceBoth   = "both"
)

// Errors a caller can test with errors.Is.
var (
	ErrNoItem   = errors.New("no such outbox item")
	ErrBadState = errors.New("the item is not in a state that allows this")
)

// Forget deletes every record of the outbox of account (a removed
// account): items, revisions, cursor.
func Forget(st *store.Store, account string) error {
	if !ids.Valid(account) {
		return fmt.Errorf("forget outbox records: invalid account id %q", account)
	}
	keys, err := st.Keys(prefix(account))
	if err != nil {
		return err
	}
	return st.Update(func(tx *store.Txn) error {
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Key prefixes, under ob/ or ob/<account>/ (Options.Account).
const (
	keyItem   = "i/"
	keyRev    = "r/"
	keyCursor = "c/"
)

// prefix is where the records of the outbox of account live.
func prefix(account string) string {
	if account == "" {
		return "ob/"
	}
	return "ob/" + account + "/"
}

// AdoptLegacy moves the records of a store made when Warta had a single
// server account (ob/i/…, ob/r/…, ob/c/…) to the keys of account, in one
// transaction. It does nothing when there are none.
func AdoptLegacy(st *store.Store, account string) error {
	if account == "" || !ids.Valid(account) {
		return fmt.Errorf("adopt outbox records: invalid account id %q", account)
	}
	return st.Update(func(tx *store.Txn) error {
		for _, p := range []string{keyItem, keyRev, keyCursor} {
			var keys []string
			vals := map[string][]byte{}
			if err := tx.IteratePrefix("ob/"+p, func(k string, v []byte) error {
				keys = append(keys, k)
				vals[k] = slices.Clone(v)
				return nil
			}); err != nil {
				return err
			}
			for _, k := range keys {
				if err := tx.Set(prefix(account)+strings.TrimPrefix(k, "ob/"), vals[k]); err != nil {
					return err
				}
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Item is one article or photo in the outbox.
type Item struct {
	ID      string `json:"id"` // "a-<article id>" or "p-<photo id>"
	Kind    string `json:"kind"`
	LocalID string `json:"localId"`
	Server  string `json:"server"`
	State   State  `json:"state"`

	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt"`
	LastError   string    `json:"lastError,omitempty"`
	ErrorCode   string    `json:"errorCode,omitempty"`
	BytesDone   int64     `json:"bytesDone"`
	BytesTotal  int64     `json:"bytesTotal"`
	Enqueued    time.Time `json:"enqueued"`
	Updated     time.Time `json:"updated"`

	// Articles.
	OpID     string          `json:"opId,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"` // the pushed article, frozen with OpID
	BaseRev  int64           `json:"baseRev"`        // the push's baseRev, frozen with OpID
	Rev      int64           `json:"rev"`            // the server's revision after the push
	PhotoIDs []string        `json:"photoIds,omitempty"`
	Dirty    bool            `json:"dirty,omitempty"`    // enqueued again while in flight
	Conflict *ServerArticle  `json:"conflict,omitempty"` // the server's copy

	// Photos.
	SHA256   string `json:"sha256,omitempty"` // of the bytes sent (web rendition + captions)
	Article  string `json:"article,omitempty"`
	Location string `json:"location,omitempty"`
	Offset   int64  `json:"offset"`
}

func (it *Item) pending() bool {
	return it.State == StateQueued || it.State == StateUploading || it.State == StateWaiting
}

// ArticleStore is what the outbox needs of app/articles.
type ArticleStore interface {
	Get(id string) (articles.Article, error)
	Save(a articles.Article, mark bool) (articles.Article, error)
	Create(a articles.Article) (articles.Article, error)
}

// PhotoStore is what the outbox needs of app/photos.
type PhotoStore interface {
	Get(id string) (photos.Photo, error)
	File(id, kind string) (string, error)
}

var (
	_ ArticleStore = (*articles.Library)(nil)
	_ PhotoStore   = (*photos.Library)(nil)
)

// Options tune an Outbox; the zero value is what the app uses.
type Options struct {
	MaxAttempts int           // 0 means 8
	BaseDelay   time.Duration // 0 means 1 s
	MaxDelay    time.Duration // 0 means 60 s
	// Now and Sleep are the clock (tests replace them). Sleep returns early
	// with ctx's error.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  func() float64 // in [0,1); the backoff's jitter
	// ProgressEvery is the least time between two progress reports
	// (0 means 100 ms).
	ProgressEvery time.Duration
	Log           *slog.Logger
	// Originals, when it returns true, sends each JPEG photo as its
	// original file (full size, the camera's EXIF kept) with the captions
	// embedded, instead of the web rendition. PNG originals are still sent
	// as the web rendition (a JPEG): IPTC captions cannot go into a PNG.
	// It is asked each time a photo is rendered for sending, so a setting
	// can change between runs; a photo already sent the other way is sent
	// again when enqueued again (its bytes, so its SHA-256, differ). nil
	// means false.
	Originals func() bool
	// Account keeps this outbox's records apart from those of other
	// server accounts in the same store: its keys start ob/<Account>/
	// (an ids id). "" is the single-account layout, ob/i/… (tests).
	Account string
	// Parallel is how many photos are uploaded at once (0 means 3).
	// Several in flight keep the link busy while the server hashes,
	// fsyncs and records a finished one.
	Parallel int
}

// Outbox is the durable send queue. Run processes it; the other methods
// may be called at any time from any goroutine.
type Outbox struct {
	st     *store.Store
	client *Client
	arts   ArticleStore
	pics   PhotoStore
	o      Options
	log    *slog.Logger
	pre    string // key prefix: ob/ or ob/<account>/

	mu     sync.Mutex // guards the fields below and read-modify-write of items
	paused bool
	// pend holds outcomes of photos not yet written to the store
	// (updateLater, flushLocked); reads of items see them.
	pend   map[string]Item
	cancel context.CancelFunc // the item in flight
	wake   chan struct{}
	prog   *tracker
}

// New returns the outbox kept in st, sending with client.
func New(st *store.Store, client *Client, arts ArticleStore, pics PhotoStore, o Options) *Outbox {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Second
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
	if o.Parallel <= 0 {
		o.Parallel = 3
	}
	return &Outbox{st: st, client: client, arts: arts, pics: pics, o: o, log: o.Log.With("component", "outbox"), pre: prefix(o.Account), wake: make(chan struct{}, 1)}
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

// Items lists every item, photos first.
func (ob *Outbox) Items() ([]Item, error) {
	var out []Item
	ob.mu.Lock()
	err := ob.st.View(func(tx *store.Txn) error {
		return tx.IteratePrefix(ob.pre+keyItem, func(_ string, v []byte) error {
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			if p, ok := ob.pend[it.ID]; ok {
				it = p
			}
			out = append(out, it)
			return nil
		})
	})
	ob.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Item) int {
		if a.Kind != b.Kind {
			if a.Kind == KindPhoto {
				return -1
			}
			return 1
		}
		return a.Enqueued.Compare(b.Enqueued)
	})
	return out, err
}

// Live is Items as the user should see them: an item being sent shows its
// state and bytes as Run knows them (they are not written to the store
// while a photo is on its way, see sendPhoto).
func (ob *Outbox) Live() ([]Item, error) {
	items, err := ob.Items()
	ob.mu.Lock()
	t := ob.prog
	ob.mu.Unlock()
	if err != nil || t == nil {
		return items, err
	}
	for i, it := range items {
		if cur, ok := t.get(it.ID); ok && it.pending() && cur.State == StateUploading && cur.Updated.Equal(it.Updated) {
			items[i] = cur
		}
	}
	return items, nil
}

// Item returns one item.
func (ob *Outbox) Item(id string) (Item, error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.item(id)
}

// item is Item for a caller that holds ob.mu.
func (ob *Outbox) item(id string) (Item, error) {
	if p, ok := ob.pend[id]; ok {
		return p, nil
	}
	var it Item
	err := ob.st.GetJSON(ob.pre+keyItem+id, &it)
	if errors.Is(err, store.ErrNotFound) {
		return it, fmt.Errorf("%s: %w", id, ErrNoItem)
	}
	return it, err
}

// put writes an item; the caller holds ob.mu.
func (ob *Outbox) put(it *Item) error {
	it.Updated = ob.o.Now()
	if err := ob.st.PutJSON(ob.pre+keyItem+it.ID, it); err != nil {
		return err
	}
	delete(ob.pend, it.ID) // it was read through item, over any outcome pending
	return nil
}

// update reads, changes and writes one item under the lock.
func (ob *Outbox) update(id string, fn func(*Item) error) (Item, error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	it, err := ob.item(id)
	if err != nil {
		return it, err
	}
	if err := fn(&it); err != nil {
		return it, err
	}
	return it, ob.put(&it)
}

// Photo outcomes are written in groups. Every store write is an fsync,
// and during a batch the disk's flushes are what upload and server wait
// for; a photo's outcome is one write. updateLater keeps the changed item
// in memory (every read of items sees it) and writes it with the others
// when pendMax have gathered, when Run's batch ends or every pendEvery
// (processAll), or before any other write of the same item. What a crash
// loses is at most that much: those photos are sent again, and the server,
// which has them, answers "complete" at once.
const (
	pendMax   = 16
	pendEvery = 250 * time.Millisecond
)

// updateLater is update whose write may be grouped with others (see
// pendMax).
func (ob *Outbox) updateLater(id string, fn func(*Item) error) (Item, error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	it, err := ob.item(id)
	if err != nil {
		return it, err
	}
	if err := fn(&it); err != nil {
		return it, err
	}
	it.Updated = ob.o.Now()
	if ob.pend == nil {
		ob.pend = map[string]Item{}
	}
	ob.pend[id] = it
	if len(ob.pend) >= pendMax {
		return it, ob.flushLocked()
	}
	return it, nil
}

// flush writes the pending outcomes in one transaction.
func (ob *Outbox) flush() error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.flushLocked()
}

func (ob *Outbox) flushLocked() error {
	if len(ob.pend) == 0 {
		return nil
	}
	err := ob.st.Update(func(tx *store.Txn) error {
		for id, it := range ob.pend {
			// An item deleted meanwhile (its account removed: Forget)
			// stays deleted.
			if ok, err := tx.Has(ob.pre + keyItem + id); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.SetJSON(ob.pre+keyItem+id, it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write photo outcomes: %w", err)
	}
	clear(ob.pend)
	return nil
}

// revRecord is ob/r/<article id>: the server revision the local article
// was last in step with, and the local article's UpdatedAt at that moment
// (At; zero in records written before Pull existed: unknown).
type revRecord struct {
	Server string    `json:"server"`
	Rev    int64     `json:"rev"`
	At     time.Time `json:"at,omitzero"`
}

// revOf returns the article's ob/r record for this server; ok is false
// when there is none (or it is another server's).
func (ob *Outbox) revOf(articleID string) (r revRecord, ok bool) {
	if ob.st.GetJSON(ob.pre+keyRev+articleID, &r) != nil || r.Server != ob.client.BaseURL {
		return revRecord{}, false
	}
	return r, true
}

// InStep reports whether the local article, last changed at updatedAt, is
// the text the server already has (sent, or pulled, and not edited since).
func (ob *Outbox) InStep(articleID string, updatedAt time.Time) bool {
	r, ok := ob.revOf(articleID)
	return ok && r.Rev > 0 && !r.At.IsZero() && !updatedAt.After(r.At)
}

// baseRev is the server revision the local article was last in step with.
func (ob *Outbox) baseRev(articleID string) int64 {
	r, _ := ob.revOf(articleID)
	return r.Rev
}

// setRev records that the local article is in step with the server's
// revision rev since its UpdatedAt was at; a zero at keeps the time
// already recorded (the local text did not become the server's).
func (ob *Outbox) setRev(articleID string, rev int64, at time.Time) error {
	if at.IsZero() {
		if old, ok := ob.revOf(articleID); ok {
			at = old.At
		}
	}
	return ob.st.PutJSON(ob.pre+keyRev+articleID, revRecord{Server: ob.client.BaseURL, Rev: rev, At: at})
}

// bodyUpdatedAt is the UpdatedAt of a frozen article body.
func bodyUpdatedAt(body json.RawMessage) time.Time {
	var a struct {
		UpdatedAt time.Time `json:"updatedAt"`
	}
	if len(body) == 0 || json.Unmarshal(body, &a) != nil {
		return time.Time{}
	}
	return a.UpdatedAt
}

// PhotoRefs returns the ids of the photos an article body's figures and
// images reference ("warta-photo:<id>"), in order, once each.
func PhotoRefs(body json.RawMessage) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if attrs, ok := n["attrs"].(map[string]any); ok {
				if src, ok := attrs["src"].(string); ok {
					if id, ok := strings.CutPrefix(src, "warta-photo:"); ok && ids.Valid(id) && !slices.Contains(out, id) {
						out = append(out, id)
					}
				}
			}
			if c, ok := n["content"].([]any); ok {
				for _, x := range c {
					walk(x)
				}
			}
		case []any:
			for _, x := range n {
				walk(x)
			}
		}
	}
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		walk(doc)
	}
	return out
}

func newOpID(now time.Time) string { return "op-" + ids.New(now) }

// Enqueue adds each article and every photo its body references. An item
// already waiting to go keeps its operation: an article is marked to be
// pushed again once the push in flight is done; a failed item is re-queued.
func (ob *Outbox) Enqueue(articleIDs []string) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	now := ob.o.Now()
	// Every item is written in one transaction at the end (one fsync for
	// the batch, and all of it or nothing); get sees what this call has
	// changed already (two articles sharing a photo).
	changed := map[string]Item{}
	var order []string
	get := func(id string) (Item, error) {
		if it, ok := changed[id]; ok {
			return it, nil
		}
		if it, ok := ob.pend[id]; ok {
			return it, nil
		}
		return ob.item(id)
	}
	put := func(it Item) {
		it.Updated = now
		if _, ok := changed[it.ID]; !ok {
			order = append(order, it.ID)
		}
		changed[it.ID] = it
	}
	for _, aid := range articleIDs {
		a, err := ob.arts.Get(aid)
		if err != nil {
			return fmt.Errorf("enqueue article %s: %w", aid, err)
		}
		refs := PhotoRefs(a.Body)
		for _, pid := range refs {
			p, err := ob.pics.Get(pid)
			if err != nil {
				return fmt.Errorf("enqueue article %s: photo %s: %w", aid, pid, err)
			}
			id := "p-" + pid
			it, err := get(id)
			switch {
			case errors.Is(err, ErrNoItem):
				it = Item{ID: id, Kind: KindPhoto, LocalID: pid, State: StateQueued, Article: aid, BytesTotal: p.Bytes, Enqueued: now}
			case err != nil:
				return err
			case it.State == StateDone || it.State == StateFailed:
				// Check again: the captions may have changed (a new
				// SHA-256), or the server may have lost it.
				it.State, it.Attempts, it.NextAttempt, it.LastError, it.ErrorCode = StateQueued, 0, time.Time{}, "", ""
			default:
				continue
			}
			it.Server = ob.client.BaseURL
			put(it)
		}
		id := "a-" + aid
		it, err := get(id)
		switch {
		case errors.Is(err, ErrNoItem):
			it = Item{ID: id, Kind: KindArticle, LocalID: aid, State: StateQueued, Enqueued: now}
		case err != nil:
			return err
		case it.State == StateDone:
			it.State, it.OpID, it.Body, it.Attempts, it.NextAttempt, it.LastError, it.ErrorCode = StateQueued, "", nil, 0, time.Time{}, "", ""
		case it.State == StateFailed && it.Body == nil:
			it.State, it.Attempts, it.NextAttempt, it.LastError, it.ErrorCode = StateQueued, 0, time.Time{}, "", ""
		case it.State == StateConflict:
			continue // Resolve first
		default:
			// In flight with a frozen body: push the new text after it.
			it.Dirty = true
			if it.State == StateFailed {
				it.State, it.Attempts, it.NextAttempt = StateQueued, 0, time.Time{}
			}
		}
		it.Server, it.PhotoIDs = ob.client.BaseURL, refs
		put(it)
	}
	if err := ob.st.Update(func(tx *store.Txn) error {
		for _, id := range order {
			if err := tx.SetJSON(ob.pre+keyItem+id, changed[id]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for _, id := range order {
		delete(ob.pend, id)
	}
	ob.poke()
	return nil
}

// poke wakes Run if it sleeps.
func (ob *Outbox) poke() {
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// Retry re-queues a failed item with a fresh attempt count.
func (ob *Outbox) Retry(itemID string) error {
	_, err := ob.update(itemID, func(it *Item) error {
		if it.State != StateFailed {
			return fmt.Errorf("retry %s (%s): %w", itemID, it.State, ErrBadState)
		}
		it.State, it.Attempts, it.NextAttempt, it.LastError, it.ErrorCode = StateQueued, 0, time.Time{}, "", ""
		return nil
	})
	ob.poke()
	return err
}

// Remove drops an item that is done, failed or not yet started.
func (ob *Outbox) Remove(itemID string) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if err := ob.st.Delete(ob.pre + keyItem + itemID); err != nil {
		return err
	}
	delete(ob.pend, itemID)
	return nil
}

// Pause stops sending after cancelling the request in flight (its progress
// is kept); Resume goes on.
func (ob *Outbox) Pause() {
	ob.mu.Lock()
	ob.paused = true
	if ob.cancel != nil {
		ob.cancel()
	}
	ob.mu.Unlock()
	ob.poke()
}

// Resume undoes Pause.
func (ob *Outbox) Resume() {
	ob.mu.Lock()
	ob.paused = false
	ob.mu.Unlock()
	ob.poke()
}

// Paused reports whether the outbox is paused.
func (ob *Outbox) Paused() bool {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.paused
}

// backoff is the delay before attempt n+1 after n failures: full jitter,
// uniform in [0, min(cap, base·2^(n-1))).
func (ob *Outbox) backoff(n int) time.Duration {
	d := ob.o.BaseDelay << min(n-1, 30)
	if d > ob.o.MaxDelay || d <= 0 {
		d = ob.o.MaxDelay
	}
	return time.Duration(ob.o.Rand() * float64(d))
}

// Run sends everything due until the queue holds nothing more to send
// (every item done, failed or in conflict), then returns nil. It returns
// ctx's error when ctx ends; what was in flight stays queued. onProgress,
// if not nil, gets at most ten reports a second and a last one, one at a
// time (photos are sent in parallel, see Options.Parallel).
func (ob *Outbox) Run(ctx context.Context, onProgress func(Progress)) error {
	ob.mu.Lock()
	ob.prog = newTracker(ob.o.Now, ob.o.ProgressEvery, onProgress)
	ob.mu.Unlock()
	defer func() { ob.report(true) }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ob.Paused() {
			ob.report(true)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-ob.wake:
			}
			continue
		}
		items, err := ob.Items()
		if err != nil {
			return err
		}
		ob.prog.setItems(items)
		next, wait, any := ob.pick(items)
		if next == nil {
			if !any {
				return nil
			}
			ob.report(true)
			wctx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-ob.wake:
					cancel()
				case <-wctx.Done():
				}
			}()
			err := ob.o.Sleep(wctx, wait)
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			_ = err
			continue
		}
		batch := []*Item{next}
		if next.Kind == KindPhoto {
			batch = ob.duePhotos(items, len(items))
		}
		ictx, cancel := context.WithCancel(ctx)
		ob.mu.Lock()
		ob.cancel = cancel
		ob.mu.Unlock()
		if len(batch) == 1 {
			err = ob.process(ictx, batch[0])
		} else {
			err = ob.processAll(ictx, batch)
		}
		if ferr := ob.flush(); err == nil {
			err = ferr
		}
		ob.mu.Lock()
		ob.cancel = nil
		ob.mu.Unlock()
		cancel()
		if err != nil && ctx.Err() == nil && !ob.Paused() {
			return err // the store failed
		}
	}
}

// processAll sends the photos due with Options.Parallel workers, each
// taking the next photo the moment it is free, so that one slow photo
// does not hold the others back. Only store failures are returned.
func (ob *Outbox) processAll(ctx context.Context, batch []*Item) error {
	work := make(chan *Item)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	// Outcomes gathered by updateLater are written at least every
	// pendEvery (and by Run after the batch).
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		t := time.NewTicker(pendEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := ob.flush(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}
	}()

	for range min(ob.o.Parallel, len(batch)) {
		wg.Go(func() {
			for it := range work {
				if err := ob.process(ctx, it); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
feed:
	for _, it := range batch {
		select {
		case work <- it:
		case <-ctx.Done(): // paused or stopped: the rest stay queued
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(stop)
	<-flushed
	return errors.Join(errs...)
}

// pick returns the next item due (photos first, then articles whose
// photos are done), else how long until one is; any tells whether
// anything is still pending.
func (ob *Outbox) pick(items []Item) (next *Item, wait time.Duration, any bool) {
	now := ob.o.Now()
	state := map[string]State{}
	for _, it := range items {
		if it.Kind == KindPhoto {
			state[it.LocalID] = it.State
		}
	}
	wait = -1
	consider := func(it *Item) bool {
		if !it.pending() {
			return false
		}
		if it.Kind == KindArticle && it.State == StateQueued && it.Body == nil {
			for _, p := range it.PhotoIDs {
				if state[p] != StateDone {
					return false // blocked on its photos
				}
			}
		}
		any = true
		if d := it.NextAttempt.Sub(now); d > 0 {
			if wait < 0 || d < wait {
				wait = d
			}
			return false
		}
		return true
	}
	for _, kind := range []string{KindPhoto, KindArticle} {
		for i := range items {
			if items[i].Kind == kind && consider(&items[i]) {
				return &items[i], 0, true
			}
		}
	}
	if wait < 0 {
		wait = 0
		any = false
	}
	return nil, wait, any
}

// duePhotos returns up to n photo items due now, in pick's order.
func (ob *Outbox) duePhotos(items []Item, n int) []*Item {
	now := ob.o.Now()
	var out []*Item
	for i := range items {
		it := &items[i]
		if it.Kind == KindPhoto && it.pending() && !it.NextAttempt.After(now) {
			out = append(out, it)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// process makes one attempt at an item and records its outcome. Only a
// store failure is returned.
func (ob *Outbox) process(ctx context.Context, it *Item) error {
	before := it.BytesDone
	var err error
	switch it.Kind {
	case KindPhoto:
		err = ob.sendPhoto(ctx, it)
	case KindArticle:
		err = ob.sendArticle(ctx, it)
	default:
		err = fmt.Errorf("unknown item kind %q", it.Kind)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		// Cancelled (Pause, shutdown): not the item's fault.
		_, serr := ob.update(it.ID, func(x *Item) error {
			if x.State == StateUploading {
				x.State = StateQueued
			}
			return nil
		})
		return serr
	}
	var final bool
	x, serr := ob.update(it.ID, func(x *Item) error {
		if x.BytesDone > before {
			x.Attempts = 0 // it got further: a fresh run of attempts
		}
		x.Attempts++
		x.LastError = err.Error()
		var e *Error
		if errors.As(err, &e) {
			x.ErrorCode = e.Code
		}
		if !Retryable(err) || x.Attempts >= ob.o.MaxAttempts {
			final = true
			if x.State != StateConflict {
				x.State = StateFailed
			}
			x.NextAttempt = time.Time{}
			return nil
		}
		d := ob.backoff(x.Attempts)
		if e != nil && e.RetryAfter > d {
			d = e.RetryAfter
		}
		x.NextAttempt = ob.o.Now().Add(d)
		return nil
	})
	ob.log.Warn("outbox item attempt failed", "item", it.ID, "final", final, "err", err)
	ob.report(final, x)
	return serr
}

// render returns the bytes a photo is uploaded as: its web rendition (or
// its JPEG original, see Options.Originals) with the caption fields
// embedded (and a minimal EXIF carrying them when it has none), in a
// buffer from bufPool that the caller may give back (putBuf) once nothing
// reads it any more.
func (ob *Outbox) render(pid string) ([]byte, photos.Photo, error) {
	p, err := ob.pics.Get(pid)
	if err != nil {
		return nil, p, err
	}
	kind := "web"
	if ob.o.Originals != nil && p.Format != "png" && ob.o.Originals() {
		kind = "original"
	}
	path, err := ob.pics.File(pid, kind)
	if err != nil {
		return nil, p, err
	}
	file := getBuf()
	defer putBuf(file)
	if *file, err = readFileInto((*file)[:0], path); err != nil {
		return nil, p, err
	}
	out := getBuf()
	b, _, err := jpegmeta.Embed((*out)[:0], *file, p.Fields, jpegmeta.Options{CreateEXIF: true})
	if err != nil {
		putBuf(out)
		return nil, p, fmt.Errorf("embed captions in photo %s: %w", pid, err)
	}
	return b, p, nil
}

// bufPool holds the buffers photos are read and rendered into. A web
// rendition is about 1 MB; taking fresh memory for each costs the process
// more (page faults, zeroing) than the copies themselves.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 64<<20 { // keep no huge original around
		bufPool.Put(b)
	}
}

// readFileInto appends the file's bytes to dst.
func readFileInto(dst []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return dst, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		dst = slices.Grow(dst, int(fi.Size())+512)
	}
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 64<<10)
		}
		n, err := f.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// Persisting a photo upload's progress. Nothing but the outcome has to be
// on disk for an upload to resume without sending bytes twice: the server
// derives an upload's id from (user, SHA-256), so after a restart a new
// POST of the same bytes finds the upload and answers with its offset (or
// "complete"). Every store write is an fsync (several milliseconds), as
// long as sending a whole web rendition over a good network, so a photo
// costs one write: its outcome, and that is written with other photos'
// outcomes (updateLater). Only a large file (an original) also has
// its tus location and offset written, every saveEveryBytes or saveEvery,
// so that the progress shown after a restart starts near where it was.
const (
	saveEveryBytes = 16 << 20
	saveEvery      = 2 * time.Second
)

func (ob *Outbox) sendPhoto(ctx context.Context, it *Item) error {
	data, p, err := ob.render(it.LocalID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if it.SHA256 != sha { // new captions or a new rendition: a new upload
		it.SHA256, it.Location, it.Offset = sha, "", 0
	}
	it.State, it.BytesTotal, it.BytesDone = StateUploading, int64(len(data)), it.Offset
	ob.report(false, *it)
	name := strings.TrimSuffix(filepath.Base(p.Name), filepath.Ext(p.Name)) + ".jpg"
	u := &Upload{SHA256: sha, Filename: name, Article: it.Article, Data: data, Location: it.Location, Offset: it.Offset}
	large := len(data) > saveEveryBytes
	savedLoc, savedOff, savedAt := it.Location, it.Offset, ob.o.Now()
	save := func() error {
		x, err := ob.update(it.ID, func(x *Item) error {
			x.SHA256, x.BytesTotal = sha, int64(len(data))
			x.Location, x.Offset, x.BytesDone = u.Location, u.Offset, u.Offset
			return nil
		})
		if err != nil {
			return err
		}
		x.State = StateUploading
		*it = x
		savedLoc, savedOff, savedAt = u.Location, u.Offset, ob.o.Now()
		return nil
	}
	var saveErr error
	err = ob.client.UploadPhoto(ctx, u, func(u *Upload) {
		if saveErr != nil {
			return
		}
		if large && (u.Location != savedLoc || u.Offset < savedOff || u.Offset-savedOff >= saveEveryBytes || ob.o.Now().Sub(savedAt) >= saveEvery) {
			saveErr = save()
		} else {
			it.Location, it.Offset, it.BytesDone = u.Location, u.Offset, u.Offset
		}
		ob.report(false, *it)
	})
	if saveErr != nil {
		return saveErr
	}
	if err != nil {
		if errors.Is(err, ErrChecksum) {
			// The upload is gone on the server; start again from scratch
			// (the bytes are rendered anew next time).
			ob.update(it.ID, func(x *Item) error { x.Location, x.Offset, x.BytesDone = "", 0, 0; return nil })
		} else if u.Location != savedLoc || u.Offset != savedOff {
			if serr := save(); serr != nil {
				return serr
			}
		}
		return err
	}
	// The server has every byte: nothing reads data any more. (After an
	// error the HTTP transport may still hold the body: data is left to
	// the garbage collector.)
	size := int64(len(data))
	buf := data // a pointer to a variable of its own: the pool's next user writes through it
	putBuf(&buf)
	data = nil
	x, err := ob.updateLater(it.ID, func(x *Item) error {
		x.SHA256, x.BytesTotal = sha, size
		x.State, x.Location, x.Offset, x.BytesDone = StateDone, u.Location, x.BytesTotal, x.BytesTotal
		x.LastError, x.ErrorCode, x.Attempts, x.NextAttempt = "", "", 0, time.Time{}
		return nil
	})
	*it = x
	ob.report(true, *it)
	return err
}

// shas returns the SHA-256 of each photo as uploaded.
func (ob *Outbox) shas(photoIDs []string) ([]string, error) {
	out := make([]string, 0, len(photoIDs))
	for _, pid := range photoIDs {
		p, err := ob.Item("p-" + pid)
		if err != nil || p.SHA256 == "" {
			return nil, fmt.Errorf("photo %s has not been uploaded", pid)
		}
		out = append(out, p.SHA256)
	}
	return out, nil
}

func (ob *Outbox) sendArticle(ctx context.Context, it *Item) error {
	if it.State == StateWaiting && it.Body == nil {
		// Pushed; the server lacked photos. Ask whether it has them now.
		sa, err := ob.client.GetArticle(ctx, it.LocalID)
		if err != nil {
			return err
		}
		if sa.Rev != it.Rev {
			// The server's copy moved on since our push (an editor): do
			// not claim to be in step with it; Pull brings it here.
			sa.Rev = it.Rev
		}
		return ob.pushed(it, sa, nil)
	}
	cur, err := ob.update(it.ID, func(x *Item) error {
		if x.Body == nil { // freeze a new operation: body, base and key
			a, err := ob.arts.Get(x.LocalID)
			if err != nil {
				return err
			}
			body, err := json.Marshal(a)
			if err != nil {
				return err
			}
			x.Body, x.BaseRev, x.OpID, x.Dirty = body, ob.baseRev(x.LocalID), newOpID(ob.o.Now()), false
			x.PhotoIDs = PhotoRefs(a.Body)
		}
		if x.OpID == "" {
			x.OpID = newOpID(ob.o.Now())
		}
		x.State = StateUploading
		return nil
	})
	if err != nil {
		return err
	}
	*it = cur
	ob.report(false, *it)
	shas, err := ob.shas(it.PhotoIDs)
	if err != nil {
		return err
	}
	sa, missing, conflict, err := ob.client.PushArticle(ctx, it.LocalID, it.BaseRev, it.Body, shas, it.OpID)
	if conflict != nil {
		x, serr := ob.update(it.ID, func(x *Item) error {
			x.State, x.Conflict = StateConflict, conflict
			x.LastError, x.ErrorCode = err.Error(), "conflict"
			x.Body, x.OpID, x.Attempts, x.NextAttempt = nil, "", 0, time.Time{}
			return nil
		})
		*it = x
		ob.report(true, *it)
		return serr
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == "idempotency_key_reused" {
			// Cannot happen with a frozen body; start a fresh operation.
			ob.update(it.ID, func(x *Item) error { x.Body, x.OpID = nil, ""; return nil })
		}
		return err
	}
	return ob.pushed(it, sa, missing)
}

// pushed records the server's answer to a push (or a later read).
func (ob *Outbox) pushed(it *Item, sa ServerArticle, missing []string) error {
	if err := ob.setRev(it.LocalID, sa.Rev, bodyUpdatedAt(it.Body)); err != nil {
		return err
	}
	x, err := ob.update(it.ID, func(x *Item) error {
		if x.State == StateConflict {
			return nil // Pull found the server's copy moved on meanwhile
		}
		x.Rev, x.Body, x.OpID, x.BaseRev = sa.Rev, nil, "", sa.Rev
		x.LastError, x.ErrorCode = "", ""
		switch {
		case sa.State == "received" && x.Dirty:
			x.State, x.Dirty, x.Attempts, x.NextAttempt = StateQueued, false, 0, time.Time{}
		case sa.State == "received":
			x.State, x.Attempts, x.NextAttempt = StateDone, 0, time.Time{}
		default:
			x.State = StateWaiting
			x.LastError = fmt.Sprintf("the server is still missing %d photo(s)", len(missing))
			x.Attempts++
			if x.Attempts >= ob.o.MaxAttempts {
				x.State = StateFailed
				x.LastError = "the server still lacks some of the article's photos; retry to send them again"
			} else {
				x.NextAttempt = ob.o.Now().Add(ob.backoff(x.Attempts))
			}
		}
		return nil
	})
	if err == nil && x.State == StateWaiting && len(missing) > 0 {
		// Photos the server lacks although we sent them: send them again.
		err = ob.requeueMissing(x, missing)
	}
	*it = x
	ob.report(true, *it)
	return err
}

func (ob *Outbox) requeueMissing(a Item, missing []string) error {
	for _, pid := range a.PhotoIDs {
		p, err := ob.Item("p-" + pid)
		if err != nil || !slices.Contains(missing, p.SHA256) || p.State != StateDone {
			continue
		}
		if _, err := ob.update(p.ID, func(x *Item) error {
			x.State, x.Location, x.Offset, x.BytesDone, x.Attempts = StateQueued, "", 0, 0, 0
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// Resolve settles a conflict:
//
//   - "mine": push the local text over the server's copy (baseRev = the
//     server's revision);
//   - "theirs": take the server's copy into the local article;
//   - "both": keep the local text as a new local article (queued as a new
//     article on the server) and take the server's copy into the original.
//
// The local text is never lost: "theirs" saves over it through the article
// library, which keeps it as a revision.
func (ob *Outbox) Resolve(itemID, choice string) error {
	it, err := ob.Item(itemID)
	if err != nil {
		return err
	}
	if it.State != StateConflict || it.Conflict == nil {
		return fmt.Errorf("resolve %s (%s): %w", itemID, it.State, ErrBadState)
	}
	srv := *it.Conflict
	switch choice {
	case ChoiceMine:
		if err := ob.setRev(it.LocalID, srv.Rev, time.Time{}); err != nil {
			return err
		}
		_, err = ob.update(itemID, func(x *Item) error {
			x.State, x.Conflict, x.Body, x.OpID, x.Attempts, x.NextAttempt, x.LastError, x.ErrorCode = StateQueued, nil, nil, "", 0, time.Time{}, "", ""
			return nil
		})
	case ChoiceTheirs, ChoiceBoth:
		local, err := ob.arts.Get(it.LocalID)
		if err != nil {
			return err
		}
		if choice == ChoiceBoth {
			cp := local
			cp.ID = ""
			cp, err = ob.arts.Create(cp)
			if err != nil {
				return fmt.Errorf("keep both: %w", err)
			}
			defer func() {
				if err == nil {
					err = ob.Enqueue([]string{cp.ID})
				}
			}()
		}
		var saved articles.Article
		if saved, err = ob.takeTheirs(local, srv); err != nil {
			return err
		}
		if err = ob.setRev(it.LocalID, srv.Rev, saved.UpdatedAt); err != nil {
			return err
		}
		_, err = ob.update(itemID, func(x *Item) error {
			x.State, x.Conflict, x.Rev, x.BaseRev = StateDone, nil, srv.Rev, srv.Rev
			x.Body, x.OpID, x.Attempts, x.NextAttempt, x.LastError, x.ErrorCode = nil, "", 0, time.Time{}, "", ""
			if srv.State != "received" {
				x.State = StateWaiting
			}
			return nil
		})
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("resolve %s: choice %q is not mine, theirs or both", itemID, choice)
	}
	ob.poke()
	return err
}

// takeTheirs saves the server's copy of an article over the local one.
// It returns the article as stored.
func (ob *Outbox) takeTheirs(local articles.Article, srv ServerArticle) (articles.Article, error) {
	var theirs articles.Article
	if err := json.Unmarshal(srv.Doc, &theirs); err != nil {
		return theirs, fmt.Errorf("the server's copy is not an article: %w", err)
	}
	theirs.ID, theirs.Version = local.ID, local.Version
	saved, err := ob.arts.Save(theirs, true)
	if err != nil {
		return saved, fmt.Errorf("take the server's copy: %w", err)
	}
	return saved, nil
}
