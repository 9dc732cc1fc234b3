package rendition

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// benchSource returns a realistic 6000×4000 camera-sized JPEG (quality 92,
// noise added so it compresses like a photo, with the iPhone fixture's EXIF
// so orientation 6 is applied), made once and cached across runs in the
// user cache folder.
func benchSource(b *testing.B) string {
	b.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "warta-rendition-bench")
	p := filepath.Join(dir, "photo-6000x4000-q92.jpg")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	orig, err := os.ReadFile("testdata/iphone-4s-orientation6-gps.jpg")
	if err != nil {
		b.Fatal(err)
	}
	small, err := jpeg.Decode(bytes.NewReader(orig))
	if err != nil {
		b.Fatal(err)
	}
	big := imaging.Resize(small, 6000, 4000, imaging.Lanczos)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(big.Pix); i += 4 {
		n := int(r.IntN(25)) - 12
		for c := range 3 {
			big.Pix[i+c] = uint8(max(0, min(255, int(big.Pix[i+c])+n+int(r.IntN(7))-3)))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, &image.RGBA{Pix: big.Pix, Stride: big.Stride, Rect: big.Rect}, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	enc := buf.Bytes()
	out := append(append(append([]byte{}, enc[:2]...), findSegment(orig, 0xE1)...), enc[2:]...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %s (%.1f MB)", p, float64(len(out))/1e6)
	return p
}

var vips struct {
	once sync.Once
	ms   float64
	err  error
}

// vipsMillis is the median time vipsthumbnail takes for the same two
// outputs (2048 px at Q85 and 320 px at Q85), measured once per run.
func vipsMillis(b *testing.B, src string) float64 {
	b.Helper()
	if _, err := exec.LookPath("vipsthumbnail"); err != nil {
		b.Fatal("vipsthumbnail not found: install the Debian package libvips-tools")
	}
	vips.once.Do(func() {
		dir := b.TempDir()
		var ts []float64
		for range 5 {
			start := time.Now()
			for _, c := range [][]string{
				{src, "--size", "2048", "-o", filepath.Join(dir, "web.jpg[Q=85]")},
				{src, "--size", "320", "-o", filepath.Join(dir, "thumb.jpg[Q=85]")},
			} {
				if out, err := exec.Command("vipsthumbnail", c...).CombinedOutput(); err != nil {
					vips.err = fmt.Errorf("vipsthumbnail: %v: %s", err, out)
					return
				}
			}
			ts = append(ts, float64(time.Since(start).Microseconds())/1000)
		}
		slices.Sort(ts)
		vips.ms = ts[len(ts)/2]
	})
	if vips.err != nil {
		b.Fatal(vips.err)
	}
	return vips.ms
}

func benchMake(b *testing.B, pureGo bool) {
	src := benchSource(b)
	vms := vipsMillis(b, src)
	dir := b.TempDir()
	opt := Options{WebPath: filepath.Join(dir, "web.jpg"), ThumbPath: filepath.Join(dir, "thumb.jpg"), PureGo: pureGo}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := Make(context.Background(), src, opt); err != nil {
			b.Fatal(err)
		}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/image")
	b.ReportMetric(ms/vms, "vs-vips")
	b.ReportMetric(vms, "vips-ms")
}

// BenchmarkRendition is the default path: libjpeg-turbo where cgo is on.
func BenchmarkRendition(b *testing.B) { benchMake(b, false) }

// BenchmarkRenditionPureGo forces image/jpeg.
func BenchmarkRenditionPureGo(b *testing.B) { benchMake(b, true) }

const batchSize = 40

// BenchmarkBatch40 runs a Pool over 40 camera-sized photos in a child
// process (VmHWM, the peak RSS, is per process), once with the default
// GOMAXPROCS and once with GOMAXPROCS=1 for the speedup. peak-MB is the
// default-GOMAXPROCS child's whole-process peak RSS.
func BenchmarkBatch40(b *testing.B) { benchBatch(b, false) }

// BenchmarkBatch40PureGo is BenchmarkBatch40 with the pure-Go decoder.
func BenchmarkBatch40PureGo(b *testing.B) { benchBatch(b, true) }

func benchBatch(b *testing.B, pureGo bool) {
	src := benchSource(b)
	one, _ := runBatchChild(b, src, 1, pureGo)
	b.ResetTimer()
	var secs, peak float64
	for range b.N {
		s, p := runBatchChild(b, src, runtime.GOMAXPROCS(0), pureGo)
		secs += s
		peak = max(peak, p)
	}
	b.StopTimer()
	rate := batchSize * float64(b.N) / secs
	b.ReportMetric(rate, "img/s")
	b.ReportMetric(rate/(batchSize/one), "speedup")
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// runBatchChild re-runs this test binary as TestBatchChild and returns the
// batch time in seconds (excluding process start) and the child's VmHWM.
func runBatchChild(b *testing.B, src string, procs int, pureGo bool) (float64, float64) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBatchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"WARTA_BATCH_CHILD="+src,
		"WARTA_BATCH_OUT="+b.TempDir(),
		"GOMAXPROCS="+strconv.Itoa(procs),
		"WARTA_BATCH_PUREGO="+strconv.FormatBool(pureGo))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("batch child: %v\n%s", err, out)
	}
	var secs, peak float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "BATCH" {
			secs, _ = strconv.ParseFloat(f[1], 64)
			peak, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	if secs == 0 {
		b.Fatalf("batch child printed no result:\n%s", out)
	}
	return secs, peak
}

// TestBatchChild is the child process of BenchmarkBatch40; it does nothing
// in a normal test run.
func TestBatchChild(t *testing.T) {
	src := os.Getenv("WARTA_BATCH_CHILD")
	if src == "" {
		t.Skip("only run by BenchmarkBatch40")
	}
	out := os.Getenv("WARTA_BATCH_OUT")
	pureGo := os.Getenv("WARTA_BATCH_PUREGO") == "true"
	jobs := make([]Job, batchSize)
	for i := range jobs {
		jobs[i] = Job{Src: src, Options: Options{
			WebPath:   filepath.Join(out, fmt.Sprintf("%d-web.jpg", i)),
			ThumbPath: filepath.Join(out, fmt.Sprintf("%d-thumb.jpg", i)),
			PureGo:    pureGo,
		}}
	}
	start := time.Now()
	res, err := (&Pool{}).Run(context.Background(), jobs)
	secs := time.Since(start).Seconds()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	fmt.Printf("BATCH %.3f %.1f\n", secs, vmHWM(t))
}

// vmHWM is this process's peak resident set in MB (Linux only; 0 elsewhere).
func vmHWM(t *testing.T) float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Log("no VmHWM in /proc/self/status")
	return 0
}
