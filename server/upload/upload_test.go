package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/server/blobs"
	"github.com/warta-news/warta/server/store"
)

const base = "/api/v1/photos/"

// memRecorder is a map-backed Recorder.
type memRecorder struct {
	mu      sync.Mutex
	blobs   map[string]int64
	adds    int
	failAdd int // AddBlob fails this many more times
}

var _ Recorder = (*memRecorder)(nil)

func (m *memRecorder) AddBlob(_ context.Context, sha string, size int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAdd > 0 {
		m.failAdd--
		return errors.New("database unavailable")
	}
	m.adds++
	if m.blobs == nil {
		m.blobs = map[string]int64{}
	}
	m.blobs[sha] = size
	return nil
}

func (m *memRecorder) HasBlob(_ context.Context, sha string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blobs[sha]
	return ok, nil
}

func (m *memRecorder) size(sha string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.blobs[sha]
	return n, ok
}

// tokens: bearer token → user id.
var tokens = map[string]string{"tok-rina": "rina", "tok-budi": "budi"}

func testAuth(r *http.Request) (string, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if u := tokens[tok]; ok && u != "" {
		return u, nil
	}
	return "", errors.New("no token")
}

type env struct {
	t       *testing.T
	data    string // DATA dir
	blobs   *blobs.Store
	rec     *memRecorder
	srv     *httptest.Server
	h       *handler // the handler started last
	maxSize int64
	busy    atomic.Int64 // requests being handled
	// reading, when set, is taken by the next PATCH and closed when the
	// handler first reads its body.
	reading atomic.Pointer[chan struct{}]
}

