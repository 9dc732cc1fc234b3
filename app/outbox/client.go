package outbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Protocol is the sync protocol version this client speaks.
const Protocol = 1

// DefaultChunkSize is the size of one PATCH of a photo upload: most
// photos go in one PATCH, and a cut connection costs at most 4 MiB again.
const DefaultChunkSize = 4 << 20

// statusChecksumMismatch is the server's answer to a finished upload whose
// bytes do not hash to its sha256.
const statusChecksumMismatch = 460

// Sentinel errors; an *Error wraps the one that fits, so errors.Is works.
var (
	ErrProtocol = errors.New("the server speaks another protocol version: update Warta")
	ErrChecksum = errors.New("the photo's bytes did not arrive intact")
	ErrConflict = errors.New("the article changed on the server")
)

// Error is a failed call: the server's answer ({error, message}) or a
// network failure (Status 0).
type Error struct {
	Op         string        // "login", "push article", "upload photo", …
	Status     int           // HTTP status; 0 for a network failure
	Code       string        // the server's error code ("wrong_password", …)
	Message    string        // the server's English sentence
	RetryAfter time.Duration // from Retry-After (429)
	Err        error         // the network error, or a sentinel
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0 && e.Err != nil:
		return fmt.Sprintf("%s: cannot reach the server: %v", e.Op, e.Err)
	case e.Message != "":
		return fmt.Sprintf("%s: %s (%d %s)", e.Op, e.Message, e.Status, e.Code)
	default:
		return fmt.Sprintf("%s: the server answered %d %s", e.Op, e.Status, http.StatusText(e.Status))
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying err's call again may succeed: network
// failures, 408, 409 (offset moved), 423, 429 and 5xx. Every other 4xx,
// 460 and a protocol mismatch are final.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var e *Error
	if !errors.As(err, &e) {
		return true // an unexpected local failure (disk): worth another try
	}
	if errors.Is(e.Err, ErrProtocol) || errors.Is(e.Err, ErrChecksum) {
		return false
	}
	switch s := e.Status; {
	case s == 0:
		return true
	case s == 408, s == 409, s == 423, s == 429:
		return true
	case s >= 500 && s != statusChecksumMismatch:
		return true
	}
	return false
}

// ServerArticle is an article as the server answers it. Doc is the whole
// wire object (the articles.Article fields and the server's own).
type ServerArticle struct {
	ID        string          `json:"id"`
	Rev       int64           `json:"rev"`
	State     string          `json:"state"` // "waiting" or "received"
	Photos    []string        `json:"photos"`
	Owner     string          `json:"owner"`
	UpdatedBy string          `json:"updatedBy"`
	UpdatedAt time.Time       `json:"updatedAt"`
	Doc       json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the whole object in Doc.
func (a *ServerArticle) UnmarshalJSON(b []byte) error {
	type plain ServerArticle
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = ServerArticle(p)
	a.Doc = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes Doc (it holds every field).
func (a ServerArticle) MarshalJSON() ([]byte, error) {
	if len(a.Doc) == 0 {
		return []byte("null"), nil
	}
	return a.Doc, nil
}

// Client speaks protocol v1 to one server. Its methods are safe for
// concurrent use once Token is set.
type Client struct {
	BaseURL   string // "https://warta.example.org"
	Token     string // bearer token from Login
	HTTP      *http.Client
	ChunkSize int64 // bytes per PATCH; 0 means DefaultChunkSize
	// CreationWithUpload sends a new upload's first chunk in the POST
	// that creates it (tus's creation-with-upload) instead of in a PATCH
	// of its own: a round trip less per photo, and a photo of one chunk
	// is sent in one request. NewClient sets it.
	CreationWithUpload bool

	sent atomic.Int64 // photo bytes sent in PATCH and POST bodies
}

// NewClient returns a client for the server at baseURL. Its connections
// are kept alive between requests, enough of them for the outbox's
// parallel uploads.
func NewClient(baseURL, token string) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 2 * time.Minute, Transport: tr}, CreationWithUpload: true}
}

