package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/workflow"
)

// Export is a disclosed report as it may be published: the reporter's text
// with the agreed redactions applied, and only what was said in front of
// the reporter. Team-only comments never appear in it.
type Export struct {
	ID          int64          `json:"id"`
	Draft       bool           `json:"draft"` // disclosure is requested, not done: a preview
	Title       string         `json:"title"`
	Body        string         `json:"body"`
	Severity    *ward.Severity `json:"severity"`
	CVE         string         `json:"cve_id,omitempty"`
	Credit      string         `json:"credit,omitempty"` // the attribution the reporter asked for, or their name
	Kind        string         `json:"kind"`             // full or redacted
	ReportedAt  time.Time      `json:"reported_at"`
	DisclosedAt time.Time      `json:"disclosed_at,omitzero"`
	Comments    []ExportNote   `json:"comments"`
}

// ExportNote is one reporter-visible message on the report.
type ExportNote struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"` // "reporter" or "team"
	Text string    `json:"text"`
}

// Redacted replaces every redacted passage in the exported text.
const Redacted = "[redacted]"

// Export returns the report as it may be published. A disclosed report
// gives the final export; one whose disclosure is requested gives a draft,
// so that the team and the reporter can check the redactions first. Any
// other state is ECONFLICT.
func (s *Service) Export(ctx context.Context, id int64) (*Export, error) {
	r, err := s.Visible(ctx, id)
	if err != nil {
		return nil, err
	}
	state := workflow.State(r.State)
	if state != workflow.StateDisclosed && state != workflow.StateDisclosureRequested || r.Disclosure == nil {
		return nil, ward.Errorf(ward.ECONFLICT, "report %d is %s; only a disclosed report is exported, or a draft while disclosure is requested", id, r.State)
	}
	events, err := s.store.FindTimeline(ctx, id)
	if err != nil {
		return nil, err
	}
	d := r.Disclosure
	redact := redactor(d.Redactions)
	e := &Export{ID: r.ID, Draft: state != workflow.StateDisclosed, Title: redact(r.Title), Body: redact(r.Body), Severity: r.Severity,
		CVE: r.CVE, Credit: redact(cmp.Or(r.Attribution, r.ReporterName)), Kind: d.Kind, ReportedAt: r.CreatedAt, DisclosedAt: d.DisclosedAt,
		Comments: []ExportNote{}}
	for _, ev := range events {
		if ev.Visibility != string(workflow.VisibilityReporter) || ev.Comment == "" {
			continue
		}
		by := "team"
		if byReporter(ev) {
			by = "reporter"
		}
		e.Comments = append(e.Comments, ExportNote{At: ev.At, By: by, Text: redact(ev.Comment)})
	}
	return e, nil
}

// redactor replaces every stretch of text that some passage covers. Each
// occurrence of each passage is found in the original text, overlapping
// ones included, and the stretches they cover are merged before anything
// is replaced: replacing passage by passage would leave the end of one
// showing when it overlaps the start of another.
func redactor(passages []string) func(string) string {
	return func(text string) string {
		var spans [][2]int
		for _, p := range passages {
			if p == "" {
				continue
			}
			for from := 0; ; {
				i := strings.Index(text[from:], p)
				if i < 0 {
					break
				}
				start := from + i
				spans = append(spans, [2]int{start, start + len(p)})
				_, size := utf8.DecodeRuneInString(text[start:])
				from = start + size
			}
		}
		if len(spans) == 0 {
			return text
		}
		slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
		var b strings.Builder
		last := 0
		for i := 0; i < len(spans); {
			start, end := spans[i][0], spans[i][1]
			for i++; i < len(spans) && spans[i][0] <= end; i++ {
				end = max(end, spans[i][1])
			}
			b.WriteString(text[last:start])
			b.WriteString(Redacted)
			last = end
		}
		b.WriteString(text[last:])
		return b.String()
	}
}

// Markdown is the export as a Markdown document, such as an advisory's
// first draft. The reporter's text is kept as they wrote it.
func (e *Export) Markdown() string {
	var b strings.Builder
	if e.Draft {
		b.WriteString("<!-- DRAFT: disclosure is requested, not done -->\n\n")
	}
	fmt.Fprintf(&b, "# %s\n\n", oneLine(e.Title))
	fmt.Fprintf(&b, "- Report: #%d, reported %s\n", e.ID, e.ReportedAt.Format(time.DateOnly))
	if e.Severity != nil {
		fmt.Fprintf(&b, "- Severity: %.1f %s (`%s`)\n", e.Severity.Score, e.Severity.Rating, e.Severity.Vector)
	}
	if e.CVE != "" {
		fmt.Fprintf(&b, "- CVE: %s\n", e.CVE)
	}
	if e.Credit != "" {
		fmt.Fprintf(&b, "- Credit: %s\n", oneLine(e.Credit))
	}
	if !e.DisclosedAt.IsZero() {
		fmt.Fprintf(&b, "- Disclosed: %s\n", e.DisclosedAt.Format(time.DateOnly))
	}
	fmt.Fprintf(&b, "\n## Report\n\n%s\n", strings.TrimSpace(e.Body))
	if len(e.Comments) > 0 {
		b.WriteString("\n## Discussion\n")
		for _, c := range e.Comments {
			fmt.Fprintf(&b, "\n**%s**, %s:\n\n%s\n", c.By, c.At.Format(time.DateOnly), strings.TrimSpace(c.Text))
		}
	}
	return b.String()
}

// oneLine keeps a heading or list item on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
