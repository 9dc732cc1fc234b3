// Package auth holds the Warta server's secrets handling: argon2id password
// hashes in the PHC string format, bearer tokens (only their SHA-256 is
// stored) and the login rate limiter.
package auth
