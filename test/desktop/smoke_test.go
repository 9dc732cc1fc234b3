//go:build desktop

package desktop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/settings"
	"github.com/warta-news/warta/app/store"
)

// binary is the production build under test.
func binary(t *testing.T) string {
	t.Helper()
	b := os.Getenv("WARTA_BINARY")
	if b == "" {
		b = "../../build/bin/warta"
	}
	b, _ = filepath.Abs(b)
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("no production binary at %s (run make build): %v", b, err)
	}
	return b
}

// startXvfb runs a private X server and returns its display name.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

type app struct {
	cmd     *exec.Cmd
	dataDir string
	out     *bytes.Buffer
	done    chan error
}

func start(t *testing.T, display, dataDir string) *app {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "WARTA_DATA_DIR="+dataDir, "NO_AT_BRIDGE=1", "LANG=id_ID.UTF-8")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &app{cmd: cmd, dataDir: dataDir, out: &out, done: make(chan error, 1)}
	go func() { a.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-a.done
		}
	})
	return a
}

// stop sends sig and returns the exit code.
func (a *app) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := a.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		a.cmd.Process.Kill()
		t.Fatalf("did not exit within 20 s of %v:\n%s", sig, a.out)
		return -1
	}
}

func screenshot(t *testing.T, display string) image.Image {
	t.Helper()
	out, err := exec.Command("import", "-display", display, "-window", "root", "png:-").Output()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// painted tells whether the screen shows the app rather than a blank, black
// or half-drawn window: many distinct colours, and the red of Warta's logo
// and active sidebar item.
func painted(img image.Image) (bool, string) {
	colours := map[uint32]bool{}
	accent := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			colours[r<<16|g<<8|bl] = true
			if r > 150 && r < 200 && g < 60 && bl < 70 { // #b4232a
				accent++
			}
		}
	}
	reason := fmt.Sprintf("%d colours, %d accent pixels", len(colours), accent)
	return len(colours) >= 40 && accent >= 50, reason
}

// waitPainted polls screenshots until the app is drawn and returns the time it took.
func waitPainted(t *testing.T, display string, a *app, since time.Time) (time.Duration, image.Image) {
	t.Helper()
	deadline := since.Add(45 * time.Second)
	var reason string
	for time.Now().Before(deadline) {
		if a.cmd.ProcessState != nil {
			t.Fatalf("app exited before painting:\n%s", a.out)
		}
		img := screenshot(t, display)
		ok, why := painted(img)
		if ok {
			return time.Since(since), img
		}
		reason = why
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("window never painted (%s):\n%s", reason, a.out)
	return 0, nil
}

// settled waits (at most 10 s) until the screen stops changing — the page
// has loaded its data — and returns the last screenshot.
func settled(t *testing.T, display string, last image.Image) image.Image {
	t.Helper()
	same := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && same < 3; {
		time.Sleep(300 * time.Millisecond)
		img := screenshot(t, display)
		if bytes.Equal(img.(*image.RGBA).Pix, last.(*image.RGBA).Pix) {
			same++
		} else {
			same = 0
		}
		last = img
	}
	return last
}

// pssMiB sums the proportional set size (resident memory with shared pages
// divided among their users, so shared libraries are not counted twice) of
// pid and all its descendants: the Go process and WebKit's web and network
// processes.
func pssMiB(pid int) (total float64, parts map[string]float64) {
	children := map[int][]int{}
	names := map[int]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+2:])
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
		names[p] = s[strings.IndexByte(s, '(')+1 : i]
	}
	parts = map[string]float64{}
	var walk func(int)
	walk = func(p int) {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err == nil {
			if m := regexp.MustCompile(`Pss:\s+(\d+) kB`).FindSubmatch(status); m != nil {
				kb, _ := strconv.Atoi(string(m[1]))
				parts[names[p]] += float64(kb) / 1024
				total += float64(kb) / 1024
			}
		}
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return total, parts
}