func newEnv(t testing.TB, maxSize int64) *env {
	t.Helper()
	data := t.TempDir()
	bs, err := blobs.Open(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{data: data, blobs: bs, rec: &memRecorder{}, maxSize: maxSize}
	e.start(t)
	return e
}

// start serves a new handler on DATA/uploads (again, after stop).
func (e *env) start(t testing.TB) {
	t.Helper()
	h, err := New(Config{
		Dir:      filepath.Join(e.data, "uploads"),
		Blobs:    e.blobs,
		Recorder: e.rec,
		Auth:     testAuth,
		MaxSize:  e.maxSize,
		BasePath: base,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h.(*handler)
	mux := http.NewServeMux()
	mux.Handle(base, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.busy.Add(1)
		defer e.busy.Add(-1)
		if r.Method == http.MethodPatch {
			if c := e.reading.Swap(nil); c != nil {
				r.Body = &firstRead{ReadCloser: r.Body, c: *c}
			}
		}
		h.ServeHTTP(w, r)
	}))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
}

// firstRead closes c at its first Read.
type firstRead struct {
	io.ReadCloser
	c    chan struct{}
	once sync.Once
}

func (f *firstRead) Read(p []byte) (int, error) {
	f.once.Do(func() { close(f.c) })
	return f.ReadCloser.Read(p)
}

// idle waits until the server has handled every request it got (a request
// whose client is gone may still be running).
func (e *env) idle(t *testing.T) {
	t.Helper()
	for i := 0; e.busy.Load() != 0; i++ {
		if i == 500 {
			t.Fatalf("%d requests still being handled", e.busy.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop "kills" the server: connections are cut and the handler is dropped.
func (e *env) stop() {
	e.srv.CloseClientConnections()
	e.srv.Close()
}

func (e *env) client(token string) *client {
	return &client{url: e.srv.URL, token: token, hc: e.srv.Client()}
}

// client is a minimal tus 1.0.0 client.
type client struct {
	url   string // http://127.0.0.1:port
	token string
	hc    *http.Client
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) errCode() string {
	var b errorBody
	json.Unmarshal(r.body, &b)
	return b.Error
}

func (c *client) do(method, path string, hdr map[string]string, body io.Reader) (resp, error) {
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		return resp{}, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if b, ok := body.(*bytes.Reader); ok {
		req.ContentLength = int64(b.Len())
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}, err
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// create POSTs a new upload; the location is returned as a path.
func (c *client) create(sha string, size int64, filename string) (resp, string, error) {
	meta := "sha256 " + b64(sha)
	if filename != "" {
		meta += ",filename " + b64(filename)
	}
	r, err := c.do("POST", base, map[string]string{
		"Upload-Length":   strconv.FormatInt(size, 10),
		"Upload-Metadata": meta,
	}, nil)
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

func (c *client) head(loc string) (int64, resp, error) {
	r, err := c.do("HEAD", loc, nil, nil)
	if err != nil {
		return 0, r, err
	}
	off, _ := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
	return off, r, nil
}

func (c *client) patch(loc string, off int64, chunk []byte) (resp, error) {
	return c.do("PATCH", loc, map[string]string{
		"Content-Type":  "application/offset+octet-stream",
		"Upload-Offset": strconv.FormatInt(off, 10),
	}, bytes.NewReader(chunk))
}

// send PATCHes data[from:] in chunks of n bytes and returns the last answer
// and the number of body bytes sent.
func (c *client) send(loc string, data []byte, from int64, n int) (resp, int64, error) {
	var last resp
	var sent int64
	off := from
	for off < int64(len(data)) {
		end := min(off+int64(n), int64(len(data)))
		r, err := c.patch(loc, off, data[off:end])
		sent += end - off
		if err != nil {
			return r, sent, err
		}
		last = r
		if r.status != http.StatusNoContent {
			return r, sent, nil
		}
		got, _ := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
		if got != end {
			return r, sent, fmt.Errorf("offset %d after PATCH to %d", got, end)
		}
		off = end
	}
	return last, sent, nil
}

// upload creates and sends a whole photo in chunks of n bytes.
func (c *client) upload(data []byte, n int, filename string) (resp, error) {
	r, loc, err := c.create(shaOf(data), int64(len(data)), filename)
	if err != nil || r.status != http.StatusCreated {
		return r, err
	}
	r, _, err = c.send(loc, data, 0, n)
	return r, err
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBlob fails unless the blob store and the recorder hold data.
func (e *env) checkBlob(t *testing.T, data []byte) {
	t.Helper()
	sha := shaOf(data)
	got, err := os.ReadFile(e.blobs.Path(sha))
	if err != nil {
		t.Fatalf("blob missing: %v", err)
	}
	if shaOf(got) != sha {
		t.Fatal("blob bytes do not hash to the blob's name")
	}
	if n, ok := e.rec.size(sha); !ok || n != int64(len(data)) {
		t.Fatalf("recorder: %d %v", n, ok)
	}
}

// partials lists the upload folder's files that are not done records or
// empty spare files.
func (e *env) partials(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(e.data, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range ents {
		if strings.HasSuffix(x.Name(), ".done") {
			continue
		}
		if fi, err := x.Info(); err == nil && fi.Size() == 0 && strings.HasPrefix(x.Name(), directPrefix) {
			continue // a spare file made ahead (tempFile)
		}
		out = append(out, x.Name())
	}
	return out
}

func TestUploadInFiveChunks(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 5*256<<10+123)
	sha := shaOf(data)

	if r, err := c.do("HEAD", base+"sha256/"+sha, nil, nil); err != nil || r.status != 404 {
		t.Fatalf("HEAD sha before: %d %v", r.status, err)
	}
	r, loc, err := c.create(sha, int64(len(data)), "IMG_0001.JPG")
	if err != nil || r.status != http.StatusCreated || loc == "" {
		t.Fatalf("create: %d %s %v", r.status, r.body, err)
	}
	chunk := (len(data) + 4) / 5
	var patches int
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		if got, _, _ := c.head(loc); got != int64(off) {
			t.Fatalf("HEAD offset %d, want %d", got, off)
		}
		r, err = c.patch(loc, int64(off), data[off:end])
		if err != nil || r.status != http.StatusNoContent {
			t.Fatalf("PATCH %d: %d %s %v", off, r.status, r.body, err)
		}
		patches++
		if complete := r.header.Get(HeaderComplete) == "true"; complete != (end == len(data)) {
			t.Fatalf("PATCH to %d: Photo-Complete %v", end, complete)
		}
	}
	if patches != 5 {
		t.Fatalf("%d patches", patches)
	}
	e.checkBlob(t, data)
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload files left: %v", p)
	}
	// The client lost the last answer: HEAD says complete.
	off, r, _ := c.head(loc)
	if r.status != 200 || off != int64(len(data)) || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("HEAD after: %d %d %v", r.status, off, r.header)
	}
	// A repeated last PATCH is answered, not refused.
	last := len(data) - len(data)%chunk
	r, _ = c.patch(loc, int64(len(data)), nil)
	if r.status != http.StatusNoContent || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("PATCH after: %d %s (last chunk at %d)", r.status, r.body, last)
	}
	if r, _ := c.do("HEAD", base+"sha256/"+sha, nil, nil); r.status != 200 || r.header.Get("Upload-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("HEAD sha after: %d %v", r.status, r.header)
	}
}

func TestChecksumMismatch(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 300<<10)
	claimed := shaOf([]byte("another photo"))
	r, loc, err := c.create(claimed, int64(len(data)), "x.jpg")
	if err != nil || r.status != 201 {
		t.Fatal(r.status, err)
	}
	r, _, err = c.send(loc, data, 0, 100<<10)
	if err != nil || r.status != StatusChecksumMismatch || r.errCode() != "checksum_mismatch" {
		t.Fatalf("last PATCH: %d %s %v", r.status, r.body, err)
	}
	if e.blobs.Has(claimed) || e.blobs.Has(shaOf(data)) {
		t.Fatal("blob stored")
	}
	if _, ok := e.rec.size(claimed); ok {
		t.Fatal("blob recorded")
	}
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload not deleted: %v", p)
	}
	if _, r, _ := c.head(loc); r.status != 404 {
		t.Fatalf("HEAD after mismatch: %d", r.status)
	}
	// Starting again with the true hash works.
	if r, err := c.upload(data, 100<<10, "x.jpg"); err != nil || r.status != 204 {
		t.Fatalf("re-upload: %d %v", r.status, err)
	}
	e.checkBlob(t, data)
}

func TestDedupe(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 64<<10)
	if r, err := e.client("tok-rina").upload(data, 16<<10, "a.jpg"); err != nil || r.status != 204 {
		t.Fatal(r.status, err)
	}
	for _, tok := range []string{"tok-rina", "tok-budi"} {
		r, loc, err := e.client(tok).create(shaOf(data), int64(len(data)), "copy.jpg")
		if err != nil || r.status != http.StatusOK || r.header.Get(HeaderComplete) != "true" || loc != "" {
			t.Fatalf("%s: second creation: %d %v %q %v", tok, r.status, r.header, loc, err)
		}
	}
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("uploads created: %v", p)
	}
	// A blob on disk that the database lost is recorded again.
	e.rec.mu.Lock()
	delete(e.rec.blobs, shaOf(data))
	e.rec.mu.Unlock()
	if r, _ := e.client("tok-budi").do("HEAD", base+"sha256/"+shaOf(data), nil, nil); r.status != 200 {
		t.Fatalf("HEAD sha: %d", r.status)
	}
	e.checkBlob(t, data)
}

