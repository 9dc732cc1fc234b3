package photoinfo

import (
	"encoding/json"
	"testing"
)

// FuzzRead: Read never panics, returns ErrNotImage or an Info whose size is
// bounded by the input, and agrees with Orientation.
func FuzzRead(f *testing.F) {
	for _, p := range fixtures(f) {
		b := readFile(f, p)
		f.Add(b[:min(len(b), 30000)]) // the head holds all the metadata
	}
	f.Add(pngWithEXIF(f, 4, 4, fixtureDir+"/orientation/f8-exif.jpg"))
	f.Add([]byte{})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA})
	f.Fuzz(func(t *testing.T, in []byte) {
		info, err := Read(in)
		o := Orientation(in)
		if err != nil {
			return
		}
		if info.Orientation < 1 || info.Orientation > 8 || o != info.Orientation {
			t.Fatalf("Orientation %d, Orientation() %d", info.Orientation, o)
		}
		if len(info.Warnings) > MaxWarnings {
			t.Fatalf("%d warnings", len(info.Warnings))
		}
		for _, s := range append(info.Warnings, info.Make, info.Model, info.Lens) {
			if len(s) > MaxTextLen {
				t.Fatalf("text of %d bytes", len(s))
			}
		}
		out, _ := json.Marshal(info)
		if len(out) > 8*len(in)+16<<10 {
			t.Fatalf("%d bytes of Info from %d bytes of file", len(out), len(in))
		}
	})
}
