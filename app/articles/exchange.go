package articles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/warta-news/warta/app/store"
)

// The library file: gzip'd JSON lines.
//
//	{"format":"warta-library","version":1,"exportedAt":"…"}      header
//	{"type":"article","article":{…}}                               an article (trash included)
//	{"type":"revision","revision":{seq,at,…},"article":{…}}       its revisions, right after it
//	…
//	{"type":"end","articles":N,"revisions":M}                      trailer: a cut-off file is detected
const (
	fileFormat  = "warta-library"
	fileVersion = 1
	// maxFileLine bounds one line of a library file (an article with a
	// 5 MB body whose every character is escaped is well below it).
	maxFileLine = 64 << 20
)

type fileHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exportedAt"`
}

type fileLine struct {
	Type      string          `json:"type"` // article, revision, end
	Revision  *revMeta        `json:"revision,omitempty"`
	Article   json.RawMessage `json:"article,omitempty"`
	Articles  int             `json:"articles,omitempty"`
	Revisions int             `json:"revisions,omitempty"`
}

// ImportResult counts what Import did with the file's articles.
type ImportResult struct {
	Added     int `json:"added"`     // new here
	Updated   int `json:"updated"`   // existed with other content or history; merged
	Unchanged int `json:"unchanged"` // existed exactly so
	Revisions int `json:"revisions"` // revisions added
}

// Export writes the whole library — every article, the trash included,
// with all its revisions — to w as one file, from a consistent snapshot.
func (l *Library) Export(w io.Writer) error {
	gz := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(gz, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	arts, revs := 0, 0
	err := l.st.View(func(tx *store.Txn) error {
		if err := enc.Encode(fileHeader{Format: fileFormat, Version: fileVersion, ExportedAt: l.clock()}); err != nil {
			return err
		}
		return tx.IteratePrefix(pArticle, func(k string, v []byte) error {
			id := k[len(pArticle):]
			if err := enc.Encode(fileLine{Type: "article", Article: v}); err != nil {
				return err
			}
			arts++
			metas, err := revMetas(tx, id)
			if err != nil {
				return err
			}
			for i := range metas {
				snap, err := tx.Get(kRev(id, metas[i].Seq))
				if err != nil {
					return err
				}
				if err := enc.Encode(fileLine{Type: "revision", Revision: &metas[i], Article: snap}); err != nil {
					return err
				}
				revs++
			}
			return nil
		})
	})
	if err == nil {
		err = enc.Encode(fileLine{Type: "end", Articles: arts, Revisions: revs})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return fmt.Errorf("export library: %w", err)
	}
	l.log.Info("library exported", "articles", arts, "revisions", revs)
	return nil
}

// Import merges a file written by Export into the library. It reads and
// checks the whole file first and writes nothing if any of it is wrong
// (not a library file, cut off, corrupt, from a newer Warta). Then, for
// each article:
//   - new here: added as it was, with its revisions;
//   - here with the same content: revisions missing here are added;
//   - here with other content: the newer one (UpdatedAt, then Version,
//     then content hash, so every machine picks the same) becomes current
//     and the other is kept as a "conflict" revision. No text is lost.
//
// Each article is written in its own transaction(s); an I/O error after
// the check can leave the articles before it imported.
func (l *Library) Import(r io.Reader) (ImportResult, error) {
	tmp, err := os.CreateTemp("", "warta-import-*.gz")
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	if err := readLibraryFile(io.TeeReader(r, tmp), nil); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	im := &importer{l: l}
	err = readLibraryFile(bufio.NewReader(tmp), im.line)
	if err == nil {
		err = im.finish()
	}
	if im.g != nil { // stopped inside an article: let go of the write lock
		im.g = nil
		l.mu.Unlock()
	}
	if err != nil {
		return im.res, fmt.Errorf("import: %w", err)
	}
	l.log.Info("library imported", "added", im.res.Added, "updated", im.res.Updated,
		"unchanged", im.res.Unchanged, "revisions", im.res.Revisions)
	return im.res, nil
}

// fileArticle is a checked article or revision line.
type fileArticle struct {
	a      Article
	blocks []block
	rev    *revMeta // nil for an article line
}

// readLibraryFile reads and checks a whole library file, calling fn (if
// not nil) for every article and revision in order. Errors wrap ErrInvalid.
func readLibraryFile(r io.Reader, fn func(fileArticle) error) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("not a valid Warta library file: %s: %w", fmt.Sprintf(format, args...), ErrInvalid)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return bad("not gzip-compressed (%v)", err)
	}
	br := bufio.NewReaderSize(gz, 256<<10)
	lineNo := 0
	next := func() ([]byte, error) {
		lineNo++
		var buf []byte
		for {
			chunk, err := br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > maxFileLine {
				return nil, bad("line %d is longer than %d bytes", lineNo, maxFileLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) && len(buf) == 0 {
				return nil, io.EOF
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, bad("line %d: %v", lineNo, err)
			}
			return bytes.TrimSpace(buf), nil
		}
	}
	first, err := next()
	if err != nil {
		return bad("empty (%v)", err)
	}
	var h fileHeader
	if err := json.Unmarshal(first, &h); err != nil || h.Format != fileFormat {
		return bad("the first line is not a warta-library header")
	}
	if h.Version > fileVersion || h.Version < 1 {
		return fmt.Errorf("library file version %d: made by a newer Warta (this one reads up to %d): %w", h.Version, fileVersion, ErrInvalid)
	}
	seen := map[string]map[int64]bool{}
	group := ""
	arts, revs := 0, 0
	for {
		b, err := next()
		if errors.Is(err, io.EOF) {
			return bad("it is cut off (no end line after %d articles)", arts)
		}
		if err != nil {
			return err
		}
		if len(b) == 0 {
			continue
		}
		var fl fileLine
		if err := json.Unmarshal(b, &fl); err != nil {
			return bad("line %d: %v", lineNo, err)
		}
		switch fl.Type {
		case "end":
			if fl.Articles != arts || fl.Revisions != revs {
				return bad("the end line counts %d articles and %d revisions, the file has %d and %d",
					fl.Articles, fl.Revisions, arts, revs)
			}
			if rest, err := next(); !errors.Is(err, io.EOF) {
				if err == nil {
					err = bad("line %d: data after the end line (%.40q)", lineNo, rest)
				}
				return err
			}
			return nil
		case "article", "revision":
			fa, err := checkFileArticle(fl)
			if err != nil {
				return bad("line %d: %v", lineNo, err)
			}
			id := fa.a.ID
			if fl.Type == "article" {
				if seen[id] != nil {
					return bad("line %d: article %s appears twice", lineNo, id)
				}
				seen[id] = map[int64]bool{}
				group = id
				arts++
			} else {
				if id != group {
					return bad("line %d: revision of %s is not right after its article", lineNo, id)
				}
				if seen[id][fa.rev.Seq] {
					return bad("line %d: revision %d of %s appears twice", lineNo, fa.rev.Seq, id)
				}
				seen[id][fa.rev.Seq] = true
				revs++
			}
			if fn != nil {
				if err := fn(fa); err != nil {
					return err
				}
			}
		default:
			return bad("line %d: unknown line type %q", lineNo, fl.Type)
		}
	}
}

