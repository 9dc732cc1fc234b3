package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/server/auth"
	"github.com/warta-news/warta/server/store"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// MinPassword is the shortest password accepted for a new user.
const MinPassword = 8

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, codeBadRequest, "The request body is not the JSON expected.")
	}
	return nil
}

func (s *Server) hash(password string) (string, error) {
	if s.cfg.HashParams != nil {
		return auth.HashPasswordWith(*s.cfg.HashParams, password)
	}
	return auth.HashPassword(password)
}

// login: POST /api/v1/login {user, password, device} → {token, user}.
// Not idempotent: a replay would have to store the token's secret.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
		Device   string `json:"device"`
	}
	if aerr := decode(body, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	name := strings.ToLower(strings.TrimSpace(req.User))
	if name == "" || req.Password == "" {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "Give a user name and a password."))
		return
	}
	ip := clientIP(r)
	// One attempt per name at a time, so parallel guesses cannot all pass
	// the limiter before the first failure is counted.
	defer s.locks.lock("\x00login\x00" + name)()
	if wait := s.limiter.Check(name, ip, time.Now()); wait > 0 {
		s.metrics.limited.Add(1)
		writeRetryAfter(w, wait)
		return
	}
	u, err := s.store.UserByName(r.Context(), name)
	ok := false
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.CheckNoUser(req.Password)
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		ok, err = auth.CheckPassword(u.Hash, req.Password)
		if err != nil {
			s.log.Error("stored password hash unreadable", "user", u.Name, "err", err)
		}
	}
	if !ok {
		s.metrics.loginsBad.Add(1)
		s.limiter.Fail(name, ip, time.Now())
		s.log.Info("login failed", "user", name, "remote", ip)
		writeError(w, errorf(http.StatusUnauthorized, codeWrongPass, "The user name or password is wrong."))
		return
	}
	s.limiter.Succeed(name)
	if u.Disabled {
		writeError(w, errorf(http.StatusForbidden, codeForbidden, "This account is disabled."))
		return
	}
	secret, hash := auth.NewToken()
	now := time.Now().UTC().Truncate(time.Millisecond)
	tok := store.Token{ID: ids.New(now), Hash: hash, UserID: u.ID, Device: strings.TrimSpace(req.Device), Created: now, LastUsed: now}
	if err := s.store.CreateToken(r.Context(), tok); err != nil {
		s.internal(w, r, err)
		return
	}
	s.metrics.loginsOK.Add(1)
	s.log.Info("login", "user", u.Name, "token", tok.ID, "device", tok.Device, "remote", ip)
	writeJSON(w, http.StatusOK, map[string]any{"token": secret, "tokenId": tok.ID, "user": u})
}

