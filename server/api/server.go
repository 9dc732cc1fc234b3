package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/warta-news/warta/server/auth"
	"github.com/warta-news/warta/server/store"
)

// Protocol is the sync protocol version this server speaks.
const Protocol = 1

// DefaultMaxBody is the request body limit when Config.MaxBody is 0.
const DefaultMaxBody = 8 << 20

// IdempotencyKeep is how long an operation's answer is remembered.
const IdempotencyKeep = 7 * 24 * time.Hour

// Config configures New.
type Config struct {
	Store   store.Store
	Log     *slog.Logger
	Photos  http.Handler // mounted at /api/v1/photos/ when not nil
	Version string
	MaxBody int64 // bytes per request body (photos excepted); 0 means DefaultMaxBody

	// SetupToken, when not empty, lets POST /api/v1/setup create the first
	// admin while there are no users.
	SetupToken string
	// Limiter slows down password guessing; nil means auth.NewLimiter().
	Limiter *auth.Limiter
	// HashParams are the argon2id costs for new passwords; nil means
	// auth.DefaultParams (tests use cheap ones).
	HashParams *auth.Params
}

// Server is the API. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	limiter *auth.Limiter
	metrics metrics
	locks   keyLocks
	setupMu sync.Mutex
	handler http.Handler
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Limiter == nil {
		cfg.Limiter = auth.NewLimiter()
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Log, limiter: cfg.Limiter}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/health", s.health)
	mux.HandleFunc("POST /api/v1/login", s.login)
	mux.HandleFunc("POST /api/v1/setup", s.setup)
	mux.Handle("POST /api/v1/logout", s.authed(s.idempotent(s.logout)))
	mux.Handle("DELETE /api/v1/tokens/{id}", s.admin(s.idempotent(s.revokeToken)))
	mux.Handle("GET /api/v1/users", s.admin(s.listUsers))
	mux.Handle("POST /api/v1/users", s.admin(s.idempotent(s.createUser)))
	mux.Handle("POST /api/v1/users/{id}/disable", s.admin(s.idempotent(s.disableUser(true))))
	mux.Handle("POST /api/v1/users/{id}/enable", s.admin(s.idempotent(s.disableUser(false))))
	mux.Handle("PUT /api/v1/articles/{id}", s.authed(s.putArticle))
	mux.Handle("GET /api/v1/articles/{id}", s.authed(s.getArticle))
	mux.Handle("GET /api/v1/changes", s.authed(s.changes))
	mux.Handle("GET /api/v1/metrics", s.admin(func(w http.ResponseWriter, r *http.Request, _ store.User) { s.metrics.write(w) }))
	if cfg.Photos != nil {
		mux.Handle("/api/v1/photos", cfg.Photos)
		mux.Handle("/api/v1/photos/", cfg.Photos)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, codeNotFound, "No such API endpoint."))
	})
	s.handler = s.observe(mux)
	return s
}

// Handler returns the HTTP handler serving /api/v1/.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve purges expired idempotency records hourly until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.store.PurgeIdempotency(ctx, time.Now().Add(-IdempotencyKeep)); err != nil {
			s.log.Warn("purge idempotency records", "err", err)
		} else if n > 0 {
			s.log.Info("purged idempotency records", "n", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.cfg.Version, "protocol": Protocol})
}

// statusWriter remembers the status for the log and the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs every request and counts it by route and status.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", v)
				if sw.status == 0 {
					writeError(sw, errorf(http.StatusInternalServerError, codeInternal, "The server failed; try again."))
				}
			}
			route := r.Pattern
			if route == "" || route == "/" {
				route = "other"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			s.metrics.request(route, sw.status)
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", sw.status, "bytes", sw.bytes, "ms", time.Since(start).Milliseconds(), "remote", clientIP(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Authentication.

// ErrUnauthorized is what Authenticate returns for a request without a
// valid token: none, unknown, revoked, or its user is disabled.
var ErrUnauthorized = errors.New("no valid token")

// Authenticate returns the user whose bearer token r carries, or
// ErrUnauthorized; any other error is the store's.
func (s *Server) Authenticate(r *http.Request) (store.User, error) {
	u, _, err := s.authenticate(r)
	return u, err
}

func (s *Server) authenticate(r *http.Request) (store.User, store.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return store.User{}, store.Token{}, ErrUnauthorized
	}
	tok, err := s.store.TokenByHash(r.Context(), auth.TokenHash(strings.TrimSpace(secret)))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, tok, ErrUnauthorized
	}
	if err != nil {
		return store.User{}, tok, err
	}
	if tok.Revoked {
		return store.User{}, tok, ErrUnauthorized
	}
	u, err := s.store.UserByID(r.Context(), tok.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return u, tok, ErrUnauthorized
	}
	if err != nil {
		return u, tok, err
	}
	if u.Disabled {
		return store.User{}, tok, ErrUnauthorized
	}
	if now := time.Now(); now.Sub(tok.LastUsed) > time.Minute {
		if err := s.store.TouchToken(r.Context(), tok.ID, now.UTC().Truncate(time.Millisecond)); err != nil {
			s.log.Warn("touch token", "token", tok.ID, "err", err)
		}
	}
	return u, tok, nil
}

