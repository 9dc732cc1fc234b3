//go:build unix

package outbox

import "syscall"

// settle writes out what the benchmark's set-up left dirty, so that it
// slows down neither side of the measurement.
func settle() { syscall.Sync() }
