package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sstore "github.com/warta-news/warta/server/store"
)

func TestServerKilledMidBatch(t *testing.T) {
	t.Parallel()
	var s *server
	var once sync.Once
	var killed = make(chan struct{})
	s = startServer(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "PATCH" && s.patches.Load() == 25 {
				once.Do(func() {
					go func() { // kill while this PATCH is being read
						time.Sleep(2 * time.Millisecond)
						s.stop()
						time.Sleep(100 * time.Millisecond)
						s.start()
						close(killed)
					}()
				})
			}
			h.ServeHTTP(w, r)
		})
	})
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	// PATCH bytes are counted below; TestCreationWithUploadServerKilled
	// counts the POSTs' too.
	d.client.ChunkSize, d.client.CreationWithUpload = 16<<10, false
	ph := d.importPhotos(noiseJPEGs(t, 12, 3)...)
	a := d.newArticle("Server mati", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	select {
	case <-killed:
	default:
		t.Fatal("the server was never killed")
	}
	wantAll(t, ob, StateDone)
	checkPhotos(t, s, d, ob)
	if sa := s.article(a.ID); sa.Rev != 1 || !sa.Complete {
		t.Errorf("article rev %d complete %v", sa.Rev, sa.Complete)
	}
	items, _ := ob.Items()
	for _, it := range items {
		if it.Kind != KindPhoto {
			continue
		}
		var got int64
		s.patchBytes.Range(func(k, v any) bool {
			if strings.HasSuffix(it.Location, k.(string)) {
				got += v.(*atomic.Int64).Load()
			}
			return true
		})
		if extra := got - it.BytesTotal; extra < 0 || extra > d.client.ChunkSize {
			t.Errorf("photo %s: server read %d PATCH bytes for %d (more than one chunk again)", it.LocalID, got, it.BytesTotal)
		} else if extra > 0 {
			t.Logf("photo %s: %d bytes sent twice", it.LocalID, extra)
		}
	}
}

