#!/usr/bin/env bash
# bench/me.sh: GET /api/v1/me with a valid token against a bare net/http
# handler that answers the same bytes; target >= 50%. Kept for its name:
# it is bench/load.sh me (see there and bench/README.md for the settings).
#
#   bash bench/me.sh
#   DURATION=30s CONNECTIONS=64 bash bench/me.sh
#   PIN=1 bash bench/me.sh
exec bash "$(dirname "${BASH_SOURCE[0]}")/load.sh" me "$@"
