package articles

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warta-news/warta/app/store"
)

// dump is every key and value in the store, to prove a failed import
// wrote nothing.
func dump(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.View(func(tx *store.Txn) error {
		return tx.IteratePrefix("", func(k string, v []byte) error {
			out[k] = string(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleLibrary fills l with live, trashed, edited, marked and restored
// articles.
func sampleLibrary(t *testing.T, l *Library, c *clock) []string {
	t.Helper()
	fx := must[Article](t)(l.Create(fixture(t)))
	c.add(time.Hour)
	fx.Subheadline = "Menteri minta humas melek teknologi"
	fx = must[Article](t)(l.Save(fx, true))
	c.add(time.Hour)
	fx.Status = StatusReady
	fx = must[Article](t)(l.Save(fx, false))
	c.add(time.Minute)
	must[Article](t)(l.RestoreRevision(fx.ID, 1))
	b := must[Article](t)(l.Create(Article{Headline: "Banjir", Reporters: []string{"Nova"}, Body: doc("banjir di Manado")}))
	c.add(time.Minute)
	must[struct{}](t)(struct{}{}, l.Delete(b.ID))
	e := must[Article](t)(l.Create(Article{Headline: "Kosong"}))
	return []string{fx.ID, b.ID, e.ID}
}

func export(t *testing.T, l *Library) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := l.Export(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportImportRoundTrip(t *testing.T) {
	src, c := newLib(t)
	ids := sampleLibrary(t, src, c)
	file := export(t, src)

	dst, _ := newLib(t)
	res := must[ImportResult](t)(dst.Import(bytes.NewReader(file)))
	if res.Added != 3 || res.Updated != 0 || res.Unchanged != 0 || res.Revisions != 6 {
		t.Fatalf("import into an empty library: %+v", res)
	}
	for _, id := range ids {
		a, b := must[Article](t)(src.Get(id)), must[Article](t)(dst.Get(id))
		if !bytes.Equal(mustJSON(a), mustJSON(b)) {
			t.Errorf("article %s differs:\n%s\n%s", id, mustJSON(a), mustJSON(b))
		}
		ra, rb := must[[]RevisionInfo](t)(src.Revisions(id)), must[[]RevisionInfo](t)(dst.Revisions(id))
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("revisions of %s differ:\n%+v\n%+v", id, ra, rb)
		}
		for _, r := range ra {
			x, y := must[Article](t)(src.Revision(id, r.Seq)), must[Article](t)(dst.Revision(id, r.Seq))
			if !bytes.Equal(mustJSON(x), mustJSON(y)) {
				t.Errorf("revision %d of %s differs", r.Seq, id)
			}
		}
	}
	for _, q := range []Query{{}, {Trash: true}, {Text: "gaptek"}, {Text: "manado", Trash: true}} {
		a, b := must[[]Summary](t)(src.List(q)), must[[]Summary](t)(dst.List(q))
		if !reflect.DeepEqual(a, b) || len(a) == 0 {
			t.Errorf("List(%+v): %s vs %s", q, headlines(a), headlines(b))
		}
	}
	if a, b := must[Suggestions](t)(src.Suggestions()), must[Suggestions](t)(dst.Suggestions()); !reflect.DeepEqual(a, b) {
		t.Errorf("suggestions differ: %+v vs %+v", a, b)
	}
	checkConsistent(t, dst.st)

	// The same file again changes nothing.
	before := dump(t, dst.st)
	res = must[ImportResult](t)(dst.Import(bytes.NewReader(file)))
	if res.Unchanged != 3 || res.Added+res.Updated+res.Revisions != 0 {
		t.Fatalf("second import: %+v", res)
	}
	if after := dump(t, dst.st); !reflect.DeepEqual(before, after) {
		t.Fatal("re-importing the same file changed the store")
	}

	// The header says what the file is.
	zr, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.NewDecoder(zr).Decode(&h); err != nil || h["format"] != "warta-library" || h["version"] != 1.0 || h["exportedAt"] == nil {
		t.Fatalf("header %v, %v", h, err)
	}
}

func TestImportMergeKeepsTheLoser(t *testing.T) {
	// Laptop A and laptop B share an article, then both edit it.
	a, ca := newLib(t)
	orig := must[Article](t)(a.Create(Article{Headline: "Rakor", Body: doc("teks bersama")}))
	b, cb := newLib(t)
	must[ImportResult](t)(b.Import(bytes.NewReader(export(t, a))))

	ca.add(time.Hour)
	onA := orig
	onA.Body = doc("versi laptop A")
	onA = must[Article](t)(a.Save(onA, false))
	cb.add(2 * time.Hour) // B edits later: B is newer
	onB := must[Article](t)(b.Get(orig.ID))
	onB.Body = doc("versi laptop B")
	onB = must[Article](t)(b.Save(onB, false))

	res := must[ImportResult](t)(a.Import(bytes.NewReader(export(t, b))))
	if res.Updated != 1 || res.Added != 0 || res.Unchanged != 0 {
		t.Fatalf("merge: %+v", res)
	}
	cur := must[Article](t)(a.Get(orig.ID))
	if string(cur.Body) != string(doc("versi laptop B")) || cur.Version <= onA.Version || cur.Version <= onB.Version {
		t.Fatalf("after merge: version %d body %s", cur.Version, cur.Body)
	}
	if !cur.UpdatedAt.Equal(onB.UpdatedAt) {
		t.Fatalf("UpdatedAt %v, want B's %v", cur.UpdatedAt, onB.UpdatedAt)
	}
	bodies := map[string]string{}
	for _, r := range must[[]RevisionInfo](t)(a.Revisions(orig.ID)) {
		bodies[string(must[Article](t)(a.Revision(orig.ID, r.Seq)).Body)] += r.Origin + ";"
	}
	if !strings.Contains(bodies[string(doc("versi laptop A"))], "conflict") {
		t.Fatalf("A's text not kept as a conflict revision: %v", bodies)
	}
	if bodies[string(doc("teks bersama"))] == "" || bodies[string(doc("versi laptop B"))] == "" {
		t.Fatalf("history incomplete: %v", bodies)
	}
	if h := headlines(must[[]Summary](t)(a.List(Query{Text: "laptop b"}))); h != "Rakor" {
		t.Fatalf("index not updated by import: %q", h)
	}
	if h := headlines(must[[]Summary](t)(a.List(Query{Text: "laptop a"}))); h != "" {
		t.Fatalf("old text still indexed: %q", h)
	}
	checkConsistent(t, a.st)

	// The other way: B imports A's file, in which A... has B's text now
	// too; B's own text stays current, nothing is lost, and editing goes on.
	res = must[ImportResult](t)(b.Import(bytes.NewReader(export(t, a))))
	if res.Added != 0 || res.Updated+res.Unchanged != 1 {
		t.Fatalf("reverse merge: %+v", res)
	}
	curB := must[Article](t)(b.Get(orig.ID))
	if string(curB.Body) != string(doc("versi laptop B")) {
		t.Fatalf("B's current text replaced by %s", curB.Body)
	}
	found := false
	for _, r := range must[[]RevisionInfo](t)(b.Revisions(orig.ID)) {
		if string(must[Article](t)(b.Revision(orig.ID, r.Seq)).Body) == string(doc("versi laptop A")) {
			found = true
		}
	}
	if !found {
		t.Fatal("B did not get A's text as a revision")
	}
	checkConsistent(t, b.st)
}

func TestImportOlderFileKeepsLocalAndTheirText(t *testing.T) {
	l, c := newLib(t)
	a := must[Article](t)(l.Create(Article{Headline: "H", Body: doc("lama")}))
	old := export(t, l)
	// The file's version differs only in the past: edit locally, and also
	// make the file's copy carry text never seen here.
	c.add(time.Hour)
	a.Body = doc("baru di sini")
	a = must[Article](t)(l.Save(a, false))
	other, _ := newLib(t)
	must[ImportResult](t)(other.Import(bytes.NewReader(old)))
	x := must[Article](t)(other.Get(a.ID))
	x.Body = doc("teks dari tempat lain")
	other.now = func() time.Time { return t0.Add(30 * time.Minute) } // older than the local edit
	must[Article](t)(other.Save(x, false))

	res := must[ImportResult](t)(l.Import(bytes.NewReader(export(t, other))))
	if res.Updated != 1 {
		t.Fatalf("%+v", res)
	}
	cur := must[Article](t)(l.Get(a.ID))
	if string(cur.Body) != string(doc("baru di sini")) || cur.Version != a.Version {
		t.Fatalf("older file replaced the newer local text: %s v%d", cur.Body, cur.Version)
	}
	var kept *RevisionInfo
	for _, r := range must[[]RevisionInfo](t)(l.Revisions(a.ID)) {
		if string(must[Article](t)(l.Revision(a.ID, r.Seq)).Body) == string(doc("teks dari tempat lain")) {
			kept = &r
		}
	}
	if kept == nil || kept.Origin != "conflict" {
		t.Fatalf("the file's text was not kept as a conflict revision: %+v", kept)
	}
	// An open editor on the local article was not disturbed.
	a.Body = doc("terus menulis")
	if _, err := l.Save(a, false); err != nil {
		t.Fatalf("editor after import: %v", err)
	}
	checkConsistent(t, l.st)
}

func gz(lines ...string) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	w.Close()
	return buf.Bytes()
}

func TestImportOfABadFileWritesNothing(t *testing.T) {
	src, c := newLib(t)
	sampleLibrary(t, src, c)
	good := export(t, src)
	zr, _ := gzip.NewReader(bytes.NewReader(good))
	var plain bytes.Buffer
	plain.ReadFrom(zr)
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	header, end := lines[0], lines[len(lines)-1]
	body := lines[1 : len(lines)-1]
	replace := func(i int, old, new string) []string {
		out := append([]string{}, lines...)
		out[i] = strings.Replace(out[i], old, new, 1)
		return out
	}
	flipped := append([]byte{}, good...)
	flipped[len(flipped)/2] ^= 0xff
	withTail := append(append([]byte{}, good...), []byte("junk")...)
	cases := map[string][]byte{
		"empty":              nil,
		"not gzip":           []byte("Pewarta: Asriani/Nova\n"),
		"cut off":            good[:len(good)*2/3],
		"corrupt":            flipped,
		"junk after":         withTail,
		"no header":          gz(body...),
		"wrong format":       gz(append([]string{`{"format":"warta-settings","version":1}`}, lines[1:]...)...),
		"newer version":      gz(append([]string{strings.Replace(header, `"version":1`, `"version":2`, 1)}, lines[1:]...)...),
		"no end line":        gz(lines[:len(lines)-1]...),
		"wrong counts":       gz(append(append([]string{header}, body[1:]...), end)...),
		"not json":           gz(header, `{"type":"article","article":`, end),
		"unknown type":       gz(header, `{"type":"photo"}`, end),
		"bad body":           gz(replace(1, `"body":{"type":"doc"`, `"body":{"type":"script"`)...),
		"bad id":             gz(replace(1, `"id":"`, `"id":"../`)...),
		"bad status":         gz(replace(1, `"status":"`, `"status":"x`)...),
		"revision elsewhere": gz(append(append([]string{header, body[len(body)-1]}, body[:len(body)-1]...), end)...),
		"duplicate":          gz(append(append([]string{header}, append(body, body...)...), end)...),
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			dst, _ := newLib(t)
			// The target already holds an article, which must stay as it is.
			must[Article](t)(dst.Create(Article{Headline: "Sudah ada", Body: doc("jangan diubah")}))
			before := dump(t, dst.st)
			res, err := dst.Import(bytes.NewReader(file))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if res != (ImportResult{}) {
				t.Fatalf("result %+v", res)
			}
			if !strings.Contains(err.Error(), "library file") {
				t.Fatalf("unclear error: %v", err)
			}
			if after := dump(t, dst.st); !reflect.DeepEqual(before, after) {
				t.Fatalf("a refused file changed the store (%d → %d keys)", len(before), len(after))
			}
		})
	}
	dst, _ := newLib(t)
	if _, err := dst.Import(bytes.NewReader(good)); err != nil {
		t.Fatalf("the good file itself: %v", err)
	}
}
