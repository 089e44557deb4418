package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

func TestHandoffCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--email", "rita@example.org", "--name", "Rita", "--role", "responder")
	c.ok("user", "add", "--email", "rob@example.org", "--name", "Rob", "--role", "responder")
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := ward.Report{Title: "admission webhook bypass", Source: ward.SourceAPI}
	ctx := cliContext(context.Background())
	if _, err := db.CreateReport(ctx, &r); err != nil {
		t.Fatal(err)
	}
	r.State, r.Commander, r.TrackingURL = "tracked", "rita@example.org", "https://github.com/example/security/issues/1"
	if err := db.UpdateReport(ctx, &r, r.Version, &ward.TimelineEvent{Action: "track", Visibility: "team"}); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(r.ID, 10)
	request := []string{"handoff", "request", id, "--to", "rob@example.org", "--open-questions", "q", "--decisions", "d", "--pending-actions", "p"}

	if _, _, err := c.run("", request...); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("without --tracking-updated: %v, want invalid", err)
	}
	if out := c.ok(append(request, "--tracking-updated")...); !strings.Contains(out, "rita@example.org → rob@example.org, pending until rob@example.org accepts") {
		t.Errorf("request: %q", out)
	}
	out := c.ok("handoff", "list", "--pending", "--to", "ROB@example.org")
	if !strings.Contains(out, "pending  rita@example.org  rob@example.org") {
		t.Errorf("list:\n%s", out)
	}
	// The acknowledgement is rob's own: the command line cannot give it.
	c.run("", "handoff", "accept", "1") // no such command: cobra shows the help
	h, _ := db.FindHandoffByID(ctx, 1)
	if h.State != ward.HandoffPending {
		t.Fatalf("after `ward handoff accept` the handoff is %s", h.State)
	}
	rob := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: "rob@example.org", Role: ward.RoleResponder})
	if _, err := reports.New(db, db, db, db, time.Now).AnswerStep(rob, h.ID, reports.StepAccept, ""); err != nil {
		t.Fatal(err)
	}
	c.ok("handoff", "request", id, "--to", "rita@example.org", "--open-questions", "q", "--decisions", "d", "--pending-actions", "p", "--tracking-updated")
	if out := c.ok("handoff", "cancel", "2", "--reason", "rob stays"); out != "handoff/2 of report/"+id+": cancelled\n" {
		t.Errorf("cancel as the command line: %q", out)
	}
	if _, _, err := c.run("", "handoff", "cancel", "2"); ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("cancel a cancelled handoff: %v, want conflict", err)
	}
}
