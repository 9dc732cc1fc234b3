package outbox

import (
	"encoding/json"
	"testing"
	"time"

	sstore "github.com/warta-news/warta/server/store"
)

// editorDesk signs eko (an editor of the same newsroom) in and returns a
// function that changes an article's headline on the server.
func editorDesk(t *testing.T, s *server) func(id, headline string) int64 {
	t.Helper()
	s.user("eko", sstore.RoleEditor)
	editor := NewClient(s.url(), "")
	if _, err := editor.Login(t.Context(), "eko", "password-eko", "desk"); err != nil {
		t.Fatal(err)
	}
	return func(id, headline string) int64 {
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
}

func pull(t *testing.T, ob *Outbox) PullResult {
	t.Helper()
	res, err := ob.Pull(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (d *desk) headline(id string) string {
	d.t.Helper()
	a, err := d.arts.Get(id)
	if err != nil {
		d.t.Fatal(err)
	}
	return a.Headline
}

func TestPullEditorEdit(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	editorPush := editorDesk(t, s)
	d := newDesk(t, s.url())
	d.login("rina")
	ob := d.outbox(fast)
	a := d.newArticle("Asli")
	ob.Enqueue([]string{a.ID})
	run(t, ob)

	rev := editorPush(a.ID, "Disunting editor")
	if res := pull(t, ob); res.Updated != 1 || res.Created != 0 || res.Conflicts != 0 {
		t.Fatalf("pull: %+v, want 1 updated", res)
	}
	if h := d.headline(a.ID); h != "Disunting editor" {
		t.Errorf("local headline %q, want the editor's", h)
	}
	if r, _ := d.arts.Revisions(a.ID); len(r) < 2 {
		t.Errorf("%d revisions: the reporter's text is not kept", len(r))
	}
	if got := ob.baseRev(a.ID); got != rev {
		t.Errorf("in step with rev %d, want %d", got, rev)
	}
	// Nothing new: nothing happens.
	if res := pull(t, ob); res != (PullResult{}) {
		t.Errorf("second pull: %+v, want nothing", res)
	}
	// The pulled text is the base of the next push: no conflict.
	d.edit(a.ID, "Disunting lagi")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	wantAll(t, ob, StateDone)
	if sa := s.article(a.ID); sa.Rev != rev+1 {
		t.Errorf("server rev %d, want %d", sa.Rev, rev+1)
	}
}

func TestPullOwnPushNotPulled(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ob := d.outbox(fast)
	a := d.newArticle("Milik sendiri")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	d.edit(a.ID, "Milik sendiri 2")
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	before, _ := d.arts.Get(a.ID)
	res := pull(t, ob)
	if res.Updated != 0 || res.Created != 0 || res.Conflicts != 0 || res.Skipped != 1 {
		t.Errorf("pull: %+v, want our own push skipped", res)
	}
	after, _ := d.arts.Get(a.ID)
	if after.Version != before.Version || after.Headline != "Milik sendiri 2" {
		t.Errorf("local article changed by pulling our own push: v%d %q → v%d %q", before.Version, before.Headline, after.Version, after.Headline)
	}
}

func TestPullCreatesOnAnotherLaptop(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ob := d.outbox(fast)
	a := d.newArticle("Dari laptop kantor")
	ob.Enqueue([]string{a.ID})
	run(t, ob)

	d2 := newDesk(t, s.url())
	d2.login("rina")
	ob2 := d2.outbox(fast)
	if res := pull(t, ob2); res.Created != 1 || res.Updated != 0 || res.Conflicts != 0 {
		t.Fatalf("pull: %+v, want 1 created", res)
	}
	got, err := d2.arts.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Headline != a.Headline || string(got.Body) != string(a.Body) {
		t.Errorf("created %q %s, want %q %s", got.Headline, got.Body, a.Headline, a.Body)
	}
	// The pulled copy is the server's text: nothing to send until it is edited.
	if !ob2.InStep(a.ID, got.UpdatedAt) {
		t.Error("a pulled article is not in step with the server")
	}
	if ob2.InStep(a.ID, got.UpdatedAt.Add(time.Second)) {
		t.Error("an article edited after the pull counts as in step")
	}
	// Edited there and sent: based on the server's revision, no conflict.
	d2.edit(a.ID, "Disunting di laptop rumah")
	ob2.Enqueue([]string{a.ID})
	run(t, ob2)
	wantAll(t, ob2, StateDone)
	// Back on the first laptop.
	if res := pull(t, ob); res.Updated != 1 {
		t.Errorf("pull on the first laptop: %+v, want 1 updated", res)
	}
	if h := d.headline(a.ID); h != "Disunting di laptop rumah" {
		t.Errorf("first laptop has %q", h)
	}
}

func TestPullConflict(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	editorPush := editorDesk(t, s)
	d := newDesk(t, s.url())
	d.login("rina")
	ob := d.outbox(fast)
	a := d.newArticle("Asli")
	b := d.newArticle("Asli B")
	ob.Enqueue([]string{a.ID, b.ID})
	run(t, ob)

	for _, id := range []string{a.ID, b.ID} {
		editorPush(id, "Editor")
		d.edit(id, "Reporter")
	}
	if res := pull(t, ob); res.Conflicts != 2 || res.Updated != 0 {
		t.Fatalf("pull: %+v, want 2 conflicts", res)
	}
	for _, id := range []string{a.ID, b.ID} {
		it, err := ob.Item("a-" + id)
		if err != nil || it.State != StateConflict || it.Conflict == nil {
			t.Fatalf("item %s: %+v %v, want a conflict", id, it.State, err)
		}
		if h := d.headline(id); h != "Reporter" {
			t.Errorf("local text %q changed by a conflicting pull", h)
		}
	}
	// theirs
	if err := ob.Resolve("a-"+a.ID, ChoiceTheirs); err != nil {
		t.Fatal(err)
	}
	if h := d.headline(a.ID); h != "Editor" {
		t.Errorf("theirs: local %q", h)
	}
	// mine
	if err := ob.Resolve("a-"+b.ID, ChoiceMine); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	var doc map[string]any
	json.Unmarshal(s.article(b.ID).Doc, &doc)
	if doc["headline"] != "Reporter" {
		t.Errorf("mine: server has %v", doc["headline"])
	}
	// Settled: nothing more to pull.
	if res := pull(t, ob); res.Conflicts != 0 || res.Updated != 0 {
		t.Errorf("pull after resolving: %+v", res)
	}
	// A push under way meets the editor's change as a 409, not a pull.
	editorPush(a.ID, "Editor 2")
	d.edit(a.ID, "Reporter 2")
	ob.Enqueue([]string{a.ID})
	if res := pull(t, ob); res.Skipped != 1 || res.Conflicts != 0 {
		t.Errorf("pull with a push queued: %+v, want it skipped", res)
	}
	run(t, ob)
	if it, _ := ob.Item("a-" + a.ID); it.State != StateConflict {
		t.Errorf("queued push: %s, want conflict", it.State)
	}
}

func TestPullCursorPersists(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	editorPush := editorDesk(t, s)
	d := newDesk(t, s.url())
	d.login("rina")
	ob := d.outbox(fast)
	var list []string
	for i := range 3 {
		list = append(list, d.newArticle("Artikel "+string(rune('A'+i))).ID)
	}
	ob.Enqueue(list)
	run(t, ob)
	for _, id := range list {
		editorPush(id, "Editor")
	}
	if res := pull(t, ob); res.Updated != 3 {
		t.Fatalf("pull: %+v, want 3 updated", res)
	}
	var cursor string
	if err := d.st.GetJSON(prefix("")+keyCursor+s.url(), &cursor); err != nil || cursor == "" {
		t.Fatalf("cursor %q %v", cursor, err)
	}
	versions := map[string]int64{}
	for _, id := range list {
		a, _ := d.arts.Get(id)
		versions[id] = a.Version
	}
	// Restart: a new outbox over the same store.
	ob2 := d.outbox(fast)
	if res := pull(t, ob2); res != (PullResult{}) {
		t.Errorf("pull after a restart: %+v, want nothing re-applied", res)
	}
	for _, id := range list {
		if a, _ := d.arts.Get(id); a.Version != versions[id] {
			t.Errorf("article %s changed again (v%d → v%d)", id, versions[id], a.Version)
		}
	}
	// Later changes still come.
	editorPush(list[1], "Editor lagi")
	if res := pull(t, ob2); res.Updated != 1 || d.headline(list[1]) != "Editor lagi" {
		t.Errorf("pull: %+v, headline %q", res, d.headline(list[1]))
	}
}
