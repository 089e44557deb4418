// Package cvss computes a report's severity from a CVSS v3.0, v3.1 or v4.0
// vector.
//
// The scores come from github.com/pandatix/go-cvss, an implementation of
// FIRST's specifications whose scores our tests compare with FIRST's. This
// package wraps it for two reasons: to give every version one Severity (the 3.x base
// score, the 4.0 score of the whole vector, and a rating), and to check the
// vector itself first, because go-cvss refuses a bad value or a missing or
// misplaced 4.0 metric with errors that do not say which metric is wrong,
// and a user fixing a vector needs to know.
package cvss

import (
	"fmt"
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/wardsec/ward"
)

// Severity is the domain's: what a vector computes to.
type Severity = ward.Severity

// Parse computes the severity of a vector: for CVSS 3.0 and 3.1 the base
// score (temporal and environmental metrics are checked but do not change
// it), for CVSS 4.0 the score of the whole vector, threat and environmental
// metrics included, as FIRST's calculators show them.
//
// An invalid vector returns a *ward.Error with code ward.EINVALID whose
// message names the bad metric, e.g. `vector: metric "AV" has no value "Q";
// want one of N, A, L, P`. Any other error is a bug: go-cvss refused a vector
// that passed our checks.
func Parse(vector string) (Severity, error) {
	vector = strings.TrimSpace(vector)
	v, err := check(vector)
	if err != nil {
		return Severity{}, err
	}
	score, rating, err := v.score(vector)
	if err != nil {
		return Severity{}, fmt.Errorf("score CVSS %s vector %q: %w", v.name, vector, err)
	}
	return Severity{
		Vector:  vector,
		Version: v.name,
		Score:   score,
		// go-cvss spells ratings in capitals; FIRST's calculators and our
		// users write "Critical".
		Rating: rating[:1] + strings.ToLower(rating[1:]),
	}, nil
}

func score30(vector string) (float64, string, error) {
	c, err := gocvss30.ParseVector(vector)
	if err != nil {
		return 0, "", err
	}
	score := c.BaseScore()
	rating, err := gocvss30.Rating(score)
	return score, rating, err
}

func score31(vector string) (float64, string, error) {
	c, err := gocvss31.ParseVector(vector)
	if err != nil {
		return 0, "", err
	}
	score := c.BaseScore()
	rating, err := gocvss31.Rating(score)
	return score, rating, err
}

func score40(vector string) (float64, string, error) {
	c, err := gocvss40.ParseVector(vector)
	if err != nil {
		return 0, "", err
	}
	score := c.Score()
	rating, err := gocvss40.Rating(score)
	return score, rating, err
}

