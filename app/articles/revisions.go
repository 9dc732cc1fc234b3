package articles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/warta-news/warta/app/store"
)

// RevisionInfo describes one stored revision.
type RevisionInfo struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	WordCount int       `json:"wordCount"`
	Headline  string    `json:"headline"`
	Marked    bool      `json:"marked"` // saved with Ctrl+S: never thinned
	// Origin says where the revision came from: "" an edit, "restore" a
	// restored revision, "import" an imported file, "conflict" text that
	// lost a conflict (a stale window's save, or the older side of an
	// import) and was kept so it is never lost.
	Origin string `json:"origin,omitempty"`
}

// Revision origins.
const (
	originEdit     = ""
	originRestore  = "restore"
	originImport   = "import"
	originConflict = "conflict"
)

// revMeta is what rvm/<id>/<seq> holds: RevisionInfo plus the content
// hash, read without the snapshot for listing, thinning and deduplication.
type revMeta struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	WordCount int       `json:"wordCount"`
	Headline  string    `json:"headline"`
	Marked    bool      `json:"marked,omitempty"`
	Origin    string    `json:"origin,omitempty"`
	Hash      string    `json:"hash"`
}

func (m revMeta) info() RevisionInfo {
	return RevisionInfo{Seq: m.Seq, At: m.At, WordCount: m.WordCount, Headline: m.Headline, Marked: m.Marked, Origin: m.Origin}
}

// Thinning policy (see the package documentation).
const (
	keepAll      = 24 * time.Hour
	hourlyUntil  = 7 * 24 * time.Hour
	dailyUntil   = 90 * 24 * time.Hour
	maxRevisions = 1000
	// thinEvery: a save thins its article's revisions when its revision
	// number is a multiple of this (or the cap is reached), so that an
	// autosave does not read every revision's metadata each time. Serve
	// thins everything hourly.
	thinEvery = 16
)

// addRevision stores revision seq of a; snap is a's JSON if the caller
// has it already (nil: marshal it here).
func addRevision(tx *store.Txn, a Article, snap []byte, seq int64, at time.Time, marked bool, origin string) error {
	if snap == nil {
		var err error
		if snap, err = json.Marshal(a); err != nil {
			return err
		}
	}
	if err := tx.Set(kRev(a.ID, seq), snap); err != nil {
		return err
	}
	return tx.SetJSON(kRevMeta(a.ID, seq), revMeta{Seq: seq, At: at, WordCount: a.WordCount,
		Headline: a.Headline, Marked: marked, Origin: origin, Hash: contentHash(a)})
}

// revStat is what a save needs to know of an article's revisions.
type revStat struct {
	count int
	last  int64 // highest seq, 0 if none
}

// revStats counts id's revisions from their keys alone.
func revStats(tx *store.Txn, id string) (revStat, error) {
	var st revStat
	prefix := pRevMeta + id + "/"
	err := tx.IterateKeys(prefix, func(k string) error {
		st.count++
		seq, err := strconv.ParseInt(k[len(prefix):], 16, 64)
		if err != nil {
			return fmt.Errorf("revision key %s: %w", k, err)
		}
		st.last = max(st.last, seq)
		return nil
	})
	return st, err
}

