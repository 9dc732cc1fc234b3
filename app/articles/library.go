package articles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warta-news/warta/app/store"
)

// Library is the local collection of articles, their revisions and search
// index, kept in the store. Its methods are safe for concurrent use;
// writes are serialised.
type Library struct {
	st  *store.Store
	log *slog.Logger

	// now is the clock; tests replace it.
	now func() time.Time
	// upkeepEvery is how often Serve thins revisions; tests shorten it.
	upkeepEvery time.Duration

	mu sync.Mutex // held by every write
}

// Query selects articles for List.
type Query struct {
	Text     string `json:"text"`     // full-text search when not empty
	Status   Status `json:"status"`   // only this status when not empty
	Category string `json:"category"` // only this category when not empty
	Trash    bool   `json:"trash"`    // list the trash instead of live articles
	Limit    int    `json:"limit"`    // at most this many; 0 means all
}

// Suggestions are values used in earlier articles, most used first (at
// most maxSuggestions of each).
type Suggestions struct {
	Reporters  []string `json:"reporters"`
	Editors    []string `json:"editors"`
	Categories []string `json:"categories"`
	Tags       []string `json:"tags"`
	Places     []string `json:"places"`
	Agencies   []string `json:"agencies"`
}

const maxSuggestions = 100

// New opens the library kept in st.
func New(st *store.Store, log *slog.Logger) (*Library, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Library{st: st, log: log.With("component", "articles"), now: time.Now, upkeepEvery: time.Hour}
	var v int
	err := st.GetJSON(keyMeta, &v)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := st.PutJSON(keyMeta, layoutVersion); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("articles layout version: %w", err)
	case v > layoutVersion:
		return nil, fmt.Errorf("articles layout %d > %d: %w", v, layoutVersion, store.ErrNewerSchema)
	}
	return l, nil
}

// clock is the current time as stored: UTC, whole milliseconds (what a
// JavaScript Date can hold).
func (l *Library) clock() time.Time { return l.now().UTC().Truncate(time.Millisecond) }

