# bench/lib.sh: the shared parts of the load scripts, sourced by load.sh.
# Not meant to run on its own. It builds ward and bench/bare, sets ward up
# the way examples/team.yaml describes, starts both servers on free
# loopback ports, runs wrk against them interleaved, and writes the report
# with its verdict.
#
# Settings (environment), read by bench_init:
#   DURATION     wrk -d for each measured run           (default 10s; Ns or Nm, at most 10m)
#   CONNECTIONS  wrk -c                                  (default 32)
#   THREADS      wrk -t                                  (default 1)
#   RUNS         measured runs per server, interleaved   (default 3; median is reported)
#   WARMUP       unmeasured wrk run per server first     (default 2s; 0 skips it)
#   TARGET       lowest passing ward/bare ratio, percent (default: the target's own)
#   LOG_LEVEL    ward serve --log-level                  (default info)
#   PIN          1: servers on CPU 0, wrk on CPU 1 (taskset) so they do not share a core
#   BENCH_SUMMARY  file to append a one-line summary to (all.sh sets it)
#
# Exit status of a script using it: 0 PASS, 1 FAIL (ratio below TARGET),
# 2 anything that kept it from measuring.

# shellcheck shell=bash

BENCH_TEAM_FILE=examples/team.yaml
BENCH_ADMIN=ana.keller@example.org # an admin in BENCH_TEAM_FILE

die() { echo "$bench_name: $*" >&2; exit 2; }
note() { echo "$bench_name: $*" >&2; }

