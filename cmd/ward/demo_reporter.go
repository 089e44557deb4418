package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

// seedDemoReporter files a report as the public form does, has the triager
// ask its reporter a question and the reporter answer through their link,
// so that the demo has a reporter page to open and a notification for the
// triager; and saves the team a filter. It returns the reporter link's
// secret.
func seedDemoReporter(ctx context.Context, db *store.DB) (string, error) {
	r := ward.Report{Title: "Dashboard shows a pod's annotations unescaped", Source: ward.SourceWeb,
		ReporterName: "Lee Park", ReporterEmail: "lee.park@example.net",
		Body: "An annotation value such as\n\n<img src=x onerror=alert(document.domain)>\n\n" +
			"runs in the dashboard of anyone who opens the pod. Tested on **v2.7.0**.\n"}
	asReporter := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorReporter, Email: r.ReporterEmail})
	if _, err := db.CreateReport(asReporter, &r); err != nil {
		return "", err
	}
	secret, err := db.IssueReporterKey(asReporter, r.ID)
	if err != nil {
		return "", err
	}
	svc := reports.New(db, db, db, db, time.Now)
	daichi := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: "daichi.sato@example.org", Role: ward.RoleTriager})
	for _, a := range []reports.Action{
		{Action: "assign", Member: "daichi.sato@example.org"},
		{Action: "comment", Comment: "Probably the same root cause as the logs page; check the template helper.", Visibility: "team"},
		{Action: "request_info", Comment: "Thanks! Does it need the user to be able to edit pods, or only to view them?", Visibility: "reporter"},
	} {
		if _, _, err := svc.Act(daichi, r.ID, a); err != nil {
			return "", fmt.Errorf("%s: %w", a.Action, err)
		}
	}
	if _, err := svc.ReporterAct(ctx, secret, "answer", "Only to view them: the annotation is set by whoever can create the pod."); err != nil {
		return "", err
	}
	if _, err := db.SaveFilter(daichi, &ward.SavedFilter{Name: "web-triage", Query: "view=triage&source=web"}); err != nil {
		return "", err
	}
	return secret, nil
}
