package photos

import (
	"net/http"
	"strings"
)

// URLPrefix is where Handler serves the photo files:
// /photo/<id>/thumb, /photo/<id>/web and /photo/<id>/original.
const URLPrefix = "/photo/"

// Handler serves the library's files to the window (Wails passes it every
// request its embedded assets do not answer). A photo's files never
// change once written, so they may be cached for good.
func (l *Library) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, URLPrefix)
		id, kind, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 {
			http.NotFound(w, r)
			return
		}
		path, err := l.File(id, kind)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeFile(w, r, path)
	})
}