func TestRetriedCreationFindsTheUpload(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 40<<10)
	_, loc1, _ := c.create(shaOf(data), int64(len(data)), "")
	if r, _ := c.patch(loc1, 0, data[:10<<10]); r.status != 204 {
		t.Fatal(r.status)
	}
	r, loc2, _ := c.create(shaOf(data), int64(len(data)), "")
	if r.status != 201 || loc2 != loc1 || r.header.Get("Upload-Offset") != strconv.Itoa(10<<10) {
		t.Fatalf("retried creation: %d %q %q %v", r.status, loc1, loc2, r.header)
	}
	// Another user gets an upload of their own.
	_, loc3, _ := e.client("tok-budi").create(shaOf(data), int64(len(data)), "")
	if loc3 == "" || loc3 == loc1 {
		t.Fatalf("budi's upload %q", loc3)
	}
}

func TestOversize(t *testing.T) {
	e := newEnv(t, 1<<20)
	c := e.client("tok-rina")
	r, loc, err := c.create(shaOf([]byte("big")), 1<<20+1, "big.tif")
	if err != nil || r.status != http.StatusRequestEntityTooLarge || r.errCode() != "too_large" || loc != "" {
		t.Fatalf("%d %s %v", r.status, r.body, err)
	}
	// At the limit is fine.
	if r, _, _ := c.create(shaOf([]byte("big")), 1<<20, "big.tif"); r.status != 201 {
		t.Fatalf("at the limit: %d %s", r.status, r.body)
	}
	// More bytes than announced are refused by tusd, as JSON.
	data := randBytes(t, 1000)
	_, loc, _ = c.create(shaOf(data), 1000, "")
	r, _ = c.patch(loc, 0, append(data, 1, 2, 3))
	if r.status != http.StatusRequestEntityTooLarge || r.errCode() != "too_large" {
		t.Fatalf("long PATCH: %d %s", r.status, r.body)
	}
}

