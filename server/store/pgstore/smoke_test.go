package pgstore_test

import "testing"

func TestOpen(t *testing.T) {
	openStore(t)
}
