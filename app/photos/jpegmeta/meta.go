package jpegmeta

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"strings"
)

// Read returns the caption fields of a JPEG. Each field comes from XMP when
// XMP has it, else from IPTC IIM — unless the IPTCDigest shows that the IIM
// was edited after the XMP by a tool that does not know XMP; then IIM wins
// (MWG guidelines, "Reconciling IPTC-IIM and XMP"). EXIF is not read.
func Read(r io.Reader) (Fields, error) {
	f, err := parse(r, false)
	if err != nil {
		return Fields{}, err
	}
	var iim, xmp Fields
	iimNewer := false
	if i, ok := findPhotoshop(f); ok {
		res, _, err := parseResources(f.Segments[i].Data[len(psHeader):])
		if err == nil {
			var block, digest []byte
			for _, r := range res {
				switch {
				case r.id == resIIM && block == nil:
					block = r.data
				case r.id == resDigest && digest == nil:
					digest = r.data
				}
			}
			if ds, err := parseIIM(block); err == nil && block != nil {
				iim = readIIM(ds)
				sum := md5.Sum(block)
				iimNewer = digest != nil && !bytes.Equal(digest, sum[:])
			}
		}
	}
	hasXMP := false
	if i, ok := findXMP(f); ok {
		if root, err := parseXML(f.Segments[i].Data[len(xmpHeader):]); err == nil {
			xmp, hasXMP = readXMP(root), true
		}
	}
	if !hasXMP {
		return iim, nil
	}
	out := xmp
	for _, p := range xmpProps {
		if v := p.get(&iim); len(v) > 0 && (len(p.get(&out)) == 0 || iimNewer) {
			p.set(&out, v)
		}
	}
	return out, nil
}

// findPhotoshop returns the index of the first APP13 "Photoshop 3.0" segment.
func findPhotoshop(f *File) (int, bool) {
	for i, s := range f.Segments {
		if s.Marker == markerAPP13 && bytes.HasPrefix(s.Data, psHeader) {
			return i, true
		}
	}
	return 0, false
}

// findXMP returns the index of the APP1 segment holding the main XMP packet.
func findXMP(f *File) (int, bool) {
	for i, s := range f.Segments {
		if s.Marker == markerAPP1 && bytes.HasPrefix(s.Data, xmpHeader) {
			return i, true
		}
	}
	return 0, false
}

// normalise makes every value storable so that Read(Write(f)) == f: invalid
// UTF-8 becomes U+FFFD, characters XML 1.0 cannot carry (NUL and other C0
// controls but tab, CR, LF) are dropped, and empty list items are removed.
func normalise(f Fields) Fields {
	for _, p := range xmpProps {
		var out []string
		for _, v := range p.get(&f) {
			if v = xmlSafe(v); v != "" {
				out = append(out, v)
			}
		}
		p.set(&f, out)
	}
	return f
}

func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Write copies the JPEG in to out with the caption fields set to f in IPTC
// IIM and XMP. f is the complete desired state: empty fields are removed.
// If the file has EXIF, IFD0 ImageDescription, Artist and Copyright are set
// to match (see exif.go); no other EXIF byte moves. The image data and every
// segment, Photoshop resource, IIM dataset and XMP property that Write does
// not manage are kept.
// Nothing is written to out if an error is returned.
func Write(in io.Reader, out io.Writer, f Fields) (Report, error) {
	return WriteWith(in, out, f, Options{})
}

// Options change what Write does.
type Options struct {
	// CreateEXIF adds a small EXIF block holding only IFD0 ImageDescription,
	// Artist and Copyright to a file that has no EXIF (a re-encoded web
	// rendition), so that EXIF-only readers show the caption too.
	CreateEXIF bool
}

// WriteWith is Write with options.
func WriteWith(in io.Reader, out io.Writer, f Fields, opt Options) (Report, error) {
	if err := checkDate(f); err != nil {
		return Report{}, err
	}
	file, err := Parse(in)
	if err != nil {
		return Report{}, err
	}
	rep, err := set(file, f, opt)
	if err != nil {
		return rep, err
	}
	var head []byte
	if head, err = file.appendHead(nil); err != nil {
		return rep, err
	}
	// One write, so that nothing reaches out on an error.
	_, err = out.Write(append(head, file.Tail...))
	return rep, err
}