func TestOtherUsersUploadForbidden(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 20<<10)
	rina, budi := e.client("tok-rina"), e.client("tok-budi")
	_, loc, _ := rina.create(shaOf(data), int64(len(data)), "")
	rina.patch(loc, 0, data[:5000])
	if _, r, _ := budi.head(loc); r.status != 403 {
		t.Fatalf("HEAD: %d", r.status)
	}
	if r, _ := budi.patch(loc, 5000, data[5000:]); r.status != 403 || r.errCode() != "forbidden" {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if r, _ := budi.do("DELETE", loc, nil, nil); r.status != 403 {
		t.Fatalf("DELETE: %d", r.status)
	}
	if off, r, _ := rina.head(loc); r.status != 200 || off != 5000 {
		t.Fatalf("owner HEAD: %d %d", r.status, off)
	}
	// Also once it is complete.
	rina.send(loc, data, 5000, 1<<20)
	if _, r, _ := budi.head(loc); r.status != 403 {
		t.Fatalf("HEAD complete: %d", r.status)
	}
	// The owner may delete an unfinished upload.
	other := randBytes(t, 1000)
	_, loc2, _ := rina.create(shaOf(other), 1000, "")
	if r, _ := rina.do("DELETE", loc2, nil, nil); r.status != 204 {
		t.Fatalf("owner DELETE: %d %s", r.status, r.body)
	}
	if _, r, _ := rina.head(loc2); r.status != 404 {
		t.Fatalf("HEAD deleted: %d", r.status)
	}
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, 0)
	data := randBytes(t, 1000)
	_, loc, _ := e.client("tok-rina").create(shaOf(data), 1000, "")
	for _, tok := range []string{"", "tok-nobody"} {
		c := e.client(tok)
		r, _, _ := c.create(shaOf(data), 1000, "")
		if r.status != 401 || r.errCode() != "unauthorized" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("%q POST: %d %s", tok, r.status, r.body)
		}
		if _, r, _ := c.head(loc); r.status != 401 {
			t.Fatalf("%q HEAD: %d", tok, r.status)
		}
		if r, _ := c.patch(loc, 0, data); r.status != 401 {
			t.Fatalf("%q PATCH: %d", tok, r.status)
		}
		if r, _ := c.do("HEAD", base+"sha256/"+shaOf(data), nil, nil); r.status != 401 {
			t.Fatalf("%q HEAD sha: %d", tok, r.status)
		}
	}
}