func saveScreenshot(t *testing.T, img image.Image, name string) {
	dir := os.Getenv("WARTA_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func readLog(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "logs", "warta.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPaintsAndQuitsCleanly starts the production binary, waits for a
// painted window, then stops it with each signal a user or system sends and
// checks the store was closed and is intact.
func TestPaintsAndQuitsCleanly(t *testing.T) {
	display := startXvfb(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dataDir := t.TempDir()
			if sig == syscall.SIGTERM {
				seedArticle(t, dataDir) // so the screenshot shows the editor at work
			}
			t0 := time.Now()
			a := start(t, display, dataDir)
			took, img := waitPainted(t, display, a, t0)
			t.Logf("FIGURE cold start to painted window: %d ms", took.Milliseconds())
			if sig == syscall.SIGTERM {
				saveScreenshot(t, settled(t, display, img), "screenshot.png")
				time.Sleep(3 * time.Second) // settle, then measure idle memory
				total, parts := pssMiB(a.cmd.Process.Pid)
				t.Logf("FIGURE idle memory (PSS): %.0f MiB in all; by process (MiB) %v", total, parts)
			}
			if code := a.stop(t, sig); code != 0 {
				t.Fatalf("exit code %d after %v:\n%s", code, sig, a.out)
			}
			log := readLog(t, dataDir)
			for _, want := range []string{`"msg":"store closed","err":null`, `"msg":"shutdown complete"`} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %s:\n%s", want, log)
				}
			}
			st, err := store.Open(filepath.Join(dataDir, "db"), nil, store.Options{})
			if err != nil {
				t.Fatalf("store unusable after %v: %v", sig, err)
			}
			defer st.Close()
			s, err := settings.New(st).Load()
			if err != nil {
				t.Fatal(err)
			}
			if s.Window.Width != settings.DefaultWidth || s.Window.Height != settings.DefaultHeight {
				t.Errorf("window geometry not saved on quit: %+v", s.Window)
			}
		})
	}
}

// seedArticle stores the fixture article and marks it as the open one.
func seedArticle(t *testing.T, dataDir string) {
	t.Helper()
	text, err := os.ReadFile("../../app/articles/testdata/humas-kemensos-rakornas-2019.txt")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(text), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	var blocks []map[string]any
	var reporters []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "Pewarta") {
			reporters = strings.Split(strings.TrimSpace(strings.SplitN(l, ":", 2)[1]), "/")
			break
		}
		typ := "paragraph"
		if strings.Contains(l, "(Foto") {
			typ = "figure"
		}
		blocks = append(blocks, map[string]any{"type": typ, "content": []any{map[string]any{"type": "text", "text": l}}})
	}
	body, _ := json.Marshal(map[string]any{"type": "doc", "content": blocks})
	st, err := store.Open(filepath.Join(dataDir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, err := articles.New(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := lib.Create(articles.Article{Headline: lines[0], Body: body, EventDate: "2019-08-21", Category: "Kehumasan",
		Dateline: articles.Dateline{Place: "Jakarta", Agency: "Humas"}, Reporters: reporters, Tags: []string{"rakornas", "humas"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := settings.New(st).SetLastArticle(a.ID); err != nil {
		t.Fatal(err)
	}
}

var geometryRE = regexp.MustCompile(`"Warta": \("warta" "Warta"\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)`)

// TestWindowGeometryRemembered seeds a window size and position, starts the
// app and reads the real X window's geometry back.
func TestWindowGeometryRemembered(t *testing.T) {
	display := startXvfb(t)
	dataDir := t.TempDir()
	st, err := store.Open(filepath.Join(dataDir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Window{Width: 1000, Height: 640, X: 120, Y: 60}
	if err := settings.New(st).SetWindow(want); err != nil {
		t.Fatal(err)
	}
	st.Close()

	a := start(t, display, dataDir)
	waitPainted(t, display, a, time.Now())
	out, err := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := geometryRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no Warta window in:\n%s", out)
	}
	got := settings.Window{}
	got.Width, _ = strconv.Atoi(string(m[1]))
	got.Height, _ = strconv.Atoi(string(m[2]))
	got.X, _ = strconv.Atoi(string(m[3]))
	got.Y, _ = strconv.Atoi(string(m[4]))
	if got != want {
		t.Fatalf("window %+v, want %+v", got, want)
	}
	if code := a.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestSecondLaunchRefused starts the binary twice on one data folder.
func TestSecondLaunchRefused(t *testing.T) {
	display := startXvfb(t)
	dataDir := t.TempDir()
	first := start(t, display, dataDir)
	waitPainted(t, display, first, time.Now())

	second := exec.Command(binary(t))
	second.Env = append(os.Environ(), "DISPLAY="+display, "WARTA_DATA_DIR="+dataDir, "NO_AT_BRIDGE=1")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	second.Stdout = io.Discard
	err := second.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("second launch: %v, want exit 3\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Warta is already running; its window was brought to the front") {
		t.Fatalf("second launch said %q", stderr.String())
	}
	if first.cmd.ProcessState != nil {
		t.Fatal("first instance died")
	}
	if code := first.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("first exit %d", code)
	}
}
