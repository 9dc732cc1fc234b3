package photos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/warta-news/warta/app/fsutil"
	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos/rendition"
	"github.com/warta-news/warta/app/store"
)

// Codes of a FileResult: what happened to one file, for the UI to say in
// the user's language. The English Error text carries the detail.
const (
	CodeAdded       = "added"
	CodeDuplicate   = "duplicate"   // the same bytes are already in the library
	CodeEmpty       = "empty"       // a 0-byte file
	CodeHEIC        = "heic"        // HEIC/HEIF from a phone
	CodeUnsupported = "unsupported" // not a JPEG or PNG
	CodeTooLarge    = "tooLarge"    // over the pixel or file size limit
	CodeCorrupt     = "corrupt"     // damaged or truncated image data
	CodeDiskFull    = "diskFull"    // no space left for the library
	CodeUnreadable  = "unreadable"  // could not be read (permissions, card removed, …)
	CodeCancelled   = "cancelled"   // the import was cancelled before this file
	CodeFailed      = "failed"      // anything else
)

// imageExts are the extensions a folder import picks up; other files in a
// folder are counted as skipped. Files chosen one by one are all tried.
var imageExts = []string{".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".heic", ".heif"}

// ImportOptions tune an import.
type ImportOptions struct {
	LongEdge int  // web rendition's long edge; 0 means rendition.DefaultLongEdge
	PureGo   bool // force the pure-Go decoder (tests)
	Workers  int  // 0 means one per core
}

// FileResult is the outcome of importing one file.
type FileResult struct {
	Path        string `json:"path"`
	Name        string `json:"name"`
	Code        string `json:"code"`
	Error       string `json:"error,omitempty"`
	Photo       *Photo `json:"photo,omitempty"`       // when added
	DuplicateOf string `json:"duplicateOf,omitempty"` // the photo already holding these bytes
}

// Progress is one throttled report during an import: the files finished
// since the last report and the running totals.
type Progress struct {
	// Batch tells imports apart; the caller sets it (Import leaves it 0).
	Batch      int          `json:"batch"`
	Total      int          `json:"total"`
	Added      int          `json:"added"`
	Duplicates int          `json:"duplicates"`
	Failed     int          `json:"failed"`
	Files      []FileResult `json:"files"`
}

// ImportResult is the whole import: every file given (and found in the
// folders given), in order.
type ImportResult struct {
	Batch      int          `json:"batch"` // as in Progress
	Total      int          `json:"total"`
	Added      int          `json:"added"`
	Duplicates int          `json:"duplicates"`
	Failed     int          `json:"failed"`
	Skipped    int          `json:"skipped"` // non-image files inside folders
	Cancelled  bool         `json:"cancelled"`
	DiskFull   bool         `json:"diskFull"` // the import stopped because the disk is full
	Files      []FileResult `json:"files"`
}

// Import copies the photos at paths (files, or folders searched
// recursively) into the library, reads their metadata and makes their
// renditions, on all cores. Each file succeeds or fails on its own; a
// file whose bytes are already in the library is reported as a duplicate
// and not copied again. onProgress, if not nil, gets every finished file
// once, at most ten times a second. Cancelling ctx stops after the files
// being worked on. Imports run one at a time: a second call waits.
func (l *Library) Import(ctx context.Context, paths []string, opt ImportOptions, onProgress func(Progress)) (ImportResult, error) {
	l.importMu.Lock()
	defer l.importMu.Unlock()

	files, skipped, listErrs := expand(paths)
	res := ImportResult{Skipped: skipped}

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	in := &ingest{l: l, opt: opt, claimed: map[string]string{}, out: map[string]FileResult{}, stop: stop}
	jobs := make([]rendition.Job, len(files))
	for i, f := range files {
		jobs[i] = rendition.Job{Src: f}
	}
	pool := rendition.Pool{
		Workers: opt.Workers,
		Work:    in.work,
		OnProgress: func(p rendition.Progress) {
			if onProgress == nil {
				return
			}
			rep := Progress{Total: p.Total}
			for _, fd := range p.Files {
				rep.Files = append(rep.Files, in.result(fd))
			}
			in.count(&rep.Added, &rep.Duplicates, &rep.Failed)
			onProgress(rep)
		},
	}
	done, _ := pool.Run(ctx, jobs)
	res.Files = append(res.Files, listErrs...)
	for _, fd := range done {
		res.Files = append(res.Files, in.result(fd))
	}
	for _, f := range res.Files {
		switch f.Code {
		case CodeAdded:
			res.Added++
		case CodeDuplicate:
			res.Duplicates++
		default:
			res.Failed++
		}
	}
	res.Total = len(res.Files)
	res.DiskFull = errors.Is(context.Cause(ctx), errDiskFull)
	res.Cancelled = ctx.Err() != nil && !res.DiskFull
	return res, nil
}

var errDiskFull = errors.New("the disk is full")

// expand turns the paths into the list of files to import: files as given,
// folders searched recursively for images (hidden files and folders
// skipped, other files counted). Each file appears once.
func expand(paths []string) (files []string, skipped int, errs []FileResult) {
	seen := map[string]bool{}
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, FileResult{Path: p, Name: filepath.Base(p), Code: CodeUnreadable, Error: err.Error()})
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, FileResult{Path: path, Name: filepath.Base(path), Code: CodeUnreadable, Error: err.Error()})
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if slices.Contains(imageExts, strings.ToLower(filepath.Ext(path))) {
				found = append(found, path)
			} else {
				skipped++
			}
			return nil
		})
		if walkErr != nil {
			errs = append(errs, FileResult{Path: p, Name: filepath.Base(p), Code: CodeUnreadable, Error: walkErr.Error()})
		}
		slices.Sort(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, skipped, errs
}

