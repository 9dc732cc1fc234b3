-- 0001: the first schema. Applied by migrate() in one transaction together
-- with its schema_version row.

CREATE TABLE users (
	id       text PRIMARY KEY,
	name     text NOT NULL UNIQUE,
	display  text NOT NULL,
	role     text NOT NULL,
	newsroom text NOT NULL,
	hash     text NOT NULL,
	created  timestamptz NOT NULL,
	disabled boolean NOT NULL DEFAULT false
);

CREATE TABLE tokens (
	id        text PRIMARY KEY,
	hash      text NOT NULL UNIQUE,      -- hex SHA-256 of the bearer secret
	user_id   text NOT NULL,
	device    text NOT NULL,
	created   timestamptz NOT NULL,
	last_used timestamptz NOT NULL,
	revoked   boolean NOT NULL DEFAULT false
);
CREATE INDEX tokens_user_id ON tokens (user_id);

-- The change feed's positions. nextval is called only while holding the
-- feed lock (see doc.go), so rows commit in Seq order.
CREATE SEQUENCE change_seq;

-- The current revision of every article.
CREATE TABLE articles (
	id         text PRIMARY KEY,
	rev        bigint NOT NULL,
	owner      text NOT NULL,
	newsroom   text NOT NULL,
	doc        bytea,                    -- opaque JSON, kept byte for byte
	photos     text[] NOT NULL,
	complete   boolean NOT NULL,
	updated_at timestamptz NOT NULL,
	updated_by text NOT NULL,
	seq        bigint NOT NULL UNIQUE
);
CREATE INDEX articles_newsroom_seq ON articles (newsroom, seq);
CREATE INDEX articles_owner_seq ON articles (owner, seq);

-- Every revision ever stored, the current one included.
CREATE TABLE revisions (
	article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	rev        bigint NOT NULL,
	doc        bytea,
	photos     text[] NOT NULL,
	updated_at timestamptz NOT NULL,
	updated_by text NOT NULL,
	PRIMARY KEY (article_id, rev)
);

CREATE TABLE blobs (
	sha     text PRIMARY KEY,           -- SHA-256 hex
	size    bigint NOT NULL,
	created timestamptz NOT NULL
);

-- The photos of each article's current revision, so AddBlob finds the
-- articles waiting for a blob without scanning every article.
CREATE TABLE article_photos (
	article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	sha        text NOT NULL,
	PRIMARY KEY (article_id, sha)
);
CREATE INDEX article_photos_sha ON article_photos (sha);

CREATE TABLE idempotency (
	user_id  text NOT NULL,
	key      text NOT NULL,
	req_hash text NOT NULL,
	status   integer NOT NULL,
	body     bytea,
	created  timestamptz NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_created ON idempotency (created);
