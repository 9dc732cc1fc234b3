package bridge

import (
	"log/slog"

	"github.com/wailsapp/wails/v2/pkg/logger"
)

// wailsLogger sends Wails' own log lines to our slog file.
type wailsLogger struct{ l *slog.Logger }

var _ logger.Logger = wailsLogger{}

func (w wailsLogger) Print(m string)   { w.l.Info(m) }
func (w wailsLogger) Trace(m string)   { w.l.Debug(m) }
func (w wailsLogger) Debug(m string)   { w.l.Debug(m) }
func (w wailsLogger) Info(m string)    { w.l.Info(m) }
func (w wailsLogger) Warning(m string) { w.l.Warn(m) }
func (w wailsLogger) Error(m string)   { w.l.Error(m) }
func (w wailsLogger) Fatal(m string)   { w.l.Error(m) }
