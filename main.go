// Command warta is the Warta desktop app. This file only wires the services
// together; each lives in a package of its own under app/.
package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/warta-news/warta/app/bridge"
	"github.com/warta-news/warta/app/instance"
	"github.com/warta-news/warta/app/logging"
	"github.com/warta-news/warta/app/paths"
	"github.com/warta-news/warta/app/store"
)

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

func main() {
	if bindingsOnly {
		_ = bridge.Run(bridge.New(bridge.Deps{Log: slog.New(slog.DiscardHandler)}))
		return
	}
	layout, err := paths.Prepare()
	if err != nil {
		fmt.Fprintln(os.Stderr, "warta:", err)
		os.Exit(1)
	}
	logFile, err := logging.OpenFile(layout.LogFile(), logging.DefaultMaxBytes, logging.DefaultKeep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warta:", err)
		os.Exit(1)
	}
	defer logFile.Close()
	log := logging.New(logFile, os.Stderr, slog.LevelInfo)
	slog.SetDefault(log)

	// A photo import decodes several large JPEGs at once; a soft memory
	// limit makes the collector work harder near it instead of letting the
	// heap double (measured: pure-Go batch of 40 peaks at 328 MB without,
	// 214 MB with 200 MiB). GOMEMLIMIT in the environment still wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}

	lock, err := instance.Acquire(layout.Lock(), layout.Socket(), log)
	if errors.Is(err, instance.ErrAlreadyRunning) {
		log.Info("second launch", "result", err.Error())
		fmt.Fprintln(os.Stderr, "warta:", err)
		os.Exit(3)
	}
	if err != nil {
		log.Error("instance lock", "err", err)
		fmt.Fprintln(os.Stderr, "warta:", err)
		os.Exit(1)
	}

	// A store that will not open is shown in the window, not a silent exit.
	st, storeErr := store.Open(layout.DB(), log, store.Options{})
	if storeErr != nil {
		log.Error("store did not open", "err", storeErr)
	}

	dist, _ := fs.Sub(assets, "frontend/dist")
	app := bridge.New(bridge.Deps{
		Layout: layout, Log: log, Lock: lock,
		Store: st, StartupErr: storeErr,
		Assets: dist, Icon: icon,
	})
	if err := bridge.Run(app); err != nil {
		log.Error("window failed", "err", err)
		fmt.Fprintln(os.Stderr, "warta:", err)
		os.Exit(1)
	}
}
