#!/bin/sh
# store-outage.sh - npsgate-imapd-hook reading a private Dovecot while its
# store cannot be used for a while: every reply ends stored once, filed
# once and acknowledged once, within a bounded time of the store's return.
#
# The store refuses writes the way a busy or restarting database does:
# another process holds its write lock (BEGIN EXCLUSIVE) for longer than
# the hook's busy timeout and its retries (busy_timeout_ms = 100).
#
# 1. The store locked when 100 replies arrive: none can be stored, all
#    stay in INBOX; 8 s later the lock goes, and within 45 s every one is
#    stored, filed in Processed and acknowledged, with no new mail to
#    wake the hook.
# 2. 300 replies, and the acknowledgment of one of them (the sendmail
#    command) takes the lock for 5 s, 0.3 s after it, while the hook is
#    following up the rest of its batch and storing the next: every
#    answer is still stored once, filed once and acknowledged exactly
#    once (one mail per survey, one Message-ID each, every follow-up
#    recorded done).
#
# Needs dovecot (skips with 77 without it), python3 and sqlite3.
# Servers are stopped and the directory removed on any exit.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=../lib/dovecot.sh
. "$top_srcdir/tests/lib/dovecot.sh"
PY=${PYTHON3:-python3}
HOOK=$top_builddir/npsgate-imapd-hook
NPSGATE=$top_builddir/npsgate
MKSURVEY=$top_builddir/tests/tools/mksurvey
IMAPCTL="$PY $top_srcdir/tests/tools/imapctl.py"

if ! command -v dovecot >/dev/null 2>&1 || ! command -v doveadm \
    >/dev/null 2>&1; then
	echo "SKIP: dovecot is not installed"
	exit 77
