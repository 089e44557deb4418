package cvss_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
)

// FuzzParse holds Parse to its contract: it never panics; what it accepts has
// a score of one decimal in [0, 10] with the rating of that score's band;
// what it refuses is refused as ward.EINVALID; and it accepts exactly the
// vectors that go-cvss accepts, so that its own checks, which name the bad
// metric, are the ones users meet.
func FuzzParse(f *testing.F) {
	if rows, err := readAllBase31(); err == nil {
		for _, r := range rows {
			f.Add(r.vector)
		}
	}
	for _, ex := range examples3 {
		f.Add("CVSS:3.0/" + ex.base)
	}
	for _, ex := range examples40 {
		f.Add(ex.vector)
	}
	for _, v := range []string{
		"", " ", "CVSS:", "CVSS:3.1", "CVSS:3.1/", "CVSS:4.0", "CVSS:4.0/", "cvss:4.0/AV:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:W/RC:R/CR:H/IR:M/AR:L/MAV:A/MAC:H/MPR:L/MUI:R/MS:C/MC:L/MI:N/MA:H",
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:A/S:P/AU:Y/R:A/V:D/RE:L/U:Red",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X",
		"CVSS:4.0/AC:L/AV:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/CR:L/IR:X/AR:L/RE:H/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/AT:N/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/E:U/S:N/AU:N/R:I/V:C/U:Green",
	} {
		f.Add(v)
	}

	f.Fuzz(func(t *testing.T, vector string) {
		trimmed := strings.TrimSpace(vector)
		got, err := cvss.Parse(vector)
		if err != nil {
			if code := ward.ErrorCode(err); code != ward.EINVALID {
				t.Fatalf("Parse(%q): %v; code %q, want %q", vector, err, code, ward.EINVALID)
			}
			if !strings.HasPrefix(ward.ErrorMessage(err), "vector: ") {
				t.Errorf("Parse(%q) message %q does not start with \"vector: \"", vector, ward.ErrorMessage(err))
			}
			if goCVSSAccepts(trimmed) {
				t.Fatalf("Parse(%q): %v; but go-cvss accepts it", vector, err)
			}
			return
		}
		if got.Vector != trimmed {
			t.Errorf("Parse(%q).Vector = %q, want %q", vector, got.Vector, trimmed)
		}
		if !strings.HasPrefix(trimmed, "CVSS:"+got.Version) {
			t.Errorf("Parse(%q).Version = %q", vector, got.Version)
		}
		if got.Score < 0 || got.Score > 10 || got.Score != math.Round(got.Score*10)/10 {
			t.Errorf("Parse(%q).Score = %v, want one decimal in [0, 10]", vector, got.Score)
		}
		if want := band(got.Score); got.Rating != want {
			t.Errorf("Parse(%q) = %v %s, want rating %s", vector, got.Score, got.Rating, want)
		}
	})
}

// goCVSSAccepts reports whether one of go-cvss's parsers takes the vector.
func goCVSSAccepts(vector string) bool {
	_, err30 := gocvss30.ParseVector(vector)
	_, err31 := gocvss31.ParseVector(vector)
	_, err40 := gocvss40.ParseVector(vector)
	return err30 == nil || err31 == nil || err40 == nil
}

// band is the qualitative rating of a score: table 14 of the CVSS 3.1
// specification, which CVSS 4.0 keeps (section 6).
func band(score float64) string {
	switch tenths := math.Round(score * 10); {
	case tenths == 0:
		return "None"
	case tenths <= 39:
		return "Low"
	case tenths <= 69:
		return "Medium"
	case tenths <= 89:
		return "High"
	default:
		return "Critical"
	}
}