// setup: POST /api/v1/setup {token, user, password} creates the first
// admin, once, while the store has no users.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if s.cfg.SetupToken == "" {
		writeError(w, errorf(http.StatusNotFound, codeNotFound, "Set-up is not open on this server."))
		return
	}
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req struct {
		Token    string `json:"token"`
		User     string `json:"user"`
		Display  string `json:"display"`
		Password string `json:"password"`
		Newsroom string `json:"newsroom"`
	}
	if aerr := decode(body, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	ip := clientIP(r)
	if wait := s.limiter.Check("\x00setup", ip, time.Now()); wait > 0 {
		writeRetryAfter(w, wait)
		return
	}
	if subtle.ConstantTimeCompare([]byte(req.Token), []byte(s.cfg.SetupToken)) != 1 {
		s.limiter.Fail("\x00setup", ip, time.Now())
		writeError(w, errorf(http.StatusUnauthorized, codeUnauth, "The set-up token is wrong."))
		return
	}
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(users) > 0 {
		writeError(w, errorf(http.StatusForbidden, codeForbidden, "The server is already set up."))
		return
	}
	if req.Newsroom == "" {
		req.Newsroom = "newsroom"
	}
	u, aerr := s.newUser(r.Context(), req.User, req.Display, store.RoleAdmin, req.Newsroom, req.Password)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.log.Warn("first administrator created through set-up", "user", u.Name, "remote", ip)
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

// NewUser validates and stores a user; cmd/warta-server's adduser uses it
// too.
// The error, when not nil, has a message fit for the person at the keyboard.
func NewUser(ctx context.Context, st store.Store, name, display, role, newsroom, password string) (store.User, error) {
	s := &Server{store: st, log: slog.New(slog.DiscardHandler)}
	u, aerr := s.newUser(ctx, name, display, role, newsroom, password)
	if aerr != nil {
		return u, aerr
	}
	return u, nil
}

func (s *Server) newUser(ctx context.Context, name, display, role, newsroom, password string) (store.User, *apiError) {
	name = strings.ToLower(strings.TrimSpace(name))
	if !nameRE.MatchString(name) {
		return store.User{}, errorf(http.StatusBadRequest, codeBadRequest, "A user name is 1 to 64 of a-z 0-9 . _ - (starting with a letter or digit).")
	}
	switch role {
	case store.RoleReporter, store.RoleEditor, store.RoleAdmin:
	default:
		return store.User{}, errorf(http.StatusBadRequest, codeBadRequest, "The role must be reporter, editor or admin.")
	}
	newsroom = strings.TrimSpace(newsroom)
	if newsroom == "" {
		return store.User{}, errorf(http.StatusBadRequest, codeBadRequest, "Give the user's newsroom.")
	}
	if len([]rune(password)) < MinPassword {
		return store.User{}, errorf(http.StatusBadRequest, codeBadRequest, "A password has at least 8 characters.")
	}
	hash, err := s.hash(password)
	if err != nil {
		return store.User{}, errorf(http.StatusInternalServerError, codeInternal, "The password could not be hashed.")
	}
	if display = strings.TrimSpace(display); display == "" {
		display = name
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := store.User{ID: ids.New(now), Name: name, Display: display, Role: role, Newsroom: newsroom, Hash: hash, Created: now}
	if err := s.store.CreateUser(ctx, u); errors.Is(err, store.ErrExists) {
		return u, errorf(http.StatusConflict, codeConflict, "That user name is taken.")
	} else if err != nil {
		s.log.Error("create user", "err", err)
		return u, errorf(http.StatusInternalServerError, codeInternal, "The user could not be stored.")
	}
	return u, nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, u store.User, _ []byte) {
	tok, _ := r.Context().Value(tokenKey{}).(store.Token)
	if err := s.store.RevokeToken(r.Context(), tok.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	s.log.Info("logout", "user", u.Name, "token", tok.ID)
	writeJSON(w, http.StatusOK, map[string]any{"revoked": tok.ID})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u store.User, _ []byte) {
	id := r.PathValue("id")
	err := s.store.RevokeToken(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errorf(http.StatusNotFound, codeNotFound, "No such token."))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.log.Info("token revoked", "by", u.Name, "token", id)
	writeJSON(w, http.StatusOK, map[string]any{"revoked": id})
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ store.User) {
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if users == nil {
		users = []store.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, admin store.User, body []byte) {
	var req struct {
		Name     string `json:"name"`
		Display  string `json:"display"`
		Role     string `json:"role"`
		Newsroom string `json:"newsroom"`
		Password string `json:"password"`
	}
	if aerr := decode(body, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.Newsroom == "" {
		req.Newsroom = admin.Newsroom
	}
	u, aerr := s.newUser(r.Context(), req.Name, req.Display, req.Role, req.Newsroom, req.Password)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.log.Info("user created", "by", admin.Name, "user", u.Name, "role", u.Role)
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

func (s *Server) disableUser(disabled bool) bodyHandler {
	return func(w http.ResponseWriter, r *http.Request, admin store.User, _ []byte) {
		u, err := s.store.UserByID(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, errorf(http.StatusNotFound, codeNotFound, "No such user."))
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if u.ID == admin.ID && disabled {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "You cannot disable yourself."))
			return
		}
		u.Disabled = disabled
		if err := s.store.UpdateUser(r.Context(), u); err != nil {
			s.internal(w, r, err)
			return
		}
		s.log.Info("user updated", "by", admin.Name, "user", u.Name, "disabled", disabled)
		writeJSON(w, http.StatusOK, map[string]any{"user": u})
	}
}
