//go:build !unix

package badgerstore

// lockDir cannot tell whether a Badger has dir open on this system, so
// empty log files are left alone (the server runs on Unix in practice).
func lockDir(string) (unlock func(), ok bool) { return nil, false }
