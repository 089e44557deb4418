package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardsec/ward"
)

// cursor is a page request: the items with an ID below Before, at most
// Limit of them.
type cursor struct {
	Before int64
	Limit  int
}

// readCursor reads before and limit from the query; what names the items
// in messages.
func readCursor(q url.Values, what string, defaultLimit, maxLimit int) (cursor, error) {
	c := cursor{Limit: defaultLimit}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return c, ward.Errorf(ward.EINVALID, "before: want a positive integer, the id of %s", what)
		}
		c.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return c, ward.Errorf(ward.EINVALID, "limit: want an integer from 1 to %d", maxLimit)
		}
		c.Limit = n
	}
	return c, nil
}

// next returns the URL of the page after a full one, whose last item has
// the ID last, keeping the other query parameters; "" after a short page.
func (c cursor) next(r *http.Request, got int, last int64) string {
	if got < c.Limit {
		return ""
	}
	q := r.URL.Query()
	q.Set("before", strconv.FormatInt(last, 10))
	return r.URL.Path + "?" + q.Encode()
}
