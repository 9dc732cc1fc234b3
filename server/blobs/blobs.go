// Package blobs is the Warta server's content-addressed photo store: every
// blob is a file named by the SHA-256 of its bytes, under
// DIR/ab/abcdef… (the first two hex digits fan the files out over 256
// folders). A blob is written once, durably (temporary file in DIR, fsync,
// rename, fsync of the folder), and only after its bytes hashed to its name,
// so a file under its final name is always complete and correct.
//
// A finished upload can also be moved in (MoveFile): hashed by reading it,
// fsynced and renamed into place, which saves writing its bytes a second
// time when it is on the same file system as the store. MoveFileKnown
// also saves reading it when the caller hashed the bytes as it wrote them.
//
// Only a valid SHA-256 (64 lower-case hex digits) ever becomes part of a
// path; file names sent by clients never do.
package blobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// Errors callers test with errors.Is.
var (
	// ErrChecksum: the bytes offered for a blob do not hash to its name.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrInvalid: the name is not 64 lower-case hex digits.
	ErrInvalid = errors.New("invalid sha256")
	// ErrNotFound: no blob with that hash.
	ErrNotFound = errors.New("blob not found")
)

// Store is a folder of blobs. It is safe for concurrent use, also by several
// processes sharing the folder: writers never expose a partial file.
type Store struct {
	dir string
	// rename moves a verified file into place in MoveFile (os.Rename; tests
	// replace it to simulate a source on another file system).
	rename func(oldpath, newpath string) error
	// syncDir fsyncs a folder (the function syncDir; tests watch it).
	syncDir func(dir string) error
	// fanned[i] is set once the store's folder was fsynced while the
	// fan-out folder %02x of i existed: from then on its entry is durable
	// and a blob moved into it needs only that folder fsynced.
	fanned [256]atomic.Bool
	// rereads counts the files MoveFile/MoveFileKnown hashed by reading
	// them (tests).
	rereads atomic.Int64
}

// bufPool holds the buffers files are hashed and copied with.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Digest is what a caller already knows about a file's bytes because it
// hashed them as it wrote them: how many there are and their SHA-256.
type Digest struct {
	Size int64
	Sum  [sha256.Size]byte
}

// Open opens (creating it if needed) the blob store in dir.
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open blobs %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open blobs %s: %w", dir, err)
	}
	s := &Store{dir: abs, rename: os.Rename, syncDir: syncDir}
	// The 256 fan-out folders are made up front (once in the store's life;
	// a check of each at every start), so that no upload waits for a
	// mkdir and an fsync of the store's folder. One that cannot be made
	// now is made by the first blob that needs it (mkFan).
	made := true
	for i := range 256 {
		if os.Mkdir(filepath.Join(abs, fmt.Sprintf("%02x", i)), 0o755) != nil {
			if fi, err := os.Stat(filepath.Join(abs, fmt.Sprintf("%02x", i))); err != nil || !fi.IsDir() {
				made = false
				continue
			}
		}
	}
	if made && syncDir(abs) == nil {
		for i := range s.fanned {
			s.fanned[i].Store(true)
		}
	}
	return s, nil
}

