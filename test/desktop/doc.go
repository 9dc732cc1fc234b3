// Package desktop holds the smoke tests of the real production binary in a
// real window under Xvfb. They need a built binary and a display server, so
// they only build with the "desktop" tag: `make test` runs them after
// `make build`.
package desktop
