// Package articles keeps the reporters' articles on the local disk: drafts
// written offline, their revisions, a full-text index, and the renderings
// that leave the machine (HTML, WhatsApp text, Markdown). It is plain Go;
// app/bridge binds a Library to the frontend.
//
// Nothing typed may be lost. Every Save is one Badger transaction holding
// the article, its list entry, its search index changes, its suggestion
// counters and a revision, synced to disk before Save returns; the crash
// test kills an autosaving process with SIGKILL hundreds of times and
// checks that every acknowledged save survives. A save from a stale window
// is refused (ErrConflict) and its text kept as a "conflict" revision. An
// import never overwrites: the newer text becomes current, the other is
// kept as a revision.
//
// # Glossary
//
//   - Article: headline, subheadline, dateline, body (a ProseMirror/TipTap
//     document as JSON — the source of truth), credits, category, tags,
//     status (draft → ready → sent → published).
//   - Dateline: "Jakarta, Humas –", the place and agency that open the
//     first paragraph.
//   - Revision: a full snapshot of an article, taken by every save that
//     changes it, by Ctrl+S (Marked) and by restores and imports.
//   - Trash: deleted articles stay, with their revisions, until EmptyTrash.
//   - Token: a folded word (no accents, lower case) in the search index.
//
// # Storage
//
// The keys are listed in the key-layout table of app/store/doc.go (art/,
// sum/, ls/, rev/, rvm/, ix/, tk/, sg/, meta/articles).
//
// # Revisions
//
// Thinning keeps every revision from the last 24 hours; older ones, the
// newest of each clock hour up to 7 days old, of each UTC day up to 90
// days, of each week after that. Marked (Ctrl+S) and "conflict" revisions
// are always kept, and so are the newest revision and the newest one of
// the current content. At most 1,000 revisions are kept per article: over
// that, the oldest are dropped, plain ones first, then conflict ones, then
// marked ones. A save thins its own article every 16th revision (or when
// the cap is reached); Serve thins every article hourly.
//
// # Search
//
// List with Query.Text searches headlines, subheadlines, body text and
// figure captions. Text and query are folded (Unicode NFD, combining marks
// removed, lower case: "Café" → "cafe") and split into runs of letters and
// digits; every query word must match the start of some word of the
// article ("gap" finds "gaptek"). The inverted index ix/<token>/<id> is
// updated in the save's transaction from the difference between the old
// and new token sets, so a prefix query is a prefix scan. Trashed articles
// are only found with Query.Trash.
//
// # Export
//
// Export writes the whole library (trash and revisions included) as one
// gzip'd JSON-lines file: a header {"format":"warta-library","version":1,
// "exportedAt":…}, each article followed by its revisions, and an end line
// with the counts. Import reads and checks all of it before writing
// anything.
//
// # Rendering
//
// HTML renders only p, h2, h3, strong, em, a (http, https, mailto), blockquote,
// lists, figure/img/figcaption and br, escapes all text, drops remote and
// script images and links, and then runs bluemonday over the result.
// Unknown node types keep their text as a paragraph.
package articles
