package articles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/store"
)

func headlines(list []Summary) string {
	var h []string
	for _, s := range list {
		h = append(h, s.Headline)
	}
	return strings.Join(h, ",")
}

func TestCreateFillsDefaultsAndGetReadsBack(t *testing.T) {
	l, _ := newLib(t)
	a := fixture(t)
	a.Status, a.Language = "", ""
	a.ID, a.Version, a.WordCount = "bogus", 42, 7 // the library's to fill
	got := must[Article](t)(l.Create(a))
	if !validID(got.ID) || got.Version != 1 || got.Status != StatusDraft || got.Language != "id" {
		t.Fatalf("created: id=%q version=%d status=%q lang=%q", got.ID, got.Version, got.Status, got.Language)
	}
	if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) || got.DeletedAt != nil {
		t.Fatalf("times: %v %v %v", got.CreatedAt, got.UpdatedAt, got.DeletedAt)
	}
	// The fixture body has 10 paragraphs of prose; captions do not count.
	if got.WordCount < 250 || got.WordCount > 400 || got.ReadingMinutes != (got.WordCount+199)/200 {
		t.Fatalf("words=%d minutes=%d", got.WordCount, got.ReadingMinutes)
	}
	back := must[Article](t)(l.Get(got.ID))
	if !reflect.DeepEqual(mustJSON(back), mustJSON(got)) {
		t.Fatalf("Get differs from Create:\n%s\n%s", mustJSON(back), mustJSON(got))
	}
	if _, err := l.Get(newID(t0)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	for _, bad := range []string{"", "../../cfg/language", "ZZZ", strings.Repeat("z", 26)} {
		if _, err := l.Get(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", bad, err)
		}
	}
	b, _ := json.Marshal(got)
	for _, field := range []string{`"id"`, `"headline"`, `"subheadline"`, `"dateline":{"place":"Jakarta","agency":"Humas"}`,
		`"eventDate"`, `"body"`, `"reporters"`, `"editor"`, `"category"`, `"tags"`, `"status"`, `"language"`,
		`"createdAt"`, `"updatedAt"`, `"version"`, `"wordCount"`, `"readingMinutes"`} {
		if !bytes.Contains(b, []byte(field)) {
			t.Errorf("JSON lacks %s", field)
		}
	}
	if bytes.Contains(b, []byte("deletedAt")) {
		t.Error("deletedAt present on a live article")
	}
	// Empty lists are [] for the frontend, not null.
	e := must[Article](t)(l.Create(Article{Headline: "kosong"}))
	if b, _ := json.Marshal(e); !bytes.Contains(b, []byte(`"reporters":[]`)) || !bytes.Contains(b, []byte(`"tags":[]`)) {
		t.Errorf("empty lists: %s", b)
	}
	if e.WordCount != 0 || e.ReadingMinutes != 0 {
		t.Errorf("empty article counts %d words, %d minutes", e.WordCount, e.ReadingMinutes)
	}
}

