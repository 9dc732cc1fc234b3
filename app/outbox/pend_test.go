package outbox

import (
	"context"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"

	sstore "github.com/warta-news/warta/server/store"
)

// Photo outcomes are kept in memory until written in a group (updateLater):
// every read of items sees them at once, and the store has them after the
// flush.
func TestOutcomesGroupedButSeen(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(noiseJPEGs(t, 3, 7)...)
	a := d.newArticle("Tiga foto", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	for _, pid := range ph {
		it, err := ob.Item("p-" + pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := ob.process(context.Background(), &it); err != nil {
			t.Fatal(err)
		}
	}
	var stored Item
	for _, pid := range ph {
		it, err := ob.Item("p-" + pid)
		if err != nil || it.State != StateDone {
			t.Fatalf("photo %s: %s %v", pid, it.State, err)
		}
		if err := d.st.GetJSON(ob.pre+keyItem+"p-"+pid, &stored); err != nil || stored.State == StateDone {
			t.Fatalf("photo %s is in the store as %s before the flush (%v)", pid, stored.State, err)
		}
	}
	items, _ := ob.Items()
	for _, it := range items {
		if it.Kind == KindPhoto && it.State != StateDone {
			t.Fatalf("Items: photo %s is %s", it.LocalID, it.State)
		}
	}
	if err := ob.flush(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range ph {
		if err := d.st.GetJSON(ob.pre+keyItem+"p-"+pid, &stored); err != nil || stored.State != StateDone {
			t.Fatalf("photo %s after the flush: %s %v", pid, stored.State, err)
		}
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	checkPhotos(t, s, d, ob)
}

// The app dies with outcomes not yet written: after the restart those
// photos are sent again, the server answers "complete" without reading
// them a second time, and nothing is stored twice.
func TestOutcomesLostInACrash(t *testing.T) {
	t.Parallel()
	var tr photoTraffic
	s := startServer(t, tr.wrap(nil, nil))
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	d.client.CreationWithUpload = true
	ph := d.importPhotos(noiseJPEGs(t, 3, 8)...)
	a := d.newArticle("Mati listrik", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	for _, pid := range ph {
		it, _ := ob.Item("p-" + pid)
		if err := ob.process(context.Background(), &it); err != nil {
			t.Fatal(err)
		}
	}
	posts := tr.count("POST")
	// The process ends here: its memory (and ob.pend) is gone.
	ob2 := d.outbox(fast)
	for _, pid := range ph {
		if it, _ := ob2.Item("p-" + pid); it.State == StateDone {
			t.Fatalf("photo %s is done after the crash: the outcome was written already", pid)
		}
	}
	run(t, ob2)
	wantAll(t, ob2, StateDone)
	if n := s.blobCount(); n != len(ph) {
		t.Fatalf("%d blobs for %d photos", n, len(ph))
	}
	items, _ := ob2.Items()
	for _, it := range items {
		if it.Kind == KindPhoto && tr.read(it.SHA256) != it.BytesTotal {
			t.Errorf("photo %s: the server read %d bytes of %d", it.LocalID, tr.read(it.SHA256), it.BytesTotal)
		}
	}
	if tr.count("POST") != posts+len(ph) || tr.count("PATCH") != 0 {
		t.Errorf("requests %v: want one more POST per photo", tr.reqs)
	}
}

// A write of an item (here Enqueue after new captions) is never undone by
// an older outcome still waiting to be written.
func TestOutcomeNotWrittenOverANewerWrite(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(noiseJPEGs(t, 1, 9)...)
	a := d.newArticle("Keterangan baru", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	id := "p-" + ph[0]
	if _, err := ob.updateLater(id, func(x *Item) error { x.State = StateDone; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := ob.Retry(id); err == nil {
		t.Fatal("Retry of a done photo (pending outcome) was accepted")
	}
	// Enqueue again: a done photo is queued to be checked again.
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := ob.flush(); err != nil {
		t.Fatal(err)
	}
	var stored Item
	if err := d.st.GetJSON(ob.pre+keyItem+id, &stored); err != nil || stored.State != StateQueued {
		t.Fatalf("stored: %s %v; want queued", stored.State, err)
	}
	if it, _ := ob.Item(id); it.State != StateQueued {
		t.Fatalf("Item: %s", it.State)
	}
}

// An account removed while outcomes wait to be written (Forget while Run
// still holds them) stays removed: the flush brings no record back.
func TestOutcomeNotWrittenAfterForget(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(noiseJPEGs(t, 1, 10)...)
	a := d.newArticle("Akun dihapus", ph...)
	account := ids.New(time.Now())
	ob := New(d.st, d.client, d.arts, d.pics, Options{Account: account})
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.updateLater("p-"+ph[0], func(x *Item) error { x.State = StateDone; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := Forget(d.st, account); err != nil {
		t.Fatal(err)
	}
	if err := ob.flush(); err != nil {
		t.Fatal(err)
	}
	if keys, err := d.st.Keys(prefix(account)); err != nil || len(keys) != 0 {
		t.Fatalf("records after Forget and a flush: %v %v", keys, err)
	}
}
