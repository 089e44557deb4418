#!/usr/bin/env bash
# Mailpit, the SMTP sink that the mail tests send to and read back through
# its HTTP API. Builds it once into .ci/bin, then starts three instances on
# loopback, each with an empty store:
#
#   SMTP 1025, API 8025  plain SMTP; any AUTH accepted, PLAIN and LOGIN too
#                        without TLS, so that ward's AUTH path runs
#   SMTP 1026, API 8026  STARTTLS required; refuses (550) every recipient
#                        outside example.org, .com and .net, so that tests
#                        can provoke a permanent failure
#   SMTP 1027, API 8027  implicit TLS (smtps); any AUTH accepted
#
# The TLS instances use a self-signed certificate for 127.0.0.1 and
# localhost, written to $TMPDIR/ward-mailpit/cert.pem (/tmp/ward-mailpit
# without TMPDIR) for the tests to trust, beside the instances' stores,
# logs and pid files.
# Running the script again stops the instances it started before (by their
# pid files) and starts fresh ones. .ci/run exports the matching WARD_TEST_*
# variables; see docs/development.md.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.33.1
bin="$PWD/.ci/bin/mailpit"
dir="${TMPDIR:-/tmp}/ward-mailpit"

# `mailpit version` says "dev" for a binary built by go install, and asks
# GitHub for the latest release; the build information names the module's
# version without either.
if ! go version -m "$bin" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+github.com/axllent/mailpit[[:space:]]+$version[[:space:]]"; then
  echo "== install mailpit $version"
  GOBIN="$PWD/.ci/bin" go install "github.com/axllent/mailpit@$version"
fi

# Stop what an earlier run started, checking that each pid is still a
# Mailpit before signalling it: a stale pid file may name another process.
mkdir -p "$dir"
for pidfile in "$dir"/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if grep -qa mailpit "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
rm -rf "$dir"
mkdir -p "$dir"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=ward test sink" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>"$dir/openssl.log" ||
  { cat "$dir/openssl.log"; exit 1; }

# start NAME SMTP-PORT API-PORT [FLAG...]: one instance in the background,
# its store in $dir, its output in $dir/NAME.log.
start() {
  local name=$1 smtp=$2 api=$3
  shift 3
  "$bin" --smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$api" \
    --database "$dir/$name.db" --max 0 \
    --smtp-auth-accept-any --smtp-disable-rdns --disable-version-check \
    "$@" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

start plain 1025 8025 --smtp-auth-allow-insecure
start starttls 1026 8026 --smtp-tls-cert "$dir/cert.pem" --smtp-tls-key "$dir/key.pem" \
  --smtp-require-starttls --smtp-allowed-recipients '@(.+\.)?example\.(org|com|net)$'
start smtps 1027 8027 --smtp-tls-cert "$dir/cert.pem" --smtp-tls-key "$dir/key.pem" \
  --smtp-require-tls

# Ready when every port answers.
for port in 1025 8025 1026 8026 1027 8027; do
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    if [ "$i" = 100 ]; then
      echo "mailpit did not answer on 127.0.0.1:$port within 10s:"
      cat "$dir"/*.log
      exit 1
    fi
    sleep 0.1
  done
done
# A port answered by something else would leave an instance that failed
# to bind: each must still be running.
for name in plain starttls smtps; do
  if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
    echo "mailpit ($name) has stopped:"
    cat "$dir/$name.log"
    exit 1
  fi
done
echo "mailpit $version: SMTP 1025 (plain), 1026 (STARTTLS), 1027 (TLS); API 8025, 8026, 8027; state in $dir"
