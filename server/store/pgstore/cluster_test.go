package pgstore_test

// The tests' own PostgreSQL: TestMain makes a throwaway cluster in a temp
// dir (initdb), starts it listening on a unix socket only, gives every test
// its own database, and stops and removes the cluster at the end.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warta-news/warta/server/store/pgstore"
)

// cluster is the running test cluster, set by TestMain.
var cluster *testCluster

type testCluster struct {
	bin  string // PostgreSQL's bin dir
	dir  string // temp dir: data/, the socket, postgres.log
	port int
	cred *syscall.Credential // the postgres user when we are root, else nil
	once sync.Once
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	sweepStale()
	// Ctrl-C or a CI's SIGTERM: stop the cluster before dying, also while
	// it starts. (A panic or go test's -timeout kills the binary without
	// this; sweepStale removes that cluster on the next run.)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		if c := started.Load(); c != nil {
			c.stop()
		}
		os.Exit(1)
	}()
	c, err := startCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgstore tests:", err)
		return 1
	}
	defer c.stop()
	cluster = c
	return m.Run()
}

// started is the cluster from the moment its dir exists, for the signal
// handler.
var started atomic.Pointer[testCluster]

// ownerFile in a cluster's dir holds the pid of the test binary using it.
const ownerFile = "owner.pid"

// sweepStale stops and removes clusters left by test binaries that died
// without cleaning up.
func sweepStale() {
	bin, err := pgBin()
	if err != nil {
		return
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pgstore-test-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // starting up, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // its test binary still runs
		}
		c := &testCluster{bin: bin, dir: dir}
		if fi, err := os.Stat(dir); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
				c.cred = &syscall.Credential{Uid: st.Uid, Gid: st.Gid}
			}
		}
		c.stopMode("immediate")
		fmt.Fprintln(os.Stderr, "pgstore tests: removed a cluster left by test process", pid, "in", dir)
	}
}

// pgBin finds the newest installed PostgreSQL (Debian's layout).
func pgBin() (string, error) { return findBin("/usr/lib/postgresql/*/bin/initdb") }

func findBin(pattern string) (string, error) {
	ms, _ := filepath.Glob(pattern)
	best, bestV := "", -1
	for _, m := range ms {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestV {
			best, bestV = filepath.Dir(m), v
		}
	}
	if best == "" {
		return "", fmt.Errorf("PostgreSQL is not installed (no %s): "+
			"install Debian's postgresql package (apt-get install postgresql; scripts/setup.sh does it)", pattern)
	}
	return best, nil
}

func startCluster() (c *testCluster, err error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgstore-test-")
	if err != nil {
		return nil, err
	}
	c = &testCluster{bin: bin, dir: dir}
	started.Store(c)
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root; run it as the postgres user
		// the Debian package creates.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres user (Debian's postgresql package makes it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	c.port, err = freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := c.run(30*time.Second, "initdb", "-D", data, "--auth=trust", "-U", "postgres",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return nil, err
	}
	// Unix socket only (no TCP), fsync off: a throwaway cluster.
	opts := fmt.Sprintf("-F -k %s -p %d -c listen_addresses='' -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
		dir, c.port)
	if err := c.run(40*time.Second, "pg_ctl", "start", "-D", data, "-l", filepath.Join(dir, "postgres.log"),
		"-w", "-t", "30", "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return nil, fmt.Errorf("%w\npostgres.log:\n%s", err, log)
	}
	if err := c.makeTemplate(); err != nil {
		return nil, err
	}
	return c, nil
}

// templateDB holds the migrated schema; openStore copies it, which is
// faster than migrating every test's database.
const templateDB = "warta_template"

func (c *testCluster) makeTemplate() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+templateDB); err != nil {
		return err
	}
	s, err := pgstore.Open(ctx, c.url(templateDB), nil)
	if err != nil {
		return err
	}
	return s.Close()
}

// run runs one of PostgreSQL's programs as the cluster's owner.
func (c *testCluster) run(timeout time.Duration, prog string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.dir // the postgres user may not be able to enter ours
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", prog, args, err, out)
	}
	return nil
}

// stop stops the cluster (if it started) and removes its directory, once.
func (c *testCluster) stop() {
	c.once.Do(func() { c.stopMode("fast") })
}

func (c *testCluster) stopMode(mode string) {
	data := filepath.Join(c.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		if err := c.run(30*time.Second, "pg_ctl", "stop", "-D", data, "-m", mode, "-w"); err != nil {
			fmt.Fprintln(os.Stderr, "pgstore tests: stop:", err)
			c.run(10*time.Second, "pg_ctl", "stop", "-D", data, "-m", "immediate", "-w") //nolint:errcheck
		}
	}
	os.RemoveAll(c.dir)
}

// freePort picks a port number nobody listens on. The cluster listens on
// no TCP port, but the number names its socket file and shared memory.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// url is the connection string for database db.
func (c *testCluster) url(db string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", c.dir, c.port, db)
}

// newDB creates an empty database for t and drops it when t ends.
func newDB(t *testing.T) string {
	t.Helper()
	return copyDB(t, "template1")
}

// copyDB creates a database for t from template and drops it when t ends.
func copyDB(t *testing.T, template string) string {
	t.Helper()
	var b [8]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, cluster.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template+" STRATEGY FILE_COPY"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, cluster.url("postgres"))
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	return name
}

// openStore opens a pgstore on a fresh database, closed when t ends.
func openStore(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	db := copyDB(t, templateDB)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, cluster.url(db), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, db
}
