package badgerstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/badgerstore"
	"github.com/warta-news/warta/server/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := badgerstore.Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: "01jabcdefghjkmnpqrstvwxyz0", Name: "rina", Role: store.RoleReporter}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s, err = badgerstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.UserByName(t.Context(), "rina"); err != nil || got.ID != u.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
}

// TestEmptyLogFiles: zero-length .mem/.vlog files left by a crash do not
// stop the store from opening (dgraph-io/badger#2207).
func TestEmptyLogFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"000009.mem", "000009.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err = badgerstore.Open(dir, nil)
	if err != nil {
		t.Fatalf("open with empty log files: %v", err)
	}
	s.Close()
}

func TestLockedByAnother(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := badgerstore.Open(dir, nil); err == nil {
		s2.Close()
		t.Fatal("a second Open of a directory in use succeeded")
	}
}