# seconds DUR: the seconds in "10", "10s" or "2m"; dies on anything else, so
# that every load run has a known, bounded length.
seconds() {
	local d=$1
	[[ $d =~ ^([0-9]+)([sm]?)$ ]] || die "duration $d: want Ns or Nm"
	local n=$((10#${BASH_REMATCH[1]}))
	[[ ${BASH_REMATCH[2]} == m ]] && n=$((n * 60))
	((n <= 600)) || die "duration $d: at most 10m"
	echo "$n"
}

# bench_init NAME DEFAULT_TARGET: reads the settings, checks the tools,
# makes the temporary directory (removed on exit, with every process
# started here stopped) and names the report.
bench_init() {
	bench_name=$1
	DURATION=${DURATION:-10s}
	CONNECTIONS=${CONNECTIONS:-32}
	THREADS=${THREADS:-1}
	RUNS=${RUNS:-3}
	WARMUP=${WARMUP:-2s}
	TARGET=${TARGET:-$2}
	LOG_LEVEL=${LOG_LEVEL:-info}
	PIN=${PIN:-0}

	dur_s=$(seconds "$DURATION")
	((dur_s >= 1)) || die "DURATION must be at least 1s"
	warm_s=$(seconds "$WARMUP")
	[[ $CONNECTIONS =~ ^[0-9]+$ ]] && ((CONNECTIONS >= 1 && CONNECTIONS <= 1000)) || die "CONNECTIONS=$CONNECTIONS: want 1-1000"
	[[ $THREADS =~ ^[0-9]+$ ]] && ((THREADS >= 1 && THREADS <= CONNECTIONS)) || die "THREADS=$THREADS: want 1-CONNECTIONS"
	[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1 && RUNS <= 20)) || die "RUNS=$RUNS: want 1-20"
	[[ $TARGET =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "TARGET=$TARGET: want a percentage"
	[[ $LOG_LEVEL =~ ^(debug|info|warn|error)$ ]] || die "LOG_LEVEL=$LOG_LEVEL: want debug, info, warn or error"

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
	command -v go >/dev/null 2>&1 || die "go is needed"
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
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	load_before=$(bench_load)
	stamp=$(date +%Y%m%d-%H%M%S)
	mkdir -p "$root/bench/results"
	results="$root/bench/results/$bench_name-$stamp.txt"
	: >"$results"
}

bench_cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }

say() { printf '%s\n' "$*" | tee -a "$results"; }

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

# bench_ward: builds ward and bare, applies the team file to a new SQLite
# database, issues a token for its admin and starts ward serve, logging to
# a file. Sets ward_url, token and auth.
bench_ward() {
	note "building ward and bare into $tmp"
	go build -o "$tmp/ward" ./cmd/ward || die "go build ./cmd/ward failed"
	go build -o "$tmp/bare" ./bench/bare || die "go build ./bench/bare failed"

	db="sqlite:$tmp/ward.db"
	"$tmp/ward" apply --db "$db" -f "$BENCH_TEAM_FILE" >"$tmp/apply.out" || die "ward apply -f $BENCH_TEAM_FILE failed"
	token=$("$tmp/ward" token create --db "$db" --user "$BENCH_ADMIN") || die "ward token create failed"
	[[ $token =~ ^[A-Za-z0-9_]+$ ]] || die "ward token create printed something other than a token"
	auth="Authorization: Bearer $token"

	# Port 0: the kernel picks a free loopback port; the server prints it.
	"${srv_pin[@]}" "$tmp/ward" serve --db "$db" --addr 127.0.0.1:0 --log-level "$LOG_LEVEL" >"$tmp/ward.out" 2>"$tmp/ward.log" &
	pids+=($!)
	ward_url=$(listening "$tmp/ward.out" "${pids[-1]}" ward) || { cat "$tmp/ward.log" >&2; exit 2; }
}

# fetch URL OUT HEADERS_OUT [HEADER...]: one GET with curl; prints the status.
fetch() {
	local url=$1 out=$2 hout=$3
	shift 3
	local args=() h
	for h in "$@"; do args+=(-H "$h"); done
	[[ $out == /dev/null ]] || : >"$out" # curl leaves the file alone when there is no body
	curl -sS --max-time 10 -o "$out" -D "$hout" -w '%{http_code}' "${args[@]}" "$url"
}

# header_names FILE: the header names of a curl -D block, lower case,
# sorted, without Date (which differs from second to second).
header_names() { tr -d '\r' <"$1" | awk -F: 'NR > 1 && NF > 1 { print tolower($1) }' | grep -vx date | sort; }
# header_lines FILE: the same with the values.
header_lines() { tr -d '\r' <"$1" | awk 'NR > 1 && /:/' | grep -vi '^date:' | sort -f; }

# bench_bare ARG...: starts bare with the arguments and sets bare_url.
bench_bare() {
	"${srv_pin[@]}" "$tmp/bare" -addr 127.0.0.1:0 "$@" >"$tmp/bare.out" 2>"$tmp/bare.log" &
	pids+=($!)
	bare_url=$(listening "$tmp/bare.out" "${pids[-1]}" bare) || { cat "$tmp/bare.log" >&2; exit 2; }
}

# same_answer WARD_HEADERS BODY STATUS HEADER...: asks bare for $path with
# the headers and checks that it answers STATUS, BODY (empty for none) and
# the same header lines as ward did, Date aside.
same_answer() {
	local wh=$1 body=$2 want=$3 code
	shift 3
	code=$(fetch "$bare_url$path" "$tmp/check.body" "$tmp/check.h" "$@") || die "bare did not answer"
	[[ $code == "$want" ]] || die "bare answered $code, not $want"
	if [[ -n $body ]]; then
		cmp -s "$body" "$tmp/check.body" || die "bare does not return the same bytes as ward"
	else
		[[ ! -s $tmp/check.body ]] || die "bare sent a body with its $code"
	fi
	diff <(header_lines "$wh") <(header_lines "$tmp/check.h") >&2 || die "bare does not send the same headers as ward (above: < ward, > bare)"
}

# to_us VALUE: a wrk latency such as 812.00us, 1.23ms or 1.02s in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else if (u == "m") f = 60000000; else { print "?"; exit 1 }
		printf "%.0f\n", n * f }'
}