// Create stores a new article and its first revision. It fills the ID,
// the times, Version 1, status "draft" and language "id" when empty.
func (l *Library) Create(a Article) (Article, error) {
	blocks, err := normalise(&a)
	if err != nil {
		return Article{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	a.ID = newID(now)
	a.CreatedAt, a.UpdatedAt, a.Version, a.DeletedAt = now, now, 1, nil
	err = l.st.Update(func(tx *store.Txn) error {
		snap, err := writeArticle(tx, nil, &a, blocks)
		if err != nil {
			return err
		}
		return addRevision(tx, a, snap, 1, now, false, "")
	})
	if err != nil {
		return Article{}, fmt.Errorf("create article: %w", err)
	}
	return a, nil
}

// Get returns the article with id.
func (l *Library) Get(id string) (Article, error) {
	if err := checkID(id); err != nil {
		return Article{}, err
	}
	var a Article
	err := l.st.View(func(tx *store.Txn) error {
		var err error
		a, err = getArticle(tx, id)
		return err
	})
	return a, err
}

func getArticle(tx *store.Txn, id string) (Article, error) {
	var a Article
	if err := tx.GetJSON(kArticle(id), &a); err != nil {
		if isNotFound(err) {
			return a, fmt.Errorf("article %s: %w", id, ErrNotFound)
		}
		return a, err
	}
	return a, nil
}

// Save is the autosave. a.Version must be the stored Version, else
// nothing is overwritten: a's text is kept as a "conflict" revision and
// ErrConflict is returned. When the content changed, Save stores it with
// Version+1, a new UpdatedAt, fresh word counts and a new revision, all in
// one transaction with the search index, and returns what it stored. When
// nothing changed it returns the stored article and writes nothing. mark
// (Ctrl+S) always leaves a Marked revision of the saved content.
// CreatedAt, DeletedAt and the counts are the library's, not the caller's.
func (l *Library) Save(a Article, mark bool) (Article, error) {
	if err := checkID(a.ID); err != nil {
		return Article{}, err
	}
	blocks, err := normalise(&a)
	if err != nil {
		return Article{}, err
	}
	hash := contentHash(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	var out Article
	var conflict error
	err = l.st.Update(func(tx *store.Txn) error {
		old, err := getArticle(tx, a.ID)
		if err != nil {
			return err
		}
		now := l.clock()
		if a.Version != old.Version && hash != contentHash(old) {
			conflict = fmt.Errorf("article %s is at version %d, the editor had %d: %w", a.ID, old.Version, a.Version, ErrConflict)
			out = old
			theirs := old
			setContent(&theirs, a)
			theirs.WordCount, theirs.ReadingMinutes, theirs.UpdatedAt = a.WordCount, a.ReadingMinutes, now
			metas, err := revMetas(tx, a.ID)
			if err != nil {
				return err
			}
			return keepConflict(tx, old.ID, theirs, hash, metas, now)
		}
		st, err := revStats(tx, a.ID)
		if err != nil {
			return err
		}
		// A stale editor whose text equals the stored text loses nothing:
		// it gets the stored article and goes on from its version.
		if hash == contentHash(old) {
			out = old
			if !mark {
				return nil
			}
			var last revMeta
			if err := tx.GetJSON(kRevMeta(a.ID, st.last), &last); err == nil && last.Marked && last.Hash == hash {
				return nil // Ctrl+S again: already marked
			}
			return l.record(tx, old, nil, st, now, true, "")
		}
		n := old
		setContent(&n, a)
		n.WordCount, n.ReadingMinutes = a.WordCount, a.ReadingMinutes
		n.Version, n.UpdatedAt = old.Version+1, now
		snap, err := writeArticle(tx, &old, &n, blocks)
		if err != nil {
			return err
		}
		out = n
		return l.record(tx, n, snap, st, now, mark, "")
	})
	if err != nil {
		return Article{}, fmt.Errorf("save article %s: %w", a.ID, err)
	}
	if conflict != nil {
		l.log.Warn("save conflict; the editor's text was kept as a revision", "id", a.ID, "err", conflict)
		return out, conflict
	}
	return out, nil
}

// record adds a revision of a (whose JSON is snap, if the caller has it)
// and, every thinEvery revisions or when the cap is reached, thins the
// article's revisions.
func (l *Library) record(tx *store.Txn, a Article, snap []byte, st revStat, at time.Time, marked bool, origin string) error {
	seq := st.last + 1
	if err := addRevision(tx, a, snap, seq, at, marked, origin); err != nil {
		return err
	}
	if seq%thinEvery != 0 && st.count+1 <= maxRevisions {
		return nil
	}
	metas, err := revMetas(tx, a.ID)
	if err != nil {
		return err
	}
	return dropRevisions(tx, a.ID, thinPlan(metas, at, contentHash(a)))
}

// Delete moves the article to the trash. It stays there, with its
// revisions, until EmptyTrash.
func (l *Library) Delete(id string) error {
	return l.setTrash(id, true)
}

// Restore takes the article out of the trash.
func (l *Library) Restore(id string) error {
	return l.setTrash(id, false)
}

func (l *Library) setTrash(id string, trash bool) error {
	if err := checkID(id); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.st.Update(func(tx *store.Txn) error {
		old, err := getArticle(tx, id)
		if err != nil {
			return err
		}
		if (old.DeletedAt != nil) == trash {
			return nil
		}
		blocks, err := storedBlocks(&old)
		if err != nil {
			return err
		}
		n := old
		n.Version++
		n.DeletedAt = nil
		if trash {
			now := l.clock()
			n.DeletedAt = &now
		}
		_, err = writeArticle(tx, &old, &n, blocks)
		return err
	})
	if err != nil {
		verb := "restore"
		if trash {
			verb = "delete"
		}
		return fmt.Errorf("%s article %s: %w", verb, id, err)
	}
	return nil
}

// storedBlocks lowers the body of an article read from the store.
func storedBlocks(a *Article) ([]block, error) {
	d, err := parseDoc(bodyOrEmpty(a.Body))
	if err != nil {
		return nil, fmt.Errorf("stored article %s: %w", a.ID, err)
	}
	return lower(d), nil
}

// EmptyTrash deletes every article in the trash for good, with its
// revisions and index entries, and returns how many it deleted.
func (l *Library) EmptyTrash() (int, error) {
	var ids []string
	if err := l.st.View(func(tx *store.Txn) error {
		return tx.IterateKeys(listPrefix(true), func(k string) error {
			ids = append(ids, idOfKey(k))
			return nil
		})
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		gone, err := l.purge(id)
		if err != nil {
			return n, fmt.Errorf("empty trash: %w", err)
		}
		if gone {
			n++
		}
	}
	if n > 0 {
		l.log.Info("trash emptied", "articles", n)
	}
	return n, nil
}

// purge hard-deletes one trashed article (one transaction per article, so
// a big trash never makes one transaction too big).
func (l *Library) purge(id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	gone := false
	err := l.st.Update(func(tx *store.Txn) error {
		old, err := getArticle(tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil || old.DeletedAt == nil {
			return err // restored meanwhile: keep it
		}
		if _, err := writeArticle(tx, &old, nil, nil); err != nil {
			return err
		}
		metas, err := revMetas(tx, id)
		if err != nil {
			return err
		}
		seqs := make([]int64, len(metas))
		for i, m := range metas {
			seqs[i] = m.Seq
		}
		gone = true
		return dropRevisions(tx, id, seqs)
	})
	return gone, err
}

// List returns summaries, most recently updated first. Trash selects the
// trash instead of live articles; Status and Category filter; Text is a
// full-text search (every word must match, as a word or the start of one,
// ignoring case and accents) over headline, subheadline, body and
// captions.
func (l *Library) List(q Query) ([]Summary, error) {
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return nil, fmt.Errorf("status %q: %w", q.Status, ErrInvalid)
	}
	out := []Summary{}
	err := l.st.View(func(tx *store.Txn) error {
		want := func(s *Summary) bool {
			return (s.DeletedAt != nil) == q.Trash &&
				(q.Status == "" || s.Status == q.Status) &&
				(q.Category == "" || s.Category == q.Category)
		}
		full := func() bool { return q.Limit > 0 && len(out) >= q.Limit }
		var hits map[string]bool
		if toks := queryTokens(q.Text); len(toks) > 0 {
			var err error
			if hits, err = search(tx, toks); err != nil {
				return err
			}
			if len(hits) <= directFetch {
				// Few hits: read their summaries and sort them.
				for id := range hits {
					var s Summary
					if err := tx.GetJSON(kSummary(id), &s); err != nil {
						return err
					}
					if want(&s) {
						out = append(out, s)
					}
				}
				slices.SortFunc(out, func(a, b Summary) int {
					if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
						return c
					}
					return strings.Compare(b.ID, a.ID)
				})
				if q.Limit > 0 && len(out) > q.Limit {
					out = out[:q.Limit]
				}
				return nil
			}
		}
		// Walk the list order, newest first, until the limit.
		return tx.IterateKeys(listPrefix(q.Trash), func(k string) error {
			id := idOfKey(k)
			if hits != nil && !hits[id] {
				return nil
			}
			var s Summary
			if err := tx.GetJSON(kSummary(id), &s); err != nil {
				return err
			}
			if want(&s) {
				out = append(out, s)
			}
			if full() {
				return store.ErrStop
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

// Search strategy thresholds (variables so that tests can force each path).
var (
	// directFetch: up to this many search hits are fetched and sorted;
	// more are picked out while walking the list order.
	directFetch = 2000
	// verifyBelow: once the candidates are this few, the remaining query
	// words are checked against each candidate's stored tokens instead of
	// scanning the index for them.
	verifyBelow = 500
)

// search returns the ids of the articles (live or trashed) that have, for
// every token, a word starting with it.
func search(tx *store.Txn, toks []string) (map[string]bool, error) {
	// matched counts, per article, how many of the tokens so far it has.
	var matched map[string]int
	for i, tok := range toks {
		if matched != nil && len(matched) <= verifyBelow {
			cand := make(map[string]bool, len(matched))
			for id := range matched {
				cand[id] = true
			}
			return verify(tx, cand, toks[i:])
		}
		next := map[string]int{}
		err := tx.IterateKeyBytes(pIndex+tok, func(k []byte) error {
			id := k[bytes.LastIndexByte(k, '/')+1:]
			if i == 0 {
				if _, ok := next[string(id)]; !ok {
					next[string(id)] = 1
				}
				return nil
			}
			if matched[string(id)] == i {
				matched[string(id)] = i + 1 // a prefix can match several words of one article
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if i > 0 {
			for id, n := range matched {
				if n == i+1 {
					next[id] = n
				}
			}
		}
		matched = next
		if len(matched) == 0 {
			break
		}
	}
	out := make(map[string]bool, len(matched))
	for id := range matched {
		out[id] = true
	}
	return out, nil
}

// verify keeps the candidates whose token list has every one of toks as a
// prefix of some token.
func verify(tx *store.Txn, cand map[string]bool, toks []string) (map[string]bool, error) {
	out := map[string]bool{}
	for id := range cand {
		b, err := tx.Get(kTokens(id))
		if err != nil {
			return nil, err
		}
		have := strings.Fields(string(b))
		ok := true
		for _, t := range toks {
			if !hasPrefixToken(have, t) {
				ok = false
				break
			}
		}
		if ok {
			out[id] = true
		}
	}
	return out, nil
}

// Suggestions returns the reporters, editors, categories, tags, places and
// agencies of the stored articles (trash included), most used first.
func (l *Library) Suggestions() (Suggestions, error) {
	lists := map[string][]string{}
	err := l.st.View(func(tx *store.Txn) error {
		for _, kind := range suggestionKinds {
			type vc struct {
				v string
				n int
			}
			var all []vc
			prefix := pSuggest + kind + "/"
			if err := tx.IteratePrefix(prefix, func(k string, v []byte) error {
				var n int
				if err := json.Unmarshal(v, &n); err != nil {
					return fmt.Errorf("decode %s: %w", k, err)
				}
				all = append(all, vc{k[len(prefix):], n})
				return nil
			}); err != nil {
				return err
			}
			slices.SortFunc(all, func(a, b vc) int {
				if a.n != b.n {
					return b.n - a.n
				}
				return strings.Compare(a.v, b.v)
			})
			vals := []string{}
			for _, x := range all[:min(len(all), maxSuggestions)] {
				vals = append(vals, x.v)
			}
			lists[kind] = vals
		}
		return nil
	})
	if err != nil {
		return Suggestions{}, fmt.Errorf("suggestions: %w", err)
	}
	return Suggestions{Reporters: lists["reporters"], Editors: lists["editors"], Categories: lists["categories"],
		Tags: lists["tags"], Places: lists["places"], Agencies: lists["agencies"]}, nil
}

// Serve thins every article's revisions a minute after it starts and then
// every upkeepEvery (an hour), until ctx ends. Saves thin their own
// article's revisions; this catches articles nobody edits any more.
func (l *Library) Serve(ctx context.Context) error {
	t := time.NewTimer(min(time.Minute, l.upkeepEvery))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if n, err := l.thinAll(ctx); err != nil {
				l.log.Error("thinning revisions", "err", err)
			} else if n > 0 {
				l.log.Info("revisions thinned", "dropped", n)
			}
			t.Reset(l.upkeepEvery)
		}
	}
}
