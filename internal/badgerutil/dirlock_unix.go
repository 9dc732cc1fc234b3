//go:build unix

package badgerutil

import (
	"os"
	"syscall"
)

// lockDir takes the lock Badger takes on Unix (flock on the directory) if
// nobody holds it. unlock releases it.
func lockDir(dir string) (unlock func(), ok bool) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
