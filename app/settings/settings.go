// Package settings keeps the user's preferences in the store under cfg/.
package settings

import (
	"errors"
	"fmt"
	"slices"

	"github.com/warta-news/warta/app/store"
)

// Languages the UI is translated into, in the order the UI lists them.
var Languages = []string{"id", "en"}

// Sections are the sidebar's screens.
var Sections = []string{"articles", "photos", "upload", "settings"}

// Themes the user can choose; "system" follows the OS.
var Themes = []string{"system", "light", "dark"}

// ErrInvalid marks a setting value that is not allowed.
var ErrInvalid = errors.New("invalid setting")

// Window is the main window's last size and position.
type Window struct {
	Width     int  `json:"width"`
	Height    int  `json:"height"`
	X         int  `json:"x"`
	Y         int  `json:"y"`
	Maximised bool `json:"maximised"`
}

// Default window size: fits a 1366×768 laptop, the commonest screen among our users.
const (
	DefaultWidth  = 1200
	DefaultHeight = 760
	MinWidth      = 800
	MinHeight     = 560
)

// Settings is every preference. The zero value is not meaningful: use Load.
type Settings struct {
	// Language is "id" or "en"; empty means follow the OS.
	Language string `json:"language"`
	Theme    string `json:"theme"`
	Window   Window `json:"window"`
	// LastArticle is the article open when Warta last closed; it opens again.
	LastArticle string `json:"lastArticle"`
	// Section is the sidebar screen open when Warta last closed
	// ("articles", "photos", "upload", "settings"); it opens again.
	Section string `json:"section"`
	// PhotoLongEdge is the long edge in pixels of the web rendition made
	// for each imported photo (the copy that is uploaded and exported).
	PhotoLongEdge int `json:"photoLongEdge"`
	// SendOriginals uploads photos at full size (captions embedded) instead
	// of their web renditions: slower, for newsrooms that print.
	SendOriginals bool `json:"sendOriginals"`
}

// Web rendition sizes the user can choose between.
const (
	DefaultPhotoLongEdge = 2048
	MinPhotoLongEdge     = 800
	MaxPhotoLongEdge     = 6000
)

const (
	keyLanguage = "cfg/language"
	keyTheme    = "cfg/theme"
	keyWindow   = "cfg/window"
	keyLast     = "cfg/lastArticle"
	keyLongEdge = "cfg/photoLongEdge"
	keySection  = "cfg/section"
	keyOriginal = "cfg/sendOriginals"
)

// Service reads and writes settings.
type Service struct {
	st *store.Store
}

// New returns a settings service on st.
func New(st *store.Store) *Service { return &Service{st: st} }

// Load returns the stored settings, with defaults for anything unset.
// A corrupt value is reported, and its default used, so one bad setting
// never stops the app from starting.
func (s *Service) Load() (Settings, error) {
	out := Settings{Theme: "system", Window: Window{Width: DefaultWidth, Height: DefaultHeight, X: -1, Y: -1}, PhotoLongEdge: DefaultPhotoLongEdge}
	var errs []error
	get := func(key string, v any) {
		if err := s.st.GetJSON(key, v); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	get(keyLanguage, &out.Language)
	get(keyTheme, &out.Theme)
	get(keyWindow, &out.Window)
	get(keyLast, &out.LastArticle)
	get(keyLongEdge, &out.PhotoLongEdge)
	get(keySection, &out.Section)
	get(keyOriginal, &out.SendOriginals)
	if !slices.Contains(Sections, out.Section) {
		out.Section = "articles"
	}
	if out.PhotoLongEdge < MinPhotoLongEdge || out.PhotoLongEdge > MaxPhotoLongEdge {
		out.PhotoLongEdge = DefaultPhotoLongEdge
	}
	if out.Language != "" && !slices.Contains(Languages, out.Language) {
		out.Language = ""
	}
	if !slices.Contains(Themes, out.Theme) {
		out.Theme = "system"
	}
	out.Window = out.Window.clamped()
	return out, errors.Join(errs...)
}

// SetLanguage stores the UI language; "" returns to following the OS.
func (s *Service) SetLanguage(lang string) error {
	if lang != "" && !slices.Contains(Languages, lang) {
		return fmt.Errorf("language %q: %w (choose one of %v)", lang, ErrInvalid, Languages)
	}
	return s.st.PutJSON(keyLanguage, lang)
}

// SetTheme stores the colour theme.
func (s *Service) SetTheme(theme string) error {
	if !slices.Contains(Themes, theme) {
		return fmt.Errorf("theme %q: %w (choose one of %v)", theme, ErrInvalid, Themes)
	}
	return s.st.PutJSON(keyTheme, theme)
}

// SetLastArticle remembers the open article ("" when none is open).
func (s *Service) SetLastArticle(id string) error {
	return s.st.PutJSON(keyLast, id)
}

// SetPhotoLongEdge stores the web rendition size for photos imported from now on.
func (s *Service) SetPhotoLongEdge(px int) error {
	if px < MinPhotoLongEdge || px > MaxPhotoLongEdge {
		return fmt.Errorf("photo size %d px: %w (between %d and %d)", px, ErrInvalid, MinPhotoLongEdge, MaxPhotoLongEdge)
	}
	return s.st.PutJSON(keyLongEdge, px)
}

// SetSendOriginals chooses full-size originals (true) or web renditions for uploads.
func (s *Service) SetSendOriginals(on bool) error { return s.st.PutJSON(keyOriginal, on) }

// SetSection remembers the open screen.
func (s *Service) SetSection(section string) error {
	if !slices.Contains(Sections, section) {
		return fmt.Errorf("screen %q: %w (choose one of %v)", section, ErrInvalid, Sections)
	}
	return s.st.PutJSON(keySection, section)
}

// SetWindow stores the window geometry.
func (s *Service) SetWindow(w Window) error {
	return s.st.PutJSON(keyWindow, w.clamped())
}

// clamped keeps a restored window usable: never smaller than the minimum
// and never absurdly large (a geometry saved on a bigger external monitor).
func (w Window) clamped() Window {
	w.Width = min(max(w.Width, MinWidth), 10000)
	w.Height = min(max(w.Height, MinHeight), 10000)
	if w.X < -w.Width/2 || w.Y < 0 || w.X > 20000 || w.Y > 20000 {
		w.X, w.Y = -1, -1 // let the window manager place it
	}
	return w
}
