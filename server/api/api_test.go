package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/server/api"
	"github.com/warta-news/warta/server/auth"
	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/badgerstore"
	"github.com/warta-news/warta/server/store/storetest"
)

var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

type env struct {
	t     *testing.T
	url   string
	store store.Store
	srv   *api.Server
}

func newEnv(t *testing.T, mod func(*api.Config)) *env {
	t.Helper()
	st, err := badgerstore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{
		Store: st, Version: "test", HashParams: &cheap,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	srv := api.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return &env{t: t, url: hs.URL, store: st, srv: srv}
}

// user creates a user with password "password-<name>".
func (e *env) user(name, role, newsroom string) store.User {
	e.t.Helper()
	h, err := auth.HashPasswordWith(cheap, "password-"+name)
	if err != nil {
		e.t.Fatal(err)
	}
	u := store.User{ID: ids.New(time.Now()), Name: name, Display: name, Role: role, Newsroom: newsroom, Hash: h, Created: time.Now()}
	if err := e.store.CreateUser(e.t.Context(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", r.status, r.body, err)
	}
	return m
}

func (r resp) code(t *testing.T) string {
	t.Helper()
	c, _ := r.json(t)["error"].(string)
	return c
}

func (e *env) do(method, path, token, key string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) login(name string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/login", "", "", map[string]string{"user": name, "password": "password-" + name, "device": "test"})
	if r.status != 200 {
		e.t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
	return r.json(e.t)["token"].(string)
}

func key() string { return "op-" + ids.New(time.Now()) }

func pushBody(baseRev int64, headline string, photos ...string) map[string]any {
	if photos == nil {
		photos = []string{}
	}
	return map[string]any{"baseRev": baseRev, "article": map[string]any{
		"headline": headline, "body": map[string]any{"type": "doc"}, "photos": photos,
	}}
}

func (e *env) push(token, id string, baseRev int64, headline string) resp {
	e.t.Helper()
	return e.do("PUT", "/api/v1/articles/"+id, token, key(), pushBody(baseRev, headline))
}

func wantStatus(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.code(t); got != code {
			t.Fatalf("error %q, want %q: %s", got, code, r.body)
		}
		if m := r.json(t)["message"]; m == "" || m == nil {
			t.Errorf("error without a message: %s", r.body)
		}
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("GET", "/api/v1/health", "", "", nil)
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if m["status"] != "ok" || m["protocol"] != float64(1) || m["version"] != "test" {
		t.Errorf("health = %v", m)
	}
	wantStatus(t, e.do("GET", "/api/v1/nothing", "", "", nil), 404, "not_found")
}

func TestLogin(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	r := e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "Rina", "password": "password-rina", "device": "Laptop"})
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if tok, _ := m["token"].(string); len(tok) != 43 {
		t.Errorf("token %q", m["token"])
	}
	if u := m["user"].(map[string]any); u["name"] != "rina" || u["hash"] != nil || u["Hash"] != nil {
		t.Errorf("user = %v", u)
	}
	if strings.Contains(string(r.body), "argon2") {
		t.Error("login answer contains the password hash")
	}
	wantStatus(t, e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": "nope"}), 401, "wrong_password")
	wantStatus(t, e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "nobody", "password": "nope"}), 401, "wrong_password")
	wantStatus(t, e.do("POST", "/api/v1/login", "", "", []byte("{")), 400, "bad_request")
	// Unauthenticated calls.
	wantStatus(t, e.do("GET", "/api/v1/changes", "", "", nil), 401, "unauthorized")
	wantStatus(t, e.do("GET", "/api/v1/changes", "made-up", "", nil), 401, "unauthorized")
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	for i := range 5 {
		r := e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": fmt.Sprint("guess", i)})
		wantStatus(t, r, 401, "wrong_password")
	}
	r := e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": "password-rina"})
	wantStatus(t, r, 429, "rate_limited")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// After the lock-out the right password works.
	time.Sleep(1100 * time.Millisecond)
	wantStatus(t, e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": "password-rina"}), 200, "")
}

func TestRevokedToken(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	e.user("admin", store.RoleAdmin, "humas")
	tok := e.login("rina")
	wantStatus(t, e.do("GET", "/api/v1/changes", tok, "", nil), 200, "")
	wantStatus(t, e.do("POST", "/api/v1/logout", tok, key(), nil), 200, "")
	wantStatus(t, e.do("GET", "/api/v1/changes", tok, "", nil), 401, "unauthorized")

	// An admin revokes another's token.
	r := e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": "password-rina"})
	tok2, tokID := r.json(t)["token"].(string), r.json(t)["tokenId"].(string)
	admin := e.login("admin")
	wantStatus(t, e.do("DELETE", "/api/v1/tokens/"+tokID, tok2, key(), nil), 403, "forbidden")
	wantStatus(t, e.do("DELETE", "/api/v1/tokens/"+tokID, admin, key(), nil), 200, "")
	wantStatus(t, e.do("GET", "/api/v1/changes", tok2, "", nil), 401, "unauthorized")
	wantStatus(t, e.do("DELETE", "/api/v1/tokens/"+ids.New(time.Now()), admin, key(), nil), 404, "not_found")
}

func TestRoles(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	e.user("budi", store.RoleReporter, "humas")
	e.user("eka", store.RoleEditor, "humas")
	e.user("lain", store.RoleEditor, "pers")
	rina, budi, eka, lain := e.login("rina"), e.login("budi"), e.login("eka"), e.login("lain")
	id := ids.New(time.Now())
	wantStatus(t, e.push(rina, id, 0, "Draf Rina"), 200, "")

	wantStatus(t, e.do("GET", "/api/v1/articles/"+id, budi, "", nil), 403, "forbidden")
	wantStatus(t, e.push(budi, id, 1, "Budi's take"), 403, "forbidden")
	wantStatus(t, e.do("GET", "/api/v1/articles/"+id, lain, "", nil), 403, "forbidden")
	r := e.do("GET", "/api/v1/articles/"+id, eka, "", nil)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["headline"] != "Draf Rina" || m["owner"] != "rina" || m["rev"] != float64(1) {
		t.Errorf("editor reads %v", m)
	}
	// The editor edits; the article stays Rina's.
	r = e.push(eka, id, 1, "Edited")
	wantStatus(t, r, 200, "")
	if a := r.json(t)["article"].(map[string]any); a["owner"] != "rina" || a["updatedBy"] != "eka" || a["rev"] != float64(2) {
		t.Errorf("after the editor's push: %v", a)
	}
	// Feeds: Budi sees nothing, Rina and Eka see it, Lain does not.
	for _, tc := range []struct {
		tok  string
		want int
	}{{rina, 1}, {budi, 0}, {eka, 1}, {lain, 0}} {
		r := e.do("GET", "/api/v1/changes", tc.tok, "", nil)
		wantStatus(t, r, 200, "")
		if n := len(r.json(t)["changes"].([]any)); n != tc.want {
			t.Errorf("feed has %d, want %d", n, tc.want)
		}
	}
	wantStatus(t, e.do("GET", "/api/v1/articles/"+ids.New(time.Now()), eka, "", nil), 404, "not_found")
	wantStatus(t, e.do("GET", "/api/v1/articles/not-an-id", eka, "", nil), 400, "bad_request")
	wantStatus(t, e.do("GET", "/api/v1/users", eka, "", nil), 403, "forbidden")
	wantStatus(t, e.do("GET", "/api/v1/metrics", rina, "", nil), 403, "forbidden")
}

func TestPush(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	id := ids.New(time.Now())
	r := e.push(tok, id, 0, "v1")
	wantStatus(t, r, 200, "")
	a := r.json(t)["article"].(map[string]any)
	if a["id"] != id || a["rev"] != float64(1) || a["state"] != "received" || a["owner"] != "rina" || a["headline"] != "v1" {
		t.Errorf("created %v", a)
	}
	if _, err := time.Parse(time.RFC3339, a["updatedAt"].(string)); err != nil {
		t.Errorf("updatedAt: %v", err)
	}
	wantStatus(t, e.push(tok, id, 1, "v2"), 200, "")
	// Stale: based on rev 1 while the server has 2.
	r = e.push(tok, id, 1, "stale")
	wantStatus(t, r, 409, "conflict")
	srv := r.json(t)["server"].(map[string]any)
	if srv["rev"] != float64(2) || srv["headline"] != "v2" {
		t.Errorf("409 carries %v, want the server's rev 2", srv)
	}
	// Creating an id that exists is a conflict too.
	wantStatus(t, e.push(tok, id, 0, "again"), 409, "conflict")
	// Updating a missing article.
	wantStatus(t, e.push(tok, ids.New(time.Now()), 4, "x"), 404, "not_found")
	// Bad requests.
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, "", pushBody(2, "no key")), 400, "bad_request")
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, "short", pushBody(2, "bad key")), 400, "bad_request")
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, key(), map[string]any{"article": map[string]any{}}), 400, "bad_request")
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, key(), pushBody(2, "x", "not-a-sha")), 400, "bad_request")
	other := pushBody(2, "x")
	other["article"].(map[string]any)["id"] = ids.New(time.Now())
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, key(), other), 400, "bad_request")
}

