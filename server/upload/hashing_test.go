package upload

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// uploadFile is the upload file of the upload at loc.
func (e *env) uploadFile(loc string) string {
	return filepath.Join(e.data, "uploads", path.Base(loc))
}

// finishes fails unless the handler started last finished fast uploads
// with the hash taken on the way and reread ones by reading the file.
func (e *env) finishes(t *testing.T, fast, reread int64) {
	t.Helper()
	if f, r := e.h.fast.Load(), e.h.reread.Load(); f != fast || r != reread {
		t.Fatalf("finishes: %d fast, %d reread; want %d, %d", f, r, fast, reread)
	}
}

// tamper overwrites n bytes of the upload file at off, in place, after
// letting the clock move on (so the change shows in the file's times, as it
// would for any later writer).
func tamper(t *testing.T, p string, off int64, n int) {
	t.Helper()
	time.Sleep(20 * time.Millisecond)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, n), off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFinishUsesTheHashTakenOnTheWay(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	for i, chunk := range []int{64 << 10, 1 << 20} {
		data := randBytes(t, 700<<10+i)
		if r, err := c.upload(data, chunk, "a.jpg"); err != nil || r.status != 204 || r.header.Get(HeaderComplete) != "true" {
			t.Fatalf("upload: %d %s %v", r.status, r.body, err)
		}
		e.checkBlob(t, data)
	}
	e.finishes(t, 2, 0)
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload files left: %v", p)
	}
	if n := len(e.h.store.states); n != 0 {
		t.Fatalf("%d hash states left", n)
	}
}

// A mismatch is decided by the bytes on disk, whatever was hashed.
func TestChecksumMismatchReadsTheFile(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 300<<10)
	_, loc, _ := c.create(shaOf([]byte("another photo")), int64(len(data)), "x.jpg")
	if r, _, _ := c.send(loc, data, 0, 100<<10); r.status != StatusChecksumMismatch {
		t.Fatalf("last PATCH: %d %s", r.status, r.body)
	}
	e.finishes(t, 0, 1)
}

func TestRestartFallsBackToReadingTheFile(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 900<<10)
	const chunk = 300 << 10
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	if r, _ := c.patch(loc, 0, data[:chunk]); r.status != 204 {
		t.Fatal(r.status)
	}
	e.stop()
	e.start(t) // a new process: no hash in memory
	c = e.client("tok-rina")
	if r, _, err := c.send(loc, data, chunk, chunk); err != nil || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("resume: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
	e.finishes(t, 0, 1)
}

func TestRestartThenTamperedCaught(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 900<<10)
	const chunk = 300 << 10
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	if r, _ := c.patch(loc, 0, data[:chunk]); r.status != 204 {
		t.Fatal(r.status)
	}
	e.stop()
	tamper(t, e.uploadFile(loc), 1000, 10)
	e.start(t)
	c = e.client("tok-rina")
	if r, _, _ := c.send(loc, data, chunk, chunk); r.status != StatusChecksumMismatch {
		t.Fatalf("last PATCH: %d %s", r.status, r.body)
	}
	if e.blobs.Has(shaOf(data)) {
		t.Fatal("tampered blob stored")
	}
	e.finishes(t, 0, 1)
}

func TestTamperedBetweenPatchesCaught(t *testing.T) {
	const size, chunk = 900 << 10, 300 << 10
	cases := []struct {
		name string
		// spoil changes the upload file at p after the first chunk and
		// returns the offset the client resumes from.
		spoil func(t *testing.T, p string) int64
	}{
		{"in place", func(t *testing.T, p string) int64 {
			tamper(t, p, 5, 100)
			return chunk
		}},
		{"in place, times put back", func(t *testing.T, p string) int64 {
			if runtime.GOOS != "linux" {
				t.Skip("the change time is only compared on Linux")
			}
			fi, _ := os.Stat(p)
			tamper(t, p, 5, 100)
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			return chunk
		}},
		{"appended", func(t *testing.T, p string) int64 {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("sampah"))
			f.Close()
			return chunk + 6
		}},
		{"cut and rewritten", func(t *testing.T, p string) int64 {
			if err := os.Truncate(p, 1000); err != nil {
				t.Fatal(err)
			}
			f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(make([]byte, chunk-1000))
			f.Close()
			return chunk
		}},
		{"replaced", func(t *testing.T, p string) int64 {
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			os.Remove(p)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return chunk
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			c := e.client("tok-rina")
			data := randBytes(t, size)
			_, loc, _ := c.create(shaOf(data), size, "")
			if r, _ := c.patch(loc, 0, data[:chunk]); r.status != 204 {
				t.Fatal(r.status)
			}
			from := tc.spoil(t, e.uploadFile(loc))
			if off, _, _ := c.head(loc); off != from {
				t.Fatalf("HEAD offset %d, want %d", off, from)
			}
			r, _, _ := c.send(loc, data, from, chunk)
			if r.status != StatusChecksumMismatch || r.errCode() != "checksum_mismatch" {
				t.Fatalf("last PATCH: %d %s", r.status, r.body)
			}
			if e.blobs.Has(shaOf(data)) {
				t.Fatal("tampered blob stored")
			}
			e.finishes(t, 0, 1)
			// The photo still goes through, now on the fast path.
			if r, err := c.upload(data, chunk, ""); err != nil || r.status != 204 {
				t.Fatalf("again: %d %s %v", r.status, r.body, err)
			}
			e.checkBlob(t, data)
			e.finishes(t, 1, 1)
		})
	}
}

