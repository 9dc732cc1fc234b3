package upload

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/warta-news/warta/server/blobs"
)

// A POST that carries a whole photo (tus creation-with-upload with
// Content-Length equal to Upload-Length: every web rendition, which is
// smaller than the client's chunk) is received here, not by tusd. The wire
// protocol is the same; what the server saves is tusd's bookkeeping for an
// upload that, when all goes well, lives for one request: the upload file
// and its .info (two file creations, a JSON file written and removed, the
// info read back several times). Creating a file costs 0.1–0.5 ms on the
// servers measured, as much as sending the photo over a LAN.
//
// The bytes go to a temporary file in the uploads folder, hashed as they
// arrive (pipeHash: on a goroutine of their own, so the hashing overlaps with
// receiving and with the fsync). When all arrived and they
// hash to the photo's sha256, the file becomes the blob exactly as a tusd
// upload does (Blobs.MoveFileWhile: fsync, rename, folder fsync, then
// the database record) and the answer is tusd's for a POST that completed its
// upload: 201, Location, Upload-Offset = Upload-Length, Photo-Complete.
//
// When the body stops short (the connection was cut), what arrived is not
// lost: it becomes a tus upload of its own, with its hash state, so the
// client's next POST or HEAD finds it and sends only the rest (adopt). A
// server killed while it receives such a POST leaves a temporary file that
// the next start removes (sweepDirect): the client sends that photo again,
// at most one chunk.

// directPrefix starts the name of every temporary file of a direct POST; it
// is never the name of an upload (ids are hex).
const directPrefix = ".direct-"

// wantsDirect reports whether the POST carries the whole photo of size
// bytes.
func wantsDirect(r *http.Request, size int64) bool {
	return size > 0 && r.ContentLength == size &&
		r.Header.Get("Content-Type") == "application/offset+octet-stream" &&
		r.Header.Get("Upload-Checksum") == ""
}

// direct receives a POST that carries the whole photo sha (size bytes) for
// the upload id, which does not exist. The caller released the creation
// lock: concurrent POSTs of the same photo each write their own file, and
// the blob store keeps one.
func (h *handler) direct(w http.ResponseWriter, r *http.Request, user, id, sha string, size int64, meta tusd.MetaData) {
	tmp, err := h.tempFile()
	if err != nil {
		h.internal(w, r, err)
		return
	}
	name := tmp.Name()
	remove := func() {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			h.log.Warn("remove upload", "path", name, "err", err)
		}
	}
	p := newPipeHash()
	defer p.finish() // also when MoveFileWhile never asks for the digest
	body := &deadlineReader{r: r.Body, rc: http.NewResponseController(w), d: h.readTimeout}
	n, rerr, werr := p.copy(tmp, 0, body)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		// The disk failed (full, gone): nothing of it is kept.
		remove()
		h.internal(w, r, fmt.Errorf("receive photo %s: %w", sha, werr))
		return
	}
	if rerr != nil || n != size {
		// Cut short: keep what arrived as a tus upload.
		h.adopt(user, id, name, n, size, meta, p.finish(), p.hashed, rerr)
		// Mostly nobody hears this (the connection is gone); a client
		// that stalled past readTimeout does, and may go on.
		writeError(w, r, http.StatusRequestTimeout, "incomplete", "the photo's bytes stopped short; POST it again to send the rest")
		return
	}
	// The hasher finishes while the file is fsynced.
	known := func() *blobs.Digest {
		hs := p.finish()
		if p.hashed != n {
			return nil // MoveFileWhile reads the file
		}
		d := &blobs.Digest{Size: n}
		hs.Sum(d.Sum[:0])
		return d
	}
	ctx := r.Context()
	_, err = h.cfg.Blobs.MoveFileWhile(sha, name, known, func() error {
		if err := h.cfg.Recorder.AddBlob(ctx, sha, size); err != nil {
			return fmt.Errorf("%w: %w", errRecord, err)
		}
		return nil
	})
	remove() // after a move there is nothing left; otherwise the blob existed or the move failed
	if errors.Is(err, blobs.ErrChecksum) {
		h.log.Warn("photo checksum mismatch", "upload", id, "sha256", sha, "owner", user)
		writeError(w, r, StatusChecksumMismatch, "checksum_mismatch", errMismatch.Error())
		return
	}
	if err != nil {
		h.log.Error("finish photo upload", "upload", id, "err", err)
		writeError(w, r, http.StatusInternalServerError, "internal", "the server could not store the photo; send it again")
		return
	}
	h.directs.Add(1)
	h.log.Info("photo received", "sha256", sha, "size", size, "owner", user)
	hd := w.Header()
	hd.Set("Tus-Resumable", "1.0.0")
	hd.Set("Location", h.location(r, id))
	hd.Set("Upload-Offset", strconv.FormatInt(size, 10))
	hd.Set(HeaderComplete, "true")
	w.WriteHeader(http.StatusCreated)
	// The client has its answer; make the file the next photo will use.
	http.NewResponseController(w).Flush()
	h.makeSpare()
}