// cutProxy forwards TCP connections to target and cuts each after limit
// bytes from the client: the client's side is closed, the server sees the
// request body end early. A value is sent on the returned channel when the
// server has finished with the cut connection.
func cutProxy(t *testing.T, target string, limit int64) (string, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	served := make(chan struct{}, 16)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go func() {
				io.Copy(swallow{in}, out) // until the server closes
				out.Close()
				served <- struct{}{}
			}()
			go func() {
				io.Copy(out, io.LimitReader(in, limit))
				// The cable is pulled.
				in.Close()
				out.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	return ln.Addr().String(), served
}

// swallow ignores write errors (the client is gone).
type swallow struct{ w io.Writer }

func (s swallow) Write(p []byte) (int, error) {
	s.w.Write(p)
	return len(p), nil
}

func TestConnectionCutMidPatch(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 2<<20)
	const chunk = 512 << 10
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	if r, _ := c.patch(loc, 0, data[:chunk]); r.status != 204 {
		t.Fatal(r.status)
	}
	// The second chunk dies after about 200 KiB.
	proxy, served := cutProxy(t, strings.TrimPrefix(e.srv.URL, "http://"), 200<<10)
	pc := &client{url: "http://" + proxy, token: c.token, hc: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	if r, err := pc.patch(loc, chunk, data[chunk:2*chunk]); err == nil && r.status == 204 {
		t.Fatal("the cut PATCH succeeded")
	}
	// The client backs off before resuming; by then the server has dealt
	// with the cut request. (Were it still reading, the resume PATCH would
	// get 409 and the client would HEAD again.)
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never finished the cut request")
	}
	off, r, err := c.head(loc)
	if err != nil || r.status != 200 {
		t.Fatal(r.status, err)
	}
	if off < chunk || off > 2*chunk {
		t.Fatalf("offset after the cut %d", off)
	}
	t.Logf("offset after the cut: %d (%d bytes of the cut chunk kept)", off, off-chunk)
	r, sent, err := c.send(loc, data, off, chunk)
	if err != nil || r.status != 204 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("resume: %d %s %v", r.status, r.body, err)
	}
	// Resending: at most one chunk more than what was left after the cut chunk.
	if resent := sent - int64(len(data)-2*chunk); resent > chunk {
		t.Fatalf("resent %d bytes, more than one chunk", resent)
	}
	e.checkBlob(t, data)
}

// heldBody sends first, waits for release, then sends rest (or, when cut,
// ends there as a dropped connection would).
type heldBody struct {
	first, rest []byte
	cut         bool
	sent        chan struct{}
	release     chan struct{}
}

func (b *heldBody) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		if len(b.first) == 0 {
			close(b.sent)
		}
		return n, nil
	}
	<-b.release
	if b.cut {
		return 0, io.ErrUnexpectedEOF
	}
	if len(b.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	return n, nil
}

func TestServerKilledMidUpload(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 3<<20)
	const chunk = 1 << 20
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	if r, _ := c.patch(loc, 0, data[:chunk]); r.status != 204 {
		t.Fatal(r.status)
	}
	// A PATCH is half-way through the second chunk when the server dies.
	body := &heldBody{first: data[chunk : chunk+chunk/2], cut: true, sent: make(chan struct{}), release: make(chan struct{})}
	req, _ := http.NewRequest("PATCH", e.srv.URL+loc, body)
	req.ContentLength = chunk
	req.Header.Set("Authorization", "Bearer tok-rina")
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.Itoa(chunk))
	errc := make(chan error, 1)
	go func() {
		_, err := e.srv.Client().Do(req)
		errc <- err
	}()
	<-body.sent
	e.stop()
	close(body.release)
	<-errc

	e.start(t) // the same DATA dir, a new process's handler
	c = e.client("tok-rina")
	off, r, err := c.head(loc)
	if err != nil || r.status != 200 || off < chunk || off > 2*chunk {
		t.Fatalf("HEAD after restart: %d off %d %v", r.status, off, err)
	}
	t.Logf("offset after restart: %d", off)
	if r, _, err := c.send(loc, data, off, chunk); err != nil || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("resume: %d %s %v", r.status, r.body, err)
	}
	e.checkBlob(t, data)
}

