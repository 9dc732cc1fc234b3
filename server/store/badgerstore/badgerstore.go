package badgerstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/warta-news/warta/internal/badgerutil"
	"github.com/warta-news/warta/server/store"
)

// SchemaVersion is the key layout version this build writes.
const SchemaVersion = 1

// ErrNewerSchema: the database was written by a newer warta-server.
var ErrNewerSchema = errors.New("database was written by a newer version of warta-server")

var _ store.Store = (*Store)(nil)

// Store is a store.Store in a Badger database.
type Store struct {
	db  *badger.DB
	log *slog.Logger
	wmu sync.Mutex // serialises write transactions
}

// Open opens (creating if needed) the database in dir, with every write
// synced to disk before it returns.
func Open(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	badgerutil.RemoveEmptyLogs(dir, log)
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(badgerutil.Logger(log.With("component", "badger"))).
		WithNumVersionsToKeep(1)
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, log: log}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkSchema() error {
	return s.update(func(txn *badger.Txn) error {
		var v int
		err := getJSON(txn, "meta/schema", &v)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return setJSON(txn, "meta/schema", SchemaVersion)
		case err != nil:
			return fmt.Errorf("read schema version: %w", err)
		case v > SchemaVersion:
			return fmt.Errorf("schema %d > %d: %w", v, SchemaVersion, ErrNewerSchema)
		}
		return nil
	})
}

// Close closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	if s.db.IsClosed() {
		return nil
	}
	return s.db.Close()
}

// Serve runs value-log garbage collection every interval until ctx ends.
func (s *Store) Serve(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			for s.db.RunValueLogGC(0.5) == nil {
			}
		}
	}
}

func (s *Store) update(fn func(txn *badger.Txn) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.db.Update(fn)
}

// Users.

func (s *Store) CreateUser(_ context.Context, u store.User) error {
	return s.update(func(txn *badger.Txn) error {
		if exists(txn, "user/id/"+u.ID) {
			return fmt.Errorf("user id %s: %w", u.ID, store.ErrExists)
		}
		if exists(txn, "user/name/"+u.Name) {
			return fmt.Errorf("user %s: %w", u.Name, store.ErrExists)
		}
		if err := txn.Set([]byte("user/name/"+u.Name), []byte(u.ID)); err != nil {
			return err
		}
		return putUser(txn, u)
	})
}

func (s *Store) UserByName(_ context.Context, name string) (store.User, error) {
	var u store.User
	err := s.db.View(func(txn *badger.Txn) error {
		id, err := get(txn, "user/name/"+name)
		if err != nil {
			return err
		}
		u, err = getUser(txn, string(id))
		return err
	})
	return u, err
}

func (s *Store) UserByID(_ context.Context, id string) (store.User, error) {
	var u store.User
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		u, err = getUser(txn, id)
		return err
	})
	return u, err
}

func (s *Store) ListUsers(_ context.Context) ([]store.User, error) {
	var out []store.User
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, "user/name/", func(_ []byte, v []byte) (bool, error) {
			u, err := getUser(txn, string(v))
			if err != nil {
				return false, err
			}
			out = append(out, u)
			return true, nil
		})
	})
	return out, err
}

func (s *Store) UpdateUser(_ context.Context, u store.User) error {
	return s.update(func(txn *badger.Txn) error {
		old, err := getUser(txn, u.ID)
		if err != nil {
			return err
		}
		if old.Name != u.Name {
			if exists(txn, "user/name/"+u.Name) {
				return fmt.Errorf("user %s: %w", u.Name, store.ErrExists)
			}
			if err := txn.Delete([]byte("user/name/" + old.Name)); err != nil {
				return err
			}
			if err := txn.Set([]byte("user/name/"+u.Name), []byte(u.ID)); err != nil {
				return err
			}
		}
		return putUser(txn, u)
	})
}

// Tokens.

func (s *Store) CreateToken(_ context.Context, t store.Token) error {
	return s.update(func(txn *badger.Txn) error {
		if exists(txn, "token/id/"+t.ID) || exists(txn, "token/hash/"+t.Hash) {
			return fmt.Errorf("token %s: %w", t.ID, store.ErrExists)
		}
		if err := txn.Set([]byte("token/hash/"+t.Hash), []byte(t.ID)); err != nil {
			return err
		}
		return putToken(txn, t)
	})
}

