package articles

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// node is one node of a ProseMirror/TipTap document as JSON.
type node struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []node         `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []mark         `json:"marks,omitempty"`
}

type mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// parseDoc decodes a body: a JSON object of type "doc", at most
// MaxBodyBytes long and maxDepth deep.
func parseDoc(raw json.RawMessage) (*node, error) {
	if len(raw) > MaxBodyBytes {
		return nil, fmt.Errorf("body is %d bytes, more than the %d allowed: %w", len(raw), MaxBodyBytes, ErrInvalid)
	}
	var d node
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("body is not a document: %w: %v", ErrInvalid, err)
	}
	if d.Type != "doc" {
		return nil, fmt.Errorf("body has type %q, want \"doc\": %w", d.Type, ErrInvalid)
	}
	if depth(&d) > maxDepth {
		return nil, fmt.Errorf("body is nested more than %d deep: %w", maxDepth, ErrInvalid)
	}
	return &d, nil
}

func depth(n *node) int {
	d := 0
	for i := range n.Content {
		d = max(d, depth(&n.Content[i]))
	}
	return d + 1
}

// The document is first lowered to blocks and spans, a small model every
// renderer shares. Lowering is where the schema is enforced: unknown node
// types keep their text and lose their markup, unsafe links and images
// are dropped.

type blockKind int

const (
	bPara blockKind = iota
	bH2
	bH3
	bQuote
	bBullets
	bNumbers
	bFigure
)

type block struct {
	kind     blockKind
	spans    []span    // paragraph, heading, figure caption
	children []block   // blockquote
	items    [][]block // lists
	src      string    // figure: a safe image source, or "" if none
	alt      string
	title    string
}

type span struct {
	text         string
	bold, italic bool
	href         string // a safe link target, or ""
	br           bool   // a hard line break (text is empty)
}

// lower turns a document into blocks.
func lower(doc *node) []block { return lowerBlocks(doc.Content) }

func lowerBlocks(nodes []node) []block {
	var out []block
	var pending []span // inline nodes met at block level gather into a paragraph
	flush := func() {
		if hasText(pending) {
			out = append(out, block{kind: bPara, spans: pending})
		}
		pending = nil
	}
	for i := range nodes {
		n := &nodes[i]
		switch n.Type {
		case "text", "hardBreak":
			pending = append(pending, lowerInline([]node{*n}, span{})...)
			continue
		}
		flush()
		switch n.Type {
		case "paragraph":
			if s := lowerInline(n.Content, span{}); hasText(s) {
				out = append(out, block{kind: bPara, spans: s})
			}
		case "heading":
			s := lowerInline(n.Content, span{})
			if !hasText(s) {
				continue
			}
			k := bH2
			if lvl, _ := n.Attrs["level"].(float64); lvl >= 3 {
				k = bH3
			}
			out = append(out, block{kind: k, spans: s})
		case "blockquote":
			if c := lowerBlocks(n.Content); len(c) > 0 {
				out = append(out, block{kind: bQuote, children: c})
			}
		case "bulletList", "orderedList":
			b := block{kind: bBullets}
			if n.Type == "orderedList" {
				b.kind = bNumbers
			}
			for j := range n.Content {
				item := n.Content[j : j+1]
				if n.Content[j].Type == "listItem" {
					item = n.Content[j].Content
				}
				if c := lowerBlocks(item); len(c) > 0 {
					b.items = append(b.items, c)
				}
			}
			if len(b.items) > 0 {
				out = append(out, b)
			}
		case "figure":
			b := block{kind: bFigure, spans: lowerInline(n.Content, span{})}
			b.src = safeImageSrc(attr(n, "src"))
			b.alt, b.title = attr(n, "alt"), attr(n, "title")
			if b.src != "" || hasText(b.spans) {
				out = append(out, b)
			}
		case "listItem", "doc":
			out = append(out, lowerBlocks(n.Content)...)
		default:
			// Unknown: keep the words, drop the markup.
			if t := strings.TrimSpace(textOf(n)); t != "" {
				out = append(out, block{kind: bPara, spans: []span{{text: t}}})
			}
		}
	}
	flush()
	return out
}

// lowerInline turns inline content into spans; in carries the marks of
// the enclosing nodes.
func lowerInline(nodes []node, in span) []span {
	var out []span
	for i := range nodes {
		n := &nodes[i]
		switch n.Type {
		case "text":
			s := in
			s.text = n.Text
			for _, m := range n.Marks {
				switch m.Type {
				case "bold", "strong":
					s.bold = true
				case "italic", "em":
					s.italic = true
				case "link":
					href, _ := m.Attrs["href"].(string)
					s.href = safeHref(href)
				}
			}
			if s.text != "" {
				out = append(out, s)
			}
		case "hardBreak":
			out = append(out, span{br: true})
		default:
			// Another node where inline content belongs: keep its text. A
			// block (a paragraph pasted into a paragraph, a table) is set
			// apart by spaces so that words do not run together.
			inner := lowerInline(n.Content, in)
			if !hasText(inner) {
				continue
			}
			if isBlock(n) {
				inner = append([]span{{text: " "}}, append(inner, span{text: " "})...)
			}
			out = append(out, inner...)
		}
	}
	return trimSpans(mergeSpans(out))
}

// isBlock reports whether n is a block node: a known block type, or one
// whose content is not inline.
func isBlock(n *node) bool {
	switch n.Type {
	case "paragraph", "heading", "blockquote", "bulletList", "orderedList", "listItem", "figure", "doc":
		return true
	}
	for i := range n.Content {
		if t := n.Content[i].Type; t != "text" && t != "hardBreak" {
			return true
		}
	}
	return false
}

// trimSpans drops the separator spaces isBlock added at the edges.
func trimSpans(s []span) []span {
	if len(s) > 0 && s[0].text == " " && !s[0].bold && !s[0].italic && s[0].href == "" {
		s = s[1:]
	}
	if k := len(s) - 1; k >= 0 && s[k].text == " " && !s[k].bold && !s[k].italic && s[k].href == "" {
		s = s[:k]
	}
	return s
}

// mergeSpans joins neighbours with the same marks, so renderers with
// delimiter syntax (*bold*) emit one run instead of several.
func mergeSpans(in []span) []span {
	var out []span
	for _, s := range in {
		if k := len(out) - 1; k >= 0 && !s.br && !out[k].br &&
			s.bold == out[k].bold && s.italic == out[k].italic && s.href == out[k].href {
			out[k].text += s.text
			continue
		}
		out = append(out, s)
	}
	return out
}

func hasText(spans []span) bool {
	for _, s := range spans {
		if strings.TrimSpace(s.text) != "" {
			return true
		}
	}
	return false
}

// textOf is the text of n and its descendants; the texts of sibling block
// nodes are separated by a space.
func textOf(n *node) string {
	if n.Type == "text" {
		return n.Text
	}
	if n.Type == "hardBreak" {
		return " "
	}
	inline := true
	for i := range n.Content {
		if t := n.Content[i].Type; t != "text" && t != "hardBreak" {
			inline = false
		}
	}
	var parts []string
	for i := range n.Content {
		if t := textOf(&n.Content[i]); t != "" {
			parts = append(parts, t)
		}
	}
	if inline {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

func attr(n *node, name string) string {
	s, _ := n.Attrs[name].(string)
	return s
}

// safeHref returns href if it is an http, https or mailto URL, else "".
func safeHref(href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.ContainsFunc(href, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
		return href
	case "mailto":
		return href
	}
	return ""
}

var (
	relativePath = regexp.MustCompile(`^[A-Za-z0-9_.\-][A-Za-z0-9_.\-/%]*$`)
	photoRef     = regexp.MustCompile(`^warta-photo:[A-Za-z0-9_.\-/%]+$`)
)

// safeImageSrc returns src if it is a local image: a base64 PNG/JPEG/WebP
// data URI, a warta-photo: reference, or a relative path. Remote images
// (they would leak the reader's IP, and fail offline) and every other
// scheme give "".
func safeImageSrc(src string) string {
	src = strings.TrimSpace(src)
	switch {
	case isDataImage(src), photoRef.MatchString(src):
		return src
	case relativePath.MatchString(src) && !strings.Contains(src, "..") && !strings.HasPrefix(src, "/"):
		return src
	}
	return ""
}

// isDataImage reports whether s is data:image/(png|jpeg|webp);base64,
// followed by base64 and nothing else. (A loop, not a regexp: photos
// pasted inline run to megabytes.)
func isDataImage(s string) bool {
	var data string
	for _, p := range []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			data = rest
			break
		}
	}
	body := strings.TrimRight(data, "=")
	if body == "" || len(data)-len(body) > 2 {
		return false
	}
	for i := range len(body) {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// textBlocks returns the text of each block, for word counts, snippets
// and search. withCaptions includes figure captions.
func textBlocks(blocks []block, withCaptions bool, out []string) []string {
	for _, b := range blocks {
		switch b.kind {
		case bQuote:
			out = textBlocks(b.children, withCaptions, out)
		case bBullets, bNumbers:
			for _, it := range b.items {
				out = textBlocks(it, withCaptions, out)
			}
		case bFigure:
			if withCaptions {
				out = append(out, spansText(b.spans, " "))
			}
		default:
			out = append(out, spansText(b.spans, " "))
		}
	}
	return out
}

func spansText(spans []span, br string) string {
	var sb strings.Builder
	for _, s := range spans {
		if s.br {
			sb.WriteString(br)
		}
		sb.WriteString(s.text)
	}
	return sb.String()
}

// countWords counts the words of the body text, figure captions excluded:
// runs of non-space characters that hold at least one letter or digit
// (so a lone "–" is not a word).
func countWords(blocks []block) int {
	n := 0
	for _, t := range textBlocks(blocks, false, nil) {
		for _, f := range strings.Fields(t) {
			if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				n++
			}
		}
	}
	return n
}

// snippet is the start of the body text, cut at a word, for lists.
func snippet(blocks []block) string {
	const limit = 180
	var sb strings.Builder
	for _, t := range textBlocks(blocks, false, nil) {
		for _, f := range strings.Fields(t) {
			if sb.Len() > 0 {
				if sb.Len()+1+len(f) > limit {
					return sb.String() + "…"
				}
				sb.WriteByte(' ')
			}
			if len(f) > limit {
				return string([]rune(f)[:limit/4]) + "…"
			}
			sb.WriteString(f)
		}
	}
	return sb.String()
}
