package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"os"
	"strings"
	"time"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/fsutil"
)

// Articles is bound as window.go.bridge.Articles: the article library.
type Articles struct {
	app *App
	lib *articles.Library
}

func (s *Articles) ready() error {
	if s.lib == nil {
		return errNoStore
	}
	return nil
}

// Create makes a new article from a (possibly empty) template.
func (s *Articles) Create(a articles.Article) (articles.Article, error) {
	return guard(s.app.log, "Articles.Create", func() (articles.Article, error) {
		if err := s.ready(); err != nil {
			return articles.Article{}, err
		}
		if a.Language == "" {
			if i, err := s.app.info(); err == nil {
				a.Language = i.Language
			}
		}
		return s.lib.Create(a)
	})
}

// Get loads one article.
func (s *Articles) Get(id string) (articles.Article, error) {
	return guard(s.app.log, "Articles.Get", func() (articles.Article, error) {
		if err := s.ready(); err != nil {
			return articles.Article{}, err
		}
		return s.lib.Get(id)
	})
}

// Save is the autosave; mark records a named revision (Ctrl+S).
func (s *Articles) Save(a articles.Article, mark bool) (articles.Article, error) {
	return guard(s.app.log, "Articles.Save", func() (articles.Article, error) {
		if err := s.ready(); err != nil {
			return articles.Article{}, err
		}
		return s.lib.Save(a, mark)
	})
}

// Delete moves an article to the trash.
func (s *Articles) Delete(id string) error {
	return guardErr(s.app.log, "Articles.Delete", func() error {
		if err := s.ready(); err != nil {
			return err
		}
		return s.lib.Delete(id)
	})
}

// Restore brings an article back from the trash.
func (s *Articles) Restore(id string) error {
	return guardErr(s.app.log, "Articles.Restore", func() error {
		if err := s.ready(); err != nil {
			return err
		}
		return s.lib.Restore(id)
	})
}

// EmptyTrash deletes the trashed articles for good and says how many.
func (s *Articles) EmptyTrash() (int, error) {
	return guard(s.app.log, "Articles.EmptyTrash", func() (int, error) {
		if err := s.ready(); err != nil {
			return 0, err
		}
		return s.lib.EmptyTrash()
	})
}

// List returns article summaries, newest change first, filtered or searched.
func (s *Articles) List(q articles.Query) ([]articles.Summary, error) {
	return guard(s.app.log, "Articles.List", func() ([]articles.Summary, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		l, err := s.lib.List(q)
		if l == nil {
			l = []articles.Summary{}
		}
		return l, err
	})
}

// Revisions lists an article's revisions, newest first.
func (s *Articles) Revisions(id string) ([]articles.RevisionInfo, error) {
	return guard(s.app.log, "Articles.Revisions", func() ([]articles.RevisionInfo, error) {
		if err := s.ready(); err != nil {
			return nil, err
		}
		r, err := s.lib.Revisions(id)
		if r == nil {
			r = []articles.RevisionInfo{}
		}
		return r, err
	})
}

// Revision loads one revision of an article.
func (s *Articles) Revision(id string, seq int64) (articles.Article, error) {
	return guard(s.app.log, "Articles.Revision", func() (articles.Article, error) {
		if err := s.ready(); err != nil {
			return articles.Article{}, err
		}
		return s.lib.Revision(id, seq)
	})
}

// RestoreRevision makes an old revision current (itself a new revision).
func (s *Articles) RestoreRevision(id string, seq int64) (articles.Article, error) {
	return guard(s.app.log, "Articles.RestoreRevision", func() (articles.Article, error) {
		if err := s.ready(); err != nil {
			return articles.Article{}, err
		}
		return s.lib.RestoreRevision(id, seq)
	})
}

// Suggestions offers reporters, editors, categories, tags and places used before.
func (s *Articles) Suggestions() (articles.Suggestions, error) {
	return guard(s.app.log, "Articles.Suggestions", func() (articles.Suggestions, error) {
		if err := s.ready(); err != nil {
			return articles.Suggestions{}, err
		}
		sg, err := s.lib.Suggestions()
		if err != nil {
			return sg, err
		}
		// The WordPress sites' categories and tags as last fetched, so that
		// an article offline gets the names the site already has.
		cats, tags := s.app.sync.siteTerms()
		sg.Categories = mergeNames(sg.Categories, cats)
		sg.Tags = mergeNames(sg.Tags, tags)
		return sg, nil
	})
}

// mergeNames appends to list the names it lacks (compared without case).
func mergeNames(list, more []string) []string {
	seen := make(map[string]bool, len(list))
	for _, v := range list {
		seen[strings.ToLower(v)] = true
	}
	for _, v := range more {
		if k := strings.ToLower(v); v != "" && !seen[k] {
			seen[k] = true
			list = append(list, v)
		}
	}
	return list
}

// Preview renders the article as it will be published (sanitised HTML).
func (s *Articles) Preview(a articles.Article) (string, error) {
	return guard(s.app.log, "Articles.Preview", func() (string, error) { return articles.PublishedHTML(a) })
}

