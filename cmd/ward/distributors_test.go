package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
)

func TestDistributorsCommands(t *testing.T) {
	c := newCLI(t)
	if _, _, err := c.run("", "distributors", "list"); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("list before the database exists: %v, want invalid (it must not create one)", err)
	}
	c.ok("migrate")
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applicant := ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorApplicant, Email: "dana@example.org"})
	for _, org := range []string{"Example Linux", "Beta Cloud"} {
		key := strings.ToLower(strings.Fields(org)[0])
		r := ward.DistributorRequest{Organisation: org, ContactName: "Dana", ContactEmail: "dana@example.org", ListAddress: "security@" + key + ".example",
			Answers: ward.DistributorAnswers{Distribution: "d", UserBase: "u", TrackRecord: "t", NotDownstream: "n", Contribution: "c", Voucher: "v",
				AcceptsEmbargo: true, ContributesBack: true}}
		if err := db.CreateDistributorRequest(applicant, &r); err != nil {
			t.Fatal(err)
		}
	}

	if _, _, err := c.run("", "distributors", "list", "--limit", "501"); ward.ErrorMessage(err) != "--limit: 501 is not from 1 to 500; narrow the list with --state or --since" {
		t.Errorf("--limit 501: %v", err)
	}
	if out := c.ok("distributors", "list", "--limit", "500"); strings.Count(out, "\n") != 3 {
		t.Errorf("--limit 500:\n%s", out)
	}
	out := c.ok("distributors", "list", "--state", "pending")
	if !strings.Contains(out, "1   pending  Example Linux  security@example.example  dana@example.org") || !strings.Contains(out, "2   pending  Beta Cloud") {
		t.Errorf("list:\n%s", out)
	}
	if out := c.ok("distributors", "approve", "1"); out != "distributor_request/1 Example Linux (security@example.example): approved\n" {
		t.Errorf("approve: %q", out)
	}
	for _, bad := range []struct {
		args []string
		code string
	}{
		{[]string{"distributors", "decline", "2"}, ward.EINVALID},                     // no reason
		{[]string{"distributors", "decline", "1", "--reason", "no"}, ward.ECONFLICT},  // approved already
		{[]string{"distributors", "remove", "2", "--reason", "gone"}, ward.ECONFLICT}, // pending
		{[]string{"distributors", "approve", "x"}, ward.EINVALID},                     // not an id
		{[]string{"distributors", "approve", "99"}, ward.ENOTFOUND},                   // no such request
		{[]string{"distributors", "list", "--state", "accepted"}, ward.EINVALID},      // no such state
		{[]string{"distributors", "export", "--format", "json"}, ward.EINVALID},       // no such format
		{[]string{"distributors", "list", "--since", "last week"}, ward.EINVALID},     // not a time
		{[]string{"distributors", "list", "--limit", "501"}, ward.EINVALID},           // the store would list 50
		{[]string{"distributors", "list", "--limit", "0"}, ward.EINVALID},
	} {
		if _, _, err := c.run("", bad.args...); ward.ErrorCode(err) != bad.code {
			t.Errorf("ward %s: %v, want %s", strings.Join(bad.args, " "), err, bad.code)
		}
	}
	if out := c.ok("distributors", "decline", "2", "--reason", "a rebuild of Example Linux"); !strings.HasSuffix(out, ": declined\n") {
		t.Errorf("decline: %q", out)
	}
	if out := c.ok("distributors", "export"); out != "security@example.example\n" {
		t.Errorf("export: %q", out)
	}
	if out := c.ok("distributors", "export", "--format", "csv"); !strings.HasPrefix(out, "organisation,contact,address,approved_at\nExample Linux,dana@example.org,security@example.example,") {
		t.Errorf("export csv: %q", out)
	}
	var declined []ward.DistributorRequest
	if err := json.Unmarshal([]byte(c.ok("distributors", "list", "--state", "declined", "-o", "json")), &declined); err != nil {
		t.Fatal(err)
	}
	if len(declined) != 1 || declined[0].Reason != "a rebuild of Example Linux" || !strings.HasPrefix(declined[0].DecidedBy, "cli:") || declined[0].Answers.Voucher != "v" {
		t.Errorf("declined = %+v", declined)
	}
	entries, _ := db.FindAuditEntries(context.Background(), ward.AuditFilter{Object: "distributor_request/2", Limit: 1})
	if len(entries) != 1 || entries[0].Action != "distributor.decline" || !strings.HasPrefix(entries[0].Actor, "cli:") {
		t.Errorf("audit = %+v", entries)
	}
}
