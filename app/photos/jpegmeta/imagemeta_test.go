package jpegmeta

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bep/imagemeta"
)

// imagemetaPaddingBug are the fixtures whose Photoshop APP13 has an
// odd-sized resource before the IIM one.
var imagemetaPaddingBug = map[string]bool{"nikon-d2h-gps-xmp.jpg": true}

// TestImagemetaReadsWrite: what Write stores, github.com/bep/imagemeta (the
// reader Hugo uses) reads back the same, from IPTC IIM and from XMP alike.
func TestImagemetaReadsWrite(t *testing.T) {
	for _, p := range writable(t) {
		t.Run(p, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := Write(bytes.NewReader(readFile(t, p)), &out, indonesian); err != nil {
				t.Fatal(err)
			}
			got := map[imagemeta.Source]map[string]any{imagemeta.IPTC: {}, imagemeta.XMP: {}}
			_, err := imagemeta.Decode(imagemeta.Options{
				R:           bytes.NewReader(out.Bytes()),
				ImageFormat: imagemeta.JPEG,
				Sources:     imagemeta.IPTC | imagemeta.XMP,
				HandleTag: func(ti imagemeta.TagInfo) error {
					got[ti.Source][ti.Namespace+" "+ti.Tag] = ti.Value
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			// imagemeta gives one value as a string and several as a
			// []string, as exiftool does.
			one := func(v []string) any {
				if len(v) == 1 {
					return v[0]
				}
				return v
			}
			const (
				app = "IPTCApplication "
				dc  = "http://purl.org/dc/elements/1.1/ "
				ps  = "http://ns.adobe.com/photoshop/1.0/ "
			)
			f := indonesian
			for src, want := range map[imagemeta.Source]map[string]any{
				imagemeta.IPTC: {
					app + "Caption-Abstract": f.Caption, app + "ObjectName": f.Title, app + "Headline": f.Headline,
					app + "By-line": one(f.Creator), app + "Credit": f.Credit, app + "CopyrightNotice": f.Copyright,
					app + "Keywords": one(f.Keywords), app + "City": f.City, app + "Province-State": f.Province,
					app + "Country-PrimaryLocationName": f.Country,
				},
				imagemeta.XMP: {
					dc + "Description": f.Caption, dc + "Title": f.Title, ps + "Headline": f.Headline,
					dc + "Creator": one(f.Creator), ps + "Credit": f.Credit, dc + "Rights": f.Copyright,
					dc + "Subject": one(f.Keywords), ps + "City": f.City, ps + "State": f.Province,
					ps + "Country": f.Country,
				},
			} {
				if src == imagemeta.IPTC && imagemetaPaddingBug[filepath.Base(p)] {
					// imagemeta v1.0.1 does not skip the pad byte after an
					// odd-sized Photoshop resource (here 0x03F3, 9 bytes)
					// that comes before 0x0404, so it loses its place and
					// stops before the IIM. Fail once that is fixed.
					if len(got[src]) != 0 {
						t.Errorf("imagemeta now reads IIM after an odd-sized resource: drop %s from imagemetaPaddingBug", filepath.Base(p))
					}
					continue
				}
				for k, w := range want {
					if g := got[src][k]; !reflect.DeepEqual(g, w) {
						t.Errorf("%v %s = %#v, want %#v", src, k, g, w)
					}
				}
			}
		})
	}
}
