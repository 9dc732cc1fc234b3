//go:build windows

package badgerutil

import (
	"path/filepath"
	"syscall"
)

// lockDir takes the lock Badger takes on Windows (an exclusively opened,
// delete-on-close LOCK file) if nobody holds it. unlock releases it.
func lockDir(dir string) (unlock func(), ok bool) {
	p, err := syscall.UTF16PtrFromString(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, false
	}
	const fileAttributeTemporary, fileFlagDeleteOnClose = 0x100, 0x04000000
	h, err := syscall.CreateFile(p, 0, 0, nil, syscall.OPEN_ALWAYS, fileAttributeTemporary|fileFlagDeleteOnClose, 0)
	if err != nil {
		return nil, false
	}
	return func() { syscall.CloseHandle(h) }, true
}
