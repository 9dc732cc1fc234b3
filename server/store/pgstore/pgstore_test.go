package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/pgstore"
)

func newPut(id string, baseRev int64, doc string, photos ...string) store.Put {
	return store.Put{
		Article: store.Article{ID: id, Owner: "u1", Newsroom: "humas", Doc: []byte(doc), Photos: photos, UpdatedBy: "u1"},
		BaseRev: baseRev,
	}
}

func newIdem(key string) *store.Idempotency {
	return &store.Idempotency{UserID: "u1", Key: key, ReqHash: "h-" + key, Status: 200, Body: []byte(`{}`)}
}

// connect opens a plain connection to the test's database for looking
// behind the Store's back.
func connect(t *testing.T, db string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), cluster.url(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestMigrate(t *testing.T) {
	db := newDB(t)
	ctx := t.Context()
	// Servers starting together apply the schema once.
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() {
			s, err := pgstore.Open(ctx, cluster.url(db), nil)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	c := connect(t, db)
	var n, v int
	if err := c.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_version").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != 1 || v != 1 {
		t.Errorf("schema_version: %d rows, version %d; want 1, 1", n, v)
	}
	// A schema from a newer program is refused, not half-used.
	if _, err := c.Exec(ctx, "INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	if s, err := pgstore.Open(ctx, cluster.url(db), nil); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open on a newer schema: %v, want an error saying so", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := pgstore.Open(ctx, cluster.url("no_such_db"), nil); err == nil {
		t.Error("Open of a missing database succeeded")
	}
}

// TestDocAndRevisions: the document comes back byte for byte, and every
// revision is kept.
func TestDocAndRevisions(t *testing.T) {
	s, db := openStore(t)
	ctx := t.Context()
	docs := []string{`{"b": 1,  "a": [ ]}`, `{"headline":"Banjir di Kampung Melayu"}`, `{"x":"\u00e9"}`}
	for i, d := range docs {
		a, err := s.PutArticle(ctx, newPut("art", int64(i), d), nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Doc) != d {
			t.Errorf("rev %d doc = %s, want %s", a.Rev, a.Doc, d)
		}
	}
	got, err := s.GetArticle(ctx, "art")
	if err != nil || string(got.Doc) != docs[2] || got.Rev != 3 {
		t.Fatalf("GetArticle = %+v, %v", got, err)
	}
	rows, err := connect(t, db).Query(ctx, "SELECT doc FROM revisions WHERE article_id = 'art' ORDER BY rev")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var b []byte
		err := r.Scan(&b)
		return string(b), err
	})
	if err != nil || !slices.Equal(stored, docs) {
		t.Errorf("revisions = %q, %v; want %q", stored, err, docs)
	}
}

// TestOwnerKept: an update by someone else (an editor) leaves the owner.
func TestOwnerKept(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	if _, err := s.PutArticle(ctx, newPut("a", 0, `{}`), nil); err != nil {
		t.Fatal(err)
	}
	p := newPut("a", 1, `{"v":2}`)
	p.Article.Owner, p.Article.UpdatedBy = "editor", "editor"
	a, err := s.PutArticle(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Owner != "u1" || a.UpdatedBy != "editor" {
		t.Errorf("after an editor's update: owner %q, updated by %q", a.Owner, a.UpdatedBy)
	}
}

// TestIdempotencyKeyReused: a put whose key holds another request says so
// (ErrKeyReused as well as ErrExists) and stores nothing.
func TestIdempotencyKeyReused(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	if err := s.PutIdempotency(ctx, *newIdem("k")); err != nil {
		t.Fatal(err)
	}
	other := newIdem("k")
	other.ReqHash = "different"
	_, err := s.PutArticle(ctx, newPut("a", 0, `{}`), other)
	if !errors.Is(err, store.ErrKeyReused) || !errors.Is(err, store.ErrExists) {
		t.Errorf("put with a reused key: %v", err)
	}
	if _, err := s.GetArticle(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("article stored anyway: %v", err)
	}
}

// TestFeedNeverSkips: 20 writers create articles while a reader follows the
// feed with a cursor, as a client does. A row that committed after a
// larger Seq had been read would be skipped for ever; the feed lock
// prevents that, so the reader must see every article exactly once.
func TestFeedNeverSkips(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	const writers, each = 20, 15
	var done atomic.Bool
	var wg sync.WaitGroup
	werrs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.PutArticle(ctx, newPut(fmt.Sprintf("w%02d-%02d", w, i), 0, `{}`), nil); err != nil {
					werrs <- err
					return
				}
			}
		})
	}
	go func() { wg.Wait(); done.Store(true) }()

	seen := map[string]bool{}
	var cursor int64
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		finished := done.Load() // read before the page: a last page after all commits
		page, err := s.Changes(ctx, "", "", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			if a.Seq <= cursor {
				t.Fatalf("seq %d after cursor %d", a.Seq, cursor)
			}
			if seen[a.ID] {
				t.Fatalf("%s seen twice", a.ID)
			}
			seen[a.ID] = true
			cursor = a.Seq
		}
		if finished && len(page) == 0 {
			break
		}
	}
	wg.Wait()
	close(werrs)
	for err := range werrs {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Errorf("the reader saw %d of %d articles: the feed skipped rows", len(seen), writers*each)
	}
}

