package bridge

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestGuardTurnsPanicIntoError(t *testing.T) {
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logBuf, nil))
	got, err := guard(log, "Boom", func() (int, error) {
		var m map[string]int
		m["x"] = 1 // nil map write panics
		return 1, nil
	})
	if err == nil || got != 0 {
		t.Fatalf("got %d, %v", got, err)
	}
	if !strings.Contains(err.Error(), "internal error in Boom") {
		t.Fatalf("message not readable: %v", err)
	}
	if !strings.Contains(logBuf.String(), "panic in bound method") || !strings.Contains(logBuf.String(), "stack") {
		t.Fatalf("panic not logged with stack: %s", logBuf.String())
	}
}

func TestGuardPassesErrorsAndResults(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	want := errors.New("disk full")
	if err := guardErr(log, "Save", func() error { return want }); !errors.Is(err, want) {
		t.Fatalf("err = %v", err)
	}
	if v, err := guard(log, "Ok", func() (string, error) { return "ya", nil }); v != "ya" || err != nil {
		t.Fatalf("%q %v", v, err)
	}
}
