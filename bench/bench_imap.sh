#!/bin/sh
# bench_imap.sh - how much the hook costs on top of reading the mail.
#
#   bench/bench_imap.sh [--quick | COUNT]   (from a build tree; default
#                                           10000, --quick 3000: fewer
#                                           measure the login more than
#                                           the ingest)
#
# Starts a private Dovecot on loopback, records COUNT surveys, APPENDs one
# reply to each, then times
#   fetch:  bench/bench_fetch - one UID FETCH BODY.PEEK[] per message over
#           one connection, with the hook's IMAP code, nothing else
#           (run twice; the faster run counts, which favours the baseline);
#   ingest: npsgate-imapd-hook --once - fetch, analyse, store (one
#           transaction per message) and MOVE to the folder.
# and prints the ratio ingest / fetch. Target: <= 1.5. The last line is a
# BENCH line for bench/run (format in bench/lib.sh).
# Not a test: it takes a minute or two, most of it in the APPENDs.
set -u

N=${1:-10000}
[ "$N" = --quick ] && N=3000
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
PY=${PYTHON3:-python3}
# shellcheck source=../tests/lib/dovecot.sh
. "$top_srcdir/tests/lib/dovecot.sh"
HOOK=$top_builddir/npsgate-imapd-hook
NPSGATE=$top_builddir/npsgate
MKSURVEY=$top_builddir/tests/tools/mksurvey
FETCH=$top_builddir/bench/bench_fetch
for p in "$HOOK" "$NPSGATE" "$MKSURVEY" "$FETCH"; do
	[ -x "$p" ] || { echo "bench_imap: $p is not built (make first)"; exit 1; }
done
command -v dovecot >/dev/null 2>&1 || { echo "bench_imap: needs dovecot"; exit 1; }

T=$(mktemp -d /tmp/npsgate-bench-imap.XXXXXX) || exit 1
chmod 755 "$T"
trap 'doveadm -c "$T/dovecot.conf" stop 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])')
dovecot_private_user "$T" nps
# APPENDs without fsync (minutes otherwise); the timed part runs with
# Dovecot's default (mail_fsync = optimized), see below.
dovecot_private_conf "$T" "npsgate-bench-$$" "$PORT" 0 \
    "mail_fsync = never" || exit 1
dovecot -c "$T/dovecot.conf" || exit 1
printf 'secret\n' >"$T/imap.pass"
chmod 600 "$T/imap.pass"
cat >"$T/npsgate.conf" <<EOF
[general]
reply_address = nps@reply.example
key_file = $T/keys
[store]
path = $T/npsgate.db
[milter]
socket = inet:8891@127.0.0.1
[imap]
host = 127.0.0.1
port = $PORT
tls = none
user = nps
password_file = $T/imap.pass
mailbox = INBOX
[followup]
# Measured here: fetch, analysis, store and filing. An acknowledgment
# would add one sendmail run per answer.
ack = no
EOF
"$NPSGATE" keygen -c "$T/npsgate.conf" >/dev/null || exit 1
"$MKSURVEY" "$T/npsgate.conf" customer@example.com "$N" >"$T/surveys" ||
    exit 1

echo "appending $N replies..."
$PY - "$T/surveys" "$T/msgs" <<'EOF'
import os, sys
os.makedirs(sys.argv[2])
comments = ["Tres bon accueil, merci.", "Un peu long, mais resolu.",
            "Great support, thanks!", "", "Rien a dire."]
for i, line in enumerate(open(sys.argv[1])):
    sid, tok = line.split()
    body = "%d\r\n\r\n%s\r\n\r\nLe lun. 23 nov. 2026, Support a ecrit :\r\n" \
           "> Notez-nous de 0 a 10\r\n" % (i % 11, comments[i % 5])
    msg = ("From: Client <customer@example.com>\r\n"
           "To: nps+%s@reply.example\r\n"
           "Message-ID: <bench-%d@client.example>\r\n"
           "In-Reply-To: <%s@helpdesk.test>\r\n"
           "Subject: Re: Note : %d/10\r\n"
           "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n%s"
           % (tok, i, sid, i % 11, body))
    with open(os.path.join(sys.argv[2], "%06d.eml" % i), "w") as fp:
        fp.write(msg)
EOF
$PY "$top_srcdir/tests/tools/imapctl.py" "$PORT" append "$T/msgs" \
    >/dev/null || exit 1

doveadm -c "$T/dovecot.conf" stop
sed -i '/^mail_fsync/d' "$T/dovecot.conf"
sleep 1
dovecot -c "$T/dovecot.conf" || exit 1

f1=$("$FETCH" "$T/npsgate.conf") || exit 1
f2=$("$FETCH" "$T/npsgate.conf") || exit 1
fetch=$(printf '%s\n%s\n' "$f1" "$f2" | awk '{ print $2 }' | sort -n | head -1)
count=$(echo "$f1" | awk '{ print $1 }')

# date(1), not python: its start-up (some 30 ms) would count as ingest.
t0=$(date +%s.%N)
"$HOOK" -c "$T/npsgate.conf" --once -f 2>"$T/hook.log" || {
	echo "bench_imap: the hook failed:"; tail -5 "$T/hook.log"; exit 1; }
t1=$(date +%s.%N)
stored=$(sqlite3 "$T/npsgate.db" "SELECT count(*) FROM processed")
left=$($PY "$top_srcdir/tests/tools/imapctl.py" "$PORT" counts INBOX)

awk -v n="$count" -v f="$fetch" -v a="$t0" -v b="$t1" -v s="$stored" \
    -v l="$left" 'BEGIN {
	i = b - a
	printf "fetch:  %d messages in %.2f s (%.0f/s)\n", n, f, n / f
	printf "ingest: %d stored in %.2f s (%.0f/s), %s\n", s, i, s / i, l
	printf "ratio ingest/fetch: %.2f (target <= 1.5)\n", i / f
}'
. "$top_srcdir/bench/lib.sh"
bench_result imap_ingest "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
    s "$fetch" "$(bench_div "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$fetch")" \
    "ratio<=1.5" "IMAP ingest of $count replies, wall (ref: bare UID FETCH)"
