package main

import (
	"context"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/store"
)

// seedDemoHackerOne stores two reports of the programme "example" as a
// sync from HackerOne would, without calling HackerOne: one triaged there
// with its activity stream, one new, both in the bounty-triage view.
func seedDemoHackerOne(ctx context.Context, db *store.DB) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	triaged := now.Add(-26 * time.Hour)
	page := &ward.SyncPage{Source: ward.SourceHackerOne, Scope: "example", Cursor: now.Add(-2 * time.Hour), Reports: []ward.ExternalReport{{
		Source: ward.SourceHackerOne, ExternalID: "2904417", ExternalURL: "https://hackerone.com/reports/2904417",
		Title:        "Stored XSS in the dashboard's annotation field",
		Body:         "## Summary\n\nAn annotation's text is rendered as HTML on the dashboard.\n\n## Steps\n\n1. Add an annotation `<img src=x onerror=alert(document.domain)>`.\n2. Open the dashboard as another user.\n",
		ReporterName: "Mika Ilves (@mikai)", Reporter: "mikai", State: "triaged",
		Severity: &ward.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", Version: "3.1", Score: 5.4, Rating: "Medium"},
		Weakness: "Cross-site Scripting (XSS) - Stored (CWE-79)", CWE: "cwe-79",
		Attachments: []ward.ExternalAttachment{{Name: "poc.mp4", ContentType: "video/mp4", Size: 1843221,
			URL: "https://hackerone.com/system/attachments/files/demo/poc.mp4"}},
		CreatedAt: now.Add(-50 * time.Hour), ActivityAt: triaged,
		Activities: []ward.ExternalActivity{
			{ID: "demo-31001", At: now.Add(-49 * time.Hour), Actor: "hackerone:h1-analyst", Action: "comment", Visibility: "team",
				Comment: "Reproduced on the staging dashboard; the renderer skips sanitising annotations."},
			{ID: "demo-31002", At: triaged, Actor: "hackerone:h1-analyst", Action: "hackerone_triaged", Visibility: "reporter",
				Comment: "Thanks, we reproduced this and passed it to the team."},
		},
	}, {
		Source: ward.SourceHackerOne, ExternalID: "2911873", ExternalURL: "https://hackerone.com/reports/2911873",
		Title:        "Open redirect in the sign-in page's return parameter",
		Body:         "`/login?return=//evil.example` sends the user to another site after signing in.\n",
		ReporterName: "Ana Ruiz (@aruiz)", Reporter: "aruiz", State: "new",
		CreatedAt: now.Add(-2 * time.Hour), ActivityAt: now.Add(-2 * time.Hour),
	}}}
	_, err := db.StoreSyncPage(ctx, page)
	return err
}
