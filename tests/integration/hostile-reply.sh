#!/bin/sh
# hostile-reply.sh - replies built to be costly to read, delivered to the
# reply mailbox while survey mails go through the milter (real Postfix,
# Dovecot and SQLite, tests/integration/rig.sh):
#
#  1. an HTML-only reply whose one tag has 100,000 attributes (889 KB),
#     in one batch with 20 ordinary replies, while 60 mails (surveys among
#     them) go through Postfix and npsgate-milter over 6 connections:
#     every survey mail gets its survey (tests/soak/load.py, strict: no
#     tag left, one store row each), the milter never finds the store
#     locked, the ordinary replies are stored, and the hostile one is in
#     the review folder within 30 s, the hook's log saying which limit;
#  2. a large but legal HTML reply (40 MB of paragraphs, seconds of
#     analysis) in a batch with 20 ordinary replies, while 300 mails go
#     through the milter, which runs with busy_timeout_ms = 500: the analysis is done before the
#     write transaction opens, so no survey mail waits for it; the reply
#     is read (processed, with its score).
# Needs root, postfix, smtp-sink, dovecot, sqlite3, python3; skips (77)
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

T=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-hostile.XXXXXX") || exit 99
chmod 755 "$T"
cleanup() {
	[ -n "${SENDPID:-}" ] && kill "$SENDPID" 2>/dev/null
	rig_stop_all
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

rig_init "$T/rig"
rig_dovecot_init customer
chown nobody "$RIG/db"
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null || exit 99
chown nobody "$RIG/keys"
rig_start_sink || exit 99
rig_start_milter || exit 99
rig_start_postfix || exit 99
rig_start_dovecot || exit 99
DB=$RIG/db/npsgate.db
sql() { sqlite3 -cmd '.timeout 20000' "$DB" "$1"; }

# replies PREFIX N: N surveys (mksurvey) and an ordinary reply to each in
# $T/PREFIX (rNNNN.eml, appended in that order).
replies() {
	"$MKSURVEY" "$RIG/npsgate.conf" customer@example.com "$2" \
	    >"$T/$1.surveys" || exit 99
	chown nobody "$DB"* 2>/dev/null
	mkdir -p "$T/$1"
	i=0
	while read -r id token; do
		i=$((i + 1))
		printf 'From: Customer <customer@example.com>\nTo: nps+%s@reply.example\nSubject: Re: your ticket\nMessage-ID: <%s-%d@customer.example>\nContent-Type: text/plain; charset=utf-8\n\n%d\n\nComment %d.\n' \
		    "$token" "$1" "$i" $((i % 11)) "$i" \
		    >"$(printf '%s/%s/r%04d.eml' "$T" "$1" "$i")"
	done <"$T/$1.surveys"
}

# big_reply FILE KIND TOKEN: the costly reply, HTML only.
big_reply() {
	python3 - "$@" <<'PY'
import sys
path, kind, token = sys.argv[1:4]
head = ("From: Customer <customer@example.com>\nTo: nps+%s@reply.example\n"
        "Subject: Re: your ticket\nMessage-ID: <%s@customer.example>\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        % (token, kind)).encode()
if kind == "attrs":
    body = (b"<html><body><div " +
            b" ".join(b"a%d=x" % i for i in range(100000)) +
            b">9 merci</div></body></html>\n")
else:
    para = (b"<p>" + b"Bonjour, merci pour votre aide rapide et efficace. "
            * 16 + b"</p>\n")
    body = (b"<html><body><div>9, merci</div>" +
            para * (40 * 1024 * 1024 // len(para)) + b"</body></html>\n")
open(path, "wb").write(head + body)
PY
}

# in_folder FOLDER MSGID SECONDS: waits until FOLDER holds the message.
in_folder() {
	i=0
	while [ $i -lt $(($3 * 2)) ]; do
		$IMAPCTL "$IMAP_PORT" ids "$1" 2>/dev/null | grep -qF "$2" &&
		    return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# mails_send NAME N: starts sending N load.py mails over 6 connections
# (in the background, while the hook works).
mails_send() {
	d=$T/m-$1
	mkdir -p "$d"
	rm -rf "$RIG/sink"/*
	pre_s=$(sql "SELECT coalesce(max(rowid), 0) FROM surveys")
	pre_e=$(sql "SELECT coalesce(max(id), 0) FROM events")
	log_at=$(wc -l <"$RIG/milter.log")
	$LOAD make "$d" "$2" || exit 99
	$LOAD send "$d" "$SMTP_PORT" 6 >"$d/send.log" 2>&1 &
	SENDPID=$!
}

# mails_check NAME N: waits for Postfix to deliver them, checks them
# strictly against a copy of the store without the rows that were there
# before (the surveys of the replies, an earlier round's).
mails_check() {
	d=$T/m-$1
	wait $SENDPID
	SENDPID=
	i=0
	while [ $i -lt 120 ]; do
		n=$(find "$RIG/sink" -type f | wc -l)
		q=$(postqueue -c "$RIG/etc" -j 2>/dev/null | wc -l)
		[ "$q" -eq 0 ] && [ "$n" -ge "$2" ] && break
		[ $((i % 5)) -eq 4 ] && postqueue -c "$RIG/etc" -f >/dev/null 2>&1
		sleep 1
		i=$((i + 1))
	done
	chown nobody "$DB"* 2>/dev/null
	sqlite3 -cmd '.timeout 20000' "$DB" ".backup $d/check.db" &&
	    sqlite3 "$d/check.db" "DELETE FROM surveys WHERE rowid <= $pre_s;
	    DELETE FROM events WHERE id <= $pre_e" || exit 99
	LOAD_MODE=strict $LOAD check "$d" "$RIG/sink" "$RIG/keys" \
	    "$d/check.db" >"$d/check.log" 2>&1
	st=$?
	sed 's/^/   /' "$d/check.log" | grep -v '^   mix:'
	return $st
}

# locked: how many times the milter found the store locked since
# mails_send.
locked() {
	tail -n +$((log_at + 1)) "$RIG/milter.log" | grep -c 'database is locked'
}

# stored PREFIX: how many of its ordinary replies the store holds.
stored() {
	sql "SELECT count(*) FROM processed WHERE msg_key LIKE '<$1-%'"
}

echo "1. a tag with 100,000 attributes, while mails go through the milter"
replies a 20
token=$(head -1 "$T/a.surveys" | cut -d' ' -f2)
big_reply "$T/a/a0000.eml" attrs "$token"
$IMAPCTL "$IMAP_PORT" append "$T/a" >/dev/null || exit 99
start=$(date +%s)
rig_start_hook || exit 99
sleep 1
mails_send attrs 60
mails_check attrs 60 ||
    fail "survey mails sent while the hook read the hostile reply"
if in_folder NeedsReview '<attrs@customer.example>' 30; then
	ok "the hostile reply is in NeedsReview after $(($(date +%s) - start)) s"
else
	fail "the hostile reply is not in NeedsReview after 30 s"
fi
grep -q 'kind=unparsed .*why="unparsed: HTML part with 100000 attributes in one tag' \
    "$RIG/hook.log" && ok "the hook's log names the limit" ||
    fail "no log line names the limit: $(grep 'attrs@' "$RIG/hook.log")"
n=$(stored a)
[ "$n" -eq 20 ] && ok "the 20 ordinary replies of its batch are stored" ||
    fail "$n of the 20 ordinary replies stored"
n=$(locked)
[ "$n" -eq 0 ] && ok "the milter never found the store locked" ||
    fail "the milter found the store locked $n times"

echo "2. 40 MB of legal HTML, milter busy_timeout_ms = 500"
rig_stop_hook
rig_stop_milter
sed -i 's/^\[store\]$/[store]\nbusy_timeout_ms = 500/' "$RIG/npsgate.conf"
grep -q '^busy_timeout_ms = 500' "$RIG/npsgate.conf" || exit 99
rig_start_milter || exit 99
replies b 20
token=$(head -1 "$T/b.surveys" | cut -d' ' -f2)
# Third in its batch: the hook stores the ones before it in the same
# transaction.
big_reply "$T/b/r0003x.eml" large "$token"
$IMAPCTL "$IMAP_PORT" append "$T/b" >/dev/null || exit 99
# The mails flow while the hook starts, fetches and reads its first
# batches.
mails_send large 300
start=$(date +%s)
rig_start_hook || exit 99
mails_check large 300 ||
    fail "survey mails sent while the hook read the large reply"
if in_folder Processed '<large@customer.example>' 60; then
	ok "the large reply is read and processed after $(($(date +%s) - start)) s"
else
	fail "the large reply is not in Processed after 60 s"
fi
n=$(stored b)
[ "$n" -eq 20 ] && ok "the 20 ordinary replies of its batch are stored" ||
    fail "$n of the 20 ordinary replies stored"
n=$(locked)
[ "$n" -eq 0 ] && ok "the milter never found the store locked" ||
    fail "the milter found the store locked $n times"
crashes=$(grep -c 'AddressSanitizer\|runtime error' "$RIG/hook.log" \
    "$RIG/milter.log" | awk -F: '{ s += $NF } END { print s + 0 }')
[ "$crashes" -eq 0 ] || fail "$crashes sanitizer reports"

[ $fails -eq 0 ]