fi
for t in "$PY" sqlite3; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t is needed"; exit 1; }
done
for p in "$HOOK" "$NPSGATE" "$MKSURVEY"; do
	[ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
done

T=$(mktemp -d /tmp/npsgate-outage.XXXXXX) || exit 1
chmod 755 "$T"
HOOKPID=
DOVECONF=
failures=0

cleanup() {
	[ -n "$HOOKPID" ] && kill "$HOOKPID" 2>/dev/null
	[ -n "$DOVECONF" ] && doveadm -c "$DOVECONF" stop 2>/dev/null
	if [ "$failures" -eq 0 ] || [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "kept $T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
ok() {
	echo "ok: $*"
}
# check WHAT EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1: $3"
	else fail "$1: want $2, got $3"; fi
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}

sql() {
	sqlite3 -cmd ".timeout 20000" "$T/npsgate.db" "$1"
}

# store_lock SECONDS READY - holds the store's write lock for
# SECONDS, in the background; READY appears once it is held.
store_lock() {
	sqlite3 "$T/npsgate.db" >/dev/null 2>&1 <<EOF &
.timeout 20000
BEGIN EXCLUSIVE;
.shell touch $2
.shell sleep $1
COMMIT;
EOF
	LOCKPID=$!
}

# wait_file FILE SECONDS
wait_file() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		[ -e "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_done N SECONDS - until N replies are stored, filed and followed
# up, or SECONDS pass; prints the seconds it took, or "never"
wait_done() {
	s=0
	while [ "$s" -lt "$2" ]; do
		c=$($IMAPCTL "$P_IMAP" counts INBOX Processed)
		d=$(sql "SELECT count(*) FROM followups WHERE state = 'done'")
		if [ "$c" = "INBOX=0 Processed=$1" ] && [ "$d" = "$1" ]; then
			echo "$s"
			return 0
		fi
		sleep 1
		s=$((s + 1))
	done
	echo never
	return 1
}

# replies DIR FROM TO - one reply "9" per survey of lines FROM..TO
replies() {
	mkdir -p "$1"
	sed -n "$2,$3p" "$T/surveys" | while read -r sid tok; do
		{
			printf 'From: <customer@example.com>\r\n'
			printf 'To: nps+%s@reply.example\r\n' "$tok"
			printf 'Message-ID: <r-%s@test>\r\n' "$sid"
			printf 'Subject: Re: Votre avis\r\nMIME-Version: 1.0\r\n'
			printf 'Content-Type: text/plain; charset=utf-8\r\n'
			printf '\r\n9\r\n'
		} >"$1/$sid.eml"
	done
}

# The figures every phase checks: N answers, each once everywhere.
check_once() {
	check "$1: replies stored" "$2" "$(sql "SELECT count(*) FROM
	    processed")"
	check "$1: answers stored once" "$2" "$(sql "SELECT count(*) FROM
	    responses")"
	check "$1: folders" "INBOX=0 Processed=$2" \
	    "$($IMAPCTL "$P_IMAP" counts INBOX Processed)"
	check "$1: acknowledgments handed to sendmail" "$2" \
	    "$(wc -l <"$T/sent" | tr -d ' ')"
	check "$1: one acknowledgment per survey" "$2" \
	    "$(sort -u "$T/sent" | wc -l | tr -d ' ')"
	check "$1: follow-ups recorded done" "$2 0" \
	    "$(sql "SELECT count(*) || ' ' || count(CASE WHEN state <> 'done'
	    THEN 1 END) FROM followups")"
}

# ---------------------------------------------------------------- setup
P_IMAP=$(free_port)
D=$T/dovecot
mkdir -p "$D"
: >"$D/passwd"
dovecot_private_user "$D" nps
dovecot_private_conf "$D" "npsgate-test-outage-$$" "$P_IMAP" 0 \
    "mail_fsync = never"
DOVECONF=$D/dovecot.conf
dovecot -c "$DOVECONF" || { fail "dovecot did not start"; exit 1; }
printf 'secret\n' >"$T/imap.pass"
chmod 600 "$T/imap.pass"
cat >"$T/npsgate.conf" <<EOF
[general]
reply_address = nps@reply.example
key_file = $T/keys
templates_dir = $top_srcdir/templates
[store]
path = $T/npsgate.db
busy_timeout_ms = 100
[milter]
socket = inet:8891@127.0.0.1
[imap]
host = 127.0.0.1
port = $P_IMAP
tls = none
user = nps
password_file = $T/imap.pass
mailbox = INBOX
[followup]
sendmail = $T/sendmail
EOF
# sendmail: one line per acknowledgment, its Message-ID; the call that
# $T/lock-at names takes the store's lock, 0.3 s later, for 5 s.
cat >"$T/sendmail" <<EOF
#!/bin/sh
d=$T
id=\$(sed -n 's/^[Mm]essage-[Ii][Dd]: *//p' | head -n 1)
n=\$(( \$(cat "\$d/n" 2>/dev/null || echo 0) + 1 ))
echo \$n >"\$d/n"
echo "\$id" >>"\$d/sent"
if [ "\$n" = "\$(cat "\$d/lock-at" 2>/dev/null)" ]; then
	( sleep 0.3
	  sqlite3 "\$d/npsgate.db" <<EOS
.timeout 20000
BEGIN EXCLUSIVE;
.shell touch \$d/locked2
.shell sleep 5
COMMIT;
EOS
	) </dev/null >/dev/null 2>&1 &
fi
exit 0
EOF
chmod 755 "$T/sendmail"
: >"$T/sent"
"$NPSGATE" keygen -c "$T/npsgate.conf" >/dev/null ||
    { fail "npsgate keygen"; exit 1; }
"$MKSURVEY" "$T/npsgate.conf" customer@example.com 400 >"$T/surveys" ||
    { fail mksurvey; exit 1; }
replies "$T/a" 1 100
replies "$T/b" 101 400

"$HOOK" -f -c "$T/npsgate.conf" >"$T/hook.log" 2>&1 &
HOOKPID=$!
i=0
until grep -q "connected to" "$T/hook.log" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { fail "the hook did not connect"; exit 1; }
	sleep 0.1
done

# ----------------------------------- 1. replies arrive while it is locked
echo "== 1. 100 replies while the store is locked for 8 s"
store_lock 8 "$T/locked1"
wait_file "$T/locked1" 10 || { fail "the store could not be locked"; exit 1; }
check "appended" 100 "$($IMAPCTL "$P_IMAP" append "$T/a")"
# The lock still held: what the hook could not store is in INBOX.
sleep 2
left=$($IMAPCTL "$P_IMAP" counts INBOX)
[ "$left" != "INBOX=0" ] && ok "left in INBOX while locked: $left" ||
    fail "nothing left in INBOX while the store was locked"
wait "$LOCKPID"
took=$(wait_done 100 45)
[ "$took" != never ] &&
    ok "all stored, filed, acknowledged ${took} s after the lock went" ||
    fail "replies left after 45 s: $($IMAPCTL \
    "$P_IMAP" counts INBOX Processed), $(sql "SELECT count(*) FROM
    followups WHERE state = 'done'") follow-ups done"
check_once "1" 100
grep -q "left in INBOX" "$T/hook.log" && ok "the hook said what it left" ||
    fail "no 'left in INBOX' in the log"

# --------------------------------------- 2. locked in the middle of a run
echo "== 2. 300 replies, the store locked for 5 s in the middle"
echo 120 >"$T/lock-at"
check "appended" 300 "$($IMAPCTL "$P_IMAP" append "$T/b")"
wait_file "$T/locked2" 60 && ok "the store was locked during the run" ||
    fail "the store was never locked"
took=$(wait_done 400 60)
[ "$took" != never ] && ok "all stored, filed, acknowledged in ${took} s" ||
    fail "replies left after 60 s: $($IMAPCTL "$P_IMAP" counts INBOX \
    Processed), $(sql "SELECT count(*) FROM followups WHERE state =
    'done'") follow-ups done"
check_once "2" 400
echo "hook: $(grep -c 'left in INBOX' "$T/hook.log") messages left for" \
    "later, $(grep -c 'not recorded yet' "$T/hook.log") records retried"

kill "$HOOKPID"
wait "$HOOKPID"
check "hook exit status after SIGTERM" 0 $?
HOOKPID=
[ "$failures" -eq 0 ] || { tail -n 30 "$T/hook.log"; exit 1; }
echo "all passed"
exit 0
