package wordpress

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits on what the client reads and how long it waits.
const (
	maxAnswer     = 32 << 20         // bytes of one JSON answer
	callTimeout   = 60 * time.Second // a JSON call
	uploadTimeout = 10 * time.Minute // one media upload (WordPress makes sub-sizes before it answers)
)

// Client talks to one WordPress site's REST API (wp/v2) as one user, with
// an application password (HTTP Basic). It is safe for concurrent use.
type Client struct {
	site string // normalised site address, no trailing slash
	user string
	auth string // "Basic …"
	hc   *http.Client

	mu   sync.Mutex
	root *url.URL // the API root: ".../?rest_route=" or ".../wp-json"
}

// New returns a client for the site at siteURL ("https://humas.example.go.id",
// a sub-folder, or even the address of a page of the site: Check follows
// the site's own API link). user is the login name (or e-mail) and
// appPassword an application password (spaces allowed, as WordPress shows
// it). hc nil means a client with sensible timeouts.
func New(siteURL, user, appPassword string, hc *http.Client) (*Client, error) {
	site, err := NormalizeURL(siteURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = 3 * time.Minute // sub-sizes of a large upload
		tr.TLSHandshakeTimeout = 15 * time.Second
		tr.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		hc = &http.Client{Transport: tr}
	}
	// A redirect is followed for reads only: Go would turn a redirected
	// POST into a GET and the upload or the post would silently vanish.
	own := *hc
	own.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// (Go has already turned a redirected POST's method into GET here:
		// look at the first request.)
		if m := via[0].Method; m != http.MethodGet && m != http.MethodHead || len(via) >= 5 {
			return http.ErrUseLastResponse
		}
		if to, ok := req.Context().Value(redirectKey{}).(*url.URL); ok {
			*to = *req.URL
		}
		if hc.CheckRedirect != nil {
			return hc.CheckRedirect(req, via)
		}
		return nil
	}
	c := &Client{site: site, user: user, hc: &own}
	if user != "" || appPassword != "" {
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+appPassword))
	}
	c.root = queryRoot(site)
	return c, nil
}

// URL is the site's address as the client uses it (Check may change it
// when the site redirects, e.g. from http:// to https://).
func (c *Client) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.site
}

// User is the login name the client signs in with.
func (c *Client) User() string { return c.user }

// wpPathSuffix matches what users paste after the site's address.
var wpPathSuffix = regexp.MustCompile(`(?i)/(wp-admin|wp-login\.php|wp-json|xmlrpc\.php|index\.php)(/.*)?$`)

// NormalizeURL checks a site address and returns it without query,
// fragment, trailing slash, or a pasted /wp-admin, /wp-login.php or
// /wp-json tail. An address without http:// or https:// is refused with a
// CodeBadURL error that says so (Warta does not guess: a guessed http://
// would send the password in the clear).
func NormalizeURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func(msg string) error {
		return &Error{Op: "site address", Code: CodeBadURL, Message: msg}
	}
	if s == "" {
		return "", bad("the site address is empty")
	}
	low := strings.ToLower(s)
	if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
		if strings.Contains(low, "://") {
			return "", bad(fmt.Sprintf("%q is not a web address: it must start with https:// (or http://)", s))
		}
		return "", bad(fmt.Sprintf("%q has no https:// (or http://) at the start; type the address as the browser shows it", s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", bad(fmt.Sprintf("%q is not a valid address: %v", s, err))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", bad(fmt.Sprintf("%q has no host name", s))
	}
	if u.User != nil {
		return "", bad("the address must not contain a user name or password")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	u.Path = wpPathSuffix.ReplaceAllString(u.Path, "")
	u.RawPath = ""
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), nil
}

// queryRoot is site + "/?rest_route=": it works with and without pretty
// permalinks (/wp-json/ needs them).
func queryRoot(site string) *url.URL {
	u, _ := url.Parse(site + "/")
	return u
}

// rootFromLink makes an API root from the URL of a site's
// Link: <…>; rel="https://api.w.org/" header: either ".../wp-json/" or
// ".../index.php?rest_route=/".
func rootFromLink(link string) (*url.URL, bool) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	if u.Query().Has("rest_route") {
		u.RawQuery = ""
		return u, true
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery = ""
	return u, true
}

// apiLink finds the REST API root in a Link header.
func apiLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, `rel="https://api.w.org/"`) {
				continue
			}
			if i, j := strings.Index(part, "<"), strings.Index(part, ">"); i >= 0 && j > i {
				return part[i+1 : j]
			}
		}
	}
	return ""
}

// endpoint is the URL of a REST route ("/wp/v2/posts") with query q.
func (c *Client) endpoint(route string, q url.Values) string {
	c.mu.Lock()
	root := *c.root
	c.mu.Unlock()
	if q == nil {
		q = url.Values{}
	}
	if strings.HasSuffix(root.Path, "/wp-json") {
		root.Path += route
		root.RawQuery = q.Encode()
		return root.String()
	}
	// ?rest_route= form. Keep rest_route first: it is what a reader of the
	// log looks for.
	enc := q.Encode()
	root.RawQuery = "rest_route=" + strings.ReplaceAll(url.QueryEscape(route), "%2F", "/")
	if enc != "" {
		root.RawQuery += "&" + enc
	}
	return root.String()
}

