package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/warta-news/warta/server/store"
)

const articleCols = "id, rev, owner, newsroom, doc, photos, complete, updated_at, updated_by, seq"

func scanArticle(row pgx.Row) (store.Article, error) {
	var a store.Article
	var doc []byte
	err := row.Scan(&a.ID, &a.Rev, &a.Owner, &a.Newsroom, &doc, &a.Photos, &a.Complete, &a.UpdatedAt, &a.UpdatedBy, &a.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, store.ErrNotFound
	}
	a.Doc = doc
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, err
}

func (s *Store) GetArticle(ctx context.Context, id string) (store.Article, error) {
	a, err := scanArticle(s.pool.QueryRow(ctx, "SELECT "+articleCols+" FROM articles WHERE id = $1", id))
	if err != nil {
		return a, fmt.Errorf("article %s: %w", id, err)
	}
	return a, nil
}

// PutArticle stores p under the feed lock (see doc.go), which every article
// write takes first: that orders commits by Seq and also serialises the
// BaseRev check with the write, so no row lock is needed.
func (s *Store) PutArticle(ctx context.Context, p store.Put, idem *store.Idempotency) (store.Article, error) {
	a := p.Article
	photos := uniq(a.Photos)
	var stored store.Article
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", feedLock); err != nil {
			return err
		}
		cur, err := scanArticle(tx.QueryRow(ctx, "SELECT "+articleCols+" FROM articles WHERE id = $1", a.ID))
		exists := err == nil
		switch {
		case errors.Is(err, store.ErrNotFound):
			if p.BaseRev != 0 {
				return fmt.Errorf("article %s (base rev %d): %w", a.ID, p.BaseRev, store.ErrNotFound)
			}
		case err != nil:
			return err
		case p.BaseRev == 0:
			stored = cur
			return fmt.Errorf("article %s: %w", a.ID, store.ErrExists)
		case p.BaseRev != cur.Rev:
			stored = cur
			return fmt.Errorf("article %s: base rev %d, stored rev %d: %w", a.ID, p.BaseRev, cur.Rev, store.ErrConflict)
		}

		if exists {
			// The owner is whoever created the article; an editor's
			// update does not take it over.
			a.Owner, a.Newsroom = cur.Owner, cur.Newsroom
		}
		a.Rev = p.BaseRev + 1
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = now()
		} else {
			// PostgreSQL keeps microseconds; hand back what is stored.
			a.UpdatedAt = a.UpdatedAt.Truncate(time.Microsecond)
		}
		if a.Photos == nil {
			a.Photos = []string{}
		}
		// Blobs are added under the same lock, so this sees every blob
		// that will ever be added before this article commits; any later
		// AddBlob sees this article in article_photos.
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (
			SELECT 1 FROM unnest($1::text[]) p(sha) WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha = p.sha))`,
			photos).Scan(&a.Complete); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT nextval('change_seq')").Scan(&a.Seq); err != nil {
			return err
		}
		if exists {
			// The feed lock already orders this after the check above;
			// the rev condition keeps the check honest without it.
			var tag pgconn.CommandTag
			tag, err = tx.Exec(ctx, `UPDATE articles SET rev = $2, owner = $3, newsroom = $4, doc = $5, photos = $6,
				complete = $7, updated_at = $8, updated_by = $9, seq = $10 WHERE id = $1 AND rev = $11`,
				a.ID, a.Rev, a.Owner, a.Newsroom, []byte(a.Doc), a.Photos, a.Complete, a.UpdatedAt, a.UpdatedBy, a.Seq, p.BaseRev)
			if err == nil && tag.RowsAffected() != 1 {
				stored, _ = scanArticle(tx.QueryRow(ctx, "SELECT "+articleCols+" FROM articles WHERE id = $1", a.ID))
				return fmt.Errorf("article %s: changed during the put: %w", a.ID, store.ErrConflict)
			}
		} else {
			_, err = tx.Exec(ctx, "INSERT INTO articles ("+articleCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
				a.ID, a.Rev, a.Owner, a.Newsroom, []byte(a.Doc), a.Photos, a.Complete, a.UpdatedAt, a.UpdatedBy, a.Seq)
		}
		if isUnique(err) {
			return fmt.Errorf("article %s: %w", a.ID, store.ErrExists)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revisions (article_id, rev, doc, photos, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, a.Rev, []byte(a.Doc), a.Photos, a.UpdatedAt, a.UpdatedBy); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM article_photos WHERE article_id = $1", a.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO article_photos (article_id, sha) SELECT $1, unnest($2::text[])",
			a.ID, photos); err != nil {
			return err
		}
		if idem != nil {
			return putIdempotency(ctx, tx, *idem)
		}
		return nil
	})
	if err != nil {
		return stored, err
	}
	return a, nil
}

// Changes lists articles with Seq > since in Seq order. Reading needs no
// lock: writers commit in Seq order (see doc.go), so a snapshot that holds
// Seq n holds every smaller Seq that will ever exist.
func (s *Store) Changes(ctx context.Context, newsroom, owner string, since int64, limit int) ([]store.Article, error) {
	if limit <= 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString("SELECT " + articleCols + " FROM articles WHERE seq > $1")
	args := []any{since}
	if newsroom != "" {
		args = append(args, newsroom)
		q.WriteString(" AND newsroom = $" + strconv.Itoa(len(args)))
	}
	if owner != "" {
		args = append(args, owner)
		q.WriteString(" AND owner = $" + strconv.Itoa(len(args)))
	}
	args = append(args, limit)
	q.WriteString(" ORDER BY seq LIMIT $" + strconv.Itoa(len(args)))
	rows, err := s.pool.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []store.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return as, rows.Err()
}

// AddBlob records a blob and, in the same transaction and under the feed
// lock, marks Complete (with a new Seq) every article that was waiting only
// for it. Adding a blob the store has is a no-op.
func (s *Store) AddBlob(ctx context.Context, sha string, size int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", feedLock); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "INSERT INTO blobs (sha, size, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			sha, size, now())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		tag, err = tx.Exec(ctx, `UPDATE articles a SET complete = true, seq = nextval('change_seq')
			WHERE NOT a.complete
			AND a.id IN (SELECT article_id FROM article_photos WHERE sha = $1)
			AND NOT EXISTS (SELECT 1 FROM article_photos ap WHERE ap.article_id = a.id
				AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha = ap.sha))`, sha)
		if err != nil {
			return err
		}
		if n := tag.RowsAffected(); n > 0 {
			s.log.Debug("pgstore: blob completed articles", "sha", sha, "articles", n)
		}
		return nil
	})
}

func (s *Store) HasBlob(ctx context.Context, sha string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha = $1)", sha).Scan(&ok)
	return ok, err
}

// uniq returns the distinct values of ss, sorted, never nil.
func uniq(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
