// Package upload is the Warta server's photo upload endpoint: tus 1.0.0
// (https://tus.io/protocols/resumable-upload) served by tusd's handler
// (github.com/tus/tusd/v2/pkg/handler) over its filestore, wrapped with what
// Warta needs around it:
//
//   - every request is authenticated (Config.Auth) and an upload belongs to
//     the user who created it;
//   - an upload is created for one photo, named by the SHA-256 of its bytes
//     (Upload-Metadata "sha256"); a photo the server already has needs no
//     upload at all;
//   - the POST that creates an upload may carry its first bytes (tus
//     creation-with-upload), so a photo of one chunk takes one request; a
//     retried POST finds its upload, skips the bytes it has and appends
//     the rest;
//   - the bytes are hashed as they are written (hashing.go); when the last
//     byte arrives and that hash provably covers the whole upload file, the
//     file is not read again, otherwise (a restart, a file changed behind
//     the server's back, any doubt) it is read and hashed. If its bytes hash
//     to its name it is fsynced and moved (renamed) into the blob store
//     (server/blobs; copied when the two are on different file systems) and
//     recorded (Recorder.AddBlob) before the client hears "complete"; a
//     photo whose bytes do not hash to its name is refused and deleted.
//     Config.Dir and the blob store belong on one file system (both under
//     the server's DATA dir) so the move writes nothing.
//
// The wire protocol is described in docs/sync-protocol.md, "Photos".
//
// Glossary:
//
//   - upload: a tus resource, DIR/<id> (bytes so far) and DIR/<id>.info
//     (tusd's JSON). Its id is the photo's sha256 followed by an owner tag
//     (16 hex digits derived from (user, sha256)): a retried creation finds
//     the same upload again, and once the upload became a blob its id
//     alone says which blob it became and whose upload it was.
//   - finished upload: an id without DIR/<id>.info whose blob is stored. It
//     answers its owner "complete" (HEAD, PATCH), so a client whose last
//     answer was lost still learns it, with no record kept per upload.
//   - moved upload: DIR/<id>.info without DIR/<id> while the blob exists:
//     finish moved the file into the blob store but stopped before it was
//     recorded (a crash, the database down). It is complete; the next HEAD
//     or PATCH finishes it.
//   - legacy upload: a 32-hex-digit id made by an older server (a hash of
//     (user, sha256)); it is served as before, and when it finished, its
//     done record DIR/<id>.done (removed after 7 days) answers for it.
//   - blob: the finished photo in the blob store, named by its SHA-256.
//
// Locking: uploads are locked with tusd's memorylocker, which is correct
// while one server process serves DIR (the Warta server is one process).
// Two processes sharing DIR would need tusd's filelocker instead.
package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"github.com/warta-news/warta/server/blobs"
)

// Recorder is what the endpoint needs from the server's database;
// store.Store satisfies it.
type Recorder interface {
	// AddBlob records that the blob sha (size bytes) is stored. Idempotent.
	AddBlob(ctx context.Context, sha string, size int64) error
	HasBlob(ctx context.Context, sha string) (bool, error)
}

// Config configures New.
type Config struct {
	Dir      string       // uploads in progress (DATA/uploads, beside Blobs); created if missing
	Blobs    *blobs.Store // where finished photos go
	Recorder Recorder
	// Auth identifies the caller of every request; an error answers 401.
	Auth     func(*http.Request) (userID string, err error)
	MaxSize  int64  // bytes per photo; 0 means DefaultMaxSize
	BasePath string // URL path of the endpoint, e.g. "/api/v1/photos/"
	Log      *slog.Logger
}

// DefaultMaxSize is the size limit when Config.MaxSize is 0.
const DefaultMaxSize = 64 << 20

// HeaderComplete is set to "true" on an answer that means the server has the
// photo: no (more) bytes are needed.
const HeaderComplete = "Photo-Complete"

// StatusChecksumMismatch answers the last PATCH of an upload whose bytes do
// not hash to its sha256 (the status of tus's checksum extension).
const StatusChecksumMismatch = 460

// doneKeep is how long a done record is kept.
const doneKeep = 7 * 24 * time.Hour