type userHandler func(w http.ResponseWriter, r *http.Request, u store.User)

type tokenKey struct{}

func (s *Server) authed(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, tok, err := s.authenticate(r)
		if errors.Is(err, ErrUnauthorized) {
			writeError(w, errorf(http.StatusUnauthorized, codeUnauth, "Log in again: the token is missing, unknown or revoked."))
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)), u)
	})
}

func (s *Server) admin(h userHandler) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request, u store.User) {
		if u.Role != store.RoleAdmin {
			writeError(w, errorf(http.StatusForbidden, codeForbidden, "Only an administrator may do this."))
			return
		}
		h(w, r, u)
	})
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("internal error", "path", r.URL.Path, "err", err)
	writeError(w, errorf(http.StatusInternalServerError, codeInternal, "The server failed; try again."))
}

// readBody reads the request body up to the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > s.cfg.MaxBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "The request is too large.")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "The request is too large.")
	}
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "The request body could not be read.")
	}
	return b, nil
}

// Idempotency.

var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func reqHash(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// keyLocks serialises the requests of one (user, key), so a retry that
// arrives while the first attempt still runs waits for its answer.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu sync.Mutex
	n  int
}

func (l *keyLocks) lock(k string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*keyLock)
	}
	kl := l.m[k]
	if kl == nil {
		kl = &keyLock{}
		l.m[k] = kl
	}
	kl.n++
	l.mu.Unlock()
	kl.mu.Lock()
	return func() {
		kl.mu.Unlock()
		l.mu.Lock()
		if kl.n--; kl.n == 0 {
			delete(l.m, k)
		}
		l.mu.Unlock()
	}
}

// bodyHandler handles a request whose body was already read.
type bodyHandler func(w http.ResponseWriter, r *http.Request, u store.User, body []byte)

// operation is an idempotent write in progress.
type operation struct {
	key     string
	reqHash string
	unlock  func()
}

// begin reads the body and, when the request carries an Idempotency-Key,
// locks the operation and answers a retry from its record. done is true
// when the answer was written.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, u store.User, required bool) (op *operation, body []byte, done bool) {
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return nil, nil, true
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		if required {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "An Idempotency-Key header is required."))
			return nil, nil, true
		}
		return nil, body, false
	}
	if !keyRE.MatchString(key) {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "The Idempotency-Key must be 16 to 64 of A-Z a-z 0-9 _ -."))
		return nil, nil, true
	}
	op = &operation{key: key, reqHash: reqHash(r, body), unlock: s.locks.lock(u.ID + "\x00" + key)}
	if s.replay(w, r, u, op) {
		op.unlock()
		return nil, nil, true
	}
	return op, body, false
}

// replay answers from the operation's record if there is one.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, u store.User, op *operation) bool {
	rec, err := s.store.GetIdempotency(r.Context(), u.ID, op.key)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		s.internal(w, r, err)
		return true
	}
	if rec.ReqHash != op.reqHash {
		writeError(w, errorf(http.StatusUnprocessableEntity, codeKeyReused, "This Idempotency-Key was used for a different request."))
		return true
	}
	s.metrics.replays.Add(1)
	w.Header().Set("Idempotent-Replay", "true")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rec.Status)
	w.Write(rec.Body)
	return true
}

func (op *operation) record(u store.User, status int, body []byte) store.Idempotency {
	return store.Idempotency{
		UserID: u.ID, Key: op.key, ReqHash: op.reqHash, Status: status, Body: body,
		Created: time.Now().UTC().Truncate(time.Millisecond),
	}
}

// captureWriter keeps an answer so it can be stored before it is sent.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

// idempotent wraps a write: its first completed answer (status < 500) is
// stored under the Idempotency-Key and replayed to retries.
func (s *Server) idempotent(h bodyHandler) userHandler {
	return func(w http.ResponseWriter, r *http.Request, u store.User) {
		op, body, done := s.begin(w, r, u, false)
		if done {
			return
		}
		if op == nil {
			h(w, r, u, body)
			return
		}
		defer op.unlock()
		c := &captureWriter{header: http.Header{}}
		h(c, r, u, body)
		if c.status == 0 {
			c.status = http.StatusOK
		}
		if c.status < 500 {
			if err := s.store.PutIdempotency(r.Context(), op.record(u, c.status, c.body.Bytes())); err != nil {
				s.log.Warn("store idempotency record", "key", op.key, "err", err)
			}
		}
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.WriteHeader(c.status)
		w.Write(c.body.Bytes())
	}
}
