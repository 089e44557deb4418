package ward_test

import (
	"testing"

	"github.com/wardsec/ward"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want ward.Period
		text string // String of the result
		err  string
	}{
		{in: "2d", want: ward.Period{Days: 2}, text: "2d"},
		{in: "1w", want: ward.Period{Days: 7}, text: "7d"},
		{in: "52w", want: ward.Period{Days: 364}, text: "364d"},
		{in: "1mo", want: ward.Period{Months: 1}, text: "1mo"},
		{in: "12mo", want: ward.Period{Months: 12}, text: "12mo"},
		{in: "never", want: ward.Never, text: "never"},
		{in: "0d", err: `"0d" is not a period such as 2d, 1w or 1mo (days, weeks, calendar months), or never`},
		{in: "48h", err: `"48h" is not a period`},
		{in: "1m", err: `"1m" is not a period`},
		{in: "2 d", err: `"2 d" is not a period`},
		{in: "367d", err: "367d is longer than a year"},
		{in: "13mo", err: "13mo is longer than a year"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ward.ParsePeriod(tt.in)
			if tt.err != "" {
				if msg := ward.ErrorMessage(err); ward.ErrorCode(err) != ward.EINVALID || len(msg) < len(tt.err) || msg[:len(tt.err)] != tt.err {
					t.Fatalf("ParsePeriod(%q) = %v, %v; want EINVALID %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != tt.text {
				t.Fatalf("ParsePeriod(%q) = %v (%s), %v; want %v (%s)", tt.in, got, got, err, tt.want, tt.text)
			}
		})
	}
}
