package photos

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/store"
)

// Store keys (the table in app/store/doc.go lists them too).
const (
	pPhoto    = "ph/"  // ph/<id>: Photo JSON
	pHash     = "phh/" // phh/<sha256 hex>: the id of the photo with that content
	pTemplate = "pht/" // pht/<folded name>: Template JSON
)

// Files in a photo's folder, <root>/<id>/.
const (
	fileWeb   = "web.jpg"
	fileThumb = "thumb.jpg"
)

// Library is the photo library: records in the store, files under Root.
type Library struct {
	st   *store.Store
	root string
	log  *slog.Logger
	now  func() time.Time

	importMu sync.Mutex // one import at a time; later ones queue
}

// New opens the library whose files live under root (created if missing)
// and removes what an interrupted import left behind: photo folders that
// never got a record.
func New(st *store.Store, root string, log *slog.Logger) (*Library, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Library{st: st, root: root, log: log, now: time.Now}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("photo library: %w", err)
	}
	if err := l.sweep(); err != nil {
		l.log.Warn("photo library: cleaning up an interrupted import failed", "err", err)
	}
	return l, nil
}

func (l *Library) clock() time.Time { return l.now().UTC().Truncate(time.Millisecond) }

// Root is the folder holding the photo files.
func (l *Library) Root() string { return l.root }

func (l *Library) dir(id string) string { return filepath.Join(l.root, id) }

// File returns the path of one of a photo's files: "original", "web" or
// "thumb".
func (l *Library) File(id, kind string) (string, error) {
	if !ids.Valid(id) {
		return "", fmt.Errorf("photo %q: %w", id, ErrNotFound)
	}
	switch kind {
	case "web":
		return filepath.Join(l.dir(id), fileWeb), nil
	case "thumb":
		return filepath.Join(l.dir(id), fileThumb), nil
	case "original":
		p, err := l.Get(id)
		if err != nil {
			return "", err
		}
		return filepath.Join(l.dir(id), originalName(p.Format)), nil
	}
	return "", fmt.Errorf("%w: no photo file kind %q", ErrInvalid, kind)
}

func originalName(format string) string {
	if format == "png" {
		return "original.png"
	}
	return "original.jpg"
}

