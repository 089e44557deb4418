#!/usr/bin/env bash
# bench/me.sh: how many requests per second GET /api/v1/me with a valid
# token sustains, against a bare net/http handler (bench/bare) that returns
# the same bytes, measured in one run on this machine with wrk.
#
#   bash bench/me.sh                      # defaults: wrk -t1 -c32 -d10s, 3 rounds
#   DURATION=30s CONNECTIONS=64 bash bench/me.sh
#
# Settings (environment):
#   DURATION     wrk -d for each measured run           (default 10s; Ns or Nm, at most 10m)
#   CONNECTIONS  wrk -c                                  (default 32)
#   THREADS      wrk -t                                  (default 1)
#   RUNS         measured runs per server, interleaved   (default 3; median is reported)
#   WARMUP       unmeasured wrk run per server first     (default 2s; 0 skips it)
#   TARGET       lowest passing ward/bare ratio, percent (default 50)
#   PIN          1: servers on CPU 0, wrk on CPU 1 (taskset) so they do not share a core
#
# Exit status: 0 PASS, 1 FAIL (ratio below TARGET) or anything that kept it
# from measuring. The report goes to stdout and to bench/results/me-DATE.txt.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-2s}
TARGET=${TARGET:-50}
PIN=${PIN:-0}

die() { echo "me.sh: $*" >&2; exit 1; }
note() { echo "me.sh: $*" >&2; }

# seconds DUR: the seconds in "10", "10s" or "2m"; dies on anything else, so
# that every load run below has a known, bounded length.
seconds() {
	local d=$1
	[[ $d =~ ^([0-9]+)([sm]?)$ ]] || die "duration $d: want Ns or Nm"
	local n=$((10#${BASH_REMATCH[1]}))
	[[ ${BASH_REMATCH[2]} == m ]] && n=$((n * 60))
	((n <= 600)) || die "duration $d: at most 10m"
	echo "$n"
}
dur_s=$(seconds "$DURATION")
((dur_s >= 1)) || die "DURATION must be at least 1s"
warm_s=$(seconds "$WARMUP")
[[ $CONNECTIONS =~ ^[0-9]+$ ]] && ((CONNECTIONS >= 1 && CONNECTIONS <= 1000)) || die "CONNECTIONS=$CONNECTIONS: want 1-1000"
[[ $THREADS =~ ^[0-9]+$ ]] && ((THREADS >= 1 && THREADS <= CONNECTIONS)) || die "THREADS=$THREADS: want 1-CONNECTIONS"
[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1 && RUNS <= 20)) || die "RUNS=$RUNS: want 1-20"
[[ $TARGET =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "TARGET=$TARGET: want a percentage"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# wrk comes from Debian's package.
if ! command -v wrk >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		note "installing wrk (apt-get install -y wrk)"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2; then
			DEBIAN_FRONTEND=noninteractive apt-get update >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
		fi
	else
		die "wrk is not installed and this is not root with apt-get, so the script cannot install it. Install Debian's package (sudo apt-get install wrk) and run again."
	fi
fi
command -v curl >/dev/null 2>&1 || die "curl is needed"
if [[ $PIN == 1 ]]; then
	command -v taskset >/dev/null 2>&1 || die "PIN=1 needs taskset (util-linux)"
	(($(nproc) >= 2)) || die "PIN=1 needs at least 2 CPUs"
	srv_pin=(taskset -c 0)
	wrk_pin=(taskset -c 1)
else
	srv_pin=()
	wrk_pin=()
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$root/bench/results"
results="$root/bench/results/me-$stamp.txt"
: >"$results"
say() { printf '%s\n' "$*" | tee -a "$results"; }

note "building ward and bare into $tmp"
go build -o "$tmp/ward" ./cmd/ward
go build -o "$tmp/bare" ./bench/bare

db="sqlite:$tmp/ward.db"
email=bench@example.com
"$tmp/ward" user add --db "$db" --email "$email" --name "Bench Admin" --role admin >/dev/null
token=$("$tmp/ward" token create --db "$db" --user "$email")
[[ $token =~ ^[A-Za-z0-9_]+$ ]] || die "ward token create printed something other than a token"

# listening OUTFILE PID NAME: waits (at most 15 s) for the server's
# "is listening on http://ADDR" line and prints the URL.
listening() {
	local out=$1 pid=$2 name=$3 url i
	for ((i = 0; i < 150; i++)); do
		if url=$(grep -m1 -oE 'http://127\.0\.0\.1:[0-9]+' "$out" 2>/dev/null); then
			echo "$url"
			return
		fi
		kill -0 "$pid" 2>/dev/null || die "$name exited before listening; see its output above"
		sleep 0.1
	done
	die "$name did not start listening within 15 s"
}

# Port 0: the kernel picks a free loopback port; the server prints it.
"${srv_pin[@]}" "$tmp/ward" serve --db "$db" --addr 127.0.0.1:0 --log-level "${LOG_LEVEL:-info}" >"$tmp/ward.out" 2>"$tmp/ward.log" &
pids+=($!)
ward_url=$(listening "$tmp/ward.out" "${pids[-1]}" ward) || { cat "$tmp/ward.log" >&2; exit 1; }

# Never benchmark an error: the token must get 200 and no token 401.
path=/api/v1/me
auth="Authorization: Bearer $token"
code=$(curl -sS --max-time 5 -o "$tmp/me.json" -w '%{http_code}' -H "$auth" "$ward_url$path")
[[ $code == 200 ]] || die "GET $path with the token answered $code, not 200: $(cat "$tmp/me.json")"
grep -q "\"$email\"" "$tmp/me.json" || die "GET $path did not return the member: $(cat "$tmp/me.json")"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$ward_url$path")
[[ $code == 401 ]] || die "GET $path without a token answered $code, not 401"
body_bytes=$(wc -c <"$tmp/me.json")

"${srv_pin[@]}" "$tmp/bare" -addr 127.0.0.1:0 -body "$tmp/me.json" >"$tmp/bare.out" 2>"$tmp/bare.log" &
pids+=($!)
bare_url=$(listening "$tmp/bare.out" "${pids[-1]}" bare) || { cat "$tmp/bare.log" >&2; exit 1; }
code=$(curl -sS --max-time 5 -o "$tmp/bare.json" -w '%{http_code}' -H "$auth" "$bare_url$path")
[[ $code == 200 ]] || die "bare answered $code, not 200"
cmp -s "$tmp/me.json" "$tmp/bare.json" || die "bare does not return the same bytes as ward"

# to_us VALUE: a wrk latency such as 812.00us, 1.23ms or 1.02s in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else if (u == "m") f = 60000000; else { print "?"; exit 1 }
		printf "%.0f\n", n * f }'
}

# wrk_run NAME URL SECONDS OUT: one wrk run, the same request for both
# servers (both get the token header; bare ignores it). Fails on any non-2xx
# answer, so that errors are never counted as throughput.
wrk_run() {
	local name=$1 url=$2 secs=$3 out=$4
	if ! timeout $((secs + 60)) "${wrk_pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency -H "$auth" "$url$path" >"$out" 2>&1; then
		cat "$out" >&2
		die "wrk against $name failed"
	fi
	if grep -q 'Non-2xx or 3xx responses' "$out"; then
		cat "$out" >&2
		die "$name answered errors under load; not a valid measurement (see $tmp/ward.log)"
	fi
	grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "cannot read wrk's output"; }
}

rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
pct_of() { to_us "$(awk -v p="$2" '$1 == p { print $2; exit }' "$1")"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

if ((warm_s > 0)); then
	note "warming up both servers (${warm_s}s each, not counted)"
	wrk_run bare "$bare_url" "$warm_s" "$tmp/warm-bare.txt"
	wrk_run ward "$ward_url" "$warm_s" "$tmp/warm-ward.txt"
fi

bare_rps=() ward_rps=() bare_p50=() ward_p50=() bare_p99=() ward_p99=()
for ((i = 1; i <= RUNS; i++)); do
	sleep 1
	note "run $i/$RUNS: bare (${dur_s}s)"
	out="$tmp/wrk-bare-$i.txt"
	wrk_run bare "$bare_url" "$dur_s" "$out"
	bare_rps+=("$(rps_of "$out")") bare_p50+=("$(pct_of "$out" 50%)") bare_p99+=("$(pct_of "$out" 99%)")

	sleep 1
	note "run $i/$RUNS: ward (${dur_s}s)"
	out="$tmp/wrk-ward-$i.txt"
	wrk_run ward "$ward_url" "$dur_s" "$out"
	ward_rps+=("$(rps_of "$out")") ward_p50+=("$(pct_of "$out" 50%)") ward_p99+=("$(pct_of "$out" 99%)")
done

med() { printf '%s\n' "$@" | median; }
b_rps=$(med "${bare_rps[@]}")
w_rps=$(med "${ward_rps[@]}")
ratio=$(awk -v w="$w_rps" -v b="$b_rps" 'BEGIN { printf "%.1f", 100 * w / b }')
verdict=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null || true) ]]; then commit="$commit (uncommitted changes)"; fi

say "ward bench: GET $path with a valid token vs a bare net/http handler, same ${body_bytes}-byte body"
say "date        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "commit      $commit"
say "machine     nproc $(nproc), ${cpu:-unknown CPU}, $(uname -sr)"
say "load        before ${load_before}, after $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1/5/15-min averages; above nproc means other work shared the CPUs)"
say "go          $(go version | sed 's/^go version //')"
say "wrk         $(wrk -v 2>&1 | head -n1 | sed 's/ Copyright.*//')"
say "settings    wrk -t$THREADS -c$CONNECTIONS -d${dur_s}s --latency, warm-up ${warm_s}s each, $RUNS runs each interleaved bare/ward, median reported$([[ $PIN == 1 ]] && echo ', servers pinned to CPU 0 and wrk to CPU 1')"
say ""
say "$(printf '%-6s %12s %10s %10s   %s' server 'requests/s' 'p50 (us)' 'p99 (us)' 'runs (requests/s)')"
say "$(printf '%-6s %12.0f %10s %10s   %s' bare "$b_rps" "$(med "${bare_p50[@]}")" "$(med "${bare_p99[@]}")" "${bare_rps[*]}")"
say "$(printf '%-6s %12.0f %10s %10s   %s' ward "$w_rps" "$(med "${ward_p50[@]}")" "$(med "${ward_p99[@]}")" "${ward_rps[*]}")"
say ""
say "ratio       ward/bare = ${ratio}% (target >= ${TARGET}%)"
say "result      $verdict"

# ward logs a line per request at the default level (info), as it would in
# production; only what is above info is worth keeping.
grep -v 'level=INFO' "$tmp/ward.log" >"$tmp/ward.warn.log" || true
if [[ -s $tmp/ward.warn.log ]]; then
	note "ward logged $(wc -l <"$tmp/ward.warn.log") line(s) at warn or above; kept in bench/results/me-$stamp.ward.log"
	cp "$tmp/ward.warn.log" "$root/bench/results/me-$stamp.ward.log"
fi
{
	echo
	echo "---- raw wrk output ----"
	for f in "$tmp"/wrk-*.txt; do
		echo "== $(basename "$f" .txt)"
		cat "$f"
	done
} >>"$results"
note "report written to ${results#"$root"/}"

[[ $verdict == PASS ]] || exit 1
