package upload

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// wholePOST is rina's POST of the photo sha (size bytes) whose body, read
// from body, is the whole photo (creation-with-upload).
func (e *env) wholePOST(sha string, size int64, body io.Reader) *http.Request {
	req, _ := http.NewRequest("POST", e.srv.URL+base, body)
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer tok-rina")
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", "sha256 "+b64(sha))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	return req
}

// createWith POSTs a new upload carrying chunk, the photo's first bytes
// (tus creation-with-upload); the location is returned as a path.
func (c *client) createWith(sha string, size int64, chunk []byte) (resp, string, error) {
	r, err := c.do("POST", base, map[string]string{
		"Upload-Length":   strconv.FormatInt(size, 10),
		"Upload-Metadata": "sha256 " + b64(sha),
		"Content-Type":    "application/offset+octet-stream",
	}, bytes.NewReader(chunk))
	if err != nil {
		return r, "", err
	}
	loc := r.header.Get("Location")
	if loc != "" {
		u, err := url.Parse(loc)
		if err != nil {
			return r, "", err
		}
		loc = u.Path
	}
	return r, loc, nil
}

// A photo sent whole in its POST is finished by that POST, and its
// location answers "complete" afterwards, also after a restart.
func TestCreationWithUploadWholePhoto(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 300<<10)
	r, loc, err := c.createWith(shaOf(data), int64(len(data)), data)
	if err != nil || r.status != http.StatusCreated || loc == "" || r.header.Get(HeaderComplete) != "true" ||
		r.header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("POST with the photo: %d %v %s %v", r.status, r.header, r.body, err)
	}
	e.checkBlob(t, data)
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload files left: %v", p)
	}
	// Received without tusd (direct.go), with the hash taken on arrival.
	if e.h.directs.Load() != 1 || e.h.fast.Load() != 0 || e.h.reread.Load() != 0 || e.blobs.Rereads() != 0 {
		t.Errorf("direct %d, tusd finishes fast %d, reread %d, blob store rereads %d; want one direct POST, the hash taken on arrival",
			e.h.directs.Load(), e.h.fast.Load(), e.h.reread.Load(), e.blobs.Rereads())
	}
	// The answer was lost: the retried POST hears "complete" and sends
	// nothing to the upload.
	r, loc2, _ := c.createWith(shaOf(data), int64(len(data)), data)
	if r.status != http.StatusOK || r.header.Get(HeaderComplete) != "true" || loc2 != "" {
		t.Fatalf("retried POST: %d %v", r.status, r.header)
	}
	// So does a HEAD on the location, also after a restart; another
	// user's is refused.
	e.stop()
	e.start(t)
	c = e.client("tok-rina")
	if off, r, _ := c.head(loc); r.status != 200 || off != int64(len(data)) || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("HEAD after restart: %d %d %v", r.status, off, r.header)
	}
	if r, _ := c.patch(loc, int64(len(data)), nil); r.status != 204 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("repeated last PATCH: %d %s", r.status, r.body)
	}
	if r, _ := c.patch(loc, 0, data[:10]); r.status != 409 {
		t.Fatalf("PATCH at 0 of a finished upload: %d %s", r.status, r.body)
	}
	if _, r, _ := e.client("tok-budi").head(loc); r.status != 403 {
		t.Fatalf("another user's HEAD: %d", r.status)
	}
	if e.rec.adds != 1 {
		t.Errorf("%d AddBlob calls", e.rec.adds)
	}
}

// A POST retried with its first chunk finds the upload: what the upload
// has is not written again, what it lacks is appended.
func TestCreationWithUploadFirstChunk(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 700<<10)
	const chunk = 256 << 10
	sha := shaOf(data)
	r, loc, err := c.createWith(sha, int64(len(data)), data[:chunk])
	if err != nil || r.status != http.StatusCreated || loc == "" || r.header.Get(HeaderComplete) == "true" ||
		r.header.Get("Upload-Offset") != strconv.Itoa(chunk) {
		t.Fatalf("POST with the first chunk: %d %v %s %v", r.status, r.header, r.body, err)
	}
	// A retried POST with the chunk again: the same upload, at its offset;
	// the chunk is not written twice.
	r, loc2, _ := c.createWith(sha, int64(len(data)), data[:chunk])
	if r.status != http.StatusCreated || loc2 != loc || r.header.Get("Upload-Offset") != strconv.Itoa(chunk) {
		t.Fatalf("retried POST: %d %q %v %s", r.status, loc2, r.header, r.body)
	}
	if fi, err := os.Stat(filepath.Join(e.data, "uploads", loc[strings.LastIndex(loc, "/")+1:])); err != nil || fi.Size() != chunk {
		t.Fatalf("upload file after the retried POST: %v", err)
	}
	// One with a longer first chunk: what the upload lacks of it is
	// appended.
	r, loc2, _ = c.createWith(sha, int64(len(data)), data[:chunk+1000])
	if r.status != http.StatusCreated || loc2 != loc || r.header.Get("Upload-Offset") != strconv.Itoa(chunk+1000) || r.header.Get(HeaderComplete) == "true" {
		t.Fatalf("retried POST, longer: %d %q %v %s", r.status, loc2, r.header, r.body)
	}
	r, _, err = c.send(loc, data, chunk+1000, chunk)
	if err != nil || r.status != 204 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("the rest: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
	if e.h.reread.Load() != 0 {
		t.Errorf("%d finishes read the file again", e.h.reread.Load())
	}
}