func TestInvalidArticlesAreRefused(t *testing.T) {
	l, _ := newLib(t)
	deep := `{"type":"text","text":"x"}`
	for range 100 {
		deep = `{"type":"blockquote","content":[` + deep + `]}`
	}
	huge := `{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"` + strings.Repeat("a", MaxBodyBytes) + `"}]}]}`
	cases := map[string]Article{
		"status":     {Status: "archived"},
		"language":   {Language: "fr"},
		"event date": {EventDate: "21/08/2019"},
		"not json":   {Body: json.RawMessage(`{"type":`)},
		"not a doc":  {Body: json.RawMessage(`{"type":"paragraph"}`)},
		"array":      {Body: json.RawMessage(`[1,2]`)},
		"too deep":   {Body: json.RawMessage(`{"type":"doc","content":[` + deep + `]}`)},
		"too big":    {Body: json.RawMessage(huge)},
		"headline":   {Headline: strings.Repeat("x", maxLine+1)},
		"tags":       {Tags: make([]string, maxList+1)},
	}
	for name, a := range cases {
		if _, err := l.Create(a); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if list := must[[]Summary](t)(l.List(Query{})); len(list) != 0 {
		t.Fatalf("refused articles were stored: %v", headlines(list))
	}
	a := must[Article](t)(l.Create(Article{Headline: "ok"}))
	a.Status = "archived"
	if _, err := l.Save(a, false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Save with bad status: %v", err)
	}
	if _, err := l.List(Query{Status: "nope"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("List with bad status: %v", err)
	}
}

func TestSaveVersionsRevisionsAndNoOp(t *testing.T) {
	l, c := newLib(t)
	a := must[Article](t)(l.Create(Article{Headline: "Rakor", Body: doc("satu")}))
	c.add(time.Minute)
	a.Body = doc("satu dua")
	a.CreatedAt = time.Time{}                // ignored
	a.WordCount, a.ReadingMinutes = 999, 999 // recomputed
	a.DeletedAt = &t0                        // Save cannot trash
	s := must[Article](t)(l.Save(a, false))
	if s.Version != 2 || !s.UpdatedAt.Equal(t0.Add(time.Minute)) || !s.CreatedAt.Equal(t0) || s.WordCount != 2 || s.DeletedAt != nil {
		t.Fatalf("saved: version=%d updated=%v created=%v words=%d deleted=%v", s.Version, s.UpdatedAt, s.CreatedAt, s.WordCount, s.DeletedAt)
	}
	if got := must[Article](t)(l.Get(a.ID)); got.Version != 2 || string(got.Body) != string(doc("satu dua")) {
		t.Fatalf("stored: %d %s", got.Version, got.Body)
	}

	// Nothing changed: same article back, no revision, no new version.
	c.add(time.Minute)
	same := must[Article](t)(l.Save(s, false))
	if same.Version != 2 || !same.UpdatedAt.Equal(s.UpdatedAt) {
		t.Fatalf("no-op save changed the article: %d %v", same.Version, same.UpdatedAt)
	}
	// Reformatted but equal body JSON is also no change.
	s2 := s
	s2.Body = json.RawMessage(" \n" + string(doc("satu dua")) + "\n")
	if same := must[Article](t)(l.Save(s2, false)); same.Version != 2 {
		t.Fatalf("whitespace-only body change stored: version %d", same.Version)
	}
	revs := must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if len(revs) != 2 || revs[0].Seq != 2 || revs[1].Seq != 1 || revs[0].WordCount != 2 || revs[0].Marked {
		t.Fatalf("revisions: %+v", revs)
	}

	// Ctrl+S on unchanged text marks a revision, once.
	m := must[Article](t)(l.Save(s, true))
	if m.Version != 2 {
		t.Fatalf("mark changed the version to %d", m.Version)
	}
	l.Save(s, true)
	revs = must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if len(revs) != 3 || !revs[0].Marked || revs[1].Marked {
		t.Fatalf("after Ctrl+S twice: %+v", revs)
	}
	// Ctrl+S with a change: a new marked revision.
	c.add(time.Minute)
	s.Body = doc("satu dua tiga")
	s = must[Article](t)(l.Save(s, true))
	revs = must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if s.Version != 3 || len(revs) != 4 || !revs[0].Marked || revs[0].WordCount != 3 {
		t.Fatalf("marked save: version %d, %+v", s.Version, revs)
	}
	if _, err := l.Save(Article{ID: newID(t0), Version: 1}, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("save of unknown article: %v", err)
	}
}

func TestSaveConflictKeepsBothTexts(t *testing.T) {
	l, c := newLib(t)
	a := must[Article](t)(l.Create(Article{Headline: "Dua jendela", Body: doc("awal")}))
	win1, win2 := a, a
	win1.Body = doc("dari jendela satu")
	win1 = must[Article](t)(l.Save(win1, false))
	c.add(time.Second)
	win2.Body = doc("dari jendela dua")
	got, err := l.Save(win2, false)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale save: err = %v, want ErrConflict", err)
	}
	if got.Version != win1.Version || string(got.Body) != string(win1.Body) {
		t.Fatalf("conflict returned %d %s, want the stored article", got.Version, got.Body)
	}
	stored := must[Article](t)(l.Get(a.ID))
	if string(stored.Body) != string(doc("dari jendela satu")) {
		t.Fatalf("stale save overwrote: %s", stored.Body)
	}
	revs := must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if revs[0].Origin != "conflict" {
		t.Fatalf("newest revision %+v, want the kept conflict", revs[0])
	}
	kept := must[Article](t)(l.Revision(a.ID, revs[0].Seq))
	if string(kept.Body) != string(doc("dari jendela dua")) {
		t.Fatalf("kept text = %s", kept.Body)
	}
	// The same stale text again is not kept twice.
	l.Save(win2, false)
	if n := len(must[[]RevisionInfo](t)(l.Revisions(a.ID))); n != len(revs) {
		t.Fatalf("repeat conflict added a revision: %d → %d", len(revs), n)
	}
	// A stale window whose text is the stored text loses nothing: no error.
	stale := a
	stale.Body = win1.Body
	if got, err := l.Save(stale, false); err != nil || got.Version != win1.Version {
		t.Fatalf("stale but equal: %v, version %d", err, got.Version)
	}
	// Trash bumps the version: an editor still open on it gets a conflict.
	must[struct{}](t)(struct{}{}, l.Delete(a.ID))
	win1.Body = doc("ketik setelah dihapus")
	if _, err := l.Save(win1, false); !errors.Is(err, ErrConflict) {
		t.Fatalf("save after delete elsewhere: %v", err)
	}
}

func TestListOrderFiltersAndLimit(t *testing.T) {
	l, c := newLib(t)
	mk := func(h string, st Status, cat string) Article {
		c.add(time.Minute)
		return must[Article](t)(l.Create(Article{Headline: h, Status: st, Category: cat, Body: doc("isi " + h)}))
	}
	a := mk("A", StatusDraft, "Sosial")
	mk("B", StatusReady, "Sosial")
	mk("C", StatusDraft, "Ekonomi")
	if h := headlines(must[[]Summary](t)(l.List(Query{}))); h != "C,B,A" {
		t.Fatalf("order = %s", h)
	}
	c.add(time.Minute)
	a.Body = doc("isi A diperbarui")
	must[Article](t)(l.Save(a, false))
	list := must[[]Summary](t)(l.List(Query{}))
	if h := headlines(list); h != "A,C,B" {
		t.Fatalf("after editing A: %s", h)
	}
	if list[0].Snippet != "isi A diperbarui" || list[0].WordCount != 3 || list[0].Category != "Sosial" || !list[0].UpdatedAt.Equal(c.now()) {
		t.Fatalf("summary: %+v", list[0])
	}
	for q, want := range map[Query]string{
		{Status: StatusDraft}:                     "A,C",
		{Category: "Sosial"}:                      "A,B",
		{Status: StatusDraft, Category: "Sosial"}: "A",
		{Status: StatusPublished}:                 "",
		{Limit: 2}:                                "A,C",
		{Limit: 1, Category: "Sosial"}:            "A",
		{Text: "isi", Limit: 2}:                   "A,C",
		{Text: "isi", Status: StatusReady}:        "B",
		{Trash: true}:                             "",
	} {
		if h := headlines(must[[]Summary](t)(l.List(q))); h != want {
			t.Errorf("List(%+v) = %q, want %q", q, h, want)
		}
	}
	b, _ := json.Marshal(list[0])
	for _, f := range []string{`"id"`, `"headline"`, `"snippet"`, `"status"`, `"category"`, `"updatedAt"`, `"wordCount"`} {
		if !bytes.Contains(b, []byte(f)) {
			t.Errorf("summary JSON lacks %s: %s", f, b)
		}
	}
}

func TestTrashRestoreAndEmpty(t *testing.T) {
	l, c := newLib(t)
	keep := must[Article](t)(l.Create(Article{Headline: "Tetap", Reporters: []string{"Asriani"}, Body: doc("banjir di Gorontalo")}))
	gone := must[Article](t)(l.Create(Article{Headline: "Dibuang", Reporters: []string{"Asriani", "Nova"}, Body: doc("banjir di Manado")}))
	c.add(time.Minute)
	must[struct{}](t)(struct{}{}, l.Delete(gone.ID))
	must[struct{}](t)(struct{}{}, l.Delete(gone.ID)) // twice is fine
	g := must[Article](t)(l.Get(gone.ID))
	if g.DeletedAt == nil || !g.DeletedAt.Equal(c.now()) || g.Version != 2 {
		t.Fatalf("trashed: deletedAt=%v version=%d", g.DeletedAt, g.Version)
	}
	if h := headlines(must[[]Summary](t)(l.List(Query{}))); h != "Tetap" {
		t.Fatalf("live list = %s", h)
	}
	trash := must[[]Summary](t)(l.List(Query{Trash: true}))
	if headlines(trash) != "Dibuang" || trash[0].DeletedAt == nil {
		t.Fatalf("trash = %+v", trash)
	}
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "banjir"}))); h != "Tetap" {
		t.Fatalf("search found trashed: %s", h)
	}
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "manado", Trash: true}))); h != "Dibuang" {
		t.Fatalf("search in trash: %s", h)
	}
	must[struct{}](t)(struct{}{}, l.Restore(gone.ID))
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "banjir"}))); h != "Dibuang,Tetap" && h != "Tetap,Dibuang" {
		t.Fatalf("after restore: %s", h)
	}
	if g := must[Article](t)(l.Get(gone.ID)); g.DeletedAt != nil || g.Version != 3 {
		t.Fatalf("restored: %v %d", g.DeletedAt, g.Version)
	}
	if n := must[int](t)(l.EmptyTrash()); n != 0 {
		t.Fatalf("emptied %d with nothing in the trash", n)
	}
	must[struct{}](t)(struct{}{}, l.Delete(gone.ID))
	if n := must[int](t)(l.EmptyTrash()); n != 1 {
		t.Fatalf("emptied %d, want 1", n)
	}
	if _, err := l.Get(gone.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged article: %v", err)
	}
	if _, err := l.Revisions(gone.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged revisions: %v", err)
	}
	if len(must[[]Summary](t)(l.List(Query{Trash: true}))) != 0 {
		t.Fatal("trash not empty")
	}
	sg := must[Suggestions](t)(l.Suggestions())
	if !slices.Equal(sg.Reporters, []string{"Asriani"}) {
		t.Fatalf("reporters after purge: %v", sg.Reporters)
	}
	checkConsistent(t, l.st)
	for _, f := range []func(string) error{l.Delete, l.Restore} {
		if err := f(gone.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("on a purged article: %v", err)
		}
	}
	_ = keep
}

