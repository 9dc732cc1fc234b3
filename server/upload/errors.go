package upload

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	tusd "github.com/tus/tusd/v2/pkg/handler"
)

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// writeError writes the protocol's JSON error (no body for HEAD).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	b, _ := json.Marshal(errorBody{Error: code, Message: msg})
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Tus-Resumable", "1.0.0")
	hd.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// jsonTusError is a tusd error whose response is already the protocol's JSON.
func jsonTusError(status int, code, msg string) tusd.Error {
	b, _ := json.Marshal(errorBody{Error: code, Message: msg})
	return tusd.Error{
		ErrorCode: code,
		Message:   msg,
		HTTPResponse: tusd.HTTPResponse{
			StatusCode: status,
			Body:       string(b),
			Header:     tusd.HTTPHeader{"Content-Type": "application/json"},
		},
	}
}

// errorWriter turns tusd's plain-text errors ("ERR_CODE: message") into the
// protocol's JSON errors. Everything else passes through.
type errorWriter struct {
	http.ResponseWriter
	req     *http.Request
	status  int // set when an error is being captured
	buf     bytes.Buffer
	written bool
}

// Unwrap lets http.ResponseController (tusd sets read deadlines) reach the
// connection.
func (e *errorWriter) Unwrap() http.ResponseWriter { return e.ResponseWriter }

func (e *errorWriter) WriteHeader(status int) {
	if e.written || e.status != 0 {
		return
	}
	if status >= 400 && !strings.HasPrefix(e.Header().Get("Content-Type"), "application/json") {
		e.status = status
		return
	}
	e.written = true
	e.ResponseWriter.WriteHeader(status)
}

func (e *errorWriter) Write(b []byte) (int, error) {
	if e.status != 0 {
		return e.buf.Write(b)
	}
	e.written = true
	return e.ResponseWriter.Write(b)
}

// flush sends a captured error.
func (e *errorWriter) flush() {
	if e.status == 0 {
		return
	}
	tcode, msg, ok := strings.Cut(strings.TrimSpace(e.buf.String()), ": ")
	if !ok {
		msg = tcode
	}
	e.Header().Del("Content-Length")
	writeError(e.ResponseWriter, e.req, e.status, wireCode(e.status, tcode), msg)
}

// wireCode maps tusd's errors onto the protocol's codes.
func wireCode(status int, tusCode string) string {
	switch {
	case tusCode == "ERR_MAX_SIZE_EXCEEDED" || tusCode == "ERR_SIZE_EXCEEDED" || status == http.StatusRequestEntityTooLarge:
		return "too_large"
	case status == http.StatusNotFound || status == http.StatusGone:
		return "not_found"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusConflict || status == http.StatusLocked:
		return "conflict" // e.g. ERR_MISMATCHED_OFFSET: HEAD and resume
	case status == http.StatusPreconditionFailed:
		return "unsupported_version"
	case status >= 500:
		return "internal"
	default:
		return "bad_request"
	}
}
