package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/server/store"
)

// Wire article states.
const (
	stateWaiting  = "waiting"
	stateReceived = "received"
)

// serverFields are the wire article's fields the server sets; they are not
// kept in the opaque Doc.
var serverFields = []string{"id", "rev", "photos", "owner", "state", "updatedAt", "updatedBy", "newsroom", "seq"}

// names resolves user ids to login names for the wire, caching per request.
type names struct {
	s *Server
	m map[string]string
}

func (n *names) name(ctx context.Context, id string) string {
	if v, ok := n.m[id]; ok {
		return v
	}
	if n.m == nil {
		n.m = make(map[string]string)
	}
	v := id
	if u, err := n.s.store.UserByID(ctx, id); err == nil {
		v = u.Name
	}
	n.m[id] = v
	return v
}

// wire renders a stored article as the desktop app sees it.
func (n *names) wire(ctx context.Context, a store.Article) map[string]any {
	out := map[string]any{}
	var doc map[string]json.RawMessage
	if len(a.Doc) > 0 && json.Unmarshal(a.Doc, &doc) == nil {
		for k, v := range doc {
			out[k] = v
		}
	}
	photos := a.Photos
	if photos == nil {
		photos = []string{}
	}
	state := stateWaiting
	if a.Complete {
		state = stateReceived
	}
	out["id"], out["rev"], out["photos"], out["state"] = a.ID, a.Rev, photos, state
	out["owner"] = n.name(ctx, a.Owner)
	out["updatedBy"] = n.name(ctx, a.UpdatedBy)
	out["updatedAt"] = a.UpdatedAt.UTC().Format(time.RFC3339Nano)
	return out
}

// canRead: reporters their own articles, editors and admins their newsroom's.
func canRead(u store.User, a store.Article) bool {
	if u.Role == store.RoleReporter {
		return a.Owner == u.ID
	}
	return a.Newsroom == u.Newsroom
}

var errForbiddenArticle = errorf(http.StatusForbidden, codeForbidden, "This article belongs to someone else.")

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// putArticle: PUT /api/v1/articles/{id} {baseRev, article}.
func (s *Server) putArticle(w http.ResponseWriter, r *http.Request, u store.User) {
	id := r.PathValue("id")
	if !ids.Valid(id) {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "The article id is not valid."))
		return
	}
	op, body, done := s.begin(w, r, u, true)
	if done {
		return
	}
	defer op.unlock()
	var req struct {
		BaseRev *int64                     `json:"baseRev"`
		Article map[string]json.RawMessage `json:"article"`
	}
	if aerr := decode(body, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.BaseRev == nil || *req.BaseRev < 0 || req.Article == nil {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, `The body must be {"baseRev": N, "article": {…}}.`))
		return
	}
	if raw, ok := req.Article["id"]; ok {
		var aid string
		if json.Unmarshal(raw, &aid) != nil || aid != id {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "The article's id is not the one in the path."))
			return
		}
	}
	var photos []string
	if raw, ok := req.Article["photos"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &photos) != nil {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "photos must be a list of SHA-256 hex strings."))
			return
		}
	}
	for i, p := range photos {
		photos[i] = strings.ToLower(p)
		if !isSHA256(photos[i]) {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "photos must be a list of SHA-256 hex strings."))
			return
		}
	}
	slices.Sort(photos)
	photos = slices.Compact(photos)
	for _, k := range serverFields {
		delete(req.Article, k)
	}
	doc, err := json.Marshal(req.Article)
	if err != nil {
		s.internal(w, r, err)
		return
	}

	ctx := r.Context()
	n := &names{s: s}
	// Who may write, and whose article it stays.
	owner, newsroom := u.ID, u.Newsroom
	old, err := s.store.GetArticle(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if *req.BaseRev != 0 {
			s.finish(w, r, u, op, http.StatusNotFound, errorf(http.StatusNotFound, codeNotFound, "There is no such article on the server; push it with baseRev 0."))
			return
		}
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		if !canRead(u, old) {
			writeError(w, errForbiddenArticle)
			return
		}
		owner, newsroom = old.Owner, old.Newsroom
	}

	// The answer is made before the put so that the put can store it with
	// the article (a crash never separates them).
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := store.Article{ID: id, Owner: owner, Newsroom: newsroom, Doc: doc, Photos: photos, UpdatedAt: now, UpdatedBy: u.ID}
	missing := []string{}
	for _, p := range photos {
		ok, err := s.store.HasBlob(ctx, p)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if !ok {
			missing = append(missing, p)
		}
	}
	want := a
	want.Rev, want.Complete = *req.BaseRev+1, len(missing) == 0
	answer, err := json.Marshal(map[string]any{"article": n.wire(ctx, want), "missingPhotos": missing})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	rec := op.record(u, http.StatusOK, answer)
	stored, err := s.store.PutArticle(ctx, store.Put{Article: a, BaseRev: *req.BaseRev}, &rec)
	switch {
	case err == nil:
		s.metrics.pushed.Add(1)
		s.log.Info("article pushed", "user", u.Name, "article", id, "rev", stored.Rev, "seq", stored.Seq, "missingPhotos", len(missing))
		writeRaw(w, http.StatusOK, answer)
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrExists):
		if s.replay(w, r, u, op) { // the same key raced in from elsewhere
			return
		}
		if stored.ID == "" {
			if stored, err = s.store.GetArticle(ctx, id); err != nil {
				s.internal(w, r, err)
				return
			}
		}
		if !canRead(u, stored) {
			writeError(w, errForbiddenArticle)
			return
		}
		s.metrics.conflicts.Add(1)
		s.log.Info("article push conflict", "user", u.Name, "article", id, "baseRev", *req.BaseRev, "serverRev", stored.Rev)
		s.finish(w, r, u, op, http.StatusConflict, map[string]any{
			"error":   codeConflict,
			"message": "The article changed on the server since your copy; both versions are kept.",
			"server":  n.wire(ctx, stored),
		})
	case errors.Is(err, store.ErrNotFound):
		s.finish(w, r, u, op, http.StatusNotFound, errorf(http.StatusNotFound, codeNotFound, "There is no such article on the server; push it with baseRev 0."))
	default:
		s.internal(w, r, err)
	}
}

