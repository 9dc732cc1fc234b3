// Package outbox sends the desktop app's articles and photos to a Warta
// server (protocol v1, docs/sync-protocol.md) and keeps what is still to
// send in the app's store, so that a batch survives a lost connection, a
// server restart and a restart of the app.
//
// Client speaks the protocol: login, health, article pushes with an
// Idempotency-Key, the change feed and resumable photo uploads (tus 1.0.0).
// Outbox is the durable queue on top: Enqueue, Run, Pause/Resume, Retry and
// Resolve; Pull brings the server's changes (an editor's) to this machine.
//
// Glossary:
//
//   - item: one article or one photo to send; its id is "a-<article id>"
//     or "p-<photo id>".
//   - operation id (OpID): the Idempotency-Key of an article push. It is
//     made once per logical write and kept, with the exact request body
//     (Item.Body), across retries and restarts, so a retried push whose
//     first answer was lost is replayed by the server, never applied twice.
//   - base revision: the server revision the local copy was last in step
//     with (0: the server has never seen the article).
//
// # Key layout (rows for app/store/doc.go)
//
// Each server account has its own outbox, its records under
// ob/<account id>/ (Options.Account); the rows below show them as ob/….
// Stores from before accounts had ids have them directly under ob/ until
// AdoptLegacy moves them.
//
//	ob/i/<item id>          JSON   an outbox item (outbox.Item): kind, local id, server,
//	                               state, opID and frozen body, tus location and offset,
//	                               attempts, next attempt, last error, bytes, server rev
//	ob/r/<article id>       JSON   the server revision the local article was last in step
//	                               with and the local UpdatedAt at that moment
//	                               ({"server": URL, "rev": N, "at": RFC 3339}); kept after
//	                               items go. No "at" (older records): unknown, so a pulled
//	                               change to that article is a conflict unless the texts match
//	ob/c/<server URL>       JSON   the change-feed cursor Pull goes on from (a string); saved
//	                               after each page is applied
//
// States: queued → uploading → (waiting →) done; failed after 8 attempts or a
// final error (Retry re-queues); conflict when the server's copy moved on
// (Resolve).
package outbox
