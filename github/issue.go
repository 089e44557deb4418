package github

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	gh "github.com/google/go-github/v93/github"

	"github.com/wardsec/ward"
)

// DefaultTemplate is the tracking issue's template unless the team file
// names another: "title" is the issue's title, "body" its text, with an
// IssueData. The repository is private, so the report's title and
// summary may be in it; the reporter's credit is left to be confirmed
// with them unless the report has its attribution.
const DefaultTemplate = `{{define "title"}}{{.Report.Title}} (ward report #{{.Report.ID}}){{end}}
{{- define "body"}}## Summary

{{.Summary}}

## Severity

{{with .Report.Severity}}**{{.Rating}}**, {{printf "%.1f" .Score}} (CVSS {{.Version}}): ` + "`{{.Vector}}`" + `{{else}}Not rated yet.{{end}}

## Report

{{if .ReportURL}}{{.ReportURL}}{{else}}ward report #{{.Report.ID}}{{end}}

## Credit

Credit: {{.Credit}}
{{end}}`

// IssueData is what the template is given.
type IssueData struct {
	Report    *ward.Report
	Summary   string // the report's text, shortened to summaryMax, quoted
	ReportURL string // the report in ward, or "" without a public URL
	Credit    string // the report's attribution, or a placeholder
}

const (
	// summaryMax bounds the quoted summary: GitHub refuses bodies over
	// 65,536 characters, and the full text stays in ward.
	summaryMax = 4000
	// creditPlaceholder is the credit until the reporter says how they
	// want to be credited (update_tracking's attribution).
	creditPlaceholder = "_to be confirmed with the reporter_"
	// createdSkew is how far before a report's creation an issue for it
	// is looked for: GitHub's clock and ward's may differ a little.
	createdSkew = 10 * time.Minute
)

func parseTemplate(text string) (*template.Template, error) {
	if text == "" {
		text = DefaultTemplate
	}
	t, err := template.New("issue").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("github: template: %w", err)
	}
	for _, name := range []string{"title", "body"} {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("github: template: it defines no %q template", name)
		}
	}
	return t, nil
}

// marker is the hidden line that ends every tracking issue's body, by
// which FileIssue finds an issue it filed before.
func marker(report int64) string { return fmt.Sprintf("<!-- ward-report: %d -->", report) }

