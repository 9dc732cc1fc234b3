package upload

import (
	"context"
	"log/slog"

	xslog "golang.org/x/exp/slog"
)

// expHandler feeds tusd's logs (it logs through golang.org/x/exp/slog) into
// the server's log/slog handler. tusd logs every request and chunk at Info;
// those become Debug, warnings and errors keep their level.
type expHandler struct{ h slog.Handler }

func level(l xslog.Level) slog.Level {
	if l <= xslog.LevelInfo {
		return slog.LevelDebug
	}
	return slog.Level(l)
}

func (e expHandler) Enabled(ctx context.Context, l xslog.Level) bool {
	return e.h.Enabled(ctx, level(l))
}

func (e expHandler) Handle(ctx context.Context, r xslog.Record) error {
	nr := slog.NewRecord(r.Time, level(r.Level), r.Message, r.PC)
	r.Attrs(func(a xslog.Attr) bool {
		nr.AddAttrs(attr(a))
		return true
	})
	return e.h.Handle(ctx, nr)
}

func (e expHandler) WithAttrs(as []xslog.Attr) xslog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = attr(a)
	}
	return expHandler{e.h.WithAttrs(out)}
}

func (e expHandler) WithGroup(name string) xslog.Handler { return expHandler{e.h.WithGroup(name)} }

func attr(a xslog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() == xslog.KindGroup {
		g := v.Group()
		args := make([]any, len(g))
		for i, x := range g {
			args[i] = attr(x)
		}
		return slog.Group(a.Key, args...)
	}
	return slog.Any(a.Key, v.Any())
}
