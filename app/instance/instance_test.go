package instance

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// holder runs in a child process: it takes the lock and reports each
// activation on stdout, so the parent test can see the wake-up arrive.
func TestMain(m *testing.M) {
	if dir := os.Getenv("WARTA_TEST_HOLD_LOCK"); dir != "" {
		l, err := Acquire(filepath.Join(dir, "warta.lock"), filepath.Join(dir, "warta.sock"), nil)
		if err != nil {
			fmt.Println("child:", err)
			os.Exit(2)
		}
		l.OnActivate(func() { fmt.Println("activated") })
		fmt.Println("ready")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startHolder(t *testing.T, dir string) *bufio.Scanner {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WARTA_TEST_HOLD_LOCK="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("holder said %q", sc.Text())
	}
	return sc
}

func TestSecondProcessWakesFirst(t *testing.T) {
	dir := t.TempDir()
	sc := startHolder(t, dir)

	_, err := Acquire(filepath.Join(dir, "warta.lock"), filepath.Join(dir, "warta.sock"), nil)
	var r *Running
	if !errors.As(err, &r) || !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Acquire: %v, want *Running", err)
	}
	if !r.Woken {
		t.Fatalf("running instance was not woken: %v", err)
	}
	if !sc.Scan() || sc.Text() != "activated" {
		t.Fatalf("holder did not report activation: %q", sc.Text())
	}
}

func TestStaleSocketAndLockReused(t *testing.T) {
	dir := t.TempDir()
	lock, sock := filepath.Join(dir, "warta.lock"), filepath.Join(dir, "warta.sock")
	// A crashed instance leaves both files behind; neither may block a new start.
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(lock, sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.ln == nil {
		t.Fatal("socket not listening after stale file")
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(lock, sock, nil)
	if err != nil {
		t.Fatalf("reacquire after release: %v", err)
	}
	l2.Release()
}

func TestActivationBeforeCallbackIsKept(t *testing.T) {
	dir := t.TempDir()
	lock, sock := filepath.Join(dir, "warta.lock"), filepath.Join(dir, "warta.sock")
	l, err := Acquire(lock, sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if !wake(sock) {
		t.Fatal("wake failed")
	}
	got := make(chan struct{}, 1)
	l.OnActivate(func() { got <- struct{}{} })
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("activation that arrived early was lost")
	}
}

func TestDeadInstanceNotWoken(t *testing.T) {
	// A socket path nobody listens on: wake must say no, quickly.
	if wake(filepath.Join(t.TempDir(), "nobody.sock")) {
		t.Fatal("woke nobody")
	}
}
