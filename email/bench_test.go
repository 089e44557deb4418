package email

import "testing"

func BenchmarkParse(b *testing.B) {
	raw := typical()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(raw)
	}
}