# wrk_run NAME URL SECONDS OUT: one wrk run with the request headers in
# wrk_headers, the same request for both servers. Fails on any 4xx or 5xx
# answer or socket error, so that errors are never counted as throughput.
wrk_run() {
	local name=$1 url=$2 secs=$3 out=$4 args=() h
	for h in "${wrk_headers[@]}"; do args+=(-H "$h"); done
	if ! timeout $((secs + 60)) "${wrk_pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "${args[@]}" "$url$path" >"$out" 2>&1; then
		cat "$out" >&2
		die "wrk against $name failed"
	fi
	if grep -q -e 'Non-2xx or 3xx responses' -e 'Socket errors' "$out"; then
		cat "$out" >&2
		die "$name answered errors under load; not a valid measurement (see $tmp/ward.log)"
	fi
	grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "cannot read wrk's output"; }
}

rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
pct_of() { to_us "$(awk -v p="$2" '$1 == p { print $2; exit }' "$1")"; }
# bytes_of OUT: bytes read per response (headers and body), from wrk's
# "N requests in Ts, X.YZMB read" (binary units).
bytes_of() {
	awk '/ requests in .* read$/ {
		n = $1; v = $5; sub(/read$/, "", v); x = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "B") ? 1 : (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : (u == "TB") ? 1099511627776 : -1
		if (f < 0 || n == 0) { print "?"; exit }
		printf "%.0f\n", x * f / n; exit }' "$1"
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
med() { printf '%s\n' "$@" | median; }

# bench_measure: the warm-up and RUNS interleaved runs, bare then ward,
# against $path with wrk_headers. Checks afterwards that both servers sent
# responses of the same size and that ward logged only expect_status for
# the measured requests.
bench_measure() {
	local i out log_from
	log_from=$(($(wc -l <"$tmp/ward.log") + 1))
	if ((warm_s > 0)); then
		note "warming up both servers (${warm_s}s each, not counted)"
		wrk_run bare "$bare_url" "$warm_s" "$tmp/warm-bare.txt"
		wrk_run ward "$ward_url" "$warm_s" "$tmp/warm-ward.txt"
	fi
	bare_rps=() ward_rps=() bare_p50=() ward_p50=() bare_p99=() ward_p99=() bare_bytes=() ward_bytes=()
	for ((i = 1; i <= RUNS; i++)); do
		sleep 1
		note "run $i/$RUNS: bare (${dur_s}s)"
		out="$tmp/wrk-bare-$i.txt"
		wrk_run bare "$bare_url" "$dur_s" "$out"
		bare_rps+=("$(rps_of "$out")") bare_p50+=("$(pct_of "$out" 50%)") bare_p99+=("$(pct_of "$out" 99%)") bare_bytes+=("$(bytes_of "$out")")

		sleep 1
		note "run $i/$RUNS: ward (${dur_s}s)"
		out="$tmp/wrk-ward-$i.txt"
		wrk_run ward "$ward_url" "$dur_s" "$out"
		ward_rps+=("$(rps_of "$out")") ward_p50+=("$(pct_of "$out" 50%)") ward_p99+=("$(pct_of "$out" 99%)") ward_bytes+=("$(bytes_of "$out")")
	done
	load_after=$(bench_load)

	b_bytes=$(med "${bare_bytes[@]}")
	w_bytes=$(med "${ward_bytes[@]}")
	awk -v b="$b_bytes" -v w="$w_bytes" 'BEGIN { d = w - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.05 * b) }' ||
		die "under load bare sent ${b_bytes} and ward ${w_bytes} bytes per response: not the same answer"

	# ward's access log (info and below): the status of every measured request.
	if [[ $LOG_LEVEL == info || $LOG_LEVEL == debug ]]; then
		ward_statuses=$(tail -n +"$log_from" "$tmp/ward.log" | grep -oE ' status=[0-9]+' | sort | uniq -c | awk '{ sub(/^status=/, "", $2); printf "%s%s x%s", sep, $2, $1; sep = ", " }')
		[[ $ward_statuses =~ ^$expect_status\ x[0-9]+$ ]] || die "ward answered other than $expect_status under load: $ward_statuses"
	else
		ward_statuses="not logged at LOG_LEVEL=$LOG_LEVEL"
	fi
}

