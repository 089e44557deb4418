package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/clock"
	"github.com/wardsec/ward/examples"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
)

// The stale-ping job pings whoever is on call in the team's first rotation
// when a report has neither commander nor assignee; without a rotation,
// nobody.
func TestFirstRotationOnCall(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ward.db")
	c := &cli{t: t, db: db}
	ctx := context.Background()
	s, err := store.Open(ctx, db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	onCall := firstRotationOnCall(s, oncall.New(s, time.Now))
	if who, err := onCall(ctx, time.Now()); err != nil || who != "" {
		t.Errorf("without a rotation = %q, %v; want nobody", who, err)
	}
	team := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(team, examples.Team, 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("apply", "-f", team)
	at := time.Now()
	want := c.ok("oncall", "--rotation", "src", "--at", at.Format(time.RFC3339), "-o", "json")
	who, err := onCall(ctx, at)
	if err != nil || who == "" || !strings.Contains(want, `"email": "`+who+`"`) {
		t.Errorf("on call = %q, %v; ward oncall says %s", who, err, want)
	}
	var names []string
	for _, j := range (background{db: s, calendar: oncall.New(s, time.Now), clock: clock.System{}}).jobs() {
		names = append(names, j.Name)
	}
	if got := strings.Join(names, " "); got != "prune-sessions stale-pings disclosure-windows handoff-reminders shift-brief triage-digest" {
		t.Errorf("scheduled jobs = %s", got)
	}
	// With HackerOne declared, its sync and push are scheduled too, but
	// not while its token cannot be read: there is no client to run them.
	admin := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	if _, err := s.ApplyTeam(admin, ward.TeamSpec{Integrations: &ward.Integrations{HackerOne: &ward.HackerOneConfig{
		Program: "example", Username: "ward-bot", Token: ward.SecretRef{Env: "WARD_TEST_H1_TOKEN"}}}}, false); err != nil {
		t.Fatal(err)
	}
	jobNames := func() string {
		var names []string
		for _, j := range (background{db: s, calendar: oncall.New(s, time.Now), clock: clock.System{}, logger: slog.New(slog.DiscardHandler)}).jobs() {
			names = append(names, j.Name)
		}
		return strings.Join(names, " ")
	}
	t.Setenv("WARD_TEST_H1_TOKEN", "")
	if got := jobNames(); strings.Contains(got, "hackerone") {
		t.Errorf("scheduled jobs with HackerOne but no token = %s", got)
	}
	t.Setenv("WARD_TEST_H1_TOKEN", "h1-s3cret")
	if got := jobNames(); !strings.HasSuffix(got, " triage-digest hackerone-sync hackerone-push") {
		t.Errorf("scheduled jobs with HackerOne = %s", got)
	}
}
