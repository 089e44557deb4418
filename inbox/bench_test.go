package inbox_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/wardsec/ward/wardtest/mailtest"
)

// BenchmarkImportMbox imports typical list mail (mailtest.Typical) from an
// mbox archive into SQLite, each message committed durably
// (synchronous=FULL) in its own transaction, and reports messages per
// second. The issue asks for at least 500.
func BenchmarkImportMbox(b *testing.B) {
	f := setup(b, "")
	var archive bytes.Buffer
	if err := mailtest.WriteMbox(&archive, 0, b.N); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(archive.Len() / max(b.N, 1)))
	b.ResetTimer()
	start := time.Now()
	st, err := f.svc.ImportMbox(system, &archive, "bench.mbox")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Created)/time.Since(start).Seconds(), "msgs/s")
	if st.Created != b.N {
		b.Fatalf("imported %d of %d", st.Created, b.N)
	}
}
