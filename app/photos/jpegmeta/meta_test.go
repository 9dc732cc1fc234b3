package jpegmeta

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriteBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		f    Fields
		want error
	}{
		{"empty file", nil, indonesian, ErrNotJPEG},
		{"text", []byte("hello"), indonesian, ErrNotJPEG},
		{"truncated", readFile(t, "testdata/corrupt/huge_tag_exif.jpg"), indonesian, ErrTruncated},
		{"bad date", readFile(t, "testdata/orientation/f1-exif.jpg"), Fields{DateCreated: "21/8/2019"}, ErrInvalidField},
		{"damaged Photoshop block", withSegment(t, 0xED, append([]byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\xff\xff\xff\xff"), 0, 0)), indonesian, ErrMalformed},
		{"damaged XMP", withSegment(t, 0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), "<x:xmpmeta><rdf:RDF"...)), indonesian, ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Write(bytes.NewReader(c.in), &out, c.f)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if out.Len() != 0 {
				t.Fatal("wrote output despite the error")
			}
			t.Log(err)
		})
	}
}

// withSegment returns a small fixture with seg inserted after SOI.
func withSegment(t *testing.T, marker byte, data []byte) []byte {
	t.Helper()
	f, err := Parse(bytes.NewReader(readFile(t, "testdata/orientation/f1-exif.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	f.Segments = append([]Segment{{Marker: marker, Data: data}}, f.Segments...)
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestXMPKeepsUnknownAndShorthand(t *testing.T) {
	packet := `<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:my="urn:example:my/" photoshop:City="Bandung" my:Flag="1">
  <my:Thing rdf:parseType="Resource"><my:Deep>tetap &amp; utuh</my:Deep></my:Thing>
 </rdf:Description>
 <rdf:Description rdf:about="" xmlns="http://purl.org/dc/elements/1.1/">
  <title><rdf:Alt><rdf:li xml:lang="x-default">Lama</rdf:li><rdf:li xml:lang="id">Lama</rdf:li><rdf:li xml:lang="en">Old</rdf:li></rdf:Alt></title>
 </rdf:Description>
</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
	root, err := parseXML([]byte(packet))
	if err != nil {
		t.Fatal(err)
	}
	if got := readXMP(root); got.City != "Bandung" || got.Title != "Lama" {
		t.Fatalf("read shorthand/default-namespace XMP: %+v", got)
	}
	out, err := updateXMP([]byte(packet), Fields{City: "Jakarta Pusat", Title: "Baru"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`my:Flag="1"`, `<my:Deep>tetap &amp; utuh</my:Deep>`, `rdf:parseType="Resource"`,
		`<photoshop:City>Jakarta Pusat</photoshop:City>`, `<rdf:li xml:lang="id">Baru</rdf:li>`, `<rdf:li xml:lang="en">Old</rdf:li>`,
		`<rdf:li xml:lang="x-default">Baru</rdf:li>`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	if strings.Contains(s, `photoshop:City="Bandung"`) {
		t.Error("old shorthand City kept alongside the new one")
	}
	root2, err := parseXML(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := readXMP(root2); got.City != "Jakarta Pusat" || got.Title != "Baru" {
		t.Fatalf("read back: %+v", got)
	}
	again, _ := updateXMP(out, Fields{City: "Jakarta Pusat", Title: "Baru"})
	if !bytes.Equal(again, out) {
		t.Error("second update not idempotent")
	}
}

func TestXMPTooLarge(t *testing.T) {
	_, err := updateXMP(nil, Fields{Caption: strings.Repeat("a", maxXMPPacket)})
	if !errors.Is(err, ErrXMPTooLarge) {
		t.Fatalf("got %v", err)
	}
}

func TestIIMLegacyCharset(t *testing.T) {
	// IIM without 1:90 in Latin-1: read as such, converted when rewritten.
	old := []dataset{{rec: 2, num: 0, data: []byte{0, 2}}, {rec: 2, num: 120, data: []byte("caf\xe9")}, {rec: 2, num: 15, data: []byte("Cat\xe9gorie")}}
	if got := readIIM(old).Caption; got != "café" {
		t.Fatalf("caption %q", got)
	}
	var rep Report
	b, err := buildIIM(old, Fields{Caption: "baru"}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := parseIIM(b)
	if err != nil {
		t.Fatal(err)
	}
	var kept string
	for _, d := range ds {
		if d.rec == 2 && d.num == 15 {
			kept = string(d.data)
		}
	}
	if kept != "Catégorie" {
		t.Fatalf("kept dataset 2:15 = %q", kept)
	}
}

func TestDates(t *testing.T) {
	for _, c := range []struct{ in, date, tim string }{
		{"2019-08-21", "20190821", ""},
		{"2019-08", "20190800", ""},
		{"2019", "20190000", ""},
		{"2019-08-21T10:30:00+07:00", "20190821", "103000+0700"},
		{"2019-08-21T10:30Z", "20190821", "103000+0000"},
		{"2019-08-21T10:30:00", "20190821", ""},
	} {
		d, tm, err := dateToIIM(c.in)
		if err != nil || d != c.date || tm != c.tim {
			t.Errorf("dateToIIM(%q) = %q %q %v", c.in, d, tm, err)
		}
		if c.tim != "" || !strings.Contains(c.in, "T") {
			if back := iimToDate(d, tm); back != c.in && !strings.HasSuffix(c.in, "Z") {
				t.Errorf("iimToDate(%q,%q) = %q, want %q", d, tm, back, c.in)
			}
		}
	}
}

func TestPhotoshopResourcesRoundTrip(t *testing.T) {
	seen := 0
	for _, p := range writable(t) {
		f, err := Parse(bytes.NewReader(readFile(t, p)))
		if err != nil {
			t.Fatal(err)
		}
		i, ok := findPhotoshop(f)
		if !ok {
			continue
		}
		seen++
		data := f.Segments[i].Data
		res, trailing, err := parseResources(data[len(psHeader):])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := writeResources(res, trailing); !bytes.Equal(got, data) {
			t.Errorf("%s: APP13 does not round-trip", p)
		}
	}
	if seen < 2 {
		t.Fatalf("only %d fixtures with APP13", seen)
	}
}

func TestEXIFPatchInPlaceAndIdempotent(t *testing.T) {
	in := readFile(t, "testdata/iphone-4s-orientation6-gps.jpg")
	sizes := map[string]int{}
	cur := in
	for _, c := range []string{"Keterangan panjang pertama untuk foto ini", "Pendek sekali", "Keterangan panjang pertama untuk foto ini", "Pendek sekali"} {
		var out bytes.Buffer
		rep, err := Write(bytes.NewReader(cur), &out, Fields{Caption: c, Creator: []string{"A", "B"}})
		if err != nil || len(rep.Notes) > 0 {
			t.Fatalf("%v %v", err, rep.Notes)
		}
		if n, ok := sizes[c]; ok && n != out.Len() {
			t.Errorf("writing %q again changed the size %d -> %d: EXIF grows on every edit", c, n, out.Len())
		}
		sizes[c] = out.Len()
		cur = out.Bytes()
	}
}
