// Package buildinfo carries the version stamped in at build time
// (-ldflags "-X github.com/warta-news/warta/app/buildinfo.Version=…").
package buildinfo

import "runtime/debug"

// Version is the release version; "dev" for an unstamped build.
var Version = "dev"

// commit is stamped by the Makefile (-X …buildinfo.commit=…); Go's own VCS
// stamp is the fallback for builds that did not set it.
var commit = ""

// Commit returns the VCS revision the binary was built from, if known.
func Commit() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return ""
}
