package wordpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// SiteInfo is what Check found out about the site and the user.
type SiteInfo struct {
	Name        string `json:"name"` // the site's title
	Description string `json:"description"`
	Home        string `json:"home"`    // the site's address as WordPress knows it; save this one
	APIRoot     string `json:"apiRoot"` // where the REST API answered
	Timezone    string `json:"timezone"`

	UserID      int      `json:"userId"`
	Login       string   `json:"login"` // as typed (WordPress's slug may differ)
	DisplayName string   `json:"displayName"`
	Roles       []string `json:"roles"`

	CanEdit          bool `json:"canEdit"`          // edit_posts: may write posts (draft, pending)
	CanUpload        bool `json:"canUpload"`        // upload_files
	CanPublish       bool `json:"canPublish"`       // publish_posts: may publish and schedule
	CanAddCategories bool `json:"canAddCategories"` // manage_categories (tags need only edit_posts)
}

// indexInfo is the part of the REST index Check reads.
type indexInfo struct {
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	URL            string          `json:"url"`
	Home           string          `json:"home"`
	Timezone       string          `json:"timezone_string"`
	Namespaces     []string        `json:"namespaces"`
	Authentication json.RawMessage `json:"authentication"` // an object, or [] when empty (PHP)
}

type meInfo struct {
	ID           int             `json:"id"`
	Name         string          `json:"name"`
	Slug         string          `json:"slug"`
	Roles        []string        `json:"roles"`
	Capabilities json.RawMessage `json:"capabilities"`
}

var wpMarkers = regexp.MustCompile(`(?i)(/wp-content/|/wp-includes/|<meta name="generator" content="WordPress)`)

// Check tests the connection the way "Test connection" needs it: the site
// answers, is WordPress, its REST API works, application passwords are
// available, the password is right and the user may write posts and
// upload photos. On success it returns what it learnt; when the user lacks
// rights it returns the SiteInfo and a CodeNoRights error. Every other
// failure is an *Error with the code of the first problem met.
//
// Check also adopts the API root the site announces (Link rel
// "https://api.w.org/") when the address given was not the site's home.
func (c *Client) Check(ctx context.Context) (SiteInfo, error) {
	const op = "check"
	var info SiteInfo
	idx, err := c.index(ctx)
	if err != nil {
		return info, err
	}
	if !slices.Contains(idx.Namespaces, "wp/v2") {
		return info, &Error{Op: op, Code: CodeRESTDisabled, Message: "the site's REST API does not offer wp/v2 (posts and media)"}
	}
	info.Name, info.Description, info.Home, info.Timezone = htmlText(idx.Name), htmlText(idx.Description), idx.Home, idx.Timezone
	c.mu.Lock()
	info.APIRoot = c.root.String()
	c.mu.Unlock()
	var auth map[string]json.RawMessage
	_ = json.Unmarshal(idx.Authentication, &auth)
	_, appPasswords := auth["application-passwords"]

	var me meInfo
	_, err = c.do(ctx, call{op: op, method: http.MethodGet, route: "/wp/v2/users/me", query: url.Values{"context": {"edit"}}, into: &me})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && !appPasswords && (e.Code == CodeWrongPassword || e.Code == CodeNoAppPasswords) {
			return info, c.noAppPasswords(op)
		}
		if errors.As(err, &e) && e.WPCode == "rest_not_logged_in" {
			// What WordPress 6.1 answers for a wrong application password
			// or an unknown user: it checks the password only after the
			// point where it reports an authentication error, so the
			// request just goes on as anonymous.
			e.Message = "WordPress did not accept the user name and application password: check both (an application password from Users → Profile, not the login password)"
		}
		if errors.As(err, &e) && e.WPCode == "invalid_username" {
			e.Message = fmt.Sprintf("there is no user %q on this site", c.user)
		}
		return info, err
	}
	info.UserID, info.Login, info.DisplayName, info.Roles = me.ID, c.user, me.Name, me.Roles
	caps := map[string]bool{}
	_ = json.Unmarshal(me.Capabilities, &caps) // [] when the user has none
	info.CanEdit, info.CanUpload = caps["edit_posts"], caps["upload_files"]
	info.CanPublish, info.CanAddCategories = caps["publish_posts"], caps["manage_categories"]
	var missing []string
	if !info.CanEdit {
		missing = append(missing, "write posts (edit_posts)")
	}
	if !info.CanUpload {
		missing = append(missing, "upload photos (upload_files)")
	}
	if len(missing) > 0 {
		role := strings.Join(me.Roles, ", ")
		if role == "" {
			role = "no role"
		}
		return info, &Error{Op: op, Code: CodeNoRights, Message: fmt.Sprintf("the user %s (%s) may not %s", c.user, role, strings.Join(missing, " or "))}
	}
	return info, nil
}

