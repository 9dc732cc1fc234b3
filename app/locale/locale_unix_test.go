//go:build !windows

package locale

import "testing"

func TestDetectReadsEnvironment(t *testing.T) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "en_AU.UTF-8")
	if got := Detect(); got != "en" {
		t.Fatalf("LANG=en_AU: %q", got)
	}
	t.Setenv("LC_ALL", "id_ID.UTF-8")
	if got := Detect(); got != "id" {
		t.Fatalf("LC_ALL=id_ID over LANG=en: %q", got)
	}
	t.Setenv("LANGUAGE", "en_GB:id")
	if got := Detect(); got != "en" {
		t.Fatalf("LANGUAGE first: %q", got)
	}
}
