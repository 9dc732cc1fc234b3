package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

const account = "server:https://warta.kemensos.go.id/rina"

// fakeKeyring is a small in-memory keyring whose calls can be made to fail
// or to block, for the paths a real keyring takes only when it is locked or
// hung.
type fakeKeyring struct {
	mu     sync.Mutex
	m      map[string]string
	setErr error
	delErr error
	block  chan struct{} // when non-nil, every call waits for it to close
	calls  int
}

func newFake() *fakeKeyring { return &fakeKeyring{m: map[string]string{}} }

func (f *fakeKeyring) wait() {
	f.mu.Lock()
	b := f.block
	f.calls++
	f.mu.Unlock()
	if b != nil {
		<-b
	}
}

func (f *fakeKeyring) Set(service, user, password string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setErr != nil {
		return f.setErr
	}
	f.m[service+"\x00"+user] = password
	return nil
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delErr != nil {
		return f.delErr
	}
	k := service + "\x00" + user
	if _, ok := f.m[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, k)
	return nil
}

func (f *fakeKeyring) set(fn func(f *fakeKeyring)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeKeyring) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var _ Keyring = (*fakeKeyring)(nil)

// The test machine has no desktop session, so no Secret Service can run
// there; go-keyring's own in-memory mock stands in for the keyring in the
// conformance suite. It is installed once, process-wide, and System then
// talks to it. TestRealSecretService runs in a child process so that it
// reaches the real keyring instead.
var mockOnce sync.Once

func mockSystem(t *testing.T) Keyring {
	t.Helper()
	if os.Getenv(realEnv) != "" {
		t.Skip("child process for TestRealSecretService")
	}
	mockOnce.Do(keyring.MockInit)
	return System
}

func fileBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// suite is what every Store must do, whichever backend holds the secrets.
func suite(t *testing.T, s *Store, want Where) {
	t.Helper()
	if _, _, err := s.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	secrets := map[string]string{
		account: "wt_3f9a0c",
		"wordpress:https://kemensos.go.id/humas-rina": "abcd EFGH 1234 ijkl MNOP 5678",
		"server:https://warta.example/Dewi Lestari":   "token dengan spasi dan é ü 日本",
		"a:b/c\\d\"e'f\x7f":                           strings.Repeat("x", MaxSecretLen),
	}
	for acc, sec := range secrets {
		w, err := s.Set(acc, sec)
		if err != nil || w != want {
			t.Fatalf("Set(%q) = %q, %v; want %q", acc, w, err, want)
		}
	}
	for acc, sec := range secrets {
		got, w, err := s.Get(acc)
		if err != nil || got != sec || w != want {
			t.Fatalf("Get(%q) = %q, %q, %v; want %q in %q", acc, got, w, err, sec, want)
		}
	}
	if _, err := s.Set(account, "wt_new"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Get(account); got != "wt_new" {
		t.Fatalf("after overwrite Get = %q", got)
	}
	if err := s.Delete(account); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(account); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := s.Set(account, strings.Repeat("x", MaxSecretLen+1)); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "2049 bytes, at most 2048") {
		t.Fatalf("Set too long: %v", err)
	}
	if _, err := s.Set("", "x"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("Set empty account: %v", err)
	}
	if _, _, err := s.Get(""); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("Get empty account: %v", err)
	}
}

func TestConformance(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		s := NewWithKeyring(nil, t.Name(), t.TempDir(), nil)
		suite(t, s, InFile)
		if s.Backend() != InFile || !strings.Contains(s.FallbackReason(), "turned off") {
			t.Fatalf("Backend %q, reason %q", s.Backend(), s.FallbackReason())
		}
	})
	t.Run("go-keyring mock", func(t *testing.T) {
		dir := t.TempDir()
		s := NewWithKeyring(mockSystem(t), t.Name(), dir, nil)
		suite(t, s, InKeyring)
		if s.Backend() != InKeyring {
			t.Fatalf("Backend = %q", s.Backend())
		}
		if s.FallbackReason() != "" {
			t.Fatalf("FallbackReason = %q while everything is in the keyring", s.FallbackReason())
		}
		if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("keyring store wrote a file: %v", err)
		}
	})
	t.Run("keyring refuses every Set", func(t *testing.T) {
		k := newFake()
		s := NewWithKeyring(k, t.Name(), t.TempDir(), nil)
		k.set(func(f *fakeKeyring) { f.setErr = errors.New("collection is locked") })
		suite(t, s, InFile)
	})
}

func TestFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	s := NewWithKeyring(nil, "Warta", dir, nil)
	if _, err := s.Set(account, "wt_1"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets.json mode %o, want 600", fi.Mode().Perm())
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("created folder mode %o, want 700", di.Mode().Perm())
	}
	// A file someone loosened is tightened again on the next write.
	os.Chmod(s.Path(), 0o644)
	s.Set(account, "wt_2")
	if fi, _ := os.Stat(s.Path()); fi.Mode().Perm() != 0o600 {
		t.Fatalf("after rewrite mode %o", fi.Mode().Perm())
	}
	var d fileData
	if err := json.Unmarshal(fileBytes(t, s), &d); err != nil || d.Version != 1 || d.Secrets[account] != "wt_2" || !strings.Contains(d.Note, "plain text") {
		t.Fatalf("file content %+v, %v", d, err)
	}
}

// The file is replaced by a rename, never rewritten in place: a reader that
// opened the old file (here a hard link to it) still sees it whole.
func TestFileAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	s := NewWithKeyring(nil, "Warta", dir, nil)
	if _, err := s.Set(account, "wt_old"); err != nil {
		t.Fatal(err)
	}
	old := fileBytes(t, s)
	link := filepath.Join(t.TempDir(), "old-link")
	if err := os.Link(s.Path(), link); err != nil {
		t.Skipf("hard links not supported here: %v", err)
	}
	if _, err := s.Set(account, "wt_new"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(link); !bytes.Equal(b, old) {
		t.Fatalf("the old file changed in place:\n%s", b)
	}
	if got, _, _ := s.Get(account); got != "wt_new" {
		t.Fatalf("Get = %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != FileName {
		t.Fatalf("left in %s: %v", dir, ents)
	}
}

func TestConcurrentSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    func(t *testing.T) Keyring
		want Where
	}{
		{"file", func(*testing.T) Keyring { return nil }, InFile},
		{"go-keyring mock", mockSystem, InKeyring},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := NewWithKeyring(tc.k(t), t.Name(), dir, nil)
			const n = 32
			var wg sync.WaitGroup
			errs := make(chan error, 2*n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if w, err := s.Set(fmt.Sprintf("server:https://warta.example/u%d", i), fmt.Sprintf("tok-%d", i)); err != nil || w != tc.want {
						errs <- fmt.Errorf("Set %d: %q %v", i, w, err)
					}
					if _, err := s.Set(account, fmt.Sprintf("shared-%d", i)); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for i := range n {
				got, w, err := s.Get(fmt.Sprintf("server:https://warta.example/u%d", i))
				if err != nil || got != fmt.Sprintf("tok-%d", i) || w != tc.want {
					t.Errorf("Get %d = %q %q %v", i, got, w, err)
				}
			}
			if got, _, _ := s.Get(account); !strings.HasPrefix(got, "shared-") {
				t.Errorf("shared account = %q", got)
			}
			if tc.want == InFile {
				var d fileData
				if err := json.Unmarshal(fileBytes(t, s), &d); err != nil || len(d.Secrets) != n+1 {
					t.Fatalf("file holds %d secrets, %v", len(d.Secrets), err)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 1 {
					t.Fatalf("temporary files left: %v", ents)
				}
			}
		})
	}
}

func TestCorruptFile(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":       "\x00\x01 not json",
		"truncated":     `{"version":1,"secrets":{"server:a":"tok`,
		"null":          "null",
		"newer version": `{"version":2,"secrets":{}}`,
		"trailing data": `{"version":1,"secrets":{}} {}`,
		"wrong type":    `{"version":1,"secrets":["a"]}`,
		"empty":         "",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, FileName)
			os.WriteFile(p, []byte(content), 0o600)
			s := NewWithKeyring(nil, "Warta", dir, nil)

			_, err := s.Set(account, "wt_1")
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "left as it is") {
				t.Fatalf("Set: %v", err)
			}
			if _, _, err := s.Get(account); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get: %v", err)
			}
			if err := s.Delete(account); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Delete: %v", err)
			}
			if b, _ := os.ReadFile(p); string(b) != content {
				t.Fatalf("the damaged file was changed to %q", b)
			}
		})
	}
	t.Run("keyring still works", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, FileName)
		os.WriteFile(p, []byte("garbage"), 0o600)
		s := NewWithKeyring(newFake(), "Warta", dir, nil)
		if w, err := s.Set(account, "wt_1"); err != nil || w != InKeyring {
			t.Fatalf("Set = %q, %v", w, err)
		}
		if got, w, err := s.Get(account); err != nil || got != "wt_1" || w != InKeyring {
			t.Fatalf("Get = %q %q %v", got, w, err)
		}
		if _, _, err := s.Get("other"); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Get of a missing account with a damaged file: %v; want the damage reported", err)
		}
		if b, _ := os.ReadFile(p); string(b) != "garbage" {
			t.Fatalf("the damaged file was changed to %q", b)
		}
	})
}