func TestPushPhotos(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	pa, pb := storetest.Sha("a"), storetest.Sha("b")
	if err := e.store.AddBlob(t.Context(), pa, 1); err != nil {
		t.Fatal(err)
	}
	id := ids.New(time.Now())
	r := e.do("PUT", "/api/v1/articles/"+id, tok, key(), pushBody(0, "with photos", pb, pa))
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if a := m["article"].(map[string]any); a["state"] != "waiting" {
		t.Errorf("state %v, want waiting", a["state"])
	}
	if mp := m["missingPhotos"].([]any); len(mp) != 1 || mp[0] != pb {
		t.Errorf("missingPhotos = %v", mp)
	}
	if err := e.store.AddBlob(t.Context(), pb, 1); err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", "/api/v1/articles/"+id, tok, "", nil)
	if a := r.json(t); a["state"] != "received" {
		t.Errorf("after the photo arrived: state %v", a["state"])
	}
}

func TestIdempotentRetry(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	id := ids.New(time.Now())
	k := key()
	first := e.do("PUT", "/api/v1/articles/"+id, tok, k, pushBody(0, "once"))
	wantStatus(t, first, 200, "")
	if first.header.Get("Idempotent-Replay") != "" {
		t.Error("first answer marked as a replay")
	}
	// The answer was "lost"; the client sends the same operation again.
	second := e.do("PUT", "/api/v1/articles/"+id, tok, k, pushBody(0, "once"))
	wantStatus(t, second, 200, "")
	if second.header.Get("Idempotent-Replay") != "true" {
		t.Error("retry not marked Idempotent-Replay: true")
	}
	if !bytes.Equal(first.body, second.body) {
		t.Errorf("replay differs:\n%s\n%s", first.body, second.body)
	}
	a, err := e.store.GetArticle(t.Context(), id)
	if err != nil || a.Rev != 1 {
		t.Errorf("stored rev %d, %v; want exactly one revision", a.Rev, err)
	}
	ch, _ := e.store.Changes(t.Context(), "", "", 0, 100)
	if len(ch) != 1 {
		t.Errorf("feed has %d entries", len(ch))
	}
	// Same key, different body.
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+id, tok, k, pushBody(0, "something else")), 422, "idempotency_key_reused")
	// Same key on another path is a different request too.
	wantStatus(t, e.do("PUT", "/api/v1/articles/"+ids.New(time.Now()), tok, k, pushBody(0, "once")), 422, "idempotency_key_reused")

	// A conflict answer is replayed as well.
	k2 := key()
	c1 := e.do("PUT", "/api/v1/articles/"+id, tok, k2, pushBody(0, "stale"))
	wantStatus(t, c1, 409, "conflict")
	c2 := e.do("PUT", "/api/v1/articles/"+id, tok, k2, pushBody(0, "stale"))
	if c2.status != 409 || !bytes.Equal(c1.body, c2.body) || c2.header.Get("Idempotent-Replay") != "true" {
		t.Errorf("conflict replay: %d %s", c2.status, c2.header)
	}
	// Concurrent retries of one operation: one revision.
	id3, k3 := ids.New(time.Now()), key()
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Go(func() { bodies[i] = e.do("PUT", "/api/v1/articles/"+id3, tok, k3, pushBody(0, "racing")).body })
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Errorf("concurrent retries answered differently:\n%s\n%s", bodies[0], b)
		}
	}
	if a, _ := e.store.GetArticle(t.Context(), id3); a.Rev != 1 {
		t.Errorf("concurrent retries made rev %d", a.Rev)
	}
}

