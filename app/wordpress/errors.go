package wordpress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Error codes. The UI translates them; Error.Message carries the English
// detail (WordPress's own sentence when it gave one). Codes are only ever
// added, never renamed.
const (
	CodeBadURL         = "badURL"         // not an http(s) address, or no scheme typed
	CodeUnreachable    = "unreachable"    // DNS, refused, reset, timeout: no answer
	CodeTLS            = "tls"            // the certificate or the TLS handshake failed
	CodeNotWordPress   = "notWordPress"   // a web site answered, but not a WordPress one
	CodeRESTDisabled   = "restDisabled"   // WordPress, but its REST API is off or blocked
	CodeWrongPassword  = "wrongPassword"  // unknown user or wrong application password
	CodeHTTPSNeeded    = "httpsNeeded"    // application passwords are off because the site is plain http
	CodeNoAppPasswords = "noAppPasswords" // application passwords turned off (plugin, filter) on an https site
	CodeNoRights       = "noRights"       // the user's role may not do this (upload, publish, create a category)
	CodeNotFound       = "notFound"       // the post or media is gone from the site
	CodeConflict       = "conflict"       // the post changed on the site since Warta last saw it
	CodeTooLarge       = "tooLarge"       // the site refused the file's size
	CodeRejected       = "rejected"       // any other 4xx: WordPress refused the request
	CodeServer         = "server"         // 5xx or a PHP fatal error
	CodeBadAnswer      = "badAnswer"      // an answer that is not the JSON WordPress sends
	CodePhoto          = "photo"          // the local photo file is missing or unreadable
	CodeArticle        = "article"        // the local article is missing or cannot be rendered
	CodeAccount        = "account"        // the account is unknown or its password is not in the keyring
)

// Sentinels an *Error wraps, for errors.Is.
var (
	ErrConflict = errors.New("the post changed on the site since Warta last published it")
	ErrNoJob    = errors.New("no such WordPress job")
	ErrBadState = errors.New("the job is not in a state that allows this")
	ErrInvalid  = errors.New("invalid request")
	// ErrRunning: Run was called while another Run works the queue (the
	// working one picks up what is enqueued; nothing to do).
	ErrRunning = errors.New("the WordPress queue is already being worked")
)

// Error is a failed call or publication step.
type Error struct {
	Op      string // "check", "upload photo", "create post", …
	Code    string // one of the Code* constants
	Status  int    // HTTP status; 0 when there was no answer
	WPCode  string // WordPress's error code ("rest_cannot_create", "incorrect_password"), if any
	Message string // English detail
	// RetryAfter is the site's Retry-After (429, 503), if any.
	RetryAfter time.Duration
	Err        error // the network error or a sentinel
}

func (e *Error) Error() string {
	s := e.Op + ": "
	switch {
	case e.Message != "":
		s += e.Message
	case e.Status != 0:
		s += fmt.Sprintf("the site answered %d %s", e.Status, http.StatusText(e.Status))
	default:
		s += e.Code
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.WPCode != "" {
			s += " " + e.WPCode
		}
		s += ")"
	} else if e.Err != nil {
		detail := e.Err
		var ue *url.Error
		if errors.As(detail, &ue) {
			detail = ue.Err // the URL is long and in the log anyway
		}
		if d := detail.Error(); !strings.Contains(s, d) {
			s += " (" + d + ")"
		}
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns err's code, "" when it carries none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Retryable reports whether trying again later may succeed: no answer,
// 408, 429 and 5xx. Wrong password, missing rights, refused requests,
// TLS and local photo problems are final.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var e *Error
	if !errors.As(err, &e) {
		return true // an unexpected local failure: worth another try
	}
	switch e.Code {
	case CodeUnreachable, CodeServer:
		return true
	}
	return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests
}

// wpErrorCode maps WordPress's error code and the HTTP status to ours.
func wpErrorCode(status int, wpCode string) string {
	switch wpCode {
	case "incorrect_password", "invalid_username", "invalid_email", "rest_not_logged_in":
		// rest_not_logged_in after sending credentials: no application
		// password exists on the site at all (WordPress then ignores Basic
		// auth), or the web server dropped the Authorization header.
		return CodeWrongPassword
	case "application_passwords_disabled", "application_passwords_disabled_for_user":
		return CodeNoAppPasswords
	case "rest_disabled", "rest_cannot_access", "rest_login_required", "rest_no_route":
		return CodeRESTDisabled
	case "rest_post_invalid_id", "rest_term_invalid", "rest_user_invalid_id":
		return CodeNotFound
	case "rest_upload_file_too_big", "rest_upload_limited_space", "rest_upload_user_quota_exceeded":
		return CodeTooLarge
	}
	if len(wpCode) > len("rest_cannot_") && wpCode[:len("rest_cannot_")] == "rest_cannot_" {
		return CodeNoRights
	}
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return CodeNoRights
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case status >= 500:
		return CodeServer
	}
	return CodeRejected
}
