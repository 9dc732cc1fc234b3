// Package paths decides where Warta keeps its per-user data.
//
// The data folder is, in order of precedence:
//   - $WARTA_DATA_DIR, when set (tests and portable installs use this);
//   - the OS's per-user config/data folder joined with "Warta":
//     $XDG_DATA_HOME/warta or ~/.local/share/warta on Linux,
//     %AppData%\Warta on Windows, ~/Library/Application Support/Warta on macOS.
package paths

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// EnvDataDir overrides the data folder.
const EnvDataDir = "WARTA_DATA_DIR"

// Layout names the files and folders inside the data folder.
type Layout struct {
	Root string // the data folder itself
}

// DB is the BadgerDB directory.
func (l Layout) DB() string { return filepath.Join(l.Root, "db") }

// Photos is the photo library's folder: one sub-folder per photo with the
// original, the web rendition and the thumbnail.
func (l Layout) Photos() string { return filepath.Join(l.Root, "photos") }

// Logs is the folder of the rotating log files.
func (l Layout) Logs() string { return filepath.Join(l.Root, "logs") }

// LogFile is the current log file.
func (l Layout) LogFile() string { return filepath.Join(l.Logs(), "warta.log") }

// Lock is the single-instance lock file.
func (l Layout) Lock() string { return filepath.Join(l.Root, "warta.lock") }

// Socket is the local socket a running instance listens on to be woken.
func (l Layout) Socket() string { return filepath.Join(l.Root, "warta.sock") }

// DataDir returns the data folder, honouring EnvDataDir. It does not create it.
func DataDir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return filepath.Abs(d)
	}
	return defaultDataDir(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

// defaultDataDir is DataDir without the override, with its inputs injectable
// so every OS's rule is testable on one machine.
func defaultDataDir(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("AppData"); d != "" {
			return filepath.Join(d, "Warta"), nil
		}
		return "", errors.New("%AppData% is not set")
	case "darwin":
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("home folder: %w", err)
		}
		return filepath.Join(h, "Library", "Application Support", "Warta"), nil
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "warta"), nil
		}
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("home folder: %w", err)
		}
		return filepath.Join(h, ".local", "share", "warta"), nil
	}
}

// Prepare resolves the data folder and creates it and its sub-folders
// with permissions private to the user.
func Prepare() (Layout, error) {
	root, err := DataDir()
	if err != nil {
		return Layout{}, fmt.Errorf("find data folder: %w", err)
	}
	l := Layout{Root: root}
	for _, d := range []string{l.Root, l.Logs()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return Layout{}, fmt.Errorf("create data folder: %w", err)
		}
	}
	return l, nil
}
