package upload

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// A disk that fails while a whole photo arrives (here: full) answers 500,
// which the client retries, keeps nothing and stores nothing.
func TestDirectDiskFull(t *testing.T) {
	e := newEnv(t, 0)
	full := filepath.Join(e.data, "uploads", directPrefix+"full")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Fatal(err)
	}
	e.h.spare <- full // the next direct POST writes to a full disk
	data := randBytes(t, 300<<10)
	r, _, err := e.client("tok-rina").createWith(shaOf(data), int64(len(data)), data)
	if err != nil || r.status != http.StatusInternalServerError || r.errCode() != "internal" {
		t.Fatalf("POST on a full disk: %d %s %v", r.status, r.body, err)
	}
	if e.blobs.Has(shaOf(data)) || len(e.partials(t)) != 0 {
		t.Fatalf("left: blob %v, %v", e.blobs.Has(shaOf(data)), e.partials(t))
	}
	if _, err := os.Lstat(full); !os.IsNotExist(err) {
		t.Fatalf("the failed file is still there: %v", err)
	}
	noHashers(t)
	// The disk has room again: the same POST stores the photo.
	if r, _, err := e.client("tok-rina").createWith(shaOf(data), int64(len(data)), data); err != nil || r.status != 201 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("POST again: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
}
