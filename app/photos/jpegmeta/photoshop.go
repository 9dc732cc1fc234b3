package jpegmeta

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// psHeader starts an APP13 segment holding Photoshop image resources.
var psHeader = []byte("Photoshop 3.0\x00")

// Photoshop image resource ids used here.
const (
	resIIM    = 0x0404 // IPTC-NAA record (the IIM bytes)
	resDigest = 0x0425 // IPTCDigest: MD5 of the 0x0404 data
)

// resource is one image resource block (Photoshop File Formats,
// "Image resource blocks"):
//
//	signature  4 bytes, "8BIM" (old files also use "MeSa", "PHUT", ...)
//	id         uint16, big-endian
//	name       Pascal string: length byte + bytes, padded so that the
//	           length byte plus bytes is even
//	size       uint32, big-endian
//	data       size bytes, padded to an even length
//
// The raw signature and name are kept so that resources we do not touch are
// written back byte for byte.
type resource struct {
	sig  [4]byte
	id   uint16
	name []byte // Pascal string including its length byte and pad
	data []byte
	pad  bool // whether a pad byte followed odd-sized data in the input
	padB byte // its value (normally 0), kept for a byte-exact copy
}

// parseResources splits the bytes after "Photoshop 3.0\x00". trailing holds
// bytes after the last complete block that are not a block (kept as is).
func parseResources(b []byte) (res []resource, trailing []byte, err error) {
	for len(b) > 0 {
		if len(b) < 4+2+2+4 {
			if len(res) > 0 && allZero(b) {
				return res, b, nil // some writers pad the segment with zeros
			}
			return nil, nil, fmt.Errorf("%w: Photoshop resource block cut short (%d bytes)", ErrMalformed, len(b))
		}
		var r resource
		copy(r.sig[:], b)
		r.id = binary.BigEndian.Uint16(b[4:])
		nameLen := int(b[6]) + 1
		if nameLen%2 == 1 {
			nameLen++
		}
		if 6+nameLen+4 > len(b) {
			return nil, nil, fmt.Errorf("%w: Photoshop resource %#04x: name runs past the segment", ErrMalformed, r.id)
		}
		r.name = b[6 : 6+nameLen]
		size := binary.BigEndian.Uint32(b[6+nameLen:])
		p := 6 + nameLen + 4
		if uint64(size) > uint64(len(b)-p) {
			return nil, nil, fmt.Errorf("%w: Photoshop resource %#04x declares %d bytes, only %d left", ErrMalformed, r.id, size, len(b)-p)
		}
		r.data = b[p : p+int(size)]
		p += int(size)
		if size%2 == 1 && p < len(b) {
			r.pad, r.padB = true, b[p]
			p++
		}
		res = append(res, r)
		b = b[p:]
	}
	return res, nil, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func writeResources(res []resource, trailing []byte) []byte {
	var out bytes.Buffer
	out.Write(psHeader)
	for _, r := range res {
		out.Write(r.sig[:])
		var n [4]byte
		binary.BigEndian.PutUint16(n[:2], r.id)
		out.Write(n[:2])
		out.Write(r.name)
		binary.BigEndian.PutUint32(n[:], uint32(len(r.data)))
		out.Write(n[:])
		out.Write(r.data)
		if len(r.data)%2 == 1 && r.pad {
			out.WriteByte(r.padB)
		}
	}
	out.Write(trailing)
	return out.Bytes()
}

// newResource makes an 8BIM block with an empty name.
func newResource(id uint16, data []byte) resource {
	return resource{sig: [4]byte{'8', 'B', 'I', 'M'}, id: id, name: []byte{0, 0}, data: data, pad: true}
}