# bench_report TITLE: the report, the verdict and the summary line; returns
# 1 on FAIL.
bench_report() {
	local title=$1 b_rps w_rps ratio verdict cpu commit
	b_rps=$(med "${bare_rps[@]}")
	w_rps=$(med "${ward_rps[@]}")
	ratio=$(awk -v w="$w_rps" -v b="$b_rps" 'BEGIN { printf "%.1f", 100 * w / b }')
	verdict=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')

	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [[ -n $(git -C "$root" status --porcelain 2>/dev/null || true) ]]; then commit="$commit (uncommitted changes)"; fi

	say "ward bench $bench_name: $title"
	say "date        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	say "commit      $commit"
	say "machine     nproc $(nproc), ${cpu:-unknown CPU}, $(uname -sr)"
	say "load        before ${load_before}, after ${load_after} (1/5/15-min averages; above nproc means other work shared the CPUs)"
	say "go          $(go version | sed 's/^go version //')"
	say "wrk         $(wrk -v 2>&1 | head -n1 | sed 's/ Copyright.*//')"
	say "settings    wrk -t$THREADS -c$CONNECTIONS -d${dur_s}s --latency, warm-up ${warm_s}s each, $RUNS runs each interleaved bare/ward, median reported, ward log level $LOG_LEVEL$([[ $PIN == 1 ]] && echo ', servers pinned to CPU 0 and wrk to CPU 1')"
	local shown="GET $path" h
	for h in "${wrk_headers_shown[@]}"; do shown+=" -H '$h'"; done
	say "request     $shown"
	say "answers     $expect_status; bytes per response read by wrk: bare $b_bytes, ward $w_bytes; ward's log: $ward_statuses"
	say ""
	say "$(printf '%-6s %12s %10s %10s   %s' server 'requests/s' 'p50 (us)' 'p99 (us)' 'runs (requests/s)')"
	say "$(printf '%-6s %12.0f %10s %10s   %s' bare "$b_rps" "$(med "${bare_p50[@]}")" "$(med "${bare_p99[@]}")" "${bare_rps[*]}")"
	say "$(printf '%-6s %12.0f %10s %10s   %s' ward "$w_rps" "$(med "${ward_p50[@]}")" "$(med "${ward_p99[@]}")" "${ward_rps[*]}")"
	say ""
	say "ratio       ward/bare = ${ratio}% (target >= ${TARGET}%)"
	say "result      $verdict"

	# ward logs a line per request at the default level (info), as it would
	# in production; only what is above info is worth keeping.
	grep -v 'level=INFO' "$tmp/ward.log" >"$tmp/ward.warn.log" || true
	if [[ -s $tmp/ward.warn.log ]]; then
		note "ward logged $(wc -l <"$tmp/ward.warn.log") line(s) at warn or above; kept in bench/results/$bench_name-$stamp.ward.log"
		cp "$tmp/ward.warn.log" "$root/bench/results/$bench_name-$stamp.ward.log"
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

	if [[ -n ${BENCH_SUMMARY:-} ]]; then
		printf '%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$bench_name" "$b_rps" "$w_rps" "$ratio" "$TARGET" "$verdict" \
			"$(med "${bare_p50[@]}")" "$(med "${bare_p99[@]}")" "$(med "${ward_p50[@]}")" "$(med "${ward_p99[@]}")" \
			"$load_before" "$load_after" "${results#"$root"/}" >>"$BENCH_SUMMARY"
	fi
	[[ $verdict == PASS ]]
}
