package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardsec/ward"
)

// statusClientClosed is what is logged for a request whose client left.
const statusClientClosed = 499

var statusOf = map[string]int{
	ward.EMALFORMED:    http.StatusBadRequest,
	ward.EINVALID:      http.StatusUnprocessableEntity,
	ward.EUNAUTHORIZED: http.StatusUnauthorized,
	ward.EFORBIDDEN:    http.StatusForbidden,
	ward.ENOTFOUND:     http.StatusNotFound,
	ward.EMETHOD:       http.StatusMethodNotAllowed,
	ward.ECONFLICT:     http.StatusConflict,
	ward.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ward.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	ward.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ward.ERATELIMIT:    http.StatusTooManyRequests,
	ward.EINTERNAL:     http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// Error answers with the JSON error for err. Internal errors are logged with
// their details and shown only as "Internal error." with the request ID.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: ward.ErrorMessage(err), RequestID: ward.RequestIDFromContext(r.Context())}})
}

// failure is what the API and the pages share about an error: its code and
// status, and the log line for what failed on our side. It answers false,
// having answered already, when the client has gone.
func (s *Server) failure(w http.ResponseWriter, r *http.Request, err error) (code string, status int, ok bool) {
	code = ward.ErrorCode(err)
	if code == ward.EINTERNAL && r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The client hung up: nobody will read an answer, and nothing
		// failed on our side. 499 is the status proxies log for this.
		w.WriteHeader(statusClientClosed)
		return code, statusClientClosed, false
	}
	if code == ward.EINTERNAL || code == ward.EUNAVAILABLE {
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", ward.RequestIDFromContext(r.Context())), slog.String("error", err.Error()))
	}
	status, known := statusOf[code]
	if !known {
		status = http.StatusInternalServerError
	}
	return code, status, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // so that no browser can read reporter text in an API answer as markup
	_ = enc.Encode(v)       // the status is sent; a broken connection is the client's to notice
}

// decode reads a JSON request body into v: it must be declared as JSON, fit
// in the body limit, hold exactly one value and name only known fields.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return ward.Errorf(ward.EUNSUPPORTED, "send the body as Content-Type: application/json")
	}
	if r.ContentLength > s.cfg.MaxBody {
		return ward.Errorf(ward.ETOOLARGE, "the body is over the limit of %d bytes", s.cfg.MaxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return ward.Errorf(ward.ETOOLARGE, "the body is over the limit of %d bytes", s.cfg.MaxBody)
	}
	if err != nil {
		return fmt.Errorf("read the request body: %w", err)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD, changing
	// what the sender wrote; JSON must be UTF-8, so say so instead.
	if !utf8.Valid(body) {
		return ward.Errorf(ward.EMALFORMED, "the body is not valid UTF-8")
	}
	// encoding/json would read null as an empty object; every body here is
	// an object, so anything else is refused before it is decoded.
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] != '{' {
		return ward.Errorf(ward.EMALFORMED, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ward.Errorf(ward.EMALFORMED, "the body holds more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		when   *time.ParseError
	)
	switch {
	case errors.Is(err, io.EOF):
		return ward.Errorf(ward.EMALFORMED, "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ward.Errorf(ward.EMALFORMED, "the body ends in the middle of a JSON value")
	case errors.As(err, &syntax):
		return ward.Errorf(ward.EMALFORMED, "the body is not valid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		return ward.Errorf(ward.EMALFORMED, "field %q must be of type %s, not %s", typ.Field, jsonType(typ.Type.String()), typ.Value)
	case errors.As(err, &when):
		return ward.Errorf(ward.EMALFORMED, "a time is not in RFC 3339 form, such as 2026-01-05T09:00:00Z")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields.
		return ward.Errorf(ward.EMALFORMED, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		// Other decoding errors carry Go's names for things; the caller
		// gets a plain message and the log keeps nothing of the body.
		return ward.Errorf(ward.EMALFORMED, "the body does not match this endpoint's JSON: a value has the wrong type or form")
	}
}

// jsonType names a Go type as the JSON a client should send.
func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "bool":
		return "boolean"
	case "string", "ward.Role", "time.Time":
		return "string"
	case "int", "int64":
		return "integer"
	default:
		return "another type"
	}
}
