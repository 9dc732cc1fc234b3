package jpegmeta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Errors returned for files that cannot be handled. They are wrapped with
// detail; test with errors.Is.
var (
	// ErrNotJPEG: the input does not start with a JPEG SOI marker (0xFFD8),
	// e.g. an empty file or a text file named .jpg.
	ErrNotJPEG = errors.New("not a JPEG file")
	// ErrTruncated: the file ends inside a segment or before the image data.
	ErrTruncated = errors.New("JPEG file is truncated")
	// ErrMalformed: the file is a JPEG but a structure in it is damaged
	// (a segment length below 2, garbage between segments, an unreadable
	// Photoshop or XMP block that a write would have to change).
	ErrMalformed = errors.New("malformed JPEG metadata")
	// ErrInvalidField: a Fields value cannot be written (e.g. a bad date).
	ErrInvalidField = errors.New("invalid caption field")
	// ErrXMPTooLarge: the XMP packet would not fit in one APP1 segment.
	ErrXMPTooLarge = errors.New("XMP packet too large for one JPEG segment")
)

// JPEG markers (ITU-T T.81, Table B.1) that matter here.
const (
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerTEM   = 0x01
	markerAPP0  = 0xE0
	markerAPP1  = 0xE1
	markerAPP13 = 0xED
)

// Segment is one marker segment before the image data.
type Segment struct {
	// Marker is the second byte of the marker, e.g. 0xE1 for APP1.
	Marker byte
	// Fill is the number of extra 0xFF fill bytes that preceded the marker
	// (T.81 B.1.1.2 allows them); kept so that files round-trip exactly.
	Fill int
	// Data is the payload after the 2-byte length field. Standalone markers
	// (TEM, RSTn) have no length and nil Data.
	Data []byte
}

// standalone reports whether a marker has no length field (T.81 B.1.1.3).
func standalone(m byte) bool {
	return m == markerTEM || (m >= 0xD0 && m <= 0xD7)
}

// File is a JPEG split into segments.
type File struct {
	// Segments are the segments between SOI and the first SOS (or EOI).
	Segments []Segment
	// Tail is every byte from the SOS (or EOI) marker, including any fill
	// bytes before it, to the end of the file, unchanged.
	Tail []byte
}

// Parse reads a whole JPEG from r. It never allocates more than the input
// size plus one segment (at most 64 KiB) at a time, whatever lengths the file
// declares.
func Parse(r io.Reader) (*File, error) { return parse(r, true) }

// ParseBytes is Parse for a file already in memory. The File's Tail shares
// b's image data instead of copying it (segments are copied), so b must not
// change while the File is in use.
func ParseBytes(b []byte) (*File, error) {
	r := bytes.NewReader(b)
	f, err := parse(r, false)
	if err != nil {
		return nil, err
	}
	// parse stopped right after the SOS or EOI marker, which it put in
	// Tail: the tail is those bytes and everything after them in b.
	f.Tail = b[len(b)-r.Len()-len(f.Tail):]
	return f, nil
}

// byteReader is what parse reads from.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// parse reads segments up to SOS; if wantTail it also reads the rest. A
// reader that is already a ByteReader is read directly, so that ParseBytes
// knows where parsing stopped.
func parse(r io.Reader, wantTail bool) (*File, error) {
	br, ok := r.(byteReader)
	if !ok {
		br = bufio.NewReader(r)
	}
	var soi [2]byte
	if n, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, markerSOI} {
		if n == 0 {
			return nil, fmt.Errorf("%w: empty input", ErrNotJPEG)
		}
		return nil, fmt.Errorf("%w: first bytes are % x, want ff d8", ErrNotJPEG, soi[:n])
	}
	f := &File{}
	for {
		// A marker is 0xFF, optional 0xFF fill bytes, then a non-0xFF code.
		b, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("%w: no image data (SOS) after %d segments", ErrTruncated, len(f.Segments))
		}
		if b != 0xFF {
			return nil, fmt.Errorf("%w: byte %#02x where a marker was expected after %d segments", ErrMalformed, b, len(f.Segments))
		}
		fill := 0
		var m byte
		for {
			m, err = br.ReadByte()
			if err != nil {
				return nil, fmt.Errorf("%w: file ends inside a marker", ErrTruncated)
			}
			if m != 0xFF {
				break
			}
			fill++
		}
		if m == 0x00 || m == markerSOI {
			return nil, fmt.Errorf("%w: invalid marker ff %02x after %d segments", ErrMalformed, m, len(f.Segments))
		}
		if m == markerSOS || m == markerEOI {
			var head bytes.Buffer
			head.Write(bytes.Repeat([]byte{0xFF}, fill+1))
			head.WriteByte(m)
			if !wantTail {
				f.Tail = head.Bytes()
				return f, nil
			}
			rest, err := io.ReadAll(br)
			if err != nil {
				return nil, fmt.Errorf("read image data: %w", err)
			}
			f.Tail = append(head.Bytes(), rest...)
			return f, nil
		}
		if standalone(m) {
			f.Segments = append(f.Segments, Segment{Marker: m, Fill: fill})
			continue
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return nil, fmt.Errorf("%w: file ends in the length of segment ff %02x", ErrTruncated, m)
		}
		n := int(lb[0])<<8 | int(lb[1])
		if n < 2 {
			return nil, fmt.Errorf("%w: segment ff %02x declares length %d (minimum 2)", ErrMalformed, m, n)
		}
		data := make([]byte, n-2) // at most 65533 bytes
		if k, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("%w: segment ff %02x declares %d bytes, only %d left", ErrTruncated, m, n-2, k)
		}
		f.Segments = append(f.Segments, Segment{Marker: m, Fill: fill, Data: data})
	}
}

// maxSegmentData is the largest payload a length-prefixed segment can carry.
const maxSegmentData = 0xFFFF - 2

// WriteTo writes the file; for a parsed file that was not changed the output
// equals the input byte-for-byte.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	head, err := f.appendHead(nil)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(head)
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(f.Tail)
	return int64(n + m), err
}

// Bytes returns the file as written by WriteTo, in one allocation of the
// exact size (the image data is most of a photo: it is copied once).
func (f *File) Bytes() ([]byte, error) { return f.Append(nil) }

// Append appends the file as written by WriteTo to dst, growing it at most
// once.
func (f *File) Append(dst []byte) ([]byte, error) {
	size := 2 + len(f.Tail)
	for _, s := range f.Segments {
		size += s.Fill + 2
		if !standalone(s.Marker) {
			size += 2 + len(s.Data)
		}
	}
	b, err := f.appendHead(slices.Grow(dst, size))
	if err != nil {
		return dst, err
	}
	return append(b, f.Tail...), nil
}

// appendHead appends SOI and the segments (everything before Tail) to b.
func (f *File) appendHead(b []byte) ([]byte, error) {
	b = append(b, 0xFF, markerSOI)
	for _, s := range f.Segments {
		for range s.Fill + 1 {
			b = append(b, 0xFF)
		}
		b = append(b, s.Marker)
		if standalone(s.Marker) {
			continue
		}
		if len(s.Data) > maxSegmentData {
			return nil, fmt.Errorf("segment ff %02x: %d bytes exceed the %d-byte segment limit", s.Marker, len(s.Data), maxSegmentData)
		}
		n := len(s.Data) + 2
		b = append(b, byte(n>>8), byte(n))
		b = append(b, s.Data...)
	}
	return b, nil
}