// TestParseAgreesWithGoCVSS draws vectors near the valid ones, which
// FuzzParse's byte mutations seldom reach: every version, optional metrics
// in and out of order, metrics dropped, doubled, misspelt or given a wrong
// value. Parse must accept exactly those that go-cvss accepts.
func TestParseAgreesWithGoCVSS(t *testing.T) {
	versions := []struct {
		prefix  string
		metrics [][]string // name, then values; mandatory metrics first
		base    int        // how many metrics are mandatory
	}{
		{"CVSS:3.0", metrics3, 8},
		{"CVSS:3.1", metrics3, 8},
		{"CVSS:4.0", metrics40, 11},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	const n = 50000
	for range n {
		v := versions[rng.IntN(len(versions))]
		var parts []string
		for i, m := range v.metrics {
			if i >= v.base && rng.IntN(3) > 0 {
				continue // optional metrics are left out two times in three
			}
			parts = append(parts, m[0]+":"+m[1+rng.IntN(len(m)-1)])
		}
		switch rng.IntN(12) {
		case 0: // drop a metric
			i := rng.IntN(len(parts))
			parts = append(parts[:i], parts[i+1:]...)
		case 1: // give one twice
			parts = append(parts, parts[rng.IntN(len(parts))])
		case 2: // swap two
			i, j := rng.IntN(len(parts)), rng.IntN(len(parts))
			parts[i], parts[j] = parts[j], parts[i]
		case 3: // shuffle
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		case 4: // a value of another metric, which may or may not fit
			i := rng.IntN(len(parts))
			other := v.metrics[rng.IntN(len(v.metrics))]
			name, _, _ := strings.Cut(parts[i], ":")
			parts[i] = name + ":" + other[1+rng.IntN(len(other)-1)]
		case 5: // a metric of another version
			other := versions[rng.IntN(len(versions))].metrics
			m := other[rng.IntN(len(other))]
			parts = append(parts, m[0]+":"+m[1+rng.IntN(len(m)-1)])
		case 6: // lowercase
			i := rng.IntN(len(parts))
			parts[i] = strings.ToLower(parts[i])
		}
		vector := v.prefix + "/" + strings.Join(parts, "/")
		got, err := cvss.Parse(vector)
		if want := goCVSSAccepts(vector); (err == nil) != want {
			t.Fatalf("Parse(%q) = %+v, %v; go-cvss accepts it: %v", vector, got, err, want)
		}
		if err != nil {
			if code := ward.ErrorCode(err); code != ward.EINVALID {
				t.Fatalf("Parse(%q): %v; code %q, want %q", vector, err, code, ward.EINVALID)
			}
			continue
		}
		accepted++
		if got.Score < 0 || got.Score > 10 || got.Rating != band(got.Score) {
			t.Errorf("Parse(%q) = %v %s", vector, got.Score, got.Rating)
		}
	}
	// Both verdicts must have been tried often for the test to mean much.
	if accepted < n/4 || accepted > n*3/4 {
		t.Errorf("accepted %d of %d vectors; want between a quarter and three quarters", accepted, n)
	}
}

// metrics3 and metrics40 list each version's metrics with their values, as
// the 3.1 and 4.0 specifications do, for drawing vectors; the package keeps
// its own copy, and this one is kept apart so that a mistake in one does not
// hide the same mistake in the other.
var metrics3 = [][]string{
	{"AV", "N", "A", "L", "P"}, {"AC", "L", "H"}, {"PR", "N", "L", "H"}, {"UI", "N", "R"},
	{"S", "U", "C"}, {"C", "H", "L", "N"}, {"I", "H", "L", "N"}, {"A", "H", "L", "N"},
	{"E", "X", "H", "F", "P", "U"}, {"RL", "X", "U", "W", "T", "O"}, {"RC", "X", "C", "R", "U"},
	{"CR", "X", "H", "M", "L"}, {"IR", "X", "H", "M", "L"}, {"AR", "X", "H", "M", "L"},
	{"MAV", "X", "N", "A", "L", "P"}, {"MAC", "X", "L", "H"}, {"MPR", "X", "N", "L", "H"},
	{"MUI", "X", "N", "R"}, {"MS", "X", "U", "C"},
	{"MC", "X", "H", "L", "N"}, {"MI", "X", "H", "L", "N"}, {"MA", "X", "H", "L", "N"},
}

var metrics40 = [][]string{
	{"AV", "N", "A", "L", "P"}, {"AC", "L", "H"}, {"AT", "N", "P"}, {"PR", "N", "L", "H"},
	{"UI", "N", "P", "A"}, {"VC", "H", "L", "N"}, {"VI", "H", "L", "N"}, {"VA", "H", "L", "N"},
	{"SC", "H", "L", "N"}, {"SI", "H", "L", "N"}, {"SA", "H", "L", "N"},
	{"E", "X", "A", "P", "U"},
	{"CR", "X", "H", "M", "L"}, {"IR", "X", "H", "M", "L"}, {"AR", "X", "H", "M", "L"},
	{"MAV", "X", "N", "A", "L", "P"}, {"MAC", "X", "L", "H"}, {"MAT", "X", "N", "P"},
	{"MPR", "X", "N", "L", "H"}, {"MUI", "X", "N", "P", "A"},
	{"MVC", "X", "H", "L", "N"}, {"MVI", "X", "H", "L", "N"}, {"MVA", "X", "H", "L", "N"},
	{"MSC", "X", "H", "L", "N"}, {"MSI", "X", "S", "H", "L", "N"}, {"MSA", "X", "S", "H", "L", "N"},
	{"S", "X", "N", "P"}, {"AU", "X", "N", "Y"}, {"R", "X", "A", "U", "I"}, {"V", "X", "D", "C"},
	{"RE", "X", "L", "M", "H"}, {"U", "X", "Clear", "Green", "Amber", "Red"},
}
