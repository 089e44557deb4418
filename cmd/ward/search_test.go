package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
)

func TestReportSearchCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("migrate")
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	for _, r := range []ward.Report{
		{Title: "kubelet logs bearer tokens", Body: "CVE-2026-4242", Source: ward.SourceEmail},
		{Title: "scheduler panics", Body: "also CVE-2026-4242", Source: ward.SourceEmail},
	} {
		if _, err := db.CreateReport(cliContext(context.Background()), &r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(r.ID, 10))
	}
	if out := c.ok("report", "list", "--search", "Bearer"); !strings.Contains(out, "kubelet logs bearer tokens") || strings.Contains(out, "scheduler") {
		t.Errorf("report list --search Bearer:\n%s", out)
	}
	if _, _, err := c.run("", "report", "list", "--search", `"*"`); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("report list --search of punctuation: %v, want invalid", err)
	}
	out := c.ok("report", "similar", ids[0])
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		strings.Join(strings.Fields(lines[1]), " ") != ids[1]+" 0.80 new scheduler panics shared CVE-2026-4242" {
		t.Errorf("report similar:\n%s", out)
	}
	if _, _, err := c.run("", "report", "similar", ids[0], "--limit", "21"); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("report similar --limit 21: %v, want invalid", err)
	}
}
