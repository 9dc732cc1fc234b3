package store

import (
	"fmt"
	"testing"
)

// BenchmarkPutDurable measures one synchronous (fsynced) write of a 4 KiB
// value: the cost of an autosave that survives a power cut.
func BenchmarkPutDurable(b *testing.B) {
	s, err := Open(b.TempDir(), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	v := make([]byte, 4096)
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := s.Put(fmt.Sprintf("bench/%d", i%1000), v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet measures a read of a 4 KiB value.
func BenchmarkGet(b *testing.B) {
	s, err := Open(b.TempDir(), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	v := make([]byte, 4096)
	for i := range 1000 {
		if err := s.Put(fmt.Sprintf("bench/%d", i), v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Get(fmt.Sprintf("bench/%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}
