package wordpress

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Post is a post as the REST API answers it (context=edit).
type Post struct {
	ID            int    `json:"id"`
	Slug          string `json:"slug"`
	Status        string `json:"status"` // publish, future, draft, pending, private
	Link          string `json:"link"`
	DateGMT       string `json:"date_gmt"`     // "2026-11-26T07:00:00", no zone (UTC)
	ModifiedGMT   string `json:"modified_gmt"` // changes with every save
	Title         Text   `json:"title"`
	Content       Text   `json:"content"`
	Excerpt       Text   `json:"excerpt"`
	Author        int    `json:"author"`
	Categories    []int  `json:"categories"`
	Tags          []int  `json:"tags"`
	FeaturedMedia int    `json:"featured_media"`
}

// PostFields is what Warta writes to a post. Title, Content and Excerpt
// are always sent. Status, Slug and DateGMT only when set; Categories and
// Tags only when not empty (WordPress puts a post without a category in
// its default one, and an editor's tags on the site are not cleared by an
// article without tags); FeaturedMedia only when not nil (0 clears it).
type PostFields struct {
	Title         string
	Content       string
	Excerpt       string
	Status        string
	Slug          string
	DateGMT       string // "2006-01-02T15:04:05", UTC
	Categories    []int
	Tags          []int
	FeaturedMedia *int
}

func (f PostFields) body() map[string]any {
	b := map[string]any{"title": f.Title, "content": f.Content, "excerpt": f.Excerpt}
	if f.FeaturedMedia != nil {
		b["featured_media"] = *f.FeaturedMedia
	}
	if len(f.Tags) > 0 {
		b["tags"] = f.Tags
	}
	if len(f.Categories) > 0 {
		b["categories"] = f.Categories
	}
	if f.Status != "" {
		b["status"] = f.Status
	}
	if f.Slug != "" {
		b["slug"] = f.Slug
	}
	if f.DateGMT != "" {
		b["date_gmt"] = f.DateGMT
	}
	return b
}

// CreatePost creates a post. WordPress has no idempotency key: call it
// once per intent, and after a lost answer look with FindPost first.
func (c *Client) CreatePost(ctx context.Context, f PostFields) (Post, error) {
	var p Post
	_, err := c.do(ctx, call{op: "create post", method: http.MethodPost, route: "/wp/v2/posts", body: f.body(), into: &p})
	if err == nil && p.ID == 0 {
		err = &Error{Op: "create post", Code: CodeBadAnswer, Message: "the site answered without a post id"}
	}
	return p, err
}

// UpdatePost overwrites a post's fields.
func (c *Client) UpdatePost(ctx context.Context, id int, f PostFields) (Post, error) {
	var p Post
	_, err := c.do(ctx, call{op: "update post", method: http.MethodPost, route: "/wp/v2/posts/" + strconv.Itoa(id), body: f.body(), into: &p})
	return p, err
}

// GetPost reads a post (context=edit: raw title, content and excerpt).
func (c *Client) GetPost(ctx context.Context, id int) (Post, error) {
	var p Post
	_, err := c.do(ctx, call{op: "read post", method: http.MethodGet, route: "/wp/v2/posts/" + strconv.Itoa(id),
		query: url.Values{"context": {"edit"}}, into: &p})
	return p, err
}

// FindPost looks for the post with this slug in any status but the trash.
// ok is false when there is none.
func (c *Client) FindPost(ctx context.Context, slug string) (p Post, ok bool, err error) {
	var list []Post
	_, err = c.do(ctx, call{op: "find post", method: http.MethodGet, route: "/wp/v2/posts",
		query: url.Values{"slug": {slug}, "status": {"any"}, "context": {"edit"}}, into: &list})
	if err != nil || len(list) == 0 {
		return p, false, err
	}
	return list[0], true, nil
}
