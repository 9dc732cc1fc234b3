// Package api is the Warta server's HTTP API, version 1, as described in
// docs/sync-protocol.md: login and tokens, users, article pushes with
// revisions and conflicts, the change feed, idempotent replays and metrics.
// Photo uploads are another package's handler, mounted at /api/v1/photos/
// (Config.Photos); it authenticates with Server.Authenticate.
//
// Glossary:
//
//   - wire article: the JSON object the desktop app sends and receives; the
//     server keeps the client's fields as an opaque Doc and adds id, rev,
//     photos, owner, state, updatedAt and updatedBy (user names on the wire,
//     user ids in the store).
//   - operation: one logical write, named by its Idempotency-Key; its first
//     completed answer (status < 500) is stored for 7 days and replayed.
//   - cursor: the opaque change-feed position, base64url("c1:<seq>").
package api
