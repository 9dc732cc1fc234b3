package wordpress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/store"
	"github.com/warta-news/warta/internal/wptest"
)

// site is the one WordPress all the package's tests share (stand-up costs
// seconds); tests stay independent by using distinct articles and photos.
var site *wptest.Site

// testMuPlugin lets a test switch WordPress features off for its own
// requests only, by a header, as the plugins that do it for real would.
const testMuPlugin = `<?php
// Warta's app/wordpress tests: per-request switches.
function warta_test_switch( $name ) {
	return isset( $_SERVER['HTTP_X_WARTA_TEST'] ) && in_array( $name, explode( ',', $_SERVER['HTTP_X_WARTA_TEST'] ), true );
}
// What "Disable REST API"-style plugins do.
add_filter( 'rest_authentication_errors', function ( $result ) {
	if ( warta_test_switch( 'rest-off' ) ) {
		return new WP_Error( 'rest_disabled', 'The REST API is disabled on this site.', array( 'status' => 403 ) );
	}
	return $result;
}, 99 );
// What a plugin turning application passwords off does.
add_filter( 'wp_is_application_passwords_available', function ( $available ) {
	return warta_test_switch( 'no-app-passwords' ) ? false : $available;
} );
`

func TestMain(m *testing.M) {
	s, stop, err := wptest.StartMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	site = s
	if err := os.WriteFile(filepath.Join(s.Dir, "wp-content", "mu-plugins", "warta-test.php"), []byte(testMuPlugin), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// client returns a client of the test site as a user ("admin" or a role).
func client(t testing.TB, who string) *Client {
	t.Helper()
	u := site.Admin
	if who != "admin" {
		u = site.Users[who]
	}
	c, err := New(site.URL, u.Name, u.AppPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// desk is the desktop side: a real store, article and photo libraries.
type desk struct {
	t    testing.TB
	dir  string
	st   *store.Store
	arts *articles.Library
	pics *photos.Library
}

func newDesk(t testing.TB) *desk {
	t.Helper()
	dir := t.TempDir()
	d := &desk{t: t, dir: dir}
	d.open()
	return d
}

func (d *desk) open() {
	t := d.t
	t.Helper()
	st, err := store.Open(filepath.Join(d.dir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	arts, err := articles.New(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	pics, err := photos.New(st, filepath.Join(d.dir, "photos"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.st, d.arts, d.pics = st, arts, pics
}

// reopen closes the store and opens it again: an app restart.
func (d *desk) reopen() {
	d.t.Helper()
	if err := d.st.Close(); err != nil {
		d.t.Fatal(err)
	}
	d.open()
}

func fastOpts(o *Options) {
	o.BaseDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
}

func (d *desk) publisher(mod ...func(*Options)) *Publisher {
	o := Options{}
	fastOpts(&o)
	for _, m := range mod {
		m(&o)
	}
	return NewPublisher(d.st, d.arts, d.pics, o)
}

// photo imports a generated JPEG and sets its captions.
func (d *desk) photo(name string, seed uint64, f map[string]string, creator ...string) photos.Photo {
	d.t.Helper()
	path := filepath.Join(d.t.TempDir(), name)
	writeJPEG(d.t, path, seed)
	res, err := d.pics.Import(context.Background(), []string{path}, photos.ImportOptions{PureGo: true}, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Photo == nil {
		d.t.Fatalf("import %s: %+v", name, res.Files)
	}
	id := res.Files[0].Photo.ID
	var ch []photos.Change
	for k, v := range f {
		ch = append(ch, photos.Change{Field: k, Text: v})
	}
	if len(creator) > 0 {
		ch = append(ch, photos.Change{Field: "creator", Values: creator})
	}
	ps, err := d.pics.Apply([]string{id}, ch)
	if err != nil {
		d.t.Fatal(err)
	}
	return ps[0]
}

// writeJPEG writes a small distinct JPEG.
func writeJPEG(t testing.TB, path string, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	w, h := 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x + int(seed)), uint8(y * 2), uint8(r.IntN(256)), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// figure is one figure of a test article.
type figure struct{ photoID, alt, caption string }

// article creates a local article: a paragraph, the figures, a closing
// paragraph.
func (d *desk) article(headline, sub string, figs []figure, category string, tags ...string) articles.Article {
	d.t.Helper()
	content := []any{map[string]any{"type": "paragraph", "content": []any{
		map[string]any{"type": "text", "text": "Gubernur meresmikan jembatan "},
		map[string]any{"type": "text", "text": "baru", "marks": []any{map[string]any{"type": "bold"}}},
		map[string]any{"type": "text", "text": " di kota & sekitarnya."},
	}}}
	for _, f := range figs {
		content = append(content, map[string]any{"type": "figure", "attrs": map[string]any{"src": "warta-photo:" + f.photoID, "alt": f.alt, "linked": true},
			"content": []any{map[string]any{"type": "text", "text": f.caption}}})
	}
	content = append(content, map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": "Acara berlangsung lancar."}}})
	body, _ := json.Marshal(map[string]any{"type": "doc", "content": content})
	a, err := d.arts.Create(articles.Article{
		Headline: headline, Subheadline: sub, Body: body,
		Dateline:  articles.Dateline{Place: "Jakarta", Agency: "Humas"},
		Reporters: []string{"Siti Rahma", "Budi"}, Editor: "Andi", Category: category, Tags: tags,
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return a
}

// run runs the publisher until its queue is empty.
func run(t testing.TB, p *Publisher, clientFor func(string) (*Client, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.Run(ctx, clientFor, nil); err != nil {
		t.Fatal(err)
	}
}

func clients(c *Client) func(string) (*Client, error) {
	return func(string) (*Client, error) { return c, nil }
}

func job(t testing.TB, p *Publisher, account, articleID string) Job {
	t.Helper()
	j, err := p.Item(JobID(account, articleID))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func wantState(t testing.TB, j Job, s State) {
	t.Helper()
	if j.State != s {
		t.Fatalf("job %s is %s (%s: %s), want %s", j.ID, j.State, j.ErrorCode, j.Error, s)
	}
}

// count counts rows of wp_posts of a type whose slug starts with prefix
// (a duplicate would be "<slug>-2").
func count(t testing.TB, postType, slugPrefix string) int {
	t.Helper()
	return counts(t, postType, slugPrefix)[0]
}

// counts is count for several prefixes in one PHP run (each costs ~0.4 s).
func counts(t testing.TB, postType string, slugPrefixes ...string) []int {
	t.Helper()
	list, _ := json.Marshal(slugPrefixes)
	out := site.PHP(t, fmt.Sprintf(`global $wpdb; $n = array();
foreach ( json_decode( %q ) as $p ) {
	$n[] = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM $wpdb->posts WHERE post_type = %%s AND post_name LIKE %%s", %q, $wpdb->esc_like( $p ) . '%%' ) );
}
echo json_encode( $n );`, list, postType))
	var n []int
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &n); err != nil || len(n) != len(slugPrefixes) {
		t.Fatalf("counts: %q", out)
	}
	return n
}

// mediaCounts counts the attachments of each photo.
func mediaCounts(t testing.TB, phs ...photos.Photo) map[string]int {
	t.Helper()
	var slugs []string
	for _, ph := range phs {
		slugs = append(slugs, mediaSlug(ph.ID))
	}
	m := map[string]int{}
	for i, n := range counts(t, "attachment", slugs...) {
		m[phs[i].Name] = n
	}
	return m
}

// wantOneEach checks every photo is exactly one attachment.
func wantOneEach(t testing.TB, phs ...photos.Photo) {
	t.Helper()
	for name, n := range mediaCounts(t, phs...) {
		if n != 1 {
			t.Errorf("photo %s is %d attachments, want 1", name, n)
		}
	}
}

// rest reads a REST route as the admin.
func rest(t testing.TB, method, route string, q string, body any, v any) int {
	t.Helper()
	u := site.URL + "/?rest_route=" + route
	if q != "" {
		u += "&" + q
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.SetBasicAuth(site.Admin.Name, site.Admin.AppPassword)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, route, err, b)
		}
	}
	return res.StatusCode
}

// headerTransport adds a header to every request (the mu-plugin's switches).
type headerTransport struct {
	h  http.Header
	rt http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.h {
		r.Header[k] = v
	}
	return h.rt.RoundTrip(r)
}

// proxy is a loopback HTTP proxy in front of the test site that can lose
// answers: a request matched by drop is forwarded, WordPress handles it
// and answers, and the proxy then cuts the connection instead of passing
// the answer on. after, if set, runs at that moment.
type proxy struct {
	srv   *httptest.Server
	mu    sync.Mutex
	drops []dropRule
	seen  atomic.Int64
}

type dropRule struct {
	method, route string // route prefix, e.g. "/wp/v2/media"
	times         int    // answers still to lose
	after         func()
}

func newProxy(t testing.TB) *proxy {
	t.Helper()
	p := &proxy{}
	target := strings.TrimPrefix(site.URL, "http://")
	tr := &http.Transport{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.seen.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host, out.Host = "http", target, target
		res, err := tr.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if rule := p.match(r); rule != nil {
			if rule.after != nil {
				rule.after()
			}
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
				return
			}
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// lose makes the proxy lose the next n answers to method on route (an
// exact rest_route, e.g. "/wp/v2/posts").
func (p *proxy) lose(method, route string, n int, after func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drops = append(p.drops, dropRule{method: method, route: route, times: n, after: after})
}

func (p *proxy) match(r *http.Request) *dropRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.drops {
		d := &p.drops[i]
		if d.times > 0 && r.Method == d.method && r.URL.Query().Get("rest_route") == d.route {
			d.times--
			return d
		}
	}
	return nil
}

func (p *proxy) client(t testing.TB, who string) *Client {
	t.Helper()
	u := site.Admin
	if who != "admin" {
		u = site.Users[who]
	}
	c, err := New(p.srv.URL, u.Name, u.AppPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// closedPort returns an address where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// download fetches a URL's body.
func download(t testing.TB, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, res.Status)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