func (s *Store) TokenByHash(_ context.Context, hash string) (store.Token, error) {
	var t store.Token
	err := s.db.View(func(txn *badger.Txn) error {
		id, err := get(txn, "token/hash/"+hash)
		if err != nil {
			return err
		}
		t, err = getToken(txn, string(id))
		return err
	})
	return t, err
}

func (s *Store) changeToken(id string, fn func(*store.Token)) error {
	return s.update(func(txn *badger.Txn) error {
		t, err := getToken(txn, id)
		if err != nil {
			return err
		}
		fn(&t)
		return putToken(txn, t)
	})
}

func (s *Store) TouchToken(_ context.Context, id string, at time.Time) error {
	return s.changeToken(id, func(t *store.Token) { t.LastUsed = at })
}

func (s *Store) RevokeToken(_ context.Context, id string) error {
	return s.changeToken(id, func(t *store.Token) { t.Revoked = true })
}

// Articles.

func (s *Store) PutArticle(_ context.Context, p store.Put, idem *store.Idempotency) (store.Article, error) {
	var out store.Article
	err := s.update(func(txn *badger.Txn) error {
		a := p.Article
		var old store.Article
		err := getJSON(txn, "art/"+a.ID, &old)
		switch {
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		case err == nil && p.BaseRev == 0:
			out = old
			return fmt.Errorf("article %s: %w", a.ID, store.ErrExists)
		case err == nil && p.BaseRev != old.Rev:
			out = old
			return fmt.Errorf("article %s rev %d, pushed on %d: %w", a.ID, old.Rev, p.BaseRev, store.ErrConflict)
		case err != nil && p.BaseRev != 0:
			return fmt.Errorf("article %s: %w", a.ID, store.ErrNotFound)
		}
		if idem != nil {
			if exists(txn, idemKey(idem.UserID, idem.Key)) {
				return fmt.Errorf("idempotency key %s: %w", idem.Key, store.ErrExists)
			}
			if err := setJSON(txn, idemKey(idem.UserID, idem.Key), idem); err != nil {
				return err
			}
		}
		if p.BaseRev != 0 {
			if err := txn.Delete(seqKey(old.Seq)); err != nil {
				return err
			}
			for _, sha := range old.Photos {
				if err := txn.Delete([]byte("wait/" + sha + "/" + a.ID)); err != nil {
					return err
				}
			}
		}
		a.Rev = p.BaseRev + 1
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = time.Now().UTC()
		}
		a.Complete = true
		for _, sha := range a.Photos {
			if exists(txn, "blob/"+sha) {
				continue
			}
			a.Complete = false
			if err := txn.Set([]byte("wait/"+sha+"/"+a.ID), nil); err != nil {
				return err
			}
		}
		if err := s.saveArticle(txn, &a); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// saveArticle gives a the next Seq and writes it with its feed entry.
func (s *Store) saveArticle(txn *badger.Txn, a *store.Article) error {
	var last int64
	switch v, err := get(txn, "meta/seq"); {
	case err == nil && len(v) == 8:
		last = int64(binary.BigEndian.Uint64(v))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	a.Seq = last + 1
	if err := txn.Set([]byte("meta/seq"), binary.BigEndian.AppendUint64(nil, uint64(a.Seq))); err != nil {
		return err
	}
	if err := txn.Set(seqKey(a.Seq), []byte(a.ID)); err != nil {
		return err
	}
	return setJSON(txn, "art/"+a.ID, a)
}

func seqKey(seq int64) []byte { return binary.BigEndian.AppendUint64([]byte("seq/"), uint64(seq)) }

func (s *Store) GetArticle(_ context.Context, id string) (store.Article, error) {
	var a store.Article
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, "art/"+id, &a) })
	return a, err
}

