// Package pgstore is the Warta server's store.Store on PostgreSQL (through
// pgx/v5 and its pool), for offices that outgrow one disk. It passes the
// same conformance suite as badgerstore (storetest.Run).
//
// # Schema
//
// Open creates and migrates the schema itself. Migrations are the numbered
// SQL files in migrations/, embedded in the binary; schema_version has one
// row per applied migration. All pending migrations run in one transaction
// under an advisory lock, so servers starting together apply each once and
// a failed migration changes nothing. A database whose schema is newer than
// the program is refused.
//
//	users           id, name (unique), display, role, newsroom, hash, created, disabled
//	tokens          id, hash (unique, hex SHA-256 of the secret), user_id, device, created, last_used, revoked
//	articles        the current revision: id, rev, owner, newsroom, doc, photos, complete,
//	                updated_at, updated_by, seq (unique; the change feed position)
//	revisions       every revision's doc, photos, updated_at, updated_by by (article_id, rev)
//	blobs           sha, size, created: photos the server has
//	article_photos  (article_id, sha) for each article's current photos, indexed by sha,
//	                so AddBlob finds the articles waiting for a blob
//	idempotency     (user_id, key) → req_hash, status, body, created
//	change_seq      the sequence Seq values come from
//
// Docs are stored as bytea, byte for byte: the server does not interpret
// them. Times are timestamptz, which keeps microseconds; the store hands
// back what it stored, in UTC. There are no foreign keys to users: like
// badgerstore, the store does not make callers create users before their
// tokens, articles or records; the API checks who may do what.
//
// # Why the feed lock
//
// A sequence is not transactional: nextval hands out numbers in call order,
// but transactions commit in any order. If put A takes Seq 5 and put B Seq
// 6, and B commits first, a client reading Changes(since=4) gets 6, moves
// its cursor to 6, and never sees 5 when A commits a moment later.
//
// So every transaction that assigns a Seq (PutArticle, and AddBlob when it
// completes articles) first takes pg_advisory_xact_lock(feedLock). The lock
// is held until commit or rollback, and PostgreSQL makes a transaction
// visible before it releases its locks, so Seq values become visible in
// increasing order: a snapshot that shows Seq n shows every smaller Seq
// that will ever exist (rolled-back ones leave gaps, which are harmless).
// Changes is then a plain SELECT with no lock.
//
// The same lock serialises the BaseRev check with the write (the UPDATE
// also checks the rev, as a second guard) and makes PutArticle's
// "are all photos here?" and AddBlob's "who was waiting for this photo?"
// see each other: whichever commits second sees the first, so an article
// never waits for a photo that has arrived. All article writes are
// serialised; each holds the lock for a few statements on one connection,
// far above a newsroom's write rate. Every write takes its locks in the
// same order (feed lock, then rows), so article writes cannot deadlock.
//
// PutArticle stores its idempotency record in the same transaction; a
// taken key fails the whole put with ErrExists (and ErrKeyReused when the
// stored request differs), leaving nothing behind. A put cut off anywhere —
// a cancelled context, a killed connection, a crashed server — is rolled
// back by PostgreSQL as a whole.
//
// # Tests
//
// The tests need PostgreSQL's server programs (Debian's postgresql package,
// found as /usr/lib/postgresql/*/bin) and fail, saying so, without them.
// TestMain makes a throwaway cluster: initdb into a temp dir (owned by the
// postgres user when the tests run as root, as PostgreSQL refuses root),
// pg_ctl start listening on a unix socket in that dir only (no TCP), fsync
// off, startup bounded to 30 s; at the end pg_ctl stop -m fast and the dir
// is removed — also on SIGINT/SIGTERM; a cluster left by a test binary that
// died (a panic, go test -timeout) is removed by the next run. Each test
// gets its own database, copied from a template that holds the migrated
// schema (TestMigrate starts from an empty one). The whole package runs in
// about 20 s, most of it new connections after the interrupted puts.
//
// scripts/pgtest.sh starts the same kind of throwaway cluster by hand and
// prints a URL for warta-server --db.
package pgstore