type handler struct {
	cfg    Config
	base   string // cfg.BasePath with exactly one trailing slash
	tus    *tusd.UnroutedHandler
	tusMW  http.Handler // tusd's middleware around route
	store  *hashingStore
	locker *memorylocker.MemoryLocker
	log    *slog.Logger

	// creating serialises creations of the same upload id (striped by the
	// id's owner tag), so a retried POST never truncates an upload that a
	// concurrent POST just created. It is held until the upload exists,
	// not while a POST's body arrives (createdKey).
	creating [256]sync.Mutex

	// finishes that used the hash taken while the bytes arrived (fast) or
	// read the file (reread); for tests.
	fast, reread atomic.Int64
	// POSTs that carried a whole photo and were received without tusd
	// (direct.go); for tests.
	directs atomic.Int64
	// spare holds the names of empty temporary files made ahead for
	// direct POSTs (tempFile).
	spare chan string
	// readTimeout bounds each read of a direct POST's body (tests
	// shorten it).
	readTimeout time.Duration
}

type ctxKey struct{}

// createdKey carries, in a POST's context, the function that releases the
// creation lock once the file store made the upload (hashingStore.NewUpload
// calls it), so that the first chunk a POST carries is received without it.
type createdKey struct{}

// New builds the endpoint. It serves cfg.BasePath (POST creates) and
// everything under it; mount it there without stripping the prefix.
func New(cfg Config) (http.Handler, error) {
	if cfg.Dir == "" || cfg.Blobs == nil || cfg.Recorder == nil || cfg.Auth == nil {
		return nil, errors.New("upload: Dir, Blobs, Recorder and Auth are required")
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	base := "/" + strings.Trim(cfg.BasePath, "/") + "/"
	if base == "//" {
		base = "/"
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	cfg.Dir = dir

	h := &handler{
		cfg:    cfg,
		base:   base,
		store:  newHashingStore(dir),
		locker: memorylocker.New(),
		log:    cfg.Log.With("component", "upload"),
		spare:  make(chan string, spareFiles),

		readTimeout: readTimeout,
	}
	h.sweepDone(time.Now())
	h.sweepDirect()

	// Only the core and termination: no concatenation, no deferred length,
	// no download (photos are read from the blob store, not from uploads).
	composer := tusd.NewStoreComposer()
	composer.UseCore(h.store)
	composer.UseTerminater(h.store)
	h.locker.UseIn(composer)

	tus, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:             composer,
		MaxSize:                   cfg.MaxSize,
		BasePath:                  base,
		DisableDownload:           true,
		DisableConcatenation:      true,
		Cors:                      &tusd.CorsConfig{Disable: true}, // the desktop app is not a browser page
		Logger:                    xslog.New(expHandler{cfg.Log.Handler()}),
		PreUploadCreateCallback:   h.preCreate,
		PreFinishResponseCallback: h.preFinish,
	})
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	h.tus = tus
	h.tusMW = tus.Middleware(http.HandlerFunc(h.route))
	return h, nil
}

// ServeHTTP authenticates, then answers blob checks and completed uploads
// itself and hands the rest of the tus protocol to tusd.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rest string
	switch {
	case r.URL.Path+"/" == h.base:
		rest = ""
	case strings.HasPrefix(r.URL.Path, h.base):
		rest = r.URL.Path[len(h.base):]
	default:
		writeError(w, r, http.StatusNotFound, "not_found", "no such photo endpoint")
		return
	}
	user, err := h.cfg.Auth(r)
	if err != nil || user == "" {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, r, http.StatusUnauthorized, "unauthorized", "sign in first: the token is missing, unknown or revoked")
		return
	}
	ctx := context.WithValue(r.Context(), ctxKey{}, user)
	r = r.WithContext(ctx)

	if r.Method == http.MethodOptions { // tus discovery
		h.toTus(w, r, "")
		return
	}
	switch {
	case rest == "":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			writeError(w, r, http.StatusMethodNotAllowed, "bad_request", "create uploads with POST")
			return
		}
		h.create(w, r, user)
	case strings.HasPrefix(rest, "sha256/"):
		if r.Method != http.MethodHead {
			w.Header().Set("Allow", "HEAD")
			writeError(w, r, http.StatusMethodNotAllowed, "bad_request", "only HEAD")
			return
		}
		h.headBlob(w, r, rest[len("sha256/"):])
	case validID(rest):
		switch r.Method {
		case http.MethodHead, http.MethodPatch, http.MethodDelete:
			h.resource(w, r, user, rest)
		default:
			w.Header().Set("Allow", "HEAD, PATCH, DELETE")
			writeError(w, r, http.StatusMethodNotAllowed, "bad_request", "an upload takes HEAD, PATCH and DELETE")
		}
	default:
		// Anything that is not one of our ids never reaches the file store.
		writeError(w, r, http.StatusNotFound, "not_found", "no such upload")
	}
}

