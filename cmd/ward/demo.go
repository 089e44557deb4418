package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/examples"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/teamfile"
)

// demoSignIn is what the demo prints: a way in, and something to subscribe
// to.
type demoSignIn struct {
	token    string
	calendar string // path of the demo rotation's calendar feed
	reporter string // path of a reporter's private page
	signIn   string // path of a one-time sign-in link to the web desk
}

// seedDemo loads the example team into an empty database, with a little
// of everything a team has on its rotation (an override, time off, an open
// swap request, a handoff note) and requests to join the distributors
// list, and returns a day-long API token for its
// first admin. A database with members in it is refused: --demo must never
// mint a token for a real team's admin.
func seedDemo(ctx context.Context, db *store.DB, calendar *oncall.Service, mail *inbox.Service, dsn string) (*demoSignIn, error) {
	existing, err := db.FindMembers(ctx, ward.MemberFilter{IncludeDisabled: true})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, ward.Errorf(ward.ECONFLICT, "--demo needs an empty database, and %s has members; leave out --db for a fresh temporary one", store.RedactDSN(dsn))
	}
	spec, err := teamfile.Parse("examples/team.yaml", examples.Team, holiday.Normalize)
	if err != nil {
		return nil, fmt.Errorf("demo team: %w", err)
	}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		return nil, fmt.Errorf("demo team: %w", err)
	}
	if err := seedDemoSchedule(ctx, db, calendar, spec.Rotations[0].Name); err != nil {
		return nil, fmt.Errorf("demo schedule: %w", err)
	}
	var ids []int64
	for _, r := range demoReports {
		if _, err := db.CreateReport(ctx, &r); err != nil {
			return nil, fmt.Errorf("demo reports: %w", err)
		}
		ids = append(ids, r.ID)
	}
	admins, err := db.FindMembers(ctx, ward.MemberFilter{Role: ward.RoleAdmin})
	if err != nil {
		return nil, err
	}
	responders, err := db.FindMembers(ctx, ward.MemberFilter{Role: ward.RoleResponder})
	if err != nil {
		return nil, err
	}
	svc := reports.New(db, db, db, db, time.Now)
	if err := trackDemoReport(ctx, svc, ids[1]); err != nil {
		return nil, fmt.Errorf("demo reports: %w", err)
	}
	if err := seedDemoIssueChange(ctx, db); err != nil {
		return nil, fmt.Errorf("demo GitHub delivery: %w", err)
	}
	if err := seedDemoHandoff(ctx, svc, ids[1], admins[0], responders[0].Email); err != nil {
		return nil, fmt.Errorf("demo handoff: %w", err)
	}
	if err := seedDemoHackerOne(ctx, db); err != nil {
		return nil, fmt.Errorf("demo HackerOne reports: %w", err)
	}
	reporterKey, err := seedDemoReporter(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("demo reporter: %w", err)
	}
	if err := seedDemoInbox(ctx, mail); err != nil {
		return nil, fmt.Errorf("demo inbox: %w", err)
	}
	if err := seedDemoDistributors(ctx, db, responders[0]); err != nil {
		return nil, fmt.Errorf("demo distributors: %w", err)
	}
	// The admin signed in has linked a Slack account, as /ward link
	// would, so that a signed /ward oncall (see docs/notifications.md) is
	// answered, and asks to hear at any hour, which the account page
	// shows; the others keep the defaults (email, working hours).
	if err := seedDemoSlack(ctx, db, admins[0].Email); err != nil {
		return nil, fmt.Errorf("demo notification preferences: %w", err)
	}
	exp := time.Now().Add(24 * time.Hour)
	_, token, err := db.CreateToken(ctx, admins[0].Email, "demo", &exp)
	if err != nil {
		return nil, err
	}
	feed, err := db.CreateCalendarFeed(ctx, &ward.CalendarFeed{Rotation: spec.Rotations[0].Name})
	if err != nil {
		return nil, err
	}
	link, err := db.CreateSignInLink(ctx, admins[0].Email)
	if err != nil {
		return nil, err
	}
	return &demoSignIn{token: token, calendar: "/calendar/" + feed + ".ics", reporter: "/r/" + reporterKey, signIn: "/login/link/" + link}, nil
}

// seedDemoSchedule makes next week's on-call take a day off, covered by an
// override, and has this week's on-call ask for cover of their next shift
// and leave a handoff note.
func seedDemoSlack(ctx context.Context, db *store.DB, admin string) error {
	code, _, err := db.IssueSlackLink(ctx, admin)
	if err != nil {
		return err
	}
	if _, err := db.LinkSlack(ctx, code, demoSlackID); err != nil {
		return err
	}
	return db.SetNotifyPrefs(ctx, &ward.NotifyPrefs{Member: admin, Email: true, Slack: demoSlackID, AnyHour: true})
}

// demoSlackID is the demo admin's Slack member ID.
const demoSlackID = "U0DEMOADMIN"

