package wordpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Taxonomies, by their REST base.
const (
	Categories = "categories"
	Tags       = "tags"
)

// Term is a category or tag of the site.
type Term struct {
	ID     int    `json:"id"`
	Name   string `json:"name"` // as the user sees it (WordPress's &amp; decoded)
	Slug   string `json:"slug"`
	Parent int    `json:"parent,omitempty"`
	Count  int    `json:"count"`
}

func checkTaxonomy(taxonomy string) error {
	if taxonomy != Categories && taxonomy != Tags {
		return fmt.Errorf("taxonomy %q: %w (want %q or %q)", taxonomy, ErrInvalid, Categories, Tags)
	}
	return nil
}

// maxTermPages bounds a listing (100 terms a page): 20,000 terms.
const maxTermPages = 200

// Terms lists every term of a taxonomy (Categories or Tags), empty ones
// included, 100 a page, following X-WP-TotalPages.
func (c *Client) Terms(ctx context.Context, taxonomy string) ([]Term, error) {
	if err := checkTaxonomy(taxonomy); err != nil {
		return nil, err
	}
	var out []Term
	for page := 1; page <= maxTermPages; page++ {
		var batch []Term
		a, err := c.do(ctx, call{op: "list " + taxonomy, method: http.MethodGet, route: "/wp/v2/" + taxonomy,
			query: url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}, "orderby": {"id"}, "_fields": {"id,name,slug,parent,count"}},
			into:  &batch})
		if err != nil {
			return nil, err
		}
		for i := range batch {
			batch[i].Name = html.UnescapeString(batch[i].Name)
		}
		out = append(out, batch...)
		total, _ := strconv.Atoi(a.header.Get("X-WP-TotalPages"))
		if page >= total || len(batch) == 0 {
			break
		}
	}
	return out, nil
}

// GetTerm reads one term.
func (c *Client) GetTerm(ctx context.Context, taxonomy string, id int) (Term, error) {
	var t Term
	if err := checkTaxonomy(taxonomy); err != nil {
		return t, err
	}
	_, err := c.do(ctx, call{op: "read " + taxonomy, method: http.MethodGet, route: "/wp/v2/" + taxonomy + "/" + strconv.Itoa(id),
		query: url.Values{"_fields": {"id,name,slug,parent,count"}}, into: &t})
	t.Name = html.UnescapeString(t.Name)
	return t, err
}

// FindTerm looks a term up by name (case ignored) with the site's search.
// ok is false when there is none. (WordPress stores "&" in a term name as
// "&amp;" and its search compares the stored text, so the search is sent
// that way.)
func (c *Client) FindTerm(ctx context.Context, taxonomy, name string) (t Term, ok bool, err error) {
	if err := checkTaxonomy(taxonomy); err != nil {
		return t, false, err
	}
	var batch []Term
	_, err = c.do(ctx, call{op: "find " + taxonomy, method: http.MethodGet, route: "/wp/v2/" + taxonomy,
		query: url.Values{"search": {strings.ReplaceAll(name, "&", "&amp;")}, "per_page": {"100"}, "_fields": {"id,name,slug,parent,count"}}, into: &batch})
	if err != nil {
		return t, false, err
	}
	for _, b := range batch {
		b.Name = html.UnescapeString(b.Name)
		if foldName(b.Name) == foldName(name) {
			return b, true, nil
		}
	}
	return t, false, nil
}

// EnsureTerm returns the term called name, creating it when the site has
// none. A name that exists comes back from WordPress as a term_exists
// error carrying its id (data.term_id); that is an answer, not a failure.
// created tells whether the term is new.
func (c *Client) EnsureTerm(ctx context.Context, taxonomy, name string) (t Term, created bool, err error) {
	if err := checkTaxonomy(taxonomy); err != nil {
		return t, false, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return t, false, fmt.Errorf("empty %s name: %w", taxonomy, ErrInvalid)
	}
	a, err := c.do(ctx, call{op: "create " + taxonomy, method: http.MethodPost, route: "/wp/v2/" + taxonomy,
		body: map[string]any{"name": name}, into: &t})
	var e *Error
	if errors.As(err, &e) && e.WPCode == "term_exists" {
		var w struct {
			Data struct {
				TermID json.Number `json:"term_id"`
			} `json:"data"`
		}
		if decodeJSON(a.body, &w) == nil {
			if id, cerr := strconv.Atoi(w.Data.TermID.String()); cerr == nil && id > 0 {
				return Term{ID: id, Name: name}, false, nil
			}
		}
		return t, false, err
	}
	if err != nil {
		return t, false, err
	}
	t.Name = html.UnescapeString(t.Name)
	return t, true, nil
}

// foldName is how term names are compared: NFC, lower case, spaces
// squeezed, &amp; decoded.
func foldName(s string) string {
	s = norm.NFC.String(html.UnescapeString(s))
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
