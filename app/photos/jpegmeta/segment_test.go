package jpegmeta

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures returns every testdata/**/*.jpg; fixtures under corrupt/ are
// JPEGs with damaged EXIF, which the segment layer must still round-trip.
func fixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".jpg") && !strings.Contains(p, "testdata/fuzz") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d fixtures in testdata", len(out))
	}
	return out
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corruptWant is what Parse says about each file in testdata/corrupt; nil
// means the segment structure is sound (only the EXIF inside is damaged).
// The two 64 KiB files were cut off inside an APP4 segment.
var corruptWant = map[string]error{
	"huge_tag_exif.jpg":      ErrTruncated,
	"max_uint32_exif.jpg":    ErrTruncated,
	"infinite_loop_exif.jpg": nil,
}

func TestParseWriteIdentity(t *testing.T) {
	for _, p := range fixtures(t) {
		t.Run(p, func(t *testing.T) {
			in := readFile(t, p)
			f, err := Parse(bytes.NewReader(in))
			if want, ok := corruptWant[filepath.Base(p)]; ok && want != nil {
				if !errors.Is(err, want) {
					t.Fatalf("Parse: got %v, want %v", err, want)
				}
				t.Logf("clear error: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in, out) {
				t.Fatalf("round trip differs: %d bytes in, %d out", len(in), len(out))
			}
		})
	}
}

func TestParseBadInput(t *testing.T) {
	good := readFile(t, "testdata/metadata-extractor-simple.jpg")
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrNotJPEG},
		{"one byte", []byte{0xFF}, ErrNotJPEG},
		{"text named .jpg", []byte("This is not a photo.\n"), ErrNotJPEG},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), ErrNotJPEG},
		{"SOI only", []byte{0xFF, 0xD8}, ErrTruncated},
		{"cut in marker", []byte{0xFF, 0xD8, 0xFF}, ErrTruncated},
		{"cut in length", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00}, ErrTruncated},
		{"length past EOF", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'}, ErrTruncated},
		{"length below 2", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xDA}, ErrMalformed},
		{"garbage between segments", []byte{0xFF, 0xD8, 0x12, 0x34}, ErrMalformed},
		{"second SOI", []byte{0xFF, 0xD8, 0xFF, 0xD8}, ErrMalformed},
		{"cut before SOS", good[:sos], ErrTruncated},
		{"cut mid segment", good[:sos/2], ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(c.in))
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			t.Logf("%v", err)
		})
	}
	// Every prefix of a real file is either an error or (once past SOS) a
	// file that round-trips: never a panic.
	for n := 0; n < sos+4 && n <= len(good); n++ {
		f, err := Parse(bytes.NewReader(good[:n]))
		if err == nil {
			out, _ := f.Bytes()
			if !bytes.Equal(out, good[:n]) {
				t.Fatalf("prefix %d: round trip differs", n)
			}
		}
	}
}

func TestParseTruncatedImageData(t *testing.T) {
	// A file cut inside the image data still parses: the tail is kept as is,
	// so a caption can be written without making the damage worse.
	good := readFile(t, "testdata/metadata-extractor-simple.jpg")
	cut := good[:len(good)-len(good)/3]
	f, err := Parse(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := f.Bytes()
	if !bytes.Equal(out, cut) {
		t.Fatal("round trip differs")
	}
}
