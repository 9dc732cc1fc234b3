package jpegmeta

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// These tests check the package against exiftool, the reference reader of
// photo desks. They never skip: CI installs it (scripts/setup.sh).

func needExiftool(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("exiftool"); err != nil {
		t.Fatal("exiftool not found: install the Debian package libimage-exiftool-perl (apt-get install -y libimage-exiftool-perl)")
	}
}

// exif returns exiftool's JSON view of a file, tags named GROUP:Tag.
func exif(t *testing.T, path string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("exiftool", append(append([]string{"-j", "-G1", "-a", "-charset", "iptc=UTF8"}, args...), path)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exiftool %s: %v", path, err)
	}
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 1 {
		t.Fatalf("exiftool JSON: %v", err)
	}
	return v[0]
}

// warnings returns the set of lines exiftool -validate reports.
func warnings(t *testing.T, path string) map[string]bool {
	t.Helper()
	out, err := exec.Command("exiftool", "-validate", "-warning", "-a", path).Output()
	if err != nil {
		t.Fatalf("exiftool -validate %s: %v", path, err)
	}
	set := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			set[l] = true
		}
	}
	return set
}

// strippedMD5 is the MD5 of the file with all metadata removed by exiftool:
// equal before and after a write means the pixels were not touched.
func strippedMD5(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("exiftool", "-all=", "-o", "-", path).Output()
	if err != nil {
		t.Fatalf("exiftool -all= %s: %v", path, err)
	}
	return fmt.Sprintf("%x", md5.Sum(out))
}

// thumbMD5 is the MD5 of the EXIF thumbnail as exiftool extracts it.
func thumbMD5(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("exiftool", "-b", "-ThumbnailImage", path).Output()
	if err != nil {
		t.Fatalf("exiftool -ThumbnailImage %s: %v", path, err)
	}
	return fmt.Sprintf("%d:%x", len(out), md5.Sum(out))
}

func list(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	default:
		return []string{fmt.Sprint(x)}
	}
}

func single(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// exifDate turns exiftool's "2019:08:21 10:30:00+07:00" into the XMP form.
func exifDate(d string) string {
	if len(d) >= 10 {
		d = strings.Replace(d[:10], ":", "-", 2) + strings.Replace(d[10:], " ", "T", 1)
	}
	return d
}

// fromXMPTags builds Fields from exiftool's XMP-group tags.
func fromXMPTags(m map[string]any) Fields {
	return Fields{
		Caption:       single(m["XMP-dc:Description"]),
		Headline:      single(m["XMP-photoshop:Headline"]),
		Title:         single(m["XMP-dc:Title"]),
		Creator:       list(m["XMP-dc:Creator"]),
		CreatorTitle:  single(m["XMP-photoshop:AuthorsPosition"]),
		Credit:        single(m["XMP-photoshop:Credit"]),
		Source:        single(m["XMP-photoshop:Source"]),
		Copyright:     single(m["XMP-dc:Rights"]),
		AltText:       single(m["XMP-iptcCore:AltTextAccessibility"]),
		Keywords:      list(m["XMP-dc:Subject"]),
		City:          single(m["XMP-photoshop:City"]),
		SubLocation:   single(m["XMP-iptcCore:Location"]),
		Province:      single(m["XMP-photoshop:State"]),
		Country:       single(m["XMP-photoshop:Country"]),
		CountryCode:   single(m["XMP-iptcCore:CountryCode"]),
		DateCreated:   exifDate(single(m["XMP-photoshop:DateCreated"])),
		JobID:         single(m["XMP-photoshop:TransmissionReference"]),
		Instructions:  single(m["XMP-photoshop:Instructions"]),
		CaptionWriter: single(m["XMP-photoshop:CaptionWriter"]),
	}
}

// fromIPTCTags builds Fields from exiftool's IPTC-group tags (no alt text:
// IIM has no such dataset).
func fromIPTCTags(m map[string]any) Fields {
	date := exifDate(single(m["IPTC:DateCreated"]))
	if tm := single(m["IPTC:TimeCreated"]); tm != "" && date != "" {
		date += "T" + tm
	}
	return Fields{
		Caption:       single(m["IPTC:Caption-Abstract"]),
		Headline:      single(m["IPTC:Headline"]),
		Title:         single(m["IPTC:ObjectName"]),
		Creator:       list(m["IPTC:By-line"]),
		CreatorTitle:  single(m["IPTC:By-lineTitle"]),
		Credit:        single(m["IPTC:Credit"]),
		Source:        single(m["IPTC:Source"]),
		Copyright:     single(m["IPTC:CopyrightNotice"]),
		Keywords:      list(m["IPTC:Keywords"]),
		City:          single(m["IPTC:City"]),
		SubLocation:   single(m["IPTC:Sub-location"]),
		Province:      single(m["IPTC:Province-State"]),
		Country:       single(m["IPTC:Country-PrimaryLocationName"]),
		CountryCode:   single(m["IPTC:Country-PrimaryLocationCode"]),
		DateCreated:   date,
		JobID:         single(m["IPTC:OriginalTransmissionReference"]),
		Instructions:  single(m["IPTC:SpecialInstructions"]),
		CaptionWriter: single(m["IPTC:Writer-Editor"]),
	}
}

func diffFields(t *testing.T, what string, got, want Fields) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

const refImage = "testdata/IPTC-PhotometadataRef-Std2021.1.jpg"

func TestReadReferenceImage(t *testing.T) {
	needExiftool(t)
	m := exif(t, refImage)
	got, err := Read(bytes.NewReader(readFile(t, refImage)))
	if err != nil {
		t.Fatal(err)
	}
	want := fromXMPTags(m)
	diffFields(t, "Read vs exiftool XMP", got, want)
	for _, v := range []string{want.Caption, want.AltText, want.CountryCode, want.DateCreated, want.CaptionWriter} {
		if v == "" {
			t.Fatalf("reference image lacks a field exiftool should show: %+v", want)
		}
	}

	// The IIM fallback on its own must agree with exiftool's IPTC group.
	f, _ := Parse(bytes.NewReader(readFile(t, refImage)))
	i, _ := findPhotoshop(f)
	res, _, err := parseResources(f.Segments[i].Data[len(psHeader):])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.id == resIIM {
			ds, err := parseIIM(r.data)
			if err != nil {
				t.Fatal(err)
			}
			diffFields(t, "IIM vs exiftool IPTC", readIIM(ds), fromIPTCTags(m))
		}
	}
}

