// Package store is Warta's local database: one BadgerDB (v4) on disk in the
// data folder, opened by one process at a time.
//
// # Key layout
//
// Every key starts with a short namespace and a slash. This table is the
// whole layout; a package that adds keys adds its row here.
//
//	cfg/<name>              JSON   a user setting (package settings), e.g. cfg/language
//	meta/schema             JSON   the store's schema version (an integer)
//	meta/articles           JSON   the articles layout version (an integer; package articles)
//	art/<id>                JSON   an article as it is now (articles.Article, body included)
//	sum/<id>                JSON   its list entry (articles.Summary)
//	ls/<L|T>/<t>/<id>       empty  list order: L live, T trash; <t> is 16 hex digits of
//	                               2^64-1 minus UpdatedAt in Unix ns, so key order is newest first
//	rev/<id>/<seq>          JSON   revision <seq> (16 hex digits) of the article: a full snapshot
//	rvm/<id>/<seq>          JSON   that revision's metadata: time, word count, headline, marked,
//	                               origin, content hash (read without the snapshot)
//	ix/<token>/<id>         empty  search index: the article contains <token> (folded: no
//	                               accents, lower case, letters and digits only, ≤ 40 runes)
//	tk/<id>                 text   the tokens the article is indexed under, space separated,
//	                               so that a save can remove the ones it no longer has
//	sg/<kind>/<value>       JSON   how many articles use <value> (an integer) as one of the
//	                               reporters, editors, categories, tags, places, agencies
//	ph/<id>                 JSON   a photo (photos.Photo): file facts, camera metadata, caption fields
//	phh/<sha256>            text   the id of the photo whose original has that SHA-256 (dedupe)
//	pht/<name>              JSON   a caption template (photos.Template); <name> folded to lower case
//	phc                     JSON   the code replacement table ([]codes.Code)
//	ob/<acct>/i/<item id>   JSON   an outbox item (outbox.Item): "a-<article id>" or "p-<photo id>",
//	                               state, operation id and frozen body, tus location and offset
//	ob/<acct>/r/<article>   JSON   the server revision the local article was last in step with
//	ob/<acct>/c/<server>    JSON   the change-feed cursor of that server account (a string)
//	wp/j/<acct>/<article>   JSON   a WordPress publish job (wordpress.Job): options, state, step,
//	                               bytes, attempts, error code and text, warnings, post id, conflict
//	wp/p/<acct>/<article>   JSON   the post the article became: slug (the create intent, stored
//	                               before the create), post id, link, status, modified_gmt and text
//	                               hash after Warta's last write
//	wp/m/<acct>/<photo id>  JSON   the attachment the photo became: slug (the upload intent), media
//	                               id, source_url, hash of the caption fields last set
//	wp/t/<acct>             JSON   the site's categories and tags as last fetched (offline suggestions)
//	cfg/accounts            JSON   the server accounts (bridge.Accounts): id, kind, URL, user;
//	                               tokens and passwords are in the keyring (app/secrets). Replaces
//	                               cfg/syncAccount (one account; its ob/i, ob/r, ob/c records
//	                               move under ob/<acct>/ on first start, outbox.AdoptLegacy)
//
// <id> is an article or photo id: 26 characters of Crockford base32, lower case
// (time-sortable, like a ULID). An article's art, sum, ls, ix, tk and sg
// keys, and its newest revision, are always written in one transaction.
//
// Writes are synchronous (SyncWrites): when Put or Update returns, the
// value is on disk and survives the process being killed or the machine
// losing power. Update and View (txn.go) run several reads and writes as
// one transaction; Batch is for bulk loads that need not be atomic.
package store
