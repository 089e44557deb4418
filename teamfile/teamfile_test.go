package teamfile

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/rotation"
)

func ptr[T any](v T) *T { return &v }

var goodTests = []struct {
	name string
	in   string
	want ward.TeamSpec
}{
	{
		name: "reminders",
		in: `reminders:
  stale:
    critical: 1d
    high: 2w
    medium: 1mo   # one calendar month
    low: never
`,
		want: ward.TeamSpec{Reminders: &ward.RemindersSpec{Stale: map[string]ward.Period{
			"critical": {Days: 1}, "high": {Days: 14}, "medium": {Months: 1}, "low": ward.Never}}},
	},
	{
		name: "notification channels",
		in: `notifications:
  channels:
    - name: security-slack
      kind: slack
      url_env: WARD_SLACK_WEBHOOK
      kinds: [new_report, ping]
    - {name: siem, kind: webhook, url: "https://siem.example.org/hooks/ward", secret_file: /run/secrets/siem}
`,
		want: ward.TeamSpec{Channels: []ward.NotifyChannel{
			{Name: "security-slack", Kind: "slack", URLEnv: "WARD_SLACK_WEBHOOK", Kinds: []string{"new_report", "ping"}},
			{Name: "siem", Kind: "webhook", URL: "https://siem.example.org/hooks/ward", SecretFile: "/run/secrets/siem"}}},
	},
	{
		name: "integrations",
		in: `integrations:
  github:
    repository: example-org/security-disclosures
    app_id: 12345
    installation_id: 678
    private_key_file: /run/secrets/github-app.pem
    webhook_secret_env: WARD_GITHUB_WEBHOOK_SECRET
    labels: [security]
    logins:
      ana@example.org: ana-keller
    template: /etc/ward/tracking-issue.tmpl
  hackerone:
    program: example
    api_url: https://api.hackerone.com/v1/
    username: ward-bot
    token_env: WARD_HACKERONE_TOKEN
    interval: 10m
`,
		want: ward.TeamSpec{Integrations: &ward.Integrations{
			GitHub: &ward.GitHubConfig{Repository: "example-org/security-disclosures", AppID: 12345, InstallationID: 678,
				PrivateKey: ward.SecretRef{File: "/run/secrets/github-app.pem"}, WebhookSecret: ward.SecretRef{Env: "WARD_GITHUB_WEBHOOK_SECRET"},
				Labels: []string{"security"}, Logins: map[string]string{"ana@example.org": "ana-keller"}, Template: "/etc/ward/tracking-issue.tmpl"},
			HackerOne: &ward.HackerOneConfig{Program: "example", APIURL: "https://api.hackerone.com/v1/", Username: "ward-bot",
				Token: ward.SecretRef{Env: "WARD_HACKERONE_TOKEN"}, Interval: 10 * time.Minute},
		}},
	},
	{
		name: "an empty integrations key removes them all",
		in:   "integrations:\n",
		want: ward.TeamSpec{Integrations: &ward.Integrations{}},
	},
	{
		name: "an empty list of channels removes them all",
		in:   "notifications:\n  channels: []\n",
		want: ward.TeamSpec{Channels: []ward.NotifyChannel{}},
	},
	{
		name: "reminders with none given keep the current ones",
		in:   "reminders:\n  stale:\n",
		want: ward.TeamSpec{Reminders: &ward.RemindersSpec{}},
	},
	{
		name: "flow and block members",
		in: `# the team
members:
  - {email: Ana@Example.org, name: Ana, role: responder, timezone: Europe/Berlin,
     workhours: "Mon-Fri 09:00-17:00", holidays: DE}
  - email: bo@example.org
    name: Bo
    role: admin
    timezone: America/Los_Angeles
    disabled: false
  - email: "  cy@example.org "
    holidays: NO
    workhours: ""
    disabled: true
`,
		want: ward.TeamSpec{Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{
				Name:      ptr("Ana"),
				Role:      ptr(ward.RoleResponder),
				TimeZone:  ptr("Europe/Berlin"),
				WorkHours: ptr("Mon-Fri 09:00-17:00"),
				Holidays:  ptr("DE"),
			}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{
				Name:     ptr("Bo"),
				Role:     ptr(ward.RoleAdmin),
				TimeZone: ptr("America/Los_Angeles"),
				Disabled: ptr(false),
			}},
			{Email: "cy@example.org", MemberUpdate: ward.MemberUpdate{
				WorkHours: ptr(""),
				Holidays:  ptr("NO"), // Norway, not false: YAML 1.1 booleans are strings here
				Disabled:  ptr(true),
			}},
		}},
	},
	{
		name: "values trimmed but otherwise as written",
		in: `members:
  - email: ana@example.org
    name: "  Ana Keller "
    role: " triager"
    timezone: " UTC "
    workhours: " mon-thu 09:00-17:00, fri 09:00-13:00 "
    holidays: " de-by "
`,
		want: ward.TeamSpec{Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{
				Name:      ptr("Ana Keller"),
				Role:      ptr(ward.RoleTriager),
				TimeZone:  ptr("UTC"),
				WorkHours: ptr("mon-thu 09:00-17:00, fri 09:00-13:00"),
				Holidays:  ptr("de-by"),
			}},
		}},
	},
	{
		name: "empty holidays means none",
		in:   "members:\n  - {email: ana@example.org, holidays: \"\"}\n",
		want: ward.TeamSpec{Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Holidays: ptr("")}},
		}},
	},
	{
		name: "alias of a single value",
		in: `members:
  - email: ana@example.org
    workhours: &europe "Mon-Fri 09:00-17:00"
  - email: bo@example.org
    workhours: *europe
`,
		want: ward.TeamSpec{Members: []ward.MemberSpec{
			{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{WorkHours: ptr("Mon-Fri 09:00-17:00")}},
			{Email: "bo@example.org", MemberUpdate: ward.MemberUpdate{WorkHours: ptr("Mon-Fri 09:00-17:00")}},
		}},
	},
	{
		name: "rotations",
		in: `members:
  - {email: ana@example.org, name: Ana, role: responder, timezone: Europe/Berlin,
     workhours: "Mon-Fri 09:00-17:00", holidays: DE}
rotations:
  - name: src
    members: [Ana@Example.org, bo@example.org, chen@example.org]
    shift: 168h
    handoff: "Mon 09:00 America/Los_Angeles"
    start: 2026-01-05
    business_hours_only: true
  - name: 24x7-weekend
    members:
      - bo@example.org
      - " ana@example.org "
    shift: 12h30m
    handoff: " sat 00:00  UTC "
    start: "2026-12-31"
    business_hours_only: false
  - name: 0day
`,
		want: ward.TeamSpec{
			Members: []ward.MemberSpec{
				{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{
					Name:      ptr("Ana"),
					Role:      ptr(ward.RoleResponder),
					TimeZone:  ptr("Europe/Berlin"),
					WorkHours: ptr("Mon-Fri 09:00-17:00"),
					Holidays:  ptr("DE"),
				}},
			},
			Rotations: []ward.RotationSpec{
				{
					Name:              "src",
					Members:           []string{"ana@example.org", "bo@example.org", "chen@example.org"},
					Shift:             ptr(168 * time.Hour),
					Handoff:           ptr("Mon 09:00 America/Los_Angeles"),
					Start:             ptr("2026-01-05"),
					BusinessHoursOnly: ptr(true),
				},
				{
					// Members need not be under members: the store
					// checks that they are on the team.
					Name:              "24x7-weekend",
					Members:           []string{"bo@example.org", "ana@example.org"},
					Shift:             ptr(12*time.Hour + 30*time.Minute),
					Handoff:           ptr("sat 00:00  UTC"),
					Start:             ptr("2026-12-31"),
					BusinessHoursOnly: ptr(false),
				},
				// Every key left out keeps the current value.
				{Name: "0day"},
			},
		},
	},
	{
		name: "rotation bounds",
		in: `rotations:
  - name: ` + strings.Repeat("a", 63) + `
    shift: 1h
  - name: b
    shift: 8760h
    start: &day 2026-01-05
  - name: c
    start: *day
`,
		want: ward.TeamSpec{Rotations: []ward.RotationSpec{
			{Name: strings.Repeat("a", 63), Shift: ptr(time.Hour)},
			{Name: "b", Shift: ptr(8760 * time.Hour), Start: ptr("2026-01-05")},
			{Name: "c", Start: ptr("2026-01-05")},
		}},
	},
	{
		name: "tiers",
		in: `tiers:
  - name: tier-1
    description: "Core components whose compromise takes the cluster: kube-apiserver, etcd access, kubelet"
    currency: USD
    bounties:            # amounts in minor units: 1000000 is 10,000.00 USD
      critical: 1000000
      high: 500000
      medium: 250000
      low: 100000
  - name: tier-2
    currency: " EUR "
    bounties: {high: 50000, "critical": 0}
  - name: docs
    description: |
      Documentation and examples.
  - name: 3rd-party
    description: ""
`,
		want: ward.TeamSpec{Tiers: []ward.TierSpec{
			{
				Name:        "tier-1",
				Description: ptr("Core components whose compromise takes the cluster: kube-apiserver, etcd access, kubelet"),
				Currency:    ptr("USD"),
				Bounties:    map[string]int64{"critical": 1000000, "high": 500000, "medium": 250000, "low": 100000},
			},
			{
				// A rating left out earns no bounty; 0 says so too.
				Name:     "tier-2",
				Currency: ptr("EUR"),
				Bounties: map[string]int64{"critical": 0, "high": 50000},
			},
			{Name: "docs", Description: ptr("Documentation and examples.")},
			// An empty description clears it; every other key left out
			// keeps the current value.
			{Name: "3rd-party", Description: ptr("")},
		}},
	},
	{
		name: "tier bounds",
		in: `tiers:
  - name: ` + strings.Repeat("t", 63) + `
    description: ` + strings.Repeat("d", 2000) + `
    bounties:
      critical: 1000000000000
      high: &high 500000
      low: 0
  - name: "0"
    bounties: {high: *high, medium: !!int "1"}
`,
		want: ward.TeamSpec{Tiers: []ward.TierSpec{
			{
				Name:        strings.Repeat("t", 63),
				Description: ptr(strings.Repeat("d", 2000)),
				Bounties:    map[string]int64{"critical": 1000000000000, "high": 500000, "low": 0},
			},
			{Name: "0", Bounties: map[string]int64{"high": 500000, "medium": 1}},
		}},
	},
	{
		// Tier and rotation names are apart: a rotation may share a
		// tier's name.
		name: "tier named as a rotation",
		in:   "rotations:\n  - name: src\ntiers:\n  - name: src\n",
		want: ward.TeamSpec{Rotations: []ward.RotationSpec{{Name: "src"}}, Tiers: []ward.TierSpec{{Name: "src"}}},
	},
	{name: "tiers commented out", in: "tiers:\n  # - name: tier-1\n"},
	{name: "empty tiers", in: "tiers: []\n"},
	{name: "rotations commented out", in: "members: []\nrotations:\n  # - name: src\n"},
	{name: "empty rotations", in: "rotations: []\n"},
	{name: "empty file", in: ""},
	{name: "only comments", in: "# nobody yet\n\n# still nobody\n"},
	{name: "null document", in: "~\n"},
	{name: "members commented out", in: "members:\n  # - email: ana@example.org\n"},
	{name: "empty members", in: "members: []\n"},
	{name: "explicit document markers", in: "---\nmembers: []\n...\n"},
	{name: "byte order mark", in: "\ufeffmembers: []\n"},
}

