package blobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src.jpg")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// noTemps fails when a temporary file was left in the store.
func noTemps(t *testing.T, s *Store) {
	t.Helper()
	ents, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestPutFileOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("foto pelantikan bupati")
	sha := shaOf(data)
	if s.Has(sha) {
		t.Fatal("Has before PutFile")
	}
	src := writeTemp(t, data)
	if err := s.PutFile(sha, src); err != nil {
		t.Fatal(err)
	}
	if !s.Has(sha) {
		t.Fatal("not Has after PutFile")
	}
	if want := filepath.Join(s.Dir(), sha[:2], sha); s.Path(sha) != want {
		t.Fatalf("Path %s, want %s", s.Path(sha), want)
	}
	rc, err := s.Open(sha)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("read %q", got)
	}
	if n, err := s.Size(sha); err != nil || n != int64(len(data)) {
		t.Fatalf("Size %d %v", n, err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("source touched: %v", err)
	}
	// Idempotent.
	if err := s.PutFile(sha, src); err != nil {
		t.Fatal(err)
	}
	noTemps(t, s)
}

func TestPutFileMismatch(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("bytes yang benar")
	sha := shaOf([]byte("bytes yang lain"))
	err := s.PutFile(sha, writeTemp(t, data))
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err %v, want ErrChecksum", err)
	}
	if s.Has(sha) {
		t.Fatal("mismatching blob stored")
	}
	if err := s.Put(sha, bytes.NewReader(data)); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Put err %v", err)
	}
	noTemps(t, s)
	ents, _ := os.ReadDir(s.Dir())
	if len(ents) != 0 {
		t.Fatalf("store not empty: %v", ents)
	}
}

func TestConcurrentPutFileSameBlob(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := bytes.Repeat([]byte("0123456789abcdef"), 64*1024) // 1 MiB
	sha := shaOf(data)
	src := writeTemp(t, data)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.PutFile(sha, src)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := os.ReadFile(s.Path(sha))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob wrong after concurrent puts: %d bytes, %v", len(got), err)
	}
	noTemps(t, s)
}

func TestInvalidNamesNeverBecomePaths(t *testing.T) {
	s, _ := Open(t.TempDir())
	good := shaOf([]byte("x"))
	bad := []string{
		"",
		"../../../../etc/passwd",
		"..",
		strings.ToUpper(good),
		good[:63],
		good + "0",
		"../" + good[3:],
		good[:62] + "/.",
		good[:60] + "%2e%",
		good[:63] + "\x00",
		"zz" + good[2:],
	}
	src := writeTemp(t, []byte("x"))
	for _, sha := range bad {
		if p := s.Path(sha); p != "" {
			t.Errorf("Path(%q) = %q", sha, p)
		}
		if s.Has(sha) {
			t.Errorf("Has(%q)", sha)
		}
		if err := s.PutFile(sha, src); !errors.Is(err, ErrInvalid) {
			t.Errorf("PutFile(%q) = %v", sha, err)
		}
		if _, err := s.Open(sha); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open(%q) = %v", sha, err)
		}
	}
	if _, err := s.Open(good); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open missing = %v", err)
	}
	ents, _ := os.ReadDir(s.Dir())
	if len(ents) != 0 {
		t.Fatalf("store not empty: %v", ents)
	}
}
