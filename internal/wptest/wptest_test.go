package wptest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// get sends a request with Basic auth (when user is set) and decodes a JSON
// answer into v (when v is set). It returns the status code.
func get(t *testing.T, method, url string, user User, body io.Reader, header http.Header, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if user.Name != "" {
		req.SetBasicAuth(user.Name, user.AppPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %.300q", method, url, err, b)
		}
	}
	return resp.StatusCode
}

func TestSite(t *testing.T) {
	t.Parallel()
	began := time.Now()
	s := Start(t)
	t.Logf("stand-up took %v (%s)", time.Since(began).Round(time.Millisecond), s.URL)

	// The REST index, at ?rest_route= (no pretty permalinks needed), offers
	// application passwords: they need HTTPS or the 'local' environment.
	var index struct {
		Authentication map[string]any `json:"authentication"`
	}
	if code := get(t, "GET", s.URL+"/?rest_route=/", User{}, nil, nil, &index); code != 200 {
		t.Fatalf("REST index: %d", code)
	}
	if _, ok := index.Authentication["application-passwords"]; !ok {
		t.Fatalf("REST index offers no application passwords: %v", index.Authentication)
	}

	// The site keeps a newsroom's time zone (WIB), so date and date_gmt differ.
	var settings struct {
		Timezone string `json:"timezone"`
	}
	if code := get(t, "GET", s.URL+"/?rest_route=/wp/v2/settings", s.Admin, nil, nil, &settings); code != 200 || settings.Timezone != "Asia/Jakarta" {
		t.Errorf("settings: %d, time zone %q", code, settings.Timezone)
	}

	// Every user's application password works and carries its role.
	type me struct {
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	users := map[string]User{"administrator": s.Admin}
	for role, u := range s.Users {
		users[role] = u
	}
	if len(users) != 5 {
		t.Fatalf("users: %v", users)
	}
	for role, u := range users {
		var m me
		if code := get(t, "GET", s.URL+"/?rest_route=/wp/v2/users/me&context=edit", u, nil, nil, &m); code != 200 {
			t.Fatalf("users/me as %s: %d", u.Name, code)
		}
		if m.Username != u.Name || len(m.Roles) != 1 || m.Roles[0] != role {
			t.Errorf("users/me as %s: %+v, want role %s", u.Name, m, role)
		}
	}
	if code := get(t, "GET", s.URL+"/?rest_route=/wp/v2/users/me&context=edit",
		User{Name: "admin", AppPassword: "wron gpas swor dwro ngpa sswo"}, nil, nil, nil); code != 401 {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code := get(t, "GET", s.URL+"/?rest_route=/wp/v2/users/me&context=edit",
		User{Name: "admin", AppPassword: s.AdminPassword}, nil, nil, nil); code != 401 {
		t.Errorf("login password over REST: %d, want 401 (only application passwords)", code)
	}

	// An uploaded JPEG is served at its source_url, byte for byte.
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	m.Set(0, 0, color.White)
	if err := jpeg.Encode(&img, m, nil); err != nil {
		t.Fatal(err)
	}
	var media struct {
		ID        int    `json:"id"`
		SourceURL string `json:"source_url"`
	}
	code := get(t, "POST", s.URL+"/?rest_route=/wp/v2/media", s.Admin, bytes.NewReader(img.Bytes()), http.Header{
		"Content-Type":        {"image/jpeg"},
		"Content-Disposition": {`attachment; filename="foto uji.jpg"`},
	}, &media)
	if code != 201 {
		t.Fatalf("media upload: %d", code)
	}
	if !strings.HasPrefix(media.SourceURL, s.URL+"/wp-content/uploads/") {
		t.Errorf("source_url %q", media.SourceURL)
	}
	resp, err := http.Get(media.SourceURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, img.Bytes()) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET %s: %d %s, %d bytes (uploaded %d)", media.SourceURL, resp.StatusCode,
			resp.Header.Get("Content-Type"), len(got), img.Len())
	}
	// The file is in the site's own directory.
	if _, err := os.Stat(filepath.Join(s.Dir, "wp-content", strings.TrimPrefix(media.SourceURL, s.URL+"/wp-content/"))); err != nil {
		t.Error(err)
	}

	// PHP reaches the same database.
	if got := s.PHP(t, `echo count_users()['total_users'], ' ', get_post_type(`+strconv.Itoa(media.ID)+`);`); got != "5 attachment" {
		t.Errorf("PHP: %q", got)
	}
}

// Two sites run side by side, each with its own database, and stopping
// them leaves none of their processes.
func TestTwoSitesAndStop(t *testing.T) {
	t.Parallel()
	var (
		sites [2]*Site
		stops [2]func() error
		errs  [2]error
		wg    sync.WaitGroup
	)
	for i := range sites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sites[i], stops[i], errs[i] = startSite()
		}()
	}
	wg.Wait()
	for i := range sites {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		defer stops[i]() // a no-op once stopped below
	}
	a, b := sites[0], sites[1]
	if a.URL == b.URL {
		t.Fatalf("both sites at %s", a.URL)
	}
	me := "/?rest_route=/wp/v2/users/me"
	if code := get(t, "GET", a.URL+me, a.Admin, nil, nil, nil); code != 200 {
		t.Errorf("site a, its own admin: %d", code)
	}
	if code := get(t, "GET", b.URL+me, b.Admin, nil, nil, nil); code != 200 {
		t.Errorf("site b, its own admin: %d", code)
	}
	if code := get(t, "GET", b.URL+me, a.Admin, nil, nil, nil); code != 401 {
		t.Errorf("site b, site a's admin: %d, want 401 (separate databases)", code)
	}

	// Without its pid files (as after a start killed half-way) a site still
	// stops: stop finds its servers by their command lines.
	for _, f := range []string{"php.pid", "mariadbd.pid"} {
		if err := os.Remove(filepath.Join(a.Dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range sites {
		if err := stops[i](); err != nil {
			t.Fatal(err)
		}
		if left := processesOf(t, s.Dir); len(left) > 0 {
			t.Errorf("after stop, processes of %s remain: %v", s.Dir, left)
		}
		if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v", s.Dir, err)
		}
		if _, err := http.Get(s.URL); err == nil {
			t.Errorf("%s still answers", s.URL)
		}
	}
	// Stopping again is harmless (the Node tests may stop twice).
	if err := sites[0].stop(); err != nil {
		t.Error(err)
	}
}

// A site whose test process dies without stopping it stops itself.
func TestOwnerGone(t *testing.T) {
	t.Parallel()
	owner := exec.Command("sleep", "600")
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "wptest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := start(dir, owner.Process.Pid)
	if err != nil {
		owner.Process.Kill()
		t.Fatal(err)
	}
	defer s.stop()
	owner.Process.Kill()
	owner.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for len(processesOf(t, dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("15 s after its owner died, the site still runs: %v", processesOf(t, dir))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processesOf lists the running processes whose command line names a path
// in dir (mariadbd's --datadir, php -S's router.php, the watcher's "dir/").
func processesOf(t *testing.T, dir string) []string {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		if cmd := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})); strings.Contains(cmd, dir+"/") {
			found = append(found, filepath.Base(filepath.Dir(f))+": "+cmd)
		}
	}
	return found
}
