package articles

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Search tokens: text is folded (decomposed, combining marks removed,
// lower-cased: "Café" → "cafe") and split into runs of letters and digits.
const (
	maxTokenRunes   = 40    // longer words are indexed (and searched) by their first 40 letters
	maxTokensPerDoc = 20000 // distinct tokens indexed per article; real articles have < 2,000
)

// fold returns s without accents, lower case.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// tokenize returns the distinct search tokens of the texts, sorted.
func tokenize(texts ...string) []string {
	seen := map[string]struct{}{}
	for _, t := range texts {
		for _, tok := range words(t) {
			if len(seen) >= maxTokensPerDoc {
				break
			}
			seen[tok] = struct{}{}
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// words splits text into folded tokens, in order, with repeats. Words are
// runs of letters and digits (combining marks stay with their letter, to
// be removed by folding).
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || (start >= 0 && unicode.Is(unicode.Mn, r))
		switch {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			out = append(out, foldWord(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, foldWord(s[start:]))
	}
	return out
}

// foldWord folds one word and clips it to maxTokenRunes. Plain ASCII, most
// of an Indonesian text, only needs lower-casing.
func foldWord(w string) string {
	ascii := true
	for i := range len(w) {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		w = strings.ToLower(w)
		if len(w) > maxTokenRunes {
			w = w[:maxTokenRunes]
		}
		return w
	}
	return clip(fold(w))
}

// queryTokens returns the words of a search query, deduplicated, longest
// (usually most selective) first.
func queryTokens(q string) []string {
	toks := tokenize(q)
	slices.SortStableFunc(toks, func(a, b string) int { return len(b) - len(a) })
	return toks
}

// hasPrefixToken reports whether the sorted token list has a token
// starting with prefix.
func hasPrefixToken(sorted []string, prefix string) bool {
	i, _ := slices.BinarySearch(sorted, prefix)
	return i < len(sorted) && strings.HasPrefix(sorted[i], prefix)
}

// searchTexts are the parts of an article that search covers: headline,
// subheadline, body text and figure captions.
func searchTexts(a *Article, blocks []block) []string {
	return textBlocks(blocks, true, []string{a.Headline, a.Subheadline})
}

func clip(tok string) string {
	if utf8.RuneCountInString(tok) <= maxTokenRunes {
		return tok
	}
	return string([]rune(tok)[:maxTokenRunes])
}