// ingest is the per-file work of one Import, run by the pool's workers.
type ingest struct {
	l    *Library
	opt  ImportOptions
	stop context.CancelCauseFunc

	mu      sync.Mutex
	claimed map[string]string     // sha256 → path of the file in this batch importing it
	out     map[string]FileResult // by source path
}

func (in *ingest) work(ctx context.Context, j rendition.Job) (rendition.Result, error) {
	r := in.one(ctx, j.Src)
	in.mu.Lock()
	in.out[j.Src] = r
	in.mu.Unlock()
	if r.Code == CodeDiskFull {
		in.stop(errDiskFull)
	}
	if r.Code != CodeAdded && r.Code != CodeDuplicate {
		return rendition.Result{}, errors.New(r.Error)
	}
	return rendition.Result{}, nil
}

// result is the FileResult of a finished pool job.
func (in *ingest) result(fd rendition.FileDone) FileResult {
	in.mu.Lock()
	r, ok := in.out[fd.Src]
	in.mu.Unlock()
	if !ok { // never started: cancelled
		return FileResult{Path: fd.Src, Name: filepath.Base(fd.Src), Code: CodeCancelled, Error: "the import was cancelled"}
	}
	return r
}

// count adds up the outcomes so far.
func (in *ingest) count(added, dup, failed *int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.out {
		switch r.Code {
		case CodeAdded:
			*added++
		case CodeDuplicate:
			*dup++
		default:
			*failed++
		}
	}
}

// one imports one file.
func (in *ingest) one(ctx context.Context, src string) FileResult {
	r := FileResult{Path: src, Name: filepath.Base(src)}
	fail := func(err error) FileResult {
		r.Code, r.Error = classify(err), err.Error()
		return r
	}
	if err := ctx.Err(); err != nil {
		r.Code, r.Error = CodeCancelled, "the import was cancelled"
		return r
	}
	data, err := rendition.ReadFile(src)
	if err != nil {
		return fail(err)
	}
	format, err := rendition.Sniff(data)
	if err != nil {
		return fail(err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])

	// Claim the hash so that two copies of one photo in the same batch are
	// imported once.
	if dup, err := in.claim(hash, src); err != nil {
		return fail(err)
	} else if dup != "" {
		r.Code, r.DuplicateOf = CodeDuplicate, dup
		return r
	}
	defer in.release(hash)

	l := in.l
	p := Photo{Name: filepath.Base(src), Format: format, Bytes: int64(len(data)), SHA256: hash}
	orientation := describe(&p, data)
	p.ID = ids.New(l.now())
	dir := l.dir(p.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	// The copy is the original byte for byte; nothing writes to it again.
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, originalName(format)), data, 0o600); err != nil {
		return fail(err)
	}
	rr, err := rendition.MakeBytes(ctx, data, rendition.Options{
		WebPath:     filepath.Join(dir, fileWeb),
		ThumbPath:   filepath.Join(dir, fileThumb),
		LongEdge:    in.opt.LongEdge,
		PureGo:      in.opt.PureGo,
		Orientation: orientation,
	})
	if err != nil {
		return fail(err)
	}
	p.Width, p.Height, p.Orientation = rr.Width, rr.Height, rr.Orientation
	if rr.Orientation >= 5 {
		p.Width, p.Height = rr.Height, rr.Width
	}
	p.ImportedAt = l.clock()
	p.UpdatedAt = p.ImportedAt
	dup := ""
	err = l.st.Update(func(tx *store.Txn) error {
		if b, err := tx.Get(pHash + hash); err == nil {
			dup = string(b) // imported meanwhile by a second window of time; keep the first
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.SetJSON(pPhoto+p.ID, p); err != nil {
			return err
		}
		return tx.Set(pHash+hash, []byte(p.ID))
	})
	if err != nil {
		return fail(err)
	}
	if dup != "" {
		r.Code, r.DuplicateOf = CodeDuplicate, dup
		return r
	}
	keep = true
	r.Code, r.Photo = CodeAdded, &p
	return r
}

// claim returns the id (or, within this batch, the path) of the photo that
// already has these bytes, or "" after claiming hash for src.
func (in *ingest) claim(hash, src string) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if other, ok := in.claimed[hash]; ok {
		return other, nil
	}
	b, err := in.l.st.Get(pHash + hash)
	if err == nil {
		return string(b), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	in.claimed[hash] = src
	return "", nil
}

// release forgets a claim once the photo is recorded (later duplicates
// then find it in the store) or failed (a later copy may try again).
func (in *ingest) release(hash string) {
	in.mu.Lock()
	delete(in.claimed, hash)
	in.mu.Unlock()
}

// classify maps an import error to a FileResult code.
func classify(err error) string {
	switch {
	case errors.Is(err, rendition.ErrEmpty):
		return CodeEmpty
	case errors.Is(err, rendition.ErrHEIC):
		return CodeHEIC
	case errors.Is(err, rendition.ErrUnsupported):
		return CodeUnsupported
	case errors.Is(err, rendition.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, rendition.ErrCorrupt):
		return CodeCorrupt
	case errors.Is(err, context.Canceled):
		return CodeCancelled
	case isDiskFull(err):
		return CodeDiskFull
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return CodeUnreadable
	}
	return CodeFailed
}

// isDiskFull recognises "no space left" on Linux and macOS (ENOSPC) and on
// Windows (ERROR_DISK_FULL 112, ERROR_HANDLE_DISK_FULL 39).
func isDiskFull(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno == syscall.ENOSPC || (isWindows && (errno == 112 || errno == 39))
	}
	return false
}