// The first chunk in the POST, the rest by PATCH, and the hash taken on
// the way covers both.
func TestCreationWithUploadFirstChunkPlain(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 700<<10)
	const chunk = 256 << 10
	sha := shaOf(data)
	r, loc, err := c.createWith(sha, int64(len(data)), data[:chunk])
	if err != nil || r.status != http.StatusCreated || loc == "" || r.header.Get("Upload-Offset") != strconv.Itoa(chunk) {
		t.Fatalf("POST with the first chunk: %d %v %s %v", r.status, r.header, r.body, err)
	}
	r, _, err = c.send(loc, data, chunk, chunk)
	if err != nil || r.status != 204 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("the rest: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
	if e.h.reread.Load() != 0 {
		t.Errorf("%d finishes read the file again", e.h.reread.Load())
	}
}

// A whole photo in its POST whose bytes are not its sha256: 460, nothing
// kept.
func TestCreationWithUploadMismatch(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 50<<10)
	claimed := shaOf([]byte("another photo"))
	r, _, _ := e.client("tok-rina").createWith(claimed, int64(len(data)), data)
	if r.status != StatusChecksumMismatch || r.errCode() != "checksum_mismatch" {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	if e.blobs.Has(claimed) || len(e.partials(t)) != 0 {
		t.Fatalf("left: blob %v, %v", e.blobs.Has(claimed), e.partials(t))
	}
}

// A POST cut half-way keeps what arrived; the retried POST with the same
// chunk appends only the rest.
func TestCreationWithUploadCut(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 1<<20)
	sha := shaOf(data)
	// The POST dies after about 300 KiB of its body.
	proxy, served := cutProxy(t, strings.TrimPrefix(e.srv.URL, "http://"), 300<<10)
	pc := &client{url: "http://" + proxy, token: "tok-rina", hc: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	if r, _, err := pc.createWith(sha, int64(len(data)), data); err == nil && r.status < 300 {
		t.Fatalf("the cut POST succeeded: %d", r.status)
	}
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never finished the cut request")
	}
	// What arrived of the whole photo became a tus upload.
	kept := e.uploadSize(t, uploadID("rina", sha))
	if kept <= 0 || kept > 300<<10 {
		t.Fatalf("%d bytes kept of the cut POST", kept)
	}
	t.Logf("offset after the cut: %d", kept)
	// The client does not know the location: it POSTs again with the
	// chunk (here, all of the photo); the bytes the upload has are
	// skipped, the rest appended, and the photo finished.
	c := e.client("tok-rina")
	r, loc, err := c.createWith(sha, int64(len(data)), data)
	if err != nil || r.status != 201 || loc == "" || r.header.Get(HeaderComplete) != "true" || r.header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("retried POST: %d %v %s %v", r.status, r.header, r.body, err)
	}
	e.checkBlob(t, data)
	if e.h.reread.Load() != 0 || e.h.fast.Load() != 1 || e.blobs.Rereads() != 0 {
		t.Errorf("finishes: %d fast, %d read the file again (blob store: %d)", e.h.fast.Load(), e.h.reread.Load(), e.blobs.Rereads())
	}
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload files left: %v", p)
	}
}

// Several POSTs of the same whole photo at once (a client that retried
// while its first POST was still being received): every one hears
// "complete", the photo is stored once, nothing is left in the uploads
// folder.
func TestCreationWithUploadSameWholePhotoAtOnce(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 600<<10)
	sha := shaOf(data)
	const n = 4
	got := make(chan resp, n)
	for range n {
		go func() {
			r, _, err := e.client("tok-rina").createWith(sha, int64(len(data)), data)
			if err != nil {
				r.status = -1
			}
			got <- r
		}()
	}
	for range n {
		if r := <-got; (r.status != 201 && r.status != 200) || r.header.Get(HeaderComplete) != "true" {
			t.Errorf("POST: %d %v %s", r.status, r.header, r.body)
		}
	}
	e.checkBlob(t, data)
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload files left: %v", p)
	}
}

