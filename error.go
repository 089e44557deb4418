// Package ward holds the domain of the ward security response desk: its
// objects, the services that act on them, and the errors users may see. It
// imports nothing else of ward's; the store, the HTTP server and the CLI are
// built around it.
package ward

import (
	"errors"
	"fmt"
)

// Error codes that users may see. Each maps to one HTTP status in the server
// and to one exit message in the CLI.
const (
	EMALFORMED    = "malformed"              // the request could not be read: bad JSON, unknown field
	EINVALID      = "invalid"                // a value was read but is not acceptable
	EUNAUTHORIZED = "unauthorized"           // no credentials, or bad, expired or revoked ones
	EFORBIDDEN    = "forbidden"              // the caller's role does not allow the action
	ENOTFOUND     = "not_found"              // the object does not exist, or the caller may not know it does
	ECONFLICT     = "conflict"               // the action clashes with the current state
	ETOOLARGE     = "too_large"              // the request body is over the limit
	EUNSUPPORTED  = "unsupported_media_type" // the request body is not of an accepted type
	EMETHOD       = "method_not_allowed"     // the path exists, but not for this method
	EUNAVAILABLE  = "unavailable"            // a dependency, such as the database, does not answer
	ERATELIMIT    = "rate_limited"           // too many requests from one client; try again later
	EINTERNAL     = "internal"               // anything else; details go to the log, never to the user
)

// Error is an error whose code and message are safe to show to the caller.
// Everything else is wrapped with fmt.Errorf and shown as an internal error.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ward: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the safe message of the first *Error in err's chain,
// or "Internal error." for any other error, so that driver and system
// messages never reach the caller.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Internal error."
	}
}
