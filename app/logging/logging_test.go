package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJSONLinesToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warta.log")
	f, err := OpenFile(path, DefaultMaxBytes, DefaultKeep)
	if err != nil {
		t.Fatal(err)
	}
	var echo bytes.Buffer
	log := New(f, &echo, slog.LevelInfo)
	log.Info("store opened", "dir", "/tmp/x")
	log.Debug("hidden")
	f.Close()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 {
		t.Fatalf("want 1 line, got %q", b)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if rec["msg"] != "store opened" || rec["dir"] != "/tmp/x" || rec["level"] != "INFO" {
		t.Fatalf("record %v", rec)
	}
	if !strings.Contains(echo.String(), "msg=\"store opened\"") {
		t.Fatalf("echo %q", echo.String())
	}
}

func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warta.log")
	f, err := OpenFile(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 59) + "\n" // 60 bytes: one line a file
	for i := 0; i < 5; i++ {
		if _, err := f.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	for _, name := range []string{"warta.log", "warta.log.1", "warta.log.2"} {
		fi, err := os.Stat(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Size() != 60 {
			t.Fatalf("%s size %d", name, fi.Size())
		}
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Fatalf("kept more than 2 old files: %v", err)
	}
	if _, err := f.Write([]byte("after close")); err == nil {
		t.Fatal("write after close succeeded")
	}
	// Appending on reopen keeps what was there.
	f2, err := OpenFile(path, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	f2.Write([]byte("more\n"))
	f2.Close()
	fh, _ := os.Open(path)
	defer fh.Close()
	n := 0
	for sc := bufio.NewScanner(fh); sc.Scan(); n++ {
	}
	if n != 2 {
		t.Fatalf("reopened file has %d lines, want 2", n)
	}
}
