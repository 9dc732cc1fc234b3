package upload

import (
	"os"
	"syscall"
	"time"
)

// ctimeOf is the file's change time (which no one can set back).
func ctimeOf(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	}
	return time.Time{}
}