// Render returns the article as "whatsapp" text, "html", or "markdown".
func (s *Articles) Render(a articles.Article, format string) (string, error) {
	return guard(s.app.log, "Articles.Render", func() (string, error) { return render(a, format) })
}

func render(a articles.Article, format string) (string, error) {
	switch format {
	case "whatsapp":
		return articles.WhatsApp(a), nil
	case "html":
		return articles.PublishedHTML(a)
	case "markdown":
		return articles.Markdown(a), nil
	}
	return "", fmt.Errorf("unknown export format %q", format)
}

// CopyText puts text on the system clipboard.
func (s *Articles) CopyText(text string) error {
	return guardErr(s.app.log, "Articles.CopyText", func() error {
		if s.app.ctx == nil {
			return errors.New("no window")
		}
		return wruntime.ClipboardSetText(s.app.ctx, text)
	})
}

var exportExt = map[string]string{"html": ".html", "markdown": ".md", "whatsapp": ".txt"}

// ExportArticle asks where to save the article as format ("html" or
// "markdown") and writes it there. It returns the path, or "" if the user
// cancelled.
func (s *Articles) ExportArticle(a articles.Article, format string) (string, error) {
	return guard(s.app.log, "Articles.ExportArticle", func() (string, error) {
		ext, ok := exportExt[format]
		if !ok {
			return "", fmt.Errorf("unknown export format %q", format)
		}
		path, err := wruntime.SaveFileDialog(s.app.ctx, wruntime.SaveDialogOptions{
			DefaultFilename: fsutil.SafeName(a.Headline, "artikel") + ext,
			Filters:         []wruntime.FileFilter{{DisplayName: strings.ToUpper(ext[1:]), Pattern: "*" + ext}},
		})
		if err != nil || path == "" {
			return "", err
		}
		return path, s.writeArticle(a, format, path)
	})
}

// WriteArticle writes the article as format to path without a dialog.
func (s *Articles) WriteArticle(a articles.Article, format, path string) error {
	return guardErr(s.app.log, "Articles.WriteArticle", func() error { return s.writeArticle(a, format, path) })
}

func (s *Articles) writeArticle(a articles.Article, format, path string) error {
	text, err := render(a, format)
	if err != nil {
		return err
	}
	if format == "html" {
		text = "<!doctype html>\n<html lang=\"" + a.Language + "\"><head><meta charset=\"utf-8\"><title>" +
			html.EscapeString(a.Headline) + "</title></head><body>\n" + text + "\n</body></html>\n"
	}
	return fsutil.WriteFileAtomic(path, []byte(text), 0o644)
}

// ExportLibrary asks for a file and writes the whole library (a backup) to it.
func (s *Articles) ExportLibrary() (string, error) {
	return guard(s.app.log, "Articles.ExportLibrary", func() (string, error) {
		if err := s.ready(); err != nil {
			return "", err
		}
		path, err := wruntime.SaveFileDialog(s.app.ctx, wruntime.SaveDialogOptions{
			DefaultFilename: "warta-" + time.Now().Format("2006-01-02") + ".warta",
			Filters:         []wruntime.FileFilter{{DisplayName: "Warta", Pattern: "*.warta"}},
		})
		if err != nil || path == "" {
			return "", err
		}
		return path, s.exportLibraryTo(path)
	})
}

// ExportLibraryTo writes the backup to path without a dialog.
func (s *Articles) ExportLibraryTo(path string) error {
	return guardErr(s.app.log, "Articles.ExportLibraryTo", func() error { return s.exportLibraryTo(path) })
}

func (s *Articles) exportLibraryTo(path string) error {
	if err := s.ready(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.lib.Export(&buf); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, buf.Bytes(), 0o600)
}

// ImportLibrary asks for a backup file and merges it into the library.
func (s *Articles) ImportLibrary() (articles.ImportResult, error) {
	return guard(s.app.log, "Articles.ImportLibrary", func() (articles.ImportResult, error) {
		if err := s.ready(); err != nil {
			return articles.ImportResult{}, err
		}
		path, err := wruntime.OpenFileDialog(s.app.ctx, wruntime.OpenDialogOptions{
			Filters: []wruntime.FileFilter{{DisplayName: "Warta", Pattern: "*.warta"}},
		})
		if err != nil || path == "" {
			return articles.ImportResult{}, err
		}
		return s.importLibraryFrom(path)
	})
}

// ImportLibraryFrom merges the backup at path without a dialog.
func (s *Articles) ImportLibraryFrom(path string) (articles.ImportResult, error) {
	return guard(s.app.log, "Articles.ImportLibraryFrom", func() (articles.ImportResult, error) { return s.importLibraryFrom(path) })
}

func (s *Articles) importLibraryFrom(path string) (articles.ImportResult, error) {
	if err := s.ready(); err != nil {
		return articles.ImportResult{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return articles.ImportResult{}, err
	}
	defer f.Close()
	return s.lib.Import(f)
}
