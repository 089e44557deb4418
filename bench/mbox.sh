#!/usr/bin/env bash
# bench/mbox.sh: the inbox's import targets (issue 6).
#   1. inbox.BenchmarkImportMbox: typical list mail (mailtest.Typical) from
#      an mbox into SQLite, durable commits; target ≥ 500 messages/s.
#   2. `ward import mbox` of a 1 GiB archive (bench/mboxgen) under
#      /usr/bin/time -v; target: maximum resident set < 200 MB.
#
#   bash bench/mbox.sh
#   MIB=256 COUNT=3 bash bench/mbox.sh
#
# Settings (environment):
#   COUNT  go test -count for the benchmark         (default 5)
#   N      messages per benchmark run (-benchtime)  (default 5000)
#   MIB    size of the archive for the memory run   (default 1024)
#
# Output goes to bench/results/mbox-DATE.txt. Exit status: 0 when both
# targets are met, 1 when one is missed, 2 when it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5} N=${N:-5000} MIB=${MIB:-1024}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)"; exit 2; }
mkdir -p bench/results
out="bench/results/mbox-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
echo "== go test -bench ImportMbox -benchtime ${N}x -count $COUNT ./inbox" | tee -a "$out"
go test -run '^$' -bench ImportMbox -benchtime "${N}x" -count "$COUNT" ./inbox | tee -a "$out"
rate=$(awk '/msgs\/s/ {for (i = 1; i < NF; i++) if ($(i+1) == "msgs/s") print $i}' "$out" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')

echo "== ward import mbox of a $MIB MiB archive" | tee -a "$out"
go build -o "$work/ward" ./cmd/ward
go run ./bench/mboxgen -mib "$MIB" > "$work/archive.mbox"
ls -l "$work/archive.mbox" | awk '{print "archive bytes:", $5}' | tee -a "$out"
/usr/bin/time -v "$work/ward" --db "sqlite:$work/ward.db" import mbox "$work/archive.mbox" 2> "$work/time.txt" | tee -a "$out"
grep -E 'Elapsed|Maximum resident' "$work/time.txt" | tee -a "$out"
rss_kb=$(awk '/Maximum resident/ {print $NF}' "$work/time.txt")

echo "== verdict" | tee -a "$out"
verdict=0
if awk -v r="$rate" 'BEGIN {exit !(r >= 500)}'; then echo "import rate (median): $rate msgs/s ≥ 500: met" | tee -a "$out"
else echo "import rate (median): $rate msgs/s < 500: MISSED" | tee -a "$out"; verdict=1; fi
if [ "$rss_kb" -lt 200000 ]; then echo "max RSS: $((rss_kb / 1000)) MB < 200 MB: met" | tee -a "$out"
else echo "max RSS: $((rss_kb / 1000)) MB ≥ 200 MB: MISSED" | tee -a "$out"; verdict=1; fi
echo "results: $out"
exit $verdict