// TestBlobRacesArticle: a photo arriving while the article that needs it is
// being pushed never leaves the article waiting for ever.
func TestBlobRacesArticle(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		sha := fmt.Sprintf("%064x", i)
		wg.Go(func() {
			if _, err := s.PutArticle(ctx, newPut(fmt.Sprint("a", i), 0, `{}`, sha), nil); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if err := s.AddBlob(ctx, sha, 1); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		a, err := s.GetArticle(ctx, fmt.Sprint("a", i))
		if err != nil || !a.Complete {
			t.Errorf("article %d after its photo arrived: complete=%v, %v", i, a.Complete, err)
		}
	}
}

// TestInterruptedPutsAreAtomic: puts whose context is cancelled at random
// points, and puts whose connection the server kills, leave the article and
// its idempotency record together or not at all.
func TestInterruptedPutsAreAtomic(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		s, db := openStore(t)
		ctx := t.Context()
		// The timeout homes in on the length of a put (shorter after a
		// put that finished, longer after one that was cut), so the cuts
		// fall all over the transaction, its COMMIT included.
		const n = 50 // each cut put costs a new connection (20-100 ms here)
		d := 2 * time.Millisecond
		var failed int
		for i := range n {
			// A cancelled put's connection is closed; get a fresh one into
			// the pool first so the timeout falls within the put itself.
			if _, err := s.HasBlob(ctx, "warm"); err != nil {
				t.Fatal(err)
			}
			c, cancel := context.WithTimeout(ctx, d/2+rand.N(d))
			_, err := s.PutArticle(c, newPut(fmt.Sprint("a", i), 0, `{}`, "p1", "p2"), newIdem(fmt.Sprint("k", i)))
			cancel()
			if err != nil {
				failed++
				d = d * 5 / 4
			} else {
				d = d * 4 / 5
			}
		}
		t.Logf("%d of %d puts interrupted", failed, n)
		if failed == 0 || failed == n {
			t.Errorf("%d of %d interrupted: the test did not cut puts at different points", failed, n)
		}
		checkAtomic(t, s, db, n)
	})
	t.Run("terminate", func(t *testing.T) {
		s, db := openStore(t)
		ctx := t.Context()
		killer := connect(t, db)
		stop := make(chan struct{})
		var killed atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(20+rand.N(80)) * time.Millisecond):
				}
				// One backend at a time, caught inside a transaction.
				var k int64
				err := killer.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM (
					SELECT pid FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid()
					AND state IN ('active', 'idle in transaction') AND xact_start IS NOT NULL
					ORDER BY random() LIMIT 1) v`).Scan(&k)
				if err != nil {
					t.Error(err)
					return
				}
				killed.Add(k)
			}
		})
		const writers, each = 4, 20
		var failed atomic.Int64
		var wwg sync.WaitGroup
		for w := range writers {
			wwg.Go(func() {
				for i := range each {
					n := w*each + i
					if _, err := s.PutArticle(ctx, newPut(fmt.Sprint("a", n), 0, `{}`, "p1"), newIdem(fmt.Sprint("k", n))); err != nil {
						failed.Add(1)
					}
				}
			})
		}
		wwg.Wait()
		close(stop)
		wg.Wait()
		t.Logf("%d backends killed, %d of %d puts failed", killed.Load(), failed.Load(), writers*each)
		if failed.Load() == 0 || failed.Load() == writers*each {
			t.Errorf("%d of %d puts failed: the test did not kill some puts and spare others", failed.Load(), writers*each)
		}
		checkAtomic(t, s, db, writers*each)
	})
}

// checkAtomic checks puts a0…a(n-1) with keys k0…k(n-1): each article
// exists exactly when its record does, with its revision and photo rows.
func checkAtomic(t *testing.T, s store.Store, db string, n int) {
	t.Helper()
	ctx := t.Context()
	var stored int
	for i := range n {
		_, aerr := s.GetArticle(ctx, fmt.Sprint("a", i))
		_, ierr := s.GetIdempotency(ctx, "u1", fmt.Sprint("k", i))
		if aerr != nil && !errors.Is(aerr, store.ErrNotFound) || ierr != nil && !errors.Is(ierr, store.ErrNotFound) {
			t.Fatal(aerr, ierr)
		}
		if (aerr == nil) != (ierr == nil) {
			t.Errorf("put %d half-written: article %v, idempotency record %v", i, aerr, ierr)
		}
		if aerr == nil {
			stored++
		}
	}
	c := connect(t, db)
	var orphans int
	if err := c.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.article_id = a.id AND r.rev = a.rev))
		+ (SELECT count(*) FROM articles a WHERE cardinality(a.photos) > 0
			AND NOT EXISTS (SELECT 1 FROM article_photos p WHERE p.article_id = a.id))`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d articles without their revision or photo rows", orphans)
	}
	t.Logf("%d of %d puts stored", stored, n)
}

// TestMissingPostgres: without PostgreSQL the tests fail and say what to
// install, rather than skipping.
func TestMissingPostgres(t *testing.T) {
	_, err := findBin(filepath.Join(t.TempDir(), "*/bin/initdb"))
	if err == nil || !strings.Contains(err.Error(), "postgresql package") {
		t.Errorf("findBin with nothing installed: %v", err)
	}
	bin, err := pgBin()
	if err != nil || !strings.HasPrefix(bin, "/usr/lib/postgresql/") {
		t.Errorf("pgBin = %q, %v", bin, err)
	}
}
