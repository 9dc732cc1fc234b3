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
		for _, tok := range words(fold(t)) {
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

// words splits folded text into tokens, in order, with repeats.
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			out = append(out, clip(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, clip(s[start:]))
	}
	return out
}

func clip(tok string) string {
	if utf8.RuneCountInString(tok) <= maxTokenRunes {
		return tok
	}
	return string([]rune(tok)[:maxTokenRunes])
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