func TestRevisionAndRestoreRevision(t *testing.T) {
	l, c := newLib(t)
	a := must[Article](t)(l.Create(Article{Headline: "v1", Body: doc("pertama")}))
	for i, text := range []string{"kedua", "ketiga"} {
		c.add(time.Minute)
		a.Headline, a.Body = fmt.Sprintf("v%d", i+2), doc(text)
		a = must[Article](t)(l.Save(a, false))
	}
	revs := must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if len(revs) != 3 || revs[0].Headline != "v3" || revs[2].Headline != "v1" || !revs[2].At.Equal(t0) {
		t.Fatalf("revisions: %+v", revs)
	}
	r1 := must[Article](t)(l.Revision(a.ID, revs[2].Seq))
	if r1.Headline != "v1" || string(r1.Body) != string(doc("pertama")) || r1.Version != 1 {
		t.Fatalf("revision 1: %+v", r1)
	}
	if _, err := l.Revision(a.ID, 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing revision: %v", err)
	}
	c.add(time.Minute)
	back := must[Article](t)(l.RestoreRevision(a.ID, revs[2].Seq))
	if back.Headline != "v1" || string(back.Body) != string(doc("pertama")) || back.Version != a.Version+1 || !back.UpdatedAt.Equal(c.now()) {
		t.Fatalf("restored: %+v", back)
	}
	revs = must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if len(revs) != 4 || revs[0].Origin != "restore" || revs[0].Headline != "v1" || revs[1].Headline != "v3" {
		t.Fatalf("after restore: %+v", revs)
	}
	// Restoring the content it already has writes nothing.
	if again := must[Article](t)(l.RestoreRevision(a.ID, revs[0].Seq)); again.Version != back.Version {
		t.Fatalf("no-op restore bumped version to %d", again.Version)
	}
	// The search index follows the restored text.
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "ketiga"}))); h != "" {
		t.Fatalf("old word still found: %s", h)
	}
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "pertama"}))); h != "v1" {
		t.Fatalf("restored word not found: %s", h)
	}
	checkConsistent(t, l.st)
}

