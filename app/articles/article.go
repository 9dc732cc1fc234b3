package articles

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warta-news/warta/app/ids"
)

var (
	// ErrNotFound: no article (or revision) has that id.
	ErrNotFound = errors.New("article not found")
	// ErrConflict: the article was changed elsewhere (another window, an
	// import) since the caller read it. Nothing was overwritten; the
	// caller's text was kept as a "conflict" revision. Get the article
	// again and merge.
	ErrConflict = errors.New("edit conflict: the article was changed elsewhere")
	// ErrInvalid: the article, body, query or file is not acceptable.
	ErrInvalid = errors.New("invalid article")
)

// Status is where an article is in its life: draft → ready → sent → published.
type Status string

// The statuses, in workflow order.
const (
	StatusDraft     Status = "draft"
	StatusReady     Status = "ready" // ready to send
	StatusSent      Status = "sent"
	StatusPublished Status = "published"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusDraft, StatusReady, StatusSent, StatusPublished}

// Languages an article can be written in.
var Languages = []string{"id", "en"}

// Dateline is the place and agency that open the first paragraph:
// "Jakarta, Humas – ".
type Dateline struct {
	Place  string `json:"place"`
	Agency string `json:"agency"`
}

// String renders the dateline without its trailing dash: "Jakarta, Humas".
func (d Dateline) String() string {
	p, a := strings.TrimSpace(d.Place), strings.TrimSpace(d.Agency)
	switch {
	case p != "" && a != "":
		return p + ", " + a
	case p != "":
		return p
	default:
		return a
	}
}

// Article is one news article. Body, a ProseMirror/TipTap document, is the
// source of truth; everything rendered (HTML, WhatsApp, Markdown) is made
// from it.
type Article struct {
	ID             string          `json:"id"`
	Headline       string          `json:"headline"`
	Subheadline    string          `json:"subheadline"`
	Dateline       Dateline        `json:"dateline"`
	EventDate      string          `json:"eventDate"` // "2019-08-21" or ""
	Body           json.RawMessage `json:"body"`
	Reporters      []string        `json:"reporters"` // Pewarta
	Editor         string          `json:"editor"`
	Category       string          `json:"category"`
	Tags           []string        `json:"tags"`
	Status         Status          `json:"status"`
	Language       string          `json:"language"` // "id" or "en"
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"` // last content change
	Version        int64           `json:"version"`   // +1 on every stored change
	WordCount      int             `json:"wordCount"`
	ReadingMinutes int             `json:"readingMinutes"`
	DeletedAt      *time.Time      `json:"deletedAt,omitempty"` // in the trash when set
}

// Summary is what a list shows of an article.
type Summary struct {
	ID        string     `json:"id"`
	Headline  string     `json:"headline"`
	Snippet   string     `json:"snippet"`
	Status    Status     `json:"status"`
	Category  string     `json:"category"`
	UpdatedAt time.Time  `json:"updatedAt"`
	WordCount int        `json:"wordCount"`
	DeletedAt *time.Time `json:"deletedAt,omitempty"`
}

// Limits on what an article may hold. They are far above anything a
// reporter writes and exist so that a runaway paste or a broken file
// cannot wedge the store.
const (
	MaxBodyBytes = 5 << 20 // the body's JSON
	maxLine      = 2000    // runes in headline, subheadline and the short fields
	maxList      = 100     // reporters, tags
	maxDepth     = 64      // nesting of body nodes
)

const emptyBody = `{"type":"doc","content":[{"type":"paragraph"}]}`

// normalise checks a's user-editable fields, fills defaults and the word
// counts, and returns the body lowered to blocks. It never changes text the
// user typed, except that the body JSON is compacted.
func normalise(a *Article) ([]block, error) {
	if a.Status == "" {
		a.Status = StatusDraft
	}
	if !slices.Contains(Statuses, a.Status) {
		return nil, fmt.Errorf("status %q: %w (one of %v)", a.Status, ErrInvalid, Statuses)
	}
	if a.Language == "" {
		a.Language = "id"
	}
	if !slices.Contains(Languages, a.Language) {
		return nil, fmt.Errorf("language %q: %w (one of %v)", a.Language, ErrInvalid, Languages)
	}
	if a.EventDate != "" {
		if _, err := time.Parse(time.DateOnly, a.EventDate); err != nil {
			return nil, fmt.Errorf("event date %q: %w (want YYYY-MM-DD)", a.EventDate, ErrInvalid)
		}
	}
	for name, s := range map[string]string{
		"headline": a.Headline, "subheadline": a.Subheadline, "place": a.Dateline.Place,
		"agency": a.Dateline.Agency, "editor": a.Editor, "category": a.Category,
	} {
		if utf8.RuneCountInString(s) > maxLine {
			return nil, fmt.Errorf("%s is longer than %d characters: %w", name, maxLine, ErrInvalid)
		}
	}
	for name, list := range map[string][]string{"reporters": a.Reporters, "tags": a.Tags} {
		if len(list) > maxList {
			return nil, fmt.Errorf("more than %d %s: %w", maxList, name, ErrInvalid)
		}
		for _, s := range list {
			if utf8.RuneCountInString(s) > maxLine {
				return nil, fmt.Errorf("%s entry is longer than %d characters: %w", name, maxLine, ErrInvalid)
			}
		}
	}
	if a.Reporters == nil {
		a.Reporters = []string{}
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if len(bytes.TrimSpace(a.Body)) == 0 || string(bytes.TrimSpace(a.Body)) == "null" {
		a.Body = json.RawMessage(emptyBody)
	}
	doc, err := parseDoc(a.Body)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, a.Body); err != nil {
		return nil, fmt.Errorf("body: %w: %v", ErrInvalid, err)
	}
	a.Body = buf.Bytes()
	blocks := lower(doc)
	words := countWords(blocks)
	a.WordCount = words
	a.ReadingMinutes = (words + 199) / 200
	return blocks, nil
}

// contentHash identifies the user-editable content of a: headline,
// subheadline, dateline, event date, body (compacted, as normalise leaves
// it), reporters, editor, category, tags, status and language. Two
// articles with the same hash need no new revision.
func contentHash(a Article) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	str := func(s string) { field([]byte(s)) }
	list := func(l []string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(l)))
		h.Write(n[:])
		for _, s := range l {
			str(s)
		}
	}
	str(a.Headline)
	str(a.Subheadline)
	str(a.Dateline.Place)
	str(a.Dateline.Agency)
	str(a.EventDate)
	field(a.Body)
	list(a.Reporters)
	str(a.Editor)
	str(a.Category)
	list(a.Tags)
	str(string(a.Status))
	str(a.Language)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// setContent copies the user-editable fields of src into dst.
func setContent(dst *Article, src Article) {
	dst.Headline, dst.Subheadline, dst.Dateline, dst.EventDate = src.Headline, src.Subheadline, src.Dateline, src.EventDate
	dst.Body, dst.Reporters, dst.Editor, dst.Category = src.Body, src.Reporters, src.Editor, src.Category
	dst.Tags, dst.Status, dst.Language = src.Tags, src.Status, src.Language
}

func newID(t time.Time) string { return ids.New(t) }

// validID reports whether id looks like one newID made. Ids become parts
// of store keys, so nothing else is let through.
func validID(id string) bool { return ids.Valid(id) }

func checkID(id string) error {
	if !validID(id) {
		return fmt.Errorf("article id %q: %w", id, ErrNotFound)
	}
	return nil
}
