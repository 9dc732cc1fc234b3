package wordpress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNormalizeURL(t *testing.T) {
	for _, c := range []struct{ in, want, code string }{
		{"https://humas.example.go.id/", "https://humas.example.go.id", ""},
		{"  HTTPS://Humas.Example.go.id/berita/  ", "https://humas.example.go.id/berita", ""},
		{"https://humas.example.go.id/wp-admin/post-new.php", "https://humas.example.go.id", ""},
		{"https://humas.example.go.id/blog/wp-login.php?redirect_to=x#y", "https://humas.example.go.id/blog", ""},
		{"https://humas.example.go.id/wp-json/wp/v2/posts", "https://humas.example.go.id", ""},
		{"humas.example.go.id", "", CodeBadURL},
		{"ftp://humas.example.go.id", "", CodeBadURL},
		{"https://", "", CodeBadURL},
		{"", "", CodeBadURL},
		{"https://user:pw@humas.example.go.id", "", CodeBadURL},
	} {
		got, err := NormalizeURL(c.in)
		if CodeOf(err) != c.code || got != c.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q, code %q", c.in, got, err, c.want, c.code)
		}
	}
	_, err := NormalizeURL("humas.example.go.id")
	if !strings.Contains(err.Error(), "https://") {
		t.Errorf("a missing scheme should say https://: %v", err)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	t.Run("admin", func(t *testing.T) {
		info, err := client(t, "admin").Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name == "" || info.UserID == 0 || info.DisplayName == "" || !slices.Contains(info.Roles, "administrator") {
			t.Errorf("info = %+v", info)
		}
		if !info.CanEdit || !info.CanUpload || !info.CanPublish || !info.CanAddCategories {
			t.Errorf("admin rights = %+v", info)
		}
		if info.Home != site.URL {
			t.Errorf("home = %q, want %q", info.Home, site.URL)
		}
	})
	t.Run("author", func(t *testing.T) {
		info, err := client(t, "author").Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !info.CanEdit || !info.CanUpload || !info.CanPublish || info.CanAddCategories || !slices.Contains(info.Roles, "author") {
			t.Errorf("author = %+v", info)
		}
	})
	t.Run("page address", func(t *testing.T) {
		// A page of the site (with a query) still finds the API.
		c, err := New(site.URL+"/berita/2024/halaman/?p=1", site.Admin.Name, site.Admin.AppPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("redirected", func(t *testing.T) {
		// The address typed redirects (as http:// to https:// would): Check
		// follows it and adopts the new address, so writes go straight there.
		moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, site.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
		}))
		defer moved.Close()
		c, _ := New(moved.URL, site.Admin.Name, site.Admin.AppPassword, nil)
		if _, _, err := c.EnsureTerm(ctx, Tags, unique("sebelum")); CodeOf(err) != CodeBadURL || !strings.Contains(err.Error(), site.URL) {
			t.Errorf("a redirected write: %v, want badURL naming the new address", err)
		}
		info, err := c.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.URL() != site.URL || info.Home != site.URL {
			t.Errorf("after Check the client uses %s (home %s), want %s", c.URL(), info.Home, site.URL)
		}
		if _, _, err := c.EnsureTerm(ctx, Tags, unique("sesudah")); err != nil {
			t.Errorf("a write after Check: %v", err)
		}
	})

	fail := func(t *testing.T, c *Client, code string, wpCode string) SiteInfo {
		t.Helper()
		info, err := c.Check(ctx)
		var e *Error
		if !errors.As(err, &e) || e.Code != code || (wpCode != "" && e.WPCode != wpCode) {
			t.Fatalf("Check = %v (%#v), want code %s %s", err, e, code, wpCode)
		}
		t.Logf("%s: %v", code, err)
		return info
	}
	t.Run("wrong password", func(t *testing.T) {
		c, _ := New(site.URL, site.Admin.Name, "abcd efgh ijkl mnop qrst uvwx", nil)
		fail(t, c, CodeWrongPassword, "")
	})
	t.Run("login password instead of an application password", func(t *testing.T) {
		c, _ := New(site.URL, site.Admin.Name, site.AdminPassword, nil)
		fail(t, c, CodeWrongPassword, "")
	})
	t.Run("unknown user", func(t *testing.T) {
		c, _ := New(site.URL, "nobody-here", site.Admin.AppPassword, nil)
		fail(t, c, CodeWrongPassword, "")
	})
	t.Run("subscriber", func(t *testing.T) {
		info := fail(t, client(t, "subscriber"), CodeNoRights, "")
		if info.CanEdit || info.CanUpload || !slices.Contains(info.Roles, "subscriber") {
			t.Errorf("subscriber = %+v", info)
		}
	})
	t.Run("contributor", func(t *testing.T) {
		// Contributors write posts but may not upload photos.
		info := fail(t, client(t, "contributor"), CodeNoRights, "")
		if !info.CanEdit || info.CanUpload {
			t.Errorf("contributor = %+v", info)
		}
	})
	t.Run("not WordPress", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><title>Dinas Kominfo</title><h1>Selamat datang</h1>")
		}))
		defer srv.Close()
		c, _ := New(srv.URL, "admin", "x", nil)
		fail(t, c, CodeNotWordPress, "")
	})
	t.Run("not WordPress, 404", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		c, _ := New(srv.URL, "admin", "x", nil)
		fail(t, c, CodeNotWordPress, "")
	})
	t.Run("nothing listening", func(t *testing.T) {
		c, _ := New("http://"+closedPort(t), "admin", "x", nil)
		fail(t, c, CodeUnreachable, "")
	})
	t.Run("no such host", func(t *testing.T) {
		c, _ := New("https://warta-no-such-host.invalid", "admin", "x", nil)
		fail(t, c, CodeUnreachable, "")
	})
	t.Run("self-signed certificate", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		defer srv.Close()
		c, _ := New(srv.URL, "admin", "x", nil)
		fail(t, c, CodeTLS, "")
	})
	t.Run("https to an http server", func(t *testing.T) {
		c, _ := New(strings.Replace(site.URL, "http://", "https://", 1), site.Admin.Name, site.Admin.AppPassword, nil)
		if _, err := c.Check(ctx); CodeOf(err) != CodeTLS && CodeOf(err) != CodeUnreachable {
			t.Errorf("Check = %v, want tls or unreachable", err)
		}
	})
	t.Run("REST API disabled", func(t *testing.T) {
		hc := &http.Client{Transport: headerTransport{h: http.Header{"X-Warta-Test": {"rest-off"}}, rt: http.DefaultTransport}}
		c, _ := New(site.URL, site.Admin.Name, site.Admin.AppPassword, hc)
		fail(t, c, CodeRESTDisabled, "rest_disabled")
	})
	t.Run("application passwords off, https site", func(t *testing.T) {
		hc := &http.Client{Transport: headerTransport{h: http.Header{"X-Warta-Test": {"no-app-passwords"}}, rt: http.DefaultTransport}}
		c, _ := New(site.URL, site.Admin.Name, site.Admin.AppPassword, hc)
		fail(t, c, CodeNoAppPasswords, "")
	})
	t.Run("https needed", func(t *testing.T) {
		// WordPress offers application passwords over plain http only on
		// a "local" site. The test site is local, so the mu-plugin turns
		// them off as WordPress does on a production http site, and the
		// client is told the site is humas.example.test (resolved, as by
		// /etc/hosts, to the test site).
		real, _ := url.Parse(site.URL)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		hc := &http.Client{Transport: headerTransport{h: http.Header{"X-Warta-Test": {"no-app-passwords"}}, rt: rewriteHost{to: real.Host, rt: tr}}}
		c, _ := New("http://humas.example.test", site.Admin.Name, site.Admin.AppPassword, hc)
		fail(t, c, CodeHTTPSNeeded, "")
	})
}

