// Package logging sets up Warta's structured log: JSON lines (log/slog) in
// logs/warta.log inside the data folder, rotated by size so a laptop that runs
// Warta for years never fills up with logs.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
)

// Defaults: five files of at most 5 MiB each.
const (
	DefaultMaxBytes = 5 << 20
	DefaultKeep     = 4
)

// RotatingFile is an io.WriteCloser that starts a new file when the current
// one would grow past MaxBytes, keeping Keep older files as path.1 … path.N.
type RotatingFile struct {
	Path     string
	MaxBytes int64
	Keep     int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenFile opens (appending) a rotating log file.
func OpenFile(path string, maxBytes int64, keep int) (*RotatingFile, error) {
	r := &RotatingFile{Path: path, MaxBytes: maxBytes, Keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) open() error {
	f, err := os.OpenFile(r.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log: %w", err)
	}
	r.f, r.size = f, fi.Size()
	return nil
}

func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.MaxBytes {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *RotatingFile) rotate() error {
	r.f.Close()
	for i := r.Keep; i >= 1; i-- {
		from := r.Path
		if i > 1 {
			from = fmt.Sprintf("%s.%d", r.Path, i-1)
		}
		_ = os.Rename(from, fmt.Sprintf("%s.%d", r.Path, i))
	}
	return r.open()
}

// Close closes the current file.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// New returns a JSON logger writing to w and, when echo is non-nil, a
// human-readable copy to echo (developers see it in their terminal).
func New(w io.Writer, echo io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	h := slog.Handler(slog.NewJSONHandler(w, opts))
	if echo != nil {
		h = fanout{h, slog.NewTextHandler(echo, opts)}
	}
	return slog.New(h)
}
