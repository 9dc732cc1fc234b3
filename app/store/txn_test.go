package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestUpdateCommitsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	boom := errors.New("boom")
	err := s.Update(func(tx *Txn) error {
		if err := tx.Set("t/a", []byte("1")); err != nil {
			return err
		}
		if err := tx.Set("t/b", []byte("2")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if keys, _ := s.Keys("t/"); len(keys) != 0 {
		t.Fatalf("failed Update left %v", keys)
	}

	if err := s.Update(func(tx *Txn) error {
		for i := range 3 {
			if err := tx.SetJSON(fmt.Sprintf("t/%d", i), i); err != nil {
				return err
			}
		}
		// Our own writes are visible inside the transaction.
		var n int
		if err := tx.GetJSON("t/2", &n); err != nil || n != 2 {
			return fmt.Errorf("own write: %d, %v", n, err)
		}
		return tx.Delete("t/0")
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2 := open(t, dir)
	var got []string
	if err := s2.View(func(tx *Txn) error {
		if ok, err := tx.Has("t/0"); ok || err != nil {
			return fmt.Errorf("t/0 deleted in the same txn: has=%v err=%v", ok, err)
		}
		if _, err := tx.Get("t/0"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("Get deleted: %v", err)
		}
		return tx.IteratePrefix("t/", func(k string, v []byte) error {
			got = append(got, k+"="+string(v))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "t/1=1,t/2=2" {
		t.Fatalf("after reopen: %v", got)
	}
}

func TestIterateStopsAndKeysOnly(t *testing.T) {
	s := open(t, t.TempDir())
	for _, k := range []string{"ix/gap/1", "ix/gaptek/2", "ix/gas/3", "ix/h/4", "iy/gap/5"} {
		if err := s.Put(k, nil); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	err := s.View(func(tx *Txn) error {
		return tx.IterateKeys("ix/gap", func(k string) error {
			keys = append(keys, k)
			return nil
		})
	})
	if err != nil || strings.Join(keys, ",") != "ix/gap/1,ix/gaptek/2" {
		t.Fatalf("prefix keys = %v, %v", keys, err)
	}
	var raw []string
	err = s.View(func(tx *Txn) error {
		return tx.IterateKeyBytes("ix/g", func(k []byte) error {
			raw = append(raw, string(k)) // copied: k is only valid during the call
			return nil
		})
	})
	if err != nil || strings.Join(raw, ",") != "ix/gap/1,ix/gaptek/2,ix/gas/3" {
		t.Fatalf("key bytes = %v, %v", raw, err)
	}
	n := 0
	err = s.View(func(tx *Txn) error {
		return tx.IteratePrefix("ix/", func(string, []byte) error {
			n++
			if n == 2 {
				return ErrStop
			}
			return nil
		})
	})
	if err != nil || n != 2 {
		t.Fatalf("ErrStop: n=%d err=%v", n, err)
	}
	other := errors.New("other")
	err = s.View(func(tx *Txn) error {
		return tx.IterateKeys("ix/", func(string) error { return other })
	})
	if !errors.Is(err, other) {
		t.Fatalf("callback error lost: %v", err)
	}
}

func TestViewCannotWrite(t *testing.T) {
	s := open(t, t.TempDir())
	err := s.View(func(tx *Txn) error { return tx.Set("t/x", []byte("1")) })
	if err == nil {
		t.Fatal("Set in View succeeded")
	}
	if _, err := s.Get("t/x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("write from View landed: %v", err)
	}
}

func TestUpdateTooBig(t *testing.T) {
	s := open(t, t.TempDir())
	v := make([]byte, 512<<10) // under the 1 MiB value threshold: counted in full
	err := s.Update(func(tx *Txn) error {
		for i := range 100 { // 50 MiB, far over the ~9.6 MiB limit
			if err := tx.Set(fmt.Sprintf("big/%03d", i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v, want ErrTooBig", err)
	}
	if keys, _ := s.Keys("big/"); len(keys) != 0 {
		t.Fatalf("too-big txn wrote %d keys", len(keys))
	}
}

func TestBatchWritesManyKeysDurably(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	b := s.NewBatch()
	v := make([]byte, 512<<10)
	for i := range 40 { // 20 MiB: more than one transaction holds
		if err := b.Set(fmt.Sprintf("big/%03d", i), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete("big/000"); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := open(t, dir)
	keys, err := s2.Keys("big/")
	if err != nil || len(keys) != 39 || keys[0] != "big/001" {
		t.Fatalf("after reopen: %d keys, first %v, err %v", len(keys), keys[:min(1, len(keys))], err)
	}
}