// indonesian is a full caption as a Kemensos photo desk would write it.
var indonesian = Fields{
	Caption:       "Menteri Sosial Agus Gumiwang Kartasasmita memukul gong tanda dibukanya rapat koordinasi nasional bidang kehumasan Kemensos, di Gedung Aneka Bhakti Kementerian Sosial (Kemensos), Jalan Salemba Raya, Jakarta Pusat, Rabu (21/8/2019). (Foto: Masran Rauf)",
	Headline:      "Mensos buka Rakornas Kehumasan 2019",
	Title:         "rakornas-humas-2019",
	Creator:       []string{"Masran Rauf"},
	CreatorTitle:  "Fotografer Biro Humas",
	Credit:        "Humas Kemensos/Masran Rauf",
	Source:        "Biro Humas Kemensos",
	Copyright:     "© 2019 Kementerian Sosial RI",
	AltText:       "Menteri Sosial memukul gong di atas panggung; peserta rapat bertepuk tangan.",
	Keywords:      []string{"Kemensos", "rakornas", "café"},
	City:          "Jakarta Pusat",
	SubLocation:   "Gedung Aneka Bhakti",
	Province:      "DKI Jakarta",
	Country:       "Indonesia",
	CountryCode:   "IDN",
	DateCreated:   "2019-08-21T10:30:00+07:00",
	JobID:         "KMS-2019-0821",
	Instructions:  "Wajib cantumkan kredit foto. Jangan dipotong.",
	CaptionWriter: "Redaksi Humas & Co <test>",
}

// writable are the fixtures whose segment structure is sound.
func writable(t *testing.T) []string {
	var out []string
	for _, p := range fixtures(t) {
		if want := corruptWant[filepath.Base(p)]; want == nil {
			out = append(out, p)
		}
	}
	return out
}

// changeable are exiftool tags a caption write may add, change or remove.
func changeable(tag string) bool {
	for _, pre := range []string{"IPTC:", "XMP-dc:", "XMP-photoshop:", "XMP-iptcCore:AltTextAccessibility", "XMP-iptcCore:Location", "XMP-iptcCore:CountryCode",
		"SourceFile", "System:", "File:", "ExifTool:", "Photoshop:IPTCDigest", "IFD0:ImageDescription", "IFD0:Artist", "IFD0:Copyright", "XMP-x:", "Composite:", "XMP-rdf:"} {
		if strings.HasPrefix(tag, pre) {
			return true
		}
	}
	return false
}

