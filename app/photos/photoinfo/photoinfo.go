package photoinfo

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// ErrNotImage is returned when data is not a JPEG or PNG file.
var ErrNotImage = errors.New("not a JPEG or PNG file")

// Floating is the zone of a Taken time whose offset the file does not give:
// offset 0, but only the clock reading means anything (Info.HasOffset false).
var Floating = time.FixedZone("floating", 0)

const (
	// MaxWarnings is the most warnings Read returns; the last one then says
	// how many more there were.
	MaxWarnings = 20
	// MaxTextLen is the longest Make, Model, Lens or warning, in bytes.
	MaxTextLen = 256
)

// GPS is where the photo was taken, in WGS 84 degrees (north and east
// positive) and metres above sea level.
type GPS struct {
	Lat float64  `json:"lat"`
	Lon float64  `json:"lon"`
	Alt *float64 `json:"alt,omitempty"`
}

// Info is what a photo file says about itself.
type Info struct {
	Format      string          `json:"format"`      // "jpeg" or "png"
	Width       int             `json:"width"`       // as stored, before orientation; 0 if unreadable
	Height      int             `json:"height"`      // as stored, before orientation; 0 if unreadable
	Orientation int             `json:"orientation"` // EXIF 1–8; 1 when absent or invalid
	Taken       time.Time       `json:"taken"`       // zero if the file has no date; see HasOffset
	HasOffset   bool            `json:"hasOffset"`   // Taken's zone comes from the file; else Taken is in Floating
	Make        string          `json:"make"`
	Model       string          `json:"model"`
	Lens        string          `json:"lens"`
	GPS         *GPS            `json:"gps,omitempty"`
	Fields      jpegmeta.Fields `json:"fields"`             // caption, creator, keywords... from IPTC/XMP
	Warnings    []string        `json:"warnings,omitempty"` // damaged metadata that was skipped
}

// DisplaySize is the size as shown upright: Width and Height swapped for
// orientations 5–8.
func (i Info) DisplaySize() (w, h int) {
	if i.Orientation >= 5 && i.Orientation <= 8 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// Read reads a whole JPEG or PNG file held in memory. It returns ErrNotImage
// only when data is not one; damaged metadata gives Warnings instead.
// Read is safe for concurrent use.
func Read(data []byte) (Info, error) {
	var info Info
	w := &warnings{}
	switch sniff(data) {
	case "jpeg":
		info.Format = "jpeg"
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil {
			info.Width, info.Height = cfg.Width, cfg.Height
		} else {
			w.addf("The image size could not be read; the file may be truncated or damaged (%v).", err)
		}
	case "png":
		info.Format = "png"
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return Info{}, fmt.Errorf("%w: PNG header: %v", ErrNotImage, err)
		}
		info.Width, info.Height = cfg.Width, cfg.Height
	default:
		return Info{}, ErrNotImage
	}

	t := readTags(data, info.Format, w)
	info.Orientation = orientation(t.exif, w)
	info.Make = firstText(t.exif["Make"], t.xmp[nsTIFF+"Make"])
	info.Model = firstText(t.exif["Model"], t.xmp[nsTIFF+"Model"])
	info.Lens = firstText(t.exif["LensModel"], t.xmp[nsExifEX+"LensModel"], t.xmp[nsAux+"Lens"])
	info.GPS = gps(t, w)

	if info.Format == "jpeg" {
		f, err := jpegmeta.Read(bytes.NewReader(data))
		if err != nil {
			w.addf("The caption fields were read with a simpler reader because the file structure is damaged (%v).", err)
			f = fieldsFromTags(t)
		}
		info.Fields = f
	} else {
		info.Fields = fieldsFromTags(t)
	}

	info.Taken, info.HasOffset = taken(t, info.Fields.DateCreated, w)
	info.Warnings = w.list()
	return info, nil
}

// Orientation returns the EXIF orientation of a JPEG or PNG, 1–8; 1 when the
// file has none, it is invalid, or data is not a JPEG or PNG.
func Orientation(data []byte) int {
	format := sniff(data)
	if format == "" {
		return 1
	}
	t := &tags{exif: map[string]any{}}
	decode(data, format, srcEXIF, t, &warnings{}, func(name string) bool { return name == "Orientation" })
	return orientation(t.exif, &warnings{})
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// sniff names the format from the first bytes: a JPEG starts with SOI and
// another marker, a PNG with its 8-byte signature.
func sniff(data []byte) string {
	switch {
	case len(data) >= 4 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return "jpeg"
	case bytes.HasPrefix(data, pngSignature):
		return "png"
	}
	return ""
}

func orientation(exif map[string]any, w *warnings) int {
	v, ok := exif["Orientation"]
	if !ok {
		return 1
	}
	if n, ok := v.(uint16); ok && n >= 1 && n <= 8 {
		return int(n)
	}
	w.addf("The orientation value %v is not valid (1–8); the photo is treated as upright.", v)
	return 1
}

// firstText returns the first non-empty text value, cleaned.
func firstText(vs ...any) string {
	for _, v := range vs {
		if s := text(v); s != "" {
			return s
		}
	}
	return ""
}

// text turns a tag value into clean, bounded text: valid UTF-8, no control
// characters or surrounding space, at most MaxTextLen bytes.
func text(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []string:
		if len(x) > 0 {
			s = x[0]
		}
	case []byte:
		s = string(x)
	default:
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return cut(strings.TrimSpace(s), MaxTextLen)
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// warnings collects plain-English warnings, without repeats, at most
// MaxWarnings.
type warnings struct {
	seen  map[string]bool
	out   []string
	extra int
}

func (w *warnings) addf(format string, args ...any) {
	s := text(fmt.Sprintf(format, args...))
	if w.seen[s] {
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[s] = true
	if len(w.out) < MaxWarnings-1 {
		w.out = append(w.out, s)
	} else {
		w.extra++
	}
}

func (w *warnings) list() []string {
	out := w.out
	if w.extra > 0 {
		out = append(out, fmt.Sprintf("%d more problems with the metadata were skipped.", w.extra))
	}
	return out
}
