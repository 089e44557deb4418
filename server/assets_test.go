package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
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
		for _, refused := range []string{"gzip;q=0", "gzip; q=0.0", "GZIP;Q=0.000"} {
			if resp, _ := get(path, refused); resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: gzip refused with %q, sent anyway", path, refused)
			}
		}
		// Each form has its own validator: a copy of one is never taken
		// for the other, nor a range of one served from the other.
		plainResp, _ := get(path, "identity")
		gzResp, _ := get(path, "gzip")
		pt, gt := plainResp.Header.Get("ETag"), gzResp.Header.Get("ETag")
		if pt == "" || gt == "" || pt == gt || gzResp.Header.Get("Content-Length") != strconv.Itoa(len(packed)) {
			t.Errorf("%s: ETags %q and %q, gzip Content-Length %q", path, pt, gt, gzResp.Header.Get("Content-Length"))
		}
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("If-None-Match", pt)
		if resp, err := http.DefaultTransport.RoundTrip(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: the plain copy's ETag was taken for the gzipped one", path)
		}
		req.Header.Set("If-None-Match", gt)
		if resp, err := http.DefaultTransport.RoundTrip(req); err != nil || resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: a current gzipped copy is not answered 304", path)
		}
	}
	// Pages are never compressed: a page holds its form token beside text
	// that others wrote.
	if resp, _ := get("/report", "gzip"); resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a page was compressed: %v", resp.Header)
	}
}
