package pgstore_test

import (
	"testing"

	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openStore(t)
		return s
	})
}
