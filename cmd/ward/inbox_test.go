package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/wardtest/mailtest"
)

func TestImportCommands(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "list.mbox")
	var b bytes.Buffer
	if err := mailtest.WriteMbox(&b, 0, 30); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("import", "mbox", archive); !strings.Contains(out, "imported 30 messages (0 flagged") {
		t.Errorf("first import: %s", out)
	}
	// Importing again stores nothing twice.
	if out := c.ok("import", "mbox", archive); !strings.Contains(out, "imported 0 messages") || !strings.Contains(out, "30 were stored already") {
		t.Errorf("second import: %s", out)
	}
	var threads []ward.Thread
	if err := json.Unmarshal([]byte(c.ok("inbox", "list", "-o", "json")), &threads); err != nil {
		t.Fatal(err)
	}
	if len(threads) != 10 || threads[0].Messages != 3 {
		t.Errorf("threads = %d, the newest with %d messages; want 10 of 3", len(threads), threads[0].Messages)
	}

	// One .eml file that cannot be fully read, one twice, and one from
	// standard input: all stored, the broken one flagged.
	broken := filepath.Join(dir, "broken.eml")
	if err := os.WriteFile(broken, []byte("From: x@example.com\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := c.run(string(mailtest.Typical(100)), "import", "eml", broken, broken, "-")
	if err != nil || !strings.Contains(out, "imported 2 messages (1 flagged") || !strings.Contains(out, "1 were stored already") {
		t.Errorf("eml import: %s %v", out, err)
	}
	show := c.ok("inbox", "show", "1")
	if !strings.Contains(show, "Possible vulnerability 0 in the admission webhook") || !strings.Contains(show, "attachment: crash.log (text/x-log") {
		t.Errorf("inbox show:\n%s", show)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "mbox", broken}, "not an mbox archive"},
		{[]string{"import", "mbox", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"inbox", "list", "--status", "closed"}, `"closed" is not one of`},
		{[]string{"inbox", "show", "x"}, "not a number"},
		{[]string{"inbox", "show", "999"}, "no thread has the id 999"},
	} {
		if _, _, err := c.run("", tt.args...); err == nil || !strings.Contains(describe(err), tt.want) {
			t.Errorf("ward %s = %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
