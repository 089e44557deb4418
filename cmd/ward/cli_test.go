package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
)

// cli runs ward in-process, as the binary would, against one database.
type cli struct {
	t  *testing.T
	db string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, db: "sqlite:" + filepath.Join(t.TempDir(), "ward.db")}
}

func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append(args, "--db", c.db), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, _, err := c.run("", args...)
	if err != nil {
		c.t.Fatalf("ward %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (c *cli) members() []ward.Member {
	c.t.Helper()
	var ms []ward.Member
	if err := json.Unmarshal([]byte(c.ok("user", "list", "--all", "-o", "json")), &ms); err != nil {
		c.t.Fatal(err)
	}
	return ms
}

func TestUserAndTokenCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--email", "Ana@example.org", "--name", "Ana", "--role", "admin", "--timezone", "Europe/Berlin")

	out := c.ok("token", "create", "--user", "ana@example.org")
	if !regexp.MustCompile(`^ward_[a-z2-7]{52}\n$`).MatchString(out) {
		t.Errorf("token create printed %q; scripts need the token alone on one line", out)
	}
	if ms := c.members(); len(ms) != 1 || ms[0].Email != "ana@example.org" || ms[0].TimeZone != "Europe/Berlin" || ms[0].Role != ward.RoleAdmin {
		t.Errorf("members = %+v", ms)
	}

	for _, bad := range [][]string{
		{"user", "add", "--email", "ana@example.org", "--name", "Again"},
		{"user", "add", "--email", "bo@example.org", "--name", "Bo", "--timezone", "Moon/Base"},
		{"user", "add", "--email", "bo@example.org", "--name", "Bo", "--role", "boss"},
		{"user", "add", "--name", "Bo"},
		{"token", "create", "--user", "nobody@example.org"},
		{"token", "revoke", "x"},
		{"user", "disable", "ana@example.org"}, // the last admin
	} {
		if _, _, err := c.run("", bad...); err == nil {
			t.Errorf("ward %s: succeeded, want an error", strings.Join(bad, " "))
		}
	}

	c.ok("user", "add", "--email", "bo@example.org", "--name", "Bo", "--role", "viewer")
	c.ok("token", "create", "--user", "bo@example.org", "--name", "ci", "--expires", "720h")
	list := c.ok("token", "list", "--user", "bo@example.org")
	if !strings.Contains(list, "bo@example.org") || !strings.Contains(list, "ci") {
		t.Errorf("token list = %q", list)
	}
	if out := c.ok("token", "revoke", "2"); !strings.Contains(out, "token/2 of bo@example.org revoked") {
		t.Errorf("revoke printed %q", out)
	}
	if out := c.ok("user", "disable", "bo@example.org"); !strings.Contains(out, "disabled") {
		t.Errorf("disable printed %q", out)
	}
	if out := c.ok("user", "list"); strings.Contains(out, "bo@example.org") {
		t.Errorf("user list shows a disabled member without --all: %q", out)
	}
	if out := c.ok("version"); !strings.HasPrefix(out, "ward ") {
		t.Errorf("version printed %q", out)
	}
	if out := c.ok("migrate"); out != "the schema is up to date\n" {
		t.Errorf("migrate on a migrated database printed %q", out)
	}
}

