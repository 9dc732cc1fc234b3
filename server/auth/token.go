package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns a new bearer secret (32 random bytes, base64url without
// padding) and the hex SHA-256 the server stores instead of it.
func NewToken() (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, TokenHash(secret)
}

// TokenHash is the hex SHA-256 of a bearer secret, the key tokens are
// looked up by.
func TokenHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
