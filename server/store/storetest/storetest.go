// Package storetest is the conformance suite every store.Store
// implementation passes: Run it from the implementation's own tests with a
// function that opens a fresh, empty store.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// The suite only relies on the documented behaviour of store.Store, so an
// embedded and a client/server database both pass it.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/server/store"
)

// Run runs every subtest; open must return a new, empty store each call.
// Run closes the stores it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"UpdateUser", testUpdateUser},
		{"Tokens", testTokens},
		{"PutArticleCreate", testPutCreate},
		{"PutArticleUpdate", testPutUpdate},
		{"PutArticleConflict", testPutConflict},
		{"PutArticleUpdatedAt", testPutUpdatedAt},
		{"PutArticleIdempotency", testPutIdempotency},
		{"Complete", testComplete},
		{"AddBlob", testAddBlob},
		{"Changes", testChanges},
		{"ChangesFilters", testChangesFilters},
		{"Idempotency", testIdempotency},
		{"PurgeIdempotency", testPurge},
		{"ConcurrentSameArticle", testConcurrentSame},
		{"ConcurrentSeq", testConcurrentSeq},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// now is a time that every database stores exactly (milliseconds, UTC).
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func newUser(name, role, newsroom string) store.User {
	return store.User{
		ID: ids.New(time.Now()), Name: name, Display: "Display " + name,
		Role: role, Newsroom: newsroom, Hash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA",
		Created: now(),
	}
}

// Sha returns the hex SHA-256 of s, a valid blob name.
func Sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func doc(headline string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"headline": headline})
	return b
}

func put(id, owner, newsroom string, baseRev int64, headline string, photos ...string) store.Put {
	return store.Put{
		Article: store.Article{
			ID: id, Owner: owner, Newsroom: newsroom, Doc: doc(headline),
			Photos: photos, UpdatedBy: owner,
		},
		BaseRev: baseRev,
	}
}

func mustPut(t *testing.T, s store.Store, p store.Put) store.Article {
	t.Helper()
	a, err := s.PutArticle(ctx(t), p, nil)
	if err != nil {
		t.Fatalf("PutArticle %s base %d: %v", p.Article.ID, p.BaseRev, err)
	}
	return a
}

func headline(t *testing.T, a store.Article) string {
	t.Helper()
	var d struct{ Headline string }
	if err := json.Unmarshal(a.Doc, &d); err != nil {
		t.Fatalf("article %s: doc %q: %v", a.ID, a.Doc, err)
	}
	return d.Headline
}

func testUsers(t *testing.T, s store.Store) {
	if us, err := s.ListUsers(ctx(t)); err != nil || len(us) != 0 {
		t.Fatalf("ListUsers on an empty store = %v, %v", us, err)
	}
	rina := newUser("rina", store.RoleReporter, "humas")
	if err := s.CreateUser(ctx(t), rina); err != nil {
		t.Fatal(err)
	}
	dup := newUser("rina", store.RoleEditor, "humas")
	if err := s.CreateUser(ctx(t), dup); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateUser with a taken name: %v, want ErrExists", err)
	}
	sameID := newUser("other", store.RoleEditor, "humas")
	sameID.ID = rina.ID
	if err := s.CreateUser(ctx(t), sameID); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateUser with a taken id: %v, want ErrExists", err)
	}
	budi := newUser("budi", store.RoleEditor, "humas")
	if err := s.CreateUser(ctx(t), budi); err != nil {
		t.Fatal(err)
	}

	got, err := s.UserByName(ctx(t), "rina")
	if err != nil {
		t.Fatal(err)
	}
	if !sameUser(got, rina) {
		t.Errorf("UserByName = %+v, want %+v", got, rina)
	}
	got, err = s.UserByID(ctx(t), budi.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sameUser(got, budi) {
		t.Errorf("UserByID = %+v, want %+v", got, budi)
	}
	if _, err := s.UserByName(ctx(t), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByName(nobody) = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByID(ctx(t), ids.New(time.Now())); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID(unknown) = %v, want ErrNotFound", err)
	}
	us, err := s.ListUsers(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"budi", "rina"}) {
		t.Errorf("ListUsers names = %v", names)
	}
}

func sameUser(a, b store.User) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Display == b.Display && a.Role == b.Role &&
		a.Newsroom == b.Newsroom && a.Hash == b.Hash && a.Created.Equal(b.Created) && a.Disabled == b.Disabled
}

