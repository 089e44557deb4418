package hackerone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testUser  = "ward-api-token"
	testToken = "Ke+2jinhe5jM87P95aAVOz7L3ZWrtSiERtyOkkh5tEQ="
)

// exchange is one request the replay server expects and its answer.
type exchange struct {
	method, path string
	query        map[string]string // parameters that must be present with these values
	request      string            // fixture the JSON body must equal; "" for none
	status       int
	response     string // fixture served, "" for an empty body
	header       http.Header
}

// replay serves the exchanges, in any order, each as often as asked,
// failing the test on a request it does not expect, on wrong Basic
// credentials, and on a body that differs from the fixture's.
func replay(t *testing.T, exchanges ...exchange) (*httptest.Server, *Client) {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != testUser || pass != testToken {
			t.Errorf("%s %s: Basic auth %q/%q, want the token's", r.Method, r.URL.Path, user, pass)
		}
		for _, x := range exchanges {
			if x.method != r.Method || "/v1"+x.path != r.URL.Path || !queryMatches(r, x.query) {
				continue
			}
			if x.request != "" {
				got, _ := io.ReadAll(r.Body)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s %s: Content-Type %q", r.Method, r.URL.Path, ct)
				}
				assertJSONEqual(t, r.Method+" "+r.URL.Path, got, fixture(t, x.request, ""))
			}
			for k, v := range x.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(x.status)
			if x.response != "" {
				w.Write(fixture(t, x.response, srv.URL+"/v1"))
			}
			return
		}
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{APIURL: srv.URL + "/v1", Username: testUser, Token: testToken, Program: "security", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func queryMatches(r *http.Request, want map[string]string) bool {
	for k, v := range want {
		if r.URL.Query().Get(k) != v {
			return false
		}
	}
	return true
}

func fixture(t testing.TB, name, base string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("{{base}}"), []byte(base))
}

func assertJSONEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: body %q is not JSON: %v", what, got, err)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: fixture: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: sent %s\nwant %s", what, got, want)
	}
}

func TestReportsPagination(t *testing.T) {
	query := map[string]string{"page[number]": "1", "page[size]": "100",
		"filter[program][]": "security", "sort": "reports.last_activity_at", "filter[last_activity_at__gt]": "2016-02-01T00:00:00.000Z"}
	second := maps.Clone(query)
	second["page[number]"] = "2"
	_, c := replay(t,
		exchange{method: "GET", path: "/reports", query: query, status: 200, response: "reports_page1.json"},
		exchange{method: "GET", path: "/reports", query: second, status: 200, response: "reports_page2.json"},
	)
	ctx := context.Background()
	var ids []string
	for number := 1; ; number++ {
		page, err := c.Reports(ctx, time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC), number)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reports {
			ids = append(ids, r.ID)
			// The list includes neither; GET /reports/{id} does.
			if r.Relationships.Activities.Data != nil || r.Relationships.Attachments.Data != nil {
				t.Errorf("report %s of the list has activities or attachments", r.ID)
			}
		}
		if page.Next == "" {
			if number != 2 {
				t.Errorf("%d pages, want 2", number)
			}
			break
		}
	}
	if want := []string{"1337", "1338", "1339"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
}

func TestNextPageElsewhereRefused(t *testing.T) {
	_, c := replay(t)
	err := c.do(context.Background(), "GET", "https://evil.example/v1/me/programs?page%5Bnumber%5D=2", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("got %v, want the next page refused", err)
	}
}

