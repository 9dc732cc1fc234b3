package articles

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
)

// HTML renders a body as clean HTML: p, h2, h3, strong, em, a (http, https
// and mailto only, rel="noopener"), blockquote, ul, ol, li, figure with img
// and figcaption, br. Everything else is dropped (unknown nodes keep their
// text), all text is escaped, and the result is passed through a
// bluemonday policy as a second line of defence.
func HTML(doc json.RawMessage) (string, error) {
	d, err := parseDoc(doc)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	htmlBlocks(&sb, lower(d), "")
	return bodyPolicy().Sanitize(sb.String()), nil
}

// PublishedHTML renders the whole article as it will be published: the
// headline (h1), subheadline, dateline opening the first paragraph, the
// body with its figures and captions, and "Pewarta: …".
func PublishedHTML(a Article) (string, error) {
	d, err := parseDoc(bodyOrEmpty(a.Body))
	if err != nil {
		return "", err
	}
	blocks := lower(d)
	var sb strings.Builder
	sb.WriteString("<article>\n")
	if h := strings.TrimSpace(a.Headline); h != "" {
		sb.WriteString("<h1>" + esc(h) + "</h1>\n")
	}
	if s := strings.TrimSpace(a.Subheadline); s != "" {
		sb.WriteString(`<p class="subheadline">` + esc(s) + "</p>\n")
	}
	blocks, prefix := withDateline(blocks, a.Dateline)
	if prefix != "" {
		prefix = `<span class="dateline">` + esc(prefix) + "</span> "
	}
	htmlBlocks(&sb, blocks, prefix)
	if c := credits(a); c != "" {
		sb.WriteString(`<p class="byline">` + strings.ReplaceAll(esc(c), "\n", "<br>") + "</p>\n")
	}
	sb.WriteString("</article>\n")
	return publishedPolicy().Sanitize(sb.String()), nil
}

func bodyOrEmpty(b json.RawMessage) json.RawMessage {
	if len(strings.TrimSpace(string(b))) == 0 {
		return json.RawMessage(emptyBody)
	}
	return b
}

var esc = html.EscapeString

// htmlBlocks writes blocks; firstPara (already HTML) opens the first
// top-level paragraph, which is where a dateline goes.
func htmlBlocks(sb *strings.Builder, blocks []block, firstPara string) {
	for _, b := range blocks {
		switch b.kind {
		case bPara:
			sb.WriteString("<p>" + firstPara)
			firstPara = ""
			htmlSpans(sb, b.spans)
			sb.WriteString("</p>\n")
		case bH2, bH3:
			tag := "h2"
			if b.kind == bH3 {
				tag = "h3"
			}
			sb.WriteString("<" + tag + ">")
			htmlSpans(sb, b.spans)
			sb.WriteString("</" + tag + ">\n")
		case bQuote:
			sb.WriteString("<blockquote>\n")
			htmlBlocks(sb, b.children, "")
			sb.WriteString("</blockquote>\n")
		case bBullets, bNumbers:
			tag := "ul"
			if b.kind == bNumbers {
				tag = "ol"
			}
			sb.WriteString("<" + tag + ">\n")
			for _, it := range b.items {
				sb.WriteString("<li>")
				htmlBlocks(sb, it, "")
				sb.WriteString("</li>\n")
			}
			sb.WriteString("</" + tag + ">\n")
		case bFigure:
			sb.WriteString("<figure>")
			if b.src != "" {
				sb.WriteString(`<img src="` + esc(b.src) + `" alt="` + esc(b.alt) + `"`)
				if b.title != "" {
					sb.WriteString(` title="` + esc(b.title) + `"`)
				}
				sb.WriteString(">")
			}
			if hasText(b.spans) {
				sb.WriteString("<figcaption>")
				htmlSpans(sb, b.spans)
				sb.WriteString("</figcaption>")
			}
			sb.WriteString("</figure>\n")
		}
	}
	if firstPara != "" { // no paragraph at all: the dateline stands alone
		sb.WriteString("<p>" + strings.TrimSpace(firstPara) + "</p>\n")
	}
}

func htmlSpans(sb *strings.Builder, spans []span) {
	for _, s := range spans {
		if s.br {
			sb.WriteString("<br>")
			continue
		}
		t := esc(s.text)
		if s.italic {
			t = "<em>" + t + "</em>"
		}
		if s.bold {
			t = "<strong>" + t + "</strong>"
		}
		if s.href != "" {
			t = `<a href="` + esc(s.href) + `" rel="noopener">` + t + "</a>"
		}
		sb.WriteString(t)
	}
}

var (
	policyOnce          sync.Once
	body, published     *bluemonday.Policy
	hrefPattern         = regexp.MustCompile(`(?i)^(https?://|mailto:)`)
	imgSrcPattern       = regexp.MustCompile(`^(data:image/(png|jpeg|webp);base64,|warta-photo:|[A-Za-z0-9_.\-])`)
	noopener            = regexp.MustCompile(`^noopener$`)
	publishedClassNames = regexp.MustCompile(`^(subheadline|dateline|byline)$`)
)