func TestProbeTimeout(t *testing.T) {
	k := newFake()
	k.block = make(chan struct{})
	defer close(k.block) // let the stuck probe goroutine finish
	dir := t.TempDir()
	start := time.Now()
	s := NewWithKeyring(k, "Warta", dir, nil)
	took := time.Since(start)
	if took < probeTimeout-100*time.Millisecond || took > probeTimeout+time.Second {
		t.Fatalf("New took %s with a hung keyring; want about %s", took, probeTimeout)
	}
	if s.Backend() != InFile {
		t.Fatalf("Backend = %q", s.Backend())
	}
	want := "No system keyring is available (the keyring did not answer within 2s); the token is stored in " +
		filepath.Join(dir, FileName) + ", readable only by your user account."
	if s.FallbackReason() != want {
		t.Fatalf("FallbackReason =\n%q\nwant\n%q", s.FallbackReason(), want)
	}
	start = time.Now()
	if w, err := s.Set(account, "wt_1"); err != nil || w != InFile {
		t.Fatalf("Set = %q %v", w, err)
	}
	if got, w, err := s.Get(account); err != nil || got != "wt_1" || w != InFile {
		t.Fatalf("Get = %q %q %v", got, w, err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("Set and Get still wait for the hung keyring")
	}
}

func TestProbeFails(t *testing.T) {
	k := newFake()
	k.setErr = errors.New(`The name org.freedesktop.secrets was not provided by any .service files`)
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	if s.Backend() != InFile {
		t.Fatalf("Backend = %q", s.Backend())
	}
	r := s.FallbackReason()
	if !strings.HasPrefix(r, "No system keyring is available (storing a test entry failed: The name org.freedesktop.secrets") ||
		!strings.HasSuffix(r, "readable only by your user account.") {
		t.Fatalf("FallbackReason = %q", r)
	}
	if w, _ := s.Set(account, "x"); w != InFile {
		t.Fatalf("Set went to %q", w)
	}
}

func TestProbeLeavesNothing(t *testing.T) {
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	if s.Backend() != InKeyring || len(k.m) != 0 {
		t.Fatalf("Backend %q, keyring holds %v", s.Backend(), k.m)
	}
}

// A keyring that worked at start-up may refuse later (locked, full): that Set
// goes to the file, and the next successful Set moves the account back.
func TestSetFallsBackWhenKeyringRefuses(t *testing.T) {
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	if w, _ := s.Set(account, "wt_1"); w != InKeyring {
		t.Fatalf("first Set went to %q", w)
	}
	k.set(func(f *fakeKeyring) { f.setErr = errors.New("collection is locked") })
	w, err := s.Set(account, "wt_2")
	if err != nil || w != InFile {
		t.Fatalf("Set while locked = %q, %v", w, err)
	}
	if got, w, _ := s.Get(account); got != "wt_2" || w != InFile {
		t.Fatalf("Get = %q from %q", got, w)
	}
	if _, ok := k.m["Warta\x00"+account]; ok {
		t.Fatal("the older keyring copy was kept")
	}
	r := s.FallbackReason()
	if !strings.HasPrefix(r, "The system keyring could not store the token (collection is locked); it is stored in ") {
		t.Fatalf("FallbackReason = %q", r)
	}
	if s.Backend() != InKeyring {
		t.Fatalf("one refusal switched the Backend to %q", s.Backend())
	}

	k.set(func(f *fakeKeyring) { f.setErr = nil })
	if w, _ := s.Set(account, "wt_3"); w != InKeyring {
		t.Fatalf("Set after unlock went to %q", w)
	}
	if got, w, _ := s.Get(account); got != "wt_3" || w != InKeyring {
		t.Fatalf("Get = %q from %q", got, w)
	}
	var d fileData
	json.Unmarshal(fileBytes(t, s), &d)
	if len(d.Secrets) != 0 {
		t.Fatalf("file still holds %v", d.Secrets)
	}
	if s.FallbackReason() != "" {
		t.Fatalf("FallbackReason = %q with nothing in the file", s.FallbackReason())
	}
}

// When the keyring refuses both the Set and the removal of its old copy, the
// newer file copy must still win.
func TestStaleKeyringCopyDoesNotShadow(t *testing.T) {
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	s.Set(account, "wt_old")
	k.set(func(f *fakeKeyring) {
		f.setErr = errors.New("locked")
		f.delErr = errors.New("locked")
	})
	if w, err := s.Set(account, "wt_new"); err != nil || w != InFile {
		t.Fatalf("Set = %q %v", w, err)
	}
	k.set(func(f *fakeKeyring) { f.setErr, f.delErr = nil, nil })
	if got, w, _ := s.Get(account); got != "wt_new" || w != InFile {
		t.Fatalf("Get = %q from %q; the stale keyring copy won", got, w)
	}
	if err := s.Delete(account); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func TestDeleteRemovesFromBoth(t *testing.T) {
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	s.Set("a", "in-keyring")
	k.set(func(f *fakeKeyring) { f.setErr = errors.New("locked") })
	s.Set("b", "in-file")
	k.set(func(f *fakeKeyring) { f.setErr = nil; f.m["Warta\x00b"] = "stale" })
	for _, acc := range []string{"a", "b"} {
		if err := s.Delete(acc); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(acc); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(%s) after Delete: %v", acc, err)
		}
	}
	if len(k.m) != 0 {
		t.Fatalf("keyring still holds %v", k.m)
	}
	k.set(func(f *fakeKeyring) { f.delErr = errors.New("locked") })
	if err := s.Delete("a"); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("Delete with a refusing keyring: %v", err)
	}
}

