#!/bin/sh
# milter-guards.sh - what npsgate-milter refuses to do, inside a real,
# private Postfix (tests/integration/postfix-rig.sh), swaks sending and
# smtp-sink receiving:
#   - a mail to the reply address, with the tag and an agent's header, is
#     never a survey: no token, no tag, no X-NPS-*, no row;
#   - a store locked by another process: the milter's bounded wait
#     ([milter] store_wait_ms) runs out, and the mail leaves without a
#     survey and without the raw tag;
#   - out of scope ([milter] scope_senders, scope_clients), a mail is
#     accepted untouched and leaves no row; in scope, it is surveyed;
#   - started as root without [milter] user, the milter refuses to run;
#   - a second milter never takes over the unix socket of a live one,
#     and the first one keeps serving on it; a milter that stops removes
#     its own socket, never one another milter made at the same path.
# Exit 77 (skip) only when Postfix is not installed.

set -u

PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; exit 77; }
command -v smtp-sink >/dev/null 2>&1 || { echo "smtp-sink not installed"; exit 77; }

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

if ! command -v swaks >/dev/null 2>&1; then
	apt-get install -y swaks >/dev/null 2>&1 ||
	    { echo "swaks missing and cannot be installed"; exit 1; }
fi
if [ "$(id -u)" != 0 ]; then
	echo "milter-guards.sh: needs root (a private Postfix instance)"
	exit 1
fi

. "$top_srcdir/tests/integration/postfix-rig.sh"
CHECK="python3 $top_srcdir/tests/tools/mailcheck.py"
. "$top_srcdir/tests/integration/tap.sh"

