package hackerone

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
)

// Overlap is how far before the cursor each sync starts again: reports
// whose last activity has the cursor's very time (HackerOne's times have
// milliseconds) are not missed, and those seen twice change nothing.
const Overlap = time.Minute

// Syncer pulls the programme's reports into ward.
type Syncer struct {
	Client *Client
	Store  ward.SyncService
}

// Sync pulls every report with activity since the last sync, a page at a
// time: each page is stored with the cursor that follows it, so a sync
// cut short resumes after the last page stored. The first sync brings in
// the programme's history and notifies nobody.
func (s *Syncer) Sync(ctx context.Context) (ward.SyncResult, error) {
	var total ward.SyncResult
	program := s.Client.Program()
	cursor, err := s.Store.SyncCursor(ctx, ward.SourceHackerOne, program)
	if err != nil {
		return total, err
	}
	first := cursor.IsZero()
	since := cursor
	if !first {
		since = cursor.Add(-Overlap)
	}
	page, err := s.Client.Reports(ctx, since)
	for {
		if err != nil {
			return total, err
		}
		sp := &ward.SyncPage{Source: ward.SourceHackerOne, Scope: program, Cursor: cursor, Notify: !first}
		for i := range page.Reports {
			er := s.external(&page.Reports[i])
			if er.ActivityAt.After(sp.Cursor) {
				sp.Cursor = er.ActivityAt
			}
			sp.Reports = append(sp.Reports, er)
		}
		res, serr := s.Store.StoreSyncPage(ctx, sp)
		if serr != nil {
			return total, serr
		}
		cursor = sp.Cursor
		total.Created += res.Created
		total.Updated += res.Updated
		total.Conflicts += res.Conflicts
		total.Events += res.Events
		if page.Next == "" {
			return total, nil
		}
		page, err = s.Client.NextReports(ctx, page.Next)
	}
}

// wardStates are ward's states for HackerOne's; HackerOne's others
// (pending-program-review, retesting, pre-submission) have none.
var wardStates = map[string]string{
	"new":             "new",
	"triaged":         "triaged",
	"needs-more-info": "needs_info",
	"resolved":        "resolved",
	"informative":     "invalid",
	"not-applicable":  "invalid",
	"duplicate":       "duplicate",
	"spam":            "spam",
}

// external is the report in ward's terms.
func (s *Syncer) external(r *Report) ward.ExternalReport {
	a, rel := r.Attributes, r.Relationships
	er := ward.ExternalReport{
		Source:      ward.SourceHackerOne,
		ExternalID:  r.ID,
		ExternalURL: "https://hackerone.com/reports/" + r.ID,
		Title:       clip(printable(a.Title, false), 300),
		Body:        clip(printable(a.VulnerabilityInformation, true), 256<<10),
		State:       wardStates[a.State],
		CreatedAt:   a.CreatedAt,
		ActivityAt:  a.CreatedAt,
	}
	if er.Title == "" {
		er.Title = "HackerOne report " + r.ID
	}
	if a.LastActivityAt != nil && a.LastActivityAt.After(er.ActivityAt) {
		er.ActivityAt = *a.LastActivityAt
	}
	if u := rel.Reporter.Data; u != nil {
		er.Reporter = u.Login()
		er.ReporterName = clip(printable(u.Login(), false), 200)
		if name := printable(u.Attributes.Name, false); name != "" {
			er.ReporterName = clip(name+" (@"+u.Login()+")", 200)
		}
	}
	if w := rel.Weakness.Data; w != nil {
		er.Weakness = printable(w.Attributes.Name, false)
		if id := strings.ToLower(w.Attributes.ExternalID); strings.HasPrefix(id, "cwe-") {
			er.CWE = id
			er.Weakness += " (" + strings.ToUpper(id) + ")"
		}
	}
	er.Severity = severity(rel.Severity.Data)
	er.Bounty = bounty(rel.Bounties.Data, a.BountyAwardedAt)
	for _, at := range rel.Attachments.Data {
		url := at.Attributes.ExpiringURL
		if strings.HasPrefix(url, "/") {
			url = "https://hackerone.com" + url
		}
		er.Attachments = append(er.Attachments, ward.ExternalAttachment{Name: printable(at.Attributes.FileName, false),
			ContentType: printable(at.Attributes.ContentType, false), Size: at.Attributes.FileSize, URL: url})
	}
	for _, act := range rel.Activities.Data {
		er.Activities = append(er.Activities, s.activity(&act))
	}
	return er
}