// finish stores an answer other than success as the operation's record
// and sends it.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, u store.User, op *operation, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if err := s.store.PutIdempotency(r.Context(), op.record(u, status, b)); err != nil {
		s.log.Warn("store idempotency record", "key", op.key, "err", err)
	}
	writeRaw(w, status, b)
}

// getArticle: GET /api/v1/articles/{id}.
func (s *Server) getArticle(w http.ResponseWriter, r *http.Request, u store.User) {
	id := r.PathValue("id")
	if !ids.Valid(id) {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "The article id is not valid."))
		return
	}
	a, err := s.store.GetArticle(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errorf(http.StatusNotFound, codeNotFound, "There is no such article."))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !canRead(u, a) {
		writeError(w, errForbiddenArticle)
		return
	}
	n := &names{s: s}
	writeJSON(w, http.StatusOK, n.wire(r.Context(), a))
}

// Change-feed cursors are opaque to clients: base64url("c1:<seq>").

func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (int64, bool) {
	if c == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "c1:")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	return seq, err == nil && seq >= 0
}

// MaxChanges is the largest page of the change feed.
const MaxChanges = 1000

// changes: GET /api/v1/changes?since=<cursor>&limit=100.
func (s *Server) changes(w http.ResponseWriter, r *http.Request, u store.User) {
	q := r.URL.Query()
	since, ok := decodeCursor(q.Get("since"))
	if !ok {
		writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "The cursor is not one this server gave."))
		return
	}
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			writeError(w, errorf(http.StatusBadRequest, codeBadRequest, "limit must be a positive number."))
			return
		}
		limit = min(n, MaxChanges)
	}
	newsroom, owner := u.Newsroom, ""
	if u.Role == store.RoleReporter {
		newsroom, owner = "", u.ID
	}
	list, err := s.store.Changes(r.Context(), newsroom, owner, since, limit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	n := &names{s: s}
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		out = append(out, n.wire(r.Context(), a))
		since = a.Seq
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": out, "cursor": encodeCursor(since), "more": more})
}
