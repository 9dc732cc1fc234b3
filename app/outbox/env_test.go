package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/store"
	"github.com/warta-news/warta/server/api"
	"github.com/warta-news/warta/server/auth"
	"github.com/warta-news/warta/server/blobs"
	sstore "github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/badgerstore"
	"github.com/warta-news/warta/server/upload"
)

var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

// server is a Warta server in-process on a loopback port, over a data
// folder that outlives restarts.
type server struct {
	t     testing.TB
	dir   string
	addr  string
	wrap  func(http.Handler) http.Handler
	st    *badgerstore.Store
	blobs *blobs.Store
	hs    *http.Server
	// In-flight handlers, counted under mu (a WaitGroup cannot take an Add
	// that races with its Wait, which is what a crash in the middle of a
	// request is).
	mu      sync.Mutex
	idle    *sync.Cond
	inflt   int
	closing bool

	patchBytes sync.Map // upload path → *atomic.Int64 of PATCH body bytes received
	patches    atomic.Int64
}

func startServer(t testing.TB, wrap func(http.Handler) http.Handler) *server {
	t.Helper()
	s := &server{t: t, dir: t.TempDir(), addr: "127.0.0.1:0", wrap: wrap}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) url() string { return "http://" + s.addr }

func (s *server) start() {
	t := s.t
	t.Helper()
	st, err := badgerstore.Open(filepath.Join(s.dir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blobs.Open(filepath.Join(s.dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	var srv *api.Server
	ph, err := upload.New(upload.Config{
		Dir: filepath.Join(s.dir, "uploads"), Blobs: bs, Recorder: st, BasePath: "/api/v1/photos/", Log: log,
		Auth: func(r *http.Request) (string, error) {
			u, err := srv.Authenticate(r)
			return u.ID, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv = api.New(api.Config{Store: st, Log: log, Version: "test", HashParams: &cheap, Photos: ph,
		Limiter: auth.NewLimiter()})
	var h http.Handler = srv.Handler()
	if s.wrap != nil {
		h = s.wrap(h)
	}
	inner := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			http.Error(w, "server going down", http.StatusServiceUnavailable)
			return
		}
		s.inflt++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflt--
			s.idle.Broadcast()
			s.mu.Unlock()
		}()
		if r.Method == "PATCH" {
			s.patches.Add(1)
			c, _ := s.patchBytes.LoadOrStore(r.URL.Path, new(atomic.Int64))
			r.Body = &countBody{ReadCloser: r.Body, n: c.(*atomic.Int64)}
		}
		inner.ServeHTTP(w, r)
	})
	var ln net.Listener
	for i := 0; ; i++ {
		ln, err = net.Listen("tcp", s.addr)
		if err == nil || i > 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.st, s.blobs = st, bs
	s.mu.Lock()
	if s.idle == nil {
		s.idle = sync.NewCond(&s.mu)
	}
	s.closing = false
	s.mu.Unlock()
	s.hs = &http.Server{Handler: h}
	go s.hs.Serve(ln)
}

// stop is a crash: connections are cut, in-flight handlers end, the
// database closes.
func (s *server) stop() {
	if s.hs == nil {
		return
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.hs.Close()
	s.mu.Lock()
	for s.inflt > 0 {
		s.idle.Wait()
	}
	s.mu.Unlock()
	s.st.Close()
	s.hs = nil
}

type countBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *server) user(name, role string) {
	s.t.Helper()
	h, err := auth.HashPasswordWith(cheap, "password-"+name)
	if err != nil {
		s.t.Fatal(err)
	}
	u := sstore.User{ID: ids.New(time.Now()), Name: name, Display: name, Role: role, Newsroom: "humas", Hash: h, Created: time.Now()}
	if err := s.st.CreateUser(context.Background(), u); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) article(id string) sstore.Article {
	s.t.Helper()
	a, err := s.st.GetArticle(context.Background(), id)
	if err != nil {
		s.t.Fatalf("server article %s: %v", id, err)
	}
	return a
}

// blobCount counts the blob files.
func (s *server) blobCount() int {
	n := 0
	filepath.WalkDir(s.blobs.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(d.Name()) == 64 {
			n++
		}
		return nil
	})
	return n
}

// desk is the desktop app's side: its store, libraries and a client.
type desk struct {
	t      testing.TB
	st     *store.Store
	arts   *articles.Library
	pics   *photos.Library
	client *Client
}

func newDesk(t testing.TB, url string) *desk {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	arts, err := articles.New(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	pics, err := photos.New(st, filepath.Join(dir, "photos"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, st: st, arts: arts, pics: pics, client: NewClient(url, "")}
}

func (d *desk) login(name string) {
	d.t.Helper()
	if _, err := d.client.Login(context.Background(), name, "password-"+name, "test"); err != nil {
		d.t.Fatal(err)
	}
}

// fast scales every backoff down a hundredfold.
func fast(o *Options) {
	o.Sleep = func(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, d/100) }
}

func (d *desk) outbox(mod ...func(*Options)) *Outbox {
	o := Options{}
	for _, m := range mod {
		m(&o)
	}
	return New(d.st, d.client, d.arts, d.pics, o)
}

// importPhotos imports files and returns the photo ids.
func (d *desk) importPhotos(paths ...string) []string {
	d.t.Helper()
	res, err := d.pics.Import(context.Background(), paths, photos.ImportOptions{PureGo: true}, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for _, f := range res.Files {
		if f.Photo == nil {
			d.t.Fatalf("import %s: %s %s", f.Path, f.Code, f.Error)
		}
		out = append(out, f.Photo.ID)
	}
	return out
}

func fixture(name string) string { return filepath.Join("..", "photos", "jpegmeta", "testdata", name) }

// noiseJPEGs writes n distinct JPEGs of roughly 50–200 KB.
func noiseJPEGs(t testing.TB, n int, seed uint64) []string {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(seed, 7))
	var out []string
	for i := range n {
		w := 220 + r.IntN(200)
		img := image.NewRGBA(image.Rect(0, 0, w, w*3/4))
		for y := range img.Rect.Dy() {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(y + i), 255})
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("noise-%03d.jpg", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 92}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out = append(out, p)
	}
	return out
}

// newArticle creates a local article with a figure per photo.
func (d *desk) newArticle(headline string, photoIDs ...string) articles.Article {
	d.t.Helper()
	content := []any{map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": "Teks berita " + headline}}}}
	for _, p := range photoIDs {
		content = append(content, map[string]any{"type": "figure", "attrs": map[string]any{"src": "warta-photo:" + p, "alt": "foto"},
			"content": []any{map[string]any{"type": "text", "text": "Keterangan"}}})
	}
	body, _ := json.Marshal(map[string]any{"type": "doc", "content": content})
	a, err := d.arts.Create(articles.Article{Headline: headline, Body: body})
	if err != nil {
		d.t.Fatal(err)
	}
	return a
}

func (d *desk) edit(id, headline string) {
	d.t.Helper()
	a, err := d.arts.Get(id)
	if err != nil {
		d.t.Fatal(err)
	}
	a.Headline = headline
	if _, err := d.arts.Save(a, false); err != nil {
		d.t.Fatal(err)
	}
}

func run(t testing.TB, ob *Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ob.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// wantAll checks every item is in state s.
func wantAll(t testing.TB, ob *Outbox, s State) []Item {
	t.Helper()
	items, err := ob.Items()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.State != s {
			t.Errorf("item %s is %s (%s), want %s", it.ID, it.State, it.LastError, s)
		}
	}
	return items
}

// dropResponse answers requests matched by drop (after the server handled
// them) by cutting the connection instead: the answer is lost after the
// commit.
func dropResponse(h http.Handler, drop func(r *http.Request, status int, hdr http.Header) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "PATCH" && r.Method != "PUT" && r.Method != "POST" {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{h: http.Header{}, code: 200}
		h.ServeHTTP(rec, r)
		if drop(r, rec.code, rec.h) {
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
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

type recorder struct {
	h     http.Header
	code  int
	wrote bool
	body  strings.Builder
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(c int) {
	if !r.wrote {
		r.code, r.wrote = c, true
	}
}
func (r *recorder) Write(b []byte) (int, error) { r.WriteHeader(200); return r.body.Write(b) }
