package bridge

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/fsutil"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/codes"
	"github.com/warta-news/warta/app/photos/housestyle"
)

// Photos is bound as window.go.bridge.Photos: the photo library.
type Photos struct {
	app *App
	lib *photos.Library

	mu      sync.Mutex
	cancels []context.CancelFunc // running and queued imports
	batch   int                  // numbers the imports, so the page can tell their events apart
}

func (s *Photos) ready() error {
	if s.lib == nil {
		return errNoStore
	}
	return nil
}

// List returns every photo in contact-sheet order.
func (s *Photos) List() ([]photos.Photo, error) {
	return guard(s.app.log, "Photos.List", func() ([]photos.Photo, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		return s.lib.List()
	})
}

// Get returns the photos with these ids that exist.
func (s *Photos) Get(ids []string) ([]photos.Photo, error) {
	return guard(s.app.log, "Photos.Get", func() ([]photos.Photo, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		return s.lib.GetMany(ids)
	})
}

// ChooseFiles opens the system's file dialog and imports what the user
// picks; it returns how many were picked (0 when cancelled).
func (s *Photos) ChooseFiles() (int, error) {
	return guard(s.app.log, "Photos.ChooseFiles", func() (int, error) {
		if err := s.ready(); err != nil {
			return 0, err
		}
		paths, err := wruntime.OpenMultipleFilesDialog(s.app.ctx, wruntime.OpenDialogOptions{
			Filters: []wruntime.FileFilter{
				{DisplayName: "Foto / Photos (JPEG, PNG)", Pattern: "*.jpg;*.jpeg;*.JPG;*.JPEG;*.png;*.PNG;*.heic;*.HEIC"},
				{DisplayName: "*", Pattern: "*"},
			},
		})
		if err != nil || len(paths) == 0 {
			return 0, err
		}
		return len(paths), s.startImport(paths)
	})
}

// ChooseFolder opens the system's folder dialog and imports every photo in
// the folder and its sub-folders (a camera card).
func (s *Photos) ChooseFolder() (int, error) {
	return guard(s.app.log, "Photos.ChooseFolder", func() (int, error) {
		if err := s.ready(); err != nil {
			return 0, err
		}
		dir, err := wruntime.OpenDirectoryDialog(s.app.ctx, wruntime.OpenDialogOptions{})
		if err != nil || dir == "" {
			return 0, err
		}
		return 1, s.startImport([]string{dir})
	})
}

// Import starts importing the files and folders at paths (what a drop on
// the window or the dialogs hand over) and returns at once; progress
// arrives as EventPhotosImporting, the outcome as EventPhotosImported.
func (s *Photos) Import(paths []string) error {
	return guardErr(s.app.log, "Photos.Import", func() error {
		if err := s.ready(); err != nil {
			return err
		}
		return s.startImport(paths)
	})
}

// CancelImport stops the running import (after the files being worked on)
// and drops the queued ones.
func (s *Photos) CancelImport() error {
	return guardErr(s.app.log, "Photos.CancelImport", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.cancels {
			c()
		}
		s.cancels = nil
		return nil
	})
}

func (s *Photos) startImport(paths []string) error {
	if len(paths) == 0 {
		return errors.New("nothing to import")
	}
	if s.app.ctx == nil {
		return errors.New("no window")
	}
	longEdge := 0
	if st, err := s.app.settings.Load(); err == nil {
		longEdge = st.PhotoLongEdge
	}
	ctx, cancel := context.WithCancel(s.app.workCtx())
	s.mu.Lock()
	s.cancels = append(s.cancels, cancel)
	s.batch++
	batch := s.batch
	s.mu.Unlock()
	s.app.spawn(func() {
		defer cancel()
		s.app.log.Info("photo import started", "paths", len(paths))
		// Events can reach the page out of order (the dev server sends each
		// on its own goroutine): Batch lets it drop a late progress report.
		res, err := s.lib.Import(ctx, paths, photos.ImportOptions{LongEdge: longEdge}, func(p photos.Progress) {
			p.Batch = batch
			wruntime.EventsEmit(s.app.ctx, EventPhotosImporting, p)
		})
		res.Batch = batch
		if err != nil {
			s.app.log.Error("photo import failed", "err", err)
		}
		s.app.log.Info("photo import finished", "added", res.Added, "duplicates", res.Duplicates, "failed", res.Failed, "cancelled", res.Cancelled, "diskFull", res.DiskFull)
		wruntime.EventsEmit(s.app.ctx, EventPhotosImported, res)
	})
	return nil
}

// Apply makes the changes to the photos and returns them as they are now.
func (s *Photos) Apply(ids []string, changes []photos.Change) ([]photos.Photo, error) {
	return guard(s.app.log, "Photos.Apply", func() ([]photos.Photo, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		out, err := s.lib.Apply(ids, changes)
		if err == nil {
			wruntime.EventsEmit(s.app.ctx, EventPhotosChanged, ids)
		}
		return out, err
	})
}

// Delete removes photos from the library (their files included).
func (s *Photos) Delete(ids []string) error {
	return guardErr(s.app.log, "Photos.Delete", func() error {
		if err := s.ready(); err != nil {
			return err
		}
		return s.lib.Delete(ids)
	})
}

// Templates returns the caption templates.
func (s *Photos) Templates() ([]photos.Template, error) {
	return guard(s.app.log, "Photos.Templates", func() ([]photos.Template, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		return s.lib.Templates()
	})
}