func (c *Client) noAppPasswords(op string) error {
	u, _ := url.Parse(c.URL())
	if u != nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return &Error{Op: op, Code: CodeHTTPSNeeded, Message: "WordPress turns application passwords off on a site served over plain http; use the site's https:// address"}
	}
	return &Error{Op: op, Code: CodeNoAppPasswords, Message: "application passwords are turned off on this site (WordPress 5.6 or later needed, and no plugin may disable them)"}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// index reads the REST index, finding the API root when the site's
// address is not where ?rest_route= works.
func (c *Client) index(ctx context.Context) (indexInfo, error) {
	const op = "check"
	fields := url.Values{"_fields": {"name,description,url,home,timezone_string,namespaces,authentication"}}
	var idx indexInfo
	for try := 0; ; try++ {
		idx = indexInfo{}
		a, err := c.do(ctx, call{op: op, method: http.MethodGet, route: "/", query: fields, noAuth: true, into: &idx})
		var e *Error
		switch {
		case err == nil && idx.Namespaces != nil:
			c.followRedirect(a.final)
			return idx, nil
		case err == nil:
			// JSON, but not a REST index.
		case !errors.As(err, &e):
			return idx, err // cancelled
		case e.Code == CodeUnreachable || e.Code == CodeTLS:
			return idx, err
		case e.WPCode != "" && (e.Status == 401 || e.Status == 403):
			// The REST API wants a signed-in user: try with ours.
			idx = indexInfo{}
			_, err2 := c.do(ctx, call{op: op, method: http.MethodGet, route: "/", query: fields, into: &idx})
			if err2 == nil && idx.Namespaces != nil {
				return idx, nil
			}
			var e2 *Error
			if errors.As(err2, &e2) && e2.Code == CodeWrongPassword {
				return idx, err2
			}
			return idx, &Error{Op: op, Code: CodeRESTDisabled, Status: e.Status, WPCode: e.WPCode, Message: "the site's REST API refuses access: " + e.Message}
		case e.WPCode != "":
			return idx, &Error{Op: op, Code: CodeRESTDisabled, Status: e.Status, WPCode: e.WPCode, Message: "the site's REST API refuses access: " + e.Message}
		case e.Code == CodeServer:
			return idx, err
		}
		if try > 0 {
			return idx, &Error{Op: op, Code: CodeRESTDisabled, Message: "the site announces a REST API that does not answer"}
		}
		// Not the REST index: look at the page itself.
		link, isWP, err := c.probePage(ctx)
		if err != nil {
			return idx, err
		}
		if link == "" {
			if isWP {
				return idx, &Error{Op: op, Code: CodeRESTDisabled, Message: "this is a WordPress site, but its REST API is turned off or blocked"}
			}
			return idx, &Error{Op: op, Code: CodeNotWordPress, Message: "the site at this address is not a WordPress site (no REST API link on its page)"}
		}
		root, ok := rootFromLink(link)
		if !ok {
			return idx, &Error{Op: op, Code: CodeRESTDisabled, Message: "the site's REST API link is not usable: " + link}
		}
		c.mu.Lock()
		same := root.String() == c.root.String()
		if !same {
			c.root = root
		}
		c.mu.Unlock()
		if same {
			return idx, &Error{Op: op, Code: CodeRESTDisabled, Message: "the site's REST API does not answer"}
		}
	}
}

// followRedirect adopts the address a read was redirected to (http to
// https, a www. host): writes are never redirected.
func (c *Client) followRedirect(final *url.URL) {
	if final == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if final.Scheme == c.root.Scheme && final.Host == c.root.Host {
		return
	}
	old := c.root.Scheme + "://" + c.root.Host
	root := *c.root
	root.Scheme, root.Host = final.Scheme, final.Host
	c.root = &root
	c.site = final.Scheme + "://" + final.Host + strings.TrimPrefix(c.site, old)
}

// probePage fetches the site's address as a browser would and reports the
// REST API link it announces and whether it looks like WordPress.
func (c *Client) probePage(ctx context.Context) (link string, isWP bool, err error) {
	const op = "check"
	pctx := ctx
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL()+"/", nil)
	if err != nil {
		return "", false, &Error{Op: op, Code: CodeBadURL, Message: err.Error()}
	}
	req.Header.Set("User-Agent", "Warta")
	res, err := c.hc.Do(req)
	if err != nil {
		return "", false, netError(pctx, op, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 256<<10))
	return apiLink(res.Header), wpMarkers.Match(body), nil
}
