package hackerone

import (
	"strings"
)

// cvssMetrics maps each CVSS 3 base metric to HackerOne's attribute and
// the words HackerOne uses for its values.
var cvssMetrics = []struct {
	metric string
	field  func(*SeverityAttributes) *string
	values map[string]string
}{
	{"AV", func(s *SeverityAttributes) *string { return &s.AttackVector }, map[string]string{"N": "network", "A": "adjacent", "L": "local", "P": "physical"}},
	{"AC", func(s *SeverityAttributes) *string { return &s.AttackComplexity }, map[string]string{"L": "low", "H": "high"}},
	{"PR", func(s *SeverityAttributes) *string { return &s.PrivilegesRequired }, map[string]string{"N": "none", "L": "low", "H": "high"}},
	{"UI", func(s *SeverityAttributes) *string { return &s.UserInteraction }, map[string]string{"N": "none", "R": "required"}},
	{"S", func(s *SeverityAttributes) *string { return &s.Scope }, map[string]string{"U": "unchanged", "C": "changed"}},
	{"C", func(s *SeverityAttributes) *string { return &s.Confidentiality }, map[string]string{"N": "none", "L": "low", "H": "high"}},
	{"I", func(s *SeverityAttributes) *string { return &s.Integrity }, map[string]string{"N": "none", "L": "low", "H": "high"}},
	{"A", func(s *SeverityAttributes) *string { return &s.Availability }, map[string]string{"N": "none", "L": "low", "H": "high"}},
}

// SeverityFromVector is the severity to send for ward's rating and CVSS
// vector: the rating in HackerOne's lower case, and the base metrics when
// the vector is CVSS 3.x (HackerOne's calculator knows no 4.0; a 4.0
// vector goes as its rating alone).
func SeverityFromVector(rating, vector string) SeverityAttributes {
	s := SeverityAttributes{Rating: strings.ToLower(rating)}
	if !strings.HasPrefix(vector, "CVSS:3.") {
		return s
	}
	parts := map[string]string{}
	for _, p := range strings.Split(vector, "/")[1:] {
		if k, v, ok := strings.Cut(p, ":"); ok {
			parts[k] = v
		}
	}
	for _, m := range cvssMetrics {
		*m.field(&s) = m.values[parts[m.metric]]
	}
	return s
}

// Vector is the CVSS 3.1 vector of HackerOne's metrics, or "" when any
// base metric is missing (a rating set by hand).
func (s SeverityAttributes) Vector() string {
	var b strings.Builder
	b.WriteString("CVSS:3.1")
	for _, m := range cvssMetrics {
		word := *m.field(&s)
		letter := ""
		for l, w := range m.values {
			if w == word {
				letter = l
			}
		}
		if letter == "" {
			return ""
		}
		b.WriteString("/" + m.metric + ":" + letter)
	}
	return b.String()
}