func TestParse(t *testing.T) {
	for _, tt := range goodTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("team.yaml", []byte(tt.in), holiday.Normalize)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// errorTests list, for each bad file, the start of every line of the error
// message: the file, the line, the path and enough of the problem to tell.
var errorTests = []struct {
	name string
	in   string
	want []string
}{
	{
		name: "syntax error",
		in:   "members:\n  - email: ana@example.org\n    name: Ana: Keller\n",
		want: []string{"team.yaml:3: YAML syntax: mapping values are not allowed in this context"},
	},
	{
		// The YAML reader says line 3 here, counting from 0.
		name: "syntax error on the line after a list",
		in:   "members:\n  - email: ana@example.org\n    name: Ana\n - email: bo@example.org\n",
		want: []string{"team.yaml:4: YAML syntax: did not find expected key"},
	},
	{
		// The YAML reader says line 1 here: where the list starts.
		name: "syntax error after a multi-line flow mapping",
		in: `members:
  - {email: ana@example.org, name: Ana,
     role: admin}
  - email: bo@example.org
    name: Bo
   role: admin
`,
		want: []string{"team.yaml:6: YAML syntax: did not find expected '-' indicator"},
	},
	{
		name: "unclosed quote",
		in:   "members:\n  - email: ana@example.org\n    name: \"Ana\n    role: admin\n",
		want: []string{"team.yaml:3: YAML syntax: found unexpected end of stream"},
	},
	{
		name: "tab indentation",
		in:   "members:\n  - email: ana@example.org\n\tname: Ana\n",
		want: []string{"team.yaml:3: YAML syntax: found a tab character"},
	},
	{
		name: "control character",
		in:   "members:\n  - email: ana@example.org\n    name: A\x01na\n",
		want: []string{"team.yaml:3: YAML syntax: control characters are not allowed"},
	},
	{
		name: "invalid UTF-8",
		in:   "members:\n  - email: ana@example.org\n    name: A\xffna\n",
		want: []string{"team.yaml:3: YAML syntax: invalid leading UTF-8 octet"},
	},
	{
		name: "UTF-16",
		in:   "\xff\xfem\x00e\x00m\x00",
		want: []string{"team.yaml:1: the file is in UTF-16; save it as UTF-8"},
	},
	{
		name: "unknown alias",
		in:   "members:\n  - email: ana@example.org\n    workhours: *europe\n",
		want: []string{"team.yaml:3: YAML syntax: unknown anchor 'europe' referenced"},
	},
	{
		name: "two documents",
		in:   "members:\n  - email: ana@example.org\n---\nmembers:\n  - email: bo@example.org\n",
		want: []string{"team.yaml:3: a second YAML document"},
	},
	{
		name: "syntax error in the second document",
		in:   "members: []\n---\nmembers: [\n",
		want: []string{"team.yaml:3: YAML syntax: did not find expected node content"},
	},
	{
		name: "unknown top-level keys",
		in:   "members: []\nrotations: []\ntiers: []\ntier:\n  - name: first\nrotation: []\n",
		want: []string{
			`team.yaml:4: unknown key "tier" (known keys: members, rotations, tiers, reminders, notifications, integrations)`,
			`team.yaml:6: unknown key "rotation" (known keys: members, rotations, tiers, reminders, notifications, integrations)`,
		},
	},
	{
		name: "unknown member key",
		in:   "members:\n  - email: ana@example.org\n    name: Ana\n    tz: Europe/Berlin\n",
		want: []string{`team.yaml:4: members[0]: unknown key "tz" (known keys: email, name, role, timezone, workhours, holidays, disabled)`},
	},
	{
		name: "unknown key in a flow mapping",
		in:   "members:\n  - {email: ana@example.org,\n     nmae: Ana}\n",
		want: []string{`team.yaml:3: members[0]: unknown key "nmae"`},
	},
	{
		name: "key given twice",
		in:   "members:\n  - email: ana@example.org\n    name: Ana\n    role: admin\n    name: Bo\n",
		want: []string{`team.yaml:5: members[0]: key "name" given twice, first on line 3`},
	},
	{
		name: "members given twice",
		in:   "members: []\nmembers: []\n",
		want: []string{`team.yaml:2: key "members" given twice, first on line 1`},
	},
	{
		name: "merge key",
		in:   "members:\n  - email: ana@example.org\n    <<: {role: admin}\n",
		want: []string{"team.yaml:3: members[0]: merge keys (<<) are not supported"},
	},
	{
		name: "key not a string",
		in:   "members:\n  - email: ana@example.org\n    ? [name]\n    : Ana\n",
		want: []string{"team.yaml:3: members[0]: want a key such as email, got a list"},
	},
	{
		name: "top level not a mapping",
		in:   "- email: ana@example.org\n",
		want: []string{"team.yaml:1: want a mapping with the keys members, rotations, tiers, reminders, notifications, integrations, got a list"},
	},
	{
		name: "members not a list",
		in:   "members:\n  email: ana@example.org\n",
		want: []string{"team.yaml:2: members: want a list of members, got a mapping"},
	},
	{
		name: "members a string",
		in:   "members: ana@example.org\n",
		want: []string{`team.yaml:1: members: want a list of members, got the string "ana@example.org"`},
	},
	{
		name: "member not a mapping",
		in:   "members:\n  - ana@example.org\n",
		want: []string{`team.yaml:2: members[0]: want a mapping with the keys email, name, role, timezone, workhours, holidays, disabled, got the string "ana@example.org"`},
	},
	{
		name: "disabled not a boolean",
		in:   "members:\n  - email: ana@example.org\n    disabled: \"yes please\"\n",
		want: []string{`team.yaml:3: members[0].disabled: want true or false, got the string "yes please"`},
	},
	{
		name: "disabled yes",
		in:   "members:\n  - email: ana@example.org\n    disabled: yes\n",
		want: []string{`team.yaml:3: members[0].disabled: want true or false, got the string "yes"`},
	},
	{
		name: "name a number",
		in:   "members:\n  - email: ana@example.org\n    name: 2024\n",
		want: []string{"team.yaml:3: members[0].name: want a string, got the number 2024; quote it if it is meant"},
	},
	{
		name: "workhours a date",
		in:   "members:\n  - email: ana@example.org\n    workhours: 2024-01-01\n",
		want: []string{"team.yaml:3: members[0].workhours: want a string, got the date 2024-01-01"},
	},
	{
		name: "role a list",
		in:   "members:\n  - email: ana@example.org\n    role: [admin]\n",
		want: []string{"team.yaml:3: members[0].role: want a string, got a list"},
	},
	{
		name: "null value",
		in:   "members:\n  - email: ana@example.org\n    timezone:\n",
		want: []string{"team.yaml:3: members[0].timezone: no value; give one or leave the key out"},
	},
	{
		name: "alias of a mapping",
		in:   "members:\n  - &ana {email: ana@example.org}\n  - *ana\n",
		want: []string{"team.yaml:3: members[1]: an alias (*ana) may only name a single value"},
	},
	{
		name: "bad email",
		in:   "members:\n  - email: Ana <ana@example.org>\n",
		want: []string{`team.yaml:2: members[0].email: "Ana <ana@example.org>" is not a plain address such as ana@example.org`},
	},
	{
		name: "empty email",
		in:   "members:\n  - email: \"\"\n    name: Ana\n",
		want: []string{`team.yaml:2: members[0].email: "" is not a plain address`},
	},
	{
		name: "missing email",
		in:   "members:\n  - name: Ana\n    role: admin\n",
		want: []string{"team.yaml:2: members[0]: email is required"},
	},
	{
		name: "bad role",
		in:   "members:\n  - email: ana@example.org\n    role: boss\n",
		want: []string{`team.yaml:3: members[0].role: "boss" is not one of admin, responder, triager, viewer`},
	},
	{
		name: "empty role",
		in:   "members:\n  - email: ana@example.org\n    role: \"\"\n",
		want: []string{`team.yaml:3: members[0].role: "" is not one of admin, responder, triager, viewer`},
	},
	{
		name: "bad time zone",
		in: `members:
  - email: ana@example.org
    name: Ana
  - email: bo@example.org
    name: Bo
    role: admin
    timezone: Mars/Olympus
`,
		want: []string{`team.yaml:7: members[1].timezone: "Mars/Olympus" is not an IANA time zone such as Europe/Berlin`},
	},
	{
		name: "local time zone",
		in:   "members:\n  - email: ana@example.org\n    timezone: Local\n",
		want: []string{`team.yaml:3: members[0].timezone: "Local" is not an IANA time zone`},
	},
	{
		name: "bad work hours",
		in:   "members:\n  - email: ana@example.org\n    workhours: Mon-Fri 9-5\n",
		want: []string{`team.yaml:3: members[0].workhours: work hours "Mon-Fri 9-5": time "9": want HH:MM`},
	},
	{
		name: "unknown holiday calendar",
		in:   "members:\n  - email: ana@example.org\n    holidays: XX\n",
		want: []string{`team.yaml:3: members[0].holidays: unknown holiday calendar "XX"`},
	},
	{
		name: "empty name",
		in:   "members:\n  - email: ana@example.org\n    name: \"  \"\n",
		want: []string{"team.yaml:3: members[0].name: must not be empty"},
	},
	{
		name: "long name",
		in:   "members:\n  - email: ana@example.org\n    name: " + strings.Repeat("a", 201) + "\n",
		want: []string{"team.yaml:3: members[0].name: longer than 200 bytes"},
	},
	{
		name: "duplicate email",
		in: `members:
  - email: Ana@Example.org
    name: Ana
  - email: ana@example.org
    role: admin
`,
		want: []string{"team.yaml:4: members[1].email: ana@example.org is a duplicate of line 2"},
	},
	{
		name: "rotations not a list",
		in:   "rotations:\n  name: src\n",
		want: []string{"team.yaml:2: rotations: want a list of rotations, got a mapping"},
	},
	{
		name: "rotations given twice",
		in:   "rotations: []\nmembers: []\nrotations: []\n",
		want: []string{`team.yaml:3: key "rotations" given twice, first on line 1`},
	},
	{
		name: "rotation not a mapping",
		in:   "rotations:\n  - src\n",
		want: []string{`team.yaml:2: rotations[0]: want a mapping with the keys name, members, shift, handoff, start, business_hours_only, got the string "src"`},
	},
	{
		name: "alias of a rotation",
		in:   "rotations:\n  - &src {name: src}\n  - *src\n",
		want: []string{"team.yaml:3: rotations[1]: an alias (*src) may only name a single value"},
	},
	{
		name: "unknown rotation key",
		in:   "rotations:\n  - name: src\n    shift: 168h\n    handoff_at: Mon 09:00 UTC\n",
		want: []string{`team.yaml:4: rotations[0]: unknown key "handoff_at" (known keys: name, members, shift, handoff, start, business_hours_only)`},
	},
	{
		name: "rotation key given twice",
		in:   "rotations:\n  - name: src\n    shift: 168h\n    shift: 24h\n",
		want: []string{`team.yaml:4: rotations[0]: key "shift" given twice, first on line 3`},
	},
	{
		name: "missing rotation name",
		in:   "rotations:\n  - name: src\n  - shift: 168h\n    start: 2026-01-05\n",
		want: []string{"team.yaml:3: rotations[1]: name is required: it says which rotation this is"},
	},
	{
		name: "rotation name upper case",
		in:   "rotations:\n  - name: SRC\n",
		want: []string{`team.yaml:2: rotations[0].name: "SRC" is not a rotation name: 1 to 63 lower-case letters, digits and hyphens`},
	},
	{
		name: "rotation name starts with a hyphen",
		in:   "rotations:\n  - name: -src\n",
		want: []string{`team.yaml:2: rotations[0].name: "-src" is not a rotation name`},
	},
	{
		name: "rotation name with a space",
		in:   "rotations:\n  - name: on call\n",
		want: []string{`team.yaml:2: rotations[0].name: "on call" is not a rotation name`},
	},
	{
		name: "rotation name too long",
		in:   "rotations:\n  - name: " + strings.Repeat("a", 64) + "\n",
		want: []string{`team.yaml:2: rotations[0].name: "aaaa`},
	},
	{
		name: "empty rotation name",
		in:   "rotations:\n  - name: \"\"\n",
		want: []string{`team.yaml:2: rotations[0].name: "" is not a rotation name`},
	},
	{
		name: "rotation name a number",
		in:   "rotations:\n  - name: 24\n",
		want: []string{"team.yaml:2: rotations[0].name: want a string, got the number 24; quote it if it is meant"},
	},
	{
		name: "duplicate rotation name",
		in:   "rotations:\n  - name: src\n    shift: 168h\n  - name: web\n  - name: src\n",
		want: []string{"team.yaml:5: rotations[2].name: src is a duplicate of line 2"},
	},
	{
		name: "rotation members not a list",
		in:   "rotations:\n  - name: src\n    members: ana@example.org\n",
		want: []string{`team.yaml:3: rotations[0].members: want a list of emails, got the string "ana@example.org"`},
	},
	{
		name: "rotation members empty",
		in:   "rotations:\n  - name: src\n    members: []\n",
		want: []string{"team.yaml:3: rotations[0].members: a rotation needs at least one member"},
	},
	{
		name: "rotation members commented out",
		in:   "rotations:\n  - name: src\n    members:\n    # - ana@example.org\n    shift: 168h\n",
		want: []string{"team.yaml:3: rotations[0].members: a rotation needs at least one member"},
	},
	{
		name: "rotation member not an email",
		in:   "rotations:\n  - name: src\n    members:\n      - ana@example.org\n      - Bo <bo@example.org>\n",
		want: []string{`team.yaml:5: rotations[0].members[1]: "Bo <bo@example.org>" is not a plain address such as ana@example.org`},
	},
	{
		name: "rotation member a mapping",
		in:   "rotations:\n  - name: src\n    members:\n      - email: ana@example.org\n",
		want: []string{"team.yaml:4: rotations[0].members[0]: want a string, got a mapping"},
	},
	{
		name: "duplicate rotation member",
		in:   "rotations:\n  - name: src\n    members:\n      - ana@example.org\n      - bo@example.org\n      - Ana@Example.org\n",
		want: []string{"team.yaml:6: rotations[0].members[2]: ana@example.org is a duplicate of line 4 (emails ignore case)"},
	},
	{
		name: "shift a bare number",
		in:   "rotations:\n  - name: src\n    shift: 168\n",
		want: []string{"team.yaml:3: rotations[0].shift: the number 168 has no unit; write a duration such as 168h"},
	},
	{
		name: "shift a quoted number",
		in:   "rotations:\n  - name: src\n    shift: \"168\"\n",
		want: []string{`team.yaml:3: rotations[0].shift: "168" is not a duration such as 168h (units h, m, s)`},
	},
	{
		name: "shift in days",
		in:   "rotations:\n  - name: src\n    shift: 7d\n",
		want: []string{`team.yaml:3: rotations[0].shift: "7d" is not a duration such as 168h`},
	},
	{
		name: "shift too short",
		in:   "rotations:\n  - name: src\n    shift: 59m59s\n",
		want: []string{"team.yaml:3: rotations[0].shift: 59m59s is shorter than an hour"},
	},
	{
		name: "shift negative",
		in:   "rotations:\n  - name: src\n    shift: -168h\n",
		want: []string{"team.yaml:3: rotations[0].shift: -168h is shorter than an hour"},
	},
	{
		name: "shift too long",
		in:   "rotations:\n  - name: src\n    shift: 8760h1s\n",
		want: []string{"team.yaml:3: rotations[0].shift: 8760h1s is longer than a year, 8760h"},
	},
	{
		name: "bad handoff zone",
		in:   "rotations:\n  - name: src\n    handoff: Mon 09:00 Mars/Olympus\n",
		want: []string{`team.yaml:3: rotations[0].handoff: handoff "Mon 09:00 Mars/Olympus": `},
	},
	{
		name: "handoff without a zone",
		in:   "rotations:\n  - name: src\n    handoff: Mon 09:00\n",
		want: []string{`team.yaml:3: rotations[0].handoff: handoff "Mon 09:00": want weekday, time and zone`},
	},
	{
		name: "handoff at 24:00",
		in:   "rotations:\n  - name: src\n    handoff: Sun 24:00 UTC\n",
		want: []string{`team.yaml:3: rotations[0].handoff: handoff "Sun 24:00 UTC": 24:00 is the next day's 00:00`},
	},
	{
		name: "start without leading zeros",
		in:   "rotations:\n  - name: src\n    start: 2026-1-5\n",
		want: []string{`team.yaml:3: rotations[0].start: "2026-1-5" is not a date such as 2026-01-05`},
	},
	{
		name: "start a datetime",
		in:   "rotations:\n  - name: src\n    start: 2026-01-05T09:00:00Z\n",
		want: []string{`team.yaml:3: rotations[0].start: "2026-01-05T09:00:00Z" is not a date such as 2026-01-05`},
	},
	{
		name: "start a day that does not exist",
		in:   "rotations:\n  - name: src\n    start: 2026-02-30\n",
		want: []string{`team.yaml:3: rotations[0].start: "2026-02-30" is not a date such as 2026-01-05`},
	},
	{
		name: "start a number",
		in:   "rotations:\n  - name: src\n    start: 20260105\n",
		want: []string{"team.yaml:3: rotations[0].start: want a date such as 2026-01-05, got the number 20260105"},
	},
	{
		name: "start empty",
		in:   "rotations:\n  - name: src\n    start:\n",
		want: []string{"team.yaml:3: rotations[0].start: no value; give one or leave the key out"},
	},
	{
		name: "business_hours_only not a boolean",
		in:   "rotations:\n  - name: src\n    business_hours_only: yes\n",
		want: []string{`team.yaml:3: rotations[0].business_hours_only: want true or false, got the string "yes"`},
	},
	{
		name: "tiers not a list",
		in:   "tiers:\n  name: tier-1\n",
		want: []string{"team.yaml:2: tiers: want a list of tiers, got a mapping"},
	},
	{
		name: "tiers a string",
		in:   "tiers: tier-1\n",
		want: []string{`team.yaml:1: tiers: want a list of tiers, got the string "tier-1"`},
	},
	{
		name: "tiers given twice",
		in:   "tiers: []\nmembers: []\ntiers: []\n",
		want: []string{`team.yaml:3: key "tiers" given twice, first on line 1`},
	},
	{
		name: "tier not a mapping",
		in:   "tiers:\n  - tier-1\n",
		want: []string{`team.yaml:2: tiers[0]: want a mapping with the keys name, description, currency, bounties, got the string "tier-1"`},
	},
	{
		name: "alias of a tier",
		in:   "tiers:\n  - &t {name: tier-1}\n  - *t\n",
		want: []string{"team.yaml:3: tiers[1]: an alias (*t) may only name a single value"},
	},
	{
		name: "unknown tier key",
		in:   "tiers:\n  - name: tier-1\n    currency: USD\n    bounty: {critical: 1}\n",
		want: []string{`team.yaml:4: tiers[0]: unknown key "bounty" (known keys: name, description, currency, bounties)`},
	},
	{
		name: "tier key given twice",
		in:   "tiers:\n  - name: tier-1\n    currency: USD\n    currency: EUR\n",
		want: []string{`team.yaml:4: tiers[0]: key "currency" given twice, first on line 3`},
	},
	{
		name: "missing tier name",
		in:   "tiers:\n  - name: tier-1\n  - currency: USD\n    bounties: {low: 100}\n",
		want: []string{"team.yaml:3: tiers[1]: name is required: it says which tier this is"},
	},
	{
		name: "tier name upper case",
		in:   "tiers:\n  - name: Tier-1\n",
		want: []string{`team.yaml:2: tiers[0].name: "Tier-1" is not a tier name: 1 to 63 lower-case letters, digits and hyphens, not starting with a hyphen`},
	},
	{
		name: "tier name starts with a hyphen",
		in:   "tiers:\n  - name: -1\n",
		want: []string{"team.yaml:2: tiers[0].name: want a string, got the number -1"},
	},
	{
		name: "tier name starts with a hyphen, quoted",
		in:   "tiers:\n  - name: \"-1\"\n",
		want: []string{`team.yaml:2: tiers[0].name: "-1" is not a tier name`},
	},
	{
		name: "tier name with an underscore",
		in:   "tiers:\n  - name: tier_1\n",
		want: []string{`team.yaml:2: tiers[0].name: "tier_1" is not a tier name`},
	},
	{
		name: "tier name too long",
		in:   "tiers:\n  - name: " + strings.Repeat("t", 64) + "\n",
		want: []string{`team.yaml:2: tiers[0].name: "tttt`},
	},
	{
		name: "empty tier name",
		in:   "tiers:\n  - name: \"\"\n",
		want: []string{`team.yaml:2: tiers[0].name: "" is not a tier name`},
	},
	{
		name: "duplicate tier name",
		in:   "tiers:\n  - name: tier-1\n    currency: USD\n  - name: tier-2\n  - name: \" tier-1\"\n",
		want: []string{"team.yaml:5: tiers[2].name: tier-1 is a duplicate of line 2"},
	},
	{
		name: "description a number",
		in:   "tiers:\n  - name: tier-1\n    description: 1\n",
		want: []string{"team.yaml:3: tiers[0].description: want a string, got the number 1; quote it if it is meant"},
	},
	{
		name: "description empty",
		in:   "tiers:\n  - name: tier-1\n    description:\n",
		want: []string{"team.yaml:3: tiers[0].description: no value; give one or leave the key out"},
	},
	{
		name: "description too long",
		in:   "tiers:\n  - name: tier-1\n    description: " + strings.Repeat("d", 2001) + "\n",
		want: []string{"team.yaml:3: tiers[0].description: longer than 2000 bytes"},
	},
	{
		name: "currency lower case",
		in:   "tiers:\n  - name: tier-1\n    currency: usd\n",
		want: []string{`team.yaml:3: tiers[0].currency: "usd" is not a currency code: write it in upper case, USD`},
	},
	{
		name: "currency mixed case",
		in:   "tiers:\n  - name: tier-1\n    currency: Eur\n",
		want: []string{`team.yaml:3: tiers[0].currency: "Eur" is not a currency code: write it in upper case, EUR`},
	},
	{
		// Upper-cased, the dotless i is an ASCII I; the hint would be
		// wrong.
		name: "currency with a letter that upper-cases to ASCII",
		in:   "tiers:\n  - name: tier-1\n    currency: ısk\n",
		want: []string{`team.yaml:3: tiers[0].currency: "ısk" is not a currency code: three upper-case letters of ISO 4217, such as USD`},
	},
	{
		name: "currency a symbol",
		in:   "tiers:\n  - name: tier-1\n    currency: $\n",
		want: []string{`team.yaml:3: tiers[0].currency: "$" is not a currency code: three upper-case letters of ISO 4217, such as USD`},
	},
	{
		name: "currency too long",
		in:   "tiers:\n  - name: tier-1\n    currency: USDT\n",
		want: []string{`team.yaml:3: tiers[0].currency: "USDT" is not a currency code: three upper-case letters`},
	},
	{
		name: "currency a number",
		in:   "tiers:\n  - name: tier-1\n    currency: 840\n",
		want: []string{"team.yaml:3: tiers[0].currency: want a string, got the number 840; quote it if it is meant"},
	},
	{
		name: "bounties a list",
		in:   "tiers:\n  - name: tier-1\n    bounties: [1000000, 500000]\n",
		want: []string{"team.yaml:3: tiers[0].bounties: want a mapping of ratings (critical, high, medium, low) to amounts, got a list"},
	},
	{
		name: "bounties a number",
		in:   "tiers:\n  - name: tier-1\n    bounties: 1000000\n",
		want: []string{"team.yaml:3: tiers[0].bounties: want a mapping of ratings (critical, high, medium, low) to amounts, got the number 1000000"},
	},
	{
		name: "bounties empty",
		in:   "tiers:\n  - name: tier-1\n    bounties: {}\n",
		want: []string{"team.yaml:3: tiers[0].bounties: a bounty table needs at least one rating; leave the key out to keep the current table"},
	},
	{
		name: "bounties commented out",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      # critical: 1000000\n    currency: USD\n",
		want: []string{"team.yaml:3: tiers[0].bounties: a bounty table needs at least one rating"},
	},
	{
		name: "unknown rating",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 1000000\n      urgent: 2000000\n",
		want: []string{`team.yaml:5: tiers[0].bounties: unknown key "urgent" (known keys: critical, high, medium, low)`},
	},
	{
		name: "rating upper case",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      Critical: 1000000\n",
		want: []string{`team.yaml:4: tiers[0].bounties: unknown key "Critical" (known keys: critical, high, medium, low)`},
	},
	{
		name: "rating given twice",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      high: 500000\n      low: 100000\n      high: 600000\n",
		want: []string{`team.yaml:6: tiers[0].bounties: key "high" given twice, first on line 4`},
	},
	{
		name: "bounties merge key",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      <<: {high: 500000}\n",
		want: []string{"team.yaml:4: tiers[0].bounties: merge keys (<<) are not supported"},
	},
	{
		name: "amount a float",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 10000.50\n",
		want: []string{"team.yaml:4: tiers[0].bounties.critical: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the number 10000.50"},
	},
	{
		name: "amount a whole float",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 1e6\n",
		want: []string{"team.yaml:4: tiers[0].bounties.critical: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the number 1e6"},
	},
	{
		name: "amount a quoted number",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      high: \"500000\"\n",
		want: []string{`team.yaml:4: tiers[0].bounties.high: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the string "500000"`},
	},
	{
		name: "amount with a currency sign",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      high: $5,000\n",
		want: []string{`team.yaml:4: tiers[0].bounties.high: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the string "$5,000"`},
	},
	{
		name: "amount a boolean",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: false\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the boolean false"},
	},
	{
		name: "amount a list",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: [100000]\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got a list"},
	},
	{
		name: "amount empty",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      medium:\n",
		want: []string{"team.yaml:4: tiers[0].bounties.medium: no value; give an amount, or leave the rating out for no bounty"},
	},
	{
		name: "amount negative",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: -100000\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: -100000 is negative; a bounty is 0 or more"},
	},
	{
		name: "amount too large",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 1000000000001\n",
		want: []string{"team.yaml:4: tiers[0].bounties.critical: 1000000000001 is more than 1000000000000, the most a bounty may be"},
	},
	{
		name: "amount beyond 64 bits",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 18446744073709551616\n",
		want: []string{"team.yaml:4: tiers[0].bounties.critical: want a whole number of minor units, such as 1000000 for 10,000.00 USD, got the number 18446744073709551616"},
	},
	{
		name: "amount beyond int64",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      critical: 9223372036854775808\n",
		want: []string{"team.yaml:4: tiers[0].bounties.critical: 9223372036854775808 is more than 1000000000000, the most a bounty may be"},
	},
	{
		// To YAML 1.1 readers, this one among them, 010 is 8; to YAML
		// 1.2 readers it is 10.
		name: "amount with a leading zero",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: 010\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: write 010 in plain decimal digits without leading zeros, such as 1000000"},
	},
	{
		name: "amount in hexadecimal",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: 0x186a0\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: write 0x186a0 in plain decimal digits"},
	},
	{
		name: "amount with digit separators",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: 100_000\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: write 100_000 in plain decimal digits"},
	},
	{
		name: "amount with a plus sign",
		in:   "tiers:\n  - name: tier-1\n    bounties:\n      low: +100000\n",
		want: []string{"team.yaml:4: tiers[0].bounties.low: write +100000 in plain decimal digits"},
	},
	{
		name: "reminder errors",
		in: `reminders:
  stale:
    critical: 48h
    high: 7
    urgent: 1d
    medium: 13mo
  daily: yes
`,
		want: []string{
			`team.yaml:3: reminders.stale.critical: "48h" is not a period such as 2d, 1w or 1mo (days, weeks, calendar months), or never`,
			"team.yaml:4: reminders.stale.high: the number 7 has no unit; write a period such as 2d, 1w or 1mo",
			`team.yaml:5: reminders.stale: unknown key "urgent" (known keys: critical, high, medium, low, none)`,
			"team.yaml:6: reminders.stale.medium: 13mo is longer than a year",
			`team.yaml:7: reminders: unknown key "daily" (known keys: stale)`,
		},
	},
	{
		name: "channel errors",
		in: `notifications:
  channels:
    - name: siem
      kind: webhook
      url: https://siem.example.org
      secret: hunter2
    - name: siem
      kind: webhook
      url: https://siem.example.org
    - kind: slack
    - name: chat
      kind: slack
      token_env: slack-token
      channel: C1
`,
		want: []string{
			"team.yaml:3: notifications.channels[0]: a webhook needs its signing secret from one of secret_env and secret_file (never in the team file)",
			`team.yaml:6: notifications.channels[0]: unknown key "secret" (known keys: name, kind, url, url_env, secret_env, secret_file, token_env, channel, kinds)`,
			"team.yaml:7: notifications.channels[1].name: siem is a duplicate of line 3",
			"team.yaml:7: notifications.channels[1]: a webhook needs its signing secret from one of secret_env and secret_file (never in the team file)",
			"team.yaml:10: notifications.channels[2]: name is required: it says which channel this is",
			`team.yaml:11: notifications.channels[3]: token_env: "slack-token" is not an environment variable's name such as WARD_SLACK_TOKEN`,
		},
	},
	{
		name: "integration errors",
		in: `integrations:
  github:
    repository: security-disclosures
    token: ghp_secret
    token_env: WARD_GITHUB_TOKEN
  hackerone:
    program: example
    username: ward-bot
    token_env: WARD_H1_TOKEN
    token_file: /run/secrets/h1
    interval: often
    currency: usd
  gitlab: {}
`,
		want: []string{
			`team.yaml:3: integrations.github: repository: "security-disclosures" is not owner/name`,
			`team.yaml:4: integrations.github: unknown key "token" (known keys: repository, api_url, token_env, token_file, app_id`,
			"team.yaml:7: integrations.hackerone: token: give one of token_env and token_file, not both",
			`team.yaml:11: integrations.hackerone.interval: "often" is not a duration such as 5m`,
			`team.yaml:12: integrations.hackerone.currency: "usd" is not a currency code: write it in upper case, USD`,
			`team.yaml:13: integrations: unknown key "gitlab" (known keys: github, hackerone)`,
		},
	},
	{
		name: "a GitHub App half configured",
		in: `integrations:
  github:
    repository: example-org/security
    app_id: "12"
    private_key_env: WARD_GITHUB_KEY
`,
		want: []string{
			"team.yaml:3: integrations.github: a GitHub App needs app_id and installation_id, both positive",
			`team.yaml:4: integrations.github.app_id: want a positive whole number, got the string "12"`,
		},
	},
	{
		name: "reminders as a list",
		in:   "reminders: [stale]\n",
		want: []string{"team.yaml:1: reminders: want a mapping with the keys stale, got a list"},
	},
	{
		name: "every error, in file order",
		in: `members:
  - name: Ana
    timezone: Mars/Olympus
  - email: bo@example.org
    role: boss
    disabled: maybe
  - email: bo@example.org
tier: []
rotations:
  - name: Src
    members: [bo@example.org, bo@example.org]
    shift: 1
  - start: 2026-13-01
tiers:
  - name: t1
    currency: usd
    bounties: {critical: 1.5, urgent: 5}
  - name: t1
    description: [core]
`,
		want: []string{
			"team.yaml:2: members[0]: email is required",
			`team.yaml:3: members[0].timezone: "Mars/Olympus" is not an IANA time zone`,
			`team.yaml:5: members[1].role: "boss" is not one of`,
			`team.yaml:6: members[1].disabled: want true or false, got the string "maybe"`,
			"team.yaml:7: members[2].email: bo@example.org is a duplicate of line 4",
			`team.yaml:8: unknown key "tier"`,
			`team.yaml:10: rotations[0].name: "Src" is not a rotation name`,
			"team.yaml:11: rotations[0].members[1]: bo@example.org is a duplicate of line 11",
			"team.yaml:12: rotations[0].shift: the number 1 has no unit",
			// On one line, errors keep the order they were found in.
			`team.yaml:13: rotations[1].start: "2026-13-01" is not a date`,
			"team.yaml:13: rotations[1]: name is required",
			`team.yaml:16: tiers[0].currency: "usd" is not a currency code: write it in upper case, USD`,
			"team.yaml:17: tiers[0].bounties.critical: want a whole number of minor units",
			`team.yaml:17: tiers[0].bounties: unknown key "urgent"`,
			"team.yaml:18: tiers[1].name: t1 is a duplicate of line 15",
			"team.yaml:19: tiers[1].description: want a string, got a list",
		},
	},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("team.yaml", []byte(tt.in), holiday.Normalize)
			checkErrorLines(t, got, err, tt.want)
		})
	}
}

func TestParseErrorsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("members:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "  - email: bad%d\n", i)
	}
	var want []string
	for i := range maxErrors {
		want = append(want, fmt.Sprintf(`team.yaml:%d: members[%d].email: "bad%d" is not a plain address`, i+2, i, i))
	}
	want = append(want, "team.yaml: and 5 more errors")
	got, err := Parse("team.yaml", []byte(b.String()), holiday.Normalize)
	checkErrorLines(t, got, err, want)
}

func TestParseHolidayCheckerError(t *testing.T) {
	// A checker may return a *ward.Error; its code prefix would repeat the
	// one on the whole error.
	check := func(code string) (string, error) {
		return "", ward.Errorf(ward.EINVALID, "no calendar %q", code)
	}
	in := "members:\n  - email: ana@example.org\n    holidays: DE\n"
	got, err := Parse("team.yaml", []byte(in), check)
	checkErrorLines(t, got, err, []string{`team.yaml:3: members[0].holidays: no calendar "DE"`})
}

// checkErrorLines checks that Parse failed with EINVALID and nothing else,
// and that each line of the message starts with the wanted text.
func checkErrorLines(t *testing.T, spec ward.TeamSpec, err error, want []string) {
	t.Helper()
	if code := ward.ErrorCode(err); code != ward.EINVALID {
		t.Fatalf("ErrorCode(%v) = %q, want %q", err, code, ward.EINVALID)
	}
	if diff := cmp.Diff(ward.TeamSpec{}, spec); diff != "" {
		t.Errorf("spec returned with the error (-want +got):\n%s", diff)
	}
	got := strings.Split(ward.ErrorMessage(err), "\n")
	if len(got) != len(want) {
		t.Fatalf("error has %d lines, want %d:\n%s", len(got), len(want), ward.ErrorMessage(err))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error line %d:\n got %s\nwant %s…", i+1, got[i], want[i])
		}
	}
}

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("../examples/team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("team.yaml", data, holiday.Normalize)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := len(spec.Members), 5; got != want {
		t.Fatalf("got %d members, want %d", got, want)
	}
	roles := map[ward.Role]bool{}
	for _, m := range spec.Members {
		if m.Name == nil || m.Role == nil || m.TimeZone == nil || m.WorkHours == nil || m.Holidays == nil {
			t.Errorf("member %s leaves out a key: %+v", m.Email, m.MemberUpdate)
			continue
		}
		roles[*m.Role] = true
	}
	for _, r := range []ward.Role{ward.RoleAdmin, ward.RoleResponder, ward.RoleTriager, ward.RoleViewer} {
		if !roles[r] {
			t.Errorf("no member with role %s", r)
		}
	}
	for _, ms := range spec.Members {
		m := ms.Member()
		if err := m.Normalize(holiday.Normalize); err != nil {
			t.Errorf("member %s as created: %v", ms.Email, err)
		}
	}
	want := []ward.RotationSpec{{
		Name:              "src",
		Members:           []string{"ana.keller@example.org", "ben.carter@example.org", "chloe.wright@example.org"},
		Shift:             ptr(168 * time.Hour),
		Handoff:           ptr("Mon 09:00 America/Los_Angeles"),
		Start:             ptr("2026-01-05"),
		BusinessHoursOnly: ptr(true),
	}}
	if diff := cmp.Diff(want, spec.Rotations); diff != "" {
		t.Errorf("rotations mismatch (-want +got):\n%s", diff)
	}
	wantTiers := []ward.TierSpec{
		{
			Name:        "tier-1",
			Description: ptr("Core components whose compromise takes the cluster: kube-apiserver, etcd access, kubelet"),
			Currency:    ptr("USD"),
			Bounties:    map[string]int64{"critical": 1000000, "high": 500000, "medium": 250000, "low": 100000},
		},
		{
			Name:        "tier-2",
			Description: ptr("Other components shipped in a release: kubectl, kube-proxy, the scheduler, official add-ons"),
			Currency:    ptr("USD"),
			Bounties:    map[string]int64{"critical": 500000, "high": 250000, "medium": 100000, "low": 25000},
		},
	}
	if diff := cmp.Diff(wantTiers, spec.Tiers); diff != "" {
		t.Errorf("tiers mismatch (-want +got):\n%s", diff)
	}
	wantReminders := &ward.RemindersSpec{Stale: map[string]ward.Period{
		"critical": {Days: 2}, "high": {Days: 7}, "medium": {Months: 1}, "low": ward.Never}}
	if diff := cmp.Diff(wantReminders, spec.Reminders); diff != "" {
		t.Errorf("reminders mismatch (-want +got):\n%s", diff)
	}
	// A rotation in the example is only of use if its members are on the
	// team and may hold a shift.
	members := map[string]ward.MemberSpec{}
	for _, ms := range spec.Members {
		members[ms.Email] = ms
	}
	for _, rs := range spec.Rotations {
		for _, email := range rs.Members {
			ms, ok := members[email]
			switch {
			case !ok:
				t.Errorf("rotation %s: member %s is not under members:", rs.Name, email)
			case *ms.Role != ward.RoleAdmin && *ms.Role != ward.RoleResponder:
				t.Errorf("rotation %s: member %s is a %s", rs.Name, email, *ms.Role)
			}
		}
	}
}

