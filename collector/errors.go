package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Error codes. StatusOf maps each to its HTTP status, in one place.
const (
	EInvalid      = "invalid"      // a malformed request; Field names what
	EUnauthorized = "unauthorized" // no credential, or an unknown or revoked one
	EForbidden    = "forbidden"    // a credential that may not do this
	ENotFound     = "not_found"    // no such signal, decision or key
	EConflict     = "conflict"     // a batch id reused for a different batch
	ETooLarge     = "too_large"    // a body or batch over its limit
	ERateLimited  = "rate_limited" // over the key's rate; RetryAfter says when
	EUnavailable  = "unavailable"  // shutting down or overloaded
	EUnsupported  = "unsupported"  // a content encoding or type not handled
	EInternal     = "internal"     // anything else: logged, never echoed
	EMethod       = "method_not_allowed"
)

// Error is a collector error with a code, the field it is about and a
// message safe to show to the client.
type Error struct {
	Code    string
	Field   string
	Message string
	// RetryAfter is sent as the Retry-After header (rate_limited,
	// unavailable).
	RetryAfter time.Duration
}

// Error formats the error.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Field + ": " + e.Message
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid-input error naming field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its *Error's, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// StatusOf maps an error code to its HTTP status.
func StatusOf(code string) int {
	switch code {
	case EInvalid:
		return http.StatusBadRequest
	case EUnauthorized:
		return http.StatusUnauthorized
	case EForbidden:
		return http.StatusForbidden
	case ENotFound:
		return http.StatusNotFound
	case EConflict:
		return http.StatusConflict
	case ETooLarge:
		return http.StatusRequestEntityTooLarge
	case ERateLimited:
		return http.StatusTooManyRequests
	case EUnavailable:
		return http.StatusServiceUnavailable
	case EUnsupported:
		return http.StatusUnsupportedMediaType
	case EMethod:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON of an error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err: its code's status and, for an *Error, its
// message; an internal error is logged and answered without detail.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var e *Error
	if !errors.As(err, &e) {
		log.Error("collector: internal error", "error", err)
		e = &Error{Code: EInternal, Message: "internal error"}
	}
	var b errorBody
	b.Error.Code, b.Error.Field, b.Error.Message = e.Code, e.Field, e.Message
	if e.RetryAfter > 0 {
		secs := int((e.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeJSON(w, StatusOf(e.Code), &b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