// BytesSent is how many photo bytes PATCH and POST requests carried
// (re-sent bytes included).
func (c *Client) BytesSent() int64 { return c.sent.Load() }

func (c *Client) url(path string) string { return strings.TrimRight(c.BaseURL, "/") + "/api/v1" + path }

func (c *Client) httpc() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// do sends a request and returns the answer with its body read. A status
// ≥ 400 becomes an *Error.
func (c *Client) do(ctx context.Context, op string, req *http.Request) (*http.Response, []byte, error) {
	req = req.WithContext(ctx)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.httpc().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &Error{Op: op, Err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &Error{Op: op, Err: err}
	}
	if res.StatusCode >= 400 {
		return res, body, answerError(op, res, body)
	}
	return res, body, nil
}

func answerError(op string, res *http.Response, body []byte) *Error {
	e := &Error{Op: op, Status: res.StatusCode}
	var m struct{ Error, Message string }
	if json.Unmarshal(body, &m) == nil {
		e.Code, e.Message = m.Error, m.Message
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	switch res.StatusCode {
	case statusChecksumMismatch:
		e.Err = ErrChecksum
	case http.StatusConflict:
		e.Err = ErrConflict
	}
	return e
}

func (c *Client) jsonReq(method, path string, v any) (*http.Request, error) {
	var rd io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url(path), rd)
	if err != nil {
		return nil, err
	}
	if v != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Health checks that the server is up and speaks protocol 1.
func (c *Client) Health(ctx context.Context) (version string, err error) {
	req, err := c.jsonReq("GET", "/health", nil)
	if err != nil {
		return "", err
	}
	_, body, err := c.do(ctx, "health check", req)
	if err != nil {
		return "", err
	}
	var h struct {
		Status, Version string
		Protocol        int
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return "", &Error{Op: "health check", Status: 200, Message: "the answer is not a Warta server's", Err: err}
	}
	if h.Protocol != Protocol {
		return h.Version, &Error{Op: "health check", Status: 200, Code: "unsupported_version",
			Message: fmt.Sprintf("the server speaks protocol %d, this Warta speaks %d: update Warta", h.Protocol, Protocol), Err: ErrProtocol}
	}
	return h.Version, nil
}

// Login exchanges a user name and password for a token and sets c.Token.
func (c *Client) Login(ctx context.Context, user, password, device string) (string, error) {
	req, err := c.jsonReq("POST", "/login", map[string]string{"user": user, "password": password, "device": device})
	if err != nil {
		return "", err
	}
	_, body, err := c.do(ctx, "sign in", req)
	if err != nil {
		return "", err
	}
	var m struct{ Token string }
	if err := json.Unmarshal(body, &m); err != nil || m.Token == "" {
		return "", &Error{Op: "sign in", Status: 200, Message: "the answer holds no token"}
	}
	c.Token = m.Token
	return m.Token, nil
}

// PushArticle sends article (the articles.Article JSON) as a new revision
// based on baseRev (0: new on the server), naming photos (SHA-256 hex) and
// carrying opID as Idempotency-Key. On 409 it returns the server's copy as
// conflict and an error wrapping ErrConflict.
func (c *Client) PushArticle(ctx context.Context, id string, baseRev int64, article json.RawMessage, photos []string, opID string) (got ServerArticle, missing []string, conflict *ServerArticle, err error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(article, &doc); err != nil {
		return got, nil, nil, fmt.Errorf("push article %s: %w", id, err)
	}
	if photos == nil {
		photos = []string{}
	}
	p, _ := json.Marshal(photos)
	doc["photos"] = p
	req, err := c.jsonReq("PUT", "/articles/"+url.PathEscape(id), map[string]any{"baseRev": baseRev, "article": doc})
	if err != nil {
		return got, nil, nil, err
	}
	req.Header.Set("Idempotency-Key", opID)
	_, body, err := c.do(ctx, "push article", req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusConflict {
			var m struct {
				Server *ServerArticle `json:"server"`
			}
			if json.Unmarshal(body, &m) == nil && m.Server != nil {
				return got, nil, m.Server, err
			}
		}
		return got, nil, nil, err
	}
	var ans struct {
		Article       ServerArticle `json:"article"`
		MissingPhotos []string      `json:"missingPhotos"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return got, nil, nil, &Error{Op: "push article", Status: 200, Message: "the answer is not an article", Err: err}
	}
	return ans.Article, ans.MissingPhotos, nil, nil
}

// GetArticle fetches the server's copy of an article.
func (c *Client) GetArticle(ctx context.Context, id string) (ServerArticle, error) {
	var a ServerArticle
	err := c.getJSON(ctx, "read article", "/articles/"+url.PathEscape(id), &a)
	return a, err
}

// getJSON GETs path and decodes the answer into v.
func (c *Client) getJSON(ctx context.Context, op, path string, v any) error {
	req, err := c.jsonReq("GET", path, nil)
	if err != nil {
		return err
	}
	_, body, err := c.do(ctx, op, req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Op: op, Status: 200, Message: "the answer is not what the protocol says", Err: err}
	}
	return nil
}

// Changes is one page of the change feed.
type Changes struct {
	Changes []ServerArticle `json:"changes"`
	Cursor  string          `json:"cursor"`
	More    bool            `json:"more"`
}

// Changes returns the articles changed after cursor ("" from the start).
func (c *Client) Changes(ctx context.Context, cursor string) (Changes, error) {
	var ch Changes
	err := c.getJSON(ctx, "read changes", "/changes?limit=100&since="+url.QueryEscape(cursor), &ch)
	return ch, err
}

// Upload is one photo upload's state. Location and Offset change as it
// goes; keep them (the outbox does) to resume after a restart.
type Upload struct {
	SHA256   string // of Data, lower-case hex
	Filename string
	Article  string
	Data     []byte
	Location string // the tus upload's URL; "" before creation
	Offset   int64  // bytes the server has, as last heard
}

// UploadPhoto uploads u.Data with tus, resuming at u.Location when set.
// saved is called (if not nil) whenever Location or Offset changed, so the
// caller can persist them. It returns nil once the server said the photo
// is complete.
func (c *Client) UploadPhoto(ctx context.Context, u *Upload, saved func(*Upload)) error {
	note := func() {
		if saved != nil {
			saved(u)
		}
	}
	size := int64(len(u.Data))
	// Just created: the server's answer said where it is, no HEAD needed.
	fresh := false
	if u.Location == "" {
		// POST answers "complete" at once when the server has the photo
		// already, so no HEAD sha256/… is needed before it.
		done, err := c.create(ctx, u)
		if err != nil {
			return err
		}
		note()
		if done {
			return nil
		}
		fresh = true
	}
	recreated := false
	for {
		// Where is the server?
		var complete bool
		var err error
		if fresh {
			fresh = false
		} else {
			complete, err = c.head(ctx, u)
		}
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound && !recreated {
			recreated = true
			u.Location, u.Offset = "", 0
			done, err := c.create(ctx, u)
			if err != nil {
				return err
			}
			note()
			if done {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
		note()
		if complete {
			return nil
		}
		// Send the rest.
		for u.Offset < size {
			complete, err = c.patch(ctx, u)
			if errors.As(err, &e) && e.Status == http.StatusConflict {
				break // the offset moved: ask again
			}
			if err != nil {
				return err
			}
			note()
			if complete {
				return nil
			}
		}
		if errors.As(err, &e) && e.Status == http.StatusConflict {
			continue
		}
		// Every byte sent but no "complete": HEAD finishes it.
	}
}

// HasPhoto asks whether the server already has the photo with that hash.
func (c *Client) HasPhoto(ctx context.Context, sha string) (bool, error) {
	req, err := http.NewRequest("HEAD", c.url("/photos/sha256/"+sha), nil)
	if err != nil {
		return false, err
	}
	res, _, err := c.do(ctx, "check photo", req)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return res.Header.Get("Photo-Complete") == "true", nil
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func (c *Client) chunkSize() int64 {
	if c.ChunkSize <= 0 {
		return DefaultChunkSize
	}
	return c.ChunkSize
}

// create POSTs a new upload, with its first chunk when CreationWithUpload
// is set; done means the server has the photo: it had
// it already, or the chunk was all of it. A POST retried after a lost answer
// or a cut connection sends the chunk again; the server finds the upload
// and answers with its offset, dropping the chunk.
func (c *Client) create(ctx context.Context, u *Upload) (done bool, err error) {
	var body io.Reader
	var part []byte
	if c.CreationWithUpload && len(u.Data) > 0 {
		part = u.Data[:min(c.chunkSize(), int64(len(u.Data)))]
		body = &countingReader{r: bytes.NewReader(part), n: &c.sent}
	}
	req, err := http.NewRequest("POST", c.url("/photos"), body)
	if err != nil {
		return false, err
	}
	if body != nil {
		req.ContentLength = int64(len(part))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
	}
	meta := "sha256 " + b64(u.SHA256)
	if u.Filename != "" {
		meta += ",filename " + b64(u.Filename)
	}
	if u.Article != "" {
		meta += ",article " + b64(u.Article)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(len(u.Data)))
	req.Header.Set("Upload-Metadata", meta)
	res, _, err := c.do(ctx, "upload photo", req)
	if err != nil {
		return false, err
	}
	if res.Header.Get("Photo-Complete") == "true" {
		u.Offset = int64(len(u.Data))
		return true, nil
	}
	loc := res.Header.Get("Location")
	if loc == "" {
		return false, &Error{Op: "upload photo", Status: res.StatusCode, Message: "the server made an upload without a Location"}
	}
	base, err := url.Parse(c.BaseURL + "/")
	if err != nil {
		return false, err
	}
	l, err := base.Parse(loc)
	if err != nil {
		return false, &Error{Op: "upload photo", Status: res.StatusCode, Message: "bad Location " + loc}
	}
	u.Location, u.Offset = l.String(), 0
	if o, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64); err == nil && o >= 0 && o <= int64(len(u.Data)) {
		u.Offset = o
	}
	if res.Header.Get("Photo-Complete") == "true" { // the chunk was all of it
		u.Offset = int64(len(u.Data))
		return true, nil
	}
	return false, nil
}

func (c *Client) head(ctx context.Context, u *Upload) (complete bool, err error) {
	req, err := http.NewRequest("HEAD", u.Location, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	res, _, err := c.do(ctx, "upload photo", req)
	if err != nil {
		return false, err
	}
	o, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || o < 0 || o > int64(len(u.Data)) {
		return false, &Error{Op: "upload photo", Status: res.StatusCode, Message: "the server gave no usable Upload-Offset"}
	}
	u.Offset = o
	return res.Header.Get("Photo-Complete") == "true", nil
}

func (c *Client) patch(ctx context.Context, u *Upload) (complete bool, err error) {
	end := min(u.Offset+c.chunkSize(), int64(len(u.Data)))
	part := u.Data[u.Offset:end]
	req, err := http.NewRequest("PATCH", u.Location, &countingReader{r: bytes.NewReader(part), n: &c.sent})
	if err != nil {
		return false, err
	}
	req.ContentLength = int64(len(part))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	res, _, err := c.do(ctx, "upload photo", req)
	if err != nil {
		return false, err
	}
	if o, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64); err == nil && o >= u.Offset && o <= int64(len(u.Data)) {
		u.Offset = o
	} else {
		u.Offset = end
	}
	return res.Header.Get("Photo-Complete") == "true", nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
