package store

import (
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrStop, returned by an iteration callback, ends the iteration early
// without error.
var ErrStop = errors.New("stop iteration")

// ErrTooBig is returned when one transaction holds more than Badger accepts
// in a single commit (about 15% of the 64 MiB memtable). Callers that write
// in bulk use a Batch instead.
var ErrTooBig = errors.New("transaction too big")

// Txn is one transaction: every write made through it is committed together
// (durably, with SyncWrites) or not at all. A Txn is only valid inside the
// function given to Update or View.
type Txn struct {
	txn      *badger.Txn
	readOnly bool
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil. When Update returns nil, every write is on disk. An error from fn
// discards every write fn made.
func (s *Store) Update(fn func(tx *Txn) error) error {
	err := s.db.Update(func(txn *badger.Txn) error { return fn(&Txn{txn: txn}) })
	if errors.Is(err, badger.ErrTxnTooBig) {
		return fmt.Errorf("%w: %v", ErrTooBig, err)
	}
	return err
}

// View runs fn in a read-only transaction: a consistent snapshot of the
// store as of the moment View was called.
func (s *Store) View(fn func(tx *Txn) error) error {
	return s.db.View(func(txn *badger.Txn) error { return fn(&Txn{txn: txn, readOnly: true}) })
}

// Get returns a copy of the value of key, or an error wrapping ErrNotFound.
func (tx *Txn) Get(key string) ([]byte, error) {
	it, err := tx.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return it.ValueCopy(nil)
}

// Has reports whether key has a value.
func (tx *Txn) Has(key string) (bool, error) {
	_, err := tx.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// GetJSON decodes the JSON value of key into v.
func (tx *Txn) GetJSON(key string, v any) error {
	b, err := tx.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// Set stores value under key when the transaction commits.
func (tx *Txn) Set(key string, value []byte) error {
	if err := tx.txn.Set([]byte(key), value); err != nil {
		if errors.Is(err, badger.ErrTxnTooBig) {
			return fmt.Errorf("write %s: %w", key, ErrTooBig)
		}
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// SetJSON stores v as JSON under key when the transaction commits.
func (tx *Txn) SetJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return tx.Set(key, b)
}

// Delete removes key when the transaction commits; a missing key is not an
// error.
func (tx *Txn) Delete(key string) error {
	if err := tx.txn.Delete([]byte(key)); err != nil {
		if errors.Is(err, badger.ErrTxnTooBig) {
			return fmt.Errorf("delete %s: %w", key, ErrTooBig)
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// IteratePrefix calls fn for every key that starts with prefix, in key
// order, with its value. value is only valid during the call; copy it to
// keep it. Returning ErrStop from fn ends the iteration with a nil error.
// The transaction's own uncommitted writes are visible.
func (tx *Txn) IteratePrefix(prefix string, fn func(key string, value []byte) error) error {
	return tx.iterate(prefix, true, func(it *badger.Item) error {
		return it.Value(func(v []byte) error { return fn(string(it.Key()), v) })
	})
}

// IterateKeys is IteratePrefix without the values, which makes it much
// cheaper: only the key index is read.
func (tx *Txn) IterateKeys(prefix string, fn func(key string) error) error {
	return tx.iterate(prefix, false, func(it *badger.Item) error { return fn(string(it.Key())) })
}

// IterateKeyBytes is IterateKeys handing over the key's bytes, which are
// only valid during the call; it saves an allocation per key on long scans.
func (tx *Txn) IterateKeyBytes(prefix string, fn func(key []byte) error) error {
	return tx.iterate(prefix, false, func(it *badger.Item) error { return fn(it.Key()) })
}

func (tx *Txn) iterate(prefix string, values bool, fn func(*badger.Item) error) error {
	o := badger.DefaultIteratorOptions
	o.PrefetchValues = values
	o.Prefix = []byte(prefix)
	it := tx.txn.NewIterator(o)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(it.Item()); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Batch writes many keys quickly, splitting them into as many commits as
// needed. Unlike Update it is NOT atomic: after a crash some of the writes
// may be on disk and others not. It is for bulk loads whose every key is
// self-contained (imports of whole records, test fixtures). Writes are
// durable once Flush returns nil.
type Batch struct {
	wb *badger.WriteBatch
}

// NewBatch starts a batch; call Flush (or Cancel) when done.
func (s *Store) NewBatch() *Batch { return &Batch{wb: s.db.NewWriteBatch()} }

// Set queues value under key.
func (b *Batch) Set(key string, value []byte) error {
	if err := b.wb.Set([]byte(key), value); err != nil {
		return fmt.Errorf("batch write %s: %w", key, err)
	}
	return nil
}

// Delete queues the removal of key.
func (b *Batch) Delete(key string) error {
	if err := b.wb.Delete([]byte(key)); err != nil {
		return fmt.Errorf("batch delete %s: %w", key, err)
	}
	return nil
}

// Flush commits everything queued and waits until it is on disk.
func (b *Batch) Flush() error { return b.wb.Flush() }

// Cancel drops the batch; writes already committed stay.
func (b *Batch) Cancel() { b.wb.Cancel() }
