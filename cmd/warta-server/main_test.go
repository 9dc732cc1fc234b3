package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
)

// build compiles the server as it ships (no cgo) into a temporary folder,
// once for all the tests.
func build(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "warta-server-test-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		bin := filepath.Join(dir, "warta-server")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	binOnce         sync.Once
	binPath, binDir string
	binErr          error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

type running struct {
	cmd   *exec.Cmd
	url   string
	setup string
	lines []string
}

// start runs the server and waits for the line with its address.
func start(t *testing.T, bin, data string, extra ...string) *running {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", data, "--listen", "127.0.0.1:0"}, extra...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", stderr.String())
		}
	})
	r := &running{cmd: cmd}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			r.lines = append(r.lines, line)
			if tok, ok := strings.CutPrefix(strings.TrimSpace(line), "SETUP TOKEN "); ok {
				r.setup = tok
			}
			if _, addr, ok := strings.Cut(line, " listening on "); ok {
				r.url = addr
				close(found)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("no address printed; stderr %s", stderr.String())
	}
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server did not exit cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30 s of SIGTERM")
	}
}

func post(t *testing.T, url string, v any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return res.StatusCode, m
}

func TestServerStartsServesAndStops(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := build(t)
	data := t.TempDir()
	r := start(t, bin, data)
	if !strings.HasPrefix(r.url, "http://127.0.0.1:") {
		t.Fatalf("address %q", r.url)
	}
	for _, l := range r.lines {
		if strings.Contains(l, "WARNING") {
			t.Errorf("warning on loopback: %s", l)
		}
	}
	res, err := http.Get(r.url + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if res.StatusCode != 200 || h["status"] != "ok" || h["protocol"] != float64(1) {
		t.Fatalf("health: %d %v", res.StatusCode, h)
	}
	// First-admin set-up with the printed token, once.
	if r.setup == "" {
		t.Fatalf("no set-up token printed: %q", r.lines)
	}
	if code, m := post(t, r.url+"/api/v1/setup", map[string]string{"token": r.setup, "user": "admin", "password": "kopi-tubruk"}); code != 201 {
		t.Fatalf("setup: %d %v", code, m)
	}
	if code, _ := post(t, r.url+"/api/v1/setup", map[string]string{"token": r.setup, "user": "again", "password": "kopi-tubruk"}); code != 403 {
		t.Errorf("second setup: %d", code)
	}
	r.stop(t)

	// adduser on the stopped server's data, then the server starts without
	// a set-up token and the new user logs in.
	cmd := exec.Command(bin, "adduser", "--data", data, "--name", "rina", "--role", "reporter", "--newsroom", "humas")
	cmd.Stdin = strings.NewReader("password-rina\n")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "user rina") {
		t.Fatalf("adduser: %v\n%s", err, out)
	}
	r = start(t, bin, data)
	if r.setup != "" {
		t.Error("set-up token printed although users exist")
	}
	if code, m := post(t, r.url+"/api/v1/login", map[string]string{"user": "rina", "password": "password-rina"}); code != 200 {
		t.Errorf("login: %d %v", code, m)
	}
	if code, _ := post(t, r.url+"/api/v1/login", map[string]string{"user": "admin", "password": "kopi-tubruk"}); code != 200 {
		t.Errorf("admin login after restart: %d", code)
	}
	r.stop(t)
}

// TestServerOnPostgres runs the binary with --db on a real PostgreSQL that
// scripts/pgtest.sh starts for the test (unix socket only) and stops after:
// set-up, login, an article push, a restart on another data folder, and
// the users, the token, the article and its idempotency record are there.
func TestServerOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the binary")
	}
	pgDir := filepath.Join(os.TempDir(), "warta-pg-"+strconv.Itoa(os.Getpid()))
	out, err := exec.Command("../../scripts/pgtest.sh", "start", pgDir).Output()
	t.Cleanup(func() { exec.Command("../../scripts/pgtest.sh", "stop", pgDir).Run() })
	if err != nil {
		t.Fatalf("start PostgreSQL: %v (install Debian's postgresql package)", err)
	}
	url := strings.TrimSpace(string(out))
	bin := build(t)
	data := t.TempDir()
	r := start(t, bin, data, "--db", url)
	if code, m := post(t, r.url+"/api/v1/setup", map[string]string{"token": r.setup, "user": "admin", "password": "kopi-tubruk"}); code != 201 {
		t.Fatalf("setup: %d %v", code, m)
	}
	code, m := post(t, r.url+"/api/v1/login", map[string]string{"user": "admin", "password": "kopi-tubruk", "device": "test"})
	if code != 200 {
		t.Fatalf("login: %d %v", code, m)
	}
	token, _ := m["token"].(string)
	id := ids.New(time.Now())
	put := func() int {
		body := `{"baseRev":0,"article":{"id":"` + id + `","headline":"Rakornas Kehumasan 2019","photos":[]}}`
		req, _ := http.NewRequest(http.MethodPut, r.url+"/api/v1/articles/"+id, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", "op-"+id)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := put(); c != 200 {
		t.Fatalf("push: %d", c)
	}
	r.stop(t)

	// A new data folder: what survives is in PostgreSQL, not on this disk.
	r = start(t, bin, t.TempDir(), "--db", url)
	defer r.stop(t)
	if r.setup != "" {
		t.Error("set-up offered again: the users are not in PostgreSQL")
	}
	if c := put(); c != 200 { // the same operation again: replayed, not a second revision
		t.Fatalf("replayed push after restart: %d", c)
	}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v1/articles/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a map[string]any
	json.NewDecoder(res.Body).Decode(&a)
	if res.StatusCode != 200 || a["rev"] != float64(1) || a["headline"] != "Rakornas Kehumasan 2019" {
		t.Fatalf("article after restart: %d %v", res.StatusCode, a)
	}
}

func TestPlainHTTPWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := build(t)
	cmd := exec.Command(bin, "--data", t.TempDir(), "--listen", "0.0.0.0:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	warned := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "WARNING: serving plain HTTP") {
			warned = true
		}
		if strings.Contains(line, " listening on ") {
			break
		}
	}
	if !warned {
		t.Error("no WARNING line for plain HTTP on a non-loopback address")
	}
	go io.Copy(io.Discard, stdout)
}

// TestShutdownFinishesRequests: a request whose body is still arriving
// when SIGTERM comes is answered before the server exits.
func TestShutdownFinishesRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := build(t)
	r := start(t, bin, t.TempDir())
	pr, pw := io.Pipe()
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Post(r.url+"/api/v1/login", "application/json", pr)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- result{status: res.StatusCode, body: string(b)}
	}()
	io.WriteString(pw, `{"user": "nobody", `)
	time.Sleep(300 * time.Millisecond) // the request is in flight
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	io.WriteString(pw, `"password": "guess"}`)
	pw.Close()
	res := <-got
	if res.err != nil || res.status != 401 || !strings.Contains(res.body, "wrong_password") {
		t.Fatalf("in-flight request: %d %q %v", res.status, res.body, res.err)
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}
