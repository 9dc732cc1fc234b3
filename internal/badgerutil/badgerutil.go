// Package badgerutil holds what the app's store (app/store) and the
// server's Badger store (server/store/badgerstore) both need around
// BadgerDB: the clean-up of crash-left empty log files and a slog adapter.
package badgerutil

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// RemoveEmptyLogs deletes zero-length memtable (.mem) and value-log
// (.vlog) files. A crash (kill -9, power loss) between Badger creating
// such a file and sizing it leaves one behind, and Badger v4.9 then
// refuses to open the database with "Create a new file"
// (dgraph-io/badger#2207; found by app/articles' crash test). An empty
// file holds no data, so removing it loses nothing. It is only done while
// holding Badger's own directory lock, so never under a running Badger.
func RemoveEmptyLogs(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // a new data folder; Badger creates it
	}
	var empty []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".mem" && ext != ".vlog" {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			empty = append(empty, filepath.Join(dir, e.Name()))
		}
	}
	if len(empty) == 0 {
		return
	}
	unlock, ok := lockDir(dir)
	if !ok {
		return // in use: badger.Open will say so
	}
	defer unlock()
	for _, p := range empty {
		if fi, err := os.Stat(p); err != nil || fi.Size() != 0 {
			continue
		}
		if err := os.Remove(p); err != nil {
			log.Warn("cannot remove empty log file left by a crash", "file", p, "err", err)
			continue
		}
		log.Warn("removed empty log file left by a crash", "file", p)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// badgerLogger sends Badger's own logging to slog, demoting its chatty
// Info lines to Debug.
type badgerLogger struct{ l *slog.Logger }

// Logger adapts l for badger.Options.WithLogger.
func Logger(l *slog.Logger) badger.Logger { return badgerLogger{l} }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...))) }
