package jpegmeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// EXIF sync (MWG guidelines, "Description", "Creator", "Copyright"): IFD0
// ImageDescription, Artist and Copyright mirror the caption, the creators
// (joined with "; ") and the copyright notice, so that readers that only
// look at EXIF do not show a camera's "OLYMPUS DIGITAL CAMERA".
//
// The EXIF APP1 segment is "Exif\0\0" followed by a TIFF file (TIFF 6.0
// section 2): a header with the byte order and the offset of IFD0, then IFDs
// (a 2-byte entry count, 12-byte entries, a 4-byte next-IFD offset) and the
// values they point to. Every offset is relative to the TIFF header, and
// MakerNotes often hold offsets we cannot see. So nothing is ever moved:
//
//   - a value that fits in 4 bytes is stored in the entry itself;
//   - a new value that fits in the old value's place overwrites it (the
//     rest NUL-filled, the count unchanged, so the slot keeps its size);
//   - otherwise the value is appended at the end of the TIFF block;
//   - if IFD0 needs a new entry, the whole IFD0 is copied to the end of the
//     block with the entry added and the header's IFD0 offset updated.
//
// Only IFD0 entries and the header offset change; the bytes of an old value
// or old IFD0 are left in place, unreferenced. A file without EXIF gets none,
// unless Options.CreateEXIF asks for a minimal one; a damaged IFD0 is left
// alone and noted in the Report.

var exifHeader = []byte("Exif\x00\x00")

const (
	tagImageDescription = 0x010E
	tagArtist           = 0x013B
	tagCopyright        = 0x8298
	typeASCII           = 2
)

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	val      [4]byte // inline value or offset, in file byte order
}

var errEXIF = errors.New("EXIF IFD0 damaged")

// syncEXIF updates the three IFD0 tags in the EXIF segment; without one it
// creates one only if create is set and there is something to say. It
// returns a note when it had to leave EXIF unchanged.
func syncEXIF(file *File, f Fields, create bool) string {
	idx := -1
	for i, s := range file.Segments {
		if s.Marker == markerAPP1 && bytes.HasPrefix(s.Data, exifHeader) {
			idx = i
			break
		}
	}
	var tiff []byte
	if idx >= 0 {
		tiff = append([]byte(nil), file.Segments[idx].Data[len(exifHeader):]...)
	} else {
		if !create || (f.Caption == "" && len(f.Creator) == 0 && f.Copyright == "") {
			return ""
		}
		tiff = minimalTIFF()
	}
	out, err := patchIFD0(tiff, map[uint16]string{
		tagImageDescription: f.Caption,
		tagArtist:           strings.Join(f.Creator, "; "),
		tagCopyright:        f.Copyright,
	})
	if err != nil {
		return fmt.Sprintf("EXIF left unchanged: %v", err)
	}
	if len(exifHeader)+len(out) > maxSegmentData {
		return "EXIF left unchanged: the EXIF segment would exceed 64 KiB"
	}
	if idx < 0 {
		// EXIF goes first among the APPn segments, after JFIF's APP0.
		idx = 0
		for idx < len(file.Segments) && file.Segments[idx].Marker == markerAPP0 {
			idx++
		}
		file.Segments = append(file.Segments[:idx], append([]Segment{{Marker: markerAPP1}}, file.Segments[idx:]...)...)
	}
	file.Segments[idx].Data = append(append([]byte(nil), exifHeader...), out...)
	return ""
}

// minimalTIFF is the smallest EXIF block exiftool -validate accepts for a
// JPEG: a big-endian TIFF header and an IFD0 with the four tags EXIF 2.32
// (4.6.8, Table 19) requires — XResolution and YResolution 72/1,
// ResolutionUnit 2 (inch), YCbCrPositioning 1 (centred) — and no next IFD.
// patchIFD0 then adds the caption tags.
func minimalTIFF() []byte {
	bo := binary.BigEndian
	const ifd0, n = 8, 4
	values := ifd0 + 2 + 12*n + 4 // the two rationals follow IFD0
	b := make([]byte, values+16)
	copy(b, "MM")
	bo.PutUint16(b[2:], 42)
	bo.PutUint32(b[4:], ifd0)
	bo.PutUint16(b[ifd0:], n)
	entry := func(i int, tag, typ uint16, count, val uint32, inlineShort bool) {
		p := ifd0 + 2 + 12*i
		bo.PutUint16(b[p:], tag)
		bo.PutUint16(b[p+2:], typ)
		bo.PutUint32(b[p+4:], count)
		if inlineShort {
			bo.PutUint16(b[p+8:], uint16(val))
		} else {
			bo.PutUint32(b[p+8:], val)
		}
	}
	const typeShort, typeRational = 3, 5
	entry(0, 0x011A, typeRational, 1, uint32(values), false)   // XResolution
	entry(1, 0x011B, typeRational, 1, uint32(values+8), false) // YResolution
	entry(2, 0x0128, typeShort, 1, 2, true)                    // ResolutionUnit: inch
	entry(3, 0x0213, typeShort, 1, 1, true)                    // YCbCrPositioning: centred
	for _, at := range []int{values, values + 8} {
		bo.PutUint32(b[at:], 72)
		bo.PutUint32(b[at+4:], 1)
	}
	return b
}