func TestThinPlan(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	var metas []revMeta
	add := func(at time.Time, marked bool, origin string) {
		metas = append(metas, revMeta{Seq: int64(len(metas) + 1), At: at, Marked: marked, Origin: origin, Hash: fmt.Sprint(len(metas))})
	}
	// One revision every 10 minutes for 200 days.
	for at := now.Add(-200 * 24 * time.Hour); !at.After(now); at = at.Add(10 * time.Minute) {
		add(at, false, "")
	}
	marked := now.Add(-150*24*time.Hour + 5*time.Minute)
	add(marked, true, "")
	conflict := now.Add(-100*24*time.Hour + 7*time.Minute)
	add(conflict, false, "conflict")
	drop := thinPlan(metas, now, metas[3].Hash) // the current content is an old revision
	dropped := map[int64]bool{}
	for _, s := range drop {
		dropped[s] = true
	}
	perHour, perDay, perWeek := map[int64]int{}, map[int64]int{}, map[int64]int{}
	kept := 0
	for _, m := range metas {
		if dropped[m.Seq] {
			continue
		}
		kept++
		age := now.Sub(m.At)
		switch {
		case m.Marked || m.Origin == "conflict" || m.Seq == 4:
		case age <= 24*time.Hour:
		case age <= 7*24*time.Hour:
			perHour[m.At.Unix()/3600]++
		case age <= 90*24*time.Hour:
			perDay[m.At.Unix()/86400]++
		default:
			perWeek[m.At.Unix()/(7*86400)]++
		}
	}
	for _, b := range []map[int64]int{perHour, perDay, perWeek} {
		for k, n := range b {
			if n != 1 {
				t.Fatalf("bucket %d keeps %d revisions", k, n)
			}
		}
	}
	last24 := 0
	for _, m := range metas {
		if now.Sub(m.At) <= 24*time.Hour {
			last24++
			if dropped[m.Seq] {
				t.Fatalf("dropped a revision from the last 24 h: %v", m.At)
			}
		}
	}
	for _, s := range []int64{metas[len(metas)-3].Seq, 4, metas[len(metas)-2].Seq, metas[len(metas)-1].Seq} {
		if dropped[s] {
			t.Fatalf("dropped protected revision %d", s)
		}
	}
	// 6 days of hours, 83 days, ~16 weeks, plus 24 h of every revision.
	if kept < last24+6*24+80 || kept > last24+7*24+90+20+4 {
		t.Fatalf("kept %d of %d (last 24 h: %d)", kept, len(metas), last24)
	}
	t.Logf("kept %d of %d revisions", kept, len(metas))

	// The cap: 1,500 revisions in the last hour (all "recent") → 1,000,
	// the oldest plain ones dropped first, marked ones kept.
	metas = metas[:0]
	for i := range 1500 {
		add(now.Add(time.Duration(i-1500)*time.Second), i%100 == 0, "")
	}
	drop = thinPlan(metas, now, metas[len(metas)-1].Hash)
	if len(drop) != 500 {
		t.Fatalf("cap dropped %d, want 500", len(drop))
	}
	for _, s := range drop {
		m := metas[s-1]
		if m.Marked {
			t.Fatalf("cap dropped marked revision %d", s)
		}
	}
	if slices.Max(drop) >= metas[len(metas)-1].Seq-990 {
		t.Fatalf("cap did not drop the oldest first: dropped up to %d", slices.Max(drop))
	}
	if thinPlan(nil, now, "") != nil {
		t.Fatal("plan for no revisions")
	}
}

