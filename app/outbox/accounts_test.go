package outbox

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	sstore "github.com/warta-news/warta/server/store"
)

// Two server accounts in one store: each outbox has its own items,
// revisions and cursor, and the same article goes to both servers.
func TestTwoAccounts(t *testing.T) {
	t.Parallel()
	sa, sb := startServer(t, nil), startServer(t, nil)
	sa.user("rina", sstore.RoleReporter)
	sb.user("rina", sstore.RoleReporter)
	d := newDesk(t, sa.url())
	d.login("rina")
	cb := NewClient(sb.url(), "")
	if _, err := cb.Login(t.Context(), "rina", "password-rina", "test"); err != nil {
		t.Fatal(err)
	}
	idA, idB := ids.New(time.Now()), ids.New(time.Now().Add(time.Millisecond))
	obA := d.outbox(fast, func(o *Options) { o.Account = idA })
	obB := New(d.st, cb, d.arts, d.pics, Options{Account: idB})
	ph := d.importPhotos(fixture("metadata-extractor-simple.jpg"))
	a := d.newArticle("Rakornas Kehumasan", ph...)

	if err := obA.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if items, _ := obB.Items(); len(items) != 0 {
		t.Fatalf("account B sees %d items of account A", len(items))
	}
	if err := obA.Run(t.Context(), func(Progress) {}); err != nil {
		t.Fatal(err)
	}
	cur, _ := d.arts.Get(a.ID)
	if !obA.InStep(a.ID, cur.UpdatedAt) || obB.InStep(a.ID, cur.UpdatedAt) {
		t.Fatal("in step with server A only expected")
	}
	if err := obB.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := obB.Run(t.Context(), func(Progress) {}); err != nil {
		t.Fatal(err)
	}
	wantAll(t, obA, StateDone)
	wantAll(t, obB, StateDone)
	for _, s := range []*server{sa, sb} {
		if got := s.article(a.ID); got.Rev != 1 || !got.Complete || s.blobCount() != 1 {
			t.Fatalf("server article rev %d complete %v, %d blobs", got.Rev, got.Complete, s.blobCount())
		}
	}
}

// A store from the single-account days: AdoptLegacy moves its records to
// the account's keys, where an outbox of that account finds them.
func TestAdoptLegacy(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	a := d.newArticle("Banjir Jakarta")
	legacy := d.outbox(fast)
	if err := legacy.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := legacy.Run(t.Context(), func(Progress) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := legacy.Pull(t.Context()); err != nil {
		t.Fatal(err)
	}
	acct := ids.New(time.Now())
	if err := AdoptLegacy(d.st, acct); err != nil {
		t.Fatal(err)
	}
	if items, _ := legacy.Items(); len(items) != 0 {
		t.Fatalf("%d items left under the old keys", len(items))
	}
	for _, p := range []string{"ob/i/", "ob/r/", "ob/c/"} {
		if keys, _ := d.st.Keys(p); len(keys) != 0 {
			t.Fatalf("%s left: %v", p, keys)
		}
	}
	ob := d.outbox(fast, func(o *Options) { o.Account = acct })
	if items := wantAll(t, ob, StateDone); len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	cur, _ := d.arts.Get(a.ID)
	if !ob.InStep(a.ID, cur.UpdatedAt) {
		t.Fatal("the revision record did not move")
	}
	if keys, _ := d.st.Keys(prefix(acct) + keyCursor); len(keys) != 1 {
		t.Fatalf("cursor keys %v", keys)
	}
	if err := AdoptLegacy(d.st, "../x"); err == nil {
		t.Fatal("a bad account id was accepted")
	}
}

// While a photo is on its way, Live shows it uploading (the store still
// says queued: nothing is written until the server has it).
func TestLiveShowsPhotosOnTheirWay(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	s := startServer(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/photos") && r.Method != http.MethodHead && r.ContentLength > 0 {
				<-release // the bytes are "on their way" until the test lets them arrive
			}
			h.ServeHTTP(w, r)
		})
	})
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(fixture("metadata-extractor-simple.jpg"))
	a := d.newArticle("Banjir", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ob.Run(t.Context(), func(Progress) {}) }()
	defer once.Do(func() { close(release) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		live, err := ob.Live()
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(live, func(it Item) bool { return it.Kind == KindPhoto && it.State == StateUploading && it.BytesTotal > 0 }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no photo shown uploading: %+v", live)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if stored, _ := ob.Items(); slices.ContainsFunc(stored, func(it Item) bool { return it.State != StateQueued }) {
		t.Fatalf("the store moved on before the server had the photo: %+v", stored)
	}
	once.Do(func() { close(release) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	live, _ := ob.Live()
	for _, it := range live {
		if it.State != StateDone {
			t.Fatalf("after the run: %+v", it)
		}
	}
}