// revMetas returns the metadata of id's revisions in seq order.
func revMetas(tx *store.Txn, id string) ([]revMeta, error) {
	var out []revMeta
	err := tx.IteratePrefix(pRevMeta+id+"/", func(k string, v []byte) error {
		var m revMeta
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode %s: %w", k, err)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

func dropRevisions(tx *store.Txn, id string, seqs []int64) error {
	for _, s := range seqs {
		if err := tx.Delete(kRev(id, s)); err != nil {
			return err
		}
		if err := tx.Delete(kRevMeta(id, s)); err != nil {
			return err
		}
	}
	return nil
}

// byTime orders revisions oldest first (time, then seq).
func byTime(a, b revMeta) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return int(a.Seq - b.Seq)
}

// thinPlan returns the seqs of the revisions to drop at time now; current
// is the content hash of the article as it is now:
//
//   - the newest revision, the newest one of the current content, Marked
//     ones and "conflict" ones are kept;
//   - every revision from the last 24 hours is kept;
//   - older ones: the newest of each clock hour up to 7 days old, of each
//     UTC day up to 90 days, of each week (counted from 1970) after that;
//   - if more than maxRevisions remain, the oldest are dropped: plain ones
//     first, then conflict ones, then (only if there are over a thousand)
//     marked ones. The newest is never dropped.
func thinPlan(metas []revMeta, now time.Time, current string) []int64 {
	if len(metas) == 0 {
		return nil
	}
	s := slices.Clone(metas)
	slices.SortFunc(s, byTime)
	keep := make([]bool, len(s))
	type bucket struct{ tier, n int64 }
	seen := map[bucket]bool{}
	last := len(s) - 1
	keep[last] = true
	cur := -1 // the newest revision of the current content
	for i := last; i >= 0 && cur < 0; i-- {
		if s[i].Hash == current {
			cur = i
		}
	}
	for i := last - 1; i >= 0; i-- {
		m := s[i]
		age := now.Sub(m.At)
		if m.Marked || m.Origin == originConflict || age <= keepAll || i == cur {
			keep[i] = true
			continue
		}
		var b bucket
		switch u := m.At.Unix(); {
		case age <= hourlyUntil:
			b = bucket{1, floorDiv(u, 3600)}
		case age <= dailyUntil:
			b = bucket{2, floorDiv(u, 86400)}
		default:
			b = bucket{3, floorDiv(u, 7*86400)}
		}
		if !seen[b] {
			seen[b], keep[i] = true, true
		}
	}
	kept := 0
	for _, k := range keep {
		if k {
			kept++
		}
	}
	for _, class := range []func(revMeta) bool{
		func(m revMeta) bool { return !m.Marked && m.Origin != originConflict },
		func(m revMeta) bool { return !m.Marked },
		func(revMeta) bool { return true },
	} {
		for i := 0; i < last && kept > maxRevisions; i++ {
			if keep[i] && class(s[i]) && i != cur {
				keep[i] = false
				kept--
			}
		}
	}
	var drop []int64
	for i, k := range keep {
		if !k {
			drop = append(drop, s[i].Seq)
		}
	}
	return drop
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// keepConflict stores text that lost a conflict as a "conflict" revision,
// unless a revision with the same content is already kept that way (or
// marked). A plain revision with the same content is promoted instead of
// duplicated.
func keepConflict(tx *store.Txn, id string, a Article, hash string, metas []revMeta, at time.Time) error {
	for _, m := range metas {
		if m.Hash != hash {
			continue
		}
		if m.Marked || m.Origin == originConflict {
			return nil
		}
		m.Origin = originConflict
		return tx.SetJSON(kRevMeta(id, m.Seq), m)
	}
	a.ID = id
	seq := int64(1)
	for _, m := range metas {
		seq = max(seq, m.Seq+1)
	}
	return addRevision(tx, a, nil, seq, at, false, originConflict)
}

// Revisions lists the article's revisions, newest first.
func (l *Library) Revisions(id string) ([]RevisionInfo, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var metas []revMeta
	err := l.st.View(func(tx *store.Txn) error {
		if ok, err := tx.Has(kArticle(id)); err != nil || !ok {
			return firstErr(err, fmt.Errorf("article %s: %w", id, ErrNotFound))
		}
		var err error
		metas, err = revMetas(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(metas, func(a, b revMeta) int { return byTime(b, a) })
	out := make([]RevisionInfo, len(metas))
	for i, m := range metas {
		out[i] = m.info()
	}
	return out, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Revision returns the snapshot stored as revision seq of the article.
func (l *Library) Revision(id string, seq int64) (Article, error) {
	if err := checkID(id); err != nil {
		return Article{}, err
	}
	var a Article
	err := l.st.View(func(tx *store.Txn) error {
		err := tx.GetJSON(kRev(id, seq), &a)
		if isNotFound(err) {
			return fmt.Errorf("revision %d of article %s: %w", seq, id, ErrNotFound)
		}
		return err
	})
	return a, err
}

// RestoreRevision makes revision seq the article's current content. The
// restore is itself a new revision, so nothing after seq is lost. If the
// current content already equals the revision, nothing is written.
func (l *Library) RestoreRevision(id string, seq int64) (Article, error) {
	if err := checkID(id); err != nil {
		return Article{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out Article
	err := l.st.Update(func(tx *store.Txn) error {
		old, err := getArticle(tx, id)
		if err != nil {
			return err
		}
		var snap Article
		if err := tx.GetJSON(kRev(id, seq), &snap); err != nil {
			if isNotFound(err) {
				return fmt.Errorf("revision %d of article %s: %w", seq, id, ErrNotFound)
			}
			return err
		}
		n := old
		setContent(&n, snap)
		blocks, err := normalise(&n)
		if err != nil {
			return err
		}
		if contentHash(n) == contentHash(old) {
			out = old
			return nil
		}
		now := l.clock()
		n.Version, n.UpdatedAt = old.Version+1, now
		js, err := writeArticle(tx, &old, &n, blocks)
		if err != nil {
			return err
		}
		st, err := revStats(tx, id)
		if err != nil {
			return err
		}
		out = n
		return l.record(tx, n, js, st, now, false, originRestore)
	})
	if err != nil {
		return Article{}, fmt.Errorf("restore revision %d of %s: %w", seq, id, err)
	}
	return out, nil
}

// thinAll thins the revisions of every article, one transaction each.
func (l *Library) thinAll(ctx context.Context) (int, error) {
	var ids []string
	if err := l.st.View(func(tx *store.Txn) error {
		return tx.IterateKeys(pArticle, func(k string) error {
			ids = append(ids, k[len(pArticle):])
			return nil
		})
	}); err != nil {
		return 0, err
	}
	dropped := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return dropped, nil
		}
		l.mu.Lock()
		err := l.st.Update(func(tx *store.Txn) error {
			metas, err := revMetas(tx, id)
			if err != nil {
				return err
			}
			a, err := getArticle(tx, id)
			if errors.Is(err, ErrNotFound) {
				return nil // purged meanwhile
			}
			if err != nil {
				return err
			}
			drop := thinPlan(metas, l.clock(), contentHash(a))
			dropped += len(drop)
			return dropRevisions(tx, id, drop)
		})
		l.mu.Unlock()
		if err != nil {
			return dropped, fmt.Errorf("thin revisions of %s: %w", id, err)
		}
	}
	return dropped, nil
}
