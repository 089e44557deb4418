package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wardsec/ward"
)

var _ ward.IntegrationService = (*DB)(nil)

// Integrations returns the integrations the team file declared.
func (db *DB) Integrations(ctx context.Context) (ward.Integrations, error) {
	return loadIntegrations(ctx, db.query)
}

func loadIntegrations(ctx context.Context, query queryFunc) (ward.Integrations, error) {
	var in ward.Integrations
	rows, err := query(ctx, `SELECT kind, spec FROM integrations`)
	if err != nil {
		return in, fmt.Errorf("find integrations: %w", err)
	}
	_, err = collect(rows, "integrations", func(row scanner) (struct{}, error) {
		var kind, spec string
		if err := row.Scan(&kind, &spec); err != nil {
			return struct{}{}, err
		}
		var into any
		switch kind {
		case "github":
			in.GitHub = &ward.GitHubConfig{}
			into = in.GitHub
		case "hackerone":
			in.HackerOne = &ward.HackerOneConfig{}
			into = in.HackerOne
		default:
			return struct{}{}, fmt.Errorf("integration of unknown kind %q", kind)
		}
		return struct{}{}, json.Unmarshal([]byte(spec), into)
	})
	return in, err
}

// integrationKinds returns the configured integrations by kind, in the
// order plans list them.
func integrationKinds(in ward.Integrations) ([]string, map[string]any) {
	kinds := []string{"github", "hackerone"}
	byKind := map[string]any{}
	if in.GitHub != nil {
		byKind["github"] = in.GitHub
	}
	if in.HackerOne != nil {
		byKind["hackerone"] = in.HackerOne
	}
	return kinds, byKind
}

// planIntegrations compares the integrations declared with those stored:
// when declared (not nil), they are all of them.
func (tx *Tx) planIntegrations(ctx context.Context, declared *ward.Integrations) ([]ward.Change, error) {
	if declared == nil {
		return nil, nil
	}
	if err := declared.Validate(); err != nil {
		return nil, ward.Errorf(ward.EINVALID, "integrations.%s", ward.ErrorMessage(err))
	}
	current, err := loadIntegrations(ctx, tx.query)
	if err != nil {
		return nil, err
	}
	kinds, before := integrationKinds(current)
	_, after := integrationKinds(*declared)
	var changes []ward.Change
	for _, kind := range kinds {
		b, had := before[kind]
		a, has := after[kind]
		object := "integration/" + kind
		switch {
		case has && !had:
			changes = append(changes, ward.Change{Action: "create", Object: object, Diff: ward.Diff{}})
		case had && !has:
			changes = append(changes, ward.Change{Action: "delete", Object: object, Diff: ward.Diff{}})
		case has:
			if d := specDiff(b, a); len(d) > 0 {
				changes = append(changes, ward.Change{Action: "update", Object: object, Diff: d})
			}
		}
	}
	return changes, nil
}

// writeIntegrations stores what planIntegrations planned, and audits it.
func (tx *Tx) writeIntegrations(ctx context.Context, declared *ward.Integrations, changes []ward.Change) error {
	if declared == nil {
		return nil
	}
	_, after := integrationKinds(*declared)
	for _, ch := range changes {
		kind := ch.Object[len("integration/"):]
		if ch.Action == "delete" {
			if _, err := tx.exec(ctx, `DELETE FROM integrations WHERE kind = ?`, kind); err != nil {
				return fmt.Errorf("remove integration %s: %w", kind, err)
			}
		} else {
			spec, err := json.Marshal(after[kind])
			if err != nil {
				return fmt.Errorf("integration %s: %w", kind, err)
			}
			if _, err := tx.exec(ctx, `INSERT INTO integrations (kind, spec, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (kind) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`, kind, string(spec), micros(tx.now)); err != nil {
				return fmt.Errorf("store integration %s: %w", kind, err)
			}
		}
		if err := tx.audit(ctx, "integration."+ch.Action, ch.Object, ch.Diff); err != nil {
			return err
		}
	}
	return nil
}
