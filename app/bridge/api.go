package bridge

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"

	"github.com/warta-news/warta/app/buildinfo"
	"github.com/warta-news/warta/app/netstatus"
	"github.com/warta-news/warta/app/settings"
)

// Info is what the shell shows: status bar, settings screen, about box.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	OS      string `json:"os"`
	DataDir string `json:"dataDir"`
	LogFile string `json:"logFile"`
	// Language is the language in effect: the setting, or the OS's when unset.
	Language string `json:"language"`
	// LanguageSetting is "" when following the OS.
	LanguageSetting string           `json:"languageSetting"`
	OSLanguage      string           `json:"osLanguage"`
	Languages       []string         `json:"languages"`
	Theme           string           `json:"theme"`
	Themes          []string         `json:"themes"`
	Net             netstatus.Status `json:"net"`
	// LastArticle is the article to reopen ("" for none).
	LastArticle string `json:"lastArticle"`
	// SendOriginals: uploads send full-size originals instead of web renditions.
	SendOriginals bool `json:"sendOriginals"`
	// Section is the screen to open ("articles", "photos", …).
	Section string `json:"section"`
	// PhotoLongEdge is the web rendition size for imported photos, in px.
	PhotoLongEdge int `json:"photoLongEdge"`
	// StartupError is set when the local store could not be opened; the UI
	// shows it instead of the work screens.
	StartupError string `json:"startupError"`
}

// errNoStore is returned by methods that need the store when it did not open.
var errNoStore = errors.New("the local library is not open (see the message on screen)")

// Info returns the shell's current state.
func (a *App) Info() (Info, error) {
	return guard(a.log, "Info", a.info)
}

func (a *App) info() (Info, error) {
	i := Info{
		Version:    buildinfo.Version,
		Commit:     buildinfo.Commit(),
		OS:         runtime.GOOS,
		DataDir:    a.d.Layout.Root,
		LogFile:    a.d.Layout.LogFile(),
		OSLanguage: a.osLang,
		Language:   a.osLang,
		Languages:  settings.Languages,
		Theme:      "system",
		Themes:     settings.Themes,
	}
	a.mu.Lock()
	i.Net = a.net
	a.mu.Unlock()
	if i.Net.Interfaces == nil {
		i.Net.Interfaces = []string{}
	}
	if a.d.StartupErr != nil {
		i.StartupError = a.d.StartupErr.Error()
		return i, nil
	}
	s, err := a.settings.Load()
	if err != nil {
		// Defaults were used for the unreadable part; the shell still works.
		a.log.Warn("settings partly unreadable", "err", err)
	}
	i.LanguageSetting = s.Language
	if s.Language != "" {
		i.Language = s.Language
	}
	i.Theme = s.Theme
	i.LastArticle = s.LastArticle
	i.PhotoLongEdge = s.PhotoLongEdge
	i.Section = s.Section
	i.SendOriginals = s.SendOriginals
	return i, nil
}

// SetLanguage switches the UI language ("id", "en", or "" to follow the OS)
// and returns the new state.
func (a *App) SetLanguage(lang string) (Info, error) {
	return guard(a.log, "SetLanguage", func() (Info, error) {
		if a.settings == nil {
			return Info{}, errNoStore
		}
		if err := a.settings.SetLanguage(lang); err != nil {
			return Info{}, err
		}
		return a.info()
	})
}

// SetTheme switches between "system", "light" and "dark".
func (a *App) SetTheme(theme string) (Info, error) {
	return guard(a.log, "SetTheme", func() (Info, error) {
		if a.settings == nil {
			return Info{}, errNoStore
		}
		if err := a.settings.SetTheme(theme); err != nil {
			return Info{}, err
		}
		a.applyTheme(theme)
		return a.info()
	})
}

// SetPhotoLongEdge sets the web rendition size for photos imported from now on.
func (a *App) SetPhotoLongEdge(px int) (Info, error) {
	return guard(a.log, "SetPhotoLongEdge", func() (Info, error) {
		if a.settings == nil {
			return Info{}, errNoStore
		}
		if err := a.settings.SetPhotoLongEdge(px); err != nil {
			return Info{}, err
		}
		return a.info()
	})
}

// SetSendOriginals chooses what an upload sends for each photo.
func (a *App) SetSendOriginals(on bool) (Info, error) {
	return guard(a.log, "SetSendOriginals", func() (Info, error) {
		if a.settings == nil {
			return Info{}, errNoStore
		}
		if err := a.settings.SetSendOriginals(on); err != nil {
			return Info{}, err
		}
		return a.info()
	})
}

// SetSection remembers the open screen, to reopen it next time.
func (a *App) SetSection(section string) error {
	return guardErr(a.log, "SetSection", func() error {
		if a.settings == nil {
			return errNoStore
		}
		return a.settings.SetSection(section)
	})
}

// SetLastArticle remembers which article is open, to reopen it next time.
func (a *App) SetLastArticle(id string) error {
	return guardErr(a.log, "SetLastArticle", func() error {
		if a.settings == nil {
			return errNoStore
		}
		return a.settings.SetLastArticle(id)
	})
}

// OpenDataFolder shows the data folder in the system's file manager.
func (a *App) OpenDataFolder() error {
	return guardErr(a.log, "OpenDataFolder", func() error {
		var cmd *exec.Cmd
		switch runtime.GOOS {
		case "windows":
			cmd = exec.Command("explorer", a.d.Layout.Root)
		case "darwin":
			cmd = exec.Command("open", a.d.Layout.Root)
		default:
			cmd = exec.Command("xdg-open", a.d.Layout.Root)
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("open %s: %w", a.d.Layout.Root, err)
		}
		go cmd.Wait()
		return nil
	})
}