func patchIFD0(tiff []byte, want map[uint16]string) ([]byte, error) {
	if len(tiff) < 8 {
		return nil, fmt.Errorf("%w: TIFF header cut short", errEXIF)
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: unknown byte order %q", errEXIF, tiff[:2])
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return nil, fmt.Errorf("%w: not a TIFF header", errEXIF)
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return nil, fmt.Errorf("%w: IFD0 offset %d outside the block", errEXIF, ifd)
	}
	n := int64(bo.Uint16(tiff[ifd:]))
	end := ifd + 2 + 12*n + 4
	if end > int64(len(tiff)) {
		return nil, fmt.Errorf("%w: IFD0 with %d entries runs past the block", errEXIF, n)
	}
	entries := make([]ifdEntry, n)
	for i := range entries {
		p := ifd + 2 + 12*int64(i)
		e := &entries[i]
		e.tag, e.typ, e.count = bo.Uint16(tiff[p:]), bo.Uint16(tiff[p+2:]), bo.Uint32(tiff[p+4:])
		copy(e.val[:], tiff[p+8:p+12])
	}
	next := bo.Uint32(tiff[end-4:])
	for _, e := range entries {
		if err := checkEntry(e, bo, ifd, end, int64(len(tiff))); err != nil {
			return nil, err
		}
	}

	appendValue := func(b []byte) uint32 {
		if len(tiff)%2 == 1 {
			tiff = append(tiff, 0) // TIFF values start on a word boundary
		}
		off := uint32(len(tiff))
		tiff = append(tiff, b...)
		return off
	}
	tags := []uint16{tagImageDescription, tagArtist, tagCopyright}
	added, removed := false, false
	for _, tag := range tags {
		v := want[tag]
		at := -1
		for i, e := range entries {
			if e.tag == tag {
				at = i
				break
			}
		}
		if v == "" {
			if at >= 0 {
				entries = append(entries[:at], entries[at+1:]...)
				removed = true
			}
			continue
		}
		b := append([]byte(v), 0)
		e := ifdEntry{tag: tag, typ: typeASCII, count: uint32(len(b))}
		if at >= 0 && entries[at].typ == typeASCII {
			if cur, ok := entryBytes(tiff, bo, entries[at]); ok && string(bytes.TrimRight(cur, "\x00")) == v {
				continue // unchanged: keeps repeated writes byte-identical
			}
		}
		switch {
		case len(b) <= 4:
			copy(e.val[:], b)
		case at >= 0 && entries[at].typ == typeASCII && entries[at].count > 4 && entries[at].count >= e.count &&
			ownValue(bo.Uint32(entries[at].val[:]), entries[at].count, ifd, end, int64(len(tiff))):
			// Overwrite the old value in place, NUL-filling the rest. The
			// count keeps the old size (readers stop at the first NUL), so
			// the slot can take a longer caption again next time instead
			// of the block growing with every edit.
			off := bo.Uint32(entries[at].val[:])
			dst := tiff[off : off+entries[at].count]
			clear(dst)
			copy(dst, b)
			e.val, e.count = entries[at].val, entries[at].count
		default:
			bo.PutUint32(e.val[:], appendValue(b))
		}
		if at >= 0 {
			entries[at] = e
		} else {
			entries = append(entries, e)
			added = true
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })

	encode := func() []byte {
		b := make([]byte, 2+12*len(entries)+4)
		bo.PutUint16(b, uint16(len(entries)))
		for i, e := range entries {
			p := 2 + 12*i
			bo.PutUint16(b[p:], e.tag)
			bo.PutUint16(b[p+2:], e.typ)
			bo.PutUint32(b[p+4:], e.count)
			copy(b[p+8:], e.val[:])
		}
		bo.PutUint32(b[len(b)-4:], next)
		return b
	}
	if added {
		// IFD0 grows: write it anew at the end and point the header at it.
		off := appendValue(encode()) // may reallocate tiff: call before indexing it
		bo.PutUint32(tiff[4:], off)
		return tiff, nil
	}
	enc := encode()
	copy(tiff[ifd:], enc)
	if removed {
		clear(tiff[ifd+int64(len(enc)) : end]) // the freed entry slots
	}
	return tiff, nil
}

// typeSize is the byte size of each TIFF field type (TIFF 6.0 section 2,
// plus 13 = IFD from TIFF Technical Note 1).
var typeSize = [...]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// checkEntry refuses IFD0s a careful writer should not touch: unknown types,
// values outside the block, values overlapping the IFD0 table (crafted
// files such as testdata/corrupt/infinite_loop_exif.jpg do this).
func checkEntry(e ifdEntry, bo binary.ByteOrder, ifd, end, size int64) error {
	if e.typ == 0 || int(e.typ) >= len(typeSize) {
		return fmt.Errorf("%w: entry %#04x has unknown type %d", errEXIF, e.tag, e.typ)
	}
	n := typeSize[e.typ] * int64(e.count)
	if n <= 4 {
		return nil
	}
	lo := int64(bo.Uint32(e.val[:]))
	if lo < 8 || lo+n > size || (lo < end && lo+n > ifd) {
		return fmt.Errorf("%w: entry %#04x points outside the block or into IFD0", errEXIF, e.tag)
	}
	return nil
}

// ownValue reports whether an out-of-line value at [off, off+n) lies inside
// the block and clear of the header and IFD0, so it can be overwritten
// without damaging anything else (a crafted file may overlap them).
func ownValue(off, n uint32, ifd, end, size int64) bool {
	lo, hi := int64(off), int64(off)+int64(n)
	return lo >= 8 && hi <= size && (hi <= ifd || lo >= end)
}

// entryBytes returns the value bytes of an ASCII entry.
func entryBytes(tiff []byte, bo binary.ByteOrder, e ifdEntry) ([]byte, bool) {
	if e.count <= 4 {
		return e.val[:e.count], true
	}
	off := int64(bo.Uint32(e.val[:]))
	if off+int64(e.count) > int64(len(tiff)) {
		return nil, false
	}
	return tiff[off : off+int64(e.count)], true
}
