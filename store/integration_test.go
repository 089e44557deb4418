package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
)

func TestApplyIntegrations(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "rita@example.org", Role: ward.RoleAdmin})
		github := &ward.GitHubConfig{Repository: "example-org/security", Token: ward.SecretRef{Env: "WARD_GITHUB_TOKEN"},
			WebhookSecret: ward.SecretRef{File: "/run/secrets/hook"}, Labels: []string{"security"}, Logins: map[string]string{"rita@example.org": "rita"}}
		hackerone := &ward.HackerOneConfig{Program: "example", Username: "ward-bot", Token: ward.SecretRef{Env: "WARD_H1_TOKEN"}, Interval: 10 * time.Minute}
		apply := func(t *testing.T, in *ward.Integrations) []ward.Change {
			t.Helper()
			changes, err := db.ApplyTeam(ctx, ward.TeamSpec{Integrations: in}, false)
			if err != nil {
				t.Fatal(err)
			}
			return changes
		}
		if c := apply(t, &ward.Integrations{GitHub: github, HackerOne: hackerone}); len(c) != 2 ||
			c[0].Object != "integration/github" || c[1].Object != "integration/hackerone" || c[0].Action != "create" {
			t.Errorf("changes = %+v, want both created", c)
		}
		got, err := db.Integrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ward.Integrations{GitHub: github, HackerOne: hackerone}, got); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
		if c := apply(t, &ward.Integrations{GitHub: github, HackerOne: hackerone}); len(c) != 0 {
			t.Errorf("the same again: %+v, want no change", c)
		}
		if c := apply(t, nil); len(c) != 0 {
			t.Errorf("a file without integrations: %+v, want no change", c)
		}
		moved := *github
		moved.Token = ward.SecretRef{File: "/run/secrets/github"}
		c := apply(t, &ward.Integrations{GitHub: &moved})
		if len(c) != 2 || c[0].Action != "update" || c[1].Action != "delete" || c[1].Object != "integration/hackerone" {
			t.Errorf("changes = %+v, want github updated and hackerone removed", c)
		}
		if d := c[0].Diff["token"]; d[1] != "changed" {
			t.Errorf("the diff of the token shows %v, want only that it changed", d)
		}
		if got, _ := db.Integrations(ctx); got.HackerOne != nil || got.GitHub.Token.File != "/run/secrets/github" {
			t.Errorf("stored = %+v", got)
		}
		bad := *hackerone
		bad.Token = ward.SecretRef{}
		if _, err := db.ApplyTeam(ctx, ward.TeamSpec{Integrations: &ward.Integrations{HackerOne: &bad}}, false); ward.ErrorCode(err) != ward.EINVALID {
			t.Errorf("HackerOne without a token: %v", err)
		}
		if c := apply(t, &ward.Integrations{}); len(c) != 1 || c[0].Action != "delete" {
			t.Errorf("an empty integrations key: %+v, want github removed", c)
		}
	})
}