// A server stopped while it received a whole photo leaves a temporary file
// (direct.go); the next start removes it, and the photo can be sent again.
func TestDirectLeftoverRemovedAtStart(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 100<<10)
	sha := shaOf(data)
	left := filepath.Join(e.data, "uploads", directPrefix+uploadID("rina", sha)+"-123")
	if err := os.WriteFile(left, data[:40<<10], 0o644); err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.start(t)
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("the leftover is still there: %v", err)
	}
	if r, _, err := e.client("tok-rina").createWith(sha, int64(len(data)), data); err != nil || r.status != 201 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("POST: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
}

// uploadSize is the size of the upload file of id.
func (e *env) uploadSize(t *testing.T, id string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(e.data, "uploads", id))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A POST whose body is slow to come holds no lock that a retried POST of
// the same photo (the client reconnected) would wait for.
func TestCreationWithUploadSlowBody(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 200<<10)
	sha := shaOf(data)
	body := &heldBody{first: data[:50<<10], cut: true, sent: make(chan struct{}), release: make(chan struct{})}
	req := e.wholePOST(sha, int64(len(data)), body)
	errc := make(chan error, 1)
	go func() {
		res, err := e.srv.Client().Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		errc <- err
	}()
	<-body.sent
	done := make(chan resp, 1)
	go func() {
		r, _, _ := e.client("tok-rina").create(sha, int64(len(data)), "")
		done <- r
	}()
	select {
	case r := <-done:
		if r.status != 201 {
			t.Fatalf("retried POST: %d %s", r.status, r.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the retried POST waits for the slow one")
	}
	close(body.release)
	<-errc
}

// Uploads made by an older server (32-hex-digit ids, done records) are
// still found, resumed and answered.
func TestLegacyUpload(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 100<<10)
	sha := shaOf(data)
	id := legacyID("rina", sha)
	ctx := context.Background()
	up, err := e.h.store.NewUpload(ctx, tusd.FileInfo{ID: id, Size: int64(len(data)), MetaData: tusd.MetaData{"sha256": sha, "owner": "rina"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.WriteChunk(ctx, 0, bytes.NewReader(data[:40<<10])); err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.start(t) // a new server
	c := e.client("tok-rina")
	r, loc, _ := c.create(sha, int64(len(data)), "")
	if r.status != 201 || !strings.HasSuffix(loc, "/"+id) || r.header.Get("Upload-Offset") != strconv.Itoa(40<<10) {
		t.Fatalf("POST: %d %q %v", r.status, loc, r.header)
	}
	if _, r, _ := e.client("tok-budi").head(loc); r.status != 403 {
		t.Fatalf("another user's HEAD: %d", r.status)
	}
	if r, _, err := c.send(loc, data, 40<<10, 1<<20); err != nil || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("resume: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
	if _, err := os.Stat(filepath.Join(e.data, "uploads", id+".done")); err != nil {
		t.Fatalf("no done record: %v", err)
	}
	if off, r, _ := c.head(loc); r.status != 200 || off != int64(len(data)) || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("HEAD after: %d %d %v", r.status, off, r.header)
	}
	if _, r, _ := e.client("tok-budi").head(loc); r.status != 403 {
		t.Fatalf("another user's HEAD after: %d", r.status)
	}
}

// A new upload leaves no file behind once finished: no done record.
func TestNoRecordPerUpload(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	for range 3 {
		if r, err := c.upload(randBytes(t, 20<<10), 8<<10, ""); err != nil || r.status != 204 {
			t.Fatal(r.status, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(e.data, "uploads"))
	for _, x := range ents {
		t.Errorf("left in uploads: %s", x.Name())
	}
	// An id whose tag is not the caller's and whose photo is not stored
	// is unknown.
	data := randBytes(t, 1000)
	if _, r, _ := c.head(base + uploadID("budi", shaOf(data))); r.status != 404 {
		t.Fatalf("HEAD unknown: %d", r.status)
	}
}

// A POST carrying a large first chunk of a photo the server has is
// answered at once; the client gets the answer although the server does
// not read the chunk.
func TestCreationWithUploadPhotoKnown(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 6<<20)
	if r, err := c.upload(data, 4<<20, ""); err != nil || r.status != 204 {
		t.Fatal(r.status, err)
	}
	for i := range 3 {
		r, loc, err := c.createWith(shaOf(data), int64(len(data)), data[:4<<20])
		if err != nil || r.status != http.StatusOK || r.header.Get(HeaderComplete) != "true" || loc != "" {
			t.Fatalf("POST %d: %d %v %v", i, r.status, r.header, err)
		}
	}
}

// spares lists the empty spare files made ahead for direct POSTs.
func (e *env) spares(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(e.data, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range ents {
		if fi, err := x.Info(); err == nil && fi.Size() == 0 && strings.HasPrefix(x.Name(), directPrefix) {
			out = append(out, x.Name())
		}
	}
	return out
}

// After answering a direct POST the server makes the file the next one
// uses, so receiving a photo starts without creating a file; a spare that
// is not empty any more is not used.
func TestDirectUsesSpareFiles(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	post := func(data []byte) {
		t.Helper()
		if r, _, err := c.createWith(shaOf(data), int64(len(data)), data); err != nil || r.status != 201 || r.header.Get(HeaderComplete) != "true" {
			t.Fatalf("POST: %d %s %v", r.status, r.body, err)
		}
		e.checkBlob(t, data)
	}
	post(randBytes(t, 90<<10))
	first := e.spares(t)
	if len(first) != 1 {
		t.Fatalf("spares after the first POST: %v", first)
	}
	post(randBytes(t, 90<<10))
	second := e.spares(t)
	if len(second) != 1 || second[0] == first[0] {
		t.Fatalf("spares after the second POST: %v (before: %v); want the spare used and another made", second, first)
	}
	// Someone wrote into the spare: it is dropped, not used.
	spare := filepath.Join(e.data, "uploads", second[0])
	if err := os.WriteFile(spare, []byte("bukan kosong"), 0o644); err != nil {
		t.Fatal(err)
	}
	post(randBytes(t, 90<<10))
	if _, err := os.Stat(spare); !os.IsNotExist(err) {
		t.Fatalf("the written spare is still there: %v", err)
	}
	if e.h.directs.Load() != 3 {
		t.Fatalf("%d direct POSTs", e.h.directs.Load())
	}
}

// noHashers waits (briefly) until no hashing goroutine is left.
func noHashers(t *testing.T) {
	t.Helper()
	for i := 0; hashers.Load() != 0; i++ {
		if i == 200 {
			t.Fatalf("%d hashing goroutines left", hashers.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A whole photo that another POST stores while this one is still
// arriving: this one finishes as "complete" (or, cut, keeps nothing),
// nothing is left in the uploads folder and no hashing goroutine stays.
func TestDirectPhotoStoredMeanwhile(t *testing.T) {
	for _, cut := range []bool{false, true} {
		e := newEnv(t, 0)
		data := randBytes(t, 400<<10)
		sha := shaOf(data)
		body := &heldBody{first: data[:100<<10], rest: data[100<<10:], cut: cut, sent: make(chan struct{}), release: make(chan struct{})}
		req := e.wholePOST(sha, int64(len(data)), body)
		type answer struct {
			status   int
			complete string
		}
		done := make(chan answer, 1)
		go func() {
			res, err := e.srv.Client().Do(req)
			if err != nil {
				done <- answer{status: -1}
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			done <- answer{res.StatusCode, res.Header.Get(HeaderComplete)}
		}()
		<-body.sent
		if r, _, err := e.client("tok-rina").createWith(sha, int64(len(data)), data); err != nil || r.status != 201 || r.header.Get(HeaderComplete) != "true" {
			t.Fatalf("cut %v: the other POST: %d %s %v", cut, r.status, r.body, err)
		}
		close(body.release)
		a := <-done
		if !cut && (a.status != 201 || a.complete != "true") {
			t.Fatalf("the held POST: %d %q", a.status, a.complete)
		}
		e.stop() // every request has been handled
		e.checkBlob(t, data)
		if p := e.partials(t); len(p) != 0 {
			t.Fatalf("cut %v: upload files left: %v", cut, p)
		}
		noHashers(t)
	}
}

// A client that stops sending in the middle of a whole photo (a hotspot
// that froze) is answered 408 after the read timeout, which the client
// retries; what arrived is kept, and the retry sends only the rest.
func TestDirectStalledBody(t *testing.T) {
	e := newEnv(t, 0)
	e.h.readTimeout = 300 * time.Millisecond
	data := randBytes(t, 600<<10)
	sha := shaOf(data)
	body := &heldBody{first: data[:300<<10], rest: data[300<<10:], sent: make(chan struct{}), release: make(chan struct{})}
	defer close(body.release)
	req := e.wholePOST(sha, int64(len(data)), body)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled POST: %d", res.StatusCode)
	}
	e.idle(t)
	kept := e.uploadSize(t, uploadID("rina", sha))
	if kept <= 0 || kept > 300<<10 {
		t.Fatalf("%d bytes kept of the stalled POST", kept)
	}
	noHashers(t)
	// The client POSTs the photo again: only the rest is written.
	r, _, err := e.client("tok-rina").createWith(sha, int64(len(data)), data)
	if err != nil || r.status != 201 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("POST again: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
	if e.h.fast.Load() != 1 || e.h.reread.Load() != 0 {
		t.Errorf("finishes: %d fast, %d reread", e.h.fast.Load(), e.h.reread.Load())
	}
}