func TestThinningOnSaveAndInServe(t *testing.T) {
	l, c := newLib(t)
	a := must[Article](t)(l.Create(Article{Headline: "Lama", Body: doc("0")}))
	// An edit every 20 minutes for 2 days; one Ctrl+S on the first morning.
	for i := 1; i <= 144; i++ {
		c.add(20 * time.Minute)
		a.Body = doc(fmt.Sprint(i))
		a = must[Article](t)(l.Save(a, i == 10))
	}
	revs := must[[]RevisionInfo](t)(l.Revisions(a.ID))
	if len(revs) >= 145 {
		t.Fatalf("saves did not thin: %d revisions", len(revs))
	}
	// Saves thin every thinEvery revisions; the hourly pass finishes it.
	must[int](t)(l.thinAll(context.Background()))
	revs = must[[]RevisionInfo](t)(l.Revisions(a.ID))
	now := c.now()
	perHour := map[int64]int{}
	markedKept := false
	for _, r := range revs {
		if r.Marked {
			markedKept = true
			continue
		}
		if now.Sub(r.At) > 24*time.Hour {
			perHour[r.At.Unix()/3600]++
		}
	}
	for h, n := range perHour {
		if n > 1 {
			t.Fatalf("hour %d keeps %d revisions", h, n)
		}
	}
	// Last 24 h: 72 edits (+ the boundary one); older: one per hour, 24 of them.
	if !markedKept || len(revs) < 72+24 || len(revs) > 72+26+1 {
		t.Fatalf("%d revisions kept, marked kept: %v", len(revs), markedKept)
	}

	// Nobody edits it for 100 days; Serve thins it.
	c.add(100 * 24 * time.Hour)
	l.upkeepEvery = 5 * time.Millisecond
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		revs = must[[]RevisionInfo](t)(l.Revisions(a.ID))
		if len(revs) <= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// 2 days, 100 days ago: at most one per week bucket (≤ 2) + marked + newest.
	if len(revs) > 4 || !slices.ContainsFunc(revs, func(r RevisionInfo) bool { return r.Marked }) || revs[0].Seq != 145 {
		t.Fatalf("after Serve: %+v", revs)
	}
	if got := must[Article](t)(l.Revision(a.ID, revs[0].Seq)); string(got.Body) != string(a.Body) {
		t.Fatal("the current content's revision was dropped")
	}
	checkConsistent(t, l.st)
}

