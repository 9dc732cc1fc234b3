package photos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/warta-news/warta/app/store"
)

// A full disk stops the import with a clear reason, keeps every photo that
// made it in whole, and leaves nothing half-written. The library folder is
// a 2 MiB tmpfs; mounting one needs root (CI runs as root), so elsewhere
// the test is skipped and says why.
func TestImportOntoFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", small).Run() })

	st, err := store.Open(filepath.Join(dir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := New(st, filepath.Join(small, "photos"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range 24 {
		// Noise-like pixels so the JPEGs do not compress to nothing.
		b := smallJPEG(t, 1500, 1000, uint8(i*13))
		paths = append(paths, writeFile(t, filepath.Join(dir, "kartu", fmt.Sprintf("IMG_%03d.jpg", i)), b))
	}
	res, err := l.Import(context.Background(), paths, ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DiskFull || res.Added == 0 || res.Added == len(paths) {
		t.Fatalf("disk full: %v, added %d of %d", res.DiskFull, res.Added, len(paths))
	}
	full := 0
	for _, f := range res.Files {
		switch f.Code {
		case CodeAdded, CodeCancelled:
		case CodeDiskFull:
			full++
		default:
			t.Errorf("%s: %s %s", f.Name, f.Code, f.Error)
		}
	}
	if full == 0 {
		t.Error("no file says the disk is full")
	}
	checkConsistent(t, l)
	t.Logf("added %d, disk full on %d, not started %d", res.Added, full, len(paths)-res.Added-full)
}
