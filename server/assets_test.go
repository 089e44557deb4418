package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The stylesheet and script go compressed to browsers that take gzip, and
// as they are to the rest; both say so to caches.
func TestAssetsCompressed(t *testing.T) {
	f := newFixture(t)
	get := func(path, accept string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept) // set by hand: the client then leaves the body alone
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, path := range []string{"/static/ward.css", "/static/desk.js"} {
		resp, plain := get(path, "identity")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || len(plain) < 1000 || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s plain: %d %v, %d bytes", path, resp.StatusCode, resp.Header, len(plain))
		}
		resp, packed := get(path, "br, gzip;q=0.8")
		if resp.Header.Get("Content-Encoding") != "gzip" || len(packed) >= len(plain)/2 {
			t.Errorf("%s gzipped: %v, %d of %d bytes", path, resp.Header, len(packed), len(plain))
		}
		zr, err := gzip.NewReader(bytes.NewReader(packed))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); !bytes.Equal(got, plain) {
			t.Errorf("%s: the gzipped body is not the file", path)
		}
		if resp, _ := get(path, "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip refused with q=0, sent anyway", path)
		}
	}
	// Pages are never compressed: a page holds its form token beside text
	// that others wrote.
	if resp, _ := get("/report", "gzip"); resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a page was compressed: %v", resp.Header)
	}
}
