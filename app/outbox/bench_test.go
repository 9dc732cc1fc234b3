package outbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	sstore "github.com/warta-news/warta/server/store"
)

// BenchmarkUploadLoopback measures photo uploads over loopback against a
// raw HTTP PUT of the same bytes, side by side: every iteration sends one
// batch of n photos of about 1 MB by raw PUT and then the same amount by
// Warta's path, each timed on its own, so that both see the same machine
// (the disk's fsync latency here drifts by 2× within a minute). The raw
// reference is the simplest durable upload: one PUT after another, the
// handler writes the file and fsyncs it. Metrics: MB/s (ours), raw-MB/s,
// vs-raw (ours ÷ raw; the goal is ≥ 0.8), and vs-raw3 against three raw
// PUTs at a time, the parallelism the outbox uses.
//
// Two paths: "outbox" is the photo protocol alone, one photo after
// another (tus POST carrying the first chunk, PATCH for the rest, hashing
// on both sides, the blob store's fsyncs, the database); "outbox-run" is
// the batch as the app runs it: an article with n photos (new captions
// every round, so new bytes) from Enqueue to the end of Run: reading the
// rendition, embedding the captions, hashing, three photos at a time, the
// items in the store, progress, and the article's push. Both clients use
// creation-with-upload (Client.CreationWithUpload).
func BenchmarkUploadLoopback(b *testing.B) {
	const n, size = 20, 1 << 20
	files := make([][]byte, n)
	for i := range files {
		files[i] = make([]byte, size)
		rand.Read(files[i])
	}
	raw := startRawPut(b)

	b.Run("outbox", func(b *testing.B) {
		s := startServer(b, nil)
		s.user("rina", sstore.RoleReporter)
		c := NewClient(s.url(), "")
		c.CreationWithUpload = true
		if _, err := c.Login(b.Context(), "rina", "password-rina", "bench"); err != nil {
			b.Fatal(err)
		}
		var r sideBySide
		settle()
		b.ResetTimer()
		for i := range b.N {
			r.round(i, raw, files, func() {
				for j, data := range files {
					data[0], data[1] = byte(i), byte(i>>8) // new bytes every round
					sum := sha256.Sum256(data)
					u := &Upload{SHA256: hex.EncodeToString(sum[:]), Filename: fmt.Sprintf("%d.jpg", j), Data: data}
					if err := c.UploadPhoto(b.Context(), u, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		r.report(b, n*size, n*size)
	})

	b.Run("outbox-run", func(b *testing.B) {
		s := startServer(b, nil)
		s.user("rina", sstore.RoleReporter)
		d := newDesk(b, s.url())
		d.login("rina")
		d.client.CreationWithUpload = true
		jpg, jsize := benchJPEG(b, size)
		pics := &benchPics{file: jpg, size: jsize}
		var list []string
		for range n {
			id := ids.New(time.Now())
			pics.ids = append(pics.ids, id)
			list = append(list, id)
		}
		ob := New(d.st, d.client, d.arts, pics, Options{})
		var r sideBySide
		settle()
		b.ResetTimer()
		for i := range b.N {
			pics.round.Store(int64(i))
			b.StopTimer()
			a := d.newArticle(fmt.Sprintf("Bench %d", i), list...)
			settle() // the article's save (revision, search index) is not measured
			b.StartTimer()
			r.round(i, raw, files, func() {
				if err := ob.Enqueue([]string{a.ID}); err != nil {
					b.Fatal(err)
				}
				if err := ob.Run(b.Context(), func(Progress) {}); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.StopTimer()
		wantAll(b, ob, StateDone)
		r.report(b, n*jsize, n*size)
	})
}

// rawPut is the reference: an HTTP server that writes each PUT's body to a
// file and fsyncs it.
type rawPut struct {
	url  string
	seq  atomic.Int64
	fail func(args ...any)
}

func startRawPut(b *testing.B) *rawPut {
	dir := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Create(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err == nil {
			_, err = io.Copy(f, r.Body)
			if err == nil {
				err = f.Sync()
			}
			f.Close()
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	return &rawPut{url: "http://" + ln.Addr().String(), fail: b.Fatal}
}

// put sends files, par at a time.
func (p *rawPut) put(files [][]byte, par int) {
	var wg sync.WaitGroup
	next := make(chan []byte)
	for range par {
		wg.Go(func() {
			for data := range next {
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/%d", p.url, p.seq.Add(1)), bytes.NewReader(data))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					p.fail(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					p.fail(res.Status)
					return
				}
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
}

// sideBySide adds up the time of the raw rounds and of ours.
type sideBySide struct{ raw1, raw3, our time.Duration }

// round runs one iteration: the raw rounds and ours, in turns first and
// last, so that neither always meets the disk as the other left it (the
// flushes and writeback one side starts slow down the next side's
// fsyncs).
func (s *sideBySide) round(i int, p *rawPut, files [][]byte, ours func()) {
	if i%2 == 1 {
		s.ours(ours)
	}
	s.raw(p, files, 1)
	s.raw(p, files, 3)
	if i%2 == 0 {
		s.ours(ours)
	}
}

func (s *sideBySide) raw(p *rawPut, files [][]byte, par int) {
	t := time.Now()
	p.put(files, par)
	if par == 1 {
		s.raw1 += time.Since(t)
	} else {
		s.raw3 += time.Since(t)
	}
}

func (s *sideBySide) ours(f func()) {
	t := time.Now()
	f()
	s.our += time.Since(t)
}

// report: ourBytes and rawBytes were sent per round.
func (s *sideBySide) report(b *testing.B, ourBytes, rawBytes int) {
	b.StopTimer()
	mbs := func(bytes int, d time.Duration) float64 {
		return float64(bytes) * float64(b.N) / max(d, time.Nanosecond).Seconds() / 1e6
	}
	ours, raw1, raw3 := mbs(ourBytes, s.our), mbs(rawBytes, s.raw1), mbs(rawBytes, s.raw3)
	b.ReportMetric(ours, "MB/s")
	b.ReportMetric(raw1, "raw-MB/s")
	b.ReportMetric(ours/raw1, "vs-raw")
	b.ReportMetric(ours/raw3, "vs-raw3")
}

// benchPics is a photo library whose photos are all one JPEG file with
// captions that change every round.
type benchPics struct {
	file  string
	size  int
	ids   []string
	round atomic.Int64
}

func (p *benchPics) Get(id string) (photos.Photo, error) {
	return photos.Photo{ID: id, Name: id + ".jpg", Format: "jpeg", Bytes: int64(p.size),
		Fields: jpegmeta.Fields{Caption: fmt.Sprintf("Foto %s, putaran %d", id, p.round.Load())}}, nil
}

func (p *benchPics) File(id, kind string) (string, error) { return p.file, nil }

// benchJPEG writes a noise JPEG of about size bytes and returns its path
// and size.
func benchJPEG(b testing.TB, size int) (string, int) {
	w := int(math.Sqrt(float64(size)))
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	rand.Read(img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "bench.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return p, buf.Len()
}

// Tests of the client's creation-with-upload (Client.CreationWithUpload)
// against the real server, kept beside the benchmark that measures it.

// photoTraffic counts, per photo (its SHA-256), the upload requests the
// server got and the body bytes it read, POST and PATCH alike.
type photoTraffic struct {
	mu      sync.Mutex
	bytes   map[string]*atomic.Int64
	reqs    map[string]int // "POST", "PATCH", "HEAD"
	dropped atomic.Int64
}

// wrap counts; drop (may be nil) decides whether a POST's answer is lost
// (the connection is closed instead) and cut after how many body bytes a
// POST's connection is cut (0: not cut).
func (p *photoTraffic) wrap(drop func(hdr http.Header) bool, cut func() int64) func(http.Handler) http.Handler {
	p.bytes, p.reqs = map[string]*atomic.Int64{}, map[string]int{}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/photos")
			if !ok {
				h.ServeHTTP(w, r)
				return
			}
			sha := strings.TrimPrefix(rest, "/")
			if r.Method == "POST" {
				for _, kv := range strings.Split(r.Header.Get("Upload-Metadata"), ",") {
					if v, ok := strings.CutPrefix(kv, "sha256 "); ok {
						b, _ := base64.StdEncoding.DecodeString(v)
						sha = string(b)
					}
				}
			}
			sha = sha[:min(64, len(sha))]
			p.mu.Lock()
			p.reqs[r.Method]++
			n := p.bytes[sha]
			if n == nil {
				n = new(atomic.Int64)
				p.bytes[sha] = n
			}
			p.mu.Unlock()
			r.Body = &countBody{ReadCloser: r.Body, n: n}
			if r.Method != "POST" {
				h.ServeHTTP(w, r)
				return
			}
			if cut != nil {
				if k := cut(); k > 0 {
					io.CopyN(io.Discard, r.Body, k)
					if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
						c.Close()
						return
					}
				}
			}
			rec := &recorder{h: http.Header{}, code: 200}
			h.ServeHTTP(rec, r)
			if drop != nil && drop(rec.h) {
				if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
					p.dropped.Add(1)
					c.Close()
					return
				}
			}
			for k, v := range rec.h {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.code)
			w.Write([]byte(rec.body.String()))
		})
	}
}

func (p *photoTraffic) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reqs[method]
}

func (p *photoTraffic) read(sha string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.bytes[sha]; n != nil {
		return n.Load()
	}
	return 0
}

func newUpload(t testing.TB, size int) *Upload {
	data := make([]byte, size)
	rand.Read(data)
	sum := sha256.Sum256(data)
	return &Upload{SHA256: hex.EncodeToString(sum[:]), Filename: "x.jpg", Data: data}
}

func TestCreationWithUpload(t *testing.T) {
	t.Parallel()
	var tr photoTraffic
	s := startServer(t, tr.wrap(nil, nil))
	s.user("rina", sstore.RoleReporter)
	c := NewClient(s.url(), "")
	c.CreationWithUpload, c.ChunkSize = true, 64<<10
	if _, err := c.Login(t.Context(), "rina", "password-rina", "test"); err != nil {
		t.Fatal(err)
	}
	// A photo of one chunk: one request.
	u := newUpload(t, 40<<10)
	if err := c.UploadPhoto(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	if tr.count("POST") != 1 || tr.count("PATCH") != 0 || tr.count("HEAD") != 0 || !s.blobs.Has(u.SHA256) || u.Offset != 40<<10 {
		t.Fatalf("requests %v, blob %v, offset %d", tr.reqs, s.blobs.Has(u.SHA256), u.Offset)
	}
	// Four chunks: a POST and three PATCHes.
	u = newUpload(t, 200<<10)
	sent := c.BytesSent()
	if err := c.UploadPhoto(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	if tr.count("POST") != 2 || tr.count("PATCH") != 3 || tr.count("HEAD") != 0 || !s.blobs.Has(u.SHA256) {
		t.Fatalf("requests %v, blob %v", tr.reqs, s.blobs.Has(u.SHA256))
	}
	if n := c.BytesSent() - sent; n != 200<<10 || tr.read(u.SHA256) != 200<<10 {
		t.Fatalf("sent %d, the server read %d, for %d", n, tr.read(u.SHA256), 200<<10)
	}
	// Without the option: a POST, then PATCHes.
	c.CreationWithUpload = false
	u = newUpload(t, 40<<10)
	if err := c.UploadPhoto(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	if tr.count("POST") != 3 || tr.count("PATCH") != 4 || !s.blobs.Has(u.SHA256) {
		t.Fatalf("requests %v, blob %v", tr.reqs, s.blobs.Has(u.SHA256))
	}
}

// The answer of a POST that stored the whole photo is lost: the retry
// (a new attempt, no location known) hears "complete" without sending the
// photo to the upload again.
func TestCreationWithUploadLostAnswer(t *testing.T) {
	t.Parallel()
	var tr photoTraffic
	var once atomic.Bool
	s := startServer(t, tr.wrap(func(hdr http.Header) bool {
		return hdr.Get("Photo-Complete") == "true" && once.CompareAndSwap(false, true)
	}, nil))
	s.user("rina", sstore.RoleReporter)
	c := NewClient(s.url(), "")
	c.CreationWithUpload = true
	if _, err := c.Login(t.Context(), "rina", "password-rina", "test"); err != nil {
		t.Fatal(err)
	}
	u := newUpload(t, 300<<10)
	err := c.UploadPhoto(t.Context(), u, nil)
	if err == nil || !Retryable(err) || tr.dropped.Load() != 1 || u.Location != "" {
		t.Fatalf("first attempt: %v (dropped %d, location %q)", err, tr.dropped.Load(), u.Location)
	}
	u = &Upload{SHA256: u.SHA256, Filename: u.Filename, Data: u.Data}
	if err := c.UploadPhoto(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	if n := s.blobCount(); n != 1 || tr.count("POST") != 2 || tr.count("PATCH") != 0 {
		t.Fatalf("%d blobs, requests %v", n, tr.reqs)
	}
}

// The connection is cut during a POST that carries the first chunk: the
// next attempt (no location known) POSTs the chunk again, the server
// appends what the upload lacks of it, and the rest follows by PATCH; the
// server reads less than one chunk more than the photo.
func TestCreationWithUploadCut(t *testing.T) {
	t.Parallel()
	var tr photoTraffic
	var cuts atomic.Int64
	const size, chunk, cutAt = 700 << 10, 256 << 10, 100 << 10
	s := startServer(t, tr.wrap(nil, func() int64 {
		if cuts.Add(1) == 1 {
			return cutAt
		}
		return 0
	}))
	s.user("rina", sstore.RoleReporter)
	c := NewClient(s.url(), "")
	c.CreationWithUpload, c.ChunkSize = true, chunk
	if _, err := c.Login(t.Context(), "rina", "password-rina", "test"); err != nil {
		t.Fatal(err)
	}
	u := newUpload(t, size)
	if err := c.UploadPhoto(t.Context(), u, nil); err == nil || !Retryable(err) {
		t.Fatalf("first attempt: %v", err)
	}
	u = &Upload{SHA256: u.SHA256, Filename: u.Filename, Data: u.Data}
	if err := c.UploadPhoto(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	if !s.blobs.Has(u.SHA256) {
		t.Fatal("no blob")
	}
	extra := tr.read(u.SHA256) - size
	t.Logf("requests %v; the server read %d bytes more than the photo", tr.reqs, extra)
	if extra < 0 || extra > chunk {
		t.Fatalf("the server read %d bytes for %d", tr.read(u.SHA256), size)
	}
}

// The server is killed and restarted in the middle of a batch sent with
// creation-with-upload: every photo arrives, and the server reads at most
// one chunk more than each photo.
func TestCreationWithUploadServerKilled(t *testing.T) {
	t.Parallel()
	var tr photoTraffic
	var s *server
	var once sync.Once
	killed := make(chan struct{})
	var reqs atomic.Int64
	count := tr.wrap(nil, nil)
	s = startServer(t, func(h http.Handler) http.Handler {
		h = count(h)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (r.Method == "PATCH" || r.Method == "POST") && strings.HasPrefix(r.URL.Path, "/api/v1/photos") && reqs.Add(1) == 12 {
				once.Do(func() {
					go func() { // kill while this request is being read
						time.Sleep(2 * time.Millisecond)
						s.stop()
						time.Sleep(100 * time.Millisecond)
						s.start()
						close(killed)
					}()
				})
			}
			h.ServeHTTP(w, r)
		})
	})
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	d.client.CreationWithUpload, d.client.ChunkSize = true, 16<<10
	ph := d.importPhotos(noiseJPEGs(t, 12, 3)...)
	a := d.newArticle("Server mati", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	select {
	case <-killed:
	default:
		t.Fatal("the server was never killed")
	}
	wantAll(t, ob, StateDone)
	checkPhotos(t, s, d, ob)
	items, _ := ob.Items()
	for _, it := range items {
		if it.Kind != KindPhoto {
			continue
		}
		if extra := tr.read(it.SHA256) - it.BytesTotal; extra < 0 || extra > d.client.ChunkSize {
			t.Errorf("photo %s: server read %d bytes for %d (more than one chunk again)", it.LocalID, tr.read(it.SHA256), it.BytesTotal)
		} else if extra > 0 {
			t.Logf("photo %s: %d bytes sent twice", it.LocalID, extra)
		}
	}
}