func TestSuggestionsMostUsedFirst(t *testing.T) {
	l, _ := newLib(t)
	mk := func(reps []string, ed, cat, place, agency string, tags ...string) Article {
		return must[Article](t)(l.Create(Article{Reporters: reps, Editor: ed, Category: cat, Tags: tags,
			Dateline: Dateline{Place: place, Agency: agency}}))
	}
	mk([]string{"Nova", "Asriani"}, "Budi", "Sosial", "Jakarta", "Humas", "bansos")
	mk([]string{"Asriani"}, "Budi", "Sosial", "Gorontalo", "Humas", "bansos", "banjir")
	x := mk([]string{"Asriani", "Asriani", " "}, "Rina", "Ekonomi", "Gorontalo", "Biro Humas", "pasar")
	sg := must[Suggestions](t)(l.Suggestions())
	want := Suggestions{
		Reporters: []string{"Asriani", "Nova"}, Editors: []string{"Budi", "Rina"},
		Categories: []string{"Sosial", "Ekonomi"}, Tags: []string{"bansos", "banjir", "pasar"},
		Places: []string{"Gorontalo", "Jakarta"}, Agencies: []string{"Humas", "Biro Humas"},
	}
	if !reflect.DeepEqual(sg, want) {
		t.Fatalf("suggestions\n got %+v\nwant %+v", sg, want)
	}
	x.Reporters, x.Category = []string{"Nova"}, "Sosial"
	must[Article](t)(l.Save(x, false))
	sg = must[Suggestions](t)(l.Suggestions())
	if !slices.Equal(sg.Reporters, []string{"Asriani", "Nova"}) || !slices.Equal(sg.Categories, []string{"Sosial"}) {
		t.Fatalf("after edit: %v %v", sg.Reporters, sg.Categories)
	}
	b, _ := json.Marshal(sg)
	for _, f := range []string{"reporters", "editors", "categories", "tags", "places", "agencies"} {
		if !bytes.Contains(b, []byte(`"`+f+`"`)) {
			t.Errorf("JSON lacks %s: %s", f, b)
		}
	}
	checkConsistent(t, l.st)
}