func TestChangesFeed(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	e.user("eka", store.RoleEditor, "humas")
	rina, eka := e.login("rina"), e.login("eka")
	var want []string
	for i := range 7 {
		id := ids.New(time.Now())
		wantStatus(t, e.push(rina, id, 0, fmt.Sprint("a", i)), 200, "")
		want = append(want, id)
	}
	var got []string
	cursor := ""
	var pages []int
	for range 10 {
		r := e.do("GET", "/api/v1/changes?limit=3&since="+cursor, eka, "", nil)
		wantStatus(t, r, 200, "")
		m := r.json(t)
		ch := m["changes"].([]any)
		pages = append(pages, len(ch))
		for _, c := range ch {
			got = append(got, c.(map[string]any)["id"].(string))
		}
		cursor = m["cursor"].(string)
		if !m["more"].(bool) {
			break
		}
	}
	if fmt.Sprint(pages) != "[3 3 1]" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, ids %v; want [3 3 1] %v", pages, got, want)
	}
	// Nothing new: the same cursor comes back.
	r := e.do("GET", "/api/v1/changes?since="+cursor, eka, "", nil)
	if m := r.json(t); len(m["changes"].([]any)) != 0 || m["cursor"] != cursor || m["more"] != false {
		t.Errorf("empty page: %v", m)
	}
	// A change moves the article after the cursor.
	wantStatus(t, e.push(eka, want[2], 1, "edited"), 200, "")
	r = e.do("GET", "/api/v1/changes?since="+cursor, rina, "", nil)
	if ch := r.json(t)["changes"].([]any); len(ch) != 1 || ch[0].(map[string]any)["headline"] != "edited" {
		t.Errorf("after an edit: %s", r.body)
	}
	wantStatus(t, e.do("GET", "/api/v1/changes?since=garbage!", eka, "", nil), 400, "bad_request")
	wantStatus(t, e.do("GET", "/api/v1/changes?limit=0", eka, "", nil), 400, "bad_request")
}

