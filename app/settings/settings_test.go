package settings

import (
	"errors"
	"testing"

	"github.com/warta-news/warta/app/store"
)

func newService(t *testing.T) (*Service, *store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st), st, dir
}

func TestDefaults(t *testing.T) {
	s, _, _ := newService(t)
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Theme: "system", Window: Window{Width: DefaultWidth, Height: DefaultHeight, X: -1, Y: -1}, PhotoLongEdge: DefaultPhotoLongEdge, Section: "articles"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestRememberedAcrossReopen(t *testing.T) {
	s, st, dir := newService(t)
	if err := s.SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTheme("dark"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLastArticle("01JABC"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPhotoLongEdge(1600); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSection("photos"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSendOriginals(true); err != nil {
		t.Fatal(err)
	}
	w := Window{Width: 1000, Height: 700, X: 40, Y: 30, Maximised: true}
	if err := s.SetWindow(w); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st2, err := store.Open(dir, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	got, err := New(st2).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Language != "en" || got.Theme != "dark" || got.Window != w || got.LastArticle != "01JABC" || got.PhotoLongEdge != 1600 || got.Section != "photos" || !got.SendOriginals {
		t.Fatalf("after reopen: %+v", got)
	}
}

func TestInvalidValuesRefused(t *testing.T) {
	s, _, _ := newService(t)
	if err := s.SetLanguage("fr"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetLanguage(fr) = %v", err)
	}
	if err := s.SetTheme("pink"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetTheme(pink) = %v", err)
	}
	if err := s.SetSection("../x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetSection = %v", err)
	}
	if err := s.SetPhotoLongEdge(100); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetPhotoLongEdge(100) = %v", err)
	}
	if err := s.SetLanguage(""); err != nil {
		t.Fatalf("follow-OS language refused: %v", err)
	}
}

func TestCorruptSettingFallsBack(t *testing.T) {
	s, st, _ := newService(t)
	if err := st.Put(keyTheme, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	if err == nil {
		t.Fatal("corrupt theme not reported")
	}
	if got.Theme != "system" || got.Language != "en" {
		t.Fatalf("fallback wrong: %+v", got)
	}
}

func TestWindowClamped(t *testing.T) {
	tests := []struct{ in, want Window }{
		{Window{Width: 100, Height: 100, X: 10, Y: 10}, Window{Width: MinWidth, Height: MinHeight, X: 10, Y: 10}},
		{Window{Width: 1200, Height: 800, X: -5000, Y: 10}, Window{Width: 1200, Height: 800, X: -1, Y: -1}},
		{Window{Width: 99999, Height: 800, X: 0, Y: 0}, Window{Width: 10000, Height: 800, X: 0, Y: 0}},
	}
	for _, tc := range tests {
		if got := tc.in.clamped(); got != tc.want {
			t.Errorf("clamped(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