func TestSearch(t *testing.T) {
	l, c := newLib(t)
	fx := must[Article](t)(l.Create(fixture(t)))
	c.add(time.Minute)
	cafe := must[Article](t)(l.Create(Article{Headline: "Kopi di Café Ñusa", Subheadline: "Warung kopi naïve",
		Body: doc("Peserta minum kopi bersama di SÃO Paulo.")}))
	c.add(time.Minute)
	must[Article](t)(l.Create(Article{Headline: "Lain", Body: doc("tidak ada apa-apa")}))

	cases := []struct{ q, want string }{
		{"gaptek", fx.Headline},
		{"GAPTEK", fx.Headline},
		{"gap", fx.Headline},              // word prefix
		{"cafe", cafe.Headline},           // accents folded in the text
		{"CAFÉ", cafe.Headline},           // … and in the query
		{"nusa naive sao", cafe.Headline}, // subheadline, body, all words
		{"kopi gaptek", ""},               // AND
		{"masran rauf foto", fx.Headline}, // figure caption
		{"istimewa", fx.Headline},         // second caption
		{"rakornas humas", fx.Headline},
		{"aneka bhakti salemba", fx.Headline},
		{"pro aktif", fx.Headline},
		{"zzz", ""},
		{"apa-apa", "Lain"},
		{"   ", "Lain," + cafe.Headline + "," + fx.Headline}, // no words: everything
	}
	check := func(label string) {
		t.Helper()
		for _, tc := range cases {
			if got := headlines(must[[]Summary](t)(l.List(Query{Text: tc.q}))); got != tc.want {
				t.Errorf("%s: search %q = %q, want %q", label, tc.q, got, tc.want)
			}
		}
	}
	check("default")
	// The three strategies give the same answers.
	defer func(d, v int) { directFetch, verifyBelow = d, v }(directFetch, verifyBelow)
	directFetch, verifyBelow = 0, 0
	check("walk, scan every word")
	directFetch, verifyBelow = 1<<30, 1<<30
	check("fetch, verify")

	// After an edit, the old words are gone from the index and new ones found.
	c.add(time.Minute)
	cafe.Headline, cafe.Subheadline, cafe.Body = "Teh di warung", "", doc("Peserta minum teh.")
	must[Article](t)(l.Save(cafe, false))
	for q, want := range map[string]string{"kopi": "", "cafe": "", "teh warung": "Teh di warung", "peserta": "Teh di warung," + fx.Headline} {
		if got := headlines(must[[]Summary](t)(l.List(Query{Text: q}))); got != want {
			t.Errorf("after edit: search %q = %q, want %q", q, got, want)
		}
	}
	// Trashed articles are not found, except in the trash.
	must[struct{}](t)(struct{}{}, l.Delete(fx.ID))
	if got := headlines(must[[]Summary](t)(l.List(Query{Text: "peserta"}))); got != "Teh di warung" {
		t.Errorf("trash excluded: %q", got)
	}
	checkConsistent(t, l.st)
}

