#!/usr/bin/env bash
# bench/reports.sh: store.BenchmarkReports on SQLite and PostgreSQL, the
# report desk at 100,000 reports and 1,000,000 timeline events, then
# benchstat with the two databases side by side. Targets, at the median:
# the triage view's first page < 20 ms, a text search < 50 ms, an action
# < 5 ms. See docs/performance.md ("Reports at scale").
#
#   bash bench/reports.sh
#   COUNT=5 BENCHTIME=2s bash bench/reports.sh
#   WARD_TEST_POSTGRES=postgres://user@host:5432/db bash bench/reports.sh
#
# Settings (environment):
#   COUNT               go test -count, runs of each benchmark        (default 10)
#   BENCHTIME           go test -benchtime                            (default 1s)
#   BENCH               go test -bench pattern (default Reports; StaleScan for
#                       the stale-ping scan)
#   WARD_TEST_POSTGRES  the PostgreSQL server; when unset, the local one at
#                       127.0.0.1:5432 (database test) if it answers, or
#                       PostgreSQL is skipped, as the output then says
#   BENCHSTAT           the benchstat command  (default: go run golang.org/x/perf/cmd/benchstat@latest)
#
# The first run seeds each database (about 30 s each here) and keeps it:
# $TMPDIR/ward-bench-NAME-KEY.db and the schema ward_bench_NAME_KEY, where KEY
# changes with the migrations. The raw output goes to
# bench/results/reports-DATE.txt, which benchstat can compare with another:
# benchstat -col /db old.txt or benchstat old.txt new.txt.
#
# Exit status: 0 when the benchmarks ran (the targets are read, not
# checked), 1 when one failed, 2 when it could not run.

set -euo pipefail
bench_name=reports
die() { echo "$bench_name: $*" >&2; exit 2; }
note() { echo "$bench_name: $*" >&2; }

COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-Reports}
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 1 && COUNT <= 50)) || die "COUNT=$COUNT: want 1-50"
[[ $BENCHTIME =~ ^[0-9]+(s|x|ms)$ ]] || die "BENCHTIME=$BENCHTIME: want Ns, Nms or Nx"
command -v go >/dev/null 2>&1 || die "go is needed"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ -z ${WARD_TEST_POSTGRES:-} ]]; then
	if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
		export WARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		note "WARD_TEST_POSTGRES is not set; using the local server, database test"
	else
		note "WARD_TEST_POSTGRES is not set and no server answers on 127.0.0.1:5432: PostgreSQL is skipped"
	fi
fi

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p bench/results
results="bench/results/reports-$stamp.txt"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain 2>/dev/null || true) ]]; then commit="$commit (uncommitted changes)"; fi
mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo "unknown memory")
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

cmd=(go test -run '^$' -bench "$BENCH" -benchtime "$BENCHTIME" -count "$COUNT" -timeout 60m -v ./store)
note "${cmd[*]} > $results"
# -v shows the seeding lines; benchstat reads only the benchmark lines.
set +e
"${cmd[@]}" 2>&1 | grep -v -e '^=== RUN' -e '^=== PAUSE' -e '^=== CONT' >"$results"
status=${PIPESTATUS[0]} # go test's; grep's says only whether it passed a line
set -e
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

echo "ward bench reports"
echo "date        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit      $commit"
echo "machine     nproc $(nproc), $mem, ${cpu:-unknown CPU}, $(uname -sr)"
echo "load        before $load_before, after $load_after (1/5/15-min averages; above nproc means other work shared the CPUs)"
echo "go          $(go version | sed 's/^go version //')"
echo "command     ${cmd[*]}"
echo "raw output  $results"
grep -e 'seeded' -e 'skipped' -e '^--- FAIL' -e '^FAIL' "$results" | sed 's/^ */            /' || true
echo
if ((status != 0)); then
	cat "$results" >&2
	note "go test failed (status $status)"
	exit 1
fi
if [[ -n ${BENCHSTAT:-} ]]; then
	read -r -a benchstat <<<"$BENCHSTAT"
else
	benchstat=(go run golang.org/x/perf/cmd/benchstat@latest)
fi
"${benchstat[@]}" -col /db "$results" || die "benchstat failed; the raw output is in $results"