func TestWriteWithExiftool(t *testing.T) {
	needExiftool(t)
	dir := t.TempDir()
	for _, p := range writable(t) {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			in := readFile(t, p)
			var out bytes.Buffer
			rep, err := Write(bytes.NewReader(in), &out, indonesian)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			if len(rep.Truncated) != 0 {
				t.Errorf("unexpected truncation: %+v", rep.Truncated)
			}
			dst := filepath.Join(dir, strings.ReplaceAll(p, "/", "_"))
			if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			// Every value is visible to exiftool in both IIM and XMP.
			after := exif(t, dst)
			diffFields(t, "exiftool XMP", fromXMPTags(after), indonesian)
			wantIIM := indonesian
			wantIIM.AltText = ""
			diffFields(t, "exiftool IPTC", fromIPTCTags(after), wantIIM)
			// EXIF mirrors caption, creators and copyright (MWG) when the
			// file has a sound EXIF block; a damaged one is left alone.
			before := exif(t, p)
			hasEXIF := false
			for k := range before {
				hasEXIF = hasEXIF || strings.HasPrefix(k, "IFD0:")
			}
			damaged := strings.Contains(p, "corrupt/")
			if damaged != (len(rep.Notes) == 1) {
				t.Errorf("Report.Notes = %q", rep.Notes)
			}
			for tag, want := range map[string]string{"IFD0:ImageDescription": indonesian.Caption,
				"IFD0:Artist": strings.Join(indonesian.Creator, "; "), "IFD0:Copyright": indonesian.Copyright} {
				if !hasEXIF || damaged {
					want = single(before[tag])
				}
				if got := single(after[tag]); got != want {
					t.Errorf("%s = %q, want %q", tag, got, want)
				}
			}
			if got := single(after["IPTC:CodedCharacterSet"]); got != "UTF8" {
				t.Errorf("IPTC:CodedCharacterSet = %q, want UTF8", got)
			}

			// Nothing else changed (MakerNotes, EXIF, GPS, other XMP, ...).
			var lost []string
			for k, v := range before {
				if changeable(k) {
					continue
				}
				if w, ok := after[k]; !ok || !reflect.DeepEqual(v, w) {
					lost = append(lost, fmt.Sprintf("%s: %v -> %v", k, v, w))
				}
			}
			sort.Strings(lost)
			if len(lost) > 0 {
				t.Errorf("tags changed or lost:\n%s", strings.Join(lost, "\n"))
			}

			// No new validation warnings.
			old := warnings(t, p)
			for w := range warnings(t, dst) {
				if !old[w] {
					t.Errorf("new exiftool -validate warning: %s", w)
				}
			}

			// Pixels untouched: the image data is the same bytes, and so is
			// the file with all metadata stripped.
			fin, _ := Parse(bytes.NewReader(in))
			fout, err := Parse(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fin.Tail, fout.Tail) {
				t.Error("image data (SOS to end) changed")
			}
			if a, b := thumbMD5(t, p), thumbMD5(t, dst); a != b {
				t.Errorf("EXIF thumbnail changed: md5 %s before, %s after", a, b)
			}
			if a, b := strippedMD5(t, p), strippedMD5(t, dst); a != b {
				t.Errorf("exiftool -all= md5 %s before, %s after", a, b)
			}

			// Read returns what was written.
			got, err := Read(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			diffFields(t, "Read after Write", got, indonesian)

			// Writing again is idempotent.
			var again bytes.Buffer
			if _, err := Write(bytes.NewReader(out.Bytes()), &again, indonesian); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), out.Bytes()) {
				t.Error("second Write changed the file")
			}
		})
	}
}