// activity is one activity as a timeline event: a comment as ward's
// comment, anything else as hackerone_<what> (hackerone_triaged,
// hackerone_bounty_awarded…). Internal activities are the team's; the
// others every participant's, as on HackerOne.
func (s *Syncer) activity(act *Activity) ward.ExternalActivity {
	login := act.Relationships.Actor.Data.Login()
	out := ward.ExternalActivity{ID: act.ID, At: act.Attributes.CreatedAt, Actor: ward.SourceHackerOne + ":" + login,
		Comment: printable(act.Message(), true), Visibility: "reporter", Own: login != "" && login == s.Client.Username()}
	if login == "" {
		out.Actor = ward.SourceHackerOne
	}
	if act.Attributes.Internal {
		out.Visibility = "team"
	}
	what := strings.TrimPrefix(strings.TrimPrefix(act.Type, "activity-"), "bug-")
	out.Action = "hackerone_" + strings.ReplaceAll(what, "-", "_")
	if act.Type == "activity-comment" {
		out.Action = "comment"
	}
	if act.Attributes.BountyAmount != "" {
		out.Comment = strings.TrimSpace(fmt.Sprintf("Bounty %s, bonus %s. %s", act.Attributes.BountyAmount, act.Attributes.BonusAmount, out.Comment))
	}
	return out
}

// severity is HackerOne's severity in ward's terms: computed from its
// CVSS metrics when it has them all, else its rating alone.
func severity(s *Severity) *ward.Severity {
	if s == nil || s.Attributes.Rating == "" {
		return nil
	}
	if v := s.Attributes.Vector(); v != "" {
		if sev, err := cvss.Parse(v); err == nil {
			return &sev
		}
	}
	r := strings.ToLower(s.Attributes.Rating)
	switch r {
	case "none", "low", "medium", "high", "critical":
		return &ward.Severity{Rating: strings.ToUpper(r[:1]) + r[1:]}
	}
	return nil
}

// bounty is the sum of the awarded bounties and bonuses, awarded on
// HackerOne: ward counts it as approved there.
func bounty(bs []Bounty, at *time.Time) *ward.Bounty {
	if len(bs) == 0 {
		return nil
	}
	b := &ward.Bounty{ProposedBy: ward.SourceHackerOne, ApprovedBy: ward.SourceHackerOne}
	if at != nil {
		b.ProposedAt, b.ApprovedAt = *at, *at
	}
	for _, x := range bs {
		amount, err1 := ParseAmount(firstOf(x.Attributes.AwardedAmount, x.Attributes.Amount))
		bonus, err2 := ParseAmount(firstOf(x.Attributes.AwardedBonusAmount, x.Attributes.BonusAmount))
		if err1 != nil || err2 != nil {
			continue
		}
		b.Amount += amount + bonus
		if b.Currency == "" {
			b.Currency = x.Attributes.AwardedCurrency
		}
	}
	if b.Currency == "" {
		b.Currency = "USD"
	}
	return b
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// printable drops the control characters that ward refuses to store
// (ward.CheckControl), keeping tabs and line breaks in text.
func printable(s string, text bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(c rune) rune {
		switch {
		case text && (c == '\t' || c == '\n' || c == '\r'):
			return c
		case c == '\t' || c == '\n' || c == '\r':
			return ' '
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return -1
		}
		return c
	}, strings.TrimFunc(s, func(c rune) bool { return !text && unicode.IsSpace(c) }))
}

// clip cuts s to at most n bytes, at a character's boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