var errorLine = regexp.MustCompile(`^team\.yaml:(\d+): `)

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../examples/team.yaml"); err == nil {
		f.Add(data)
	}
	for _, tt := range goodTests {
		f.Add([]byte(tt.in))
	}
	for _, tt := range errorTests {
		f.Add([]byte(tt.in))
	}
	// Amounts at and around the bounds, in the spellings YAML has for
	// numbers, where the reader's idea of a number and ours could part.
	f.Add([]byte(`tiers:
  - name: a
    currency: USD
    bounties: {critical: 1000000000000, high: 999999999999, medium: 0, low: 1}
  - name: b
    bounties: {critical: 0o17, high: 0b11, medium: -0, low: 1_0}
  - name: c
    bounties: {critical: .5, high: 1.0e+3, medium: .inf, low: 0x7fffffffffffffff}
  - name: d
    description: &d x
    currency: &c EUR
    bounties: {critical: &n 5, high: *n}
  - name: e
    description: *d
    currency: *c
`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := Parse("team.yaml", data, holiday.Normalize)
		if err != nil {
			checkFuzzError(t, data, err)
			return
		}
		for _, ms := range spec.Members {
			if canon, err := ward.NormalizeEmail(ms.Email); err != nil || canon != ms.Email {
				t.Fatalf("email %q is not canonical: NormalizeEmail = %q, %v", ms.Email, canon, err)
			}
			// What Parse accepts must normalise, as ward.PlanTeam does it,
			// whether the member exists or is new; only a new member
			// without a name may fail.
			existing := ward.Member{Email: ms.Email, Name: "Someone", Role: ward.RoleViewer,
				TimeZone: "UTC", WorkHours: ward.DefaultWorkHours}
			updated := ms.Apply(existing)
			if err := updated.Normalize(holiday.Normalize); err != nil {
				t.Fatalf("member %s, updated: %v", ms.Email, err)
			}
			created := ms.Member()
			if err := created.Normalize(holiday.Normalize); err != nil && ms.Name != nil {
				t.Fatalf("member %s, created: %v", ms.Email, err)
			}
		}
		names := map[string]bool{}
		for _, rs := range spec.Rotations {
			checkFuzzRotation(t, rs)
			if names[rs.Name] {
				t.Fatalf("rotation %s given twice", rs.Name)
			}
			names[rs.Name] = true
		}
		tiers := map[string]bool{}
		for _, ts := range spec.Tiers {
			checkFuzzTier(t, ts)
			if tiers[ts.Name] {
				t.Fatalf("tier %s given twice", ts.Name)
			}
			tiers[ts.Name] = true
		}
	})
}

