// Package app holds Warta's Go backend. Each sub-package is plain Go that
// runs and tests without a window, except bridge, the single package that
// imports the Wails runtime and binds the others to the frontend.
//
//	paths      where per-user data lives (XDG, %AppData%, WARTA_DATA_DIR)
//	instance   one running Warta per data folder; a second launch wakes the first
//	store      the local BadgerDB key-value store and its key layout
//	settings   user preferences (language, theme, window geometry) kept in the store
//	logging    structured logs (log/slog) to a rotating file in the data folder
//	locale     the operating system's preferred language
//	netstatus  online/offline detection
//	buildinfo  version and commit stamped at build time
//	ids        time-sortable record ids
//	fsutil     atomic file writes, safe file names
//	articles   the article library: drafts, revisions, search, export
//	photos     the photo library: import, captions (jpegmeta), renditions, export
//	outbox     the batch upload to a Warta server, durable across restarts
//	secrets    tokens and passwords in the system keyring (or a private file)
//	bridge     the Wails boundary: bound methods, events, lifecycle
package app