func TestApply(t *testing.T) {
	c := newCLI(t)
	example := filepath.Join("..", "..", "examples", "team.yaml")

	c.ok("migrate")
	dry := c.ok("apply", "-f", example, "--dry-run")
	if !strings.Contains(dry, "member/ana.keller@example.org created (dry run)") {
		t.Errorf("dry run printed %q", dry)
	}
	if ms := c.members(); len(ms) != 0 {
		t.Fatalf("dry run wrote %d members", len(ms))
	}
	c.ok("apply", "-f", example)
	if ms := c.members(); len(ms) != 5 {
		t.Fatalf("apply wrote %d members, want 5", len(ms))
	}
	if out := c.ok("apply", "-f", example); out != "8 unchanged\n" {
		t.Errorf("second apply printed %q, want no change", out)
	}

	changed := "members:\n  - email: ben.carter@example.org\n    role: admin\n"
	out, _, err := c.run(changed, "apply", "-f", "-")
	if err != nil || !strings.Contains(out, "member/ben.carter@example.org configured\n  role: responder → admin") {
		t.Errorf("apply from stdin: %q, %v", out, err)
	}

	bad := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(bad, []byte("members:\n  - email: new@example.org\n    name: New\n  - email: other@example.org\n    name: Other\n    timezone: Mars/Olympus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.run("", "apply", "-f", bad)
	if err == nil || !strings.Contains(ward.ErrorMessage(err), "team.yaml:6") || !strings.Contains(ward.ErrorMessage(err), "timezone") {
		t.Errorf("bad file: %v; want the file, line 6 and the key", err)
	}
	if ms := c.members(); len(ms) != 5 {
		t.Errorf("a bad file wrote members: %d, want 5", len(ms))
	}
}

func TestApplyDryRunWritesNothing(t *testing.T) {
	c := newCLI(t)
	example := filepath.Join("..", "..", "examples", "team.yaml")
	_, _, err := c.run("", "apply", "-f", example, "--dry-run")
	if err == nil || !strings.Contains(ward.ErrorMessage(err), "does not exist") {
		t.Errorf("dry run on a missing database: %v", err)
	}
	if _, statErr := os.Stat(strings.TrimPrefix(c.db, "sqlite:")); !os.IsNotExist(statErr) {
		t.Errorf("the dry run created the database file: %v", statErr)
	}
}

func TestApplyErrorsNameTheFile(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(file, []byte("members:\n  - email: nameless@example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.run("", "apply", "-f", file)
	if msg := ward.ErrorMessage(err); !strings.HasPrefix(msg, file+": ") || !strings.Contains(msg, "name") {
		t.Errorf("error %q: want it to start with the file name and name the field", msg)
	}
}

func TestDemoRefusesATeamsDatabase(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
	_, _, err := c.run("", "serve", "--demo", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(ward.ErrorMessage(err), "--demo needs an empty database") {
		t.Errorf("serve --demo on a team's database: %v", err)
	}
	if out := c.ok("token", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("--demo issued a token on a team's database:\n%s", out)
	}
}

func TestOnCallAndShifts(t *testing.T) {
	c := newCLI(t)
	c.ok("apply", "-f", filepath.Join("..", "..", "examples", "team.yaml"))
	out := c.ok("oncall", "--rotation", "src", "--at", "2026-01-13T12:00:00Z")
	// Shift 1 of src, from Monday 12 January 09:00 in Los Angeles, is Ben's.
	if !strings.Contains(out, "Ben Carter <ben.carter@example.org>") || !strings.Contains(out, "Tue 2026-01-13 07:00 EST") || !strings.Contains(out, "false") {
		t.Errorf("oncall printed:\n%s", out)
	}
	var answers []struct {
		Assignee struct{ Email string }
		OnDuty   bool `json:"on_duty"`
		End      string
	}
	if err := json.Unmarshal([]byte(c.ok("oncall", "--at", "2026-01-13T16:00:00Z", "-o", "json")), &answers); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0].Assignee.Email != "ben.carter@example.org" || !answers[0].OnDuty || answers[0].End != "2026-01-19T17:00:00Z" {
		t.Errorf("oncall -o json = %+v", answers)
	}
	out = c.ok("shifts", "--rotation", "src", "--from", "2026-01-05", "--to", "2026-01-26")
	for _, want := range []string{"2026-01-05T17:00:00Z  2026-01-12T17:00:00Z  Ana Keller", "Ben Carter", "Chloe Wright"} {
		if !strings.Contains(out, want) {
			t.Errorf("shifts lack %q:\n%s", want, out)
		}
	}
	if _, _, err := c.run("", "shifts", "--rotation", "src", "--from", "soon", "--to", "2026-01-26"); err == nil {
		t.Error("shifts --from soon succeeded")
	}
}

func TestCVSS(t *testing.T) {
	c := newCLI(t)
	for vector, want := range map[string]string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H":                    "9.8 Critical\n",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N":                    "7.5 High\n",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N": "9.3 Critical\n",
	} {
		if out := c.ok("cvss", vector); out != want {
			t.Errorf("cvss %s = %q, want %q", vector, out, want)
		}
	}
	_, _, err := c.run("", "cvss", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	if err == nil || !strings.Contains(ward.ErrorMessage(err), `"AV"`) {
		t.Errorf("an invalid vector: %v; want an error naming AV", err)
	}
	if _, err := os.Stat(strings.TrimPrefix(c.db, "sqlite:")); !os.IsNotExist(err) {
		t.Error("ward cvss opened the database")
	}
}

func TestReportCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("migrate")
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := ward.Report{Title: "kubelet logs bearer tokens", Body: "at --v=4", Source: ward.SourceEmail, ReporterEmail: "sam@example.com"}
	if _, err := db.CreateReport(cliContext(context.Background()), &r); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("report", "list"); !strings.Contains(out, "new    email") || !strings.Contains(out, "kubelet logs bearer tokens") {
		t.Errorf("report list:\n%s", out)
	}
	out := c.ok("report", "show", strconv.FormatInt(r.ID, 10))
	if !strings.Contains(out, "at --v=4") || !strings.Contains(out, "create →new cli:") {
		t.Errorf("report show:\n%s", out)
	}
	out = c.ok("report", "act", strconv.FormatInt(r.ID, 10), "set_severity", "--vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
	if !strings.Contains(out, "set_severity: new → new") || !strings.Contains(out, "severity:") {
		t.Errorf("report act set_severity:\n%s", out)
	}
	if _, _, err := c.run("", "report", "act", strconv.FormatInt(r.ID, 10), "track", "--url", "https://example.org/1"); ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("track a new report: %v, want a conflict", err)
	}

	// A report tracked with a CVE id: --cve "" clears it, a flag left out
	// leaves its field.
	tracked := ward.Report{Title: "admission webhook bypass", Source: ward.SourceAPI}
	if _, err := db.CreateReport(cliContext(context.Background()), &tracked); err != nil {
		t.Fatal(err)
	}
	tracked.State, tracked.TrackingURL, tracked.CVE, tracked.FixStatus = "tracked", "https://github.com/example/security/issues/1", "CVE-2026-1111", "planning"
	if err := db.UpdateReport(cliContext(context.Background()), &tracked, tracked.Version, &ward.TimelineEvent{Action: "track", Visibility: "team"}); err != nil {
		t.Fatal(err)
	}
	out = c.ok("report", "act", strconv.FormatInt(tracked.ID, 10), "update_tracking", "--cve", "", "--attribution", "Rae Okafor", "--fix-status", "released")
	for _, want := range []string{"update_tracking: tracked → tracked", "cve_id: CVE-2026-1111 → \n", "attribution:  → Rae Okafor", "fix_status: planning → released"} {
		if !strings.Contains(out, want) {
			t.Errorf("report act update_tracking: no %q in\n%s", want, out)
		}
	}
	out = c.ok("report", "act", strconv.FormatInt(tracked.ID, 10), "update_tracking", "--cve", "cve-2026-2222")
	if !strings.Contains(out, "cve_id:  → CVE-2026-2222") || strings.Contains(out, "attribution") {
		t.Errorf("report act update_tracking --cve:\n%s", out)
	}
	if _, _, err := c.run("", "report", "show", "99"); ward.ErrorCode(err) != ward.ENOTFOUND {
		t.Errorf("report show 99: %v", err)
	}
}

func TestReportSharingCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("migrate")
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := cliContext(context.Background())
	for _, r := range []ward.Report{{Title: "from the form", Source: ward.SourceWeb}, {Title: "by mail", Source: ward.SourceEmail}} {
		if _, err := db.CreateReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	id := "1"

	c.ok("filter", "save", "web-new", "state=new&source=web")
	if out := c.ok("filter", "list"); !strings.Contains(out, "web-new  source=web&state=new  cli:") {
		t.Errorf("filter list:\n%s", out)
	}
	if out := c.ok("report", "list", "--filter", "web-new"); !strings.Contains(out, "from the form") || strings.Contains(out, "by mail") {
		t.Errorf("report list --filter:\n%s", out)
	}
	if out := c.ok("report", "list", "--filter", "web-new", "--source", "email"); !strings.Contains(out, "by mail") || strings.Contains(out, "from the form") {
		t.Errorf("a flag replaces the filter's own:\n%s", out)
	}
	if _, _, err := c.run("", "filter", "save", "bad", "colour=red"); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("filter save with an unknown key: %v", err)
	}
	c.ok("filter", "delete", "web-new")
	if _, _, err := c.run("", "report", "list", "--filter", "web-new"); ward.ErrorCode(err) != ward.ENOTFOUND {
		t.Errorf("a deleted filter: %v", err)
	}

	link := strings.TrimSpace(c.ok("report", "link", id, "--public-url", "https://ward.example.org/"))
	if !strings.HasPrefix(link, "https://ward.example.org/r/wardrep_") {
		t.Errorf("report link = %q", link)
	}
	if r, err := db.FindReportByReporterKey(ctx, strings.TrimPrefix(link, "https://ward.example.org/r/")); err != nil || r.ID != 1 {
		t.Errorf("the printed link finds %+v, %v", r, err)
	}
	if _, _, err := c.run("", "report", "export", id); ward.ErrorCode(err) != ward.ECONFLICT {
		t.Errorf("export of a new report: %v", err)
	}
}
