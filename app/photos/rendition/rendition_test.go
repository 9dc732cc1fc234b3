package rendition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// decoders lists the decode paths a test runs against: always pure Go, and
// libjpeg-turbo where it is built in.
func decoders() []struct {
	name   string
	pureGo bool
} {
	d := []struct {
		name   string
		pureGo bool
	}{{"purego", true}}
	if haveTurbo {
		d = append(d, struct {
			name   string
			pureGo bool
		}{"turbo", false})
	}
	return d
}

func outOpts(t *testing.T, pureGo bool) Options {
	t.Helper()
	dir := t.TempDir()
	return Options{WebPath: filepath.Join(dir, "web.jpg"), ThumbPath: filepath.Join(dir, "thumb.jpg"), PureGo: pureGo}
}

func readJPEG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// diff is the mean absolute grey-level difference (0–255) of a and b after
// both are scaled to w×h.
func diff(a, b image.Image, w, h int) float64 {
	ga := imaging.Grayscale(imaging.Resize(a, w, h, imaging.Box))
	gb := imaging.Grayscale(imaging.Resize(b, w, h, imaging.Box))
	var sum float64
	for i := 0; i < len(ga.Pix); i += 4 {
		d := float64(ga.Pix[i]) - float64(gb.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return sum / float64(w*h)
}

func TestOrientationFixtures(t *testing.T) {
	for _, dec := range decoders() {
		t.Run(dec.name, func(t *testing.T) {
			var ref image.Image
			for n := 1; n <= 8; n++ {
				src := filepath.Join("testdata", fmt.Sprintf("f%d-exif.jpg", n))
				opt := outOpts(t, dec.pureGo)
				res, err := Make(context.Background(), src, opt)
				if err != nil {
					t.Fatal(err)
				}
				if res.Orientation != n {
					t.Errorf("f%d: orientation %d", n, res.Orientation)
				}
				web := readJPEG(t, opt.WebPath)
				if got := web.Bounds().Size(); got != (image.Point{40, 80}) {
					t.Fatalf("f%d: web is %v, want 40×80 upright and not upscaled", n, got)
				}
				if n == 1 {
					ref = web
					continue
				}
				if d := diff(web, ref, 20, 40); d > 12 {
					t.Errorf("f%d: differs from f1 by %.1f grey levels; not upright", n, d)
				}
				// The comparison can tell: the raw stored pixels of fN (N≠1)
				// are not upright.
				raw := readJPEG(t, src)
				if d := diff(raw, ref, 20, 40); d < 25 {
					t.Errorf("f%d: raw stored image differs only %.1f from f1; test cannot discriminate", n, d)
				}
			}
		})
	}
}

// bigOriented makes a w×h JPEG holding fixture fN's pixels scaled up, with
// fN's EXIF segment, so resizing and DCT scaling happen before orienting.
func bigOriented(t *testing.T, n, scale int) string {
	t.Helper()
	src := filepath.Join("testdata", fmt.Sprintf("f%d-exif.jpg", n))
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	big := imaging.Resize(img, b.Dx()*scale, b.Dy()*scale, imaging.Linear)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, big, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	app1 := findSegment(orig, 0xE1)
	if app1 == nil {
		t.Fatalf("%s has no APP1", src)
	}
	enc := buf.Bytes()
	out := append(append(append([]byte{}, enc[:2]...), app1...), enc[2:]...)
	p := filepath.Join(t.TempDir(), fmt.Sprintf("big-f%d.jpg", n))
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func findSegment(b []byte, marker byte) []byte {
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		n := int(b[i+2])<<8 | int(b[i+3])
		if b[i+1] == marker {
			return b[i : i+2+n]
		}
		if b[i+1] == 0xDA {
			return nil
		}
		i += 2 + n
	}
	return nil
}

func TestOrientationAfterResize(t *testing.T) {
	for _, dec := range decoders() {
		t.Run(dec.name, func(t *testing.T) {
			var ref image.Image
			for n := 1; n <= 8; n++ {
				src := bigOriented(t, n, 15) // 600×1200 or 1200×600 stored
				opt := outOpts(t, dec.pureGo)
				opt.LongEdge = 500
				res, err := Make(context.Background(), src, opt)
				if err != nil {
					t.Fatal(err)
				}
				if res.Web != (image.Point{250, 500}) || res.Thumb != (image.Point{160, 320}) {
					t.Fatalf("f%d: web %v thumb %v, want 250×500 and 160×320", n, res.Web, res.Thumb)
				}
				web := readJPEG(t, opt.WebPath)
				thumb := readJPEG(t, opt.ThumbPath)
				if web.Bounds().Size() != res.Web || thumb.Bounds().Size() != res.Thumb {
					t.Fatalf("f%d: files are %v and %v, Result says %v and %v", n, web.Bounds().Size(), thumb.Bounds().Size(), res.Web, res.Thumb)
				}
				if n == 1 {
					ref = web
				} else if d := diff(web, ref, 20, 40); d > 12 {
					t.Errorf("f%d: web differs from f1 by %.1f; not upright", n, d)
				}
				if d := diff(thumb, ref, 20, 40); d > 12 {
					t.Errorf("f%d: thumb differs from f1 web by %.1f", n, d)
				}
			}
		})
	}
}

func TestIPhoneOrientation6(t *testing.T) {
	for _, dec := range decoders() {
		t.Run(dec.name, func(t *testing.T) {
			opt := outOpts(t, dec.pureGo)
			res, err := Make(context.Background(), "testdata/iphone-4s-orientation6-gps.jpg", opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Orientation != 6 || res.Width != 205 || res.Height != 102 {
				t.Fatalf("got %+v", res)
			}
			if got := readJPEG(t, opt.WebPath).Bounds().Size(); got != (image.Point{102, 205}) {
				t.Fatalf("web %v, want 102×205 (rotated, not upscaled)", got)
			}
			// The durable write leaves no temp file behind.
			ents, err := os.ReadDir(filepath.Dir(opt.WebPath))
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 2 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Errorf("output folder holds %v, want web.jpg and thumb.jpg only", names)
			}
		})
	}
}

func TestPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 800; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 0, uint8(x / 4)}) // partly transparent
		}
	}
	src := filepath.Join(t.TempDir(), "a.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := outOpts(t, false)
	opt.LongEdge = 400
	res, err := Make(context.Background(), src, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "png" || res.Web != (image.Point{400, 200}) || res.Thumb != (image.Point{320, 160}) {
		t.Fatalf("got %+v", res)
	}
	// Transparent corner (alpha 0) is flattened onto white.
	web := readJPEG(t, opt.WebPath)
	if r, g, b, _ := web.At(0, 199).RGBA(); r>>8 < 230 || g>>8 < 230 || b>>8 < 230 {
		t.Errorf("transparent pixel became %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
}

// TestBadInput: each bad file gets its own clear error, fast.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(bigOriented(t, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...)
	cases := []struct {
		name string
		path string
		want error
		text string
	}{
		{"empty", write("empty.jpg", nil), ErrEmpty, "empty"},
		{"text", write("notes.jpg", []byte("this is a text file, not a photo\n")), ErrUnsupported, "not a JPEG or PNG"},
		{"truncated", write("cut.jpg", good[:len(good)*2/3]), ErrCorrupt, "damaged"},
		{"header only", write("head.jpg", good[:300]), ErrCorrupt, "damaged"},
		{"heic", write("IMG_0001.HEIC.jpg", heic), ErrHEIC, "export them as JPEG first"},
		{"bomb", write("bomb.jpg", bomb(t, good, 60000, 60000)), ErrTooLarge, "60000×60000"},
		{"wide", write("wide.jpg", bomb(t, good, 40000, 10)), ErrTooLarge, "40000×10"},
		{"huge_tag_exif", "testdata/huge_tag_exif.jpg", ErrCorrupt, "damaged"},
		{"max_uint32_exif", "testdata/max_uint32_exif.jpg", ErrCorrupt, "damaged"},
		{"missing", filepath.Join(dir, "nope.jpg"), os.ErrNotExist, "nope.jpg"},
	}
	for _, c := range cases {
		for _, dec := range decoders() {
			t.Run(c.name+"/"+dec.name, func(t *testing.T) {
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				opt := outOpts(t, dec.pureGo)
				_, err := Make(context.Background(), c.path, opt)
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if !strings.Contains(err.Error(), c.text) || !strings.Contains(err.Error(), c.path) {
					t.Errorf("error %q should mention %q and the file", err, c.text)
				}
				if el := time.Since(start); el > 2*time.Second {
					t.Errorf("took %v", el)
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
					t.Errorf("allocated %d MB for a bad file", grew>>20)
				}
				if _, err := os.Stat(opt.WebPath); err == nil {
					t.Errorf("web rendition written for a bad file")
				}
			})
		}
	}
}

// bomb patches the SOF frame size of a real JPEG.
func bomb(t *testing.T, jpg []byte, w, h int) []byte {
	t.Helper()
	b := append([]byte{}, jpg...)
	sof := findSegment(b, 0xC0)
	if sof == nil {
		t.Fatal("no SOF0")
	}
	sof[5], sof[6] = byte(h>>8), byte(h)
	sof[7], sof[8] = byte(w>>8), byte(w)
	return b
}

// The offset-loop EXIF fixture has intact pixels: the bad EXIF is ignored
// (orientation 1) and the photo still gets its renditions.
func TestInfiniteLoopEXIF(t *testing.T) {
	for _, dec := range decoders() {
		t.Run(dec.name, func(t *testing.T) {
			opt := outOpts(t, dec.pureGo)
			res, err := Make(context.Background(), "testdata/infinite_loop_exif.jpg", opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Orientation != 1 || res.Web != (image.Point{8, 8}) {
				t.Fatalf("got %+v", res)
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opt := outOpts(t, true)
	if _, err := Make(ctx, "testdata/f1-exif.jpg", opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestDecoderUsed(t *testing.T) {
	opt := outOpts(t, false)
	res, err := Make(context.Background(), "testdata/f1-exif.jpg", opt)
	if err != nil {
		t.Fatal(err)
	}
	want := "image/jpeg"
	if haveTurbo {
		want = "libjpeg-turbo"
	}
	if res.Decoder != want {
		t.Fatalf("decoder %q, want %q", res.Decoder, want)
	}
}

// A stray byte between segments makes libjpeg-turbo warn; the file is fine
// otherwise, so it is decoded by image/jpeg instead of being refused.
func TestStrayBytesFallBack(t *testing.T) {
	good, err := os.ReadFile("testdata/f1-exif.jpg")
	if err != nil {
		t.Fatal(err)
	}
	dqt := bytes.Index(good, []byte{0xFF, 0xDB})
	if dqt < 0 {
		t.Fatal("no DQT")
	}
	bad := append(append(append([]byte{}, good[:dqt]...), 0x00, 0x00), good[dqt:]...)
	src := filepath.Join(t.TempDir(), "stray.jpg")
	if err := os.WriteFile(src, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dec := range decoders() {
		t.Run(dec.name, func(t *testing.T) {
			opt := outOpts(t, dec.pureGo)
			res, err := Make(context.Background(), src, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decoder != "image/jpeg" {
				t.Errorf("decoded by %s", res.Decoder)
			}
			if d := diff(readJPEG(t, opt.WebPath), readJPEG(t, "testdata/f1-exif.jpg"), 20, 40); d > 12 {
				t.Errorf("differs by %.1f", d)
			}
		})
	}
}
