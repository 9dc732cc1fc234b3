package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Wire error codes (docs/sync-protocol.md, "Errors"). Only ever append.
const (
	codeBadRequest  = "bad_request"
	codeUnauth      = "unauthorized"
	codeWrongPass   = "wrong_password"
	codeRateLimited = "rate_limited"
	codeForbidden   = "forbidden"
	codeNotFound    = "not_found"
	codeConflict    = "conflict"
	codeKeyReused   = "idempotency_key_reused"
	codeTooLarge    = "too_large"
	codeInternal    = "internal"
)

// apiError is an error answer.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal","message":"The answer could not be encoded."}`)
	}
	writeRaw(w, status, append(b, '\n'))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	writeJSON(w, e.Status, e)
}

func writeRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, errorf(http.StatusTooManyRequests, codeRateLimited, "Too many failed attempts; try again later."))
}