func TestTooLarge(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxBody = 1024 })
	e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	r := e.do("PUT", "/api/v1/articles/"+ids.New(time.Now()), tok, key(), pushBody(0, strings.Repeat("x", 2000)))
	wantStatus(t, r, 413, "too_large")
	r = e.do("POST", "/api/v1/login", "", "", []byte(`{"user":"rina","password":"`+strings.Repeat("x", 2000)+`"}`))
	wantStatus(t, r, 413, "too_large")
}

func TestConcurrentPushes(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	id := ids.New(time.Now())
	wantStatus(t, e.push(tok, id, 0, "v1"), 200, "")
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = e.push(tok, id, 1, fmt.Sprint("writer ", i)).status })
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Errorf("statuses %v; want one 200 and %d 409", count, n-1)
	}
	r := e.do("GET", "/api/v1/metrics", "", "", nil)
	wantStatus(t, r, 401, "unauthorized")
}

func TestUsersAndMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.user("admin", store.RoleAdmin, "humas")
	admin := e.login("admin")
	r := e.do("POST", "/api/v1/users", admin, key(), map[string]string{"name": "Sari", "role": "reporter", "password": "kopi-tubruk"})
	wantStatus(t, r, 201, "")
	u := r.json(t)["user"].(map[string]any)
	if u["name"] != "sari" || u["newsroom"] != "humas" || u["role"] != "reporter" {
		t.Errorf("created %v", u)
	}
	wantStatus(t, e.do("POST", "/api/v1/users", admin, key(), map[string]string{"name": "sari", "role": "reporter", "password": "kopi-tubruk"}), 409, "conflict")
	wantStatus(t, e.do("POST", "/api/v1/users", admin, key(), map[string]string{"name": "x y", "role": "reporter", "password": "kopi-tubruk"}), 400, "bad_request")
	wantStatus(t, e.do("POST", "/api/v1/users", admin, key(), map[string]string{"name": "ok", "role": "boss", "password": "kopi-tubruk"}), 400, "bad_request")
	wantStatus(t, e.do("POST", "/api/v1/users", admin, key(), map[string]string{"name": "ok", "role": "editor", "password": "short"}), 400, "bad_request")
	r = e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "sari", "password": "kopi-tubruk"})
	wantStatus(t, r, 200, "")
	sari := r.json(t)["token"].(string)

	r = e.do("GET", "/api/v1/users", admin, "", nil)
	wantStatus(t, r, 200, "")
	if us := r.json(t)["users"].([]any); len(us) != 2 {
		t.Errorf("users: %s", r.body)
	}
	wantStatus(t, e.do("POST", "/api/v1/users/"+u["id"].(string)+"/disable", admin, key(), nil), 200, "")
	wantStatus(t, e.do("GET", "/api/v1/changes", sari, "", nil), 401, "unauthorized")
	wantStatus(t, e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "sari", "password": "kopi-tubruk"}), 403, "forbidden")
	wantStatus(t, e.do("POST", "/api/v1/users/"+u["id"].(string)+"/enable", admin, key(), nil), 200, "")
	wantStatus(t, e.do("GET", "/api/v1/changes", sari, "", nil), 200, "")

	// Counters.
	e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "sari", "password": "wrong"})
	id, k := ids.New(time.Now()), key()
	e.do("PUT", "/api/v1/articles/"+id, sari, k, pushBody(0, "x"))
	e.do("PUT", "/api/v1/articles/"+id, sari, k, pushBody(0, "x"))
	e.push(sari, id, 0, "conflict")
	r = e.do("GET", "/api/v1/metrics", admin, "", nil)
	wantStatus(t, r, 200, "")
	for _, line := range []string{
		`warta_http_requests_total{route="PUT /api/v1/articles/{id}",code="200"} 2`,
		`warta_http_requests_total{route="PUT /api/v1/articles/{id}",code="409"} 1`,
		"warta_articles_pushed_total 1",
		"warta_article_conflicts_total 1",
		"warta_idempotent_replays_total 1",
		"warta_logins_failed_total 1",
		"# TYPE warta_logins_failed_total counter",
	} {
		if !strings.Contains(string(r.body), line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, r.body)
		}
	}
}

