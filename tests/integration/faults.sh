#!/bin/sh
# faults.sh - faults injected while the mail flows, against the real
# Postfix, Dovecot and SQLite (tests/integration/rig.sh):
#
# milter (through a private Postfix, mails checked by tests/soak/load.py):
#  1. the store made read-only (files and directory mode 0444/0555, the
#     milter restarted on it): every mail is delivered; a survey mail
#     leaves unchanged (internal headers removed), never with a token the
#     store lacks; the log says why, with the queue id;
#  2. the disk full (the store on a 16 MB tmpfs filled with dd): the same
#     (skipped where a tmpfs cannot be mounted);
#  3. npsgate-milter killed (kill -9) while 20 connections send, with
#     milter_default_action = tempfail: nothing lost or duplicated, every
#     mail processed once delivered; then with accept: nothing lost or
#     duplicated;
# IMAP hook (replies in a private Dovecot, store checked with sqlite3):
#  4. Dovecot killed (kill -9 of its master and children) and restarted
#     three times while the hook works through a batch;
#  5. the store locked by another process (BEGIN EXCLUSIVE held longer
#     than busy_timeout) while replies arrive;
#  6. the hook killed (kill -9) at random points, ten times, with Dovecot
#     killed too in every third round;
#  after 4-6: every reply stored exactly once and filed, none in INBOX.
# Ends with the summary table (cases tried, lost, duplicated, corrupted,
# crashes). Needs root, postfix, smtp-sink, dovecot, sqlite3; skips (77)
# without them and when NPSGATE_UNIT_ONLY=1.
set -u
[ "${NPSGATE_UNIT_ONLY:-}" = 1 ] && { echo "SKIP: NPSGATE_UNIT_ONLY=1"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in postfix smtp-sink dovecot doveadm sqlite3 python3; do
	command -v $c >/dev/null || { echo "SKIP: $c needed"; exit 77; }
done
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/rig.sh"
LOAD="python3 $top_srcdir/tests/soak/load.py"
IMAPCTL="python3 $top_srcdir/tests/tools/imapctl.py"
MKSURVEY=$top_builddir/tests/tools/mksurvey

T=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-faults.XXXXXX") || exit 99
chmod 755 "$T"
MNT=
cleanup() {
	[ -n "${HPID:-}" ] && kill -9 "$HPID" 2>/dev/null
	[ -n "${LOCKPID:-}" ] && kill "$LOCKPID" 2>/dev/null
	rig_stop_all
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
ROWS=
# row CASE TRIED LOST DUP CORRUPTED CRASHES: one line of the table.
row() {
	ROWS="$ROWS$(printf '%-26s %7s %6s %11s %10s %8s' "$@")
"
	[ "$3$4$5$6" = 0000 ] || { fails=$((fails + 1)); echo "FAIL: $1"; }
}
milter_crashed() {
	grep -c 'AddressSanitizer\|runtime error' "$RIG/milter.log"
}

# --------------------------------------------------------------- milter
rig_init "$T/rig"
MNT=$RIG/db
# Without the right to mount (an unprivileged container), everything but
# the disk-full case still runs, on the ordinary file system.
if ! mount -t tmpfs -o size=16m,mode=0755 tmpfs "$MNT" 2>/dev/null; then
	echo "   cannot mount a tmpfs: the disk-full case is skipped"
	MNT=
fi
chown nobody "$RIG/db"
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null || exit 99
chown nobody "$RIG/keys"
rig_start_sink || exit 99
rig_start_milter || exit 99
rig_start_postfix || exit 99

# send_batch NAME MAILS CONNS [MODE]: sends a load.py batch into an empty
# sink (running $DURING meanwhile, in this shell), waits for the queue to
# empty, checks with LOAD_MODE; leaves "TRIED LOST DUP CORRUPTED" in
# $T/result and the count of survey mails left unchanged in $T/degraded.
batch=0
send_batch() {
	name=$1 mails=$2 conns=$3 mode=${4:-strict}
	batch=$((batch + 1))
	d=$T/b$batch
	mkdir -p "$d"
	rm -rf "$RIG/sink"/*
	$LOAD make "$d" "$mails" || exit 99
	$LOAD send "$d" "$SMTP_PORT" "$conns" >"$d/send.log" 2>&1 &
	SENDPID=$!
	[ -n "${DURING:-}" ] && $DURING
	wait $SENDPID
	i=0
	while [ $i -lt 120 ]; do
		n=$(find "$RIG/sink" -type f | wc -l)
		q=$(postqueue -c "$RIG/etc" -j 2>/dev/null | wc -l)
		[ "$q" -eq 0 ] && [ "$n" -ge "$mails" ] && break
		[ $((i % 5)) -eq 4 ] && postqueue -c "$RIG/etc" -f >/dev/null 2>&1
		sleep 1
		i=$((i + 1))
	done
	LOAD_MODE=$mode $LOAD check "$d" "$RIG/sink" "$RIG/keys" \
	    "$RIG/db/npsgate.db" >"$d/check.log" 2>&1
	# The check reads the store as root: its WAL files stay the milter's.
	chown nobody "$RIG/db"/npsgate.db* 2>/dev/null
	sed 's/^/   /' "$d/check.log" | grep -v '^   mix:'
	python3 - "$d/result.json" "$T/degraded" >"$T/result" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write("%d" % r.get("degraded", 0))
print(r["tried"], r["lost"], r["duplicated"], r["corrupted"])
PY
}

echo "1. store read-only"
rig_stop_milter
chmod 0444 "$RIG/db"/npsgate.db*
chmod 0555 "$RIG/db"
rig_start_milter || exit 99
send_batch ro 60 6 degraded
set -- $(cat "$T/result")
deg=$(cat "$T/degraded")
logged=$(grep -c 'npsgate: internal error\|store' "$RIG/milter.log")
echo "   $deg survey mails left unchanged; $logged log lines name the store"
c=0
[ "$deg" -gt 0 ] && [ "$logged" -ge 1 ] || c=1
row "store read-only" "$1" "$2" "$3" $(($4 + c)) "$(milter_crashed)"
chmod 0755 "$RIG/db"
chmod 0644 "$RIG/db"/npsgate.db*
chown nobody "$RIG/db"/npsgate.db*

echo "2. disk full"
if [ -n "$MNT" ]; then
rig_stop_milter
rig_start_milter || exit 99
dd if=/dev/zero of="$RIG/db/fill" bs=64k 2>/dev/null
send_batch full 60 6 degraded
set -- $(cat "$T/result")
deg=$(cat "$T/degraded")
full=$(grep -c 'internal error.*disk is full' "$RIG/milter.log")
echo "   $deg survey mails left unchanged; $full log lines say" \
    "\"$(grep -m1 -o 'store .*disk is full' "$RIG/milter.log" | sed 's/.*: //')\""
c=0
[ "$deg" -gt 0 ] && [ "$full" -ge 1 ] || c=1
row "disk full" "$1" "$2" "$3" $(($4 + c)) "$(milter_crashed)"
rm -f "$RIG/db/fill"
fi

echo "3. milter killed mid-transaction"
kill_milter() {
	sleep 2
	kill -9 "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=
	sleep 2
	rig_start_milter
}
postconf -c "$RIG/etc" -e 'milter_default_action = tempfail'
timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
sleep 1
DURING=kill_milter
send_batch kill-tempfail 300 20 degraded
set -- $(cat "$T/result")
row "milter kill -9, tempfail" "$1" "$2" "$3" "$4" "$(milter_crashed)"
postconf -c "$RIG/etc" -e 'milter_default_action = accept'
timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
sleep 1
send_batch kill-accept 300 20 delivery
set -- $(cat "$T/result")
row "milter kill -9, accept" "$1" "$2" "$3" "$4" "$(milter_crashed)"
DURING=
rig_stop_all
[ -z "$MNT" ] || { umount "$MNT" && MNT=; }

# ---------------------------------------------------------------- hook
rig_init "$T/hrig"
rig_dovecot_init customer
chmod 0755 "$RIG/db"
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null || exit 99
rig_start_dovecot || exit 99
DB=$RIG/db/npsgate.db
sql() { sqlite3 -cmd '.timeout 20000' "$DB" "$1"; }

# replies PREFIX N: N surveys (mksurvey) and their replies in $T/PREFIX;
# append PREFIX puts them in INBOX.
replies() {
	"$MKSURVEY" "$RIG/npsgate.conf" customer@example.com "$2" \
	    >"$T/$1.surveys" || exit 99
	mkdir -p "$T/$1"
	i=0
	while read -r id token; do
		i=$((i + 1))
		printf 'From: Customer <customer@example.com>\nTo: nps+%s@reply.example\nSubject: Re: your ticket\nMessage-ID: <%s-%d@customer.example>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n%d\n\nComment %d.\n' \
		    "$token" "$1" "$i" $((i % 11)) "$i" \
		    >"$(printf '%s/%s/%04d.eml' "$T" "$1" "$i")"
	done <"$T/$1.surveys"
}
append() {
	$IMAPCTL "$IMAP_PORT" append "$T/$1" >/dev/null || exit 99
}
# verify PREFIX N CASE TRIED: every reply once, filed, table row.
verify() {
	ids=$(cut -d' ' -f1 "$T/$1.surveys" | sed "s/.*/'&'/" | paste -sd, -)
	keys=$(sql "SELECT count(*) FROM processed WHERE msg_key LIKE '<$1-%'")
	got=$(sql "SELECT count(*), count(DISTINCT survey_id) FROM responses
	    WHERE survey_id IN ($ids)" | tr '|' ' ')
	inbox=$($IMAPCTL "$IMAP_PORT" counts INBOX | sed 's/.*=//')
	set -- $got
	lost=0
	[ "$2" -lt "$N" ] && lost=$((N - $2))
	dup=$(($1 - $2))
	[ "$keys" -gt "$N" ] && dup=$((dup + keys - N))
	corr=0
	[ "$inbox" -eq 0 ] || corr=$inbox
	crashes=$(grep -c 'AddressSanitizer\|runtime error' "$RIG/hook.log")
	echo "   stored $2 of $N replies ($1 rows, $keys keys), INBOX $inbox"
	row "$CASE" "$N" "$lost" "$dup" "$corr" "$crashes"
}
wait_keys() {	# wait_keys PREFIX N SECONDS
	i=0
	while [ $i -lt $(($3 * 2)) ]; do
		[ "$(sql "SELECT count(*) FROM processed WHERE msg_key LIKE
		    '<$1-%'")" -ge "$2" ] &&
		    [ "$($IMAPCTL "$IMAP_PORT" counts INBOX | sed 's/.*=//')" \
		    -eq 0 ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}
kill_dovecot() {
	pid=$(cat "$DOVE/run/master.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	pkids=$(pgrep -P "$pid")
	kill -9 "$pid" $pkids 2>/dev/null
	sleep 0.3
	rm -f "$DOVE/run/master.pid"
	DOVE_STARTED=
	i=0
	until rig_start_dovecot >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 20 ] || { echo "dovecot does not restart"; exit 99; }
		sleep 0.5
	done
}

echo "4. Dovecot killed and restarted during a batch"
N=200 CASE="dovecot kill -9"
replies d $N
append d
rig_start_hook || exit 99
for k in 1 2 3; do
	sleep 0.7
	kill_dovecot
done
wait_keys d $N 60 || echo "   not all stored within 60 s"
verify d

echo "5. store locked by another writer"
N=100 CASE="store locked"
replies l $N
python3 - "$DB" 8 >"$T/lock.log" 2>&1 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
c.execute("SELECT count(*) FROM surveys").fetchone()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
print("released", flush=True)
PY
LOCKPID=$!
sleep 1
append l
wait $LOCKPID
LOCKPID=
grep -q released "$T/lock.log" || echo "   the lock holder failed: $(cat "$T/lock.log")"
# The hook keeps running: every reply must be stored without a restart
# (one appended while the hook works through a batch included).
wait_keys l $N 30 ||
    echo "   replies still in INBOX after 30 s with the hook running"
verify l

echo "6. hook killed at random points (and Dovecot every third time)"
rig_stop_hook
N=600 CASE="hook kill -9"
replies k $N
append k
seed=$$
for k in 1 2 3 4 5 6 7 8 9 10; do
	"$NPSGATE_HOOK" -f -c "$RIG/npsgate.conf" >>"$RIG/hook.log" 2>&1 &
	HPID=$!
	sleep "$(awk -v s=$seed -v k=$k 'BEGIN { srand(s + k);
	    printf "%.3f", 0.3 + rand() * 0.5 }')"
	kill -9 "$HPID" 2>/dev/null
	wait "$HPID" 2>/dev/null
	HPID=
	[ $((k % 3)) -eq 0 ] && kill_dovecot
done
echo "   before the last run: $(sql "SELECT count(*) FROM processed WHERE
    msg_key LIKE '<k-%'") of $N stored"
rig_start_hook || exit 99
wait_keys k $N 60 || echo "   not all stored within 60 s"
verify k

echo
printf '%-26s %7s %6s %11s %10s %8s\n' case tried lost duplicated \
    corrupted crashes
printf '%s' "$ROWS"
[ $fails -eq 0 ]
