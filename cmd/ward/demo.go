package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/examples"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/teamfile"
)

// seedDemo applies the demo team to an empty database and returns a fresh
// API token for its first admin; on a database that has members it seeds
// nothing and still issues the token, so --demo always prints a way in.
func seedDemo(ctx context.Context, db *store.DB) (string, error) {
	if err := applyDemoTeam(ctx, db); err != nil {
		return "", err
	}
	admins, err := db.FindMembers(ctx, ward.MemberFilter{Role: ward.RoleAdmin})
	if err != nil {
		return "", err
	}
	if len(admins) == 0 {
		return "", ward.Errorf(ward.ECONFLICT, "--demo: the database has no active admin to sign in as")
	}
	exp := time.Now().Add(24 * time.Hour)
	_, secret, err := db.CreateToken(ctx, admins[0].Email, "demo", &exp)
	return secret, err
}

func printDemoHelp(e *env, url, token string) {
	fmt.Fprintf(e.stdout, `
Demo mode: a sample security team is loaded (database %s).
Sign in to the API with this token (valid for 24 hours):

  export WARD_TOKEN=%s
  curl -H "Authorization: Bearer $WARD_TOKEN" %s/api/v1/me
  curl -H "Authorization: Bearer $WARD_TOKEN" %s/api/v1/members

The API is described at %s/api/v1/openapi.json. Stop with Ctrl-C.
`, store.RedactDSN(e.db), token, url, url, url)
}

// applyDemoTeam loads the demo team into a database that has no members.
func applyDemoTeam(ctx context.Context, db interface {
	ward.TeamService
	ward.MemberService
}) error {
	existing, err := db.FindMembers(ctx, ward.MemberFilter{IncludeDisabled: true})
	if err != nil || len(existing) > 0 {
		return err
	}
	spec, err := teamfile.Parse("examples/team.yaml", examples.Team, holiday.Normalize)
	if err != nil {
		return fmt.Errorf("demo team: %w", err)
	}
	_, err = db.ApplyTeam(ctx, spec, false)
	return err
}
