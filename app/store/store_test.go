package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPutGetDeleteOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := s.Get("cfg/missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: err = %v, want ErrNotFound", err)
	}
	if err := s.PutJSON("cfg/language", "id"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("cfg/theme", []byte(`"dark"`)); err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys("cfg/")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys) != "[cfg/language cfg/theme]" {
		t.Fatalf("keys = %v", keys)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}

	// Reopen: the values were written to disk.
	s2 := open(t, dir)
	var lang string
	if err := s2.GetJSON("cfg/language", &lang); err != nil || lang != "id" {
		t.Fatalf("after reopen: %q, %v", lang, err)
	}
	if err := s2.Delete("cfg/language"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get("cfg/language"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted key: err = %v", err)
	}
}

func TestGetJSONCorruptValue(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Put("cfg/x", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	err := s.GetJSON("cfg/x", &v)
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("corrupt value: err = %v, want a decode error", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.PutJSON("meta/schema", SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, nil, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
}

// TestSecondProcessIsLockedOut opens the store in a child process and checks
// that the parent gets ErrLocked instead of corrupting it.
func TestSecondProcessIsLockedOut(t *testing.T) {
	if dir := os.Getenv("WARTA_TEST_HOLD_STORE"); dir != "" {
		s, err := Open(dir, nil, Options{})
		if err != nil {
			fmt.Println("child open:", err)
			os.Exit(2)
		}
		fmt.Println("ready")
		time.Sleep(time.Minute)
		s.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessIsLockedOut$")
	cmd.Env = append(os.Environ(), "WARTA_TEST_HOLD_STORE="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if string(buf[:n]) != "ready\n" {
		t.Fatalf("child said %q", buf[:n])
	}
	_, err = Open(dir, nil, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: err = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatalf("store damaged: %v", err)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	s := open(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, time.Millisecond) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestOpenAfterCrashLeftEmptyLogs: a kill between Badger creating a
// memtable or value-log file and sizing it leaves an empty file, which
// Badger v4.9 refuses to open (dgraph-io/badger#2207). Open must cope and
// lose nothing.
func TestOpenAfterCrashLeftEmptyLogs(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Put("cfg/x", []byte("1")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range []string{"00009.mem", "000009.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2 := open(t, dir)
	if v, err := s2.Get("cfg/x"); err != nil || string(v) != "1" {
		t.Fatalf("after reopen: %q, %v", v, err)
	}
	if err := s2.Put("cfg/y", []byte("2")); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	s3 := open(t, dir)
	if v, err := s3.Get("cfg/y"); err != nil || string(v) != "2" {
		t.Fatalf("write after recovery: %q, %v", v, err)
	}
}

// TestEmptyLogsOfARunningStoreAreLeftAlone: the clean-up never touches a
// store another process (or this one) has open.
func TestEmptyLogsOfARunningStoreAreLeftAlone(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	p := filepath.Join(dir, "00042.mem")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, nil, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("file of a running store removed: %v", err)
	}
}