// A keyring that hangs after a good probe: the call gives up after
// callTimeout, the Set lands in the file and the store stops using the keyring.
func TestKeyringHangsLater(t *testing.T) {
	defer func(d time.Duration) { callTimeout = d }(callTimeout)
	callTimeout = 200 * time.Millisecond
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), nil)
	block := make(chan struct{})
	defer close(block)
	k.set(func(f *fakeKeyring) { f.block = block })
	start := time.Now()
	w, err := s.Set(account, "wt_1")
	if err != nil || w != InFile {
		t.Fatalf("Set = %q %v", w, err)
	}
	if took := time.Since(start); took > callTimeout+time.Second {
		t.Fatalf("Set took %s", took)
	}
	if s.Backend() != InFile || !strings.Contains(s.FallbackReason(), "did not answer within 200ms") {
		t.Fatalf("Backend %q, reason %q", s.Backend(), s.FallbackReason())
	}
	calls := k.callCount()
	if got, _, err := s.Get(account); err != nil || got != "wt_1" {
		t.Fatalf("Get = %q %v", got, err)
	}
	if k.callCount() != calls {
		t.Fatal("the store still calls the hung keyring")
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	k := newFake()
	s := NewWithKeyring(k, "Warta", t.TempDir(), log)
	s.Set(account, "SEKRIT-1")
	k.set(func(f *fakeKeyring) { f.setErr = errors.New("locked"); f.delErr = errors.New("locked") })
	s.Set(account, "SEKRIT-2")
	s.Get(account)
	s.Delete(account)
	if strings.Contains(buf.String(), "SEKRIT") {
		t.Fatalf("a secret reached the log:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "locked") {
		t.Fatalf("the fallback was not logged:\n%s", buf.String())
	}
}

// realEnv marks the child process in which TestRealSecretService talks to
// the real keyring (the parent may have installed go-keyring's mock).
const realEnv = "WARTA_SECRETS_REAL_KEYRING"

func TestRealSecretService(t *testing.T) {
	if os.Getenv(realEnv) == "" {
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			t.Skip("DBUS_SESSION_BUS_ADDRESS is unset: no D-Bus session, so no Secret Service to test against")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRealSecretService$", "-test.v")
		cmd.Env = append(os.Environ(), realEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("--- SKIP")) {
			t.Skip("the child process skipped; see its output above")
		}
		return
	}
	dir := t.TempDir()
	s := New("Warta test "+time.Now().Format("150405.000000"), dir, nil)
	if s.Backend() != InKeyring {
		t.Skipf("a D-Bus session is there but no usable keyring: %s", s.FallbackReason())
	}
	if w, err := s.Set(account, "wt_real"); err != nil || w != InKeyring {
		t.Fatalf("Set = %q %v", w, err)
	}
	defer s.Delete(account)
	if got, w, err := s.Get(account); err != nil || got != "wt_real" || w != InKeyring {
		t.Fatalf("Get = %q %q %v", got, w, err)
	}
	if err := s.Delete(account); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}
