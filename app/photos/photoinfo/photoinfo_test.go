package photoinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// The fixtures are the jpegmeta package's copies (see its testdata/SOURCES.md);
// they are read only.
const fixtureDir = "../jpegmeta/testdata"

func fixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(fixtureDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jpg") && !strings.Contains(p, "/fuzz/") {
			out = append(out, p)
		}
		return nil
	})
	if len(out) < 15 {
		t.Fatalf("found only %d fixtures in %s", len(out), fixtureDir)
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

// exiftool returns exiftool's numeric JSON view of a file, tags GROUP:Tag.
// It never skips: CI installs exiftool (scripts/setup.sh).
func exiftool(t *testing.T, path string) map[string]any {
	t.Helper()
	if _, err := exec.LookPath("exiftool"); err != nil {
		t.Fatal("exiftool not found: apt-get install -y libimage-exiftool-perl")
	}
	out, err := exec.Command("exiftool", "-j", "-n", "-G1", "-charset", "iptc=UTF8", path).Output()
	if err != nil {
		t.Fatalf("exiftool %s: %v", path, err)
	}
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 1 {
		t.Fatalf("exiftool JSON: %v", err)
	}
	return v[0]
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// truncatedFixtures were cut off inside an APP4 segment; exiftool stops with
// "JPEG format error" and shows none of their EXIF, so there is nothing to
// compare with. Read must still return quickly with warnings.
var truncatedFixtures = map[string]bool{"huge_tag_exif.jpg": true, "max_uint32_exif.jpg": true}

// TestReadAgainstExiftool checks every fixture against exiftool: size,
// orientation, DateTimeOriginal+OffsetTimeOriginal, Make, Model, lens and GPS.
func TestReadAgainstExiftool(t *testing.T) {
	for _, p := range fixtures(t) {
		t.Run(strings.TrimPrefix(p, fixtureDir+"/"), func(t *testing.T) {
			info, err := Read(readFile(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != "jpeg" {
				t.Errorf("Format = %q", info.Format)
			}
			if truncatedFixtures[filepath.Base(p)] {
				if len(info.Warnings) == 0 {
					t.Error("no warnings for a damaged file")
				}
				return
			}
			m := exiftool(t, p)
			num := func(k string) int { f, _ := m[k].(float64); return int(f) }
			if info.Width != num("File:ImageWidth") || info.Height != num("File:ImageHeight") {
				t.Errorf("size %dx%d, exiftool %dx%d", info.Width, info.Height, num("File:ImageWidth"), num("File:ImageHeight"))
			}
			wantO := num("IFD0:Orientation")
			if wantO == 0 {
				wantO = 1
			}
			if info.Orientation != wantO || Orientation(readFile(t, p)) != wantO {
				t.Errorf("Orientation = %d / %d, exiftool %d", info.Orientation, Orientation(readFile(t, p)), wantO)
			}
			wantTaken := ""
			if d := str(m["ExifIFD:DateTimeOriginal"]); d != "" {
				wantTaken = d + str(m["ExifIFD:OffsetTimeOriginal"])
			}
			gotTaken := ""
			if !info.Taken.IsZero() {
				gotTaken = info.Taken.Format("2006:01:02 15:04:05")
				if info.HasOffset {
					gotTaken += info.Taken.Format("-07:00")
				}
			}
			if gotTaken != wantTaken {
				t.Errorf("Taken = %q (hasOffset %v), exiftool %q", gotTaken, info.HasOffset, wantTaken)
			}
			for _, c := range [][2]string{{info.Make, str(m["IFD0:Make"])}, {info.Model, str(m["IFD0:Model"])}, {info.Lens, str(m["ExifIFD:LensModel"])}} {
				if c[0] != c[1] {
					t.Errorf("got %q, exiftool %q", c[0], c[1])
				}
			}
			lat, hasLat := m["GPS:GPSLatitude"].(float64)
			lon, _ := m["GPS:GPSLongitude"].(float64)
			if hasLat != (info.GPS != nil) {
				t.Fatalf("GPS = %+v, exiftool lat %v", info.GPS, m["GPS:GPSLatitude"])
			}
			if info.GPS != nil {
				if m["GPS:GPSLatitudeRef"] == "S" {
					lat = -lat
				}
				if m["GPS:GPSLongitudeRef"] == "W" {
					lon = -lon
				}
				if math.Abs(info.GPS.Lat-lat) > 1e-6 || math.Abs(info.GPS.Lon-lon) > 1e-6 {
					t.Errorf("GPS %v,%v, exiftool %v,%v", info.GPS.Lat, info.GPS.Lon, lat, lon)
				}
				alt, hasAlt := m["GPS:GPSAltitude"].(float64)
				if hasAlt != (info.GPS.Alt != nil) || hasAlt && math.Abs(*info.GPS.Alt-alt) > 1e-6 {
					t.Errorf("altitude %v, exiftool %v", info.GPS.Alt, m["GPS:GPSAltitude"])
				}
			}
			want, err := jpegmeta.Read(bytes.NewReader(readFile(t, p)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(info.Fields, want) {
				t.Errorf("Fields = %+v, jpegmeta.Read %+v", info.Fields, want)
			}
			if p == fixtureDir+"/corrupt/infinite_loop_exif.jpg" && len(info.Warnings) == 0 {
				t.Error("no warning for the looping EXIF")
			}
			if !strings.Contains(p, "corrupt") && len(info.Warnings) > 0 {
				t.Errorf("warnings on a sound file: %q", info.Warnings)
			}
		})
	}
}

// TestCorruptBounded: each damaged fixture returns within 5 s with at most
// warnings.
func TestCorruptBounded(t *testing.T) {
	paths, _ := filepath.Glob(fixtureDir + "/corrupt/*.jpg")
	if len(paths) != 3 {
		t.Fatalf("corrupt fixtures: %v", paths)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data := readFile(t, p)
			done := make(chan error, 1)
			var info Info
			go func() {
				var err error
				info, err = Read(data)
				Orientation(data)
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Read did not return within 5 s")
			}
			if len(info.Warnings) == 0 {
				t.Error("no warnings")
			}
			t.Logf("%+v", info)
		})
	}
}

func TestNotImage(t *testing.T) {
	jpg := readFile(t, fixtureDir+"/orientation/f6-exif.jpg")
	for name, in := range map[string][]byte{
		"empty":          nil,
		"text":           []byte("hello, this is not a photo"),
		"soi only":       {0xFF, 0xD8},
		"png signature":  pngSignature,
		"png short IHDR": append(append([]byte{}, pngSignature...), 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0),
		"gif":            []byte("GIF89a\x01\x00\x01\x00"),
	} {
		if _, err := Read(in); !errors.Is(err, ErrNotImage) {
			t.Errorf("%s: err = %v, want ErrNotImage", name, err)
		}
		if o := Orientation(in); o != 1 {
			t.Errorf("%s: Orientation = %d", name, o)
		}
	}
	// A JPEG cut off after its header is still a JPEG: Info with warnings.
	info, err := Read(jpg[:40])
	if err != nil || info.Format != "jpeg" || len(info.Warnings) == 0 {
		t.Errorf("truncated JPEG: %+v, %v", info, err)
	}
}