// checkFileArticle checks one article or revision line as strictly as Save
// checks an article.
func checkFileArticle(fl fileLine) (fileArticle, error) {
	var fa fileArticle
	if err := json.Unmarshal(fl.Article, &fa.a); err != nil {
		return fa, err
	}
	a := &fa.a
	if !validID(a.ID) {
		return fa, fmt.Errorf("bad article id %q", a.ID)
	}
	var err error
	if fa.blocks, err = normalise(a); err != nil {
		return fa, err
	}
	if a.Version < 1 || !saneTime(a.CreatedAt) || !saneTime(a.UpdatedAt) || (a.DeletedAt != nil && !saneTime(*a.DeletedAt)) {
		return fa, fmt.Errorf("article %s has a bad version or time", a.ID)
	}
	if fl.Type == "revision" {
		m := fl.Revision
		if m == nil || m.Seq < 1 || !saneTime(m.At) {
			return fa, fmt.Errorf("revision of %s has a bad seq or time", a.ID)
		}
		if m.Origin != originEdit && m.Origin != originRestore && m.Origin != originImport && m.Origin != originConflict {
			return fa, fmt.Errorf("revision of %s has unknown origin %q", a.ID, m.Origin)
		}
		fa.rev = &revMeta{Seq: m.Seq, At: m.At, WordCount: a.WordCount, Headline: a.Headline,
			Marked: m.Marked, Origin: m.Origin, Hash: contentHash(*a)}
	}
	return fa, nil
}

// saneTime: set, and inside what UnixNano can count.
func saneTime(t time.Time) bool { return t.Year() >= 1970 && t.Year() < 2260 }

// importer writes a checked file, one article (with its revisions) at a
// time, holding the write lock for each article.
type importer struct {
	l   *Library
	res ImportResult
	g   *importGroup
}

type importGroup struct {
	file    fileArticle
	local   *Article  // nil: new here
	metas   []revMeta // local revisions plus those added
	hashes  map[string]bool
	nextSeq int64
	pending []fileArticle // revisions to write, their rev.Seq final
	size    int
	added   int
}

// flushAt: revisions waiting to be written are committed in a transaction
// of their own once they hold this many bytes, to stay below Badger's
// transaction limit.
const flushAt = 4 << 20

