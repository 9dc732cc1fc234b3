package photos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	"github.com/warta-news/warta/app/store"
)

// fixtures is the folder of real camera files shared with jpegmeta's tests:
// four camera files, orientation/f1…f8, corrupt/ (three damaged EXIF
// blocks, one of which has intact pixels) and a SOURCES.md.
const fixtures = "jpegmeta/testdata"

func openLib(t testing.TB, dir string) (*Library, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "db"), nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(st, filepath.Join(dir, "photos"), nil)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return l, st
}

// openLibOrExit is openLib for a child process without a testing.T.
func openLibOrExit(dir string, fail func(string, error)) (*Library, *store.Store) {
	st, err := store.Open(filepath.Join(dir, "db"), nil, store.Options{})
	if err != nil {
		fail("open", err)
	}
	l, err := New(st, filepath.Join(dir, "photos"), nil)
	if err != nil {
		fail("library", err)
	}
	return l, st
}

func newLib(t testing.TB) *Library {
	t.Helper()
	l, st := openLib(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	return l
}

// smallJPEG encodes a w×h test picture.
func smallJPEG(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y), seed, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// declare rewrites the size in a JPEG's SOF0 header (a decompression bomb
// when large: a few kilobytes claiming billions of pixels).
func declare(t testing.TB, jpg []byte, w, h int) []byte {
	t.Helper()
	b := slices.Clone(jpg)
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			t.Fatal("lost in the JPEG")
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if b[i+1] == 0xC0 {
			b[i+5], b[i+6] = byte(h>>8), byte(h)
			b[i+7], b[i+8] = byte(w>>8), byte(w)
			return b
		}
		i += 2 + n
	}
	t.Fatal("no SOF0")
	return nil
}