func seedDemoSchedule(ctx context.Context, db *store.DB, calendar *oncall.Service, rotation string) error {
	now := time.Now()
	current, err := calendar.OnCall(ctx, rotation, now)
	if err != nil {
		return err
	}
	next, err := calendar.OnCall(ctx, rotation, current.End)
	if err != nil {
		return err
	}
	dayOff := next.Start.Add(24 * time.Hour)
	if err := db.CreateTimeOff(ctx, &ward.TimeOff{Member: next.Assignee.Email, Start: dayOff, End: dayOff.Add(24 * time.Hour), Reason: "dentist"}); err != nil {
		return err
	}
	if _, err := calendar.AddOverride(ctx, rotation, ward.Override{Member: current.Assignee.Email, Start: dayOff, End: dayOff.Add(24 * time.Hour),
		Reason: "covers " + next.Assignee.Name + "'s day off"}); err != nil {
		return err
	}
	later, err := calendar.OnCall(ctx, rotation, next.End)
	if err != nil {
		return err
	}
	if _, err := calendar.RequestSwap(ctx, rotation, later.Assignee.Email, later.Start, time.Time{}, "at a conference that week"); err != nil {
		return err
	}
	_, err = calendar.LeaveHandoffNote(ctx, rotation, current.Assignee.Email,
		"Open: the report about the admission webhook bypass waits for the reporter's answer. Decided: it is a medium. Pending: file the tracking issue.")
	return err
}

// trackDemoReport takes the kubelet report through triage to its tracking
// issue, with the issue's template filled in, so that the demo has a report
// further along than new.
func trackDemoReport(ctx context.Context, svc *reports.Service, id int64) error {
	cve, credit := "CVE-2026-1234", "Sam Lind"
	for _, a := range []reports.Action{
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", Tier: "tier-1"},
		{Action: "track", URL: "https://github.com/example/security/issues/42"},
		{Action: "update_tracking", CVE: &cve, Attribution: &credit, FixStatus: "development"},
	} {
		if _, _, err := svc.Act(ctx, id, a); err != nil {
			return fmt.Errorf("%s: %w", a.Action, err)
		}
	}
	return nil
}

// seedDemoIssueChange records what GitHub's webhook would say when a
// responder labels and assigns the tracking issue, so that the tracked
// report's page shows the issue's state and its timeline the change.
func seedDemoIssueChange(ctx context.Context, db *store.DB) error {
	const issue = "https://github.com/example/security/issues/42"
	as := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorGitHub, Email: "ben-carter"})
	now := time.Now()
	_, err := db.RecordIssueChange(as, &ward.IssueChange{Delivery: "demo-1", BodySHA256: "demo-1", Event: "issues", Action: "assigned",
		Sender: "ben-carter", IssueURL: issue, Issue: "example/security#42", Summary: "assigned example/security#42 to ben-carter",
		State: "open", Labels: []string{"area/kubelet", "severity/medium"}, Assignees: []string{"ben-carter"}, UpdatedAt: now}, now.Add(-time.Hour))
	return err
}

// seedDemoHandoff makes the admin the demo signs in as the tracked
// report's commander, and has them ask a responder to take over: their
// dashboard shows it waiting, and the report page the handoff's box.
func seedDemoHandoff(ctx context.Context, svc *reports.Service, id int64, commander *ward.Member, to string) error {
	if _, _, err := svc.Act(ctx, id, reports.Action{Action: "set_commander", Member: commander.Email}); err != nil {
		return err
	}
	as := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: commander.Email, Role: commander.Role})
	_, err := svc.RequestHandoff(as, id, reports.HandoffInput{To: to,
		OpenQuestions:   "Do the 1.30 and 1.31 branches log the header too?",
		Decisions:       "Embargoed until the fix is released; the reporter is credited as Sam Lind.",
		PendingActions:  "Review the fix in development; tell the distributors list a week before the release.",
		TrackingUpdated: true})
	return err
}

func printDemoHelp(e *env, url string, d *demoSignIn) {
	fmt.Fprintf(e.stdout, `
Demo mode: a sample security team is loaded (database %s).
Sign in to the API with this token (valid for 24 hours):

  export WARD_TOKEN=%s
  curl -H "Authorization: Bearer $WARD_TOKEN" %s/api/v1/me
  curl -H "Authorization: Bearer $WARD_TOKEN" %s/api/v1/rotations/src/oncall

Sign in to the web desk (once, within 15 minutes): %s%s
Subscribe a calendar to the src rotation: %s%s
Report a vulnerability as a reporter would: %s/report
A reporter's private page, with the team's question answered: %s%s
The team's inbox, with mail as a mail server delivered it: %s/inbox
Requests to join the distributors list: %s/distributors (the public form: %s/distributors/join)
The API is described at %s/api/v1/openapi.json. Stop with Ctrl-C.
`, store.RedactDSN(e.db), d.token, url, url, url, d.signIn, url, d.calendar, url, url, d.reporter, url, url, url, url)
}

// demoReports arrive by the bug bounty platform and by email; the second
// is tracked.
var demoReports = []ward.Report{
	{
		Title:  "Admission webhook can be bypassed with a crafted namespace selector",
		Source: ward.SourceHackerOne, ExternalID: "2890451", ExternalURL: "https://hackerone.com/reports/2890451",
		ReporterName: "Rae Okafor", ReporterEmail: "rae@example.net",
		Body: "## Summary\n\nA namespace selector with a `matchExpressions` entry on a label that the " +
			"webhook does not watch lets pods skip validation.\n\n## Steps\n\n1. Create the webhook configuration attached.\n" +
			"2. Label a namespace `skip=true`.\n3. Create a privileged pod there.\n",
	},
	{
		Title:  "kubelet logs bearer tokens at verbosity 4",
		Source: ward.SourceEmail, ExternalID: "<CAF1x2y3@mail.example.com>",
		ReporterName: "Sam Lind", ReporterEmail: "sam.lind@example.com",
		Body: "Hi team,\n\nwith `--v=4` the kubelet writes the Authorization header of some requests to its log. " +
			"Log shippers then carry the token off the node.\n\nSam\n",
	},
}
