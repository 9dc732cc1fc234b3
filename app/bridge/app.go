package bridge

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/windows"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/buildinfo"
	"github.com/warta-news/warta/app/instance"
	"github.com/warta-news/warta/app/locale"
	"github.com/warta-news/warta/app/netstatus"
	"github.com/warta-news/warta/app/paths"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/settings"
	"github.com/warta-news/warta/app/store"
)

// Deps is what main hands the bridge. Store is nil when StartupErr says why
// it could not be opened: the window still opens and shows that error.
type Deps struct {
	Layout     paths.Layout
	Log        *slog.Logger
	Lock       *instance.Lock
	Store      *store.Store
	StartupErr error
	Assets     fs.FS
	Icon       []byte
}

// App is bound to the frontend as window.go.bridge.App. Its exported methods
// are the shell's API; the lifecycle hooks are unexported so Wails does not
// bind them.
type App struct {
	d        Deps
	log      *slog.Logger
	settings *settings.Service
	articles *Articles
	photos   *Photos
	sync     *Sync
	osLang   string

	ctx    context.Context // Wails' context, set in startup
	work   context.Context // ends at shutdown: background work runs under it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu  sync.Mutex
	net netstatus.Status
}

// New builds the App around its dependencies.
func New(d Deps) *App {
	a := &App{d: d, log: d.Log, osLang: locale.Detect()}
	a.articles = &Articles{app: a}
	a.photos = &Photos{app: a}
	a.sync = &Sync{app: a}
	if d.Store != nil {
		a.settings = settings.New(d.Store)
		lib, err := articles.New(d.Store, d.Log)
		if err != nil {
			a.d.StartupErr = fmt.Errorf("open article library: %w", err)
		} else {
			a.articles.lib = lib
		}
		plib, err := photos.New(d.Store, d.Layout.Photos(), d.Log)
		if err != nil {
			a.d.StartupErr = fmt.Errorf("open photo library: %w", err)
		} else {
			a.photos.lib = plib
		}
	}
	return a
}

// Run opens the window and blocks until the app quits.
func Run(a *App) error {
	win := settings.Window{Width: settings.DefaultWidth, Height: settings.DefaultHeight}
	if a.settings != nil {
		s, err := a.settings.Load()
		if err != nil {
			a.log.Warn("settings partly unreadable, using defaults", "err", err)
		}
		win = s.Window
	}
	start := options.Normal
	if win.Maximised {
		start = options.Maximised
	}
	return wails.Run(&options.App{
		Title:            "Warta",
		Width:            win.Width,
		Height:           win.Height,
		MinWidth:         settings.MinWidth,
		MinHeight:        settings.MinHeight,
		WindowStartState: start,
		AssetServer:      &assetserver.Options{Assets: a.d.Assets, Handler: a.photoFiles()},
		// Files dropped on the window are imported (see startup); the
		// webview itself must not open them.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true, DisableWebViewDrop: true},
		// The page paints its own theme at once; this only shows for the
		// first frames, so pick the light background to avoid a flash.
		BackgroundColour: options.NewRGB(0xf7, 0xf7, 0xf5),
		OnStartup:        a.startup,
		OnBeforeClose:    a.beforeClose,
		OnShutdown:       a.shutdown,
		Bind:             []any{a, a.articles, a.photos, a.sync},
		Logger:           wailsLogger{a.log.With("component", "wails")},
		Linux: &linux.Options{
			ProgramName:      "warta",
			Icon:             a.d.Icon,
			WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand,
		},
		Windows: &windows.Options{Theme: windows.SystemDefault},
	})
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	wctx, cancel := context.WithCancel(ctx)
	a.work, a.cancel = wctx, cancel
	a.log.Info("window starting", "version", buildinfo.Version, "commit", buildinfo.Commit(), "os", runtime.GOOS, "data", a.d.Layout.Root)

	if a.settings != nil {
		if s, err := a.settings.Load(); err == nil {
			if s.Window.X >= 0 && s.Window.Y >= 0 && !s.Window.Maximised {
				wruntime.WindowSetPosition(ctx, s.Window.X, s.Window.Y)
			}
			a.applyTheme(s.Theme)
		}
		a.spawn(func() { _ = a.d.Store.Serve(wctx, 10*time.Minute) })
		if lib := a.articles.lib; lib != nil {
			a.spawn(func() {
				if err := lib.Serve(wctx); err != nil {
					a.log.Error("article upkeep stopped", "err", err)
				}
			})
		}
	}
	if a.d.Lock != nil {
		a.d.Lock.OnActivate(func() {
			wruntime.WindowUnminimise(ctx)
			wruntime.WindowShow(ctx)
			wruntime.EventsEmit(ctx, EventActivated)
		})
	}
	a.spawn(func() {
		_ = netstatus.Watcher{Interval: 3 * time.Second, OnChange: func(s netstatus.Status) {
			a.mu.Lock()
			a.net = s
			a.mu.Unlock()
			a.log.Info("network", "online", s.Online, "interfaces", s.Interfaces)
			wruntime.EventsEmit(ctx, EventNetStatus, s)
		}}.Serve(wctx)
	})
	if a.articles.lib != nil && a.photos.lib != nil {
		// Resume an upload the last session did not finish (the keyring
		// probe can take a moment: not on the start-up path).
		a.spawn(a.sync.start)
	}
	if a.photos.lib != nil {
		wruntime.OnFileDrop(ctx, func(_, _ int, paths []string) {
			if err := a.photos.Import(paths); err == nil {
				wruntime.EventsEmit(ctx, EventPhotosDropped, len(paths))
			}
		})
	}
	// SIGINT/SIGTERM need no handler here: Wails catches them and quits
	// through beforeClose and shutdown, like closing the window.
}