func TestFinishedLateAfterFailure(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 50<<10)
	e.rec.failAdd = 1
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "")
	r, _, _ := c.send(loc, data, 0, 1<<20)
	if r.status != 500 || r.errCode() != "internal" {
		t.Fatalf("last PATCH with the database down: %d %s", r.status, r.body)
	}
	// The client HEADs to learn where it is: the server finishes the upload.
	off, r, _ := c.head(loc)
	if r.status != 200 || off != int64(len(data)) || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("HEAD: %d %d %v", r.status, off, r.header)
	}
	e.checkBlob(t, data)
}

func TestConcurrentUploads(t *testing.T) {
	e := newEnv(t, 0)
	photos := make([][]byte, 20)
	for i := range photos {
		photos[i] = randBytes(t, 200<<10+i*1000)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(photos))
	for i, p := range photos {
		tok := "tok-rina"
		if i%2 == 1 {
			tok = "tok-budi"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.client(tok).upload(p, 64<<10, fmt.Sprintf("IMG_%04d.JPG", i))
			if err == nil && (r.status != 204 || r.header.Get(HeaderComplete) != "true") {
				err = fmt.Errorf("photo %d: %d %s", i, r.status, r.body)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, p := range photos {
		e.checkBlob(t, p)
	}
}

func TestTraversalHarmless(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	for _, name := range []string{"../../../../tmp/evil.jpg", `..\..\evil.jpg`, "/etc/passwd", "a/../../b", "\x00.jpg"} {
		data := randBytes(t, 2000)
		if r, err := c.upload(data, 1000, name); err != nil || r.status != 204 {
			t.Fatalf("%q: %d %s %v", name, r.status, r.body, err)
		}
		e.checkBlob(t, data)
	}
	// Nothing but blobs and upload records exists under DATA.
	filepath.WalkDir(e.data, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(e.data, p)
		parts := strings.Split(rel, string(filepath.Separator))
		ok := rel == "." || parts[0] == "uploads" && len(parts) <= 2 ||
			parts[0] == "blobs" && (len(parts) == 1 || len(parts) == 2 && len(parts[1]) == 2 || len(parts) == 3 && blobs.Valid(parts[2]))
		if !ok {
			t.Errorf("unexpected file %s", rel)
		}
		return nil
	})
	// Paths that are not upload ids never reach the file store.
	for _, p := range []string{"..%2F..%2Fetc%2Fpasswd", "..", "sha256/..%2F..%2Fx", "ABCDEF0123456789ABCDEF0123456789", "x.info"} {
		r, err := c.do("HEAD", base+p, nil, nil)
		if err != nil || (r.status != 404 && r.status != 400) {
			t.Errorf("HEAD %s: %d %v", p, r.status, err)
		}
		r, err = c.patch(base+p, 0, []byte("x"))
		if err != nil || (r.status != 404 && r.status != 400 && r.status != 405) {
			t.Errorf("PATCH %s: %d %v", p, r.status, err)
		}
	}
}

// The server's database is a Recorder.
var _ Recorder = store.Store(nil)

func TestOptionsAndBlobCheck(t *testing.T) {
	e := newEnv(t, 1<<20)
	c := e.client("tok-rina")
	r, err := c.do("OPTIONS", base, nil, nil)
	if err != nil || r.status != 200 || r.header.Get("Tus-Max-Size") != strconv.Itoa(1<<20) || r.header.Get("Tus-Version") != "1.0.0" {
		t.Fatalf("OPTIONS: %d %v %v", r.status, r.header, err)
	}
	if r, _ := c.do("HEAD", base+"sha256/ABC", nil, nil); r.status != 400 {
		t.Fatalf("HEAD bad sha: %d", r.status)
	}
	if r, _ := c.do("GET", base+"sha256/"+shaOf(nil), nil, nil); r.status != 405 {
		t.Fatalf("GET sha: %d", r.status)
	}
	r, _, _ = c.create("not-a-sha", 10, "")
	if r.status != 400 || r.errCode() != "bad_request" {
		t.Fatalf("bad sha: %d %s", r.status, r.body)
	}
	if r, _ := c.do("POST", base, map[string]string{"Tus-Resumable": "0.2.2", "Upload-Length": "1", "Upload-Metadata": "sha256 " + b64(shaOf([]byte("x")))}, nil); r.status != 412 || r.errCode() != "unsupported_version" {
		t.Fatalf("old tus: %d %s", r.status, r.body)
	}
}

// The finished upload file becomes the blob: moved, not copied.
func TestFinishMovesTheUploadFile(t *testing.T) {
	e := newEnv(t, 0)
	c := e.client("tok-rina")
	data := randBytes(t, 300<<10)
	_, loc, _ := c.create(shaOf(data), int64(len(data)), "a.jpg")
	if r, _ := c.patch(loc, 0, data[:200<<10]); r.status != 204 {
		t.Fatal(r.status)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	before, err := os.Stat(filepath.Join(e.data, "uploads", id))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := c.patch(loc, 200<<10, data[200<<10:]); r.status != 204 || r.header.Get(HeaderComplete) != "true" {
		t.Fatalf("last PATCH: %d %s", r.status, r.body)
	}
	after, err := os.Stat(e.blobs.Path(shaOf(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Fatal("the blob is not the upload file")
	}
	if p := e.partials(t); len(p) != 0 {
		t.Fatalf("upload left: %v", p)
	}
	e.checkBlob(t, data)
}

// finish moved the file but failed after (the database was down): the
// upload's info is left without its file; HEAD, PATCH and DELETE still
// answer as for a complete upload.
func TestMovedButUnrecorded(t *testing.T) {
	for _, method := range []string{"HEAD", "PATCH", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t, 0)
			c := e.client("tok-rina")
			data := randBytes(t, 30<<10)
			sha := shaOf(data)
			e.rec.failAdd = 1
			_, loc, _ := c.create(sha, int64(len(data)), "")
			if r, _, _ := c.send(loc, data, 0, 1<<20); r.status != 500 {
				t.Fatalf("last PATCH: %d %s", r.status, r.body)
			}
			id := loc[strings.LastIndex(loc, "/")+1:]
			if p := e.partials(t); len(p) != 1 || p[0] != id+".info" || !e.blobs.Has(sha) {
				t.Fatalf("after the failure: %v, blob %v", p, e.blobs.Has(sha))
			}
			if _, r, _ := e.client("tok-budi").head(loc); r.status != 403 {
				t.Fatalf("another user's HEAD: %d", r.status)
			}
			switch method {
			case "HEAD":
				off, r, _ := c.head(loc)
				if r.status != 200 || off != int64(len(data)) || r.header.Get(HeaderComplete) != "true" {
					t.Fatalf("HEAD: %d %d %v", r.status, off, r.header)
				}
			case "PATCH":
				r, _ := c.patch(loc, int64(len(data)), nil)
				if r.status != 204 || r.header.Get(HeaderComplete) != "true" {
					t.Fatalf("PATCH: %d %s", r.status, r.body)
				}
			case "DELETE":
				if r, _ := c.do("DELETE", loc, nil, nil); r.status != 204 {
					t.Fatalf("DELETE: %d %s", r.status, r.body)
				}
				if p := e.partials(t); len(p) != 0 {
					t.Fatalf("left: %v", p)
				}
				// The photo stays; asking for it records it.
				if r, _, _ := c.create(sha, int64(len(data)), ""); r.status != 200 {
					t.Fatalf("create after DELETE: %d", r.status)
				}
				e.checkBlob(t, data)
				return
			}
			e.checkBlob(t, data)
			if p := e.partials(t); len(p) != 0 {
				t.Fatalf("left: %v", p)
			}
		})
	}
}