// rewriteHost sends every request to another host (an /etc/hosts entry).
type rewriteHost struct {
	to string
	rt http.RoundTripper
}

func (r rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Host, req.Host = r.to, r.to
	return r.rt.RoundTrip(req)
}

func TestTerms(t *testing.T) {
	ctx := context.Background()
	admin := client(t, "admin")
	name := fmt.Sprintf("Pemerintahan & Daerah %d", time.Now().UnixNano())
	t1, created, err := admin.EnsureTerm(ctx, Categories, name)
	if err != nil || !created || t1.ID == 0 || t1.Name != name {
		t.Fatalf("create: %+v %v %v", t1, created, err)
	}
	// The same name again: WordPress answers term_exists with the id.
	t2, created, err := admin.EnsureTerm(ctx, Categories, name)
	if err != nil || created || t2.ID != t1.ID {
		t.Fatalf("again: %+v %v %v, want id %d", t2, created, err, t1.ID)
	}
	f, ok, err := admin.FindTerm(ctx, Categories, strings.ToUpper(name))
	if err != nil || !ok || f.ID != t1.ID {
		t.Fatalf("find: %+v %v %v", f, ok, err)
	}

	// An author may create tags but not categories.
	author := client(t, "author")
	if _, _, err := author.EnsureTerm(ctx, Categories, name+" baru"); CodeOf(err) != CodeNoRights {
		t.Errorf("author creating a category: %v, want noRights", err)
	}
	tag, created, err := author.EnsureTerm(ctx, Tags, name)
	if err != nil || !created {
		t.Fatalf("author creating a tag: %+v %v", tag, err)
	}

	// More than one page (100) of tags.
	prefix := fmt.Sprintf("warta-tag-%d-", time.Now().UnixNano())
	site.PHP(t, fmt.Sprintf(`for ( $i = 0; $i < 130; $i++ ) { $r = wp_insert_term( %q . $i, 'post_tag' ); if ( is_wp_error( $r ) ) { echo $r->get_error_message(); exit( 1 ); } }`, prefix))
	tags, err := admin.Terms(ctx, Tags)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tg := range tags {
		if strings.HasPrefix(tg.Name, prefix) {
			n++
		}
	}
	if n != 130 || len(tags) < 131 {
		t.Errorf("listed %d of the 130 tags (%d in all)", n, len(tags))
	}
	cats, err := admin.Terms(ctx, Categories)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(cats, func(c Term) bool { return c.ID == t1.ID && c.Name == name }) {
		t.Errorf("category %q (&amp; decoded) not listed", name)
	}
}

