package photoinfo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// TestImagemetaAgreesWithJpegmeta reads the caption fields of every fixture
// with both readers: jpegmeta.Read (tested against exiftool) and imagemeta's
// XMP-else-IIM as fieldsFromTags builds them.
func TestImagemetaAgreesWithJpegmeta(t *testing.T) {
	for _, p := range fixtures(t) {
		t.Run(strings.TrimPrefix(p, fixtureDir+"/"), func(t *testing.T) {
			data := readFile(t, p)
			want, err := jpegmeta.Read(bytes.NewReader(data))
			if err != nil {
				// huge_tag_exif, max_uint32_exif: cut off in APP4, which
				// jpegmeta refuses; Read then uses fieldsFromTags itself.
				t.Skipf("jpegmeta.Read: %v", err)
			}
			got := fieldsFromTags(readTags(data, "jpeg", &warnings{}))
			if !reflect.DeepEqual(norm(got), norm(want)) {
				t.Errorf("imagemeta %+v\njpegmeta  %+v", got, want)
			}
			if strings.Contains(p, "IPTC-Photometadata") && (got.Caption == "" || len(got.Keywords) != 3 || got.City == "" || got.AltText == "") {
				t.Errorf("reference image read as %+v", got)
			}
		})
	}
}

// norm makes empty and nil lists equal.
func norm(f jpegmeta.Fields) jpegmeta.Fields {
	if len(f.Creator) == 0 {
		f.Creator = nil
	}
	if len(f.Keywords) == 0 {
		f.Keywords = nil
	}
	return f
}

// pngWithEXIF encodes a w×h PNG and inserts an eXIf chunk holding the TIFF
// data of the JPEG fixture jpg (its APP1 after "Exif\0\0").
func pngWithEXIF(t testing.TB, w, h int, jpg string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	var tiff []byte
	if jpg != "" {
		j := readFile(t, jpg)
		i := bytes.Index(j, []byte("Exif\x00\x00"))
		n := int(binary.BigEndian.Uint16(j[i-2:]))
		tiff = j[i+6 : i-2+n]
	}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	ihdrEnd := 8 + 12 + 13
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}

func TestPNG(t *testing.T) {
	data := pngWithEXIF(t, 5, 3, fixtureDir+"/orientation/f6-exif.jpg")
	p := filepath.Join(t.TempDir(), "f6.png")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := exiftool(t, p)
	info, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != "png" || info.Width != 5 || info.Height != 3 || len(info.Warnings) > 0 {
		t.Errorf("%+v", info)
	}
	if o, _ := m["IFD0:Orientation"].(float64); info.Orientation != int(o) || info.Orientation != 6 || Orientation(data) != 6 {
		t.Errorf("Orientation = %d, exiftool %v", info.Orientation, m["IFD0:Orientation"])
	}
	if w, h := info.DisplaySize(); w != 3 || h != 5 {
		t.Errorf("DisplaySize = %dx%d", w, h)
	}
	// A chunk that claims more bytes than the file has is cut off, not read.
	bad := append([]byte{}, data...)
	binary.BigEndian.PutUint32(bad[33:], 9<<20)
	if info, err := Read(bad); err != nil || info.Orientation != 1 {
		t.Errorf("damaged eXIf: %+v, %v", info, err)
	}
}