func (s *Store) Changes(_ context.Context, newsroom, owner string, since int64, limit int) ([]store.Article, error) {
	var out []store.Article
	if limit <= 0 {
		return out, nil
	}
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = []byte("seq/")
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Seek(seqKey(max(since, 0) + 1)); it.Valid(); it.Next() {
			id, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var a store.Article
			if err := getJSON(txn, "art/"+string(id), &a); err != nil {
				return err
			}
			if (newsroom != "" && a.Newsroom != newsroom) || (owner != "" && a.Owner != owner) {
				continue
			}
			out = append(out, a)
			if len(out) >= limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// Blobs.

func (s *Store) AddBlob(_ context.Context, sha string, size int64) error {
	return s.update(func(txn *badger.Txn) error {
		if exists(txn, "blob/"+sha) {
			return nil
		}
		if err := txn.Set([]byte("blob/"+sha), binary.BigEndian.AppendUint64(nil, uint64(size))); err != nil {
			return err
		}
		prefix := "wait/" + sha + "/"
		var waiting []string
		if err := scan(txn, prefix, func(k, _ []byte) (bool, error) {
			waiting = append(waiting, strings.TrimPrefix(string(k), prefix))
			return true, nil
		}); err != nil {
			return err
		}
		for _, id := range waiting {
			if err := txn.Delete([]byte(prefix + id)); err != nil {
				return err
			}
			var a store.Article
			if err := getJSON(txn, "art/"+id, &a); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			complete := true
			for _, p := range a.Photos {
				if p != sha && !exists(txn, "blob/"+p) {
					complete = false
				}
			}
			if !complete || a.Complete {
				continue
			}
			a.Complete = true
			if err := txn.Delete(seqKey(a.Seq)); err != nil {
				return err
			}
			if err := s.saveArticle(txn, &a); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) HasBlob(_ context.Context, sha string) (bool, error) {
	var ok bool
	err := s.db.View(func(txn *badger.Txn) error {
		ok = exists(txn, "blob/"+sha)
		return nil
	})
	return ok, err
}

// Idempotency.

func idemKey(user, key string) string { return "idem/" + user + "/" + key }

func (s *Store) GetIdempotency(_ context.Context, userID, key string) (store.Idempotency, error) {
	var i store.Idempotency
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, idemKey(userID, key), &i) })
	return i, err
}

func (s *Store) PutIdempotency(_ context.Context, i store.Idempotency) error {
	return s.update(func(txn *badger.Txn) error {
		if exists(txn, idemKey(i.UserID, i.Key)) {
			return fmt.Errorf("idempotency key %s: %w", i.Key, store.ErrExists)
		}
		return setJSON(txn, idemKey(i.UserID, i.Key), i)
	})
}

func (s *Store) PurgeIdempotency(_ context.Context, before time.Time) (int, error) {
	var old [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, "idem/", func(k, v []byte) (bool, error) {
			var i store.Idempotency
			if err := json.Unmarshal(v, &i); err != nil {
				return false, fmt.Errorf("decode %s: %w", k, err)
			}
			if i.Created.Before(before) {
				old = append(old, k)
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	// Delete in batches that stay well under Badger's transaction size.
	n := 0
	for len(old) > 0 {
		batch := old[:min(len(old), 1000)]
		old = old[len(batch):]
		if err := s.update(func(txn *badger.Txn) error {
			for _, k := range batch {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return n, err
		}
		n += len(batch)
	}
	return n, nil
}

// Records. store.User and store.Token keep their hashes out of JSON (they
// go to clients); the database keeps them.

type userRec struct {
	store.User
	Hash string `json:"hash"`
}

type tokenRec struct {
	store.Token
	Hash string `json:"hash"`
}

func getUser(txn *badger.Txn, id string) (store.User, error) {
	var r userRec
	err := getJSON(txn, "user/id/"+id, &r)
	r.User.Hash = r.Hash
	return r.User, err
}

func putUser(txn *badger.Txn, u store.User) error {
	return setJSON(txn, "user/id/"+u.ID, userRec{u, u.Hash})
}

func getToken(txn *badger.Txn, id string) (store.Token, error) {
	var r tokenRec
	err := getJSON(txn, "token/id/"+id, &r)
	r.Token.Hash = r.Hash
	return r.Token, err
}

func putToken(txn *badger.Txn, t store.Token) error {
	return setJSON(txn, "token/id/"+t.ID, tokenRec{t, t.Hash})
}

// Helpers.

func get(txn *badger.Txn, key string) ([]byte, error) {
	it, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}

func exists(txn *badger.Txn, key string) bool {
	_, err := txn.Get([]byte(key))
	return err == nil
}

func getJSON(txn *badger.Txn, key string, v any) error {
	b, err := get(txn, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

func setJSON(txn *badger.Txn, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return txn.Set([]byte(key), b)
}

// scan calls fn with every key and value under prefix, in key order, until
// fn returns false.
func scan(txn *badger.Txn, prefix string, fn func(k, v []byte) (bool, error)) error {
	o := badger.DefaultIteratorOptions
	o.Prefix = []byte(prefix)
	it := txn.NewIterator(o)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		more, err := fn(item.KeyCopy(nil), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
