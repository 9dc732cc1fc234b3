// Package ids makes the record ids of the local library: 26 characters of
// Crockford base32, lower case, time-sortable like a ULID. Articles and
// photos use them; ids become parts of store keys and folder names, so
// Valid lets nothing else through.
package ids

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"time"
)

// Crockford's base32 alphabet, lower case: no i, l, o, u.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// New returns a 26-character id: 48 bits of milliseconds since 1970 then
// 80 random bits (the ULID layout), so ids sort by creation time.
func New(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	// 128 bits → 26 base32 digits (the first carries 3 bits).
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// Valid reports whether id looks like one New made.
func Valid(id string) bool {
	if len(id) != 26 || id[0] > '7' {
		return false
	}
	for i := range len(id) {
		if strings.IndexByte(alphabet, id[i]) < 0 {
			return false
		}
	}
	return true
}
