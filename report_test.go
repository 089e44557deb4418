package ward_test

import (
	"net/url"
	"testing"

	"github.com/wardsec/ward"
)

func TestParseReportQuery(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  ward.ReportFilter
		code  string
	}{
		{"view=triage&severity=High&q=token+leak", ward.ReportFilter{View: "triage", Rating: "High", Query: "token leak"}, ""},
		{"state=new&source=web&assignee=a@example.org&label=xss", ward.ReportFilter{State: "new", Source: "web", Assignee: "a@example.org", Label: "xss"}, ""},
		{"", ward.ReportFilter{}, ""},
		{"view=nope", ward.ReportFilter{}, ward.EINVALID},
		{"source=fax", ward.ReportFilter{}, ward.EINVALID},
		{"severity=severe", ward.ReportFilter{}, ward.EINVALID},
		{"colour=red", ward.ReportFilter{}, ward.EINVALID},
		{"state=new&state=triaged", ward.ReportFilter{}, ward.EINVALID},
		{"label=%1b%5b31m", ward.ReportFilter{}, ward.EINVALID},
		{"before=3", ward.ReportFilter{}, ward.EINVALID}, // paging is the list's, not a filter's
	} {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ward.ParseReportQuery(q)
		if ward.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
			t.Errorf("%q: %v, want code %q", tt.query, err, tt.code)
		}
		if err == nil && got != tt.want {
			t.Errorf("%q = %+v, want %+v", tt.query, got, tt.want)
		}
	}
}

func TestParseSavedReportQuery(t *testing.T) {
	got, err := ward.ParseSavedReportQuery("view=triage&source=web", url.Values{"source": {"email"}, "q": {"x"}})
	if err != nil || got != (ward.ReportFilter{View: "triage", Source: "email", Query: "x"}) {
		t.Errorf("merged = %+v, %v", got, err)
	}
	if _, err := ward.ParseSavedReportQuery("%zz", nil); err == nil || ward.ErrorCode(err) != ward.EINTERNAL {
		t.Errorf("a corrupt saved query: %v, want an internal error", err)
	}
}

// Whatever a query string holds, parsing it either refuses it or gives a
// filter that its own canonical encoding parses to again.
func FuzzParseReportQuery(f *testing.F) {
	for _, s := range []string{"view=triage", "q=%22a%22+OR+b&severity=low", "state=new&state=new", "a=b", "label=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, err := ward.ParseReportQuery(q)
		if err != nil {
			if ward.ErrorCode(err) != ward.EINVALID {
				t.Fatalf("%q: %v, want EINVALID", raw, err)
			}
			return
		}
		again := url.Values{}
		for key, v := range map[string]string{"view": got.View, "state": got.State, "source": got.Source, "assignee": got.Assignee,
			"label": got.Label, "severity": got.Rating, "q": got.Query} {
			if v != "" || q.Has(key) {
				again.Set(key, v)
			}
		}
		if round, err := ward.ParseReportQuery(again); err != nil || round != got {
			t.Fatalf("%q: %+v, then %+v, %v", raw, got, round, err)
		}
	})
}