func TestWriteTruncatesIIMOnly(t *testing.T) {
	needExiftool(t)
	f := indonesian
	f.Caption = strings.Repeat("é", 1001) // 2002 bytes: over the 2000-byte IIM limit
	f.Creator = []string{"Masran Rauf", "Fotografer dengan nama yang panjang sekali"}
	var out bytes.Buffer
	rep, err := Write(bytes.NewReader(readFile(t, "testdata/metadata-extractor-simple.jpg")), &out, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Truncation{
		{Field: "creator[1]", Dataset: "2:80", Limit: 32, Original: 42, Kept: 32},
		{Field: "caption", Dataset: "2:120", Limit: 2000, Original: 2002, Kept: 2000},
	}
	if !reflect.DeepEqual(rep.Truncated, want) {
		t.Errorf("Report.Truncated = %+v, want %+v", rep.Truncated, want)
	}
	dst := filepath.Join(t.TempDir(), "cut.jpg")
	os.WriteFile(dst, out.Bytes(), 0o644)
	m := exif(t, dst)
	if got := single(m["IPTC:Caption-Abstract"]); got != strings.Repeat("é", 1000) {
		t.Errorf("IPTC caption is %d bytes, want 2000 bytes of whole characters", len(got))
	}
	if got := single(m["XMP-dc:Description"]); got != f.Caption {
		t.Errorf("XMP caption was cut to %d bytes", len(got))
	}
	if got := list(m["IPTC:By-line"]); len(got) != 2 || got[1] != "Fotografer dengan nama yang panj" {
		t.Errorf("IPTC by-line = %q", got)
	}
	if r, _ := Read(bytes.NewReader(out.Bytes())); r.Caption != f.Caption {
		t.Error("Read should prefer the full XMP caption")
	}
}

func TestWriteClearsAndKeepsOthers(t *testing.T) {
	needExiftool(t)
	var out bytes.Buffer
	if _, err := Write(bytes.NewReader(readFile(t, refImage)), &out, Fields{Caption: "Hanya keterangan"}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "cleared.jpg")
	os.WriteFile(dst, out.Bytes(), 0o644)
	m := exif(t, dst)
	old := warnings(t, refImage)
	for w := range warnings(t, dst) {
		if !old[w] {
			t.Errorf("new exiftool -validate warning: %s", w)
		}
	}
	want := Fields{Caption: "Hanya keterangan"}
	diffFields(t, "XMP after clearing", fromXMPTags(m), want)
	diffFields(t, "IPTC after clearing", fromIPTCTags(m), want)
	// EXIF follows: caption set, artist and copyright removed.
	if got := single(m["IFD0:ImageDescription"]); got != want.Caption {
		t.Errorf("IFD0:ImageDescription = %q", got)
	}
	for _, tag := range []string{"IFD0:Artist", "IFD0:Copyright"} {
		if m[tag] != nil {
			t.Errorf("%s kept: %v", tag, m[tag])
		}
	}
	if m["IFD0:Orientation"] == nil && m["IFD0:XResolution"] == nil {
		t.Error("other IFD0 tags lost")
	}
	// Unmanaged IIM datasets and other-language alt items survive.
	if got := list(m["IPTC:SubjectReference"]); len(got) != 3 {
		t.Errorf("IPTC:SubjectReference lost: %v", got)
	}
	if got := single(m["XMP-iptcCore:ExtDescrAccessibility-en"]); got == "" {
		t.Error("XMP-iptcCore:ExtDescrAccessibility-en lost")
	}
}

// A re-encoded web rendition has no EXIF; with CreateEXIF it gets a minimal
// IFD0 so that EXIF-only readers show the caption, and it stays valid.
func TestCreateEXIF(t *testing.T) {
	needExiftool(t)
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	var src bytes.Buffer
	if err := jpeg.Encode(&src, img, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "web.jpg")
	if err := os.WriteFile(in, src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f := Fields{Caption: "Mensos menyerahkan bantuan — Jakarta", Creator: []string{"Masran Rauf", "Rivan Lingga"}, Copyright: "© Kemensos 2019"}
	for _, create := range []bool{false, true} {
		var out bytes.Buffer
		if _, err := WriteWith(bytes.NewReader(src.Bytes()), &out, f, Options{CreateEXIF: create}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("out-%v.jpg", create))
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		m := exif(t, path)
		desc, artist, copyright := single(m["IFD0:ImageDescription"]), single(m["IFD0:Artist"]), single(m["IFD0:Copyright"])
		if !create {
			if desc != "" {
				t.Errorf("EXIF created without being asked: %q", desc)
			}
			continue
		}
		if desc != f.Caption || artist != "Masran Rauf; Rivan Lingga" || copyright != f.Copyright {
			t.Errorf("created EXIF: %q / %q / %q", desc, artist, copyright)
		}
		for w := range warnings(t, path) {
			if !strings.HasSuffix(w, ": OK") {
				t.Errorf("exiftool -validate: %s", w)
			}
		}
		if strippedMD5(t, path) != strippedMD5(t, in) {
			t.Error("pixels changed")
		}
		got, err := Read(bytes.NewReader(out.Bytes()))
		if err != nil || got.Caption != f.Caption {
			t.Errorf("read back %q %v", got.Caption, err)
		}
	}
}