// checkFuzzRotation checks that a rotation Parse accepted has every value
// in the form the rest of ward reads.
func checkFuzzRotation(t *testing.T, rs ward.RotationSpec) {
	t.Helper()
	if !urlName.MatchString(rs.Name) {
		t.Fatalf("rotation name %q does not match %s", rs.Name, urlName)
	}
	if rs.Members != nil && len(rs.Members) == 0 {
		t.Fatalf("rotation %s: an empty member list", rs.Name)
	}
	emails := map[string]bool{}
	for _, m := range rs.Members {
		if canon, err := ward.NormalizeEmail(m); err != nil || canon != m {
			t.Fatalf("rotation %s: email %q is not canonical: NormalizeEmail = %q, %v", rs.Name, m, canon, err)
		}
		if emails[m] {
			t.Fatalf("rotation %s: member %s given twice", rs.Name, m)
		}
		emails[m] = true
	}
	if rs.Shift != nil && (*rs.Shift < time.Hour || *rs.Shift > 8760*time.Hour) {
		t.Fatalf("rotation %s: shift %s is out of bounds", rs.Name, *rs.Shift)
	}
	if rs.Handoff != nil {
		if _, _, _, err := rotation.ParseHandoff(*rs.Handoff); err != nil {
			t.Fatalf("rotation %s: %v", rs.Name, err)
		}
	}
	if rs.Start != nil {
		if _, err := time.Parse(time.DateOnly, *rs.Start); err != nil {
			t.Fatalf("rotation %s: start: %v", rs.Name, err)
		}
	}
}

