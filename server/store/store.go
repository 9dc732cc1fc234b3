// Package store is the Warta server's database: users, tokens, articles with
// their revisions and change feed, photo (blob) records, and idempotency
// records. Two implementations pass the same conformance suite
// (storetest.Run): badgerstore, an embedded BadgerDB for a one-disk office,
// and pgstore, PostgreSQL for offices that outgrow one disk.
//
// Every method is safe for concurrent use. Methods that change more than one
// thing do it in one transaction.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrConflict: PutArticle's BaseRev is not the stored revision.
	ErrConflict = errors.New("the article changed on the server")
	// ErrKeyReused: an idempotency key came back with a different request.
	ErrKeyReused = errors.New("idempotency key reused for a different request")
)

// Roles.
const (
	RoleReporter = "reporter"
	RoleEditor   = "editor"
	RoleAdmin    = "admin"
)

// User is a person who logs in.
type User struct {
	ID       string    `json:"id"`       // ids.New
	Name     string    `json:"name"`     // login name, unique, lower case
	Display  string    `json:"display"`  // shown name
	Role     string    `json:"role"`     // RoleReporter, RoleEditor, RoleAdmin
	Newsroom string    `json:"newsroom"` // editors see every article of their newsroom
	Hash     string    `json:"-"`        // argon2id PHC string; never sent to clients
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled"`
}

// Token is a login session. Only the SHA-256 of the secret is stored.
type Token struct {
	ID       string    `json:"id"`
	Hash     string    `json:"-"` // hex SHA-256 of the bearer secret
	UserID   string    `json:"userId"`
	Device   string    `json:"device"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed"`
	Revoked  bool      `json:"revoked"`
}

// Article is an article as the server holds it: the desktop app's article
// (Doc, opaque JSON the server does not interpret beyond Photos) plus the
// server's bookkeeping.
type Article struct {
	ID        string          `json:"id"`
	Rev       int64           `json:"rev"`
	Owner     string          `json:"owner"` // user id of the reporter who created it
	Newsroom  string          `json:"newsroom"`
	Doc       json.RawMessage `json:"doc"`
	Photos    []string        `json:"photos"`   // SHA-256 hex of every photo it references
	Complete  bool            `json:"complete"` // every photo in Photos has arrived
	UpdatedAt time.Time       `json:"updatedAt"`
	UpdatedBy string          `json:"updatedBy"` // user id
	Seq       int64           `json:"seq"`       // position in the change feed (set by the store)
}

// Put is one article write.
type Put struct {
	// ID, Owner, Newsroom, Doc, Photos, UpdatedBy are used; so is
	// UpdatedAt when it is not zero (else the store sets it to now), so
	// that the answer the API stores for idempotency carries the stored time.
	Article Article
	BaseRev int64 // 0 creates (ErrExists if the id is taken); else must equal the stored Rev
}

// Idempotency is the remembered answer to one operation.
type Idempotency struct {
	UserID  string    `json:"userId"`
	Key     string    `json:"key"`
	ReqHash string    `json:"reqHash"` // hex SHA-256 of method, path and body
	Status  int       `json:"status"`
	Body    []byte    `json:"body"`
	Created time.Time `json:"created"`
}

// Store is what the server needs from its database.
type Store interface {
	// Users.
	CreateUser(ctx context.Context, u User) error // ErrExists on a taken name or id
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, u User) error // by ID; ErrNotFound

	// Tokens.
	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash string) (Token, error) // revoked tokens are returned with Revoked set
	TouchToken(ctx context.Context, id string, at time.Time) error
	RevokeToken(ctx context.Context, id string) error

	// Articles. PutArticle checks BaseRev, stores the article at Rev =
	// BaseRev+1, sets Complete from the blobs it has, gives it the next Seq
	// of the change feed, and — when idem is not nil — stores idem in the
	// same transaction, so a crash never leaves an article without its
	// idempotency record or the other way round. On ErrConflict it returns
	// the stored article.
	PutArticle(ctx context.Context, p Put, idem *Idempotency) (Article, error)
	GetArticle(ctx context.Context, id string) (Article, error)
	// Changes lists articles with Seq > since in Seq order, at most limit;
	// newsroom "" means all, owner "" means any owner.
	Changes(ctx context.Context, newsroom, owner string, since int64, limit int) ([]Article, error)

	// Blobs (photos). AddBlob records that a blob is stored and marks every
	// article waiting only for it Complete (they get a new Seq so pullers
	// see the change). It is idempotent.
	AddBlob(ctx context.Context, sha string, size int64) error
	HasBlob(ctx context.Context, sha string) (bool, error)

	// Idempotency records, outside PutArticle (logins, logouts, photos).
	GetIdempotency(ctx context.Context, userID, key string) (Idempotency, error) // ErrNotFound
	PutIdempotency(ctx context.Context, i Idempotency) error                     // ErrExists if (user, key) exists
	// PurgeIdempotency deletes records created before t.
	PurgeIdempotency(ctx context.Context, before time.Time) (int, error)

	Close() error
}
