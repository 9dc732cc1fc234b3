package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "artikel.html")
	if err := WriteFileAtomic(p, []byte("satu"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("dua"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "dua" {
		t.Fatalf("%q %v", b, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "dir", "x.md")
	if err := WriteFileAtomic(p, []byte("x"), 0o644); err == nil {
		t.Fatal("wrote into a missing folder")
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"Dari Rakornas Kehumasan Kemensos, Humas Diingatkan Tidak Gaptek": "dari-rakornas-kehumasan-kemensos-humas-diingatkan-tidak-gaptek",
		`a/b\c:d*e?"f<g>h|`: "a-b-c-d-e-f-g-h",
		"   ":               "artikel",
		"Café Ü":            "café-ü",
	}
	for in, want := range tests {
		if got := SafeName(in, "artikel"); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