func TestConcurrentSavesStayConsistent(t *testing.T) {
	l, _ := newLib(t)
	l.now = time.Now
	var ids []string
	for i := range 4 {
		ids = append(ids, must[Article](t)(l.Create(Article{Headline: fmt.Sprint(i), Body: doc("awal")})).ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[w%len(ids)] // two writers per article
			for i := range 15 {
				a, err := l.Get(id)
				if err != nil {
					t.Error(err)
					return
				}
				a.Body = doc(fmt.Sprintf("penulis %d kata%d", w, i))
				_, err = l.Save(a, false)
				if errors.Is(err, ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
				} else if err != nil {
					t.Error(err)
					return
				}
				l.List(Query{Text: "penulis"})
			}
		}()
	}
	wg.Wait()
	t.Logf("%d conflicts between writers", conflicts)
	checkConsistent(t, l.st)
}

func TestNewRefusesNewerLayout(t *testing.T) {
	dir := t.TempDir()
	_, st := openLib(t, dir)
	if err := st.PutJSON(keyMeta, layoutVersion+1); err != nil {
		t.Fatal(err)
	}
	if _, err := New(st, nil); !errors.Is(err, store.ErrNewerSchema) {
		t.Fatalf("err = %v", err)
	}
}

func TestIDs(t *testing.T) {
	prev := ""
	for i := range 1000 {
		id := newID(t0.Add(time.Duration(i) * time.Millisecond))
		if !validID(id) || id <= prev {
			t.Fatalf("id %q after %q", id, prev)
		}
		prev = id
	}
	if a, b := newID(t0), newID(t0); a == b {
		t.Fatal("ids repeat")
	}
}

// TestBigArticles saves bodies near the limits: a photo pasted inline (a
// multi-megabyte data URI) and a body of 20,000 distinct words. One save
// must still fit one transaction, and export/import must carry them.
func TestBigArticles(t *testing.T) {
	l, c := newLib(t)
	photo := "data:image/jpeg;base64," + strings.Repeat("QUJD", 265_000) // 1.06 MB: goes to the value log
	var words []string
	for i := range 20000 {
		words = append(words, fmt.Sprintf("kata%05d", i))
	}
	for name, body := range map[string]json.RawMessage{
		"photo": mustJSON(node{Type: "doc", Content: []node{
			{Type: "figure", Attrs: map[string]any{"src": photo}, Content: []node{tt("Foto besar")}}, para(tt("teks"))}}),
		"words":  doc(strings.Join(words, " ")),
		"inline": doc(strings.Repeat("panjang ", 75_000)), // 600 kB, stored in the LSM tree itself
	} {
		a, err := l.Create(Article{Headline: name, Body: body})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.add(time.Minute)
		a.Headline = name + " 1"
		if a, err = l.Save(a, true); err != nil {
			t.Fatalf("%s: save: %v", name, err)
		}
	}
	if h := headlines(must[[]Summary](t)(l.List(Query{Text: "kata15000"}))); h != "words 1" {
		t.Fatalf("search in a 20,000-word article: %q", h)
	}
	html, err := HTML(must[Article](t)(l.Get(must[[]Summary](t)(l.List(Query{Text: "foto besar"}))[0].ID)).Body)
	if err != nil || !strings.Contains(html, photo) {
		t.Fatalf("the inline photo did not render (%d bytes, %v)", len(html), err)
	}
	dst, _ := newLib(t)
	res := must[ImportResult](t)(dst.Import(bytes.NewReader(export(t, l))))
	if res.Added != 3 {
		t.Fatalf("import: %+v", res)
	}
	checkConsistent(t, dst.st)
}
