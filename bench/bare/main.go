// Command bare is the baseline for bench/me.sh: a bare net/http server that
// answers every request with the same bytes, read once from a file, as
// application/json. It does nothing else, so the requests per second it
// sustains are what net/http itself costs on this machine.
//
//	bare -addr 127.0.0.1:0 -body me.json
//
// Once it listens it prints "bare is listening on http://ADDR" on stdout,
// with the real port when -addr asked for port 0.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes every response carries (required)")
	flag.Parse()
	if *bodyFile == "" {
		log.Fatal("bare: -body FILE is required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatalf("bare: %v", err)
	}
	length := strconv.Itoa(len(body))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("bare: %v", err)
	}
	fmt.Printf("bare is listening on http://%s\n", ln.Addr())

	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", length)
		w.Write(body)
	})
	log.Fatal(http.Serve(ln, handler))
}
