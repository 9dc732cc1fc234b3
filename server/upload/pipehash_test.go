package upload

import (
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// pipeHash writes what it reads and hashes exactly the bytes it wrote,
// whatever the reader's pieces and however the reader ends.
func TestPipeHashCopy(t *testing.T) {
	data := randBytes(t, writeBuf*pipeDepth*2+4321)
	for _, end := range []error{io.EOF, io.ErrUnexpectedEOF, errBoom} {
		f, err := os.Create(filepath.Join(t.TempDir(), "up"))
		if err != nil {
			t.Fatal(err)
		}
		p := newPipeHash()
		n, rerr, werr := p.copy(f, 0, &pieces{b: data, step: 9999, err: end})
		f.Close()
		h := p.finish()
		if end == errBoom && rerr != errBoom || end != errBoom && rerr != nil || werr != nil {
			t.Fatalf("%v: read error %v, write error %v", end, rerr, werr)
		}
		got, _ := os.ReadFile(f.Name())
		if n != int64(len(data)) || p.hashed != n || string(got) != string(data) {
			t.Fatalf("%v: wrote %d, hashed %d of %d", end, n, p.hashed, len(data))
		}
		if shaOf(data) != hex.EncodeToString(h.Sum(nil)) {
			t.Fatalf("%v: hash", end)
		}
	}
}

// A write that fails leaves the failed piece unhashed: the hash never
// claims bytes the file may not have.
func TestPipeHashWriteFails(t *testing.T) {
	data := randBytes(t, writeBuf*3)
	f, err := os.Create(filepath.Join(t.TempDir(), "up"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // every write fails
	p := newPipeHash()
	n, rerr, werr := p.copy(f, 0, &pieces{b: data, step: writeBuf, err: io.EOF})
	p.finish()
	if werr == nil || rerr != nil || n != 0 || p.hashed != 0 {
		t.Fatalf("wrote %d, hashed %d, write error %v, read error %v", n, p.hashed, werr, rerr)
	}
	p.finish() // again: harmless
	if hashers.Load() != 0 {
		t.Fatalf("%d hashing goroutines left", hashers.Load())
	}
}