func makePolicies() {
	mk := func() *bluemonday.Policy {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "h2", "h3", "strong", "em", "blockquote", "ul", "ol", "li", "figure", "figcaption", "br")
		p.AllowAttrs("href").Matching(hrefPattern).OnElements("a")
		p.AllowAttrs("rel").Matching(noopener).OnElements("a")
		p.AllowAttrs("src").Matching(imgSrcPattern).OnElements("img")
		p.AllowAttrs("alt", "title").OnElements("img")
		p.AllowURLSchemes("http", "https", "mailto")
		p.AllowURLSchemeWithCustomPolicy("warta-photo", func(*url.URL) bool { return true })
		p.AllowDataURIImages()
		p.AllowRelativeURLs(true)
		p.RequireParseableURLs(true)
		return p
	}
	body = mk()
	published = mk()
	published.AllowElements("article", "h1", "span")
	published.AllowAttrs("class").Matching(publishedClassNames).OnElements("p", "span")
}

func bodyPolicy() *bluemonday.Policy      { policyOnce.Do(makePolicies); return body }
func publishedPolicy() *bluemonday.Policy { policyOnce.Do(makePolicies); return published }

// PlainText is the body's text: blocks separated by a blank line, list
// items on lines of their own ("- " or "1. "), figure captions kept.
func PlainText(doc json.RawMessage) string {
	d, err := parseDoc(doc)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	textRender{plain: true}.blocks(&sb, lower(d), "", "")
	return strings.TrimRight(sb.String(), "\n")
}

// WhatsApp renders a for pasting into WhatsApp: *bold* headline, a blank
// line, the dateline opening the first paragraph ("Jakarta, Humas – …"),
// the paragraphs, figure captions in _italics_, then "Pewarta: A/B".
// Inline bold and italic use WhatsApp's *bold* and _italic_.
func WhatsApp(a Article) string {
	r := textRender{whatsapp: true}
	var sb strings.Builder
	if h := oneLine(a.Headline); h != "" {
		sb.WriteString("*" + h + "*\n\n")
	}
	if s := oneLine(a.Subheadline); s != "" {
		sb.WriteString("_" + s + "_\n\n")
	}
	r.body(&sb, a)
	if c := credits(a); c != "" {
		sb.WriteString(c + "\n")
	}
	return strings.TrimRight(sb.String(), "\n") + "\n"
}

// Markdown renders a as Markdown (CommonMark): "# Headline", the
// subheadline in italics, the body, figures as images with their caption,
// and the credits.
func Markdown(a Article) string {
	r := textRender{markdown: true}
	var sb strings.Builder
	if h := oneLine(a.Headline); h != "" {
		sb.WriteString("# " + mdEscape(h) + "\n\n")
	}
	if s := oneLine(a.Subheadline); s != "" {
		sb.WriteString("_" + mdEscape(s) + "_\n\n")
	}
	r.body(&sb, a)
	if c := credits(a); c != "" {
		sb.WriteString(strings.ReplaceAll(mdEscape(c), "\n", "  \n") + "\n")
	}
	return strings.TrimRight(sb.String(), "\n") + "\n"
}

// textRender writes the line-based formats: plain text, WhatsApp, Markdown.
type textRender struct{ plain, whatsapp, markdown bool }

func (r textRender) body(sb *strings.Builder, a Article) {
	d, err := parseDoc(bodyOrEmpty(a.Body))
	if err != nil {
		return
	}
	blocks, prefix := withDateline(lower(d), a.Dateline)
	if r.markdown {
		prefix = mdEscape(prefix)
	}
	if prefix != "" {
		prefix += " "
	}
	r.blocks(sb, blocks, "", prefix)
}

// blocks writes blocks, each line starting with indent; firstPara opens
// the first paragraph.
func (r textRender) blocks(sb *strings.Builder, blocks []block, indent, firstPara string) {
	for _, b := range blocks {
		switch b.kind {
		case bPara:
			r.para(sb, indent, firstPara+r.spans(b.spans))
			firstPara = ""
		case bH2, bH3:
			t := r.spans(b.spans)
			switch {
			case r.whatsapp:
				t = wrap(plainSpans(b.spans), "*")
			case r.markdown && b.kind == bH2:
				t = "## " + t
			case r.markdown:
				t = "### " + t
			}
			r.para(sb, indent, t)
		case bQuote:
			q := indent
			if !r.plain {
				q += "> "
			}
			var inner strings.Builder
			r.blocks(&inner, b.children, "", "")
			for _, line := range strings.Split(strings.TrimRight(inner.String(), "\n"), "\n") {
				sb.WriteString(strings.TrimRight(q+line, " ") + "\n")
			}
			sb.WriteString("\n")
		case bBullets, bNumbers:
			for i, it := range b.items {
				marker := "- "
				if b.kind == bNumbers {
					marker = itoa(i+1) + ". "
				} else if r.whatsapp {
					marker = "• "
				}
				var inner strings.Builder
				r.blocks(&inner, it, "", "")
				lines := strings.Split(strings.TrimRight(inner.String(), "\n"), "\n")
				for j, line := range lines {
					if j == 0 {
						sb.WriteString(indent + marker + line + "\n")
					} else if line != "" {
						sb.WriteString(indent + strings.Repeat(" ", len(marker)) + line + "\n")
					}
				}
			}
			sb.WriteString("\n")
		case bFigure:
			caption := oneLine(plainSpans(b.spans))
			switch {
			case r.markdown:
				var img string
				if b.src != "" {
					img = "![" + mdEscape(b.alt) + "](<" + b.src + ">"
					if b.title != "" {
						img += ` "` + strings.ReplaceAll(b.title, `"`, `\"`) + `"`
					}
					img += ")"
				}
				if caption != "" {
					if img != "" {
						img += "  \n"
					}
					img += wrap(mdEscape(caption), "_")
				}
				r.para(sb, indent, img)
			case r.whatsapp:
				if caption != "" {
					r.para(sb, indent, wrap(caption, "_"))
				}
			default:
				if caption != "" {
					r.para(sb, indent, caption)
				}
			}
		}
	}
	if firstPara != "" {
		r.para(sb, indent, strings.TrimSpace(firstPara))
	}
}