// route is what tusd's middleware calls; r.URL.Path is the upload id.
func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		h.tus.PostFile(w, r)
	case http.MethodHead:
		h.tus.HeadFile(w, r)
	case http.MethodPatch:
		h.tus.PatchFile(w, r)
	case http.MethodDelete:
		h.tus.DelFile(w, r)
	}
}

// toTus hands the request to tusd with the path reduced to the upload id and
// tusd's plain-text errors turned into the protocol's JSON errors.
func (h *handler) toTus(w http.ResponseWriter, r *http.Request, id string) {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = id, ""
	r2.URL = &u
	ew := &errorWriter{ResponseWriter: w, req: r}
	h.tusMW.ServeHTTP(ew, r2)
	ew.flush()
}

// create answers POST: validates, short-cuts photos the server has, finds a
// retried creation's upload, and otherwise lets tusd create one.
func (h *handler) create(w http.ResponseWriter, r *http.Request, user string) {
	if r.Header.Get("Tus-Resumable") != "1.0.0" {
		w.Header().Set("Tus-Version", "1.0.0")
		writeError(w, r, http.StatusPreconditionFailed, "unsupported_version", "send Tus-Resumable: 1.0.0")
		return
	}
	if r.Header.Get("Upload-Concat") != "" || r.Header.Get("Upload-Defer-Length") != "" {
		writeError(w, r, http.StatusBadRequest, "bad_request", "concatenation and deferred length are not supported")
		return
	}
	meta := tusd.ParseMetadataHeader(r.Header.Get("Upload-Metadata"))
	sha := meta["sha256"]
	if !blobs.Valid(sha) {
		writeError(w, r, http.StatusBadRequest, "bad_request", "Upload-Metadata needs sha256: the photo's SHA-256 as 64 lower-case hex digits")
		return
	}
	size, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil || size < 0 {
		writeError(w, r, http.StatusBadRequest, "bad_request", "missing or invalid Upload-Length")
		return
	}
	if size > h.cfg.MaxSize {
		writeError(w, r, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("a photo may have at most %d bytes", h.cfg.MaxSize))
		return
	}
	ctx := r.Context()
	have, err := h.haveBlob(ctx, sha)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if have {
		hd := w.Header()
		hd.Set("Tus-Resumable", "1.0.0")
		hd.Set(HeaderComplete, "true")
		w.WriteHeader(http.StatusOK)
		return
	}

	id := uploadID(user, sha)
	mu := &h.creating[stripe(id)]
	mu.Lock()
	var once sync.Once
	release := func() { once.Do(mu.Unlock) }
	defer release()
	up, err := h.store.GetUpload(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) {
		// An upload an older server made for the same photo (its id was
		// another hash of the same two), e.g. before an upgrade.
		if up, err = h.store.GetUpload(ctx, legacyID(user, sha)); err == nil {
			id = legacyID(user, sha)
		}
	}
	if err == nil {
		info, _ := up.GetInfo(ctx)
		if info.Size == size {
			// A retried creation: the same upload, from where it got to.
			release()
			if r.Header.Get("Content-Type") == "application/offset+octet-stream" && info.Offset < size {
				h.resumeInPost(w, r, id, info.Offset)
				return
			}
			drain(r.Body, size)
			h.answerCreated(w, r, id, info.Offset)
			return
		}
		// Same photo, another length: the old upload cannot be right.
		if err := h.store.AsTerminatableUpload(up).Terminate(ctx); err != nil {
			h.internal(w, r, err)
			return
		}
	} else if !errors.Is(err, tusd.ErrNotFound) {
		h.internal(w, r, err)
		return
	} else if wantsDirect(r, size) {
		release()
		h.direct(w, r, user, id, sha, size, uploadMeta(user, sha, meta))
		return
	}
	// tusd creates the upload (preCreate fixes its id), releases the
	// creation lock (hashingStore.NewUpload), and writes a first chunk
	// the POST carries (creation-with-upload), finishing the upload when
	// that was every byte.
	h.toTus(w, r.WithContext(context.WithValue(ctx, createdKey{}, release)), "")
}

