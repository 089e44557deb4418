package cvss_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
)

// testdata is the folder of FIRST's data, shared by the projects that use it.
const testdata = "../../shared/testdata/cvss/"

// row is one line of cvss31-all-base.tsv.
type row struct {
	vector string
	score  float64
	rating string
}

// readAllBase31 reads every CVSS 3.1 base vector with FIRST's score and
// rating. It returns an error wrapping os.ErrNotExist if the file is absent.
func readAllBase31() ([]row, error) {
	f, err := os.Open(testdata + "cvss31-all-base.tsv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []row
	s := bufio.NewScanner(f)
	for line := 1; s.Scan(); line++ {
		fields := strings.Split(s.Text(), "\t")
		if line == 1 {
			if len(fields) < 3 || fields[0] != "vector" || fields[1] != "score" || fields[2] != "severity" {
				return nil, fmt.Errorf("line 1: header %q, want vector, score, severity first", fields)
			}
			continue
		}
		if len(fields) < 3 {
			return nil, fmt.Errorf("line %d: %d fields, want at least 3", line, len(fields))
		}
		score, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, row{fields[0], score, fields[2]})
	}
	return rows, s.Err()
}

func TestParseAllBase31(t *testing.T) {
	rows, err := readAllBase31()
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no FIRST scores to compare with: %v (shared/ sits beside the repository)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Every combination of the eight base metrics: 4·2·3·2·2·3·3·3.
	if len(rows) != 2592 {
		t.Fatalf("read %d vectors, want all 2592 base vectors", len(rows))
	}
	for _, r := range rows {
		want := cvss.Severity{Vector: r.vector, Version: "3.1", Score: r.score, Rating: r.rating}
		got, err := cvss.Parse(r.vector)
		if err != nil {
			t.Errorf("Parse(%q): %v", r.vector, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", r.vector, diff)
		}

		// CVSS 3.0 has the same base metrics and equations; only its
		// Roundup is naive (FIRST's 3.0 calculator takes Math.ceil(x*10)/10).
		// Computed that way, all 2592 base vectors give the 3.1 scores, so
		// 3.0 must too.
		v30 := "CVSS:3.0/" + strings.TrimPrefix(r.vector, "CVSS:3.1/")
		want = cvss.Severity{Vector: v30, Version: "3.0", Score: r.score, Rating: r.rating}
		got, err = cvss.Parse(v30)
		if err != nil {
			t.Errorf("Parse(%q): %v", v30, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", v30, diff)
		}
	}
}

// examples3 are the vectors of FIRST's CVSS v3.1 examples document (the
// v3.0 one has the same vulnerabilities, vectors and base scores).
var examples3 = []struct {
	name   string
	base   string // without the CVSS:3.x/ prefix
	score  float64
	rating string
}{
	{"CVE-2013-1937 phpMyAdmin reflected XSS", "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "Medium"},
	{"CVE-2013-0375 MySQL stored SQL injection", "AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "Medium"},
	{"CVE-2014-3566 SSLv3 POODLE", "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "Low"},
	{"CVE-2012-1516 VMware guest to host escape", "AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "Critical"},
	{"CVE-2009-0783 Apache Tomcat XML parser", "AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, "Medium"},
	{"CVE-2012-0384 Cisco IOS arbitrary command execution", "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "High"},
	{"CVE-2015-1098 Apple iWork denial of service", "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, "High"},
	{"CVE-2014-0160 OpenSSL Heartbleed", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "High"},
	{"CVE-2014-6271 GNU Bash Shellshock", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"},
	{"CVE-2008-1447 DNS kaminsky bug", "AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, "Medium"},
	{"CVE-2014-2005 Sophos login screen bypass", "AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, "Medium"},
	{"CVE-2010-0467 Joomla directory traversal", "AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, "Medium"},
	{"CVE-2014-0224 OpenSSL CCS injection", "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, "High"},
	{"CVE-2012-5376 Google Chrome sandbox bypass", "AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, "Critical"},
	{"CVE-2016-0128 Windows SAM and LSAD Badlock", "AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5, "High"},
	{"CVE-2011-1265 Microsoft Windows Bluetooth stack", "AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, "High"},
	{"CVE-2014-2019 Apple iOS security control bypass", "AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6, "Medium"},
	{"no impact", "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "None"},
}

func TestParseExamples3(t *testing.T) {
	for _, version := range []string{"3.0", "3.1"} {
		for _, ex := range examples3 {
			t.Run(version+"/"+ex.name, func(t *testing.T) {
				vector := "CVSS:" + version + "/" + ex.base
				want := cvss.Severity{Vector: vector, Version: version, Score: ex.score, Rating: ex.rating}
				got, err := cvss.Parse(vector)
				if err != nil {
					t.Fatalf("Parse(%q): %v", vector, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Parse(%q) mismatch (-want +got):\n%s", vector, diff)
				}
			})
		}
	}
}

// examples40 are CVSS 4.0 vectors with the scores of FIRST's calculator, as
// github.com/pandatix/go-cvss v0.6.4 keeps them in 40/cvss40_test.go
// (TestScore; its issue-292 cases were reported as the official
// calculator's scores that go-cvss then fixed itself to match).
var examples40 = []struct {
	name   string
	vector string
	score  float64
	rating string
}{
	{"full impact", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, "Critical"},
	{"no impact", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, "None"},
	{"full system, no subsequent", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "Critical"},
	{"no system, full subsequent", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 7.9, "High"},
	{"threat lowers the score", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", 9.1, "Critical"},
	{"environmental", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVI:L/MSA:S", 9.8, "Critical"},
	{"smallest", "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, "Low"},
	{"clement B", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L", 5.2, "Medium"},
	{"clement BTE", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber", 4.7, "Medium"},
	{"EQ3 EQ6 depth", "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L", 5.8, "Medium"},
	{"issue 292 case 1", "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:P/CR:X/IR:M/AR:X/MAV:N/MAC:H/MAT:X/MPR:L/MUI:X/MVC:L/MVI:N/MVA:H/MSC:L/MSI:S/MSA:S", 7.4, "High"},
	{"issue 292 case 2", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:X/CR:H/IR:M/AR:L/MAV:P/MAC:H/MAT:X/MPR:N/MUI:P/MVC:N/MVI:H/MVA:N/MSC:N/MSI:X/MSA:S/S:P/AU:X/R:A/V:X/RE:M/U:Amber", 5.4, "Medium"},
	{"issue 292 case 3", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:P/VC:H/VI:N/VA:L/SC:H/SI:N/SA:L/E:X/CR:M/IR:H/AR:H/MAV:N/MAC:X/MAT:N/MPR:N/MUI:A/MVC:N/MVI:X/MVA:N/MSC:N/MSI:X/MSA:N", 0.0, "None"},
	{"issue 292 case 4", "CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:L/E:P/CR:X/IR:L/AR:M/MAV:X/MAC:X/MAT:N/MPR:L/MUI:X/MVC:X/MVI:N/MVA:N/MSC:X/MSI:N/MSA:N/S:P/AU:X/R:A/V:X/RE:M/U:Clear", 0.0, "None"},
	// No impact on either system scores 0 whatever else the vector says:
	// the 4.0 specification's rule, which FIRST's calculator applies first.
	{"local, no impact", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, "None"},
}

func TestParseExamples40(t *testing.T) {
	for _, ex := range examples40 {
		t.Run(ex.name, func(t *testing.T) {
			want := cvss.Severity{Vector: ex.vector, Version: "4.0", Score: ex.score, Rating: ex.rating}
			got, err := cvss.Parse(ex.vector)
			if err != nil {
				t.Fatalf("Parse(%q): %v", ex.vector, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", ex.vector, diff)
			}
		})
	}
}

func TestParseKeepsVectorAsWritten(t *testing.T) {
	tests := []struct {
		name, vector string
		want         cvss.Severity
	}{{
		name:   "surrounding space is trimmed",
		vector: " \tCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\r\n",
		want:   cvss.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Version: "3.1", Score: 9.8, Rating: "Critical"},
	}, {
		// 3.1 specification, section 6: programs must accept metrics in
		// any order.
		name:   "3.1 in any order",
		vector: "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
		want:   cvss.Severity{Vector: "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", Version: "3.1", Score: 9.8, Rating: "Critical"},
	}, {
		// The 3.x score is the base score: FIRST's calculator shows 8.2 as
		// the temporal score of this vector and 9.8 as its base score.
		name:   "3.1 temporal metrics leave the base score",
		vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U",
		want:   cvss.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U", Version: "3.1", Score: 9.8, Rating: "Critical"},
	}, {
		name:   "3.1 environmental metrics leave the base score",
		vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:L/IR:L/AR:L/MAV:P/MC:N/MI:N/MA:N",
		want:   cvss.Severity{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:L/IR:L/AR:L/MAV:P/MC:N/MI:N/MA:N", Version: "3.1", Score: 9.8, Rating: "Critical"},
	}, {
		name:   "explicit Not Defined values",
		vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:X/RL:X/RC:X/CR:X",
		want:   cvss.Severity{Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:X/RL:X/RC:X/CR:X", Version: "3.0", Score: 7.5, Rating: "High"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cvss.Parse(tt.vector)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.vector, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.vector, diff)
			}
		})
	}
}

func TestSeverityJSON(t *testing.T) {
	s, err := cvss.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","version":"3.1","score":9.8,"rating":"Critical"}`
	if string(got) != want {
		t.Errorf("json.Marshal(%+v) = %s, want %s", s, got, want)
	}
}

// schema is the little of FIRST's JSON schemas that a Severity maps to:
// version, vectorString, baseScore and baseSeverity.
type schema struct {
	Definitions map[string]schemaType `json:"definitions"`
	Properties  map[string]schemaType `json:"properties"`
	Required    []string              `json:"required"`
	AllOf       []struct {
		AnyOf []schemaAlt `json:"anyOf"`
	} `json:"allOf"`
}

// schemaAlt is one alternative of an anyOf.
type schemaAlt struct {
	Properties map[string]schemaType `json:"properties"`
}

type schemaType struct {
	Ref        string   `json:"$ref"`
	Enum       []any    `json:"enum"`
	Const      string   `json:"const"`
	Pattern    string   `json:"pattern"`
	Minimum    *float64 `json:"minimum"`
	Maximum    *float64 `json:"maximum"`
	MultipleOf float64  `json:"multipleOf"`
}

func readSchema(t *testing.T, name string) schema {
	t.Helper()
	b, err := os.ReadFile(testdata + name)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no FIRST schema to check against: %v (shared/ sits beside the repository)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var s schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// resolve follows a "#/definitions/..." reference.
func (s schema) resolve(t *testing.T, typ schemaType) schemaType {
	t.Helper()
	if typ.Ref == "" {
		return typ
	}
	def, ok := s.Definitions[strings.TrimPrefix(typ.Ref, "#/definitions/")]
	if !ok {
		t.Fatalf("schema has no definition for %q", typ.Ref)
	}
	return def
}

// errs returns why v does not fit typ, for the keywords that FIRST's
// schemas use on the fields a Severity maps to.
func (typ schemaType) errs(v any) []string {
	var errs []string
	if typ.Enum != nil && !contains(typ.Enum, v) {
		errs = append(errs, fmt.Sprintf("%v is not one of %v", v, typ.Enum))
	}
	if typ.Const != "" && v != typ.Const {
		errs = append(errs, fmt.Sprintf("%v is not %q", v, typ.Const))
	}
	if s, ok := v.(string); ok && typ.Pattern != "" && !regexp.MustCompile(typ.Pattern).MatchString(s) {
		errs = append(errs, fmt.Sprintf("%q does not match %s", s, typ.Pattern))
	}
	if f, ok := v.(float64); ok {
		if typ.Minimum != nil && f < *typ.Minimum {
			errs = append(errs, fmt.Sprintf("%v is below the minimum %v", f, *typ.Minimum))
		}
		if typ.Maximum != nil && f > *typ.Maximum {
			errs = append(errs, fmt.Sprintf("%v is above the maximum %v", f, *typ.Maximum))
		}
		if q := f / typ.MultipleOf; typ.MultipleOf != 0 && math.Abs(q-math.Round(q)) > 1e-9 {
			errs = append(errs, fmt.Sprintf("%v is not a multiple of %v", f, typ.MultipleOf))
		}
	}
	return errs
}

func contains(values []any, v any) bool {
	for _, e := range values {
		if e == v {
			return true
		}
	}
	return false
}

// fields maps a Severity to the fields of FIRST's schemas. The schemas spell
// ratings in capitals.
func fields(s cvss.Severity) map[string]any {
	return map[string]any{
		"version":      s.Version,
		"vectorString": s.Vector,
		"baseScore":    s.Score,
		"baseSeverity": strings.ToUpper(s.Rating),
	}
}

func TestParseFitsFIRSTSchemas(t *testing.T) {
	tests := []struct {
		schema  string
		vectors []string
	}{{
		schema: "first-cvss-v3.1.json",
		vectors: []string{
			"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
			"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
			"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L",
			"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
			"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
			"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:U/MAV:L",
		},
	}, {
		schema: "first-cvss-v4.0.json",
		vectors: []string{
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
			"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
			"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L",
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H",
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			s := readSchema(t, tt.schema)
			for _, name := range s.Required {
				if _, ok := fields(cvss.Severity{})[name]; !ok {
					t.Errorf("schema requires %q, which a Severity does not give", name)
				}
			}
			for _, vector := range tt.vectors {
				sev, err := cvss.Parse(vector)
				if err != nil {
					t.Errorf("Parse(%q): %v", vector, err)
					continue
				}
				got := fields(sev)
				for name, v := range got {
					for _, e := range s.resolve(t, s.Properties[name]).errs(v) {
						t.Errorf("Parse(%q): %s: %s", vector, name, e)
					}
				}
				// The 4.0 schema also ties each score band to its rating.
				for _, group := range s.AllOf {
					if !s.fitsOneOf(t, group.AnyOf, got) {
						t.Errorf("Parse(%q) = %v, %v: no score band of the schema has that rating", vector, sev.Score, sev.Rating)
					}
				}
			}
		})
	}
}

// fitsOneOf reports whether got fits one of the alternatives of an anyOf.
// An anyOf about fields that a Severity does not map to (the threat and
// environmental scores of the 4.0 schema) does not constrain it and fits.
func (s schema) fitsOneOf(t *testing.T, alts []schemaAlt, got map[string]any) bool {
	t.Helper()
	constrained := false
	for _, alt := range alts {
		var errs []string
		for name, typ := range alt.Properties {
			if v, ok := got[name]; ok {
				constrained = true
				errs = append(errs, s.resolve(t, typ).errs(v)...)
			}
		}
		if constrained && len(errs) == 0 {
			return true
		}
	}
	return !constrained
}

func TestParseInvalid(t *testing.T) {
	const (
		base31 = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
		base40 = "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	)
	// Each message names the metric, or the prefix, at fault.
	tests := []struct {
		name, vector, want string
	}{
		{"empty", "", `vector: is empty; want e.g. "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"`},
		{"blank", " \t\n", `vector: is empty; want e.g. "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"`},
		{"garbage", "not a vector", `vector: has no "CVSS:" prefix; add the version in front, e.g. "CVSS:3.1/" or "CVSS:4.0/"`},
		{"no prefix", base31, `vector: has no "CVSS:" prefix; add the version in front, e.g. "CVSS:3.1/" or "CVSS:4.0/"`},
		{"CVSS 2 vector", "AV:N/AC:L/Au:N/C:P/I:P/A:P", `vector: has no "CVSS:" prefix; add the version in front, e.g. "CVSS:3.1/" or "CVSS:4.0/"`},
		{"leading slash", "/CVSS:3.1/" + base31, `vector: has no "CVSS:" prefix; add the version in front, e.g. "CVSS:3.1/" or "CVSS:4.0/"`},
		{"version 2.0", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", `vector: unknown version prefix "CVSS:2.0"; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
		{"version 3.2", "CVSS:3.2/" + base31, `vector: unknown version prefix "CVSS:3.2"; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
		{"version 4", "CVSS:4/" + base40, `vector: unknown version prefix "CVSS:4"; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
		{"no version", "CVSS:/" + base31, `vector: unknown version prefix "CVSS:"; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
		{"space in prefix", "CVSS:3.1 /" + base31, `vector: unknown version prefix "CVSS:3.1 "; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
		{"lowercase prefix", "cvss:3.1/" + base31, `vector: prefix "cvss:3.1" must be written in capitals, "CVSS:3.1"`},
		{"lowercase metric", "CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "av" must be written "AV"`},
		{"lowercase value", "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value "n"; values are case-sensitive: want "N"`},
		{"lowercase everything", "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h", `vector: prefix "cvss:3.1" must be written in capitals, "CVSS:3.1"`},
		{"bad value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value "Q"; want one of N, A, L, P`},
		{"empty value", "CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value; want one of N, A, L, P`},
		{"no colon", "CVSS:3.1/AV/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value; want one of N, A, L, P`},
		{"two colons", "CVSS:3.1/AV:N:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value "N:L"; want one of N, A, L, P`},
		{"space in value", "CVSS:3.1/AV:N /AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value "N "; want one of N, A, L, P`},
		{"not defined base metric", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: metric "AV" has no value "X"; want one of N, A, L, P`},
		{"bad temporal value", "CVSS:3.1/" + base31 + "/E:A", `vector: metric "E" has no value "A"; want one of X, H, F, P, U`},
		{"unknown metric", "CVSS:3.1/" + base31 + "/XX:Y", `vector: unknown metric "XX" in CVSS 3.1`},
		{"not a metric", "CVSS:3.1/" + base31 + "/hello", `vector: "hello" is not a metric; want NAME:VALUE, e.g. "AV:N"`},
		{"long garbage is cut", "CVSS:3.1/" + base31 + "/" + strings.Repeat("Z", 1000) + ":N", `vector: unknown metric "ZZZZZZZZZZZZZZZZ" in CVSS 3.1`},
		{"4.0 metric in 3.1", "CVSS:3.1/" + base31 + "/AT:N", `vector: metric "AT" is not part of CVSS 3.1 but of CVSS 4.0`},
		{"4.0 metric in 3.0", "CVSS:3.0/" + base31 + "/MSI:S", `vector: metric "MSI" is not part of CVSS 3.0 but of CVSS 4.0`},
		{"3.x metric in 4.0", "CVSS:4.0/" + base40 + "/RL:O", `vector: metric "RL" is not part of CVSS 4.0 but of CVSS 3.x`},
		{"3.1 vector with 4.0 prefix", "CVSS:4.0/" + base31, `vector: metric "S" has no value "U"; want one of X, N, P`},
		{"4.0 vector with 3.1 prefix", "CVSS:3.1/" + base40, `vector: metric "AT" is not part of CVSS 3.1 but of CVSS 4.0`},
		{"missing metric", "CVSS:3.1/AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H", `vector: metric "PR" is missing`},
		{"missing last metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", `vector: metric "A" is missing`},
		{"prefix only", "CVSS:3.1", `vector: metric "AV" is missing`},
		{"prefix and slash", "CVSS:3.1/", `vector: trailing "/" after "CVSS:3.1"`},
		{"duplicated metric", "CVSS:3.1/AV:N/" + base31, `vector: metric "AV" appears more than once`},
		{"duplicated metric with another value", "CVSS:3.1/" + base31 + "/AV:L", `vector: metric "AV" appears more than once`},
		{"duplicated temporal metric", "CVSS:3.1/" + base31 + "/E:X/E:H", `vector: metric "E" appears more than once`},
		{"trailing slash", "CVSS:3.1/" + base31 + "/", `vector: trailing "/" after "A:H"`},
		{"double slash", "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", `vector: empty metric between "AV:N" and "AC:L"`},
		{"4.0 missing AT", "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", `vector: metric "AT" is missing`},
		{"4.0 missing VA", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N", `vector: metric "VA" is missing`},
		{"4.0 missing SA", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", `vector: metric "SA" is missing`},
		{"4.0 prefix only", "CVSS:4.0", `vector: metric "AV" is missing`},
		{"4.0 base out of order", "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", `vector: metric "AV" must come before "AC": CVSS 4.0 fixes the order of metrics`},
		{"4.0 threat after environmental", "CVSS:4.0/" + base40 + "/CR:H/E:A", `vector: metric "E" must come before "CR": CVSS 4.0 fixes the order of metrics`},
		{"4.0 supplemental before environmental", "CVSS:4.0/" + base40 + "/S:N/MAV:L", `vector: metric "MAV" must come before "S": CVSS 4.0 fixes the order of metrics`},
		{"4.0 duplicated metric", "CVSS:4.0/" + base40 + "/E:A/E:X", `vector: metric "E" appears more than once`},
		{"4.0 duplicated base metric", "CVSS:4.0/" + base40 + "/SA:N", `vector: metric "SA" appears more than once`},
		{"4.0 bad value", "CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", `vector: metric "AV" has no value "F"; want one of N, A, L, P`},
		{"4.0 safety only in modified", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", `vector: metric "SI" has no value "S"; want one of H, L, N`},
		{"4.0 lowercase metric", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", `vector: metric "ui" must be written "UI"`},
		{"4.0 lowercase value", "CVSS:4.0/" + base40 + "/U:red", `vector: metric "U" has no value "red"; values are case-sensitive: want "Red"`},
		{"4.0 trailing slash", "CVSS:4.0/" + base40 + "/", `vector: trailing "/" after "SA:N"`},
		{"4.0 no slash after prefix", "CVSS:4.0AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", `vector: unknown version prefix "CVSS:4.0AV:N"; want CVSS:3.0, CVSS:3.1 or CVSS:4.0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cvss.Parse(tt.vector)
			var werr *ward.Error
			if !errors.As(err, &werr) {
				t.Fatalf("Parse(%q) = %+v, %v; want a *ward.Error", tt.vector, got, err)
			}
			if werr.Code != ward.EINVALID {
				t.Errorf("Parse(%q) code = %q, want %q", tt.vector, werr.Code, ward.EINVALID)
			}
			if werr.Message != tt.want {
				t.Errorf("Parse(%q) message:\n got %s\nwant %s", tt.vector, werr.Message, tt.want)
			}
			if got != (cvss.Severity{}) {
				t.Errorf("Parse(%q) = %+v with an error, want the zero Severity", tt.vector, got)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, vector string }{
		{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
		{"4.0-BTE", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cvss.Parse(bm.vector); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