func TestReportWithIncludes(t *testing.T) {
	_, c := replay(t, exchange{method: "GET", path: "/reports/1337", status: 200, response: "report.json"})
	r, err := c.Report(context.Background(), "1337")
	if err != nil {
		t.Fatal(err)
	}
	rel := r.Relationships
	got := []any{r.Attributes.Title, r.Attributes.State, rel.Reporter.Data.Login(), rel.Weakness.Data.Attributes.ExternalID,
		rel.Severity.Data.Attributes.Vector(), len(rel.Attachments.Data), rel.Attachments.Data[0].Attributes.FileSize,
		len(rel.Activities.Data), rel.Activities.Data[1].Attributes.Internal, rel.Activities.Data[0].Relationships.Actor.Data.Login()}
	want := []any{"XSS in login form", "triaged", "api-example", "cwe-79",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 1, int64(2871), 2, true, "triager-ana"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestWrites(t *testing.T) {
	_, c := replay(t,
		exchange{method: "POST", path: "/reports/215230/activities", request: "comment_request.json", status: 201, response: "comment_response.json"},
		exchange{method: "POST", path: "/reports/1337/state_changes", request: "state_change_request.json", status: 201, response: "state_change_response.json"},
		exchange{method: "POST", path: "/reports/200/severities", request: "severity_request.json", status: 200, response: "severity_response.json"},
		exchange{method: "POST", path: "/reports/200/bounties", request: "bounty_request.json", status: 201, response: "bounty_response.json"},
		exchange{method: "POST", path: "/reports/200/disclosure_requests", request: "disclosure_request.json", status: 201, response: "report.json"},
	)
	ctx := context.Background()
	t.Run("comment", func(t *testing.T) {
		a, err := c.Comment(ctx, "215230", "I am an internal comment", true)
		if err != nil || a.ID != "1854710" || a.Relationships.Actor.Data.Login() != testUser {
			t.Errorf("got %+v, %v", a, err)
		}
	})
	t.Run("state change", func(t *testing.T) {
		r, err := c.ChangeState(ctx, "1337", StateChange{State: StateDuplicate, Message: "This was reported before.", OriginalReportID: "1336"})
		if err != nil || r.Attributes.State != "duplicate" || r.Relationships.Activities.Data[0].ID != "1546400" {
			t.Errorf("got %+v, %v", r, err)
		}
	})
	t.Run("severity", func(t *testing.T) {
		s, err := c.SetSeverity(ctx, "200", SeverityFromVector("High", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"))
		if err != nil || s.ID != "668494" {
			t.Errorf("got %+v, %v", s, err)
		}
	})
	t.Run("bounty", func(t *testing.T) {
		b, err := c.AwardBounty(ctx, "200", BountyAward{Amount: 133000, BonusAmount: 700, Message: "Thanks for the great report!"})
		if err != nil || b.Attributes.AwardedCurrency != "USD" {
			t.Errorf("got %+v, %v", b, err)
		}
	})
	t.Run("disclosure", func(t *testing.T) {
		if err := c.RequestDisclosure(ctx, "200", DisclosureFull); err != nil {
			t.Error(err)
		}
	})
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		fixture   string
		header    http.Header
		message   string
		temporary bool
		retry     time.Duration
	}{
		{401, "error_401.json", nil, "Unauthorized: The API token identifier or value is invalid.", false, 0},
		{403, "error_403.json", nil, "", false, 0},
		{404, "error_404.json", nil, "Not Found: The requested resource could not be found.", false, 0},
		{422, "error_422.json", nil, "Invalid Parameter: The parameter 'state' is invalid.", false, 0},
		{429, "error_429.json", http.Header{"Retry-After": {"30"}}, "Too Many Requests: You have exceeded the rate limit.", true, 30 * time.Second},
		{502, "", nil, "", true, 0},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			_, c := replay(t, exchange{method: "POST", path: "/reports/1337/state_changes", request: "state_change_request.json",
				status: tc.status, response: tc.fixture, header: tc.header})
			_, err := c.ChangeState(context.Background(), "1337", StateChange{State: StateDuplicate, Message: "This was reported before.", OriginalReportID: "1336"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Status != tc.status || e.Message() != tc.message || e.Temporary() != tc.temporary || RetryAfter(err) != tc.retry {
				t.Errorf("got status %d, message %q, temporary %v, retry after %s", e.Status, e.Message(), e.Temporary(), RetryAfter(err))
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the error %q holds the token", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	_, c := replay(t, exchange{method: "GET", path: "/me/programs", status: 200, response: "me_programs.json"})
	if err := c.Check(context.Background()); err != nil {
		t.Errorf("check: %v", err)
	}
	other, err := New(Config{APIURL: c.base.String(), Username: testUser, Token: testToken, Program: "acme", HTTP: c.http})
	if err != nil {
		t.Fatal(err)
	}
	err = other.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), `does not reach the programme "acme"; it reaches github, security`) {
		t.Errorf("got %v, want the programme named as unreachable", err)
	}
	_, bad := replay(t, exchange{method: "GET", path: "/me/programs", status: 401, response: "error_401.json"})
	if err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want the 401", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, cfg := range []Config{
		{APIURL: "http://api.example/v1", Username: "u", Token: testToken, Program: "p"},
		{Username: "", Token: testToken, Program: "p"},
		{Username: "u", Token: "", Program: "p"},
		{Username: "u", Token: testToken},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) passed", cfg)
		} else if strings.Contains(err.Error(), testToken) {
			t.Errorf("error %q repeats the token", err)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"1330.00": 133000, "7": 700, "0.5": 50, "": 0, "12.345": 1234} {
		if got, err := ParseAmount(in); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseAmount("-1"); err == nil {
		t.Error("a negative amount passed")
	}
}
