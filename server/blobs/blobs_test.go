package blobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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
	if got := contents(t, s); len(got) != 0 {
		t.Fatalf("store not empty: %v", got)
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
	if got := contents(t, s); len(got) != 0 {
		t.Fatalf("store not empty: %v", got)
	}
}

func TestMoveFileRenames(t *testing.T) {
	s, _ := Open(t.TempDir())
	// The source beside the store, as DATA/uploads is beside DATA/blobs.
	srcDir := filepath.Join(filepath.Dir(s.Dir()), "uploads")
	os.MkdirAll(srcDir, 0o755)
	data := bytes.Repeat([]byte("foto banjir "), 100_000)
	sha := shaOf(data)
	src := filepath.Join(srcDir, "0123")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(src)
	var renames int
	s.rename = func(o, n string) error { renames++; return os.Rename(o, n) }
	if err := s.MoveFile(sha, src); err != nil {
		t.Fatal(err)
	}
	if renames != 1 {
		t.Fatalf("%d renames", renames)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("source still there: %v", err)
	}
	after, err := os.Stat(s.Path(sha))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Fatal("the blob is a copy, not the moved file")
	}
	if after.Mode().Perm()&0o222 != 0 {
		t.Fatalf("blob writable: %v", after.Mode())
	}
	if got, _ := os.ReadFile(s.Path(sha)); !bytes.Equal(got, data) {
		t.Fatal("blob bytes differ")
	}
	// The blob exists: a second source is left alone, nothing is renamed.
	src2 := writeTemp(t, data)
	if err := s.MoveFile(sha, src2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src2); err != nil || renames != 1 {
		t.Fatalf("second move: %v, %d renames", err, renames)
	}
	noTemps(t, s)
}

func TestMoveFileMismatch(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("bytes yang benar")
	sha := shaOf([]byte("bytes yang lain"))
	src := writeTemp(t, data)
	mode, _ := os.Stat(src)
	s.rename = func(o, n string) error { t.Fatal("renamed a mismatching file"); return nil }
	if err := s.MoveFile(sha, src); !errors.Is(err, ErrChecksum) {
		t.Fatalf("err %v, want ErrChecksum", err)
	}
	if got, err := os.ReadFile(src); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("source touched: %q %v", got, err)
	}
	if fi, _ := os.Stat(src); fi.Mode() != mode.Mode() {
		t.Fatalf("source mode %v", fi.Mode())
	}
	if err := s.MoveFile("../"+sha[3:], src); !errors.Is(err, ErrInvalid) {
		t.Fatalf("invalid name: %v", err)
	}
	if got := contents(t, s); len(got) != 0 {
		t.Fatalf("store not empty: %v", got)
	}
}

// exdev is how os.Rename fails across file systems.
func exdev(o, n string) error {
	return &os.LinkError{Op: "rename", Old: o, New: n, Err: syscall.EXDEV}
}

func TestMoveFileCrossDeviceCopies(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.rename = exdev
	data := bytes.Repeat([]byte("0123456789abcdef"), 64*1024)
	sha := shaOf(data)
	src := writeTemp(t, data)
	before, _ := os.Stat(src)
	if err := s.MoveFile(sha, src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("source not removed after the copy: %v", err)
	}
	after, err := os.Stat(s.Path(sha))
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Fatal("not a copy")
	}
	if after.Mode().Perm()&0o222 != 0 {
		t.Fatalf("blob writable: %v", after.Mode())
	}
	if got, _ := os.ReadFile(s.Path(sha)); !bytes.Equal(got, data) {
		t.Fatal("blob bytes differ")
	}
	noTemps(t, s)
}

func TestMoveFileOtherRenameErrorFails(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.rename = func(o, n string) error {
		return &os.LinkError{Op: "rename", Old: o, New: n, Err: syscall.EACCES}
	}
	data := []byte("x")
	src := writeTemp(t, data)
	if err := s.MoveFile(shaOf(data), src); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("err %v, want EACCES", err)
	}
	if s.Has(shaOf(data)) {
		t.Fatal("stored")
	}
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("source gone: %v", err)
	}
}

