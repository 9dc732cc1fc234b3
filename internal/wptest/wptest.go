// Package wptest stands up a real WordPress site on 127.0.0.1 for tests:
// Debian's WordPress served by PHP's built-in server, backed by a private
// MariaDB server, with one user per role and an application password for
// each. The work is done by scripts/wptest.sh (the frontend's tests use it
// too); this package runs it and reads the site.json it writes.
//
// It needs root and the Debian packages scripts/setup.sh installs. A missing
// package fails the test rather than skipping it: CI installs them, and a
// skipped test would hide a broken set-up.
package wptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// User is a WordPress login with an application password (for Basic auth
// against the REST API).
type User struct{ Name, AppPassword string }

// Site is a running test site.
type Site struct {
	URL           string          // "http://127.0.0.1:PORT"
	Admin         User            // administrator with an application password
	AdminPassword string          // the admin's login password (not an app password)
	Users         map[string]User // "editor", "author", "contributor", "subscriber"
	Dir           string          // everything of the site: database, uploads, logs/
}

// Start stands up a site for the test (t.Cleanup stops it). It fails the
// test with a clear message if the packages are missing (no skip: CI
// installs them).
func Start(t testing.TB) *Site {
	t.Helper()
	s, stop, err := startSite()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// StartMain is for TestMain: returns the site and a stop func (for one site
// shared by a package's tests). The stop func removes the site's directory;
// it reports a failure to stop on stderr (TestMain has no t to fail).
func StartMain() (*Site, func(), error) {
	s, stop, err := startSite()
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}, nil
}

// startSite starts a site in a new temporary directory; stop stops it and
// removes the directory.
func startSite() (*Site, func() error, error) {
	// Not t.TempDir(): its path grows with the test's name, and MariaDB's
	// unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "wptest")
	if err != nil {
		return nil, nil, err
	}
	s, err := start(dir, os.Getpid())
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	stop := func() error {
		if err := s.stop(); err != nil {
			return err
		}
		return os.RemoveAll(dir)
	}
	return s, stop, nil
}

// PHP runs a PHP snippet inside the site (wp-load.php already loaded, and
// wp-admin's includes) and returns its stdout; for test set-up and checks
// that the REST API cannot do (e.g. wp_update_post without touching
// modified, reading postmeta, counting rows). A PHP error fails the test;
// warnings on stderr are logged.
func (s *Site) PHP(t testing.TB, code string) string {
	t.Helper()
	cmd := exec.Command("bash", script(), "php", s.Dir)
	cmd.Stdin = strings.NewReader(code)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("wptest: PHP failed (%v):\n%s\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	if stderr.Len() > 0 {
		t.Logf("wptest: PHP stderr:\n%s", stderr.Bytes())
	}
	return stdout.String()
}

// script is the repository's scripts/wptest.sh, found from this source
// file so that any package's test can use it whatever its working directory.
func script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "wptest.sh")
}

// siteJSON is what scripts/wptest.sh writes to DIR/site.json.
type siteJSON struct {
	URL              string `json:"url"`
	Admin            string `json:"admin"`
	AdminPassword    string `json:"adminPassword"`
	AdminAppPassword string `json:"adminAppPassword"`
	Users            map[string]struct {
		Name        string `json:"name"`
		AppPassword string `json:"appPassword"`
	} `json:"users"`
}

// start runs scripts/wptest.sh start. The site stops itself once process
// owner is gone: a test binary killed by its timeout leaves no servers.
func start(dir string, owner int) (*Site, error) {
	cmd := exec.Command("bash", script(), "start", dir)
	cmd.Env = append(os.Environ(), "WPTEST_OWNER_PID="+strconv.Itoa(owner))
	// The script's failure messages (with its log tails) go to stderr.
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wptest: scripts/wptest.sh start failed (%v):\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "site.json"))
	if err != nil {
		return nil, err
	}
	var j siteJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("wptest: site.json: %v", err)
	}
	s := &Site{
		URL:           j.URL,
		Admin:         User{Name: j.Admin, AppPassword: j.AdminAppPassword},
		AdminPassword: j.AdminPassword,
		Users:         map[string]User{},
		Dir:           dir,
	}
	for role, u := range j.Users {
		s.Users[role] = User{Name: u.Name, AppPassword: u.AppPassword}
	}
	return s, nil
}

func (s *Site) stop() error {
	if out, err := exec.Command("bash", script(), "stop", s.Dir).CombinedOutput(); err != nil {
		return fmt.Errorf("wptest: scripts/wptest.sh stop failed (%v):\n%s", err, out)
	}
	return nil
}
