package upload

import (
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"sync"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/warta-news/warta/server/blobs"
)

// hashingStore is tusd's file store with the bytes of every upload hashed
// as they are written, so that finishing an upload need not read its file
// again (blobs.MoveFileKnown).
//
// The running hash of an upload is kept in memory only, with the number of
// bytes it covers and what the upload file looked like after the last write
// (size, modification and change times, identity). It is dropped at the
// first doubt: a write at another offset than the one it covers, a file that
// changed since the last write (another size, another time, another file),
// a write that stored fewer bytes than were hashed, a restart of the
// server. (A PATCH cut short keeps it: what was hashed is what was
// written.) Without it the file is read and hashed at finish, as before.
// A mismatch is always decided by reading the file (blobs.MoveFileKnown
// uses a digest only when it agrees with the name).
//
// What this cannot see is a rewrite of the upload file in place, to the
// same length, by another writer (the server itself only appends, under the
// upload's lock) so soon after the server's own last write that the file's
// times do not move (they tick at the file system's granularity, a few ms
// at most). Times set back by hand are caught: the change time, which
// nobody can set, is compared too (Linux).
//
// The state is deliberately not persisted: after a power cut a file can
// keep its length while losing its data, and nothing short of reading it
// can tell.
type hashingStore struct {
	filestore.FileStore

	mu     sync.Mutex
	states map[string]*hashState
}

// maxStates bounds the hashes kept for unfinished uploads; past it the
// oldest ones are dropped (they are only an optimisation).
const maxStates = 4096

type hashState struct {
	h    hash.Hash
	off  int64 // bytes hashed: the file's size after the last write
	file fileStamp
	at   time.Time // last use, for eviction
}

// fileStamp is what tells that a file was changed.
type fileStamp struct {
	fi    os.FileInfo
	ctime time.Time // zero where the OS has none
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return fileStamp{}, false
	}
	return fileStamp{fi: fi, ctime: ctimeOf(fi)}, true
}

func (a fileStamp) same(b fileStamp) bool {
	return a.fi != nil && b.fi != nil &&
		a.fi.Size() == b.fi.Size() &&
		a.fi.ModTime().Equal(b.fi.ModTime()) &&
		a.ctime.Equal(b.ctime) &&
		os.SameFile(a.fi, b.fi)
}

func newHashingStore(dir string) *hashingStore {
	return &hashingStore{FileStore: filestore.New(dir), states: map[string]*hashState{}}
}

// take removes and returns the state of upload id, if it still describes
// the file at bin with exactly off bytes; nil otherwise.
func (s *hashingStore) take(id, bin string, off int64) *hashState {
	s.mu.Lock()
	st := s.states[id]
	delete(s.states, id)
	s.mu.Unlock()
	if st == nil || st.off != off {
		return nil
	}
	if now, ok := stampOf(bin); !ok || !st.file.same(now) || now.fi.Size() != off {
		return nil
	}
	return st
}

func (s *hashingStore) put(id string, st *hashState) {
	st.at = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.states) >= maxStates {
		var oldest string
		var t time.Time
		for k, v := range s.states {
			if oldest == "" || v.at.Before(t) {
				oldest, t = k, v.at
			}
		}
		delete(s.states, oldest)
	}
	s.states[id] = st
}

func (s *hashingStore) drop(id string) {
	s.mu.Lock()
	delete(s.states, id)
	s.mu.Unlock()
}

// digest is what the state of upload id proves about the file at bin when
// it should hold size bytes, or nil; the state is used up either way.
func (s *hashingStore) digest(id, bin string, size int64) *blobs.Digest {
	st := s.take(id, bin, size)
	if st == nil {
		return nil
	}
	d := &blobs.Digest{Size: st.off}
	st.h.Sum(d.Sum[:0])
	return d
}

func (s *hashingStore) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	up, err := s.FileStore.NewUpload(ctx, info)
	if release, ok := ctx.Value(createdKey{}).(func()); ok {
		release() // the upload exists: a retried POST finds it
	}
	if err != nil {
		return nil, err
	}
	return s.wrap(up)
}

func (s *hashingStore) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	up, err := s.FileStore.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.wrap(up)
}

func (s *hashingStore) wrap(up tusd.Upload) (tusd.Upload, error) {
	info, err := up.GetInfo(context.Background())
	if err != nil {
		return nil, err
	}
	return &hashingUpload{Upload: up, s: s, id: info.ID, bin: info.Storage[filestore.StorageKeyPath]}, nil
}

func (s *hashingStore) AsTerminatableUpload(up tusd.Upload) tusd.TerminatableUpload {
	return up.(*hashingUpload)
}

// hashingUpload is a file store upload whose WriteChunk hashes the bytes.
type hashingUpload struct {
	tusd.Upload
	s   *hashingStore
	id  string
	bin string
}

func (u *hashingUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	st := u.s.take(u.id, u.bin, offset)
	if st == nil && offset == 0 {
		if now, ok := stampOf(u.bin); ok && now.fi.Size() == 0 {
			st = &hashState{h: sha256.New(), file: now}
		}
	}
	if st == nil || u.bin == "" {
		// No hash can cover the bytes before offset: finish reads the file.
		return u.Upload.WriteChunk(ctx, offset, src)
	}
	tr := &teeCounter{r: src, h: st.h, off: offset}
	n, err := u.Upload.WriteChunk(ctx, offset, tr)
	if tr.n != n || tr.bad {
		return n, err // what was hashed is not what was written
	}
	now, ok := stampOf(u.bin)
	if !ok || now.fi.Size() != offset+n {
		return n, err
	}
	st.off, st.file = offset+n, now
	u.s.put(u.id, st)
	return n, err
}

func (u *hashingUpload) Terminate(ctx context.Context) error {
	u.s.drop(u.id)
	return u.Upload.(tusd.TerminatableUpload).Terminate(ctx)
}

// teeCounter hashes what is read through it and counts it.
type teeCounter struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	bad bool
	off int64 // the file offset of the first byte (WriteTo)
}

// chunkPool holds the buffers WriteTo moves a request's bytes with.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, writeBuf); return &b }}

const writeBuf = 256 << 10

// WriteTo is what the file store's io.Copy into the upload file uses: the
// bytes go in pieces of writeBuf (a few large writes and hash updates
// instead of many of 32 KiB), and each piece is handed to the disk at once
// (startWriteback) so that the fsync at finish has less left to wait for.
// Like io.Copy it stops at the end of the body, keeping what arrived;
// tusd's body reader reports a cut connection itself.
func (t *teeCounter) WriteTo(w io.Writer) (int64, error) {
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	f, _ := w.(*os.File)
	var written int64
	for {
		n, rerr := io.ReadFull(t.r, buf)
		if n > 0 {
			if _, herr := t.h.Write(buf[:n]); herr != nil {
				t.bad = true
			}
			t.n += int64(n)
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr != nil {
				return written, werr
			}
			if m != n {
				return written, io.ErrShortWrite
			}
			if f != nil {
				startWriteback(f, t.off+written-int64(m), int64(m))
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

func (t *teeCounter) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if _, herr := t.h.Write(p[:n]); herr != nil {
			t.bad = true
		}
		t.n += int64(n)
	}
	return n, err
}