func (im *importer) line(fa fileArticle) error {
	if fa.rev == nil {
		if err := im.finish(); err != nil {
			return err
		}
		return im.start(fa)
	}
	g := im.g
	rev := *fa.rev
	if g.local != nil {
		if g.hashes[rev.Hash] {
			return nil // this content is already here
		}
		rev.Seq = g.nextSeq
		g.nextSeq++
		if rev.Origin == originEdit {
			rev.Origin = originImport
		}
	}
	fa.rev = &rev
	g.hashes[rev.Hash] = true
	g.metas = append(g.metas, rev)
	g.pending = append(g.pending, fa)
	g.size += len(fa.a.Body) + 1024
	g.added++
	if g.size >= flushAt {
		return im.l.st.Update(func(tx *store.Txn) error { return g.flush(tx) })
	}
	return nil
}

func (g *importGroup) flush(tx *store.Txn) error {
	for _, p := range g.pending {
		if err := addRevisionMeta(tx, p.a, *p.rev); err != nil {
			return err
		}
	}
	g.pending, g.size = nil, 0
	return nil
}

func addRevisionMeta(tx *store.Txn, a Article, m revMeta) error {
	snap, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := tx.Set(kRev(a.ID, m.Seq), snap); err != nil {
		return err
	}
	return tx.SetJSON(kRevMeta(a.ID, m.Seq), m)
}

// start begins an article: takes the write lock and reads what is here.
func (im *importer) start(fa fileArticle) error {
	im.l.mu.Lock()
	g := &importGroup{file: fa, hashes: map[string]bool{}, nextSeq: 1}
	im.g = g
	return im.l.st.View(func(tx *store.Txn) error {
		local, err := getArticle(tx, fa.a.ID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		g.local = &local
		if g.metas, err = revMetas(tx, local.ID); err != nil {
			return err
		}
		for _, m := range g.metas {
			g.hashes[m.Hash] = true
			g.nextSeq = max(g.nextSeq, m.Seq+1)
		}
		return nil
	})
}

// finish writes the current article and releases the write lock.
func (im *importer) finish() error {
	g := im.g
	if g == nil {
		return nil
	}
	im.g = nil
	defer im.l.mu.Unlock()
	l := im.l
	now := l.clock()
	file := g.file.a
	err := l.st.Update(func(tx *store.Txn) error {
		if err := g.flush(tx); err != nil {
			return err
		}
		current := file
		switch {
		case g.local == nil:
			if _, err := writeArticle(tx, nil, &file, g.file.blocks); err != nil {
				return err
			}
			im.res.Added++
		case contentHash(file) == contentHash(*g.local):
			current = *g.local
			if g.added > 0 {
				im.res.Updated++
			} else {
				im.res.Unchanged++
			}
		default:
			local := *g.local
			im.res.Updated++
			if newerThan(file, local) {
				if err := keepConflict(tx, local.ID, local, contentHash(local), g.metas, local.UpdatedAt); err != nil {
					return err
				}
				n := local
				setContent(&n, file)
				n.WordCount, n.ReadingMinutes = file.WordCount, file.ReadingMinutes
				n.UpdatedAt, n.DeletedAt = file.UpdatedAt, file.DeletedAt
				n.Version = max(local.Version, file.Version) + 1
				if file.CreatedAt.Before(n.CreatedAt) {
					n.CreatedAt = file.CreatedAt
				}
				if _, err := writeArticle(tx, &local, &n, g.file.blocks); err != nil {
					return err
				}
				current = n
				if !g.hashes[contentHash(n)] {
					m := revMeta{Seq: g.nextSeq, At: now, WordCount: n.WordCount, Headline: n.Headline,
						Origin: originImport, Hash: contentHash(n)}
					g.nextSeq++
					g.added++
					g.metas = append(g.metas, m)
					if err := addRevisionMeta(tx, n, m); err != nil {
						return err
					}
				}
			} else {
				current = local
				if err := keepConflict(tx, local.ID, file, contentHash(file), g.metas, file.UpdatedAt); err != nil {
					return err
				}
			}
			metas, err := revMetas(tx, local.ID)
			if err != nil {
				return err
			}
			g.metas = metas
		}
		return dropRevisions(tx, file.ID, thinPlan(g.metas, now, contentHash(current)))
	})
	im.res.Revisions += g.added
	if err != nil {
		return fmt.Errorf("article %s: %w", file.ID, err)
	}
	return nil
}

// newerThan decides which of two versions of an article wins, the same
// way on every machine: later UpdatedAt, then higher Version, then the
// greater content hash.
func newerThan(a, b Article) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	if a.Version != b.Version {
		return a.Version > b.Version
	}
	return contentHash(a) > contentHash(b)
}
