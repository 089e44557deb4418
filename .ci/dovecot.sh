#!/usr/bin/env bash
# A private Dovecot for the mail tests: IMAP on 127.0.0.1:10143 with one
# user, ward / ward, whose maildir lives under $WARD_DOVECOT_DIR (by default
# /tmp/ward-dovecot). It never reads or touches /etc/dovecot, so it runs
# beside a system Dovecot. Runs as root (Dovecot's master must, to drop to
# the mail user); installs dovecot-imapd when it is missing. Running it again
# stops the previous instance and starts a fresh one with empty mailboxes.
#
#   bash .ci/dovecot.sh
#   WARD_TEST_IMAP=imap://ward:ward@127.0.0.1:10143 go test ./imapintake/
set -euo pipefail

dir="${WARD_DOVECOT_DIR:-/tmp/ward-dovecot}"
port=10143
conf="$dir/dovecot.conf"

if [ "$(id -u)" != 0 ]; then
  echo "dovecot.sh: run as root: Dovecot's master process starts as root and drops to the mail user" >&2
  exit 1
fi

if ! command -v dovecot >/dev/null || [ ! -e /usr/lib/dovecot/imap ]; then
  echo "== install dovecot-imapd"
  log=$(mktemp)
  if ! (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dovecot-imapd) >"$log" 2>&1; then
    cat "$log"; echo "installing dovecot-imapd failed"; exit 1
  fi
  rm -f "$log"
fi

# Dovecot refuses to open mail as root; the mail belongs to a system user of
# its own, so that nothing else's files are at stake.
if ! id wardmail >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin wardmail
fi
uid=$(id -u wardmail)
gid=$(id -g wardmail)

# The directory is emptied below: refuse one that holds anything else.
if [ -e "$dir" ] && [ ! -f "$conf" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "dovecot.sh: $dir holds files this script did not write; name another in WARD_DOVECOT_DIR" >&2
  exit 1
fi

# Stop an instance an earlier run started, by its own configuration (the
# master's pid file is in its base_dir), and wait until it has gone; a
# stale pid file naming some other process is left alone.
pid=$(cat "$dir/run/master.pid" 2>/dev/null || true)
if [ -n "$pid" ] && grep -qa dovecot "/proc/$pid/cmdline" 2>/dev/null; then
  doveadm -c "$conf" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "dovecot.sh: the previous Dovecot (pid $pid) did not stop" >&2; exit 1
  fi
fi

rm -rf "$dir"
mkdir -p "$dir/mail" "$dir/state"
chmod 755 "$dir"
chown "$uid:$gid" "$dir/mail"

# The auth process reads the password file as the dovecot user. A test
# password in plain text is all it holds.
printf 'ward:{PLAIN}ward\n' >"$dir/users"
chmod 644 "$dir/users"

cat >"$conf" <<EOF
# Written by ward's .ci/dovecot.sh; rewritten on every run.
instance_name = ward-dovecot
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1

# Loopback only, for tests: no TLS, and passwords in plain text.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
# wardmail is a system user, below Dovecot's default first_valid_uid (500).
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:~/Maildir
# Tests create and delete mailboxes from parallel connections; with the
# mailbox list index, Dovecot 2.3 now and then answers a CREATE of a new
# name with ALREADYEXISTS while another connection refreshes the index.
mailbox_list_index = no

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
# Parallel tests each open a few connections as the same user from the
# same address; the default allows ten.
protocol imap {
  mail_max_userip_connections = 200
}
EOF

# The daemon keeps whatever descriptors it starts with: given the caller's
# stdout or stderr, a pipe such as `.ci/run | tee` would never see its end.
if ! (
  for fd in /proc/$BASHPID/fd/*; do
    n=${fd##*/}
    if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi
  done
  exec dovecot -c "$conf" </dev/null >/dev/null 2>>"$dir/start.log"
); then
  echo "dovecot.sh: dovecot did not start:" >&2
  cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null || true
  exit 1
fi

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "dovecot: IMAP on 127.0.0.1:$port, user ward, password ward, files in $dir"
    exit 0
  fi
  sleep 0.1
done
echo "dovecot.sh: nothing answers on 127.0.0.1:$port after 10s; the log:" >&2
cat "$dir/dovecot.log" >&2 2>/dev/null || true
exit 1