// checkFuzzTier checks that a tier Parse accepted has every value in the
// form the rest of ward reads.
func checkFuzzTier(t *testing.T, ts ward.TierSpec) {
	t.Helper()
	if !urlName.MatchString(ts.Name) {
		t.Fatalf("tier name %q does not match %s", ts.Name, urlName)
	}
	if ts.Description != nil && len(*ts.Description) > 2000 {
		t.Fatalf("tier %s: description of %d bytes", ts.Name, len(*ts.Description))
	}
	if ts.Currency != nil && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(*ts.Currency) {
		t.Fatalf("tier %s: currency %q is not three upper-case letters", ts.Name, *ts.Currency)
	}
	if ts.Bounties != nil && len(ts.Bounties) == 0 {
		t.Fatalf("tier %s: an empty bounty table", ts.Name)
	}
	for rating, amount := range ts.Bounties {
		if !slices.Contains(ward.BountyRatings, rating) {
			t.Fatalf("tier %s: rating %q is not one of %v", ts.Name, rating, ward.BountyRatings)
		}
		if amount < 0 || amount > 1_000_000_000_000 {
			t.Fatalf("tier %s: %s bounty %d is out of bounds", ts.Name, rating, amount)
		}
	}
}

// checkFuzzError checks that every line of a failed parse's error names the
// file and a line that the input has.
func checkFuzzError(t *testing.T, data []byte, err error) {
	t.Helper()
	if code := ward.ErrorCode(err); code != ward.EINVALID {
		t.Fatalf("ErrorCode(%v) = %q, want %q", err, code, ward.EINVALID)
	}
	// YAML also breaks lines at a lone CR, NEL, LS and PS; counting each
	// of those bytes over-counts a little, which is fine for a bound.
	lines := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) +
		bytes.Count(data, []byte("\u0085")) + bytes.Count(data, []byte("\u2028")) + bytes.Count(data, []byte("\u2029"))
	msg := strings.Split(ward.ErrorMessage(err), "\n")
	for i, l := range msg {
		if i == maxErrors && strings.HasPrefix(l, "team.yaml: and ") {
			continue
		}
		m := errorLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("error line %q does not start with team.yaml:LINE:", l)
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
			t.Fatalf("error line %q: line %d is not in the input's 1-%d", l, n, lines)
		}
	}
}
