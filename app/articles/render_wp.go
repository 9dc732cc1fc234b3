package articles

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// WPImage is what a library photo ("warta-photo:<id>") is on a WordPress
// site: its attachment id, the URL of the file and its alt text.
type WPImage struct {
	ID  int
	URL string
	Alt string
}

// WordPressHTML renders a as the content of a WordPress post: the body
// with the dateline opening the first paragraph, figures as
//
//	<figure class="wp-block-image"><img src="…" alt="…" class="wp-image-ID" /><figcaption>…</figcaption></figure>
//
// and "Pewarta: …" (and "Editor: …") closing it. The headline and the
// subheadline are not in it: they are the post's title and excerpt.
// image maps a photo id to its attachment; a figure whose image is not a
// library photo known to image (a pasted data: image, a relative path)
// keeps its caption and loses the image. An image's alt is the figure's
// own, else the attachment's.
func WordPressHTML(a Article, image func(photoID string) (WPImage, bool)) (string, error) {
	d, err := parseDoc(bodyOrEmpty(a.Body))
	if err != nil {
		return "", err
	}
	blocks, prefix := withDateline(lower(d), a.Dateline)
	if prefix != "" {
		prefix = esc(prefix) + " "
	}
	var sb strings.Builder
	wpBlocks(&sb, blocks, prefix, image)
	if c := credits(a); c != "" {
		sb.WriteString("<p>" + strings.ReplaceAll(esc(c), "\n", "<br>") + "</p>\n")
	}
	return ksesForm.Replace(wpPolicy().Sanitize(sb.String())), nil
}

// ksesForm writes void tags and quote entities the way WordPress's kses
// filter stores them ("<br />", "&quot;"), so that a post's stored content
// is what Warta sent whatever the user's role.
var ksesForm = strings.NewReplacer("/>", " />", "&#34;", "&quot;", "&#39;", "&#039;")

// PhotoIDs returns the library photos the article's figures show
// ("warta-photo:<id>"), in order, once each.
func PhotoIDs(a Article) []string {
	d, err := parseDoc(bodyOrEmpty(a.Body))
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	var walk func([]block)
	walk = func(bs []block) {
		for _, b := range bs {
			if id, ok := strings.CutPrefix(b.src, "warta-photo:"); ok && b.kind == bFigure && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
			walk(b.children)
			for _, it := range b.items {
				walk(it)
			}
		}
	}
	walk(lower(d))
	return out
}

func wpBlocks(sb *strings.Builder, blocks []block, firstPara string, image func(string) (WPImage, bool)) {
	for _, b := range blocks {
		switch b.kind {
		case bQuote:
			sb.WriteString("<blockquote>\n")
			wpBlocks(sb, b.children, "", image)
			sb.WriteString("</blockquote>\n")
		case bBullets, bNumbers:
			tag := "ul"
			if b.kind == bNumbers {
				tag = "ol"
			}
			sb.WriteString("<" + tag + ">\n")
			for _, it := range b.items {
				sb.WriteString("<li>")
				wpBlocks(sb, it, "", image)
				sb.WriteString("</li>\n")
			}
			sb.WriteString("</" + tag + ">\n")
		case bFigure:
			var img WPImage
			var ok bool
			if id, isPhoto := strings.CutPrefix(b.src, "warta-photo:"); isPhoto && image != nil {
				img, ok = image(id)
			}
			if !ok && !hasText(b.spans) {
				continue
			}
			sb.WriteString(`<figure class="wp-block-image">`)
			if ok && img.URL != "" {
				alt := strings.TrimSpace(b.alt)
				if alt == "" {
					alt = img.Alt
				}
				sb.WriteString(`<img src="` + esc(img.URL) + `" alt="` + esc(alt) + `"`)
				if img.ID > 0 {
					sb.WriteString(` class="wp-image-` + strconv.Itoa(img.ID) + `"`)
				}
				sb.WriteString("/>")
			}
			if hasText(b.spans) {
				sb.WriteString("<figcaption>")
				htmlSpans(sb, b.spans)
				sb.WriteString("</figcaption>")
			}
			sb.WriteString("</figure>\n")
		default:
			if b.kind == bPara {
				sb.WriteString("<p>" + firstPara)
				firstPara = ""
				htmlSpans(sb, b.spans)
				sb.WriteString("</p>\n")
				continue
			}
			htmlBlocks(sb, []block{b}, "")
		}
	}
	if firstPara != "" {
		sb.WriteString("<p>" + strings.TrimSpace(firstPara) + "</p>\n")
	}
}

var (
	wpPolicyOnce sync.Once
	wpPol        *bluemonday.Policy
	wpImageClass = regexp.MustCompile(`^wp-image-[0-9]+$`)
	wpFigClass   = regexp.MustCompile(`^wp-block-image$`)
	httpURL      = regexp.MustCompile(`(?i)^https?://`)
)

func wpPolicy() *bluemonday.Policy {
	wpPolicyOnce.Do(func() {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "h2", "h3", "strong", "em", "blockquote", "ul", "ol", "li", "figure", "figcaption", "br")
		p.AllowAttrs("href").Matching(hrefPattern).OnElements("a")
		p.AllowAttrs("rel").Matching(noopener).OnElements("a")
		p.AllowAttrs("src").Matching(httpURL).OnElements("img")
		p.AllowAttrs("alt").OnElements("img")
		p.AllowAttrs("class").Matching(wpImageClass).OnElements("img")
		p.AllowAttrs("class").Matching(wpFigClass).OnElements("figure")
		p.AllowURLSchemes("http", "https", "mailto")
		p.RequireParseableURLs(true)
		wpPol = p
	})
	return wpPol
}
