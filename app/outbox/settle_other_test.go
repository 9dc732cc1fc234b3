//go:build !unix

package outbox

func settle() {}
