package server

import (
	"net/url"
	"strings"

	"github.com/wardsec/ward"
)

// cvssMetric is one CVSS 3.1 base metric as the report page's calculator
// offers it, with the value the report's vector holds, if any.
type cvssMetric struct {
	Key, Name string
	Values    []cvssValue
	Chosen    string
}

type cvssValue struct{ Key, Name string }

// cvss31Base are CVSS 3.1's base metrics in vector order, as FIRST's
// calculator names them. Scores are the cvss package's, from the vector.
var cvss31Base = []cvssMetric{
	{Key: "AV", Name: "Attack vector", Values: []cvssValue{{"N", "Network"}, {"A", "Adjacent"}, {"L", "Local"}, {"P", "Physical"}}},
	{Key: "AC", Name: "Attack complexity", Values: []cvssValue{{"L", "Low"}, {"H", "High"}}},
	{Key: "PR", Name: "Privileges required", Values: []cvssValue{{"N", "None"}, {"L", "Low"}, {"H", "High"}}},
	{Key: "UI", Name: "User interaction", Values: []cvssValue{{"N", "None"}, {"R", "Required"}}},
	{Key: "S", Name: "Scope", Values: []cvssValue{{"U", "Unchanged"}, {"C", "Changed"}}},
	{Key: "C", Name: "Confidentiality", Values: []cvssValue{{"H", "High"}, {"L", "Low"}, {"N", "None"}}},
	{Key: "I", Name: "Integrity", Values: []cvssValue{{"H", "High"}, {"L", "Low"}, {"N", "None"}}},
	{Key: "A", Name: "Availability", Values: []cvssValue{{"H", "High"}, {"L", "Low"}, {"N", "None"}}},
}

// cvssMetrics returns the calculator's metrics, chosen as the severity's
// vector has them when it is a CVSS 3.1 one.
func cvssMetrics(sev *ward.Severity) []cvssMetric {
	chosen := map[string]string{}
	if sev != nil && strings.HasPrefix(sev.Vector, "CVSS:3.1/") {
		for _, part := range strings.Split(strings.TrimPrefix(sev.Vector, "CVSS:3.1/"), "/") {
			if k, v, ok := strings.Cut(part, ":"); ok {
				chosen[k] = v
			}
		}
	}
	out := make([]cvssMetric, len(cvss31Base))
	for i, m := range cvss31Base {
		m.Chosen = chosen[m.Key]
		out[i] = m
	}
	return out
}

// cvssFromForm is the vector a form sends: the one pasted into vector,
// else one built from the calculator's metrics (cvss_AV, cvss_AC…), else
// "". Half a calculator is refused, naming the first metric missing; the
// values themselves are checked by the cvss package when scored.
func cvssFromForm(f url.Values) (string, error) {
	if v := strings.TrimSpace(f.Get("vector")); v != "" {
		return v, nil
	}
	parts := []string{"CVSS:3.1"}
	missing := ""
	for _, m := range cvss31Base {
		v := f.Get("cvss_" + m.Key)
		if v == "" {
			if missing == "" {
				missing = m.Name
			}
			continue
		}
		parts = append(parts, m.Key+":"+v)
	}
	switch {
	case len(parts) == 1:
		return "", nil
	case missing != "":
		return "", ward.Errorf(ward.EINVALID, "vector: choose every metric of the calculator (%s is not chosen) or paste a vector", strings.ToLower(missing))
	}
	return strings.Join(parts, "/"), nil
}
