// Package badgerstore is the Warta server's store.Store on an embedded
// BadgerDB: one directory on one disk, no database server to run. It passes
// the storetest conformance suite.
//
// Key layout (all values JSON unless noted):
//
//	meta/schema                    layout version (SchemaVersion)
//	meta/seq                       last change-feed position, 8 bytes big-endian
//	user/id/<id>                   store.User
//	user/name/<name>               user id (raw)
//	token/id/<id>                  store.Token
//	token/hash/<sha256 hex>        token id (raw)
//	art/<id>                       store.Article, the latest revision
//	seq/<seq, 8 bytes big-endian>  article id (raw); one entry per article, at its latest Seq
//	blob/<sha256 hex>              blob size, 8 bytes big-endian
//	wait/<sha256 hex>/<article id> empty; the article references the blob, which has not arrived
//	idem/<user id>/<key>           store.Idempotency
//
// Writes are serialised by one mutex, so transactions never conflict and the
// change-feed sequence is handed out in commit order. Reads run in parallel.
package badgerstore