// check returns the version of a trimmed vector, or a ward.EINVALID error
// naming what is wrong with it. It accepts exactly what go-cvss accepts
// (FuzzParse and TestParseAgreesWithGoCVSS hold it to that) so that its
// message, not go-cvss's, is the one users see.
func check(vector string) (*version, error) {
	if vector == "" {
		return nil, invalid("is empty; want e.g. %q", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	}
	parts := strings.Split(vector, "/")
	prefix := parts[0]
	v, err := versionOf(prefix)
	if err != nil {
		return nil, err
	}

	seen := make([]bool, len(v.metrics))
	last := -1 // index in v.metrics of the last metric read, for 4.0's order
	for i, part := range parts[1:] {
		if part == "" {
			if i == len(parts)-2 {
				return nil, invalid("trailing \"/\" after %.16q", parts[i])
			}
			return nil, invalid("empty metric between %.16q and %.16q", parts[i], parts[i+2])
		}
		name, value, hasValue := strings.Cut(part, ":")
		m := v.index(name)
		if m < 0 {
			return nil, v.unknown(name, hasValue)
		}
		def := v.metrics[m]
		switch {
		case seen[m]:
			return nil, invalid("metric %q appears more than once", name)
		case v.ordered && m < last:
			return nil, invalid("metric %q must come before %q: CVSS %s fixes the order of metrics", name, v.metrics[last].name, v.name)
		case !hasValue || value == "":
			return nil, invalid("metric %q has no value; want one of %s", name, strings.Join(def.values, ", "))
		case !def.allows(value):
			return nil, def.badValue(value)
		}
		seen[m] = true
		last = m
	}
	for m, def := range v.metrics {
		if def.mandatory && !seen[m] {
			return nil, invalid("metric %q is missing", def.name)
		}
	}
	return v, nil
}

// versionOf returns the version that a vector's first part names.
func versionOf(prefix string) (*version, error) {
	const cvss = "CVSS:"
	switch {
	case strings.HasPrefix(prefix, cvss):
		for _, v := range versions {
			if prefix[len(cvss):] == v.name {
				return v, nil
			}
		}
		return nil, invalid("unknown version prefix %.16q; want CVSS:3.0, CVSS:3.1 or CVSS:4.0", prefix)
	case len(prefix) >= len(cvss) && strings.EqualFold(prefix[:len(cvss)], cvss):
		return nil, invalid("prefix %.16q must be written in capitals, %.16q", prefix, strings.ToUpper(prefix))
	default:
		return nil, invalid("has no \"CVSS:\" prefix; add the version in front, e.g. \"CVSS:3.1/\" or \"CVSS:4.0/\"")
	}
}

func invalid(format string, args ...any) *ward.Error {
	return ward.Errorf(ward.EINVALID, "vector: "+format, args...)
}

// A version is what one CVSS specification says a vector holds.
type version struct {
	name    string   // as in the prefix: "3.1" for "CVSS:3.1"
	family  string   // the versions with the same metrics: "3.x" or "4.0"
	metrics []metric // in the specification's order
	ordered bool     // 4.0 fixes the order of metrics; 3.x takes any order
	score   func(vector string) (score float64, rating string, err error)
}

// A metric is one metric of a version: its abbreviation and its values, in
// the specification's order, and whether every vector must have it.
type metric struct {
	name      string
	values    []string
	mandatory bool
}

// index returns the index in v.metrics of the metric called name, or -1.
func (v *version) index(name string) int {
	for i, m := range v.metrics {
		if m.name == name {
			return i
		}
	}
	return -1
}

// unknown is the error for a name that is not one of v's metrics.
func (v *version) unknown(name string, hasValue bool) error {
	if m := v.index(strings.ToUpper(name)); m >= 0 {
		return invalid("metric %.16q must be written %q", name, v.metrics[m].name)
	}
	for _, other := range versions {
		if other.index(name) >= 0 {
			return invalid("metric %q is not part of CVSS %s but of CVSS %s", name, v.name, other.family)
		}
	}
	if !hasValue {
		return invalid("%.16q is not a metric; want NAME:VALUE, e.g. \"AV:N\"", name)
	}
	return invalid("unknown metric %.16q in CVSS %s", name, v.name)
}

func (m metric) allows(value string) bool {
	for _, v := range m.values {
		if v == value {
			return true
		}
	}
	return false
}

// badValue is the error for a value that m does not allow.
func (m metric) badValue(value string) error {
	for _, v := range m.values {
		if strings.EqualFold(v, value) {
			return invalid("metric %q has no value %.16q; values are case-sensitive: want %q", m.name, value, v)
		}
	}
	return invalid("metric %q has no value %.16q; want one of %s", m.name, value, strings.Join(m.values, ", "))
}

// versions are the CVSS versions that Parse reads.
var versions = []*version{
	{name: "3.0", family: "3.x", metrics: metrics3, score: score30},
	{name: "3.1", family: "3.x", metrics: metrics3, score: score31},
	{name: "4.0", family: "4.0", metrics: metrics40, score: score40, ordered: true},
}

// metrics3 are the metrics of CVSS 3.0 and 3.1, which have the same ones:
// 3.1 specification, section 6, table 15.
var metrics3 = []metric{
	// Base
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "R"}, true},
	{"S", []string{"U", "C"}, true},
	{"C", []string{"H", "L", "N"}, true},
	{"I", []string{"H", "L", "N"}, true},
	{"A", []string{"H", "L", "N"}, true},
	// Temporal
	{"E", []string{"X", "H", "F", "P", "U"}, false},
	{"RL", []string{"X", "U", "W", "T", "O"}, false},
	{"RC", []string{"X", "C", "R", "U"}, false},
	// Environmental
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "R"}, false},
	{"MS", []string{"X", "U", "C"}, false},
	{"MC", []string{"X", "H", "L", "N"}, false},
	{"MI", []string{"X", "H", "L", "N"}, false},
	{"MA", []string{"X", "H", "L", "N"}, false},
}

// metrics40 are the metrics of CVSS 4.0 in the order that a vector must
// give them: 4.0 specification, section 7 (Vector String).
var metrics40 = []metric{
	// Base
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"AT", []string{"N", "P"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "P", "A"}, true},
	{"VC", []string{"H", "L", "N"}, true},
	{"VI", []string{"H", "L", "N"}, true},
	{"VA", []string{"H", "L", "N"}, true},
	{"SC", []string{"H", "L", "N"}, true},
	{"SI", []string{"H", "L", "N"}, true},
	{"SA", []string{"H", "L", "N"}, true},
	// Threat
	{"E", []string{"X", "A", "P", "U"}, false},
	// Environmental
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MAT", []string{"X", "N", "P"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "P", "A"}, false},
	{"MVC", []string{"X", "H", "L", "N"}, false},
	{"MVI", []string{"X", "H", "L", "N"}, false},
	{"MVA", []string{"X", "H", "L", "N"}, false},
	{"MSC", []string{"X", "H", "L", "N"}, false},
	{"MSI", []string{"X", "S", "H", "L", "N"}, false},
	{"MSA", []string{"X", "S", "H", "L", "N"}, false},
	// Supplemental
	{"S", []string{"X", "N", "P"}, false},
	{"AU", []string{"X", "N", "Y"}, false},
	{"R", []string{"X", "A", "U", "I"}, false},
	{"V", []string{"X", "D", "C"}, false},
	{"RE", []string{"X", "L", "M", "H"}, false},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}, false},
}