func writeFile(t testing.TB, path string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sha(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func byName(res ImportResult) map[string]FileResult {
	m := map[string]FileResult{}
	for _, f := range res.Files {
		m[f.Name] = f
	}
	return m
}

// badFiles writes one of each kind of bad input into dir and returns their
// paths with the code each must get.
func badFiles(t *testing.T, dir string) map[string]string {
	good := smallJPEG(t, 64, 48, 0)
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...)
	return map[string]string{
		writeFile(t, filepath.Join(dir, "kosong.jpg"), nil):                                 CodeEmpty,
		writeFile(t, filepath.Join(dir, "catatan.jpg"), []byte("bukan foto, hanya teks\n")): CodeUnsupported,
		writeFile(t, filepath.Join(dir, "terpotong.jpg"), good[:len(good)*2/3]):             CodeCorrupt,
		writeFile(t, filepath.Join(dir, "bom.jpg"), declare(t, good, 60000, 60000)):         CodeTooLarge,
		writeFile(t, filepath.Join(dir, "IMG_0001.HEIC"), heic):                             CodeHEIC,
		filepath.Join(dir, "tidak-ada.jpg"):                                                 CodeUnreadable,
	}
}

func TestImportBatchWithBadFiles(t *testing.T) {
	l := newLib(t)
	bad := badFiles(t, t.TempDir())
	paths := []string{fixtures}
	for p := range bad {
		paths = append(paths, p)
	}
	var (
		mu      sync.Mutex
		reports []Progress
		seen    = map[string]int{}
	)
	res, err := l.Import(context.Background(), paths, ImportOptions{}, func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, p)
		for _, f := range p.Files {
			seen[f.Path]++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := byName(res)
	for p, code := range bad {
		f := got[filepath.Base(p)]
		if f.Code != code || f.Error == "" {
			t.Errorf("%s: code %q error %q, want code %q and a message", filepath.Base(p), f.Code, f.Error, code)
		}
	}
	for _, name := range []string{"huge_tag_exif.jpg", "max_uint32_exif.jpg"} {
		if f := got[name]; f.Code != CodeCorrupt {
			t.Errorf("%s: %+v, want corrupt", name, f)
		}
	}
	// 4 camera files + 8 orientation files + the EXIF-loop file whose
	// pixels are intact.
	if res.Added != 13 || res.Failed != len(bad)+2 || res.Duplicates != 0 || res.Skipped != 1 {
		t.Fatalf("added %d failed %d dup %d skipped %d; files %+v", res.Added, res.Failed, res.Duplicates, res.Skipped, res.Files)
	}
	// Progress: every file the pool ran reported exactly once.
	for _, f := range res.Files {
		if f.Code != CodeUnreadable && seen[f.Path] != 1 {
			t.Errorf("%s reported %d times in progress", f.Name, seen[f.Path])
		}
	}
	last := reports[len(reports)-1]
	if last.Added != 13 {
		t.Errorf("last progress report says %d added", last.Added)
	}

	list, err := l.List()
	if err != nil || len(list) != 13 {
		t.Fatalf("List: %d photos, %v", len(list), err)
	}
	for _, p := range list {
		src := got[p.Name].Path
		if p.SHA256 != sha(t, src) {
			t.Errorf("%s: recorded hash differs from the source", p.Name)
		}
		orig, _ := l.File(p.ID, "original")
		if sha(t, orig) != p.SHA256 {
			t.Errorf("%s: library copy differs from the source", p.Name)
		}
		thumb, _ := l.File(p.ID, "thumb")
		f, err := os.Open(thumb)
		if err != nil {
			t.Fatalf("%s: no thumbnail: %v", p.Name, err)
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// The thumbnail is upright: its shape matches the upright size.
		if (cfg.Width > cfg.Height) != (p.Width > p.Height) || max(cfg.Width, cfg.Height) > 320 {
			t.Errorf("%s: thumbnail %d×%d for an upright %d×%d photo", p.Name, cfg.Width, cfg.Height, p.Width, p.Height)
		}
	}
	iphone := findPhoto(t, list, "iphone-4s-orientation6-gps.jpg")
	if iphone.Orientation != 6 || iphone.Height <= iphone.Width {
		t.Errorf("iPhone photo: orientation %d, upright %d×%d; want 6 and portrait", iphone.Orientation, iphone.Width, iphone.Height)
	}
	if iphone.Make != "Apple" || iphone.GPS == nil || iphone.Taken != "2014-09-01T15:03:47" || iphone.Fields.DateCreated != "2014-09-01" {
		t.Errorf("iPhone camera facts not read: make %q gps %v taken %q", iphone.Make, iphone.GPS, iphone.Taken)
	}
	ref := findPhoto(t, list, "IPTC-PhotometadataRef-Std2021.1.jpg")
	if !strings.Contains(ref.Fields.Caption, "The description aka caption") || len(ref.Fields.Creator) == 0 || ref.Fields.AltText == "" {
		t.Errorf("IPTC reference fields not read: %+v", ref.Fields)
	}

	// A second import of the same folder adds nothing and copies nothing.
	before := dirCount(t, l.Root())
	again, err := l.Import(context.Background(), []string{fixtures}, ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Added != 0 || again.Duplicates != 13 {
		t.Fatalf("re-import: added %d duplicates %d", again.Added, again.Duplicates)
	}
	if f := byName(again)["nikon-d2h-gps-xmp.jpg"]; f.DuplicateOf != findPhoto(t, list, "nikon-d2h-gps-xmp.jpg").ID {
		t.Errorf("duplicate points at %q", f.DuplicateOf)
	}
	if after := dirCount(t, l.Root()); after != before {
		t.Errorf("re-import changed the library folder: %d → %d entries", before, after)
	}
}

func findPhoto(t testing.TB, list []Photo, name string) Photo {
	t.Helper()
	for _, p := range list {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no photo %s", name)
	return Photo{}
}

func dirCount(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(string, os.DirEntry, error) error { n++; return nil })
	return n
}

// Two copies of the same bytes in one batch are imported once.
func TestImportSameBytesTwiceInOneBatch(t *testing.T) {
	l := newLib(t)
	dir := t.TempDir()
	b := smallJPEG(t, 80, 60, 7)
	a := writeFile(t, filepath.Join(dir, "a.jpg"), b)
	c := writeFile(t, filepath.Join(dir, "kartu2", "a-copy.jpg"), b)
	res, err := l.Import(context.Background(), []string{a, c, a}, ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Duplicates != 1 || res.Total != 2 {
		t.Fatalf("%+v", res)
	}
}

func TestCancelLeavesAConsistentLibrary(t *testing.T) {
	l := newLib(t)
	dir := t.TempDir()
	var paths []string
	for i := range 40 {
		paths = append(paths, writeFile(t, filepath.Join(dir, "p"+string(rune('a'+i%26))+string(rune('a'+i/26))+".jpg"), smallJPEG(t, 900, 600, uint8(i))))
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err := l.Import(ctx, paths, ImportOptions{Workers: 1}, func(p Progress) {
		if p.Added > 0 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cancelled || res.Added == 0 || res.Added == 40 {
		t.Fatalf("cancel: cancelled %v added %d", res.Cancelled, res.Added)
	}
	n := 0
	for _, f := range res.Files {
		if f.Code == CodeCancelled {
			n++
		}
	}
	if n == 0 || n+res.Added != 40 {
		t.Fatalf("%d cancelled + %d added != 40", n, res.Added)
	}
	checkConsistent(t, l)
	// The rest can be imported afterwards.
	res, err = l.Import(context.Background(), paths, ImportOptions{}, nil)
	if err != nil || res.Added+res.Duplicates != 40 || res.Duplicates == 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	checkConsistent(t, l)
}

// checkConsistent: every record has its three files and hash key, every
// photo folder has a record.
func checkConsistent(t *testing.T, l *Library) {
	t.Helper()
	list, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range list {
		have[p.ID] = true
		for _, k := range []string{"original", "web", "thumb"} {
			path, _ := l.File(p.ID, k)
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: %s missing", p.ID, k)
			}
		}
		b, err := l.st.Get(pHash + p.SHA256)
		if err != nil || string(b) != p.ID {
			t.Errorf("%s: hash key %q %v", p.ID, b, err)
		}
	}
	entries, _ := os.ReadDir(l.Root())
	for _, e := range entries {
		if !have[e.Name()] {
			t.Errorf("folder %s has no record", e.Name())
		}
	}
}

func TestSweepRemovesUnfinishedImports(t *testing.T) {
	dir := t.TempDir()
	l, st := openLib(t, dir)
	res, err := l.Import(context.Background(), []string{filepath.Join(fixtures, "metadata-extractor-simple.jpg")}, ImportOptions{}, nil)
	if err != nil || res.Added != 1 {
		t.Fatal(res, err)
	}
	orphan := filepath.Join(l.Root(), ids.New(l.now()))
	writeFile(t, filepath.Join(orphan, "original.jpg"), []byte("half"))
	st.Close()

	l, st = openLib(t, dir)
	defer st.Close()
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("orphan folder survived: %v", err)
	}
	checkConsistent(t, l)
}

func TestApplyAndTemplates(t *testing.T) {
	l := newLib(t)
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		paths = append(paths, writeFile(t, filepath.Join(dir, "foto"+string(rune('1'+i))+".jpg"), smallJPEG(t, 40, 30, uint8(i))))
	}
	res, err := l.Import(context.Background(), paths, ImportOptions{}, nil)
	if err != nil || res.Added != 3 {
		t.Fatal(res, err)
	}
	var idList []string
	for _, f := range res.Files {
		idList = append(idList, f.Photo.ID)
	}
	if _, err := l.Apply(idList[:1], []Change{{Field: "caption", Text: "Mensos menyerahkan bantuan"}, {Field: "keywords", Values: []string{"bansos"}}}); err != nil {
		t.Fatal(err)
	}
	tpl := Template{Name: "Humas Kemensos", Changes: []Change{
		{Field: "credit", Text: "Humas Kemensos"},
		{Field: "creator", Values: []string{"Masran Rauf"}},
		{Field: "city", Text: "Jakarta Pusat"},
		{Field: "keywords", Mode: "append", Values: []string{"Kemensos", "BANSOS"}},
		{Field: "caption", Mode: "append", Text: "(Foto: Masran Rauf)"},
	}}
	if _, err := l.SaveTemplate(tpl, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.SaveTemplate(Template{Name: "x", Changes: []Change{{Field: "nope"}}}, ""); err == nil {
		t.Fatal("a template with an unknown field was saved")
	}
	got, err := l.ApplyTemplate("humas kemensos", idList)
	if err != nil {
		t.Fatal(err)
	}
	first, second := got[0].Fields, got[1].Fields
	if first.Caption != "Mensos menyerahkan bantuan (Foto: Masran Rauf)" || second.Caption != "(Foto: Masran Rauf)" {
		t.Errorf("captions %q / %q", first.Caption, second.Caption)
	}
	if !slices.Equal(first.Keywords, []string{"bansos", "Kemensos"}) || !slices.Equal(second.Keywords, []string{"Kemensos", "BANSOS"}) {
		t.Errorf("keywords %q / %q", first.Keywords, second.Keywords)
	}
	if first.Credit != "Humas Kemensos" || !slices.Equal(second.Creator, []string{"Masran Rauf"}) || second.City != "Jakarta Pusat" {
		t.Errorf("fields %+v", second)
	}
	// Applying again does not double the appended text.
	again, _ := l.ApplyTemplate("Humas Kemensos", idList[:1])
	if again[0].Fields.Caption != first.Caption {
		t.Errorf("second application: %q", again[0].Fields.Caption)
	}
	// Rename and delete.
	if _, err := l.SaveTemplate(Template{Name: "Kemensos/Jakarta", Changes: tpl.Changes}, "Humas Kemensos"); err != nil {
		t.Fatal(err)
	}
	list, _ := l.Templates()
	if len(list) != 1 || list[0].Name != "Kemensos/Jakarta" {
		t.Fatalf("templates after rename: %+v", list)
	}
	if err := l.DeleteTemplate("kemensos/jakarta"); err != nil {
		t.Fatal(err)
	}
	if list, _ := l.Templates(); len(list) != 0 {
		t.Fatalf("template not deleted: %+v", list)
	}
	// Replace with empty clears; unknown ids are refused.
	got, _ = l.Apply(idList[:1], []Change{{Field: "credit"}})
	if got[0].Fields.Credit != "" {
		t.Errorf("credit not cleared")
	}
	if _, err := l.Apply(idList[:1], []Change{{Field: "dateCreated", Text: "21/8/2019"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a date not in ISO form was accepted: %v", err)
	}
	if got, err := l.Apply(idList[:1], []Change{{Field: "dateCreated", Text: "2019-08-21"}}); err != nil || got[0].Fields.DateCreated != "2019-08-21" {
		t.Errorf("date: %v", err)
	}
	if _, err := l.Apply([]string{"../etc"}, nil); err == nil {
		t.Error("a bad id was accepted")
	}
}

func TestExportWritesCaptionsAndNeverOverwrites(t *testing.T) {
	l := newLib(t)
	res, err := l.Import(context.Background(), []string{filepath.Join(fixtures, "nikon-d2h-gps-xmp.jpg")}, ImportOptions{}, nil)
	if err != nil || res.Added != 1 {
		t.Fatal(res, err)
	}
	id := res.Files[0].Photo.ID
	long := strings.Repeat("Menteri Sosial menyerahkan bantuan kepada warga terdampak banjir. ", 40) // > 2000 bytes
	if _, err := l.Apply([]string{id}, []Change{{Field: "caption", Text: long}, {Field: "creator", Values: []string{"Masran Rauf"}}}); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	origBefore := sha(t, mustFile(t, l, id, "original"))
	for _, kind := range []string{KindWeb, KindOriginal, KindOriginal} {
		rs, err := l.Export([]string{id}, out, kind)
		if err != nil || rs[0].Error != "" {
			t.Fatal(rs, err)
		}
		if len(rs[0].Truncated) != 1 || rs[0].Truncated[0].Field != "caption" {
			t.Errorf("%s: truncation not reported: %+v", kind, rs[0])
		}
		f, err := os.Open(rs[0].Path)
		if err != nil {
			t.Fatal(err)
		}
		fields, err := jpegmeta.Read(f)
		f.Close()
		if err != nil || fields.Caption != strings.TrimSpace(long) || fields.Creator[0] != "Masran Rauf" {
			t.Errorf("%s: exported caption %q…, %v", kind, fields.Caption[:min(40, len(fields.Caption))], err)
		}
		// EXIF too, also in the re-encoded web rendition (which had none).
		out, err := exec.Command("exiftool", "-s3", "-IFD0:ImageDescription", "-IFD0:Artist", rs[0].Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(long) + "\nMasran Rauf\n"; string(out) != want {
			t.Errorf("%s: EXIF %q", kind, out)
		}
	}
	names, _ := filepath.Glob(filepath.Join(out, "*"))
	slices.Sort(names)
	want := []string{"nikon-d2h-gps-xmp-2.jpg", "nikon-d2h-gps-xmp-3.jpg", "nikon-d2h-gps-xmp.jpg"}
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	if !slices.Equal(names, want) {
		t.Errorf("exported %v, want %v", names, want)
	}
	if sha(t, mustFile(t, l, id, "original")) != origBefore {
		t.Error("export changed the library's original")
	}
	if _, err := l.Export([]string{id}, filepath.Join(out, "nope"), KindWeb); err == nil {
		t.Error("export into a missing folder did not fail")
	}
}

func mustFile(t testing.TB, l *Library, id, kind string) string {
	t.Helper()
	p, err := l.File(id, kind)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHandlerServesFilesAndNothingElse(t *testing.T) {
	l := newLib(t)
	res, err := l.Import(context.Background(), []string{filepath.Join(fixtures, "metadata-extractor-simple.jpg")}, ImportOptions{}, nil)
	if err != nil || res.Added != 1 {
		t.Fatal(res, err)
	}
	id := res.Files[0].Photo.ID
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	get := func(path string) (int, []byte) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, kind := range []string{"thumb", "web", "original"} {
		code, b := get(URLPrefix + id + "/" + kind)
		want, _ := os.ReadFile(mustFile(t, l, id, kind))
		if code != 200 || !bytes.Equal(b, want) {
			t.Errorf("%s: %d, %d bytes", kind, code, len(b))
		}
	}
	for _, p := range []string{URLPrefix + "../../db/MANIFEST", URLPrefix + id + "/../../db", URLPrefix + id, URLPrefix + id + "/exif", URLPrefix + ids.New(l.now()) + "/thumb"} {
		if code, _ := get(p); code != 404 {
			t.Errorf("%s: status %d, want 404", p, code)
		}
	}
}

func TestCodesAndHouseStyle(t *testing.T) {
	l := newLib(t)
	tsv := "\ufeffmensos\tMenteri Sosial Agus Gumiwang Kartasasmita\r\njkt\tJakarta\r\nrusak tanpa tab\r\n"
	table, err := l.ImportCodes(strings.NewReader(tsv))
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Codes) != 2 || len(table.Problems) != 1 || table.Problems[0].Line != 3 {
		t.Fatalf("import: %+v", table)
	}
	var buf bytes.Buffer
	if err := l.ExportCodes(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "mensos\tMenteri Sosial Agus Gumiwang Kartasasmita\njkt\tJakarta\n" {
		t.Fatalf("export: %q", buf.String())
	}

	p := Photo{ID: ids.New(l.now()), SHA256: "x", Taken: "2019-08-21T23:30:00+07:00"}
	if err := l.st.PutJSON(pPhoto+p.ID, p); err != nil {
		t.Fatal(err)
	}
	in := HouseStyleInput{ID: p.ID, Caption: "Warga antre bantuan", Place: "Jayapura", Province: "Papua", Credit: "Masran Rauf", Lang: "id"}
	got, err := l.HouseStyle(in)
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 WIB is 01:30 WIT the next day, a Thursday.
	if want := "Warga antre bantuan, Jayapura, Kamis (22/8/2019). (Foto: Masran Rauf)"; got != want {
		t.Fatalf("house style\n got %q\nwant %q", got, want)
	}
}

// PNG is accepted: imported as is, exported as is from the original (with
// a note that PNG carries no IPTC) and as a captioned JPEG from the web
// rendition.
func TestPNGImportAndExport(t *testing.T) {
	l := newLib(t)
	img := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	src := writeFile(t, filepath.Join(t.TempDir(), "grafik.png"), buf.Bytes())
	res, err := l.Import(context.Background(), []string{src}, ImportOptions{}, nil)
	if err != nil || res.Added != 1 {
		t.Fatal(res, err)
	}
	p := res.Files[0].Photo
	if p.Format != "png" || p.Width != 300 || p.Height != 200 {
		t.Fatalf("%+v", p)
	}
	if _, err := l.Apply([]string{p.ID}, []Change{{Field: "caption", Text: "Grafik penyaluran bansos 2019"}}); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	orig, _ := l.Export([]string{p.ID}, out, KindOriginal)
	if orig[0].Error != "" || filepath.Ext(orig[0].Path) != ".png" || len(orig[0].Notes) == 0 || sha(t, orig[0].Path) != sha(t, src) {
		t.Fatalf("original export: %+v", orig[0])
	}
	web, _ := l.Export([]string{p.ID}, out, KindWeb)
	f, err := os.Open(web[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields, err := jpegmeta.Read(f)
	if err != nil || fields.Caption != "Grafik penyaluran bansos 2019" {
		t.Fatalf("web export of a PNG: %q %v", fields.Caption, err)
	}
}
