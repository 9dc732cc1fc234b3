package wordpress

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	"github.com/warta-news/warta/app/store"
)

// postRecord is wp/p/<account>/<article>: the post an article became.
type postRecord struct {
	// Slug is the post's unique slug, chosen and stored before the first
	// create: a create whose answer was lost is found by it.
	Slug string `json:"slug"`
	ID   int    `json:"id,omitempty"` // 0 until the site answered a create
	Link string `json:"link,omitempty"`
	// Status is the post's status on the site after Warta's last write.
	Status string `json:"status,omitempty"`
	// Modified is the post's modified_gmt after Warta's last write (or
	// the site's copy the user chose to keep).
	Modified string `json:"modified,omitempty"`
	// TextHash is the SHA-256 of the site's raw title, content and excerpt
	// at that moment: when the site's copy no longer hashes to it, someone
	// edited the post on the site.
	TextHash string `json:"textHash,omitempty"`
	// KeepVersion, when not 0, is the article version whose text the
	// user chose to leave replaced by the site's ("theirs"): publishing
	// that same version writes nothing.
	KeepVersion int64     `json:"keepVersion,omitempty"`
	Intent      time.Time `json:"intent,omitzero"` // when the create was first tried
}

// mediaRecord is wp/m/<account>/<photo>: the attachment a photo became.
type mediaRecord struct {
	Slug   string    `json:"slug"` // unique per photo, stored before the upload
	File   string    `json:"file"` // the file name sent
	ID     int       `json:"id,omitempty"`
	URL    string    `json:"url,omitempty"` // source_url
	Alt    string    `json:"alt,omitempty"`
	Fields string    `json:"fields,omitempty"` // hash of the MediaFields last set
	Intent time.Time `json:"intent,omitzero"`
}

// publish makes one attempt at a job: photos, terms, then the post.
func (p *Publisher) publish(ctx context.Context, j *Job, c *Client) error {
	a, err := p.arts.Get(j.Article)
	if err != nil {
		return &Error{Op: "read article", Code: CodeArticle, Message: err.Error(), Err: err}
	}
	pids := articles.PhotoIDs(a)
	j.PhotosTotal, j.BytesTotal, j.BytesDone, j.PhotosDone = len(pids), 0, 0, 0
	for _, pid := range pids {
		var rec mediaRecord
		if p.st.GetJSON(keyMedia+j.Account+"/"+pid, &rec) != nil || rec.ID == 0 {
			if path, err := p.pics.File(pid, "web"); err == nil {
				if fi, err := os.Stat(path); err == nil {
					j.BytesTotal += fi.Size()
				}
			}
		}
	}
	j.Step = StepPhotos
	p.saveProgress(j)

	images := map[string]articles.WPImage{}
	for i, pid := range pids {
		img, err := p.ensureMedia(ctx, c, j, pid)
		if err != nil {
			return err
		}
		images[pid] = img
		j.PhotosDone = i + 1
		p.saveProgress(j)
	}

	j.Step = StepTerms
	p.report(false, *j)
	catNames, tagNames := j.Options.Categories, j.Options.Tags
	if catNames == nil && strings.TrimSpace(a.Category) != "" {
		catNames = []string{a.Category}
	}
	if tagNames == nil {
		tagNames = a.Tags
	}
	cats, err := p.resolveTerms(ctx, c, j, Categories, catNames)
	if err != nil {
		return err
	}
	tags, err := p.resolveTerms(ctx, c, j, Tags, tagNames)
	if err != nil {
		return err
	}

	j.Step = StepPost
	p.report(false, *j)
	var featured *int // nil: leave the site's as it is
	switch f := j.Options.Featured; {
	case f == "none":
		featured = new(int)
	case f != "":
		img, ok := images[f]
		if !ok {
			img, err = p.ensureMedia(ctx, c, j, f)
			if err != nil {
				return err
			}
		}
		featured = &img.ID
	case len(pids) > 0:
		id := images[pids[0]].ID
		featured = &id
	}
	content, err := articles.WordPressHTML(a, func(pid string) (articles.WPImage, bool) {
		img, ok := images[pid]
		return img, ok
	})
	if err != nil {
		return &Error{Op: "render article", Code: CodeArticle, Message: err.Error(), Err: err}
	}
	f := PostFields{
		Title: textHTML(strings.TrimSpace(a.Headline)), Content: content, Excerpt: textHTML(strings.TrimSpace(a.Subheadline)),
		Categories: cats, Tags: tags, FeaturedMedia: featured,
	}
	return p.ensurePost(ctx, c, j, a, f)
}

