package wordpress

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// Text is a WordPress field with its stored (raw, context=edit) and
// displayed (rendered) forms.
type Text struct {
	Raw      string `json:"raw"`
	Rendered string `json:"rendered"`
}

// Media is an attachment as the REST API answers it (context=edit).
type Media struct {
	ID           int    `json:"id"`
	Slug         string `json:"slug"`
	Status       string `json:"status"`
	Link         string `json:"link"`
	SourceURL    string `json:"source_url"`
	MimeType     string `json:"mime_type"`
	Post         int    `json:"post"` // the post it is attached to, 0 if none
	Title        Text   `json:"title"`
	Caption      Text   `json:"caption"`
	Description  Text   `json:"description"`
	AltText      string `json:"alt_text"`
	MediaDetails struct {
		Width  int    `json:"width"`
		Height int    `json:"height"`
		File   string `json:"file"`
	} `json:"media_details"`
}

// MediaFields are the texts Warta sets on an attachment.
type MediaFields struct {
	Title       string `json:"title"`
	Caption     string `json:"caption"`
	AltText     string `json:"alt_text"`
	Description string `json:"description"`
}

// UploadMedia sends a JPEG to /wp/v2/media as the request body (the
// Content-Disposition names the file) and returns the attachment. slug,
// when not empty, is the attachment's slug: Warta gives each photo a
// unique one so that FindMedia can find an upload whose answer was lost.
// progress, if not nil, is called with the bytes sent so far.
func (c *Client) UploadMedia(ctx context.Context, filename, slug string, data []byte, progress func(sent int64)) (Media, error) {
	var m Media
	q := url.Values{}
	if slug != "" {
		q.Set("slug", slug)
	}
	body := &countReader{r: bytes.NewReader(data), fn: progress, total: int64(len(data))}
	h := http.Header{}
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Disposition", `attachment; filename="`+asciiFilename(filename)+`"`)
	_, err := c.do(ctx, call{op: "upload photo", method: http.MethodPost, route: "/wp/v2/media", query: q,
		raw: body, length: int64(len(data)), header: h, into: &m, timeout: uploadTimeout})
	if err != nil {
		return m, err
	}
	if m.ID == 0 {
		return m, &Error{Op: "upload photo", Code: CodeBadAnswer, Message: "the site answered without an attachment id"}
	}
	return m, nil
}

// UpdateMedia sets an attachment's texts.
func (c *Client) UpdateMedia(ctx context.Context, id int, f MediaFields) (Media, error) {
	var m Media
	_, err := c.do(ctx, call{op: "set photo captions", method: http.MethodPost, route: "/wp/v2/media/" + strconv.Itoa(id), body: f, into: &m})
	return m, err
}

// GetMedia reads an attachment (context=edit).
func (c *Client) GetMedia(ctx context.Context, id int) (Media, error) {
	var m Media
	_, err := c.do(ctx, call{op: "read photo", method: http.MethodGet, route: "/wp/v2/media/" + strconv.Itoa(id),
		query: url.Values{"context": {"edit"}}, into: &m})
	return m, err
}

// FindMedia looks for the attachment with this slug. ok is false when
// there is none.
func (c *Client) FindMedia(ctx context.Context, slug string) (m Media, ok bool, err error) {
	var list []Media
	_, err = c.do(ctx, call{op: "find photo", method: http.MethodGet, route: "/wp/v2/media",
		query: url.Values{"slug": {slug}, "status": {"inherit,private"}, "context": {"edit"}}, into: &list})
	if err != nil || len(list) == 0 {
		return m, false, err
	}
	return list[0], true, nil
}

// FinishMedia asks WordPress to make the image sizes an upload cut short
// left unmade (the request that uploaded it ended before they were done).
func (c *Client) FinishMedia(ctx context.Context, id int) error {
	_, err := c.do(ctx, call{op: "finish photo", method: http.MethodPost, route: "/wp/v2/media/" + strconv.Itoa(id) + "/post-process",
		body: map[string]string{"action": "create-image-subsizes"}, timeout: uploadTimeout})
	return err
}

// asciiFilename keeps a file name to letters, digits, dot, dash and
// underscore (WordPress would sanitise it anyway; the header stays plain).
func asciiFilename(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		s = "photo.jpg"
	}
	return s
}

type countReader struct {
	r     io.Reader
	n     atomic.Int64
	fn    func(int64)
	last  int64
	total int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		t := c.n.Add(int64(n))
		if c.fn != nil && (t-c.last >= 64<<10 || t == c.total) {
			c.last = t
			c.fn(t)
		}
	}
	return n, err
}