func (r textRender) para(sb *strings.Builder, indent, text string) {
	for _, line := range strings.Split(text, "\n") {
		sb.WriteString(indent + line + "\n")
	}
	sb.WriteString("\n")
}

func (r textRender) spans(spans []span) string {
	var sb strings.Builder
	for i, s := range spans {
		if s.br {
			if r.markdown {
				sb.WriteString("\\")
			}
			sb.WriteString("\n")
			continue
		}
		t := s.text
		if i == 0 {
			t = strings.TrimLeftFunc(t, unicode.IsSpace)
		}
		if i == len(spans)-1 {
			t = strings.TrimRightFunc(t, unicode.IsSpace)
		}
		switch {
		case r.markdown:
			t = mdEscape(t)
			if s.italic {
				t = wrap(t, "_")
			}
			if s.bold {
				t = wrap(t, "**")
			}
			if s.href != "" {
				lead, core, trail := splitSpace(t)
				t = lead + "[" + core + "](<" + s.href + ">)" + trail
			}
		case r.whatsapp:
			if s.italic {
				t = wrap(t, "_")
			}
			if s.bold {
				t = wrap(t, "*")
			}
			if s.href != "" && strings.TrimSpace(s.text) != s.href {
				t += " (" + s.href + ")"
			}
		}
		sb.WriteString(t)
	}
	return sb.String()
}

// wrap puts delimiters round the non-space core of t, leaving its leading
// and trailing spaces outside, as WhatsApp and Markdown need.
func wrap(t, delim string) string {
	lead, core, trail := splitSpace(t)
	if core == "" {
		return t
	}
	return lead + delim + core + delim + trail
}

func splitSpace(t string) (lead, core, trail string) {
	core = strings.TrimLeftFunc(t, unicode.IsSpace)
	lead = t[:len(t)-len(core)]
	c2 := strings.TrimRightFunc(core, unicode.IsSpace)
	return lead, c2, core[len(c2):]
}

func plainSpans(spans []span) string { return spansText(spans, " ") }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var mdSpecial = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`", "<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`)

var mdListStart = regexp.MustCompile(`^(\s*)([-+]|\d+[.)])(\s)`)

// mdEscape makes text literal in Markdown.
func mdEscape(s string) string {
	s = mdSpecial.Replace(s)
	return mdListStart.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.IndexFunc(m, func(r rune) bool { return !unicode.IsSpace(r) })
		j := strings.LastIndexFunc(m, func(r rune) bool { return !unicode.IsSpace(r) })
		return m[:i] + m[i:j] + `\` + m[j:]
	})
}

// withDateline returns where the dateline goes: the prefix that opens the
// first top-level paragraph ("Jakarta, Humas –"), or "" if there is no
// dateline or the paragraph already starts with it.
func withDateline(blocks []block, d Dateline) ([]block, string) {
	dl := d.String()
	if dl == "" {
		return blocks, ""
	}
	for _, b := range blocks {
		if b.kind == bPara {
			if startsWithDateline(spansText(b.spans, " "), dl) {
				return blocks, ""
			}
			break
		}
	}
	return blocks, dl + " –"
}

func startsWithDateline(text, dl string) bool {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(strings.ToLower(t), strings.ToLower(dl)) {
		return false
	}
	rest := strings.TrimLeftFunc(t[len(dl):], unicode.IsSpace)
	return strings.HasPrefix(rest, "–") || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "—")
}

// credits is "Pewarta: A/B" and, if set, "Editor: C" on the next line.
func credits(a Article) string {
	var reps []string
	for _, r := range a.Reporters {
		if r = oneLine(r); r != "" {
			reps = append(reps, r)
		}
	}
	var lines []string
	if len(reps) > 0 {
		label := "Pewarta"
		if a.Language == "en" {
			label = "Reporter"
		}
		lines = append(lines, label+": "+strings.Join(reps, "/"))
	}
	if e := oneLine(a.Editor); e != "" {
		lines = append(lines, "Editor: "+e)
	}
	return strings.Join(lines, "\n")
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