T=$(mktemp -d /tmp/npsgate-guards-XXXXXX)
finish() {
	[ -n "${LOCK_PID:-}" ] && kill -TERM "$LOCK_PID" 2>/dev/null
	[ -n "${U1_PID:-}" ] && kill -TERM "$U1_PID" 2>/dev/null
	[ -n "${U2_PID:-}" ] && kill -TERM "$U2_PID" 2>/dev/null
	rig_stop
	tap_finish milter-guards.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog milter-guards.sh 400

rig_init "$T"
# The rig's config ends in [milter]: these lines are in it.
printf 'store_wait_ms = 300\n' >>"$RIG/npsgate.conf"
cp "$RIG/npsgate.conf" "$RIG/base.conf"
rig_start_all || exit 1

SEQ=0
# mkmail TO HEADERS -> $MAIL, $MARK: a help-desk mail with the tag
mkmail() {
	SEQ=$((SEQ + 1))
	MARK="npsgate-guard-$SEQ-$$"
	MAIL="$RIG/mail-$SEQ.eml"
	{
		printf 'From: <%s>\r\nTo: <%s>\r\n' "$FROM" "$1"
		printf 'Subject: %s\r\n' "$MARK"
		printf 'Message-ID: <%s@shop.example>\r\n' "$MARK"
		[ -n "$2" ] && printf '%s\n' "$2" | sed 's/$/\r/'
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
		printf 'Ten out of ten.\r\n[InsertSatisfactionEvaluation]\r\n'
	} >"$MAIL"
}
# deliver TO HEADERS -> $GOT, the file smtp-sink wrote, or ""
deliver() {
	mkmail "$1" "$2"
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from "$FROM" --to "$1" --data - <"$MAIL" \
	    >"$RIG/swaks.out" 2>&1 || { cat "$RIG/swaks.out"; GOT=; return 1; }
	GOT=$(rig_wait_file "$MARK" 30) || GOT=
	[ -n "$GOT" ]
}
has_tag() { grep -qF '[InsertSatisfactionEvaluation]' "$1"; }
has_nps() { sed -n '1,/^\r\{0,1\}$/p' "$1" | grep -qi '^x-nps-'; }
rows() { sql "SELECT count(*) FROM surveys WHERE recipient='$1';"; }
restart_milter() {	# restart_milter LINES: base config plus LINES
	rig_stop_milter
	cp "$RIG/base.conf" "$RIG/npsgate.conf"
	printf '%s\n' "$1" >>"$RIG/npsgate.conf"
	rig_start_milter
}

FROM=customer@internet.example
AGENT='X-NPS-Agent: marie
X-NPS-Ticket: T-1'

# --- 1. a mail to the reply address ------------------------------------
if deliver nps@reply.example "$AGENT"; then
	ok "mail to the reply address delivered"
	check "reply address: no token anywhere" eval "! grep -qi 'nps+' '$GOT'"
	check "reply address: tag removed" eval "! has_tag '$GOT'"
	check "reply address: no X-NPS-* header" eval "! has_nps '$GOT'"
	check "reply address: no survey row" test "$(sql 'SELECT count(*) FROM surveys;')" = 0
	check "reply address: logged as never a survey" \
	    grep -q "to the reply domain (<nps@reply.example>): never a survey" "$RIG/milter.log"
else
	notok "mail to the reply address delivered"
fi
# The milter is at work: the same mail to a customer is a survey.
FROM=helpdesk@shop.example
if deliver c1@example.com "$AGENT"; then
	check "customer: surveyed" grep -qi 'nps+' "$GOT"
	check "customer: one survey row" test "$(rows c1@example.com)" = 1
else
	notok "mail to a customer delivered"
fi

# --- 2. a locked store --------------------------------------------------
python3 - "$RIG/db/npsgate.db" >"$RIG/lock.out" 2>&1 <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(60)
EOF
LOCK_PID=$!
i=0
while ! grep -q locked "$RIG/lock.out" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
t0=$(date +%s)
if deliver c2@example.com "$AGENT"; then
	ok "mail with the store locked delivered"
	check "locked store: no raw tag" eval "! has_tag '$GOT'"
	check "locked store: no token" eval "! grep -qi 'nps+' '$GOT'"
	check "locked store: no X-NPS-* header" eval "! has_nps '$GOT'"
	check "locked store: logged, passed without a survey" \
	    grep -q "passed without a survey: .*locked" "$RIG/milter.log"
	check "locked store: delivered within 15 s" test $(($(date +%s) - t0)) -lt 15
else
	notok "mail with the store locked delivered"
fi
kill -TERM "$LOCK_PID" 2>/dev/null
wait "$LOCK_PID" 2>/dev/null
LOCK_PID=
check "locked store: no survey row" test "$(rows c2@example.com)" = 0

# --- 3. the scope --------------------------------------------------------
restart_milter 'scope_senders = helpdesk@shop.example' ||
    notok "milter restarted with scope_senders"
FROM=other@shop.example
if deliver c3@example.com "$AGENT"; then
	ok "out-of-scope sender: delivered"
	check "out-of-scope sender: tag left as it was" has_tag "$GOT"
	check "out-of-scope sender: headers left as they were" has_nps "$GOT"
	check "out-of-scope sender: no survey row" test "$(rows c3@example.com)" = 0
	check "out-of-scope sender: no event row" test \
	    "$(sql "SELECT count(*) FROM events WHERE recipient='c3@example.com';")" = 0
else
	notok "out-of-scope sender: delivered"
fi
FROM=helpdesk@shop.example
if deliver c4@example.com "$AGENT"; then
	check "in-scope sender: surveyed" grep -qi 'nps+' "$GOT"
	check "in-scope sender: no X-NPS-* header" eval "! has_nps '$GOT'"
	check "in-scope sender: one survey row" test "$(rows c4@example.com)" = 1
else
	notok "in-scope sender: delivered"
fi
restart_milter 'scope_clients = 192.0.2.0/24' ||
    notok "milter restarted with scope_clients"
if deliver c5@example.com "$AGENT"; then
	ok "out-of-scope client: delivered"
	check "out-of-scope client: tag left as it was" has_tag "$GOT"
	check "out-of-scope client: no survey row" test "$(rows c5@example.com)" = 0
else
	notok "out-of-scope client: delivered"
fi
restart_milter 'scope_clients = 127.0.0.0/8, ::1' ||
    notok "milter restarted with scope_clients"
if deliver c6@example.com "$AGENT"; then
	check "in-scope client: surveyed" grep -qi 'nps+' "$GOT"
	check "in-scope client: one survey row" test "$(rows c6@example.com)" = 1
else
	notok "in-scope client: delivered"
fi

# --- 4. root without [milter] user ---------------------------------------
grep -v '^user = ' "$RIG/base.conf" >"$RIG/rootless.conf"
timeout 10 "$NPSGATE_MILTER" -f -c "$RIG/rootless.conf" \
    -p "inet:$(rig_free_port 40000)@127.0.0.1" >"$RIG/root.log" 2>&1
rc=$?
check "root without user: refused (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "root without user: says what to set" \
    grep -q "started as root without \[milter\] user" "$RIG/root.log"

# --- 5. a second milter on a live unix socket ----------------------------
mkdir -p "$RIG/sock"
chown nobody "$RIG/sock"
SOCK="$RIG/sock/milter.sock"
"$NPSGATE_MILTER" -f -c "$RIG/base.conf" -p "unix:$SOCK" \
    >"$RIG/u1.log" 2>&1 &
U1_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "unix socket: made" test -S "$SOCK"
check "unix socket: mode 0660" test "$(stat -c %a "$SOCK")" = 660
ino1=$(stat -c %i "$SOCK")
timeout 10 "$NPSGATE_MILTER" -f -c "$RIG/base.conf" -p "unix:$SOCK" \
    >"$RIG/u2.log" 2>&1
rc=$?
check "second milter: refused (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "second milter: says another one listens" \
    grep -q "another npsgate-milter is listening" "$RIG/u2.log"
check "second milter: the socket is still the first one's" \
    test "$(stat -c %i "$SOCK" 2>/dev/null)" = "$ino1"
check "first milter: still running" kill -0 "$U1_PID"
check "first milter: still answers on the socket" python3 - "$SOCK" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()
EOF
# The first milter's socket removed by hand, a second one takes the path;
# when the first one stops, it leaves the second one's socket alone.
rm -f "$SOCK"
"$NPSGATE_MILTER" -f -c "$RIG/base.conf" -p "unix:$SOCK" \
    >"$RIG/u2b.log" 2>&1 &
U2_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ino2=$(stat -c %i "$SOCK" 2>/dev/null)
rig_term_wait "$U1_PID"
U1_PID=
check "first milter stopped: the second one's socket is still there" \
    test "$(stat -c %i "$SOCK" 2>/dev/null)" = "$ino2"
check "second milter: still answers on the socket" python3 - "$SOCK" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()
EOF
rig_term_wait "$U2_PID"
U2_PID=
check "second milter stopped: its socket removed" test ! -e "$SOCK"
check "no private socket name left behind" \
    test -z "$(ls "$RIG/sock")"
# A socket left behind by a dead milter is no obstacle.
python3 - "$SOCK" <<'EOF'
import os, socket, sys
try:
    os.unlink(sys.argv[1])
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()
EOF
"$NPSGATE_MILTER" -f -c "$RIG/base.conf" -p "unix:$SOCK" \
    >"$RIG/u3.log" 2>&1 &
U2_PID=$!
sleep 1
check "stale socket: replaced by a new milter" kill -0 "$U2_PID"
rig_term_wait "$U2_PID"
U2_PID=

tap_done
