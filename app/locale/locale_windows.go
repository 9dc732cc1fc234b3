package locale

import (
	"syscall"
	"unsafe"
)

// osLocales asks Windows for the user's default locale name, e.g. "id-ID".
func osLocales() []string {
	proc := syscall.NewLazyDLL("kernel32.dll").NewProc("GetUserDefaultLocaleName")
	buf := make([]uint16, 85) // LOCALE_NAME_MAX_LENGTH
	r, _, _ := proc.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if r == 0 {
		return nil
	}
	return []string{syscall.UTF16ToString(buf)}
}