func testUpdateUser(t *testing.T, s store.Store) {
	u := newUser("sari", store.RoleReporter, "humas")
	if err := s.CreateUser(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	u.Role, u.Disabled, u.Display, u.Hash = store.RoleEditor, true, "Sari W.", "$argon2id$new"
	if err := s.UpdateUser(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByName(ctx(t), "sari")
	if err != nil {
		t.Fatal(err)
	}
	if !sameUser(got, u) {
		t.Errorf("after UpdateUser: %+v, want %+v", got, u)
	}
	ghost := newUser("ghost", store.RoleReporter, "humas")
	if err := s.UpdateUser(ctx(t), ghost); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(unknown) = %v, want ErrNotFound", err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	u := newUser("rina", store.RoleReporter, "humas")
	if err := s.CreateUser(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	tok := store.Token{
		ID: ids.New(time.Now()), Hash: Sha("secret"), UserID: u.ID, Device: "Laptop Rina",
		Created: now(), LastUsed: now(),
	}
	if err := s.CreateToken(ctx(t), tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(ctx(t), tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.UserID != u.ID || got.Device != tok.Device || got.Hash != tok.Hash ||
		!got.Created.Equal(tok.Created) || got.Revoked {
		t.Errorf("TokenByHash = %+v, want %+v", got, tok)
	}
	if _, err := s.TokenByHash(ctx(t), Sha("other")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) = %v, want ErrNotFound", err)
	}
	later := now().Add(time.Hour)
	if err := s.TouchToken(ctx(t), tok.ID, later); err != nil {
		t.Fatal(err)
	}
	got, _ = s.TokenByHash(ctx(t), tok.Hash)
	if !got.LastUsed.Equal(later) {
		t.Errorf("after TouchToken LastUsed = %v, want %v", got.LastUsed, later)
	}
	if err := s.RevokeToken(ctx(t), tok.ID); err != nil {
		t.Fatal(err)
	}
	got, err = s.TokenByHash(ctx(t), tok.Hash)
	if err != nil {
		t.Fatalf("TokenByHash of a revoked token: %v (revoked tokens are returned)", err)
	}
	if !got.Revoked {
		t.Error("revoked token not marked Revoked")
	}
	if err := s.RevokeToken(ctx(t), ids.New(time.Now())); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(unknown) = %v, want ErrNotFound", err)
	}
}

func testPutCreate(t *testing.T, s store.Store) {
	id := ids.New(time.Now())
	a := mustPut(t, s, put(id, "u1", "humas", 0, "Banjir"))
	if a.ID != id || a.Rev != 1 || a.Owner != "u1" || a.Newsroom != "humas" || a.UpdatedBy != "u1" {
		t.Errorf("created = %+v", a)
	}
	if a.Seq <= 0 {
		t.Errorf("Seq = %d, want > 0", a.Seq)
	}
	if !a.Complete {
		t.Error("an article without photos is not Complete")
	}
	if a.UpdatedAt.IsZero() {
		t.Error("UpdatedAt not set")
	}
	got, err := s.GetArticle(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rev != 1 || got.Seq != a.Seq || headline(t, got) != "Banjir" || !got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("GetArticle = %+v, want %+v", got, a)
	}
	if _, err := s.PutArticle(ctx(t), put(id, "u2", "humas", 0, "Other"), nil); !errors.Is(err, store.ErrExists) {
		t.Errorf("second create of %s: %v, want ErrExists", id, err)
	}
	got, _ = s.GetArticle(ctx(t), id)
	if headline(t, got) != "Banjir" || got.Rev != 1 {
		t.Errorf("a refused create changed the article: %+v", got)
	}
	if _, err := s.GetArticle(ctx(t), ids.New(time.Now())); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetArticle(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.PutArticle(ctx(t), put(ids.New(time.Now()), "u1", "humas", 3, "x"), nil); err == nil {
		t.Error("an update (BaseRev 3) of a missing article succeeded")
	}
}

func testPutUpdate(t *testing.T, s store.Store) {
	id := ids.New(time.Now())
	a1 := mustPut(t, s, put(id, "u1", "humas", 0, "v1"))
	a2 := mustPut(t, s, put(id, "u1", "humas", 1, "v2", Sha("p")))
	if a2.Rev != 2 || a2.Seq <= a1.Seq || headline(t, a2) != "v2" {
		t.Errorf("update: %+v after %+v", a2, a1)
	}
	if !slices.Equal(a2.Photos, []string{Sha("p")}) {
		t.Errorf("Photos = %v", a2.Photos)
	}
	a3 := mustPut(t, s, put(id, "u1", "humas", 2, "v3"))
	if a3.Rev != 3 || a3.Seq <= a2.Seq || len(a3.Photos) != 0 || !a3.Complete {
		t.Errorf("update: %+v after %+v", a3, a2)
	}
	got, _ := s.GetArticle(ctx(t), id)
	if got.Rev != 3 || headline(t, got) != "v3" || got.Seq != a3.Seq {
		t.Errorf("GetArticle = %+v", got)
	}
}

func testPutConflict(t *testing.T, s store.Store) {
	id := ids.New(time.Now())
	mustPut(t, s, put(id, "u1", "humas", 0, "v1"))
	a2 := mustPut(t, s, put(id, "u1", "humas", 1, "v2"))
	for _, base := range []int64{1, 3} {
		got, err := s.PutArticle(ctx(t), put(id, "u1", "humas", base, "stale"), nil)
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale push (base %d): %v, want ErrConflict", base, err)
		}
		if got.ID != id || got.Rev != 2 || headline(t, got) != "v2" || got.Seq != a2.Seq {
			t.Errorf("ErrConflict returned %+v, want the stored article %+v", got, a2)
		}
	}
	got, _ := s.GetArticle(ctx(t), id)
	if got.Rev != 2 || headline(t, got) != "v2" {
		t.Errorf("a refused push changed the article: %+v", got)
	}
}

// testPutUpdatedAt: a caller-set UpdatedAt is kept (the API puts the same
// time in the answer it stores for idempotency).
func testPutUpdatedAt(t *testing.T, s store.Store) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8e6, time.UTC)
	p := put(ids.New(time.Now()), "u1", "humas", 0, "x")
	p.Article.UpdatedAt = at
	a := mustPut(t, s, p)
	got, _ := s.GetArticle(ctx(t), a.ID)
	if !a.UpdatedAt.Equal(at) || !got.UpdatedAt.Equal(at) {
		t.Errorf("UpdatedAt = %v / %v, want %v", a.UpdatedAt, got.UpdatedAt, at)
	}
}

func idem(user, key, body string) *store.Idempotency {
	return &store.Idempotency{
		UserID: user, Key: key, ReqHash: Sha("req " + body), Status: 200,
		Body: []byte(`{"answer":"` + body + `"}`), Created: now(),
	}
}

func testPutIdempotency(t *testing.T, s store.Store) {
	id := ids.New(time.Now())
	rec := idem("u1", "key-aaaaaaaaaaaaaaaa", "one")
	if _, err := s.PutArticle(ctx(t), put(id, "u1", "humas", 0, "v1"), rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetIdempotency(ctx(t), "u1", rec.Key)
	if err != nil {
		t.Fatalf("the idempotency record of a put was not stored: %v", err)
	}
	if got.ReqHash != rec.ReqHash || got.Status != 200 || string(got.Body) != string(rec.Body) ||
		got.UserID != "u1" || got.Key != rec.Key || !got.Created.Equal(rec.Created) {
		t.Errorf("GetIdempotency = %+v, want %+v", got, rec)
	}

	// A refused put stores no record.
	conflict := idem("u1", "key-bbbbbbbbbbbbbbbb", "two")
	if _, err := s.PutArticle(ctx(t), put(id, "u1", "humas", 7, "stale"), conflict); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale put: %v", err)
	}
	if _, err := s.GetIdempotency(ctx(t), "u1", conflict.Key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused put left an idempotency record: %v", err)
	}

	// A put whose record already exists stores nothing: article and record
	// go together or not at all.
	other := ids.New(time.Now())
	if _, err := s.PutArticle(ctx(t), put(other, "u1", "humas", 0, "dup"), idem("u1", rec.Key, "three")); err == nil {
		t.Fatal("a put reusing a stored idempotency key succeeded")
	}
	if _, err := s.GetArticle(ctx(t), other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the article of a put whose record could not be stored was kept: %v", err)
	}
	got, _ = s.GetIdempotency(ctx(t), "u1", rec.Key)
	if string(got.Body) != string(rec.Body) {
		t.Errorf("the first record was overwritten: %s", got.Body)
	}
	// Keys are per user.
	if _, err := s.PutArticle(ctx(t), put(other, "u2", "humas", 0, "v1"), idem("u2", rec.Key, "four")); err != nil {
		t.Errorf("the same key for another user: %v", err)
	}
}

func testComplete(t *testing.T, s store.Store) {
	if err := s.AddBlob(ctx(t), Sha("a"), 10); err != nil {
		t.Fatal(err)
	}
	have := mustPut(t, s, put(ids.New(time.Now()), "u1", "humas", 0, "x", Sha("a")))
	if !have.Complete {
		t.Error("article whose only photo is stored is not Complete")
	}
	missing := mustPut(t, s, put(ids.New(time.Now()), "u1", "humas", 0, "y", Sha("a"), Sha("b")))
	if missing.Complete {
		t.Error("article with a missing photo is Complete")
	}
	got, _ := s.GetArticle(ctx(t), missing.ID)
	if got.Complete {
		t.Error("stored article with a missing photo is Complete")
	}
	// Updating it to drop the missing photo completes it.
	upd := mustPut(t, s, put(missing.ID, "u1", "humas", 1, "y", Sha("a")))
	if !upd.Complete {
		t.Error("article updated to reference only stored photos is not Complete")
	}
	// And a blob that arrives later does not touch it again.
	if err := s.AddBlob(ctx(t), Sha("b"), 3); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetArticle(ctx(t), missing.ID)
	if got.Seq != upd.Seq || got.Rev != 2 {
		t.Errorf("a blob the article no longer references changed it: %+v", got)
	}
}

func testAddBlob(t *testing.T, s store.Store) {
	pa, pb := Sha("photo a"), Sha("photo b")
	if ok, err := s.HasBlob(ctx(t), pa); err != nil || ok {
		t.Fatalf("HasBlob before AddBlob = %v, %v", ok, err)
	}
	two := mustPut(t, s, put(ids.New(time.Now()), "u1", "humas", 0, "two", pa, pb))
	one := mustPut(t, s, put(ids.New(time.Now()), "u2", "humas", 0, "one", pa))
	none := mustPut(t, s, put(ids.New(time.Now()), "u2", "humas", 0, "none"))
	if two.Complete || one.Complete {
		t.Fatal("articles with missing photos are Complete")
	}
	if err := s.AddBlob(ctx(t), pa, 100); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.HasBlob(ctx(t), pa); err != nil || !ok {
		t.Fatalf("HasBlob after AddBlob = %v, %v", ok, err)
	}
	gotOne, _ := s.GetArticle(ctx(t), one.ID)
	if !gotOne.Complete || gotOne.Seq <= none.Seq || gotOne.Rev != one.Rev || headline(t, gotOne) != "one" {
		t.Errorf("after its only photo arrived: %+v (was %+v)", gotOne, one)
	}
	gotTwo, _ := s.GetArticle(ctx(t), two.ID)
	if gotTwo.Complete || gotTwo.Seq != two.Seq {
		t.Errorf("an article still missing a photo changed: %+v (was %+v)", gotTwo, two)
	}
	// Idempotent: adding it again changes nothing.
	if err := s.AddBlob(ctx(t), pa, 100); err != nil {
		t.Fatal(err)
	}
	again, _ := s.GetArticle(ctx(t), one.ID)
	if again.Seq != gotOne.Seq {
		t.Errorf("a second AddBlob moved the article: seq %d → %d", gotOne.Seq, again.Seq)
	}
	if err := s.AddBlob(ctx(t), pb, 5); err != nil {
		t.Fatal(err)
	}
	gotTwo, _ = s.GetArticle(ctx(t), two.ID)
	if !gotTwo.Complete || gotTwo.Seq <= gotOne.Seq {
		t.Errorf("after both photos arrived: %+v", gotTwo)
	}
	ch, err := s.Changes(ctx(t), "", "", none.Seq, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := articleIDs(ch); !slices.Equal(got, []string{one.ID, two.ID}) {
		t.Errorf("changes after completion = %v, want [%s %s]", got, one.ID, two.ID)
	}
}

func articleIDs(as []store.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func testChanges(t *testing.T, s store.Store) {
	if ch, err := s.Changes(ctx(t), "", "", 0, 100); err != nil || len(ch) != 0 {
		t.Fatalf("Changes on an empty store = %v, %v", ch, err)
	}
	var all []string
	for i := range 5 {
		a := mustPut(t, s, put(ids.New(time.Now()), "u1", "humas", 0, fmt.Sprint("a", i)))
		all = append(all, a.ID)
	}
	// Updating the first moves it to the end of the feed.
	mustPut(t, s, put(all[0], "u1", "humas", 1, "a0 again"))
	want := append(slices.Clone(all[1:]), all[0])

	ch, err := s.Changes(ctx(t), "", "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := articleIDs(ch); !slices.Equal(got, want) {
		t.Fatalf("Changes = %v, want %v", got, want)
	}
	for i := 1; i < len(ch); i++ {
		if ch[i].Seq <= ch[i-1].Seq {
			t.Errorf("Seq not increasing: %d then %d", ch[i-1].Seq, ch[i].Seq)
		}
	}
	if ch[len(ch)-1].Rev != 2 || headline(t, ch[len(ch)-1]) != "a0 again" {
		t.Errorf("the feed does not carry the latest revision: %+v", ch[len(ch)-1])
	}
	// Paging with the since cursor and a limit visits each once.
	var paged []string
	var since int64
	for range 10 {
		page, err := s.Changes(ctx(t), "", "", since, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("limit 2 returned %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, articleIDs(page)...)
		since = page[len(page)-1].Seq
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged = %v, want %v", paged, want)
	}
	if page, _ := s.Changes(ctx(t), "", "", ch[2].Seq, 100); !slices.Equal(articleIDs(page), want[3:]) {
		t.Errorf("Changes since %d = %v, want %v", ch[2].Seq, articleIDs(page), want[3:])
	}
}

func testChangesFilters(t *testing.T, s store.Store) {
	type art struct{ owner, newsroom string }
	in := []art{{"rina", "humas"}, {"budi", "humas"}, {"rina", "humas"}, {"eka", "pers"}, {"budi", "humas"}, {"eka", "pers"}}
	var got []store.Article
	for i, a := range in {
		got = append(got, mustPut(t, s, put(ids.New(time.Now()), a.owner, a.newsroom, 0, fmt.Sprint(i))))
	}
	pick := func(f func(art) bool) []string {
		var out []string
		for i, a := range in {
			if f(a) {
				out = append(out, got[i].ID)
			}
		}
		return out
	}
	for _, tc := range []struct {
		newsroom, owner string
		want            []string
	}{
		{"", "", pick(func(art) bool { return true })},
		{"humas", "", pick(func(a art) bool { return a.newsroom == "humas" })},
		{"pers", "", pick(func(a art) bool { return a.newsroom == "pers" })},
		{"humas", "rina", pick(func(a art) bool { return a.owner == "rina" })},
		{"", "budi", pick(func(a art) bool { return a.owner == "budi" })},
		{"pers", "rina", nil},
		{"nowhere", "", nil},
	} {
		ch, err := s.Changes(ctx(t), tc.newsroom, tc.owner, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if ids := articleIDs(ch); !slices.Equal(ids, tc.want) {
			t.Errorf("Changes(%q, %q) = %v, want %v", tc.newsroom, tc.owner, ids, tc.want)
		}
		// The limit counts matching articles only.
		ch, err = s.Changes(ctx(t), tc.newsroom, tc.owner, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(tc.want) > 0 && (len(ch) != 1 || ch[0].ID != tc.want[0]) {
			t.Errorf("Changes(%q, %q, limit 1) = %v, want [%s]", tc.newsroom, tc.owner, articleIDs(ch), tc.want[0])
		}
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	if _, err := s.GetIdempotency(ctx(t), "u1", "k1-aaaaaaaaaaaaaaaa"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetIdempotency on an empty store: %v", err)
	}
	rec := idem("u1", "k1-aaaaaaaaaaaaaaaa", "login")
	rec.Status = 401
	if err := s.PutIdempotency(ctx(t), *rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetIdempotency(ctx(t), "u1", rec.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != 401 || string(got.Body) != string(rec.Body) || got.ReqHash != rec.ReqHash || !got.Created.Equal(rec.Created) {
		t.Errorf("GetIdempotency = %+v, want %+v", got, rec)
	}
	if err := s.PutIdempotency(ctx(t), *idem("u1", rec.Key, "other")); !errors.Is(err, store.ErrExists) {
		t.Errorf("second PutIdempotency: %v, want ErrExists", err)
	}
	if err := s.PutIdempotency(ctx(t), *idem("u2", rec.Key, "other")); err != nil {
		t.Errorf("the same key for another user: %v", err)
	}
	if _, err := s.GetIdempotency(ctx(t), "u3", rec.Key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another user's key found: %v", err)
	}
}

func testPurge(t *testing.T, s store.Store) {
	base := now()
	for i, age := range []time.Duration{10 * 24 * time.Hour, 8 * 24 * time.Hour, time.Hour, 0} {
		rec := idem("u1", fmt.Sprintf("key-%d-aaaaaaaaaaaaaa", i), "x")
		rec.Created = base.Add(-age)
		if err := s.PutIdempotency(ctx(t), *rec); err != nil {
			t.Fatal(err)
		}
	}
	// One stored with an article too.
	old := idem("u1", "key-put-aaaaaaaaaaaaa", "y")
	old.Created = base.Add(-30 * 24 * time.Hour)
	mustPutIdem(t, s, put(ids.New(time.Now()), "u1", "humas", 0, "x"), old)

	n, err := s.PurgeIdempotency(ctx(t), base.Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("purged %d, want 3", n)
	}
	for i, want := range []bool{false, false, true, true} {
		_, err := s.GetIdempotency(ctx(t), "u1", fmt.Sprintf("key-%d-aaaaaaaaaaaaaa", i))
		if found := err == nil; found != want {
			t.Errorf("record %d found = %v (%v), want %v", i, found, err, want)
		}
	}
	if _, err := s.GetIdempotency(ctx(t), "u1", old.Key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old article record survived the purge: %v", err)
	}
	if n, _ := s.PurgeIdempotency(ctx(t), base.Add(-7*24*time.Hour)); n != 0 {
		t.Errorf("second purge removed %d", n)
	}
}

func mustPutIdem(t *testing.T, s store.Store, p store.Put, rec *store.Idempotency) {
	t.Helper()
	if _, err := s.PutArticle(ctx(t), p, rec); err != nil {
		t.Fatal(err)
	}
}

func testConcurrentSame(t *testing.T, s store.Store) {
	id := ids.New(time.Now())
	mustPut(t, s, put(id, "u1", "humas", 0, "v1"))
	const n = 20
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		wins, conflicts int
		winner          string
		others          []error
	)
	for i := range n {
		wg.Go(func() {
			h := fmt.Sprint("writer ", i)
			a, err := s.PutArticle(context.Background(), put(id, "u1", "humas", 1, h), idem("u1", fmt.Sprintf("concurrent-%02d-aaaaaaaa", i), h))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
				winner = h
				if a.Rev != 2 {
					others = append(others, fmt.Errorf("winner got rev %d", a.Rev))
				}
			case errors.Is(err, store.ErrConflict):
				conflicts++
				if a.Rev < 2 {
					others = append(others, fmt.Errorf("ErrConflict returned rev %d", a.Rev))
				}
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || conflicts != n-1 || len(others) > 0 {
		t.Fatalf("%d wins, %d conflicts, other errors %v; want 1 and %d", wins, conflicts, others, n-1)
	}
	got, _ := s.GetArticle(ctx(t), id)
	if got.Rev != 2 || headline(t, got) != winner {
		t.Errorf("stored %+v (%s), winner %q", got, headline(t, got), winner)
	}
}

func testConcurrentSeq(t *testing.T, s store.Store) {
	const n = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seqs = map[int64]string{}
		errs []error
	)
	for i := range n {
		wg.Go(func() {
			id := ids.New(time.Now())
			a, err := s.PutArticle(context.Background(), put(id, "u1", "humas", 0, fmt.Sprint(i)), nil)
			if err == nil {
				a, err = s.PutArticle(context.Background(), put(id, "u1", "humas", 1, fmt.Sprint(i, "b")), nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if other, dup := seqs[a.Seq]; dup {
				errs = append(errs, fmt.Errorf("seq %d given to %s and %s", a.Seq, other, id))
			}
			seqs[a.Seq] = id
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ch, err := s.Changes(ctx(t), "", "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != n {
		t.Fatalf("feed has %d articles, want %d", len(ch), n)
	}
	for i, a := range ch {
		if seqs[a.Seq] != a.ID {
			t.Errorf("feed entry %d: %s at seq %d, the put returned seq for %s", i, a.ID, a.Seq, seqs[a.Seq])
		}
		if i > 0 && a.Seq <= ch[i-1].Seq {
			t.Errorf("feed not in Seq order: %d then %d", ch[i-1].Seq, a.Seq)
		}
	}
}
