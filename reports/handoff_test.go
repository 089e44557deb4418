package reports_test

import (
	"context"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
)

// A handoff through the service: the report keeps its commander until the
// one it is handed to accepts, each step is on the timeline, and the
// checks that need the store (the member, the pending one) are made.
func TestHandoffThroughTheService(t *testing.T) {
	db, svc, _ := setup(t)
	if _, err := db.ApplyTeam(context.Background(), ward.TeamSpec{Members: []ward.MemberSpec{
		{Email: "cy@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Cy"), Role: ptr(ward.RoleResponder)}},
		{Email: "vi@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Vi"), Role: ptr(ward.RoleViewer)}},
	}}, false); err != nil {
		t.Fatal(err)
	}
	bo, cy, vi := as("bo@example.org", ward.RoleResponder), as("cy@example.org", ward.RoleResponder), as("vi@example.org", ward.RoleViewer)
	r := ward.Report{Title: "token in logs", Source: ward.SourceAPI}
	if _, err := db.CreateReport(bo, &r); err != nil {
		t.Fatal(err)
	}
	for _, step := range []reports.Action{
		{Action: "triage", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Tier: "tier-1"},
		{Action: "set_commander", Member: "bo@example.org"},
		{Action: "track", URL: "https://github.com/example/security/issues/3"},
	} {
		if _, _, err := svc.Act(bo, r.ID, step); err != nil {
			t.Fatalf("%s: %v", step.Action, err)
		}
	}
	in := reports.HandoffInput{To: "Cy@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p", TrackingUpdated: true}

	refusals := []struct {
		name string
		ctx  context.Context
		in   func(reports.HandoffInput) reports.HandoffInput
		code string
	}{
		{"a viewer", vi, nil, ward.EFORBIDDEN},
		{"not the commander", cy, nil, ward.EFORBIDDEN},
		{"to nobody", bo, func(in reports.HandoffInput) reports.HandoffInput { in.To = "who@example.org"; return in }, ward.EINVALID},
		{"to a viewer", bo, func(in reports.HandoffInput) reports.HandoffInput { in.To = "vi@example.org"; return in }, ward.EINVALID},
		{"to no address", bo, func(in reports.HandoffInput) reports.HandoffInput { in.To = "cy"; return in }, ward.EINVALID},
		{"tracking not confirmed", bo, func(in reports.HandoffInput) reports.HandoffInput { in.TrackingUpdated = false; return in }, ward.EINVALID},
	}
	for _, tt := range refusals {
		body := in
		if tt.in != nil {
			body = tt.in(in)
		}
		_, err := svc.RequestHandoff(tt.ctx, r.ID, body)
		if got := ward.ErrorCode(err); got != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}

	h, err := svc.RequestHandoff(bo, r.ID, in)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if _, err := svc.RequestHandoff(bo, r.ID, in); ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("a second request: %v, want conflict", err)
	}
	if got, _ := db.FindReportByID(bo, r.ID); got.Commander != "bo@example.org" {
		t.Errorf("commander before the acceptance = %q", got.Commander)
	}
	if listed, err := svc.Handoffs(vi, ward.HandoffFilter{Pending: true, To: "cy@example.org"}); err != nil || len(listed) != 1 {
		t.Errorf("a viewer lists %v, %v", listed, err)
	}
	if _, err := svc.AnswerHandoff(bo, h.ID, true, ""); ward.ErrorCode(err) != ward.EFORBIDDEN {
		t.Errorf("the old commander accepts: %v, want forbidden", err)
	}
	accepted, err := svc.AnswerHandoff(cy, h.ID, true, "")
	if err != nil || accepted.State != ward.HandoffAccepted {
		t.Fatalf("accept: %+v, %v", accepted, err)
	}
	got, _ := db.FindReportByID(bo, r.ID)
	if got.Commander != "cy@example.org" || got.Severity == nil || got.TrackingURL == "" {
		t.Errorf("after the acceptance: %+v", got)
	}
	events, _ := db.FindTimeline(bo, r.ID)
	var actions []string
	for _, e := range events[len(events)-2:] {
		actions = append(actions, e.Action+"/"+e.Visibility)
	}
	if want := []string{"handoff_request/team", "handoff_accept/team"}; actions[0] != want[0] || actions[1] != want[1] {
		t.Errorf("last events = %v, want %v", actions, want)
	}

	back, err := svc.RequestHandoff(cy, r.ID, reports.HandoffInput{To: "bo@example.org", OpenQuestions: "q", Decisions: "d", PendingActions: "p", TrackingUpdated: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AnswerHandoff(bo, back.ID, false, ""); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("a decline without a reason: %v, want invalid", err)
	}
	if declined, err := svc.AnswerHandoff(bo, back.ID, false, "on call elsewhere"); err != nil || declined.State != ward.HandoffDeclined {
		t.Errorf("decline: %+v, %v", declined, err)
	}
	if got, _ := db.FindReportByID(bo, r.ID); got.Commander != "cy@example.org" {
		t.Errorf("commander after a decline = %q, want the one who asked", got.Commander)
	}
	if _, err := svc.Handoff(vi, 999); ward.ErrorCode(err) != ward.ENOTFOUND {
		t.Errorf("an unknown handoff: %v", err)
	}
}
