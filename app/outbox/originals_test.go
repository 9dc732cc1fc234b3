package outbox

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	sstore "github.com/warta-news/warta/server/store"
)

// bigImage writes a w×h gradient as a JPEG or PNG.
func bigImage(t *testing.T, name string, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if filepath.Ext(name) == ".png" {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOriginals(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	ph := d.importPhotos(bigImage(t, "besar.jpg", 2400, 1600), bigImage(t, "layar.png", 2200, 800))
	if _, err := d.pics.Apply(ph, []photos.Change{{Field: "caption", Text: "Foto asli penuh"}}); err != nil {
		t.Fatal(err)
	}
	a := d.newArticle("Foto asli", ph...)
	originals := true
	ob := d.outbox(fast, func(o *Options) { o.Originals = func() bool { return originals } })
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	checkPhotos(t, s, d, ob)

	blobSize := func(pid string) (int, int, []byte) {
		t.Helper()
		it, err := ob.Item("p-" + pid)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(s.blobs.Path(it.SHA256))
		if err != nil {
			t.Fatal(err)
		}
		c, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || format != "jpeg" {
			t.Fatalf("blob of %s: %s %v, want a JPEG", pid, format, err)
		}
		return c.Width, c.Height, b
	}
	webSize := func(pid string) (int, int) {
		t.Helper()
		path, _ := d.pics.File(pid, "web")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c, _, err := image.DecodeConfig(f)
		if err != nil {
			t.Fatal(err)
		}
		return c.Width, c.Height
	}
	// The JPEG goes at its full size, captions embedded.
	if w, h, b := blobSize(ph[0]); w != 2400 || h != 1600 {
		t.Errorf("JPEG original sent as %d×%d, want 2400×1600", w, h)
	} else if f, err := jpegmeta.Read(bytes.NewReader(b)); err != nil || f.Caption != "Foto asli penuh" {
		t.Errorf("original's caption %q %v", f.Caption, err)
	}
	// The PNG goes as its web rendition (a JPEG).
	if w, h, _ := blobSize(ph[1]); w != 2048 || h > 800 {
		t.Errorf("PNG sent as %d×%d, want the 2048 px web rendition", w, h)
	} else if ww, wh := webSize(ph[1]); w != ww || h != wh {
		t.Errorf("PNG sent as %d×%d, its web rendition is %d×%d", w, h, ww, wh)
	}

	// Switched off: the web rendition, a new upload.
	originals = false
	ob.Enqueue([]string{a.ID})
	run(t, ob)
	wantAll(t, ob, StateDone)
	ww, wh := webSize(ph[0])
	if w, h, _ := blobSize(ph[0]); w != ww || h != wh || w != 2048 {
		t.Errorf("web rendition sent as %d×%d, want %d×%d", w, h, ww, wh)
	}
	checkPhotos(t, s, d, ob)
}