// A real second file system: /dev/shm is a tmpfs on Linux.
func TestMoveFileRealCrossDevice(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "warta-blobs-")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	defer os.RemoveAll(shm)
	s, _ := Open(t.TempDir())
	data := []byte("foto dari sistem berkas lain")
	src := filepath.Join(shm, "upload")
	os.WriteFile(src, data, 0o644)
	if err := os.Rename(src, filepath.Join(s.Dir(), ".probe")); !crossDevice(err) {
		if err == nil {
			os.Remove(filepath.Join(s.Dir(), ".probe"))
		}
		t.Skipf("/dev/shm and %s are one file system (%v)", s.Dir(), err)
	}
	if err := s.MoveFile(shaOf(data), src); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(s.Path(shaOf(data))); !bytes.Equal(got, data) {
		t.Fatal("blob bytes differ")
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("source not removed: %v", err)
	}
	noTemps(t, s)
}

func TestMoveFileKnown(t *testing.T) {
	data := bytes.Repeat([]byte("foto gempa "), 50_000)
	sha := shaOf(data)
	sum := sha256.Sum256(data)
	other := sha256.Sum256([]byte("lain"))
	cases := []struct {
		name   string
		known  *Digest
		reread bool
	}{
		{"proved", &Digest{Size: int64(len(data)), Sum: sum}, false},
		{"none", nil, true},
		{"other size", &Digest{Size: int64(len(data)) - 1, Sum: sum}, true},
		{"other sum", &Digest{Size: int64(len(data)), Sum: other}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := Open(t.TempDir())
			src := writeTemp(t, data)
			reread, err := s.MoveFileKnown(sha, src, tc.known)
			if err != nil || reread != tc.reread {
				t.Fatalf("reread %v, err %v; want reread %v", reread, err, tc.reread)
			}
			if got := s.rereads.Load(); got != map[bool]int64{false: 0, true: 1}[tc.reread] {
				t.Fatalf("%d rereads", got)
			}
			if got, _ := os.ReadFile(s.Path(sha)); !bytes.Equal(got, data) {
				t.Fatal("blob bytes differ")
			}
		})
	}
}

// A digest that does not prove the name never stores a wrong file: the
// bytes on disk decide.
func TestMoveFileKnownMismatchReads(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("bytes yang benar")
	src := writeTemp(t, data)
	// The caller hashed other bytes than the file has, and says so.
	claimed := shaOf([]byte("bytes yang lain"))
	reread, err := s.MoveFileKnown(claimed, src, &Digest{Size: int64(len(data)), Sum: sha256.Sum256(data)})
	if !errors.Is(err, ErrChecksum) || !reread {
		t.Fatalf("err %v, reread %v", err, reread)
	}
	// The right size but another sum than the name: read, and the file's
	// bytes are what they claim, so it is stored.
	reread, err = s.MoveFileKnown(shaOf(data), src, &Digest{Size: int64(len(data)), Sum: sha256.Sum256([]byte("x"))})
	if err != nil || !reread || !s.Has(shaOf(data)) {
		t.Fatalf("err %v, reread %v", err, reread)
	}
}

func TestFanFolderSyncedOnce(t *testing.T) {
	s, _ := Open(t.TempDir())
	a := []byte("a")
	sha := shaOf(a)
	if err := s.Put(sha, bytes.NewReader(a)); err != nil {
		t.Fatal(err)
	}
	i := fanIndex(sha)
	if !s.fanned[i].Load() {
		t.Fatal("fan-out folder not marked synced")
	}
	// The fan-out folder removed behind the store's back: it must be
	// synced into the store's folder again.
	os.RemoveAll(filepath.Join(s.Dir(), sha[:2]))
	if err := s.mkFan(sha); err != nil || s.fanned[i].Load() {
		t.Fatalf("recreated folder: err %v, marked %v", err, s.fanned[i].Load())
	}
	for j := range 256 {
		h := hex.EncodeToString([]byte{byte(j)})
		if fanIndex(h+sha[2:]) != j {
			t.Fatalf("fanIndex(%s…) != %d", h, j)
		}
	}
}