// Embed is WriteWith for a file in memory: it appends to dst (which may be
// nil, or a reused buffer) a copy of src with the fields set. The image
// data is copied once, straight into the result (a photo upload embeds
// captions in every photo it sends). On an error dst is returned as it was.
func Embed(dst, src []byte, f Fields, opt Options) ([]byte, Report, error) {
	if err := checkDate(f); err != nil {
		return dst, Report{}, err
	}
	file, err := ParseBytes(src)
	if err != nil {
		return dst, Report{}, err
	}
	rep, err := set(file, f, opt)
	if err != nil {
		return dst, rep, err
	}
	b, err := file.Append(dst)
	return b, rep, err
}

// checkDate refuses a DateCreated that IIM cannot hold, before any work.
func checkDate(f Fields) error {
	if d := normalise(f).DateCreated; d != "" {
		if _, _, err := dateToIIM(d); err != nil {
			return err
		}
	}
	return nil
}

// set changes file's metadata to f (see Write).
func set(file *File, f Fields, opt Options) (Report, error) {
	var rep Report
	f = normalise(f)
	if err := setIIM(file, f, &rep); err != nil {
		return rep, err
	}
	if err := setXMP(file, f); err != nil {
		return rep, err
	}
	if note := syncEXIF(file, f, opt.CreateEXIF); note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	return rep, nil
}

// setIIM writes the IIM block into resource 0x0404 of the APP13 segment and
// refreshes the IPTCDigest 0x0425, creating either when missing.
func setIIM(file *File, f Fields, rep *Report) error {
	var res []resource
	var trailing []byte
	idx, ok := findPhotoshop(file)
	if ok {
		var err error
		res, trailing, err = parseResources(file.Segments[idx].Data[len(psHeader):])
		if err != nil {
			return fmt.Errorf("existing Photoshop APP13 block, not changed: %w", err)
		}
	}
	var old []dataset
	for _, r := range res {
		if r.id == resIIM {
			ds, err := parseIIM(r.data)
			if err != nil {
				return fmt.Errorf("existing IPTC IIM block, not changed: %w", err)
			}
			old = ds
			break
		}
	}
	block, err := buildIIM(old, f, rep)
	if err != nil {
		return err
	}
	sum := md5.Sum(block)
	res = setResource(res, resIIM, block)
	res = setResource(res, resDigest, sum[:])
	data := writeResources(res, trailing)
	if len(data) > maxSegmentData {
		return fmt.Errorf("%w: Photoshop APP13 block would be %d bytes, limit %d", ErrInvalidField, len(data), maxSegmentData)
	}
	if ok {
		file.Segments[idx].Data = data
		return nil
	}
	insertSegment(file, Segment{Marker: markerAPP13, Data: data}, false)
	return nil
}

// setResource replaces the data of the first resource with id (dropping any
// duplicates) or appends a new one.
func setResource(res []resource, id uint16, data []byte) []resource {
	out := res[:0:0]
	done := false
	for _, r := range res {
		if r.id == id {
			if done {
				continue
			}
			r.data, r.pad, r.padB, done = data, true, 0, true
		}
		out = append(out, r)
	}
	if !done {
		out = append(out, newResource(id, data))
	}
	return out
}

func setXMP(file *File, f Fields) error {
	idx, ok := findXMP(file)
	var packet []byte
	if ok {
		packet = file.Segments[idx].Data[len(xmpHeader):]
	}
	p, err := updateXMP(packet, f)
	if err != nil {
		if ok {
			return fmt.Errorf("existing XMP, not changed: %w", err)
		}
		return err
	}
	data := append(append([]byte(nil), xmpHeader...), p...)
	if ok {
		file.Segments[idx].Data = data
		return nil
	}
	insertSegment(file, Segment{Marker: markerAPP1, Data: data}, true)
	return nil
}

// insertSegment places a new segment among the application segments at the
// start of the file: an APP1 (XMP) after the leading APP0/APP1 segments
// (JFIF and EXIF must stay first), an APP13 after all leading APPn.
func insertSegment(file *File, s Segment, app1 bool) {
	at := 0
	for i, seg := range file.Segments {
		if seg.Marker < 0xE0 || seg.Marker > 0xEF {
			break
		}
		if !app1 || seg.Marker <= markerAPP1 {
			at = i + 1
		}
	}
	file.Segments = append(file.Segments[:at], append([]Segment{s}, file.Segments[at:]...)...)
}
