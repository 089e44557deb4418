package ward_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
)

// goodDistributorRequest is a request that Normalize accepts.
func goodDistributorRequest() ward.DistributorRequest {
	return ward.DistributorRequest{
		Organisation: "  Example   Linux ", ContactName: " Dana ", ContactEmail: "Dana@Example.org", ListAddress: "K8S-Security@Example.org",
		Answers: ward.DistributorAnswers{Distribution: "Example Linux ships kubelet packages", UserBase: "public mirrors",
			TrackRecord: "https://example.org/errata", NotDownstream: "built from upstream sources", Contribution: "SIG Node reviews",
			Voucher: "ana@example.net", AcceptsEmbargo: true, ContributesBack: true},
	}
}

func TestDistributorRequestNormalize(t *testing.T) {
	r := goodDistributorRequest()
	if err := r.Normalize(); err != nil {
		t.Fatalf("a good request: %v", err)
	}
	if r.Organisation != "Example   Linux" || r.ContactName != "Dana" || r.ContactEmail != "dana@example.org" || r.ListAddress != "k8s-security@example.org" {
		t.Errorf("normalised = %+v", r)
	}
	tests := []struct {
		name   string
		change func(*ward.DistributorRequest)
		field  string // the message must start with it
	}{
		{"no organisation", func(r *ward.DistributorRequest) { r.Organisation = "  " }, "organisation:"},
		{"a long organisation", func(r *ward.DistributorRequest) { r.Organisation = strings.Repeat("x", 201) }, "organisation:"},
		{"no contact name", func(r *ward.DistributorRequest) { r.ContactName = "" }, "contact_name:"},
		{"a bad contact email", func(r *ward.DistributorRequest) { r.ContactEmail = "Dana <dana@example.org>" }, "contact_email:"},
		{"no list address", func(r *ward.DistributorRequest) { r.ListAddress = "" }, "list_address:"},
		{"a blank answer", func(r *ward.DistributorRequest) { r.Answers.TrackRecord = " \n " }, "answers.track_record:"},
		{"no voucher", func(r *ward.DistributorRequest) { r.Answers.Voucher = "" }, "answers.voucher:"},
		{"an answer over 4096 characters", func(r *ward.DistributorRequest) { r.Answers.UserBase = strings.Repeat("x", 4097) }, "answers.user_base:"},
		{"a name over 200 characters", func(r *ward.DistributorRequest) { r.ContactName = strings.Repeat("é", 201) }, "contact_name:"},
		{"a line feed in the organisation", func(r *ward.DistributorRequest) { r.Organisation = "Example\nLinux" }, "organisation:"},
		{"a carriage return in the organisation", func(r *ward.DistributorRequest) { r.Organisation = "Evil\r1   pending  Example" }, "organisation:"},
		{"a tab in the contact name", func(r *ward.DistributorRequest) { r.ContactName = "Dana\tEvil" }, "contact_name:"},
		{"a line separator in the contact name", func(r *ward.DistributorRequest) { r.ContactName = "Dana\u2028Evil" }, "contact_name:"},
		{"a control character", func(r *ward.DistributorRequest) { r.Answers.Distribution = "a\x1b[31mb" }, "answers.distribution:"},
		{"invalid UTF-8", func(r *ward.DistributorRequest) { r.Answers.Contribution = "a\xffb" }, "answers.contribution:"},
		{"the embargo not accepted", func(r *ward.DistributorRequest) { r.Answers.AcceptsEmbargo = false }, "answers.accepts_embargo:"},
		{"no contributing back", func(r *ward.DistributorRequest) { r.Answers.ContributesBack = false }, "answers.contributes_back:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodDistributorRequest()
			tt.change(&r)
			err := r.Normalize()
			if ward.ErrorCode(err) != ward.EINVALID || !strings.HasPrefix(ward.ErrorMessage(err), tt.field) {
				t.Errorf("Normalize() = %v, want invalid starting %q", err, tt.field)
			}
		})
	}
	t.Run("a single-line field says so", func(t *testing.T) {
		r := goodDistributorRequest()
		r.Organisation = "Example\r\nLinux"
		if msg := ward.ErrorMessage(r.Normalize()); msg != "organisation: must be one line, without tabs or line breaks" {
			t.Errorf("message = %q", msg)
		}
	})
	t.Run("answers keep their lines and tabs", func(t *testing.T) {
		r := goodDistributorRequest()
		r.Answers.TrackRecord = "2025:\thttps://example.org/e/1\r\n2026:\thttps://example.org/e/2"
		if err := r.Normalize(); err != nil {
			t.Errorf("Normalize() = %v", err)
		}
	})
	// The limits count characters, as the form's maxlength does, not
	// bytes: 4096 characters of Cyrillic are 8 KiB of UTF-8.
	t.Run("limits count characters", func(t *testing.T) {
		r := goodDistributorRequest()
		r.Organisation, r.Answers.Contribution = strings.Repeat("é", 200), strings.Repeat("ж", 4096)
		if err := r.Normalize(); err != nil {
			t.Errorf("200 and 4096 two-byte characters: %v", err)
		}
		r.Answers.Contribution += "ж"
		if msg := ward.ErrorMessage(r.Normalize()); msg != "answers.contribution: longer than 4096 characters" {
			t.Errorf("4097: %q", msg)
		}
	})
}