func TestResponseLostAfterCommit(t *testing.T) {
	t.Parallel()
	var droppedPut, droppedPatch atomic.Int64
	s := startServer(t, func(h http.Handler) http.Handler {
		return dropResponse(h, func(r *http.Request, status int, hdr http.Header) bool {
			switch {
			case r.Method == "PUT" && status == 200:
				return droppedPut.Add(1) == 1
			case (r.Method == "PATCH" || r.Method == "POST") && hdr.Get("Photo-Complete") == "true":
				return droppedPatch.Add(1) == 1
			}
			return false
		})
	})
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(fixture("metadata-extractor-simple.jpg"))
	a := d.newArticle("Jawaban hilang", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	if droppedPut.Load() < 2 || droppedPatch.Load() < 1 {
		t.Fatalf("dropped PUT %d PATCH %d: the retries did not happen", droppedPut.Load(), droppedPatch.Load())
	}
	if sa := s.article(a.ID); sa.Rev != 1 || !sa.Complete {
		t.Errorf("article rev %d complete %v, want one revision", sa.Rev, sa.Complete)
	}
	if n := s.blobCount(); n != 1 {
		t.Errorf("%d blobs, want 1", n)
	}
	checkPhotos(t, s, d, ob)
}

func TestClientRestart(t *testing.T) {
	t.Parallel()
	var cancelRun atomic.Pointer[context.CancelFunc]
	var puts, replays atomic.Int64
	stopClient := func() {
		if c := cancelRun.Load(); c != nil {
			(*c)()
		}
	}
	var s *server
	s = startServer(t, func(h http.Handler) http.Handler {
		return dropResponse(h, func(r *http.Request, status int, hdr http.Header) bool {
			if r.Method == "PATCH" && s.patches.Load() == 10 {
				stopClient() // the app quits mid-photo
				return true
			}
			if r.Method == "PUT" {
				if hdr.Get("Idempotent-Replay") == "true" {
					replays.Add(1)
				}
				if puts.Add(1) == 1 {
					stopClient() // the app quits after the server committed
					return true
				}
			}
			return false
		})
	})
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	d.client.ChunkSize = 16 << 10
	ph := d.importPhotos(noiseJPEGs(t, 6, 5)...)
	a := d.newArticle("Aplikasi ditutup", ph...)
	if err := d.outbox(fast).Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	var opID string
	for round := 0; round < 5; round++ {
		ob := d.outbox(fast) // a new Outbox: the app started again
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cancelRun.Store(&cancel)
		err := ob.Run(ctx, nil)
		cancel()
		it, _ := ob.Item("a-" + a.ID)
		if it.OpID != "" {
			if opID != "" && opID != it.OpID {
				t.Errorf("the push's operation id changed across a restart: %s → %s", opID, it.OpID)
			}
			opID = it.OpID
		}
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		t.Logf("round %d: stopped (%d PATCHes so far)", round, s.patches.Load())
	}
	ob := d.outbox(fast)
	wantAll(t, ob, StateDone)
	if sa := s.article(a.ID); sa.Rev != 1 {
		t.Errorf("article rev %d, want 1 (a duplicate revision)", sa.Rev)
	}
	if opID == "" || replays.Load() != 1 {
		t.Errorf("op id %q, %d replays; want the second push replayed", opID, replays.Load())
	}
	checkPhotos(t, s, d, ob)
}

func TestConflict(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	s.user("eko", sstore.RoleEditor)
	d := newDesk(t, s.url())
	d.login("rina")
	editor := NewClient(s.url(), "")
	if _, err := editor.Login(t.Context(), "eko", "password-eko", "desk"); err != nil {
		t.Fatal(err)
	}
	editorPush := func(id, headline string) int64 {
		t.Helper()
		sa, err := editor.GetArticle(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		json.Unmarshal(sa.Doc, &doc)
		doc["headline"] = headline
		b, _ := json.Marshal(doc)
		got, _, _, err := editor.PushArticle(t.Context(), id, sa.Rev, b, sa.Photos, newOpID(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return got.Rev
	}
	serverHeadline := func(id string) string {
		var doc map[string]any
		json.Unmarshal(s.article(id).Doc, &doc)
		h, _ := doc["headline"].(string)
		return h
	}
	ob := d.outbox(fast)
	a := d.newArticle("Asli")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	item := "a-" + a.ID
	conflict := func(mine, theirs string) Item {
		t.Helper()
		editorPush(a.ID, theirs)
		d.edit(a.ID, mine)
		ob.Enqueue([]string{a.ID})
		run(t, ob)
		it, _ := ob.Item(item)
		if it.State != StateConflict || it.Conflict == nil {
			t.Fatalf("item %s, want conflict", it.State)
		}
		var doc map[string]any
		json.Unmarshal(it.Conflict.Doc, &doc)
		if doc["headline"] != theirs {
			t.Errorf("conflict holds %v, want the server's %q", doc["headline"], theirs)
		}
		return it
	}

	// mine
	c := conflict("Mine 1", "Editor 1")
	if err := ob.Resolve(item, ChoiceMine); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	if h, rev := serverHeadline(a.ID), s.article(a.ID).Rev; h != "Mine 1" || rev != c.Conflict.Rev+1 {
		t.Errorf("mine: server has %q rev %d", h, rev)
	}

	// theirs
	conflict("Mine 2", "Editor 2")
	if err := ob.Resolve(item, ChoiceTheirs); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	if la, _ := d.arts.Get(a.ID); la.Headline != "Editor 2" || serverHeadline(a.ID) != "Editor 2" {
		t.Errorf("theirs: local %q server %q", la.Headline, serverHeadline(a.ID))
	}
	revs, _ := d.arts.Revisions(a.ID)
	kept := false
	for _, r := range revs {
		if old, err := d.arts.Revision(a.ID, r.Seq); err == nil && old.Headline == "Mine 2" {
			kept = true
		}
	}
	if !kept {
		t.Error("theirs: the local text is not kept as a revision")
	}

	// both
	conflict("Mine 3", "Editor 3")
	if err := ob.Resolve(item, ChoiceBoth); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	if la, _ := d.arts.Get(a.ID); la.Headline != "Editor 3" {
		t.Errorf("both: original is %q", la.Headline)
	}
	items, _ := ob.Items()
	var copyID string
	for _, it := range items {
		if it.Kind == KindArticle && it.LocalID != a.ID {
			copyID = it.LocalID
		}
	}
	if copyID == "" {
		t.Fatal("both: no copy queued")
	}
	if cp, _ := d.arts.Get(copyID); cp.Headline != "Mine 3" || serverHeadline(copyID) != "Mine 3" || s.article(copyID).Rev != 1 {
		t.Errorf("both: copy %q on the server %q", cp.Headline, serverHeadline(copyID))
	}
}

func TestBoundedRetries(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nobody listens there any more
	d := newDesk(t, "http://"+dead)
	d.client.Token = "some-token"
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var waited []time.Duration
	ob := d.outbox(func(o *Options) {
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		o.Sleep = func(ctx context.Context, dd time.Duration) error {
			mu.Lock()
			now = now.Add(dd)
			waited = append(waited, dd)
			mu.Unlock()
			return nil
		}
	})
	a := d.newArticle("Tak terkirim")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	it, _ := ob.Item("a-" + a.ID)
	if it.State != StateFailed || it.Attempts != 8 || !strings.Contains(it.LastError, "cannot reach the server") {
		t.Fatalf("item %s after %d attempts: %q", it.State, it.Attempts, it.LastError)
	}
	for i, w := range waited {
		if w > time.Minute || w < 0 {
			t.Errorf("wait %d is %v", i, w)
		}
	}
	t.Logf("failed after %d attempts, %d waits (%v in all); error: %s", it.Attempts, len(waited), now.Sub(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), it.LastError)
	if err := ob.Retry(it.ID); err != nil {
		t.Fatal(err)
	}
	if it, _ = ob.Item(it.ID); it.State != StateQueued || it.Attempts != 0 {
		t.Errorf("after Retry: %s %d", it.State, it.Attempts)
	}
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	_, err := d.client.Login(t.Context(), "rina", "salah", "test")
	var e *Error
	if !errors.As(err, &e) || e.Code != "wrong_password" || Retryable(err) || e.Message == "" {
		t.Fatalf("login with a wrong password: %v", err)
	}
	t.Logf("error: %v", err)
	// A revoked or made-up token: the item fails at once, not after 8 tries.
	d.client.Token = "made-up"
	ob := d.outbox(fast)
	a := d.newArticle("Tanpa izin")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	if it, _ := ob.Item("a-" + a.ID); it.State != StateFailed || it.Attempts != 1 || it.ErrorCode != "unauthorized" {
		t.Errorf("item %s after %d attempts: %s %q", it.State, it.Attempts, it.ErrorCode, it.LastError)
	}
}
