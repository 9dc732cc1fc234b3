package photoinfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bep/imagemeta"
)

// XMP namespaces of the properties Read uses.
const (
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsPhotoshop = "http://ns.adobe.com/photoshop/1.0/"
	nsIptcCore  = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
	nsXMP       = "http://ns.adobe.com/xap/1.0/"
	nsTIFF      = "http://ns.adobe.com/tiff/1.0/"
	nsExif      = "http://ns.adobe.com/exif/1.0/"
	nsExifEX    = "http://cipa.jp/exif/1.0/"
	nsAux       = "http://ns.adobe.com/exif/1.0/aux/"
)

// The tags Read asks imagemeta for. Values of other tags are never read,
// which keeps the work and memory per file small. EXIF tags are taken from
// IFD0 and the IFDs it points to (Exif sub-IFD, GPS IFD), never from the
// thumbnail's IFD1.
var (
	exifWanted = set("Orientation", "Make", "Model", "LensModel",
		"DateTimeOriginal", "CreateDate", "OffsetTimeOriginal", "OffsetTimeDigitized",
		"GPSLatitude", "GPSLatitudeRef", "GPSLongitude", "GPSLongitudeRef", "GPSAltitude", "GPSAltitudeRef")
	iptcWanted = set("CodedCharacterSet", "ObjectName", "Headline", "Caption-Abstract", "By-line", "By-lineTitle",
		"Credit", "Source", "CopyrightNotice", "Keywords", "City", "Sub-location", "Province-State",
		"Country-PrimaryLocationName", "Country-PrimaryLocationCode", "DateCreated", "TimeCreated",
		"OriginalTransmissionReference", "SpecialInstructions", "Writer-Editor")
	xmpWanted = set(
		nsDC+"Description", nsDC+"Title", nsDC+"Creator", nsDC+"Rights", nsDC+"Subject",
		nsPhotoshop+"Headline", nsPhotoshop+"AuthorsPosition", nsPhotoshop+"Credit", nsPhotoshop+"Source",
		nsPhotoshop+"City", nsPhotoshop+"State", nsPhotoshop+"Country", nsPhotoshop+"DateCreated",
		nsPhotoshop+"TransmissionReference", nsPhotoshop+"CaptionWriter", nsPhotoshop+"Instructions",
		nsIptcCore+"AltTextAccessibility", nsIptcCore+"Location", nsIptcCore+"CountryCode",
		nsTIFF+"Make", nsTIFF+"Model", nsExifEX+"LensModel", nsAux+"Lens",
		nsExif+"DateTimeOriginal", nsXMP+"CreateDate",
		nsExif+"GPSLatitude", nsExif+"GPSLongitude", nsExif+"GPSAltitude", nsExif+"GPSAltitudeRef")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Limits passed to imagemeta.
const (
	// limitNumTags bounds the entries imagemeta looks at per source (its
	// default, made explicit). Real files have a few hundred.
	limitNumTags = 5000
	// limitTagSize bounds one value. It must stay below 65536: imagemeta
	// compares IIM lengths with uint16(LimitTagSize), so 65536 would skip
	// every IIM value. 32 KiB holds any real caption (IIM allows 2000 bytes).
	limitTagSize = 32 << 10
)

// readBudget is how many bytes one imagemeta pass may read. imagemeta reads
// through a 4 KiB buffer that is refilled after every seek, so a pass reads
// several times the file; the budget stops a loop, not a real file.
func readBudget(n int) int64 { return 4<<20 + 16*int64(n) }

// tags are the values imagemeta reported, first occurrence kept. EXIF and
// IPTC are keyed by imagemeta's tag name, XMP by namespace URI + name.
type tags struct {
	exif, iptc, xmp map[string]any
	badGPS          bool // imagemeta could not convert a GPS coordinate
}

type source struct {
	src  imagemeta.Source
	name string // for warnings
}

var (
	srcEXIF = source{imagemeta.EXIF, "camera data (EXIF)"}
	srcIPTC = source{imagemeta.IPTC, "IPTC caption block"}
	srcXMP  = source{imagemeta.XMP, "XMP metadata"}
)

// readTags reads the wanted tags, one imagemeta pass per source so that
// damage in one does not hide the others.
func readTags(data []byte, format string, w *warnings) *tags {
	t := &tags{exif: map[string]any{}, iptc: map[string]any{}, xmp: map[string]any{}}
	decode(data, format, srcEXIF, t, w, func(k string) bool { return exifWanted[k] })
	decode(data, format, srcIPTC, t, w, func(k string) bool { return iptcWanted[k] })
	decode(data, format, srcXMP, t, w, func(k string) bool { return xmpWanted[k] })
	return t
}

var errBudget = errors.New("read budget exhausted")

// budgetReader stops reading after a fixed number of bytes; each seek costs
// a little too, so no loop over the file can run for ever.
type budgetReader struct {
	r    *bytes.Reader
	left int64
	over bool
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.over = true
		return 0, errBudget
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *budgetReader) Seek(off int64, whence int) (int64, error) {
	b.left -= 64
	return b.r.Seek(off, whence)
}

// decode runs one guarded imagemeta pass over data for one source and adds
// the wanted tags to t. Errors and panics become warnings.
func decode(data []byte, format string, s source, t *tags, w *warnings, want func(key string) bool) {
	imf := imagemeta.JPEG
	if format == "png" {
		imf = imagemeta.PNG
		data = pngPrefix(data)
	}
	r := &budgetReader{r: bytes.NewReader(data), left: readBudget(len(data))}
	seen := 0
	opts := imagemeta.Options{
		R:            r,
		ImageFormat:  imf,
		Sources:      s.src,
		LimitNumTags: limitNumTags,
		LimitTagSize: limitTagSize,
		ShouldHandleTag: func(ti imagemeta.TagInfo) bool {
			seen++
			if ti.Source == imagemeta.EXIF && !strings.HasPrefix(ti.Namespace, "IFD0") {
				return false // IFD1: the thumbnail's own tags
			}
			return want(key(ti))
		},
		HandleTag: func(ti imagemeta.TagInfo) error {
			m := t.exif
			switch ti.Source {
			case imagemeta.IPTC:
				m = t.iptc
			case imagemeta.XMP:
				m = t.xmp
			}
			if k := key(ti); want(k) {
				if _, dup := m[k]; !dup {
					m[k] = ti.Value
				}
			}
			return nil
		},
		Warnf: func(format string, args ...any) {
			msg := fmt.Sprintf(format, args...)
			if strings.HasPrefix(msg, "GPSLatitude") || strings.HasPrefix(msg, "GPSLongitude") {
				t.badGPS = true
			}
			w.addf("The %s has a value that could not be read: %s.", s.name, msg)
		},
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the reader crashed: %v", p)
			}
		}()
		_, err = imagemeta.Decode(opts)
		return err
	}()
	switch {
	case r.over:
		w.addf("Reading the %s stopped early: it is far larger than a photo's or points back into itself.", s.name)
	case err != nil:
		w.addf("The %s is damaged; what came before the damage was kept (%v).", s.name, err)
	case seen >= limitNumTags:
		w.addf("Reading the %s stopped after %d entries; the rest was skipped.", s.name, limitNumTags)
	}
}

func key(ti imagemeta.TagInfo) string {
	if ti.Source == imagemeta.XMP {
		return ti.Namespace + ti.Tag
	}
	return ti.Tag
}

// pngPrefix returns data up to the end of IEND or up to the first chunk
// whose declared length runs past the end of the file. imagemeta allocates
// a chunk's declared length (up to 10 MB) before reading it; this keeps a
// small damaged file from costing more than its size.
func pngPrefix(data []byte) []byte {
	off := len(pngSignature)
	for off+8 <= len(data) {
		n := int64(binary.BigEndian.Uint32(data[off:]))
		end := int64(off) + 12 + n
		if end > int64(len(data)) {
			return data[:off]
		}
		if string(data[off+4:off+8]) == "IEND" {
			return data[:end]
		}
		off = int(end)
	}
	return data[:min(off, len(data))]
}

var _ io.ReadSeeker = (*budgetReader)(nil)
