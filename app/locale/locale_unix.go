//go:build !windows

package locale

import (
	"os"
	"strings"
)

// osLocales follows POSIX precedence: LANGUAGE (a colon list), LC_ALL,
// LC_MESSAGES, LANG.
func osLocales() []string {
	var out []string
	if l := os.Getenv("LANGUAGE"); l != "" {
		out = append(out, strings.Split(l, ":")...)
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}