// call is one REST request.
type call struct {
	op     string
	method string
	route  string
	query  url.Values
	body   any       // JSON-encoded when not nil
	raw    io.Reader // a raw body (media upload); wins over body
	length int64     // raw's length: PHP's built-in server and many hosts refuse chunked bodies
	header http.Header
	noAuth bool
	into   any // decoded answer
	// timeout overrides callTimeout.
	timeout time.Duration
}

// answer is what do returns besides the decoded body.
type answer struct {
	status int
	header http.Header
	body   []byte
	final  *url.URL // where a read was redirected to; nil if it was not
}

// redirectKey's context value receives the URL a read was redirected to.
type redirectKey struct{}

// do sends a call. A status ≥ 400 becomes an *Error with WordPress's code
// and message; an answer that is not JSON becomes CodeBadAnswer.
func (c *Client) do(ctx context.Context, k call) (answer, error) {
	to := k.timeout
	if to == 0 {
		to = callTimeout
	}
	pctx := ctx
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	var moved url.URL
	ctx = context.WithValue(ctx, redirectKey{}, &moved)
	var body io.Reader
	switch {
	case k.raw != nil:
		body = k.raw
	case k.body != nil:
		b, err := json.Marshal(k.body)
		if err != nil {
			return answer{}, fmt.Errorf("%s: %w", k.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, c.endpoint(k.route, k.query), body)
	if err != nil {
		return answer{}, &Error{Op: k.op, Code: CodeBadURL, Message: err.Error(), Err: err}
	}
	if k.raw != nil {
		req.ContentLength = k.length
	}
	for h, v := range k.header {
		req.Header[h] = v
	}
	if k.body != nil && k.raw == nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Warta")
	if c.auth != "" && !k.noAuth {
		req.Header.Set("Authorization", c.auth)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return answer{}, netError(pctx, k.op, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	if err != nil {
		return answer{}, netError(pctx, k.op, err)
	}
	a := answer{status: res.StatusCode, header: res.Header, body: b}
	if moved.Host != "" {
		a.final = &moved
	}
	if len(b) > maxAnswer {
		return a, &Error{Op: k.op, Code: CodeBadAnswer, Status: res.StatusCode, Message: fmt.Sprintf("the answer is larger than %d MiB", maxAnswer>>20)}
	}
	if res.StatusCode >= 400 {
		return a, answerError(k.op, res, b)
	}
	if res.StatusCode >= 300 {
		return a, &Error{Op: k.op, Code: CodeBadURL, Status: res.StatusCode,
			Message: fmt.Sprintf("the site moved to %s: test the connection again (or use that address)", res.Header.Get("Location"))}
	}
	if k.into != nil {
		if err := decodeJSON(b, k.into); err != nil {
			return a, &Error{Op: k.op, Code: CodeBadAnswer, Status: res.StatusCode, Message: "the answer is not WordPress's JSON: " + snippet(b), Err: err}
		}
	}
	return a, nil
}

// netError classifies a failure to get an answer; parent is the caller's
// context (its end is not the site's fault and is returned as it is).
func netError(parent context.Context, op string, err error) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	e := &Error{Op: op, Code: CodeUnreachable, Message: "cannot reach the site", Err: err}
	var ce *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var ae tls.AlertError
	switch {
	case errors.As(err, &ce), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		e.Code, e.Message = CodeTLS, "the site's certificate is not valid"
	case errors.As(err, &rh), errors.As(err, &ae):
		e.Code, e.Message = CodeTLS, "the secure connection (TLS) failed: is the site really https?"
	case errors.Is(err, context.DeadlineExceeded):
		e.Message = "the site did not answer in time"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		e.Message = fmt.Sprintf("cannot reach the site: no such host %q", dns.Name)
	}
	return e
}

// wpError is WordPress's error body.
type wpError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func answerError(op string, res *http.Response, body []byte) *Error {
	e := &Error{Op: op, Status: res.StatusCode}
	var w wpError
	if decodeJSON(body, &w) == nil && w.Code != "" {
		e.WPCode, e.Message = w.Code, htmlText(w.Message)
	} else if res.StatusCode >= 500 {
		e.Message = "the site failed (a PHP error?): " + snippet(body)
	}
	e.Code = wpErrorCode(res.StatusCode, e.WPCode)
	if e.WPCode == "" && (res.StatusCode == 404 || res.StatusCode == 403 || res.StatusCode == 401) && !isJSON(res.Header, body) {
		// An HTML error page where WordPress would have answered JSON:
		// the web server or a firewall blocks the REST API.
		e.Code = CodeRESTDisabled
		e.Message = "the site answered with a web page, not the REST API: " + snippet(body)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// decodeJSON decodes WordPress's JSON, tolerating a BOM or PHP notices
// printed before it (display_errors on a shared host).
func decodeJSON(b []byte, v any) error {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	t := bytes.TrimSpace(b)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return err
	}
	// "<br />\n<b>Warning</b>: … <br />\n{"id":…}": find the JSON after the noise.
	for _, open := range []string{"\n{", "\n[", ">{", ">["} {
		if i := bytes.Index(b, []byte(open)); i >= 0 {
			if json.Unmarshal(b[i+1:], v) == nil {
				return nil
			}
		}
	}
	return err
}

func isJSON(h http.Header, body []byte) bool {
	if strings.Contains(h.Get("Content-Type"), "json") {
		return true
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// snippet is the start of an answer, for error messages.
func snippet(b []byte) string {
	s := htmlText(string(b))
	if len([]rune(s)) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// htmlText strips tags and squeezes spaces (WordPress messages may hold
// <strong> and the like).
func htmlText(s string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(s, " ")), " ")
}