// sweep removes what an import that was killed left behind: photo folders
// without a record (temp files die with their folder).
func (l *Library) sweep() error {
	entries, err := os.ReadDir(l.root)
	if err != nil {
		return err
	}
	return l.st.View(func(tx *store.Txn) error {
		for _, e := range entries {
			if !e.IsDir() || !ids.Valid(e.Name()) {
				continue
			}
			ok, err := tx.Has(pPhoto + e.Name())
			if err != nil {
				return err
			}
			if !ok {
				l.log.Info("photo library: removing an unfinished import", "id", e.Name())
				if err := os.RemoveAll(l.dir(e.Name())); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Get returns one photo.
func (l *Library) Get(id string) (Photo, error) {
	var p Photo
	var ok bool
	err := l.st.View(func(tx *store.Txn) (err error) {
		p, ok, err = getPhoto(tx, id)
		return err
	})
	if err == nil && !ok {
		err = fmt.Errorf("photo %q: %w", id, ErrNotFound)
	}
	return p, err
}

// getPhoto reads one photo record; ok is false when there is none (or the
// id is not one ids.New makes, so it never becomes part of a key).
func getPhoto(tx *store.Txn, id string) (p Photo, ok bool, err error) {
	if !ids.Valid(id) {
		return p, false, nil
	}
	err = tx.GetJSON(pPhoto+id, &p)
	if errors.Is(err, store.ErrNotFound) {
		return p, false, nil
	}
	return p, err == nil, err
}

// GetMany returns the photos with the given ids that exist, in that order.
func (l *Library) GetMany(idList []string) ([]Photo, error) {
	out := []Photo{}
	err := l.st.View(func(tx *store.Txn) error {
		for _, id := range idList {
			p, ok, err := getPhoto(tx, id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// List returns every photo, in the order a contact sheet shows them: by the
// time taken (photos without one by import time), then by name.
func (l *Library) List() ([]Photo, error) {
	out := []Photo{}
	err := l.st.View(func(tx *store.Txn) error {
		return tx.IteratePrefix(pPhoto, func(_ string, v []byte) error {
			var p Photo
			if err := unmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Photo) int {
		if c := strings.Compare(sortTime(a), sortTime(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, err
}

func sortTime(p Photo) string {
	if p.Taken != "" {
		return p.Taken[:min(len(p.Taken), 19)]
	}
	return p.ImportedAt.Format("2006-01-02T15:04:05")
}

// Apply makes the changes to every photo in idList in one transaction and
// returns the photos as they are now. Changes are field by field, so two
// edits of different fields never undo each other.
func (l *Library) Apply(idList []string, changes []Change) ([]Photo, error) {
	for _, c := range changes {
		if err := c.validate(); err != nil {
			return nil, err
		}
	}
	now := l.clock()
	out := make([]Photo, 0, len(idList))
	err := l.st.Update(func(tx *store.Txn) error {
		for _, id := range idList {
			p, ok, err := getPhoto(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("photo %q: %w", id, ErrNotFound)
			}
			for _, c := range changes {
				c.apply(&p.Fields)
			}
			p.UpdatedAt = now
			if err := tx.SetJSON(pPhoto+id, p); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes photos from the library: records first, then files, so a
// crash in between leaves folders that the next start sweeps away.
func (l *Library) Delete(idList []string) error {
	var gone []string
	err := l.st.Update(func(tx *store.Txn) error {
		for _, id := range idList {
			p, ok, err := getPhoto(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := tx.Delete(pPhoto + id); err != nil {
				return err
			}
			if err := tx.Delete(pHash + p.SHA256); err != nil {
				return err
			}
			gone = append(gone, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range gone {
		if err := os.RemoveAll(l.dir(id)); err != nil {
			l.log.Warn("photo files not removed; the next start retries", "id", id, "err", err)
		}
	}
	return nil
}

// Templates returns the saved templates sorted by name.
func (l *Library) Templates() ([]Template, error) {
	out := []Template{}
	err := l.st.View(func(tx *store.Txn) error {
		return tx.IteratePrefix(pTemplate, func(_ string, v []byte) error {
			var t Template
			if err := unmarshal(v, &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Template) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, err
}

// SaveTemplate stores t, replacing a template of the same name (compared
// without case). previous, if not empty and different, is the template's
// old name: it is removed, which is how a template is renamed.
func (l *Library) SaveTemplate(t Template, previous string) (Template, error) {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || len(t.Name) > 200 {
		return t, fmt.Errorf("%w: a template needs a name (at most 200 bytes)", ErrInvalid)
	}
	for i, c := range t.Changes {
		if err := c.validate(); err != nil {
			return t, err
		}
		if c.Mode == "" {
			t.Changes[i].Mode = "replace"
		}
	}
	err := l.st.Update(func(tx *store.Txn) error {
		if previous != "" && templateKey(previous) != templateKey(t.Name) {
			if err := tx.Delete(templateKey(previous)); err != nil {
				return err
			}
		}
		return tx.SetJSON(templateKey(t.Name), t)
	})
	return t, err
}

// DeleteTemplate removes the template called name.
func (l *Library) DeleteTemplate(name string) error {
	return l.st.Delete(templateKey(name))
}

// ApplyTemplate applies the template called name to the photos.
func (l *Library) ApplyTemplate(name string, idList []string) ([]Photo, error) {
	var t Template
	err := l.st.View(func(tx *store.Txn) error { return tx.GetJSON(templateKey(name), &t) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no template %q", ErrNotFound, name)
	}
	if err != nil {
		return nil, err
	}
	return l.Apply(idList, t.Changes)
}

// templateKey keys a template by its name folded to lower case; the name
// is hex-free text, so only "/" needs escaping to keep the key one level.
func templateKey(name string) string {
	return pTemplate + strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "/", "%2f")
}
