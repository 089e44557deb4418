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

// seedDemo loads the example team into an empty database and returns a
// day-long API token for its first admin. A database with members in it is
// refused: --demo must never mint a token for a real team's admin.
func seedDemo(ctx context.Context, db *store.DB, dsn string) (string, error) {
	existing, err := db.FindMembers(ctx, ward.MemberFilter{IncludeDisabled: true})
	if err != nil {
		return "", err
	}
	if len(existing) > 0 {
		return "", ward.Errorf(ward.ECONFLICT, "--demo needs an empty database, and %s has members; leave out --db for a fresh temporary one", store.RedactDSN(dsn))
	}
	spec, err := teamfile.Parse("examples/team.yaml", examples.Team, holiday.Normalize)
	if err != nil {
		return "", fmt.Errorf("demo team: %w", err)
	}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		return "", fmt.Errorf("demo team: %w", err)
	}
	admins, err := db.FindMembers(ctx, ward.MemberFilter{Role: ward.RoleAdmin})
	if err != nil {
		return "", err
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