// answerCreated answers a POST that found its upload at offset off.
func (h *handler) answerCreated(w http.ResponseWriter, r *http.Request, id string, off int64) {
	hd := w.Header()
	hd.Set("Tus-Resumable", "1.0.0")
	hd.Set("Location", h.location(r, id))
	hd.Set("Upload-Offset", strconv.FormatInt(off, 10))
	w.WriteHeader(http.StatusCreated)
}

// resumeInPost answers a retried POST that carries the photo's first bytes
// for an upload that has off of them (the first POST was cut, or its answer
// lost): the bytes the upload has are skipped and the rest appended as by a
// PATCH at off, so a cut POST costs no more bytes again than a cut PATCH.
// The answer is that of the PATCH, with 201 and Location for its 204.
func (h *handler) resumeInPost(w http.ResponseWriter, r *http.Request, id string, off int64) {
	bp := drainPool.Get().(*[]byte)
	_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{io.LimitReader(r.Body, off)}, *bp)
	drainPool.Put(bp)
	if err != nil {
		return // the connection is gone
	}
	if r.ContentLength >= 0 && r.ContentLength <= off {
		h.answerCreated(w, r, id, off) // nothing new
		return
	}
	p := r.Clone(r.Context())
	p.Method = http.MethodPatch
	p.Header.Del("Upload-Length") // a PATCH's would declare a deferred length
	p.Header.Del("Upload-Metadata")
	p.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	if r.ContentLength >= 0 {
		p.ContentLength = r.ContentLength - off
		p.Header.Set("Content-Length", strconv.FormatInt(p.ContentLength, 10))
	}
	h.toTus(&createdWriter{ResponseWriter: w, loc: h.location(r, id)}, p, id)
}

// createdWriter turns a PATCH's 204 into a POST's 201 with Location.
type createdWriter struct {
	http.ResponseWriter
	loc string
}

