package outbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/store"
)

// ArticleImporter is the ArticleStore extension Pull needs to create, with
// the server's id, an article this machine has never had. It reads a
// library file (the format of articles.Library.Export) and keeps the ids;
// *articles.Library has it.
type ArticleImporter interface {
	Import(r io.Reader) (articles.ImportResult, error)
}

var _ ArticleImporter = (*articles.Library)(nil)

// PullResult counts what Pull did.
type PullResult struct {
	Updated   int `json:"updated"`   // local copies that took the server's text
	Created   int `json:"created"`   // articles new on this machine
	Conflicts int `json:"conflicts"` // changed on both sides: conflict items to Resolve
	Skipped   int `json:"skipped"`   // our own pushes, and articles with a push under way
}

// Pull brings the server's changes here: it reads the change feed from the
// cursor kept in ob/c/<server> to its end and, for each article changed on
// the server since this machine was last in step with it (ob/r):
//
//   - not here: it is created with the server's id and text;
//   - here and not edited since it was last in step: it takes the
//     server's text (saved through the library, which keeps the local
//     text as a revision);
//   - here and edited since: a conflict item, settled with Resolve like a
//     conflict met by a push;
//   - at the revision ob/r records (our own push) or older: skipped;
//   - with a push queued or under way: skipped, as that push is based on
//     an older revision and meets the server's copy as a conflict itself.
//
// The cursor is saved after each page, once the page's articles are
// applied, so a Pull cut short (or a restart) goes on where it stopped and
// nothing is applied twice. Pull may run beside Run.
func (ob *Outbox) Pull(ctx context.Context) (PullResult, error) {
	var res PullResult
	key := ob.pre + keyCursor + ob.client.BaseURL
	var cursor string
	if err := ob.st.GetJSON(key, &cursor); err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	for {
		page, err := ob.client.Changes(ctx, cursor)
		if err != nil {
			return res, err
		}
		for _, sa := range page.Changes {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if err := ob.pullOne(sa, &res); err != nil {
				return res, fmt.Errorf("pull article %s: %w", sa.ID, err)
			}
		}
		if page.Cursor != "" && page.Cursor != cursor {
			cursor = page.Cursor
			if err := ob.st.PutJSON(key, cursor); err != nil {
				return res, err
			}
		}
		if !page.More || len(page.Changes) == 0 {
			break
		}
	}
	if res.Conflicts > 0 {
		ob.report(true)
	}
	ob.log.Info("pulled changes", "updated", res.Updated, "created", res.Created, "conflicts", res.Conflicts, "skipped", res.Skipped)
	return res, nil
}