// A cut PATCH leaves bytes that were both hashed and written: the hash
// still covers exactly the file, and the upload finishes correctly.
func TestCutPatchKeepsAConsistentHash(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 1<<20)
	const chunk = 256 << 10
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	body := &heldBody{first: data[:chunk/2], cut: true, sent: make(chan struct{}), release: make(chan struct{})}
	reading := make(chan struct{})
	e.reading.Store(&reading)
	req, _ := newPatch(e.srv.URL+loc, body, 0, chunk)
	errc := make(chan error, 1)
	go func() {
		res, err := e.srv.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-body.sent
	// The cut comes once the server reads the PATCH's body. (A connection
	// dropped before tusd v2.9.1 starts reading it makes tusd read a field
	// of the request it is still setting up, a data race in tusd itself
	// that the race detector reports.)
	select {
	case <-reading:
	case <-time.After(10 * time.Second):
		close(body.release)
		t.Fatal("the server never read the PATCH's body")
	}
	close(body.release) // the body ends early: a cut connection
	<-errc
	e.idle(t) // the client comes back once the server is done with the cut PATCH
	off, r, err := c.head(loc)
	if err != nil || r.status != 200 {
		t.Fatal(r.status, err)
	}
	if r, _, err := c.send(loc, data, off, chunk); err != nil || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("resume from %d: %d %s %v", off, r.status, r.body, err)
	}
	e.checkBlob(t, data)
	if f, rr := e.h.fast.Load(), e.h.reread.Load(); f+rr != 1 {
		t.Fatalf("finishes: %d fast, %d reread", f, rr)
	}
	t.Logf("cut at %d: %d fast, %d reread", off, e.h.fast.Load(), e.h.reread.Load())
}

func newPatch(url string, body io.Reader, off, length int64) (*http.Request, error) {
	req, err := http.NewRequest("PATCH", url, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Authorization", "Bearer tok-rina")
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	return req, nil
}

// pieces yields its bytes in reads of odd sizes, then fails.
type pieces struct {
	b    []byte
	step int
	err  error
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, p.err
	}
	n := copy(b[:min(len(b), p.step)], p.b)
	p.b = p.b[n:]
	return n, nil
}

// WriteTo writes and hashes exactly what it read, in large pieces, up to a
// failure of the reader.
func TestTeeWriteTo(t *testing.T) {
	data := randBytes(t, writeBuf*2+12345)
	for _, end := range []error{io.EOF, io.ErrUnexpectedEOF, errBoom} {
		f, err := os.Create(filepath.Join(t.TempDir(), "up"))
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data[:100])
		tr := &teeCounter{r: &pieces{b: data[100:], step: 7777, err: end}, h: sha256.New(), off: 100}
		n, err := io.Copy(f, tr)
		f.Close()
		if end == errBoom && err != errBoom || end != errBoom && err != nil {
			t.Fatalf("%v: err %v", end, err)
		}
		got, _ := os.ReadFile(f.Name())
		if n != tr.n || n != int64(len(data)-100) || string(got) != string(data) || tr.bad {
			t.Fatalf("%v: wrote %d, hashed %d of %d", end, n, tr.n, len(data)-100)
		}
		if shaOf(data[100:]) != hex.EncodeToString(tr.h.Sum(nil)) {
			t.Fatalf("%v: hash", end)
		}
	}
}

var errBoom = errors.New("boom")
