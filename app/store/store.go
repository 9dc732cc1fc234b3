package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/warta-news/warta/internal/badgerutil"
)

// SchemaVersion is the layout version this build writes.
const SchemaVersion = 1

var (
	// ErrNotFound is returned when a key has no value.
	ErrNotFound = errors.New("not found")
	// ErrLocked is returned when another process holds the database.
	ErrLocked = errors.New("database is in use by another process")
	// ErrNewerSchema is returned when the data was written by a newer Warta.
	ErrNewerSchema = errors.New("data was written by a newer version of Warta")
)

// Store is the local key-value store.
type Store struct {
	db  *badger.DB
	log *slog.Logger
}

// Options tune Open. The zero value is what the app uses.
type Options struct {
	// InMemory keeps everything in RAM (benchmarks only; the app never uses it).
	InMemory bool
}

// Open opens (creating if needed) the store in dir.
func Open(dir string, log *slog.Logger, o Options) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(badgerutil.Logger(log.With("component", "badger"))).
		WithNumVersionsToKeep(1).
		WithInMemory(o.InMemory)
	if o.InMemory {
		bo = bo.WithDir("").WithValueDir("")
	} else {
		badgerutil.RemoveEmptyLogs(dir, log)
	}
	db, err := badger.Open(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, fmt.Errorf("open store %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, log: log}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	log.Info("store opened", "dir", dir)
	return s, nil
}

func (s *Store) checkSchema() error {
	var v int
	err := s.GetJSON("meta/schema", &v)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.PutJSON("meta/schema", SchemaVersion)
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case v > SchemaVersion:
		return fmt.Errorf("schema %d > %d: %w", v, SchemaVersion, ErrNewerSchema)
	}
	return nil
}

// Close flushes and closes the store. It is safe to call more than once.
func (s *Store) Close() error {
	if s.db == nil || s.db.IsClosed() {
		return nil
	}
	err := s.db.Close()
	s.log.Info("store closed", "err", err)
	return err
}

// Get returns the value of key, or ErrNotFound.
func (s *Store) Get(key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		if err != nil {
			return err
		}
		out, err = it.ValueCopy(nil)
		return err
	})
	return out, err
}

// Put stores value under key durably.
func (s *Store) Put(key string, value []byte) error {
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(key), value)
	}); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (s *Store) Delete(key string) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(key)) })
}

// GetJSON decodes the JSON value of key into v.
func (s *Store) GetJSON(key string, v any) error {
	b, err := s.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// PutJSON stores v as JSON under key.
func (s *Store) PutJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.Put(key, b)
}

// Keys returns the keys that start with prefix, in order.
func (s *Store) Keys(prefix string) ([]string, error) {
	var keys []string
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.PrefetchValues = false
		o.Prefix = []byte(prefix)
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, string(it.Item().KeyCopy(nil)))
		}
		return nil
	})
	return keys, err
}

// Serve runs value-log garbage collection every interval until ctx ends.
// Badger compacts its LSM tree on its own; the value log needs this nudge.
func (s *Store) Serve(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			n := 0
			for s.db.RunValueLogGC(0.5) == nil {
				n++
			}
			if n > 0 {
				s.log.Info("value log garbage collected", "files", n)
			}
		}
	}
}
