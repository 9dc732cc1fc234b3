package outbox

import (
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
