package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/warta-news/warta/server/store"
)

// Advisory lock keys (pg_advisory_xact_lock takes a bigint). Arbitrary but
// fixed; they only need to differ from each other and from anything else
// using advisory locks in the same database.
const (
	migrateLock int64 = 0x5761727461_01 // "Warta" 01
	feedLock    int64 = 0x5761727461_02 // "Warta" 02: see doc.go
)

// Store is a store.Store on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx accepts, including pool settings such as
// pool_max_conns) and brings its schema up to date. Times read back are
// in UTC.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: parse url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	s := &Store{pool: pool, log: log}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	return s, nil
}

// Close closes every connection.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// inTx runs fn in a transaction and commits it if fn returns nil. Anything
// else — an error, a panic, a cancelled ctx, a dropped connection — rolls
// back: PostgreSQL aborts a transaction whose connection goes away.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isUnique reports whether err is a unique violation (SQLSTATE 23505).
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// now is the store's clock, at PostgreSQL's precision (microseconds) so a
// value handed back equals the value read again later.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Users.

const userCols = "id, name, display, role, newsroom, hash, created, disabled"

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Name, &u.Display, &u.Role, &u.Newsroom, &u.Hash, &u.Created, &u.Disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, store.ErrNotFound
	}
	u.Created = u.Created.UTC()
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO users ("+userCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		u.ID, u.Name, u.Display, u.Role, u.Newsroom, u.Hash, u.Created, u.Disabled)
	if isUnique(err) {
		return fmt.Errorf("create user %s: %w", u.Name, store.ErrExists)
	}
	return err
}

func (s *Store) UserByName(ctx context.Context, name string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE name = $1", name))
	if err != nil {
		return u, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	if err != nil {
		return u, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+userCols+" FROM users ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET name = $2, display = $3, role = $4, newsroom = $5,
		hash = $6, created = $7, disabled = $8 WHERE id = $1`,
		u.ID, u.Name, u.Display, u.Role, u.Newsroom, u.Hash, u.Created, u.Disabled)
	switch {
	case isUnique(err):
		return fmt.Errorf("update user %s: name %q: %w", u.ID, u.Name, store.ErrExists)
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return fmt.Errorf("update user %s: %w", u.ID, store.ErrNotFound)
	}
	return nil
}

// Tokens.

func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (id, hash, user_id, device, created, last_used, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.Hash, t.UserID, t.Device, t.Created, t.LastUsed, t.Revoked)
	if isUnique(err) {
		return fmt.Errorf("create token %s: %w", t.ID, store.ErrExists)
	}
	return err
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	var t store.Token
	err := s.pool.QueryRow(ctx, `SELECT id, hash, user_id, device, created, last_used, revoked
		FROM tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.Hash, &t.UserID, &t.Device, &t.Created, &t.LastUsed, &t.Revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	t.Created, t.LastUsed = t.Created.UTC(), t.LastUsed.UTC()
	return t, err
}

func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.updateToken(ctx, id, "UPDATE tokens SET last_used = $2 WHERE id = $1", at)
}

func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.updateToken(ctx, id, "UPDATE tokens SET revoked = true WHERE id = $1")
}

func (s *Store) updateToken(ctx context.Context, id, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, append([]any{id}, args...)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// Idempotency records.

func (s *Store) GetIdempotency(ctx context.Context, userID, key string) (store.Idempotency, error) {
	i := store.Idempotency{UserID: userID, Key: key}
	err := s.pool.QueryRow(ctx, `SELECT req_hash, status, body, created FROM idempotency
		WHERE user_id = $1 AND key = $2`, userID, key).Scan(&i.ReqHash, &i.Status, &i.Body, &i.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return i, fmt.Errorf("idempotency %s/%s: %w", userID, key, store.ErrNotFound)
	}
	i.Created = i.Created.UTC()
	return i, err
}

func (s *Store) PutIdempotency(ctx context.Context, i store.Idempotency) error {
	return putIdempotency(ctx, s.pool, i)
}

// putIdempotency inserts i. If (user, key) is taken it returns ErrExists,
// also wrapping ErrKeyReused when the stored request differs. It waits for a concurrent insert of the same key
// to commit or roll back instead of failing the caller's transaction.
func putIdempotency(ctx context.Context, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, i store.Idempotency) error {
	if i.Created.IsZero() {
		i.Created = now()
	}
	var one int
	err := db.QueryRow(ctx, `INSERT INTO idempotency (user_id, key, req_hash, status, body, created)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
		i.UserID, i.Key, i.ReqHash, i.Status, i.Body, i.Created).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var stored string
	err = db.QueryRow(ctx, "SELECT req_hash FROM idempotency WHERE user_id = $1 AND key = $2",
		i.UserID, i.Key).Scan(&stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Purged between the two statements; the key is free again, but
		// this is rare enough to let the caller retry.
		return fmt.Errorf("idempotency %s/%s: %w", i.UserID, i.Key, store.ErrExists)
	case err != nil:
		return err
	case stored != i.ReqHash:
		return fmt.Errorf("idempotency %s/%s: %w: %w", i.UserID, i.Key, store.ErrExists, store.ErrKeyReused)
	}
	return fmt.Errorf("idempotency %s/%s: %w", i.UserID, i.Key, store.ErrExists)
}

func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM idempotency WHERE created < $1", before)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