// Every state against every action: what is allowed moves the request,
// everything else is refused with a message saying what is allowed.
func TestDistributorRequestDecide(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	approvedAt := at.Add(-48 * time.Hour)
	tests := []struct {
		from, action string
		want         string // the state after, or "" for refused
		allowed      string // in the refusal's message
	}{
		{ward.DistributorPending, ward.DistributorApprove, ward.DistributorApproved, ""},
		{ward.DistributorPending, ward.DistributorDecline, ward.DistributorDeclined, ""},
		{ward.DistributorPending, ward.DistributorRemove, "", "approved or declined"},
		{ward.DistributorApproved, ward.DistributorApprove, "", "only be removed"},
		{ward.DistributorApproved, ward.DistributorDecline, "", "only be removed"},
		{ward.DistributorApproved, ward.DistributorRemove, ward.DistributorRemoved, ""},
		{ward.DistributorDeclined, ward.DistributorApprove, "", "new request"},
		{ward.DistributorDeclined, ward.DistributorDecline, "", "new request"},
		{ward.DistributorDeclined, ward.DistributorRemove, "", "new request"},
		{ward.DistributorRemoved, ward.DistributorApprove, "", "new request"},
		{ward.DistributorRemoved, ward.DistributorDecline, "", "new request"},
		{ward.DistributorRemoved, ward.DistributorRemove, "", "new request"},
	}
	for _, tt := range tests {
		t.Run(tt.from+" "+tt.action, func(t *testing.T) {
			r := ward.DistributorRequest{ID: 7, State: tt.from}
			if tt.from == ward.DistributorApproved {
				r.ApprovedAt = approvedAt
			}
			got, err := r.Decide(ward.DistributorDecision{Action: tt.action, Reason: " stopped shipping "}, "member:ana@example.org", at)
			if tt.want == "" {
				msg := ward.ErrorMessage(err)
				if ward.ErrorCode(err) != ward.ECONFLICT || !strings.Contains(msg, "distributor request 7") || !strings.Contains(msg, tt.allowed) {
					t.Errorf("Decide = %v, want a conflict saying %q", err, tt.allowed)
				}
				if diff := cmp.Diff(r, got); diff != "" {
					t.Errorf("a refused decision changed the request (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if got.State != tt.want || got.Reason != "stopped shipping" || got.DecidedBy != "member:ana@example.org" || !got.DecidedAt.Equal(at) {
				t.Errorf("after = %+v", got)
			}
			wantApproved := map[string]time.Time{ward.DistributorApproved: at, ward.DistributorRemoved: approvedAt}[tt.want]
			if !got.ApprovedAt.Equal(wantApproved) {
				t.Errorf("approved_at = %v, want %v", got.ApprovedAt, wantApproved)
			}
		})
	}
	t.Run("a reason is needed to decline or remove, not to approve", func(t *testing.T) {
		for _, tt := range []struct{ state, action, reason, code string }{
			{ward.DistributorPending, ward.DistributorDecline, "  ", ward.EINVALID},
			{ward.DistributorApproved, ward.DistributorRemove, "", ward.EINVALID},
			{ward.DistributorPending, ward.DistributorDecline, "bad\x00", ward.EINVALID},
			{ward.DistributorPending, ward.DistributorApprove, "", ""},
			{ward.DistributorPending, "accept", "x", ward.EINVALID},
			// What is wrong with the decision is said before what its
			// state allows.
			{ward.DistributorDeclined, ward.DistributorDecline, "", ward.EINVALID},
			{ward.DistributorRemoved, "accept", "x", ward.EINVALID},
			{ward.DistributorDeclined, ward.DistributorDecline, "x", ward.ECONFLICT},
		} {
			_, err := ward.DistributorRequest{State: tt.state}.Decide(ward.DistributorDecision{Action: tt.action, Reason: tt.reason}, "cli:root", at)
			if ward.ErrorCode(err) != tt.code {
				t.Errorf("%s %s with reason %q: %v, want code %q", tt.action, tt.state, tt.reason, err, tt.code)
			}
		}
	})
}

func TestWriteDistributorList(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	list := []*ward.DistributorRequest{
		{Organisation: "Zeta, Inc.", ContactEmail: "z@zeta.example", ListAddress: "security@zeta.example", ApprovedAt: at},
		{Organisation: "=HYPERLINK(\"http://evil.example\")", ContactEmail: "a@alpha.example", ListAddress: "alpha-sec@alpha.example", ApprovedAt: at},
		{Organisation: "Zeta again", ContactEmail: "y@zeta.example", ListAddress: "security@zeta.example", ApprovedAt: at},
	}
	tests := []struct{ format, want string }{
		{ward.DistributorListText, "alpha-sec@alpha.example\nsecurity@zeta.example\n"},
		{ward.DistributorListCSV, "organisation,contact,address,approved_at\n" +
			`"'=HYPERLINK(""http://evil.example"")",a@alpha.example,alpha-sec@alpha.example,2026-01-05T09:30:00Z` + "\n" +
			`"Zeta, Inc.",z@zeta.example,security@zeta.example,2026-01-05T09:30:00Z` + "\n" +
			"Zeta again,y@zeta.example,security@zeta.example,2026-01-05T09:30:00Z\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := ward.WriteDistributorList(&b, tt.format, list); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.format, b.String(), tt.want)
		}
	}
	if err := ward.WriteDistributorList(&strings.Builder{}, "json", list); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("an unknown format: %v", err)
	}
	if list[0].Organisation != "Zeta, Inc." {
		t.Errorf("writing sorted the caller's slice")
	}
	for in, want := range map[string]string{"": "txt", "txt": "txt", "csv": "csv", "json": ""} {
		got, err := ward.ParseDistributorListFormat(in)
		if got != want || (want == "") != (ward.ErrorCode(err) == ward.EINVALID) {
			t.Errorf("ParseDistributorListFormat(%q) = %q, %v", in, got, err)
		}
	}
}

func TestDistributorPermissions(t *testing.T) {
	for _, tt := range []struct {
		role         ward.Role
		read, decide bool
	}{
		{ward.RoleViewer, false, false}, {ward.RoleTriager, true, false}, {ward.RoleResponder, true, true}, {ward.RoleAdmin, true, true},
		{"", false, false},
	} {
		a := ward.Actor{Kind: ward.ActorMember, Email: "x@example.org", Role: tt.role}
		if ward.Can(a, ward.ReadDistributors) != tt.read || ward.Can(a, ward.DecideDistributors) != tt.decide {
			t.Errorf("%q: read %v, decide %v; want %v, %v", tt.role, ward.Can(a, ward.ReadDistributors), ward.Can(a, ward.DecideDistributors), tt.read, tt.decide)
		}
	}
	applicant := ward.Actor{Kind: ward.ActorApplicant, Email: "dana@example.org"}
	if ward.Can(applicant, ward.ReadDistributors) || applicant.String() != "applicant:dana@example.org" {
		t.Errorf("an applicant: %s may read: %v", applicant, ward.Can(applicant, ward.ReadDistributors))
	}
}