func TestSetup(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.SetupToken = "one-time-setup-token" })
	wantStatus(t, e.do("POST", "/api/v1/setup", "", "", map[string]string{"token": "wrong", "user": "admin", "password": "password-admin"}), 401, "unauthorized")
	r := e.do("POST", "/api/v1/setup", "", "", map[string]string{"token": "one-time-setup-token", "user": "admin", "password": "password-admin"})
	wantStatus(t, r, 201, "")
	if u := r.json(t)["user"].(map[string]any); u["role"] != "admin" {
		t.Errorf("set-up made %v", u)
	}
	wantStatus(t, e.do("POST", "/api/v1/setup", "", "", map[string]string{"token": "one-time-setup-token", "user": "second", "password": "password-admin"}), 403, "forbidden")
	e.login("admin")

	closed := newEnv(t, nil)
	wantStatus(t, closed.do("POST", "/api/v1/setup", "", "", map[string]string{"token": "", "user": "admin", "password": "password-admin"}), 404, "not_found")
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t, nil)
	want := e.user("rina", store.RoleReporter, "humas")
	tok := e.login("rina")
	req := httptest.NewRequest("GET", "/api/v1/photos/sha256/x", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	u, err := e.srv.Authenticate(req)
	if err != nil || u.ID != want.ID {
		t.Fatalf("Authenticate = %v, %v", u, err)
	}
	req.Header.Set("Authorization", "Bearer nope")
	if _, err := e.srv.Authenticate(req); err != api.ErrUnauthorized {
		t.Errorf("bad token: %v", err)
	}
}

func TestLoginRateLimitParallel(t *testing.T) {
	e := newEnv(t, nil)
	e.user("rina", store.RoleReporter, "humas")
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = e.do("POST", "/api/v1/login", "", "", map[string]string{"user": "rina", "password": fmt.Sprint("guess", i)}).status
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[401] > 5 || count[429] < n-5 {
		t.Errorf("parallel guesses: %v; want at most 5 checked", count)
	}
}
