package teamfile

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
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
		in:   "members: []\nrotations: []\ntiers:\n  - name: first\nrotation: []\n",
		want: []string{
			`team.yaml:3: unknown key "tiers" (known keys: members, rotations)`,
			`team.yaml:5: unknown key "rotation" (known keys: members, rotations)`,
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
		want: []string{"team.yaml:1: want a mapping with the keys members, rotations, got a list"},
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
		name: "every error, in file order",
		in: `members:
  - name: Ana
    timezone: Mars/Olympus
  - email: bo@example.org
    role: boss
    disabled: maybe
  - email: bo@example.org
tiers: []
rotations:
  - name: Src
    members: [bo@example.org, bo@example.org]
    shift: 1
  - start: 2026-13-01
`,
		want: []string{
			"team.yaml:2: members[0]: email is required",
			`team.yaml:3: members[0].timezone: "Mars/Olympus" is not an IANA time zone`,
			`team.yaml:5: members[1].role: "boss" is not one of`,
			`team.yaml:6: members[1].disabled: want true or false, got the string "maybe"`,
			"team.yaml:7: members[2].email: bo@example.org is a duplicate of line 4",
			`team.yaml:8: unknown key "tiers"`,
			`team.yaml:10: rotations[0].name: "Src" is not a rotation name`,
			"team.yaml:11: rotations[0].members[1]: bo@example.org is a duplicate of line 11",
			"team.yaml:12: rotations[0].shift: the number 1 has no unit",
			// On one line, errors keep the order they were found in.
			`team.yaml:13: rotations[1].start: "2026-13-01" is not a date`,
			"team.yaml:13: rotations[1]: name is required",
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
	})
}

// checkFuzzRotation checks that a rotation Parse accepted has every value
// in the form the rest of ward reads.
func checkFuzzRotation(t *testing.T, rs ward.RotationSpec) {
	t.Helper()
	if !rotationName.MatchString(rs.Name) {
		t.Fatalf("rotation name %q does not match %s", rs.Name, rotationName)
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
