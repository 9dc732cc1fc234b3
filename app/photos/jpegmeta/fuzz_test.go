package jpegmeta

import (
	"bytes"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, p := range fixtures(f) {
		b := readFile(f, p)
		if len(b) > 30000 {
			// Keep the corpus fast: the head holds all the metadata.
			if fl, err := Parse(bytes.NewReader(b)); err == nil {
				fl.Tail = fl.Tail[:min(len(fl.Tail), 64)]
				b, _ = fl.Bytes()
			} else {
				b = b[:30000]
			}
		}
		f.Add(b, "Keterangan <foto> & café")
	}
	f.Add([]byte{}, "")
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA}, "\x00\r\n ]]> \xff")
}

// FuzzParse: Parse never panics, and whatever it accepts it writes back
// byte for byte; ParseBytes accepts and refuses exactly the same inputs.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, _ string) {
		fl, err := Parse(bytes.NewReader(in))
		fb, errb := ParseBytes(in)
		if (err == nil) != (errb == nil) {
			t.Fatalf("Parse error %v, ParseBytes error %v", err, errb)
		}
		if err != nil {
			return
		}
		if outb, err := fb.Bytes(); err != nil || !bytes.Equal(in, outb) {
			t.Fatalf("ParseBytes round trip differs (err %v)", err)
		}
		out, err := fl.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(in, out) {
			t.Fatalf("round trip differs")
		}
		if _, err := Read(bytes.NewReader(in)); err != nil {
			t.Fatalf("Read failed on a file Parse accepts: %v", err)
		}
	})
}

// FuzzWrite: Write never panics; its output parses, round-trips, keeps the
// image data, reads back the caption, and a second Write is a no-op.
func FuzzWrite(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, caption string) {
		var out bytes.Buffer
		fields := Fields{Caption: caption, Headline: caption, Creator: []string{"Masran Rauf"}, Keywords: []string{"a", "b"}, City: "Jakarta Pusat", DateCreated: "2019-08-21"}
		_, err := Write(bytes.NewReader(in), &out, fields)
		keep := bytes.Clone(in)
		emb, _, errb := Embed(nil, in, fields, Options{})
		if (err == nil) != (errb == nil) || !bytes.Equal(emb, out.Bytes()) {
			t.Fatalf("Embed differs from Write (errors %v, %v)", err, errb)
		}
		if !bytes.Equal(in, keep) {
			t.Fatal("Embed changed its input")
		}
		if pre, _, _ := Embed([]byte("pre"), in, fields, Options{}); !bytes.Equal(pre, append([]byte("pre"), out.Bytes()...)) {
			t.Fatal("Embed did not append to dst")
		}
		if err != nil {
			return
		}
		fl, err := Parse(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		b, _ := fl.Bytes()
		if !bytes.Equal(b, out.Bytes()) {
			t.Fatal("output does not round-trip")
		}
		orig, _ := Parse(bytes.NewReader(in))
		if !bytes.Equal(orig.Tail, fl.Tail) {
			t.Fatal("image data changed")
		}
		got, err := Read(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		fields = normalise(fields)
		if got.Caption != fields.Caption || got.Headline != fields.Headline || got.City != fields.City || got.DateCreated != fields.DateCreated {
			t.Fatalf("read back %+v", got)
		}
		var again bytes.Buffer
		if _, err := Write(bytes.NewReader(out.Bytes()), &again, fields); err != nil {
			t.Fatalf("second write: %v", err)
		}
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatal("second write changed the file")
		}
	})
}