// spareFiles is how many empty temporary files tempFile keeps made ahead.
// Creating a file (allocating an inode) cost 0.1–0.7 ms on the disks
// measured, up to a tenth of receiving a 1 MB photo; a direct POST opens
// one made after an earlier answer was sent instead.
const spareFiles = 4

// tempFile opens an empty temporary file for a direct POST: a spare one
// when there is one, else a new one.
func (h *handler) tempFile() (*os.File, error) {
	select {
	case name := <-h.spare:
		if f, err := os.OpenFile(name, os.O_WRONLY, 0); err == nil {
			if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
				return f, nil
			}
			f.Close()
			os.Remove(name)
		}
	default:
	}
	return os.CreateTemp(h.cfg.Dir, directPrefix+"*")
}

// makeSpare makes one spare temporary file if fewer than spareFiles are
// waiting. Spares left when the server stops are removed at the next
// start (sweepDirect).
func (h *handler) makeSpare() {
	if len(h.spare) >= spareFiles {
		return
	}
	f, err := os.CreateTemp(h.cfg.Dir, directPrefix+"*")
	if err != nil {
		return
	}
	f.Close()
	select {
	case h.spare <- f.Name():
	default:
		os.Remove(f.Name())
	}
}

// adopt turns the first n bytes of a direct POST, in the file name, into
// the tus upload id (unless someone made that upload meanwhile), so that
// they need not be sent again. The hash of the bytes goes with them when it
// is known to cover exactly the file. rerr is why the body stopped.
func (h *handler) adopt(user, id, name string, n, size int64, meta tusd.MetaData, hs hash.Hash, hashed int64, rerr error) {
	drop := func(why string, err error) {
		os.Remove(name)
		h.log.Info("photo upload cut short; its bytes were dropped", "upload", id, "owner", user, "bytes", n, "why", why, "err", err)
	}
	if n <= 0 {
		drop("nothing arrived", rerr)
		return
	}
	if h.cfg.Blobs.Has(meta["sha256"]) {
		drop("the photo is stored", nil) // another POST of it finished
		return
	}
	mu := &h.creating[stripe(id)]
	mu.Lock()
	defer mu.Unlock()
	ctx := context.Background()
	if _, err := h.store.GetUpload(ctx, id); !errors.Is(err, tusd.ErrNotFound) {
		drop("the upload exists", err) // another POST of the photo made it
		return
	}
	up, err := h.store.NewUpload(ctx, tusd.FileInfo{ID: id, Size: size, MetaData: meta})
	if err != nil {
		drop("create upload", err)
		return
	}
	info, _ := up.GetInfo(ctx)
	bin := info.Storage[filestore.StorageKeyPath]
	if bin == "" || filepath.Dir(bin) != h.cfg.Dir {
		bin = filepath.Join(h.cfg.Dir, id)
	}
	if err := os.Rename(name, bin); err != nil {
		drop("rename", err)
		return
	}
	if now, ok := stampOf(bin); ok && now.fi.Size() == n && hashed == n {
		h.store.put(id, &hashState{h: hs, off: n, file: now})
	}
	h.log.Info("photo upload cut short; kept for resuming", "upload", id, "owner", user, "bytes", n, "size", size, "err", rerr)
}

// readTimeout (handler.readTimeout) bounds each read of a direct POST's
// body, as tusd's NetworkTimeout does for its requests: a peer that stopped
// sending frees the handler, its file and its buffers (what arrived is
// adopted).
const readTimeout = 60 * time.Second

// deadlineReader renews the connection's read deadline (d from now) before
// each read.
type deadlineReader struct {
	r  io.Reader
	rc *http.ResponseController
	d  time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.rc.SetReadDeadline(time.Now().Add(d.d))
	return d.r.Read(p)
}

// sweepDirect removes the temporary files of direct POSTs that a stopped
// server left behind. It runs before the endpoint serves anything.
func (h *handler) sweepDirect() {
	ents, err := os.ReadDir(h.cfg.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), directPrefix) {
			os.Remove(filepath.Join(h.cfg.Dir, e.Name()))
		}
	}
}
