#!/usr/bin/env bash
# bench/all.sh: the four load targets of bench/load.sh in sequence (me,
# oncall, feed, feed304), each in its own run with its own ward and bare,
# then one summary table.
#
#   bash bench/all.sh                 # about 6 minutes with the defaults
#   REPEAT=2 bash bench/all.sh        # the sequence twice; every run in the table
#   DURATION=30s bash bench/all.sh    # settings go to every run (see bench/README.md)
#
# TARGET is ignored: each target has its own threshold (load.sh). The
# summary also goes to bench/results/all-DATE.txt.
#
# Exit status: 0 every run passed, 1 a run failed, 2 a run could not measure.
set -euo pipefail

REPEAT=${REPEAT:-1}
[[ $REPEAT =~ ^[1-5]$ ]] || { echo "all.sh: REPEAT=$REPEAT: want 1-5" >&2; exit 2; }
unset TARGET

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$here/results"
out="$here/results/all-$(date +%Y%m%d-%H%M%S).txt"
summary=$(mktemp "${TMPDIR:-/tmp}/ward-bench-all.XXXXXX")
trap 'rm -f "$summary"' EXIT

targets=(me oncall feed feed304)
status=0
errors=()
for ((r = 1; r <= REPEAT; r++)); do
	for t in "${targets[@]}"; do
		echo "all.sh: round $r/$REPEAT: bash bench/load.sh $t" >&2
		rc=0
		BENCH_SUMMARY=$summary bash "$here/load.sh" "$t" || rc=$?
		echo
		case $rc in
		0) ;;
		1) ((status == 2)) || status=1 ;;
		*)
			status=2
			errors+=("round $r $t: exit $rc")
			;;
		esac
		sleep 2 # let the last run's processes go before the next starts
	done
done

{
	echo "ward bench all: $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), $(uname -sr)"
	echo "settings    wrk -t${THREADS:-1} -c${CONNECTIONS:-32} -d${DURATION:-10s}, warm-up ${WARMUP:-2s}, ${RUNS:-3} runs each interleaved, medians; ward log level ${LOG_LEVEL:-info}$([[ ${PIN:-0} == 1 ]] && echo ', pinned')"
	echo
	printf '%-8s %10s %10s %7s %7s %-6s %15s %15s  %-17s %-17s  %s\n' target 'bare rps' 'ward rps' ratio target result 'bare p50/p99' 'ward p50/p99' 'load before' 'load after' report
	while IFS=$'\t' read -r name b w ratio target verdict bp50 bp99 wp50 wp99 lb la file; do
		printf '%-8s %10s %10s %6s%% %6s%% %-6s %15s %15s  %-17s %-17s  %s\n' "$name" "$b" "$w" "$ratio" "$target" "$verdict" \
			"${bp50}/${bp99}us" "${wp50}/${wp99}us" "$lb" "$la" "$file"
	done <"$summary"
	for e in "${errors[@]}"; do echo "could not measure: $e"; done
} | tee "$out"
echo "all.sh: summary written to bench/results/$(basename "$out")" >&2
exit "$status"
