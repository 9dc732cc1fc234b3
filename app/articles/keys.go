package articles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/warta-news/warta/app/store"
)

// Key namespaces (documented in app/store/doc.go).
const (
	pArticle = "art/" // art/<id>                 the article, JSON
	pSummary = "sum/" // sum/<id>                 its Summary, JSON
	pList    = "ls/"  // ls/<L|T>/<t>/<id>        list order, empty value
	pRev     = "rev/" // rev/<id>/<seq>           a revision's full snapshot, JSON Article
	pRevMeta = "rvm/" // rvm/<id>/<seq>           that revision's revMeta, JSON
	pIndex   = "ix/"  // ix/<token>/<id>          search index, empty value
	pTokens  = "tk/"  // tk/<id>                  the article's tokens, space separated
	pSuggest = "sg/"  // sg/<kind>/<value>        how many articles use value, JSON int
	keyMeta  = "meta/articles"
)

// layoutVersion is the version of the articles key layout this build
// writes; New refuses a store written with a newer one.
const layoutVersion = 1

func kArticle(id string) string    { return pArticle + id }
func kSummary(id string) string    { return pSummary + id }
func kTokens(id string) string     { return pTokens + id }
func kIndex(tok, id string) string { return pIndex + tok + "/" + id }

func kRev(id string, seq int64) string     { return fmt.Sprintf("%s%s/%016x", pRev, id, seq) }
func kRevMeta(id string, seq int64) string { return fmt.Sprintf("%s%s/%016x", pRevMeta, id, seq) }

// kList orders articles newest first: L (live) or T (trash), then the
// update time counted down from the largest uint64, so that key order is
// newest first.
func kList(a *Article) string {
	shelf := "L"
	if a.DeletedAt != nil {
		shelf = "T"
	}
	return fmt.Sprintf("%s%s/%016x/%s", pList, shelf, uint64(math.MaxUint64)-uint64(a.UpdatedAt.UnixNano()), a.ID)
}

func listPrefix(trash bool) string {
	if trash {
		return pList + "T/"
	}
	return pList + "L/"
}

// idOfKey is the last path element of a key: the article id in ls/ and ix/
// keys.
func idOfKey(k string) string { return k[strings.LastIndexByte(k, '/')+1:] }

// records are the keys and values an article's current state implies,
// besides its revisions and the suggestion counters.
func records(a *Article, blocks []block) (map[string][]byte, []string, error) {
	toks := tokenize(searchTexts(a, blocks)...)
	out := make(map[string][]byte, len(toks)+4)
	b, err := json.Marshal(a)
	if err != nil {
		return nil, nil, fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	out[kArticle(a.ID)] = b
	s, _ := json.Marshal(summaryOf(a, blocks))
	out[kSummary(a.ID)] = s
	out[kList(a)] = nil
	out[kTokens(a.ID)] = []byte(strings.Join(toks, " "))
	for _, t := range toks {
		out[kIndex(t, a.ID)] = nil
	}
	return out, toks, nil
}

// oldKeys are the keys records made for a stored article whose indexed
// tokens were toks.
func oldKeys(a *Article, toks []string) map[string]bool {
	out := map[string]bool{kArticle(a.ID): true, kSummary(a.ID): true, kList(a): true, kTokens(a.ID): true}
	for _, t := range toks {
		out[kIndex(t, a.ID)] = true
	}
	return out
}

func summaryOf(a *Article, blocks []block) Summary {
	return Summary{ID: a.ID, Headline: a.Headline, Snippet: snippet(blocks), Status: a.Status,
		Category: a.Category, UpdatedAt: a.UpdatedAt, WordCount: a.WordCount, DeletedAt: a.DeletedAt}
}

// writeArticle moves an article from its stored state old (nil: new) to a
// (nil: hard delete), updating every derived key in the same transaction:
// summary, list order, search index and suggestion counters. Revisions
// are the caller's business. It returns the article's JSON as stored (nil
// for a delete), which is also what a revision snapshot holds.
func writeArticle(tx *store.Txn, old, a *Article, blocks []block) ([]byte, error) {
	prev := map[string]bool{}
	var oldTokens []byte
	if old != nil {
		var err error
		oldTokens, err = tx.Get(kTokens(old.ID))
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		prev = oldKeys(old, strings.Fields(string(oldTokens)))
	}
	next := map[string][]byte{}
	if a != nil {
		var err error
		if next, _, err = records(a, blocks); err != nil {
			return nil, err
		}
	}
	for k := range prev {
		if _, keep := next[k]; !keep {
			if err := tx.Delete(k); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range next {
		// Index and list keys carry no value: an existing one is already
		// right; so is an unchanged token list.
		if prev[k] && (strings.HasPrefix(k, pIndex) || strings.HasPrefix(k, pList) ||
			(strings.HasPrefix(k, pTokens) && bytes.Equal(v, oldTokens))) {
			continue
		}
		if err := tx.Set(k, v); err != nil {
			return nil, err
		}
	}
	if a == nil {
		return nil, updateCounters(tx, suggestionValues(old), nil)
	}
	return next[kArticle(a.ID)], updateCounters(tx, suggestionValues(old), suggestionValues(a))
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// Suggestion kinds, as in Suggestions' JSON.
var suggestionKinds = []string{"reporters", "editors", "categories", "tags", "places", "agencies"}

const maxSuggestionRunes = 200

// suggestionValues is the set of values a contributes to each kind.
func suggestionValues(a *Article) map[string][]string {
	out := map[string][]string{}
	if a == nil {
		return out
	}
	add := func(kind string, vals ...string) {
		for _, v := range vals {
			v = oneLine(v)
			if v == "" || utf8.RuneCountInString(v) > maxSuggestionRunes || slices.Contains(out[kind], v) {
				continue
			}
			out[kind] = append(out[kind], v)
		}
	}
	add("reporters", a.Reporters...)
	add("editors", a.Editor)
	add("categories", a.Category)
	add("tags", a.Tags...)
	add("places", a.Dateline.Place)
	add("agencies", a.Dateline.Agency)
	return out
}

func kSuggest(kind, v string) string { return pSuggest + kind + "/" + v }

// updateCounters moves the suggestion counters from the values of an old
// state to those of a new one.
func updateCounters(tx *store.Txn, old, cur map[string][]string) error {
	for _, kind := range suggestionKinds {
		delta := map[string]int{}
		for _, v := range old[kind] {
			delta[v]--
		}
		for _, v := range cur[kind] {
			delta[v]++
		}
		for v, d := range delta {
			if d == 0 {
				continue
			}
			k := kSuggest(kind, v)
			var n int
			if err := tx.GetJSON(k, &n); err != nil && !isNotFound(err) {
				return err
			}
			n += d
			var err error
			if n <= 0 {
				err = tx.Delete(k)
			} else {
				err = tx.SetJSON(k, n)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
