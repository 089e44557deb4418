// Command mboxgen writes an mbox archive of typical security-list mail
// (mailtest.Typical) to standard output, for the import benchmarks:
// mboxgen -n 2000, or mboxgen -size 1GiB.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/wardsec/ward/wardtest/mailtest"
)

func main() {
	n := flag.Int("n", 1000, "how many messages")
	mib := flag.Int("mib", 0, "instead of -n: write messages until the archive holds this many MiB")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if *mib > 0 {
		written, i := 0, 0
		for written < *mib<<20 {
			written += len(mailtest.Typical(i)) + 60
			i++
		}
		*n = i
	}
	if err := mailtest.WriteMbox(w, 0, *n); err != nil {
		fmt.Fprintln(os.Stderr, "mboxgen:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "mboxgen:", err)
		os.Exit(1)
	}
}