func TestTermCache(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	p := d.publisher()
	admin := client(t, "admin")
	name := unique("Kategori cache")
	if _, _, err := admin.EnsureTerm(ctx, Categories, name); err != nil {
		t.Fatal(err)
	}
	if tc, err := p.Terms("cache"); err != nil || len(tc.Categories) != 0 || !tc.Fetched.IsZero() {
		t.Fatalf("before any fetch: %+v %v", tc, err)
	}
	if _, err := p.RefreshTerms(ctx, "cache", admin); err != nil {
		t.Fatal(err)
	}
	// Offline (a restart, no client): the suggestions are still there.
	d.reopen()
	p = d.publisher()
	tc, err := p.Terms("cache")
	if err != nil || tc.Fetched.IsZero() || !slices.ContainsFunc(tc.Categories, func(c Term) bool { return c.Name == name }) || len(tc.Tags) == 0 {
		t.Fatalf("cached: %d categories %d tags %v", len(tc.Categories), len(tc.Tags), err)
	}
	// The category is deleted on the site: the cached id is not trusted.
	var old int
	for _, c := range tc.Categories {
		if c.Name == name {
			old = c.ID
		}
	}
	site.PHP(t, fmt.Sprintf(`wp_delete_term( %d, 'category' );`, old))
	a := d.article(unique("Kategori terhapus"), "", nil, name)
	if err := p.Enqueue("cache", a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(admin))
	j := job(t, p, "cache", a.ID)
	wantState(t, j, StateDone)
	post := sitePost(t, j.PostID)
	if len(post.Categories) != 1 || post.Categories[0] == old {
		t.Errorf("categories %v (the deleted one was %d)", post.Categories, old)
	} else if tm, err := admin.GetTerm(ctx, Categories, post.Categories[0]); err != nil || tm.Name != name {
		t.Errorf("the post's category is %+v %v, want %q", tm, err, name)
	}
	if err := p.ForgetAccount("cache"); err != nil {
		t.Fatal(err)
	}
	if tc, _ := p.Terms("cache"); len(tc.Categories) != 0 {
		t.Errorf("forgotten account still has %d categories", len(tc.Categories))
	}
}