func (c *createdWriter) WriteHeader(status int) {
	if status == http.StatusNoContent {
		c.Header().Set("Location", c.loc)
		status = http.StatusCreated
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *createdWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// drain reads and drops what is left of a request body, at most max bytes
// (more, and the server closes the connection instead).
func drain(body io.Reader, max int64) {
	if body == nil || body == http.NoBody {
		return
	}
	bp := drainPool.Get().(*[]byte)
	io.CopyBuffer(io.Discard, struct{ io.Reader }{io.LimitReader(body, max)}, *bp)
	drainPool.Put(bp)
}

var drainPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// preCreate fixes the new upload's id and keeps only the metadata Warta
// uses, with the owner taken from the authenticated request.
func (h *handler) preCreate(ev tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	user, _ := ev.Context.Value(ctxKey{}).(string)
	in := ev.Upload.MetaData
	sha := in["sha256"]
	if user == "" || !blobs.Valid(sha) { // create checked both already
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusd.NewError("bad_request", "sha256 missing", http.StatusBadRequest)
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: uploadID(user, sha), MetaData: uploadMeta(user, sha, in)}, nil
}

// uploadMeta is the metadata kept with user's upload of the photo sha, from
// the Upload-Metadata the client sent (in).
func uploadMeta(user, sha string, in tusd.MetaData) tusd.MetaData {
	meta := tusd.MetaData{"sha256": sha, "owner": user}
	// The file name is only remembered; it never becomes part of a path.
	if f := in["filename"]; f != "" {
		meta["filename"] = clip(f, 255)
	}
	if a := in["article"]; a != "" {
		meta["article"] = clip(a, 64)
	}
	return meta
}

// preFinish runs when the last byte of an upload has been written.
func (h *handler) preFinish(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	if err := h.finish(ev.Context, ev.Upload); err != nil {
		return tusd.HTTPResponse{}, h.tusError(err)
	}
	return tusd.HTTPResponse{Header: tusd.HTTPHeader{HeaderComplete: "true"}}, nil
}

// errRecord marks a failure to record a stored blob in the database.
var errRecord = errors.New("record blob")

// errMismatch wraps blobs.ErrChecksum for an upload.
var errMismatch = errors.New("the uploaded bytes do not match the photo's sha256; the upload was deleted, upload the photo again")

// finish turns a complete upload into a blob: hash the upload file and move
// it into the blob store (blobs.MoveFile: fsync, rename, fsync of the
// folder), record it (a legacy upload also leaves a done record) and
// delete the upload. On a hash mismatch the upload is deleted and
// errMismatch returned. Every step is idempotent, so finish may run again
// after a crash or a failed step (after the move the file is gone and
// MoveFile finds the blob). The caller holds the upload's lock.
func (h *handler) finish(ctx context.Context, info tusd.FileInfo) error {
	id := info.ID
	if !validID(id) {
		return fmt.Errorf("finish upload %q: invalid id", id)
	}
	sha := info.MetaData["sha256"]
	bin := filepath.Join(h.cfg.Dir, id)
	// The hash taken while the bytes arrived, when it provably covers
	// the whole file; otherwise MoveFileKnown reads the file.
	// The blob is recorded once its name is durable (MoveFileThen); the
	// client hears "complete" only after both.
	reread, err := h.cfg.Blobs.MoveFileThen(sha, bin, h.store.digest(id, bin, info.Size), func() error {
		if err := h.cfg.Recorder.AddBlob(ctx, sha, info.Size); err != nil {
			return fmt.Errorf("%w: %w", errRecord, err)
		}
		return nil
	})
	if reread {
		h.reread.Add(1)
	} else if err == nil {
		h.fast.Add(1)
	}
	if errors.Is(err, blobs.ErrChecksum) {
		h.log.Warn("photo checksum mismatch", "upload", id, "sha256", sha, "owner", info.MetaData["owner"])
		h.removeUpload(id)
		return errMismatch
	}
	if err != nil {
		return fmt.Errorf("finish upload %s: %w", id, err)
	}
	owner := info.MetaData["owner"]
	if isLegacy(id) {
		// Only a legacy id needs a record to answer for it once finished.
		rec := done{SHA: sha, Size: info.Size, Owner: owner, At: time.Now().UTC()}
		b, _ := json.Marshal(rec)
		if err := writeDone(h.donePath(id), b); err != nil {
			return fmt.Errorf("finish upload %s: %w", id, err)
		}
	}
	h.removeUpload(id)
	h.log.Info("photo received", "sha256", sha, "size", info.Size, "owner", owner)
	return nil
}

func (h *handler) removeUpload(id string) {
	h.store.drop(id)
	for _, p := range []string{filepath.Join(h.cfg.Dir, id), filepath.Join(h.cfg.Dir, id+".info")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			h.log.Warn("remove upload", "path", p, "err", err)
		}
	}
}

// done is the record of a legacy upload that became a blob.
type done struct {
	SHA   string    `json:"sha256"`
	Size  int64     `json:"size"`
	Owner string    `json:"owner"`
	At    time.Time `json:"at"`
}

// writeDone writes a done record atomically (temporary file, rename) but
// without fsync: it only saves a client whose answer was lost a new
// creation. Lost or left empty by a power cut, it reads as absent, and the
// client's HEAD finds the moved upload (finished again, idempotently) or
// nothing (404: the client creates the upload again and hears "complete"
// because the blob, fsynced, and its record are there).
func writeDone(path string, b []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (h *handler) donePath(id string) string { return filepath.Join(h.cfg.Dir, id+".done") }

func (h *handler) readDone(id string) (done, bool) {
	b, err := os.ReadFile(h.donePath(id))
	if err != nil {
		return done{}, false
	}
	var d done
	if json.Unmarshal(b, &d) != nil || !blobs.Valid(d.SHA) {
		return done{}, false
	}
	return d, true
}

// sweepDone removes done records, and the info of moved uploads, older than
// doneKeep. (A moved upload's photo is stored; were it not recorded yet,
// the next check or creation of the photo records it.)
func (h *handler) sweepDone(now time.Time) {
	ents, err := os.ReadDir(h.cfg.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".done"):
		case strings.HasSuffix(name, ".info"):
			if _, err := os.Lstat(filepath.Join(h.cfg.Dir, strings.TrimSuffix(name, ".info"))); !errors.Is(err, fs.ErrNotExist) {
				continue // an upload in progress (or an unfinished one)
			}
		default:
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > doneKeep {
			os.Remove(filepath.Join(h.cfg.Dir, name))
		}
	}
}

// resource answers HEAD, PATCH and DELETE on an upload.
func (h *handler) resource(w http.ResponseWriter, r *http.Request, user, id string) {
	ctx := r.Context()
	info, moved, err := h.getInfo(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) {
		h.answerFinished(w, r, user, id)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if info.MetaData["owner"] != user {
		writeError(w, r, http.StatusForbidden, "forbidden", "this upload belongs to someone else")
		return
	}
	if moved && r.Method == http.MethodDelete {
		// The photo is stored already and stays; only the upload goes.
		h.removeUpload(id)
		w.Header().Set("Tus-Resumable", "1.0.0")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodDelete && !info.SizeIsDeferred && info.Offset == info.Size {
		// Every byte arrived but the upload was not finished (the server
		// stopped, or a step failed): finish it now.
		h.finishLate(w, r, user, id)
		return
	}
	h.toTus(w, r, id)
}

// getInfo is the upload's info, as tusd's file store has it, or that of a
// moved upload (moved true, Offset = Size): its file is already the blob.
// tusd.ErrNotFound when there is neither.
func (h *handler) getInfo(ctx context.Context, id string) (info tusd.FileInfo, moved bool, err error) {
	up, err := h.store.GetUpload(ctx, id)
	if err == nil {
		info, err = up.GetInfo(ctx)
		return info, false, err
	}
	if !errors.Is(err, tusd.ErrNotFound) {
		return info, false, err
	}
	// The file store says "not found" also when DIR/<id>.info exists
	// without DIR/<id>.
	b, rerr := os.ReadFile(filepath.Join(h.cfg.Dir, id+".info"))
	if rerr != nil || json.Unmarshal(b, &info) != nil || info.ID != id || info.SizeIsDeferred {
		return tusd.FileInfo{}, false, err
	}
	sha := info.MetaData["sha256"]
	if n, serr := h.cfg.Blobs.Size(sha); serr != nil || n != info.Size {
		return tusd.FileInfo{}, false, err
	}
	info.Offset = info.Size
	return info, true, nil
}

// finishLate finishes a complete upload under its lock and answers.
func (h *handler) finishLate(w http.ResponseWriter, r *http.Request, user, id string) {
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	lock, err := h.locker.NewLock(id)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if err := lock.Lock(ctx, func() {}); err != nil {
		writeError(w, r, http.StatusLocked, "conflict", "the upload is busy; try again")
		return
	}
	defer lock.Unlock()
	info, _, err := h.getInfo(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) { // finished while we waited, or gone
		h.answerFinished(w, r, user, id)
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	err = h.finish(ctx, info)
	if errors.Is(err, errMismatch) {
		writeError(w, r, StatusChecksumMismatch, "checksum_mismatch", err.Error())
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.answerDone(w, r, id, info.Size)
}

// answerFinished answers HEAD, PATCH or DELETE on an upload id that has no
// upload (any more): as a finished upload when it became a blob and belongs
// to user, 403 when it belongs to someone else, 404 otherwise.
func (h *handler) answerFinished(w http.ResponseWriter, r *http.Request, user, id string) {
	if isLegacy(id) {
		if d, ok := h.readDone(id); ok {
			if d.Owner != user {
				writeError(w, r, http.StatusForbidden, "forbidden", "this upload belongs to someone else")
				return
			}
			h.answerDone(w, r, id, d.Size)
			return
		}
		writeError(w, r, http.StatusNotFound, "not_found", "no such upload; create it again")
		return
	}
	sha := id[:64]
	have, err := h.haveBlob(r.Context(), sha)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !have {
		writeError(w, r, http.StatusNotFound, "not_found", "no such upload; create it again")
		return
	}
	if id != uploadID(user, sha) {
		writeError(w, r, http.StatusForbidden, "forbidden", "this upload belongs to someone else")
		return
	}
	n, err := h.cfg.Blobs.Size(sha)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.answerDone(w, r, id, n)
}

// answerDone answers HEAD, PATCH or DELETE on an upload that became a blob.
func (h *handler) answerDone(w http.ResponseWriter, r *http.Request, id string, size int64) {
	hd := w.Header()
	hd.Set("Tus-Resumable", "1.0.0")
	hd.Set("Cache-Control", "no-store")
	n := strconv.FormatInt(size, 10)
	switch r.Method {
	case http.MethodHead:
		hd.Set("Upload-Offset", n)
		hd.Set("Upload-Length", n)
		hd.Set(HeaderComplete, "true")
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		if r.Header.Get("Upload-Offset") != n {
			writeError(w, r, http.StatusConflict, "conflict", "mismatched offset: the upload is complete")
			return
		}
		hd.Set("Upload-Offset", n)
		hd.Set(HeaderComplete, "true")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		// The photo stays (other articles may use it); only a legacy
		// upload's record goes.
		if isLegacy(id) {
			os.Remove(h.donePath(id))
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// headBlob answers HEAD sha256/{hex}.
func (h *handler) headBlob(w http.ResponseWriter, r *http.Request, sha string) {
	if !blobs.Valid(sha) {
		writeError(w, r, http.StatusBadRequest, "bad_request", "not a SHA-256 in lower-case hex")
		return
	}
	have, err := h.haveBlob(r.Context(), sha)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if !have {
		writeError(w, r, http.StatusNotFound, "not_found", "the server does not have this photo")
		return
	}
	if n, err := h.cfg.Blobs.Size(sha); err == nil {
		w.Header().Set("Upload-Length", strconv.FormatInt(n, 10))
	}
	w.Header().Set(HeaderComplete, "true")
	w.WriteHeader(http.StatusOK)
}

// haveBlob reports whether the photo's bytes are stored. The blob file is
// the truth; a blob stored but not recorded (the server stopped between the
// two) is recorded now.
func (h *handler) haveBlob(ctx context.Context, sha string) (bool, error) {
	if !h.cfg.Blobs.Has(sha) {
		return false, nil
	}
	rec, err := h.cfg.Recorder.HasBlob(ctx, sha)
	if err != nil {
		return false, fmt.Errorf("has blob %s: %w", sha, err)
	}
	if !rec {
		n, err := h.cfg.Blobs.Size(sha)
		if err != nil {
			return false, err
		}
		if err := h.cfg.Recorder.AddBlob(ctx, sha, n); err != nil {
			return false, fmt.Errorf("record blob %s: %w", sha, err)
		}
	}
	return true, nil
}

func (h *handler) location(r *http.Request, id string) string {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	return proto + "://" + r.Host + h.base + id
}

func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("photo upload", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, r, http.StatusInternalServerError, "internal", "the server could not handle the photo; try again later")
}

// tusError turns an error of finish into one tusd sends as it is.
func (h *handler) tusError(err error) error {
	if errors.Is(err, errMismatch) {
		return jsonTusError(StatusChecksumMismatch, "checksum_mismatch", err.Error())
	}
	h.log.Error("finish photo upload", "err", err)
	return jsonTusError(http.StatusInternalServerError, "internal", "the server could not store the photo; HEAD the upload to finish it")
}

// uploadID is the upload id of user's upload of the photo sha: sha itself
// and an owner tag, 80 hex digits in all, so that a retried POST finds the
// same upload and a finished upload is answered from its blob.
func uploadID(user, sha string) string {
	s := sha256.Sum256([]byte("warta/upload-owner\x00" + user + "\x00" + sha))
	return sha + hex.EncodeToString(s[:8])
}

// legacyID is the id older servers gave user's upload of sha: 32 hex
// digits.
func legacyID(user, sha string) string {
	s := sha256.Sum256([]byte("warta/upload\x00" + user + "\x00" + sha))
	return hex.EncodeToString(s[:16])
}

// Lengths of upload ids.
const (
	idLen       = 64 + 16
	legacyIDLen = 32
)

func isLegacy(id string) bool { return len(id) == legacyIDLen }

// stripe is the creation lock stripe of a valid id: a byte of its tag (a
// legacy id's first byte).
func stripe(id string) byte {
	if isLegacy(id) {
		return id[0]
	}
	b, _ := hex.DecodeString(id[64:66])
	return b[0]
}

// validID reports whether s can be an upload id: 80 (or, made by an older
// server, 32) lower-case hex digits.
func validID(s string) bool {
	if len(s) != idLen && len(s) != legacyIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
