// Command bare is the baseline for the load scripts in bench: a bare
// net/http server that answers every request with the same bytes, read once
// from files. It does nothing else, so the requests per second it sustains
// are what net/http itself costs on this machine.
//
//	bare -addr 127.0.0.1:0 -body me.json
//	bare -body me.json -headers me.h
//	bare -body feed.ics -headers feed.h -etag '"1-2-2026-11-25"' -headers304 feed304.h
//
// Without -headers it sends Content-Type: application/json and an explicit
// Content-Length. With -headers FILE (a header block as curl -D writes it:
// a status line, then "Name: value" lines) it sends those headers instead,
// all but Date, Content-Length and Transfer-Encoding, which net/http writes
// itself as it does for ward: Content-Length when the body fits its buffer,
// chunked otherwise. Captured from ward, they make bare's answer the same
// bytes as ward's, request ID and all (bare repeats the one it captured).
//
// With -etag ETAG a request whose If-None-Match contains ETAG gets 304 Not
// Modified, no body, and the headers of -headers304 FILE (required with
// -etag), which is how ward answers a calendar feed that has not changed.
//
// Once it listens it prints "bare is listening on http://ADDR" on stdout,
// with the real port when -addr asked for port 0.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
)

// header is one response header, canonicalised once at start.
type header struct {
	name  string
	value []string
}

// readHeaders reads a header block as curl -D writes it. The status line
// and the headers net/http writes itself are left out.
func readHeaders(file string) ([]header, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []header
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		line := strings.TrimRight(sc.Text(), "\r")
		if first && strings.HasPrefix(line, "HTTP/") {
			continue
		}
		if line == "" {
			break // end of the block
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%s: %q is not a header line", file, line)
		}
		name = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name))
		switch name {
		case "Date", "Content-Length", "Transfer-Encoding":
			continue
		}
		out = append(out, header{name, []string{strings.TrimSpace(value)}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return out, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes every 200 response carries (required)")
	headersFile := flag.String("headers", "", "file of response headers as curl -D writes them (default: Content-Type: application/json)")
	etag := flag.String("etag", "", "answer 304 when If-None-Match contains this (needs -headers304)")
	headers304File := flag.String("headers304", "", "file of the headers of a 304 answer, as curl -D writes them")
	flag.Parse()
	if *bodyFile == "" {
		log.Fatal("bare: -body FILE is required")
	}
	if (*etag == "") != (*headers304File == "") {
		log.Fatal("bare: -etag and -headers304 go together")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatalf("bare: %v", err)
	}
	headers := []header{
		{"Content-Type", []string{"application/json"}},
		{"Content-Length", []string{strconv.Itoa(len(body))}},
	}
	if *headersFile != "" {
		if headers, err = readHeaders(*headersFile); err != nil {
			log.Fatalf("bare: %v", err)
		}
	}
	var headers304 []header
	if *headers304File != "" {
		if headers304, err = readHeaders(*headers304File); err != nil {
			log.Fatalf("bare: %v", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("bare: %v", err)
	}
	fmt.Printf("bare is listening on http://%s\n", ln.Addr())

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if *etag != "" {
			if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, *etag) {
				for _, x := range headers304 {
					h[x.name] = x.value
				}
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		for _, x := range headers {
			h[x.name] = x.value
		}
		w.Write(body)
	})
	log.Fatal(http.Serve(ln, handler))
}
