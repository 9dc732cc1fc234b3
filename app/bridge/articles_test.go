package bridge

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/paths"
	"github.com/warta-news/warta/app/store"
)

// newTestApp builds the bridge on a real on-disk store, without a window.
func newTestApp(t *testing.T) *App {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := New(Deps{Layout: paths.Layout{Root: dir}, Log: slog.New(slog.DiscardHandler), Store: st})
	if a.articles.lib == nil {
		t.Fatalf("library did not open: %v", a.d.StartupErr)
	}
	return a
}

func sampleArticle(t *testing.T, a *App) articles.Article {
	t.Helper()
	body := json.RawMessage(`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"Humas pemerintah dituntut memanfaatkan teknologi."}]}]}`)
	art, err := a.articles.Create(articles.Article{Headline: "Rakornas <Kehumasan> Dibuka", Body: body,
		Dateline: articles.Dateline{Place: "Jakarta", Agency: "Humas"}, Reporters: []string{"Asriani", "Nova"}})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

func TestWriteArticleFormats(t *testing.T) {
	a := newTestApp(t)
	art := sampleArticle(t, a)
	dir := t.TempDir()
	for format, want := range map[string][]string{
		"html":     {"<!doctype html>", "<title>Rakornas &lt;Kehumasan&gt; Dibuka</title>", "Jakarta, Humas –", "Pewarta"},
		"markdown": {"# Rakornas", "Jakarta, Humas –", "Asriani/Nova"},
	} {
		p := filepath.Join(dir, "out."+format)
		if err := a.articles.WriteArticle(art, format, p); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", format, w, b)
			}
		}
	}
	if err := a.articles.WriteArticle(art, "docx", filepath.Join(dir, "x.docx")); err == nil {
		t.Fatal("unknown format accepted")
	}
	if err := a.articles.WriteArticle(art, "html", filepath.Join(dir, "missing", "x.html")); err == nil {
		t.Fatal("write into a missing folder reported success")
	}
}

func TestLibraryBackupRoundTrip(t *testing.T) {
	a := newTestApp(t)
	art := sampleArticle(t, a)
	backup := filepath.Join(t.TempDir(), "warta.warta")
	if err := a.articles.ExportLibraryTo(backup); err != nil {
		t.Fatal(err)
	}

	// A new laptop: a fresh library imports the backup.
	b := newTestApp(t)
	res, err := b.articles.ImportLibraryFrom(backup)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 {
		t.Fatalf("import result %+v", res)
	}
	got, err := b.articles.Get(art.ID)
	if err != nil || got.Headline != art.Headline {
		t.Fatalf("after import: %+v, %v", got, err)
	}

	// A damaged file is refused with a clear error and changes nothing.
	bad := filepath.Join(t.TempDir(), "bad.warta")
	os.WriteFile(bad, []byte("not a backup"), 0o600)
	if _, err := b.articles.ImportLibraryFrom(bad); err == nil {
		t.Fatal("damaged backup accepted")
	}
	list, _ := b.articles.List(articles.Query{})
	if len(list) != 1 {
		t.Fatalf("damaged import changed the library: %d articles", len(list))
	}
}

func TestArticlesWithoutStoreSayWhy(t *testing.T) {
	a := New(Deps{Log: slog.New(slog.DiscardHandler)})
	if _, err := a.articles.List(articles.Query{}); err == nil || !strings.Contains(err.Error(), "not open") {
		t.Fatalf("err = %v", err)
	}
}