// workCtx is the context background work runs under; it ends at shutdown.
func (a *App) workCtx() context.Context {
	if a.work == nil {
		return context.Background()
	}
	return a.work
}

// photoFiles serves the photo library's files (thumbnails, renditions) to
// the page under photos.URLPrefix.
func (a *App) photoFiles() http.Handler {
	if a.photos.lib == nil {
		return http.NotFoundHandler()
	}
	return a.photos.lib.Handler()
}

func (a *App) spawn(f func()) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); f() }()
}

// beforeClose remembers the window's geometry and gives the frontend a
// moment to write unsaved edits; it never prevents closing.
func (a *App) beforeClose(ctx context.Context) bool {
	a.saveWindow()
	a.flushFrontend(2 * time.Second)
	return false
}

// flushFrontend asks the page to save what it has not saved yet (the
// autosave waits for a pause in typing) and waits for its answer, at most
// timeout, so that closing the window right after typing loses nothing.
func (a *App) flushFrontend(timeout time.Duration) {
	done := make(chan struct{})
	var once sync.Once
	cancel := wruntime.EventsOnce(a.ctx, EventFlushed, func(...any) { once.Do(func() { close(done) }) })
	defer cancel()
	wruntime.EventsEmit(a.ctx, EventFlush)
	select {
	case <-done:
	case <-time.After(timeout):
		a.log.Warn("frontend did not confirm saving before close", "waited", timeout)
	}
}

func (a *App) saveWindow() {
	if a.settings == nil || a.ctx == nil {
		return
	}
	s, _ := a.settings.Load()
	w := s.Window
	w.Maximised = wruntime.WindowIsMaximised(a.ctx)
	if !w.Maximised {
		w.Width, w.Height = wruntime.WindowGetSize(a.ctx)
		w.X, w.Y = wruntime.WindowGetPosition(a.ctx)
	}
	if err := a.settings.SetWindow(w); err != nil {
		a.log.Warn("could not remember window geometry", "err", err)
	}
}

func (a *App) shutdown(ctx context.Context) {
	a.log.Info("shutting down")
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	if a.d.Store != nil {
		if err := a.d.Store.Close(); err != nil {
			a.log.Error("store close failed", "err", err)
		}
	}
	if a.d.Lock != nil {
		_ = a.d.Lock.Release()
	}
	a.log.Info("shutdown complete")
}

func (a *App) applyTheme(theme string) {
	if a.ctx == nil {
		return
	}
	// Only Windows draws its own title bar from this; elsewhere the page's CSS does the work.
	switch theme {
	case "dark":
		wruntime.WindowSetDarkTheme(a.ctx)
	case "light":
		wruntime.WindowSetLightTheme(a.ctx)
	default:
		wruntime.WindowSetSystemDefaultTheme(a.ctx)
	}
}
