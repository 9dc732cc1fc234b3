package upload

import (
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// pipeHash copies a request's bytes into a file and hashes them on a
// goroutine of its own, so that hashing a photo (about 0.7 ms per MB with
// SHA-NI) overlaps with receiving it and, at the end, with the fsync of
// the file (Blobs.MoveFileWhile) instead of adding to them. Only bytes
// that were written whole are hashed, in order.
type pipeHash struct {
	h      hash.Hash
	hashed int64 // bytes handed to the hasher
	todo   chan piece
	free   chan *[]byte
	done   chan struct{}
	finish func() hash.Hash // see finish1; safe to call more than once
}

type piece struct {
	buf *[]byte
	n   int
}

// pipeDepth is how many buffers (writeBuf bytes each) a copy may have in
// flight: the hasher may lag the receive loop by that much.
const pipeDepth = 4

// hashers counts the hashing goroutines alive (tests: none may be left).
var hashers atomic.Int64

func newPipeHash() *pipeHash {
	p := &pipeHash{h: sha256.New(), todo: make(chan piece, pipeDepth), free: make(chan *[]byte, pipeDepth), done: make(chan struct{})}
	p.finish = sync.OnceValue(p.finish1)
	for range pipeDepth {
		p.free <- chunkPool.Get().(*[]byte)
	}
	hashers.Add(1)
	go func() {
		defer close(p.done)
		defer hashers.Add(-1)
		for pc := range p.todo {
			p.h.Write((*pc.buf)[:pc.n])
			p.free <- pc.buf
		}
	}()
	return p
}

// copy writes what r gives into f, from f's offset off, until r ends, and
// returns the bytes written, and the error of reading (rerr) or of writing
// (werr) that stopped it. Like teeCounter.WriteTo, an early end of r
// (io.ErrUnexpectedEOF) is no error: the caller compares the count.
func (p *pipeHash) copy(f *os.File, off int64, r io.Reader) (written int64, rerr, werr error) {
	for {
		bp := <-p.free
		n, rerr := io.ReadFull(r, *bp)
		if n > 0 {
			m, werr := f.Write((*bp)[:n])
			written += int64(m)
			if werr == nil && m != n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				p.free <- bp
				return written, nil, werr
			}
			startWriteback(f, off+written-int64(m), int64(m))
			p.hashed += int64(n)
			p.todo <- piece{bp, n}
		} else {
			p.free <- bp
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return written, nil, nil
		}
		if rerr != nil {
			return written, rerr, nil
		}
	}
}

// finish1 (called through p.finish, once) waits for the hasher and returns
// the hash of every byte copy handed to it (p.hashed of them); the buffers
// go back to the pool. Every pipeHash must be finished, or its goroutine
// and buffers stay.
func (p *pipeHash) finish1() hash.Hash {
	close(p.todo)
	<-p.done
	for range pipeDepth {
		chunkPool.Put(<-p.free)
	}
	return p.h
}
