package photos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/warta-news/warta/app/fsutil"
	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// Export kinds.
const (
	KindWeb      = "web"      // the web rendition (JPEG) with the captions embedded
	KindOriginal = "original" // the original file with the captions embedded (JPEG) or as imported (PNG)
)

// ExportResult is the outcome for one exported photo.
type ExportResult struct {
	ID    string `json:"id"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error,omitempty"`
	// Truncated lists IIM values cut to their byte limit (XMP has the full
	// text); Notes other things worth telling, e.g. that a PNG carries no
	// caption.
	Truncated []jpegmeta.Truncation `json:"truncated,omitempty"`
	Notes     []string              `json:"notes,omitempty"`
}

// Export writes the photos into dir as JPEGs carrying their captions in
// IPTC IIM, XMP and EXIF. The library's files are only read. Names come
// from the original file names; an existing file is never overwritten (a
// number is added instead). One photo failing does not stop the others.
func (l *Library) Export(idList []string, dir, kind string) ([]ExportResult, error) {
	if kind != KindWeb && kind != KindOriginal {
		return nil, fmt.Errorf("%w: export kind %q", ErrInvalid, kind)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("export folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("export folder %s: not a folder", dir)
	}
	out := make([]ExportResult, 0, len(idList))
	taken := map[string]bool{}
	for _, id := range idList {
		r := ExportResult{ID: id}
		if err := l.exportOne(&r, dir, kind, taken); err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}

func (l *Library) exportOne(r *ExportResult, dir, kind string, taken map[string]bool) error {
	p, err := l.Get(r.ID)
	if err != nil {
		return err
	}
	src, err := l.File(p.ID, kind)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	ext := ".jpg"
	var body []byte
	if kind == KindOriginal && p.Format == "png" {
		ext, body = ".png", data
		r.Notes = append(r.Notes, "PNG files carry no IPTC captions: export the web version to have them embedded")
	} else {
		var buf bytes.Buffer
		// A web rendition has no EXIF of its own: give it a minimal one so
		// that EXIF-only readers show the caption as well.
		rep, err := jpegmeta.WriteWith(bytes.NewReader(data), &buf, p.Fields, jpegmeta.Options{CreateEXIF: true})
		if err != nil {
			return err
		}
		body = buf.Bytes()
		r.Truncated, r.Notes = rep.Truncated, append(r.Notes, rep.Notes...)
	}
	path, err := freeName(dir, exportBase(p.Name), ext, taken)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, body, 0o644); err != nil {
		return err
	}
	r.Path = path
	return nil
}

// exportBase is the original's name without extension, with characters
// Windows refuses in file names replaced.
func exportBase(name string) string {
	name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 120 {
			break
		}
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"/\|?*`, r) {
			r = '_'
		}
		b.WriteRune(r)
	}
	s := strings.Trim(b.String(), " .")
	if s == "" {
		s = "foto"
	}
	return s
}

// freeName finds base+ext in dir, or base-2+ext, base-3+ext… that neither
// exists nor was handed out in this export.
func freeName(dir, base, ext string, taken map[string]bool) (string, error) {
	for n := 1; n < 10000; n++ {
		name := base + ext
		if n > 1 {
			name = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		p := filepath.Join(dir, name)
		if taken[strings.ToLower(p)] {
			continue
		}
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			taken[strings.ToLower(p)] = true
			return p, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free file name for %s%s in %s", base, ext, dir)
}