// hasMarker reports whether a line of body is the report's marker alone:
// text added after it (by hand, or by a bot) does not hide it. The
// reporter's text is quoted and its < escaped, so none of its lines is a
// marker.
func hasMarker(body string, report int64) bool {
	want := marker(report)
	for line := range strings.Lines(body) {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}

// FileIssue files the report's tracking issue in the repository, with the
// configured labels and severity/<rating>, assigned to the logins of the
// report's commander and assignee, and returns it. An issue already filed
// for the report is returned instead of filing another (see findIssue).
func (c *Client) FileIssue(ctx context.Context, r *ward.Report) (ward.TrackedIssue, error) {
	if found, err := c.findIssue(ctx, r); err != nil || found != nil {
		return c.tracked(found), err
	}
	req, err := c.issueRequest(r)
	if err != nil {
		return ward.TrackedIssue{}, err
	}
	issue, _, err := c.api.Issues.Create(ctx, c.owner, c.repo, req)
	if err != nil {
		return ward.TrackedIssue{}, apiError("create an issue in "+c.Repository(), err)
	}
	return c.tracked(issue), nil
}

func (c *Client) tracked(issue *gh.Issue) ward.TrackedIssue {
	if issue == nil {
		return ward.TrackedIssue{}
	}
	return ward.TrackedIssue{URL: issue.GetHTMLURL(), Name: c.Repository() + "#" + strconv.Itoa(issue.GetNumber())}
}

// findIssue returns the issue whose body has the report's marker on a
// line of its own, or nil. It lists the repository's issues (open and closed) created since the
// report was, newest first, rather than asking the search API: search is
// indexed some time after an issue is created, and the retry it is for
// comes right after an answer was lost, when search would not yet find the
// issue and a second would be filed. The list is read as it is written.
func (c *Client) findIssue(ctx context.Context, r *ward.Report) (*gh.Issue, error) {
	since := r.CreatedAt.Add(-createdSkew)
	opts := &gh.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "desc", Since: since,
		ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		issues, resp, err := c.api.Issues.ListByRepo(ctx, c.owner, c.repo, opts)
		if err != nil {
			return nil, apiError("list the issues of "+c.Repository(), err)
		}
		for _, issue := range issues {
			if issue.CreatedAt != nil && issue.CreatedAt.Before(since) {
				return nil, nil // newest first: the rest are older still
			}
			if !issue.IsPullRequest() && hasMarker(issue.GetBody(), r.ID) {
				return issue, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.ListOptions.Page = resp.NextPage
	}
}

// issueRequest is the issue to file for r.
func (c *Client) issueRequest(r *ward.Report) (gh.CreateIssueRequest, error) {
	data := IssueData{Report: r, Summary: summary(r.Body), Credit: creditPlaceholder}
	if r.Attribution != "" {
		data.Credit = r.Attribution
	}
	if c.cfg.PublicURL != "" {
		data.ReportURL = strings.TrimRight(c.cfg.PublicURL, "/") + "/reports/" + strconv.FormatInt(r.ID, 10)
	}
	var title, body strings.Builder
	if err := c.tmpl.ExecuteTemplate(&title, "title", data); err != nil {
		return gh.CreateIssueRequest{}, fmt.Errorf("github: template title: %w", err)
	}
	if err := c.tmpl.ExecuteTemplate(&body, "body", data); err != nil {
		return gh.CreateIssueRequest{}, fmt.Errorf("github: template body: %w", err)
	}
	// The marker comes last, whatever the template; the summary's lines
	// are quoted, so a reporter cannot plant one.
	text := strings.TrimSpace(body.String()) + "\n\n" + marker(r.ID) + "\n"
	labels := slices.Clone(c.cfg.Labels)
	if r.Severity != nil && r.Severity.Rating != "" {
		labels = append(labels, "severity/"+strings.ToLower(r.Severity.Rating))
	}
	var assignees []string
	for _, email := range []string{r.Commander, r.Assignee} {
		if login := c.cfg.Logins[email]; email != "" && login != "" && !slices.Contains(assignees, login) {
			assignees = append(assignees, login)
		}
	}
	return gh.CreateIssueRequest{Title: issueTitle(title.String()), Body: &text, Labels: labels, Assignees: assignees}, nil
}

// titleMax is the longest title GitHub takes, in characters.
const titleMax = 256

// issueTitle is the template's title on one line, cut to titleMax
// characters with an ellipsis.
func issueTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= titleMax {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:titleMax-1])) + "…"
}

// summary is the report's text quoted, at most summaryMax bytes of it,
// made inert (see inert).
func summary(text string) string {
	text = strings.TrimSpace(text)
	cut := false
	if len(text) > summaryMax {
		text, cut = text[:summaryMax], true
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	if text == "" {
		return "_The report has no text._"
	}
	quoted := "> " + strings.ReplaceAll(inert(text), "\n", "\n> ")
	if cut {
		quoted += "…\n\n_Shortened: the whole report is in ward._"
	}
	return quoted
}

// inert is the reporter's text unable to act in GitHub's Markdown: an
// @mention notifies nobody (a zero-width joiner follows its @), HTML
// neither hides text in a comment nor loads anything (< is escaped), and
// an image is not fetched, which would tell the reporter's server who
// reads the issue and when (![ is escaped). The text reads the same.
func inert(text string) string {
	var b strings.Builder
	prev := ' '
	for i, r := range text {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '!' && strings.HasPrefix(text[i:], "!["):
			b.WriteString(`!\`)
		case r == '@' && !inWord(prev):
			b.WriteString("@\u200d")
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// inWord reports whether an @ after r is within a word, as in an address
// (rae@example.net), which GitHub does not take for a mention.
func inWord(r rune) bool {
	return r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