// SaveTemplate stores a template; previous is its old name when renamed.
func (s *Photos) SaveTemplate(t photos.Template, previous string) (photos.Template, error) {
	return guard(s.app.log, "Photos.SaveTemplate", func() (photos.Template, error) {
		if err := s.ready(); err != nil {
			return t, err
		}
		return s.lib.SaveTemplate(t, previous)
	})
}

// DeleteTemplate removes a template.
func (s *Photos) DeleteTemplate(name string) error {
	return guardErr(s.app.log, "Photos.DeleteTemplate", func() error {
		if err := s.ready(); err != nil {
			return err
		}
		return s.lib.DeleteTemplate(name)
	})
}

// ApplyTemplate applies the named template to the photos.
func (s *Photos) ApplyTemplate(name string, ids []string) ([]photos.Photo, error) {
	return guard(s.app.log, "Photos.ApplyTemplate", func() ([]photos.Photo, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		out, err := s.lib.ApplyTemplate(name, ids)
		if err == nil {
			wruntime.EventsEmit(s.app.ctx, EventPhotosChanged, ids)
		}
		return out, err
	})
}

// Export asks for a folder and writes the photos there with their captions
// embedded; kind is "web" or "original". It returns nil when cancelled.
func (s *Photos) Export(ids []string, kind string) ([]photos.ExportResult, error) {
	return guard(s.app.log, "Photos.Export", func() ([]photos.ExportResult, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		dir, err := wruntime.OpenDirectoryDialog(s.app.ctx, wruntime.OpenDialogOptions{CanCreateDirectories: true})
		if err != nil || dir == "" {
			return nil, err
		}
		return s.lib.Export(ids, dir, kind)
	})
}

// ExportTo is Export into dir without a dialog.
func (s *Photos) ExportTo(ids []string, dir, kind string) ([]photos.ExportResult, error) {
	return guard(s.app.log, "Photos.ExportTo", func() ([]photos.ExportResult, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		return s.lib.Export(ids, dir, kind)
	})
}

// Codes returns the code replacement table.
func (s *Photos) Codes() ([]codes.Code, error) {
	return guard(s.app.log, "Photos.Codes", func() ([]codes.Code, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		return s.lib.Codes()
	})
}

// SetCodes stores the table as edited in the UI.
func (s *Photos) SetCodes(list []codes.Code) (photos.CodeTable, error) {
	return guard(s.app.log, "Photos.SetCodes", func() (photos.CodeTable, error) {
		if err := s.ready(); err != nil {
			return photos.CodeTable{}, err
		}
		return s.lib.SetCodes(list)
	})
}

var tsvFilter = []wruntime.FileFilter{{DisplayName: "TSV / TXT", Pattern: "*.tsv;*.txt"}}

// ImportCodes asks for a tab-separated file and replaces the table with it.
// It returns a nil table when the user cancelled.
func (s *Photos) ImportCodes() (*photos.CodeTable, error) {
	return guard(s.app.log, "Photos.ImportCodes", func() (*photos.CodeTable, error) {
		path, err := wruntime.OpenFileDialog(s.app.ctx, wruntime.OpenDialogOptions{Filters: tsvFilter})
		if err != nil || path == "" {
			return nil, err
		}
		t, err := s.importCodesFrom(path)
		return &t, err
	})
}

// ImportCodesFrom is ImportCodes without the dialog.
func (s *Photos) ImportCodesFrom(path string) (photos.CodeTable, error) {
	return guard(s.app.log, "Photos.ImportCodesFrom", func() (photos.CodeTable, error) { return s.importCodesFrom(path) })
}

func (s *Photos) importCodesFrom(path string) (photos.CodeTable, error) {
	if err := s.ready(); err != nil {
		return photos.CodeTable{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return photos.CodeTable{}, err
	}
	defer f.Close()
	return s.lib.ImportCodes(f)
}

// ExportCodes asks where to save the table as tab-separated text; it
// returns the path, or "" when cancelled.
func (s *Photos) ExportCodes() (string, error) {
	return guard(s.app.log, "Photos.ExportCodes", func() (string, error) {
		path, err := wruntime.SaveFileDialog(s.app.ctx, wruntime.SaveDialogOptions{DefaultFilename: "kode-foto.tsv", Filters: tsvFilter})
		if err != nil || path == "" {
			return "", err
		}
		return path, s.exportCodesTo(path)
	})
}

// ExportCodesTo is ExportCodes without the dialog.
func (s *Photos) ExportCodesTo(path string) error {
	return guardErr(s.app.log, "Photos.ExportCodesTo", func() error { return s.exportCodesTo(path) })
}

func (s *Photos) exportCodesTo(path string) error {
	if err := s.ready(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.lib.ExportCodes(&buf); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

// HouseStyle returns the caption ending in the photo desk's line (place,
// day and date in the place's zone, credit).
func (s *Photos) HouseStyle(in photos.HouseStyleInput) (string, error) {
	return guard(s.app.log, "Photos.HouseStyle", func() (string, error) {
		if err := s.ready(); err != nil {
			return "", err
		}
		return s.lib.HouseStyle(in)
	})
}

// Provinces lists Indonesia's provinces for the caption panel's suggestions.
func (s *Photos) Provinces() []string { return housestyle.Provinces() }