// pullOne applies one article of the change feed. It holds the outbox lock
// so that Enqueue, Resolve and Run's bookkeeping see it whole.
func (ob *Outbox) pullOne(sa ServerArticle, res *PullResult) error {
	if !ids.Valid(sa.ID) {
		return nil
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	rec, inStep := ob.revOf(sa.ID)
	if inStep && sa.Rev <= rec.Rev {
		res.Skipped++ // our own push, or older than what we have
		return nil
	}
	itemID := "a-" + sa.ID
	it, err := ob.item(itemID)
	hasItem := err == nil
	if err != nil && !errors.Is(err, ErrNoItem) {
		return err
	}
	if hasItem && it.pending() && !(it.State == StateWaiting && it.Body == nil) {
		res.Skipped++ // a push based on an older revision: it meets a 409
		return nil
	}
	if hasItem && it.State == StateConflict && it.Conflict != nil {
		if sa.Rev > it.Conflict.Rev { // show the newest server copy
			it.Conflict = &sa
			if err := ob.put(&it); err != nil {
				return err
			}
		}
		res.Conflicts++
		return nil
	}

	local, err := ob.arts.Get(sa.ID)
	if errors.Is(err, articles.ErrNotFound) {
		created, err := ob.importArticle(sa)
		if err != nil {
			return err
		}
		res.Created++
		return ob.setRev(sa.ID, sa.Rev, created.UpdatedAt)
	}
	if err != nil {
		return err
	}

	changed := !inStep || rec.At.IsZero() || local.UpdatedAt.After(rec.At)
	if changed && sameText(local, sa) {
		changed = false // both sides hold the same text: nothing to choose
	}
	if !changed {
		saved, err := ob.takeTheirs(local, sa)
		switch {
		case errors.Is(err, articles.ErrConflict):
			changed = true // edited this very moment
		case err != nil:
			return err
		default:
			if err := ob.setRev(sa.ID, sa.Rev, saved.UpdatedAt); err != nil {
				return err
			}
			if hasItem {
				// In step again: the item reflects the server's revision,
				// and its Updated time is after the local save.
				it.Rev, it.BaseRev = sa.Rev, sa.Rev
				if it.State == StateWaiting && sa.State == "received" {
					it.State, it.Attempts, it.NextAttempt, it.LastError = StateDone, 0, time.Time{}, ""
				}
				if err := ob.put(&it); err != nil {
					return err
				}
			}
			res.Updated++
			return nil
		}
	}

	// Changed on both sides: a conflict item, as after a refused push.
	now := ob.o.Now()
	if !hasItem {
		it = Item{ID: itemID, Kind: KindArticle, LocalID: sa.ID, Enqueued: now, PhotoIDs: PhotoRefs(local.Body)}
	}
	it.Server = ob.client.BaseURL
	it.State, it.Conflict = StateConflict, &sa
	it.LastError, it.ErrorCode = "the article changed both here and on the server", "conflict"
	it.Body, it.OpID, it.Dirty, it.Attempts, it.NextAttempt = nil, "", false, 0, time.Time{}
	if err := ob.put(&it); err != nil {
		return err
	}
	res.Conflicts++
	return nil
}

// sameText reports whether the local article and the server's copy hold
// the same user-edited content.
func sameText(local articles.Article, sa ServerArticle) bool {
	var theirs articles.Article
	if json.Unmarshal(sa.Doc, &theirs) != nil {
		return false
	}
	norm := func(a articles.Article) []byte {
		a.ID, a.Version, a.WordCount, a.ReadingMinutes = "", 0, 0, 0
		a.CreatedAt, a.UpdatedAt, a.DeletedAt = time.Time{}, time.Time{}, nil
		var body bytes.Buffer
		if json.Compact(&body, a.Body) == nil {
			a.Body = body.Bytes()
		}
		if len(a.Reporters) == 0 {
			a.Reporters = nil
		}
		if len(a.Tags) == 0 {
			a.Tags = nil
		}
		b, _ := json.Marshal(a)
		return b
	}
	return bytes.Equal(norm(local), norm(theirs))
}

// importArticle creates the server's article here with its id, as a
// one-article library file read by the library's Import.
func (ob *Outbox) importArticle(sa ServerArticle) (articles.Article, error) {
	im, ok := ob.arts.(ArticleImporter)
	if !ok {
		return articles.Article{}, errors.New("the article library cannot create an article with a given id (no Import)")
	}
	var a articles.Article
	if err := json.Unmarshal(sa.Doc, &a); err != nil {
		return a, fmt.Errorf("the server's copy is not an article: %w", err)
	}
	now := ob.o.Now().UTC().Truncate(time.Millisecond)
	a.ID, a.DeletedAt = sa.ID, nil
	a.Version = max(a.Version, 1)
	if a.UpdatedAt.IsZero() || a.UpdatedAt.Year() < 1970 {
		a.UpdatedAt = now
	}
	if a.CreatedAt.IsZero() || a.CreatedAt.Year() < 1970 || a.CreatedAt.After(a.UpdatedAt) {
		a.CreatedAt = a.UpdatedAt
	}
	art, err := json.Marshal(a)
	if err != nil {
		return a, err
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	enc := json.NewEncoder(gz)
	enc.SetEscapeHTML(false)
	for _, line := range []any{
		map[string]any{"format": "warta-library", "version": 1, "exportedAt": now},
		map[string]any{"type": "article", "article": json.RawMessage(art)},
		map[string]any{"type": "end", "articles": 1, "revisions": 0},
	} {
		if err := enc.Encode(line); err != nil {
			return a, err
		}
	}
	if err := gz.Close(); err != nil {
		return a, err
	}
	if _, err := im.Import(&buf); err != nil {
		return a, err
	}
	return ob.arts.Get(sa.ID)
}
