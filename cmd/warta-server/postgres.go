package main

import (
	"context"
	"log/slog"

	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/pgstore"
)

// --db postgres://… puts the server's data in PostgreSQL (pgstore).
func init() {
	openPostgres = func(ctx context.Context, url string, log *slog.Logger) (store.Store, error) {
		s, err := pgstore.Open(ctx, url, log)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return s, nil
	}
}