// MoveFileThen runs then with the blob in place, returns its error, runs
// it for a blob that exists already, and never after a failed move.
func TestMoveFileThen(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("foto banjir")
	sha := shaOf(data)
	calls := 0
	// The blob's folder is fsynced before then runs (then records it in
	// a database, which must not claim a name a power cut takes back).
	synced := false
	s.syncDir = func(dir string) error {
		if dir == filepath.Join(s.Dir(), sha[:2]) {
			synced = true
		}
		return syncDir(dir)
	}
	then := func() error {
		calls++
		if !s.Has(sha) || !synced {
			t.Errorf("then ran before the blob was in place (%v) and its folder fsynced (%v)", s.Has(sha), synced)
		}
		return nil
	}
	if _, err := s.MoveFileThen(sha, writeTemp(t, data), nil, then); err != nil || calls != 1 {
		t.Fatalf("err %v, %d calls", err, calls)
	}
	boom := errors.New("database down")
	_, err := s.MoveFileThen(sha, writeTemp(t, data), nil, func() error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 2 {
		t.Fatalf("existing blob: err %v, %d calls", err, calls)
	}
	_, err = s.MoveFileThen(shaOf([]byte("lain")), writeTemp(t, data), nil, func() error { calls++; return nil })
	if !errors.Is(err, ErrChecksum) || calls != 2 {
		t.Fatalf("bad bytes: err %v, %d calls", err, calls)
	}
}

// MoveFileWhile asks for the digest while the file is fsynced and renames
// only after it answered; a digest that does not prove the name makes it
// read the file, and a file whose bytes are not the name's stays where it
// was, removable.
func TestMoveFileWhile(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := bytes.Repeat([]byte("foto longsor "), 40_000)
	sha := shaOf(data)
	src := writeTemp(t, data)
	asked := 0
	reread, err := s.MoveFileWhile(sha, src, func() *Digest {
		asked++
		if s.Has(sha) {
			t.Error("the blob was in place before its digest was known")
		}
		time.Sleep(20 * time.Millisecond) // a hasher still at work
		return &Digest{Size: int64(len(data)), Sum: sha256.Sum256(data)}
	}, nil)
	if err != nil || reread || asked != 1 || !s.Has(sha) || s.Rereads() != 0 {
		t.Fatalf("err %v, reread %v, asked %d, stored %v", err, reread, asked, s.Has(sha))
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("source left: %v", err)
	}
	// The hasher gave up (nil): the file is read.
	other := []byte("foto lain")
	reread, err = s.MoveFileWhile(shaOf(other), writeTemp(t, other), func() *Digest { return nil }, nil)
	if err != nil || !reread || !s.Has(shaOf(other)) || s.Rereads() != 1 {
		t.Fatalf("nil digest: err %v, reread %v", err, reread)
	}
	// Bytes that are not the name's: refused, the source stays writable
	// (so it can be removed everywhere) and nothing is stored.
	bad := writeTemp(t, []byte("bukan foto itu"))
	claimed := shaOf([]byte("foto itu"))
	_, err = s.MoveFileWhile(claimed, bad, func() *Digest { return &Digest{Size: 14, Sum: sha256.Sum256([]byte("bukan foto itu"))} }, nil)
	if !errors.Is(err, ErrChecksum) || s.Has(claimed) {
		t.Fatalf("mismatch: err %v, stored %v", err, s.Has(claimed))
	}
	if fi, err := os.Stat(bad); err != nil || fi.Mode().Perm()&0o200 == 0 {
		t.Fatalf("the refused file: %v %v", fi, err)
	}
}

// contents lists what the store holds besides its empty fan-out folders.
func contents(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == s.Dir() {
			return err
		}
		rel, _ := filepath.Rel(s.Dir(), p)
		if d.IsDir() && len(rel) == 2 && Valid(rel+strings.Repeat("0", 62)) {
			return nil
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Open makes the 256 fan-out folders, so that storing a blob makes none.
func TestOpenMakesFanFolders(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 256 {
		if fi, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%02x", i))); err != nil || !fi.IsDir() || !s.fanned[i].Load() {
			t.Fatalf("fan-out folder %02x: %v (marked %v)", i, err, s.fanned[i].Load())
		}
	}
	// A folder that cannot be made (a file has its name) leaves Open
	// working; the blob that needs it fails clearly.
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "7f"), []byte("x"), 0o644)
	s2, err := Open(dir2)
	if err != nil || s2.fanned[0].Load() {
		t.Fatalf("Open with a blocked folder: %v, marked %v", err, s2.fanned[0].Load())
	}
	data := []byte("foto")
	sha := shaOf(data)
	if err := s2.Put(sha, bytes.NewReader(data)); err != nil || !s2.Has(sha) {
		t.Fatalf("a blob elsewhere: %v", err)
	}
	for i := 0; ; i++ {
		data = fmt.Appendf(nil, "foto %d", i)
		if sha = shaOf(data); strings.HasPrefix(sha, "7f") {
			break
		}
	}
	if err := s2.Put(sha, bytes.NewReader(data)); err == nil || s2.Has(sha) {
		t.Fatalf("a blob for the blocked folder: %v", err)
	}
}