// Rereads is how many files MoveFile, MoveFileKnown and MoveFileThen
// hashed by reading them because no digest vouched for them.
func (s *Store) Rereads() int64 { return s.rereads.Load() }

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// Valid reports whether sha is a SHA-256 in the store's spelling: exactly 64
// lower-case hex digits.
func Valid(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	for i := 0; i < len(sha); i++ {
		c := sha[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Path is where the blob sha lives (whether or not it exists), or "" when
// sha is not valid.
func (s *Store) Path(sha string) string {
	if !Valid(sha) {
		return ""
	}
	return filepath.Join(s.dir, sha[:2], sha)
}

// Has reports whether the blob sha is stored.
func (s *Store) Has(sha string) bool {
	p := s.Path(sha)
	if p == "" {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Size is the size of the stored blob sha.
func (s *Store) Size(sha string) (int64, error) {
	p := s.Path(sha)
	if p == "" {
		return 0, fmt.Errorf("blob %q: %w", sha, ErrInvalid)
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", sha, err)
	}
	return fi.Size(), nil
}

// Open opens the blob sha for reading.
func (s *Store) Open(sha string) (io.ReadCloser, error) {
	p := s.Path(sha)
	if p == "" {
		return nil, fmt.Errorf("open blob %q: %w", sha, ErrInvalid)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sha, err)
	}
	return f, nil
}

// PutFile stores the file at srcPath as the blob sha. It copies the file into
// a temporary file in the store, hashing while it copies, and refuses the
// copy with ErrChecksum when the bytes do not hash to sha; otherwise it
// fsyncs, renames into place and fsyncs the folder. srcPath is left as it
// was. When the blob already exists PutFile does nothing and returns nil
// (the existing file passed the same check when it was written).
func (s *Store) PutFile(sha, srcPath string) error {
	_, err := s.put(sha, srcPath)
	return err
}

// put is PutFile that also returns the blob's size.
func (s *Store) put(sha, srcPath string) (size int64, err error) {
	dst := s.Path(sha)
	if dst == "" {
		return 0, fmt.Errorf("put blob %q: %w", sha, ErrInvalid)
	}
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() {
		return fi.Size(), nil
	}
	src, err := os.Open(srcPath)
	if err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	defer src.Close()
	return s.put1(sha, dst, src)
}

// MoveFile stores the file at srcPath as the blob sha by moving it into the
// store instead of copying it. It reads the file, hashing it, and refuses it
// with ErrChecksum when the bytes do not hash to sha (srcPath is then left
// as it was); otherwise it makes the file read-only, fsyncs it, renames it
// into place and fsyncs the folder, so the blob is as durable as one written
// by PutFile. When srcPath is on another file system than the store (the
// rename fails with EXDEV) it falls back to PutFile's copy and removes
// srcPath. When the blob already exists MoveFile does nothing to it, leaves
// srcPath and returns nil.
//
// The caller must make sure nobody writes to srcPath meanwhile (the upload
// endpoint holds the upload's lock); the bytes are checked once, before the
// rename, and then the file under the blob's name is never written again.
func (s *Store) MoveFile(sha, srcPath string) error {
	_, err := s.MoveFileKnown(sha, srcPath, nil)
	return err
}

// MoveFileKnown is MoveFile for a file whose bytes the caller hashed as it
// wrote them (known; nil when it did not). When the open file has exactly
// known.Size bytes and known.Sum is sha, the file is not read again;
// otherwise (any disagreement) it is read and hashed as by MoveFile, so a
// mismatch is always decided by the bytes on disk. The caller vouches that
// known describes the bytes now in srcPath (nobody else wrote to it since
// it hashed them). reread reports whether the file was read.
func (s *Store) MoveFileKnown(sha, srcPath string, known *Digest) (reread bool, err error) {
	return s.MoveFileThen(sha, srcPath, known, nil)
}

// MoveFileThen is MoveFileKnown that runs then (when not nil) once the blob
// is in place and its folder fsynced, so that a database record then makes
// never claims a blob a power cut could take back; then's error is
// returned. then also runs when the blob existed already; it does not run
// when the move failed.
func (s *Store) MoveFileThen(sha, srcPath string, known *Digest, then func() error) (reread bool, err error) {
	return s.MoveFileWhile(sha, srcPath, func() *Digest { return known }, then)
}

// MoveFileWhile is MoveFileThen for a caller that is still hashing the
// file's bytes: known is called while the file is being fsynced, so the
// two overlap, and its answer is used as MoveFileThen's known. The file
// is never renamed before both are done.
func (s *Store) MoveFileWhile(sha, srcPath string, known func() *Digest, then func() error) (reread bool, err error) {
	if then == nil {
		then = func() error { return nil }
	}
	dst := s.Path(sha)
	if dst == "" {
		return reread, fmt.Errorf("move blob %q: %w", sha, ErrInvalid)
	}
	if s.Has(sha) {
		return false, then()
	}
	// Read-write: fsync needs a writable handle on some systems (Windows).
	f, err := os.OpenFile(srcPath, os.O_RDWR, 0)
	if err != nil {
		return reread, fmt.Errorf("move blob %s: %w", sha, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	// The bytes go to the disk while they are checked; the rename waits
	// for both.
	synced := make(chan error, 1)
	go func() { synced <- f.Sync() }()
	if !s.knownOK(sha, f, known()) {
		reread = true
		s.rereads.Add(1)
		got, err := hashFile(f)
		if err == nil && got != sha {
			err = fmt.Errorf("bytes hash to %s: %w", got, ErrChecksum)
		}
		if err != nil {
			<-synced
			return reread, fmt.Errorf("move blob %s: %w", sha, err)
		}
	}
	// Read-only once it is known to be the blob (a mismatch stays
	// removable on Windows); the mode is made durable with the rename.
	err = f.Chmod(0o444)
	if serr := <-synced; err == nil {
		err = serr
	}
	if err != nil {
		return reread, fmt.Errorf("move blob %s: %w", sha, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return reread, fmt.Errorf("move blob %s: %w", sha, err)
	}
	if err := s.mkFan(sha); err != nil {
		return reread, fmt.Errorf("move blob %s: %w", sha, err)
	}
	// As in put1: two writers of the same blob rename complete, verified
	// files over the same name.
	if err := s.rename(srcPath, dst); err != nil {
		if !crossDevice(err) {
			return reread, fmt.Errorf("move blob %s: %w", sha, err)
		}
		// Another file system: copy (hashing again) and drop the source.
		if _, err := s.put(sha, srcPath); err != nil {
			return true, err
		}
		_ = os.Chmod(srcPath, 0o644) // Windows removes no read-only file
		if err := os.Remove(srcPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return reread, fmt.Errorf("move blob %s: remove source: %w", sha, err)
		}
		return true, then()
	}
	// The blob's name is durable before then records it: a database
	// that says "stored" after a power cut must not be wrong.
	s.syncDirs(sha)
	return reread, then()
}

// knownOK reports whether known proves that the open file f holds the
// bytes of the blob sha: its size is known.Size and known.Sum is sha.
func (s *Store) knownOK(sha string, f *os.File, known *Digest) bool {
	if known == nil || hex.EncodeToString(known.Sum[:]) != sha {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular() && fi.Size() == known.Size
}

// hashFile is the SHA-256 of f's bytes from its current offset, in hex.
func hashFile(f *os.File) (string, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	h := sha256.New()
	// Hide f's WriterTo so the pooled buffer is used.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, *bp); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncDirs fsyncs the fan-out folder of the blob sha after a rename into it
// and, the first time this Store uses that folder, the store's folder too
// (the fan-out folder may be new), the two side by side. Once the store's
// folder was fsynced with the fan-out folder in it, that entry is durable
// and need not be synced again.
func (s *Store) syncDirs(sha string) {
	i := fanIndex(sha)
	if s.fanned[i].Load() {
		s.syncDir(filepath.Join(s.dir, sha[:2]))
		return
	}
	// Both at once: the file system commits them together.
	var wg sync.WaitGroup
	wg.Go(func() { s.syncDir(filepath.Join(s.dir, sha[:2])) })
	if s.syncDir(s.dir) == nil {
		s.fanned[i].Store(true)
	}
	wg.Wait()
}

// mkFan makes sure the fan-out folder of the blob sha exists. When it has
// to create it, the store's folder must be fsynced again (syncDirs).
func (s *Store) mkFan(sha string) error {
	sub := filepath.Join(s.dir, sha[:2])
	if fi, err := os.Stat(sub); err == nil && fi.IsDir() {
		return nil
	}
	s.fanned[fanIndex(sha)].Store(false)
	return os.MkdirAll(sub, 0o755)
}

// fanIndex is the number of the fan-out folder of a valid sha.
func fanIndex(sha string) int {
	v := func(c byte) int {
		if c <= '9' {
			return int(c - '0')
		}
		return int(c-'a') + 10
	}
	return v(sha[0])<<4 | v(sha[1])
}

// crossDevice reports whether a rename failed because source and target are
// on different file systems.
func crossDevice(err error) bool {
	if errors.Is(err, syscall.EXDEV) {
		return true
	}
	// ERROR_NOT_SAME_DEVICE
	return runtime.GOOS == "windows" && errors.Is(err, syscall.Errno(17))
}

// Put stores the bytes read from r as the blob sha, with the same checks and
// durability as PutFile.
func (s *Store) Put(sha string, r io.Reader) error {
	dst := s.Path(sha)
	if dst == "" {
		return fmt.Errorf("put blob %q: %w", sha, ErrInvalid)
	}
	if s.Has(sha) {
		return nil
	}
	_, err := s.put1(sha, dst, r)
	return err
}

func (s *Store) put1(sha, dst string, r io.Reader) (size int64, err error) {
	// The temporary file lives in the store's top folder (same file system,
	// so the rename is atomic) and starts with a dot: it never has the name
	// of a blob.
	tmp, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	bp := bufPool.Get().(*[]byte)
	// Hide r's WriterTo (an *os.File has one) so the pooled buffer is used.
	size, err = io.CopyBuffer(io.MultiWriter(tmp, h), struct{ io.Reader }{r}, *bp)
	bufPool.Put(bp)
	if err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return 0, fmt.Errorf("put blob %s: bytes hash to %s: %w", sha, got, ErrChecksum)
	}
	if err = tmp.Chmod(0o444); err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	if err = tmp.Sync(); err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	if err = tmp.Close(); err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	if err = s.mkFan(sha); err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	// Two writers of the same blob both rename a complete, verified file
	// over the same name: whichever wins, the result is the same bytes.
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return 0, fmt.Errorf("put blob %s: %w", sha, err)
	}
	s.syncDirs(sha)
	return size, nil
}

// syncDir fsyncs a folder so a rename into it survives a power cut. Not every
// OS supports it; the rename is already done, so callers may ignore a
// failure (the error only says the sync is not known to have happened).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	return err
}
