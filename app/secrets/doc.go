// Package secrets keeps server tokens and WordPress application passwords.
//
// Secrets go to the operating system's keyring (Windows Credential Manager,
// macOS Keychain, the Secret Service on Linux) through
// github.com/zalando/go-keyring. When no keyring answers — a Linux session
// without D-Bus, a locked or refusing keyring — they go to a plain JSON file,
// secrets.json, in the fallback folder, mode 0600. The file is not encrypted:
// a key kept beside it would protect nothing, so we say so instead, and
// FallbackReason gives the UI a sentence to show the user.
//
//	Store           the secrets of one service name (e.g. "Warta")
//	account         free text naming a secret, e.g. "server:https://warta.kemensos.go.id/rina"
//	Where           where a secret lives: InKeyring or InFile
//	probe           one set+get+delete of a throwaway entry at New, with a 2 s limit
//	fallback file   fallbackDir/secrets.json, written atomically by app/fsutil
//
// An account lives in one place at a time: a successful keyring Set removes
// the account from the file, and a Set that falls back to the file also
// tries to remove the keyring copy. Should that removal fail, the file copy
// is the newer, which is why Get reads the file (a local read) before the
// keyring.
package secrets