// saveProgress stores the job's progress (and reports it).
func (p *Publisher) saveProgress(j *Job) {
	x, err := p.update(j.ID, func(x *Job) error {
		x.Step, x.PhotosDone, x.PhotosTotal, x.BytesDone, x.BytesTotal = j.Step, j.PhotosDone, j.PhotosTotal, j.BytesDone, j.BytesTotal
		return nil
	})
	if err == nil {
		x.Warnings, x.PostID, x.Link, x.PostStatus = j.Warnings, j.PostID, j.Link, j.PostStatus
		*j = x
	}
	p.report(false, *j)
}

// photoError is a local photo problem: final, the user must act.
func photoError(pid string, err error) error {
	return &Error{Op: "photo " + pid, Code: CodePhoto, Message: err.Error(), Err: err}
}

// mediaFieldsOf are the attachment texts made from a photo's captions:
// caption → caption; alt text (else the caption without its "(Foto: …)"
// credit) → alt_text; title (else headline, else the file name) → title;
// the caption and the credit → description.
func mediaFieldsOf(ph photos.Photo) MediaFields {
	f := ph.Fields
	caption := strings.TrimSpace(f.Caption)
	alt := strings.TrimSpace(f.AltText)
	if alt == "" {
		alt = strings.TrimSpace(creditRE.ReplaceAllString(caption, ""))
	}
	title := strings.TrimSpace(f.Title)
	if title == "" {
		title = strings.TrimSpace(f.Headline)
	}
	if title == "" {
		title = strings.TrimSuffix(ph.Name, filepath.Ext(ph.Name))
	}
	desc := caption
	credit := strings.TrimSpace(strings.Join(f.Creator, ", "))
	if credit == "" {
		credit = strings.TrimSpace(f.Credit)
	}
	if credit != "" && !strings.Contains(caption, credit) {
		if desc != "" {
			desc += "\n\n"
		}
		desc += "Foto: " + credit
	}
	return MediaFields{Title: textHTML(title), Caption: textHTML(caption), AltText: strings.Join(strings.Fields(alt), " "), Description: textHTML(desc)}
}

// textHTML escapes plain text for WordPress fields that hold HTML (titles,
// excerpts, attachment captions and descriptions): a headline such as
// "Rakornas <Kehumasan>" is text, and WordPress would strip it as a tag.
// Quotes are left alone (WordPress rewrites their entities).
var textHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// creditRE matches the house style's closing credit.
var creditRE = regexp.MustCompile(`(?i)\s*\((foto|photo)\s*:[^)]*\)\s*$`)

