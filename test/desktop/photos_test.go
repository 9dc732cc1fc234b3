//go:build desktop

package desktop

import (
	"context"
	"image"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/settings"
	"github.com/warta-news/warta/app/store"
)

// TestPhotosScreen opens the production build on the Photos screen with an
// imported, captioned card and checks that the WebKit window really shows
// the thumbnails (served by the photo file handler inside the binary), not
// empty frames. With WARTA_SCREENSHOT_DIR it saves docs/photos.png.
func TestPhotosScreen(t *testing.T) {
	display := startXvfb(t)
	dataDir := t.TempDir()
	seedPhotos(t, dataDir)
	t0 := time.Now()
	a := start(t, display, dataDir)
	_, img := waitPainted(t, display, a, t0)
	img = settled(t, display, img)
	saveScreenshot(t, img, "photos.png")
	// Camera photos are colourful; the app's own chrome is grey with one
	// red button. Count strongly coloured pixels.
	if n := colourful(img); n < 20000 {
		t.Errorf("only %d colourful pixels: the thumbnails did not load", n)
	}
	if code := a.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, a.out)
	}
}

func colourful(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, bl)>>8, min(r, g, bl)>>8
			if hi-lo > 80 {
				n++
			}
		}
	}
	return n
}

// seedPhotos imports the camera fixtures, captions two of them, and makes
// Photos the screen that opens.
func seedPhotos(t *testing.T, dataDir string) {
	t.Helper()
	st, err := store.Open(filepath.Join(dataDir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, err := photos.New(st, filepath.Join(dataDir, "photos"), nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := "../../app/photos/jpegmeta/testdata/"
	var paths []string
	for _, f := range []string{"nikon-d2h-gps-xmp.jpg", "iphone-4s-orientation6-gps.jpg", "metadata-extractor-simple.jpg", "IPTC-PhotometadataRef-Std2021.1.jpg", "orientation/f6-exif.jpg", "orientation/f8-exif.jpg"} {
		paths = append(paths, fx+f)
	}
	res, err := lib.Import(context.Background(), paths, photos.ImportOptions{}, nil)
	if err != nil || res.Added != len(paths) {
		t.Fatalf("seed import: %+v %v", res, err)
	}
	ids := map[string]string{}
	for _, f := range res.Files {
		ids[f.Name] = f.Photo.ID
	}
	if _, err := lib.Apply([]string{ids["nikon-d2h-gps-xmp.jpg"]}, []photos.Change{
		{Field: "caption", Text: "Menteri Sosial Agus Gumiwang Kartasasmita meninjau dapur umum, Jakarta Pusat, Rabu (21/8/2019). (Foto: Masran Rauf)"},
		{Field: "creator", Values: []string{"Masran Rauf"}},
		{Field: "credit", Text: "Humas Kemensos"},
		{Field: "city", Text: "Jakarta Pusat"},
		{Field: "province", Text: "DKI Jakarta"},
		{Field: "keywords", Values: []string{"bansos", "Kemensos"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Apply([]string{ids["iphone-4s-orientation6-gps.jpg"]}, []photos.Change{
		{Field: "caption", Text: "Warga menerima bantuan di posko banjir, Jakarta Timur, Senin (1/9/2014). (Foto: Rivan Awal Lingga)"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := settings.New(st).SetSection("photos"); err != nil {
		t.Fatal(err)
	}
}
