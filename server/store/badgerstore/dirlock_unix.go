//go:build unix

package badgerstore

import (
	"os"
	"syscall"
)

// lockDir takes the advisory lock Badger itself takes on dir, so empty log
// files are only removed when no Badger has the directory open. Copied from
// app/store/dirlock_unix.go.
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