func hashJSON(v any) string {
	b, _ := json.Marshal(v)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// mediaSlug is a photo's attachment slug on every site: unique per photo.
func mediaSlug(pid string) string { return "warta-" + strings.ToLower(pid) }

// mediaFile is the file name a photo is uploaded under.
func mediaFile(ph photos.Photo) string {
	base := slugify(strings.TrimSuffix(ph.Name, filepath.Ext(ph.Name)), 40)
	if base == "" {
		base = "foto"
	}
	return base + "-" + strings.ToLower(ph.ID) + ".jpg"
}

// render is the upload's bytes: the web rendition with the captions
// embedded (IPTC, XMP and a minimal EXIF), as app/outbox sends it.
func (p *Publisher) render(pid string) ([]byte, photos.Photo, error) {
	ph, err := p.pics.Get(pid)
	if err != nil {
		return nil, ph, photoError(pid, err)
	}
	path, err := p.pics.File(pid, "web")
	if err != nil {
		return nil, ph, photoError(pid, err)
	}
	web, err := os.ReadFile(path)
	if err != nil {
		return nil, ph, photoError(pid, fmt.Errorf("the web version of %s cannot be read: %w", ph.Name, err))
	}
	var buf bytes.Buffer
	buf.Grow(len(web) + 64<<10)
	if _, err := jpegmeta.WriteWith(bytes.NewReader(web), &buf, ph.Fields, jpegmeta.Options{CreateEXIF: true}); err != nil {
		return nil, ph, photoError(pid, fmt.Errorf("the web version of %s is damaged: %w", ph.Name, err))
	}
	return buf.Bytes(), ph, nil
}

// ensureMedia makes sure the photo is an attachment of the site with the
// right texts, uploading it at most once: the slug is stored before the
// upload, the id the moment the site gives it, and an upload whose answer
// was lost is found by its slug before any new one.
func (p *Publisher) ensureMedia(ctx context.Context, c *Client, j *Job, pid string) (articles.WPImage, error) {
	key := keyMedia + j.Account + "/" + pid
	var rec mediaRecord
	if err := p.st.GetJSON(key, &rec); err != nil && !errors.Is(err, store.ErrNotFound) {
		return articles.WPImage{}, storeErr(err)
	}
	ph, err := p.pics.Get(pid)
	if err != nil {
		return articles.WPImage{}, photoError(pid, err)
	}
	fields := mediaFieldsOf(ph)
	fh := hashJSON(fields)
	var m Media
	if rec.ID > 0 {
		// Known: is it still there?
		m, err = c.GetMedia(ctx, rec.ID)
		if CodeOf(err) == CodeNotFound {
			j.Warnings = append(j.Warnings, fmt.Sprintf("photo %s had been deleted from the site; uploaded again", ph.Name))
			rec = mediaRecord{}
		} else if err != nil {
			return articles.WPImage{}, err
		}
	}
	if rec.ID == 0 && rec.Slug != "" {
		// An upload was tried: its answer may have been lost.
		found, ok, err := c.FindMedia(ctx, rec.Slug)
		if err != nil {
			return articles.WPImage{}, err
		}
		if ok {
			m = found
			rec.ID, rec.URL, rec.Fields = m.ID, m.SourceURL, ""
			if err := p.st.PutJSON(key, rec); err != nil {
				return articles.WPImage{}, storeErr(err)
			}
			if m.MediaDetails.Width == 0 {
				// The request ended before WordPress made the image sizes.
				if err := c.FinishMedia(ctx, m.ID); err != nil {
					p.log.Warn("finish adopted media", "id", m.ID, "err", err)
				}
			}
		}
	}
	if rec.ID == 0 {
		data, ph, err := p.render(pid)
		if err != nil {
			return articles.WPImage{}, err
		}
		rec = mediaRecord{Slug: mediaSlug(pid), File: mediaFile(ph), Intent: p.o.Now()}
		if err := p.st.PutJSON(key, rec); err != nil {
			return articles.WPImage{}, storeErr(err)
		}
		// The progress callback runs on the transport's goroutine, which
		// may still be sending when the answer arrives: it reports a copy.
		base, snap := j.BytesDone, *j
		var pmu sync.Mutex
		m, err = c.UploadMedia(ctx, rec.File, rec.Slug, data, func(sent int64) {
			pmu.Lock()
			defer pmu.Unlock()
			snap.BytesDone = base + sent
			p.report(false, snap)
		})
		pmu.Lock()
		j.BytesDone = snap.BytesDone
		pmu.Unlock()
		if err != nil {
			j.BytesDone = base
			return articles.WPImage{}, err
		}
		j.BytesDone = base + int64(len(data))
		rec.ID, rec.URL = m.ID, m.SourceURL
		if err := p.st.PutJSON(key, rec); err != nil {
			return articles.WPImage{}, storeErr(err)
		}
	}
	if rec.Fields != fh || normText(m.Title.Raw) != normText(fields.Title) || normText(m.Caption.Raw) != normText(fields.Caption) ||
		m.AltText != fields.AltText || normText(m.Description.Raw) != normText(fields.Description) {
		if m, err = c.UpdateMedia(ctx, rec.ID, fields); err != nil {
			return articles.WPImage{}, err
		}
		rec.Fields, rec.Alt = fh, m.AltText
		if m.SourceURL != "" {
			rec.URL = m.SourceURL
		}
		if err := p.st.PutJSON(key, rec); err != nil {
			return articles.WPImage{}, storeErr(err)
		}
	}
	return articles.WPImage{ID: rec.ID, URL: rec.URL, Alt: fields.AltText}, nil
}

// resolveTerms turns term names into the site's ids: a cached id is
// checked (the term may have been deleted or renamed on the site), else
// the site's search finds it, else it is created. A category the user may
// not create is left out with a warning rather than failing the job.
func (p *Publisher) resolveTerms(ctx context.Context, c *Client, j *Job, taxonomy string, names []string) ([]int, error) {
	var ids []int
	if len(names) == 0 {
		return ids, nil
	}
	cache, _ := p.Terms(j.Account)
	list := &cache.Categories
	if taxonomy == Tags {
		list = &cache.Tags
	}
	changed := false
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		id := 0
		if i := slices.IndexFunc(*list, func(t Term) bool { return foldName(t.Name) == foldName(name) }); i >= 0 {
			t, err := c.GetTerm(ctx, taxonomy, (*list)[i].ID)
			switch {
			case err == nil && foldName(t.Name) == foldName(name):
				id = t.ID
			case err == nil || CodeOf(err) == CodeNotFound:
				*list = slices.Delete(*list, i, i+1) // renamed or deleted on the site
				changed = true
			default:
				return nil, err
			}
		}
		if id == 0 {
			t, ok, err := c.FindTerm(ctx, taxonomy, name)
			if err != nil {
				return nil, err
			}
			if !ok {
				t, _, err = c.EnsureTerm(ctx, taxonomy, name)
				if CodeOf(err) == CodeNoRights {
					j.Warnings = append(j.Warnings, fmt.Sprintf("the %s %q does not exist on the site and this user may not create it; left out", singular(taxonomy), name))
					continue
				}
				if err != nil {
					return nil, err
				}
			}
			id = t.ID
			if t.Name == "" {
				t.Name = name
			}
			*list = append(*list, t)
			changed = true
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if changed {
		if err := p.st.PutJSON(keyTerms+j.Account, cache); err != nil {
			return nil, storeErr(err)
		}
	}
	return ids, nil
}

func singular(taxonomy string) string {
	if taxonomy == Categories {
		return "category"
	}
	return "tag"
}

// textHash identifies a post's text: raw title, content and excerpt.
func textHash(title, content, excerpt string) string {
	s := sha256.Sum256([]byte(title + "\x00" + content + "\x00" + excerpt))
	return hex.EncodeToString(s[:])
}

func postTextHash(p Post) string { return textHash(p.Title.Raw, p.Content.Raw, p.Excerpt.Raw) }

// sameText reports whether the site's post holds the text Warta is about
// to write (an update whose answer was lost). WordPress's kses filter
// (users without unfiltered_html) rewrites some of it on save: "&" in a
// title becomes "&amp;", "<br/>" becomes "<br />", "&#34;" "&#034;"; so
// both sides are compared normalised.
func sameText(site Post, f PostFields) bool {
	return normText(site.Title.Raw) == normText(f.Title) && normText(site.Content.Raw) == normText(f.Content) && normText(site.Excerpt.Raw) == normText(f.Excerpt)
}

var selfClose = regexp.MustCompile(`\s*/>`)

func normText(s string) string {
	s = html.UnescapeString(selfClose.ReplaceAllString(s, ">"))
	return strings.Join(strings.Fields(s), " ")
}

// wpDate is WordPress's date_gmt format.
func wpDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// ensurePost creates the post or updates it. The slug is stored before
// the first create, the id the moment the site gives it; a create whose
// answer was lost is found by its slug. An update first reads the site's
// copy: if its text changed since Warta's last write, nothing is written
// and the job gets a Conflict.
func (p *Publisher) ensurePost(ctx context.Context, c *Client, j *Job, a articles.Article, f PostFields) error {
	key := keyPost + j.Account + "/" + j.Article
	var rec postRecord
	if err := p.st.GetJSON(key, &rec); err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeErr(err)
	}
	want := j.Options.Status
	if want == "" {
		want = StatusDraft
	}
	var site Post
	adopted := false
	if rec.ID > 0 {
		var err error
		site, err = c.GetPost(ctx, rec.ID)
		switch {
		case CodeOf(err) == CodeNotFound || (err == nil && site.Status == "trash"):
			j.Warnings = append(j.Warnings, "the post had been deleted from the site; published as a new post")
			rec = postRecord{}
		case err != nil:
			return err
		}
	}
	if rec.ID == 0 && rec.Slug != "" {
		found, ok, err := c.FindPost(ctx, rec.Slug)
		if err != nil {
			return err
		}
		if ok {
			// Warta's own create, whose answer was lost.
			site, adopted = found, true
			rec.ID, rec.Link, rec.Status, rec.Modified, rec.TextHash = found.ID, found.Link, found.Status, found.ModifiedGMT, postTextHash(found)
			if err := p.st.PutJSON(key, rec); err != nil {
				return storeErr(err)
			}
		}
	}
	if rec.ID == 0 {
		if rec.Slug == "" {
			rec.Slug = postSlug(a)
		}
		rec.Intent = p.o.Now()
		if err := p.st.PutJSON(key, rec); err != nil {
			return storeErr(err)
		}
		f.Slug, f.Status = rec.Slug, want
		if !j.Options.Date.IsZero() {
			f.DateGMT = wpDate(j.Options.Date)
		}
		post, err := c.CreatePost(ctx, f)
		if err != nil {
			return err
		}
		return p.written(j, key, rec, post)
	}

	j.PostID, j.Link, j.PostStatus = rec.ID, site.Link, site.Status
	if !adopted {
		if rec.KeepVersion != 0 && rec.KeepVersion == a.Version && postTextHash(site) == rec.TextHash {
			return nil // the user kept the site's version of this very text
		}
		if postTextHash(site) != rec.TextHash && !sameText(site, f) {
			j.Conflict = &Conflict{
				Site: Version{Title: html.UnescapeString(site.Title.Raw), Content: site.Content.Raw, Excerpt: html.UnescapeString(site.Excerpt.Raw), ModifiedGMT: site.ModifiedGMT},
				Mine: Version{Title: html.UnescapeString(f.Title), Content: f.Content, Excerpt: html.UnescapeString(f.Excerpt)},
			}
			return &Error{Op: "update post", Code: CodeConflict, Message: fmt.Sprintf("the post was edited on the site (last modified %s UTC) since Warta published it", site.ModifiedGMT), Err: ErrConflict}
		}
	}
	switch {
	case (site.Status == StatusPublish || site.Status == StatusFuture || site.Status == "private") && (want == StatusDraft || want == StatusPending):
		if j.Options.Status != "" {
			j.Warnings = append(j.Warnings, fmt.Sprintf("the post is already %s on the site; its status was left as it is", site.Status))
		}
	case want != site.Status:
		f.Status = want
	}
	if !j.Options.Date.IsZero() {
		f.DateGMT = wpDate(j.Options.Date)
	}
	post, err := c.UpdatePost(ctx, rec.ID, f)
	if err != nil {
		return err
	}
	return p.written(j, key, rec, post)
}

// written records the post as the site answered a write.
func (p *Publisher) written(j *Job, key string, rec postRecord, post Post) error {
	rec.ID, rec.Link, rec.Status, rec.Modified, rec.TextHash, rec.KeepVersion = post.ID, post.Link, post.Status, post.ModifiedGMT, postTextHash(post), 0
	if err := p.st.PutJSON(key, rec); err != nil {
		return storeErr(err)
	}
	j.PostID, j.Link, j.PostStatus = post.ID, post.Link, post.Status
	return nil
}

// postSlug is a readable slug from the headline, made unique by the end
// of the article id: "gubernur-resmikan-jembatan-x7k2m9".
func postSlug(a articles.Article) string {
	base := slugify(a.Headline, 60)
	tail := strings.ToLower(a.ID)
	if len(tail) > 6 {
		tail = tail[len(tail)-6:]
	}
	if base == "" {
		return "warta-" + strings.ToLower(a.ID)
	}
	return base + "-" + tail
}

// slugify folds accents, lower-cases, and keeps letters and digits joined
// by single dashes, at most n bytes (cut at a dash).
func slugify(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > n {
		out = out[:n]
		if i := strings.LastIndexByte(out, '-'); i > n/2 {
			out = out[:i]
		}
		out = strings.Trim(out, "-")
	}
	return out
}
