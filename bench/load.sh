#!/usr/bin/env bash
# bench/load.sh TARGET: how many requests per second one of ward's
# endpoints sustains, against a bare net/http handler (bench/bare) that
# answers the same bytes and headers, measured in one run on this machine
# with wrk. The target passes when ward reaches its share of bare's
# requests per second.
#
#   bash bench/load.sh me        # GET /api/v1/me with a token              >= 50%
#   bash bench/load.sh oncall    # GET /api/v1/rotations/src/oncall, token  >= 30%
#   bash bench/load.sh feed      # GET /calendar/<secret>.ics, full 200     >= 25%
#   bash bench/load.sh feed304   # the same with If-None-Match: its ETag, 304  >= 25%
#   DURATION=30s CONNECTIONS=64 bash bench/load.sh oncall
#
# Settings (environment): DURATION, CONNECTIONS, THREADS, RUNS, WARMUP,
# TARGET, LOG_LEVEL, PIN; see bench/lib.sh or bench/README.md.
#
# Exit status: 0 PASS, 1 FAIL (ratio below TARGET), 2 anything that kept it
# from measuring. The report goes to stdout and to
# bench/results/TARGET-DATE.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_name=load.sh
case ${1:-} in
me) default_target=50 ;;
oncall) default_target=30 ;;
feed | feed304) default_target=25 ;;
*) die "usage: bash bench/load.sh me|oncall|feed|feed304" ;;
esac
bench_init "$1" "$default_target"
bench_ward

# create_feed: a calendar feed of the rotation src; sets path.
create_feed() {
	local code
	code=$(curl -sS --max-time 10 -o "$tmp/feed.json" -w '%{http_code}' -X POST -H "$auth" -H 'Content-Type: application/json' \
		-d '{"rotation":"src"}' "$ward_url/api/v1/calendar-feeds") || die "POST /api/v1/calendar-feeds failed"
	[[ $code == 201 ]] || die "POST /api/v1/calendar-feeds answered $code: $(cat "$tmp/feed.json")"
	path=$(grep -oE '"path": *"/calendar/[A-Za-z0-9_]+\.ics"' "$tmp/feed.json" | grep -oE '/calendar/[^"]+') ||
		die "no feed path in $(cat "$tmp/feed.json")"
}

# Never benchmark an error: each target first checks with curl that ward
# answers what is to be measured (and refuses what it should), then starts
# bare with ward's exact body and headers and checks that bare answers the
# same.
case $bench_name in
me | oncall)
	if [[ $bench_name == me ]]; then
		path=/api/v1/me
		title="GET $path with a valid token vs a bare net/http handler"
	else
		path=/api/v1/rotations/src/oncall
		title="GET $path (who is on call now) with a valid token vs a bare net/http handler"
	fi
	expect_status=200
	wrk_headers=("$auth")
	wrk_headers_shown=("Authorization: Bearer TOKEN")
	code=$(fetch "$ward_url$path" "$tmp/body" "$tmp/ward.h" "$auth") || die "GET $path failed"
	[[ $code == 200 ]] || die "GET $path with the token answered $code, not 200: $(cat "$tmp/body")"
	if [[ $bench_name == me ]]; then
		grep -q "\"$BENCH_ADMIN\"" "$tmp/body" || die "GET $path did not return the member: $(cat "$tmp/body")"
	else
		grep -q '"rotation":"src"' "$tmp/body" || die "GET $path did not answer for src: $(cat "$tmp/body")"
	fi
	code=$(fetch "$ward_url$path" /dev/null "$tmp/noauth.h") || die "GET $path failed"
	[[ $code == 401 ]] || die "GET $path without a token answered $code, not 401"
	bench_bare -body "$tmp/body" -headers "$tmp/ward.h"
	same_answer "$tmp/ward.h" "$tmp/body" 200 "$auth"
	;;
feed | feed304)
	create_feed
	code=$(fetch "$ward_url$path" "$tmp/body" "$tmp/ward.h") || die "GET $path failed"
	[[ $code == 200 ]] || die "GET $path answered $code, not 200"
	grep -q '^BEGIN:VCALENDAR' "$tmp/body" || die "GET $path is not a calendar"
	etag=$(tr -d '\r' <"$tmp/ward.h" | awk -F': ' 'tolower($1) == "etag" { print $2 }')
	[[ $etag =~ ^\"[^\"]+\"$ ]] || die "GET $path sent no ETag"
	code=$(fetch "$ward_url$path" "$tmp/body304" "$tmp/ward304.h" "If-None-Match: $etag") || die "GET $path failed"
	[[ $code == 304 && ! -s $tmp/body304 ]] || die "GET $path with If-None-Match: $etag answered $code, not 304 without a body"
	code=$(fetch "$ward_url/calendar/wardcal_nosuchfeed.ics" /dev/null "$tmp/404.h") || die "GET /calendar/wardcal_nosuchfeed.ics failed"
	[[ $code == 404 ]] || die "an unknown feed answered $code, not 404"
	# bare answers If-None-Match as ward does in both variants, so that the
	# two do the same work per request.
	bench_bare -body "$tmp/body" -headers "$tmp/ward.h" -etag "$etag" -headers304 "$tmp/ward304.h"
	same_answer "$tmp/ward.h" "$tmp/body" 200
	same_answer "$tmp/ward304.h" "" 304 "If-None-Match: $etag"
	if [[ $bench_name == feed ]]; then
		title="GET /calendar/SECRET.ics (the src rotation's feed, full body) vs a bare net/http handler"
		expect_status=200
		wrk_headers=()
		wrk_headers_shown=()
	else
		title="GET /calendar/SECRET.ics with If-None-Match: its ETag (304, unchanged) vs a bare net/http handler"
		expect_status=304
		wrk_headers=("If-None-Match: $etag")
		wrk_headers_shown=("If-None-Match: $etag")
	fi
	;;
esac
title="$title, same $(wc -c <"$tmp/body")-byte body"
[[ $expect_status == 304 ]] && title="${title%, same*}, same headers, no body (the full body is $(wc -c <"$tmp/body") bytes)"
shown_path=$path
[[ $path == /calendar/* ]] && shown_path=/calendar/SECRET.ics

bench_measure
path=$shown_path # the report never shows the feed's secret
bench_report "$title" || exit 1
