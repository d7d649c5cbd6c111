#!/bin/sh
# bench_imap.sh - how much the hook costs on top of reading the mail.
#
#   bench/bench_imap.sh [--quick | COUNT] [--against OLD_HOOK]
#                       [--store LINE] [--name ROW]
#                                  (from a build tree; default 10000,
#                                  --quick 3000: fewer measure the login
#                                  more than the ingest)
#
# Starts a private Dovecot on loopback, records COUNT surveys, APPENDs one
# reply to each, then times
#   fetch:  bench/bench_fetch - one UID FETCH BODY.PEEK[] per message over
#           one connection, with the hook's IMAP code, nothing else
#           (run twice; the faster run counts, which favours the baseline);
#   ingest: npsgate-imapd-hook --once -v - fetch, analyse, store (one
#           transaction per batch) and MOVE to the folders; its "pass:"
#           line says where the time went.
# and prints the ratio ingest / fetch. Target: <= 1.5. The last line is a
# BENCH line for bench/run (format in bench/lib.sh).
#
# --against OLD_HOOK: compare two builds of the hook on the same machine
# state. The mailbox and the store are saved after the APPENDs; then
# OLD_HOOK and this build's hook each run twice, alternately (old, new,
# old, new), each from the saved state and with a fetch reference of its
# own just before it, since the load of a busy machine drifts. Prints
# each run and the mean ratio of each side; the BENCH line is this
# build's.
# --store LINE: the [store] line of the config instead of an SQLite file
# in the run's directory, e.g. "url = postgresql://..." for an empty
# database (bench/bench_postgres.sh); not with --against, whose runs each
# start from a copy of the SQLite file. --name ROW: the BENCH row's name
# (imap_ingest).
# Not a test: it takes a minute or two, most of it in the APPENDs.
set -u

N=10000
OLD=
STORE=
ROW=imap_ingest
while [ $# -gt 0 ]; do
	case $1 in
	--quick) N=3000 ;;
	--against) OLD=${2:?--against needs a hook binary}; shift ;;
	--store) STORE=${2:?--store needs a config line}; shift ;;
	--name) ROW=${2:?--name needs a row name}; shift ;;
	*) N=$1 ;;
	esac
	shift
done
[ -n "$STORE" ] && [ -n "$OLD" ] &&
    { echo "bench_imap: --store and --against do not go together"; exit 2; }
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
PY=${PYTHON3:-python3}
# shellcheck source=../tests/lib/dovecot.sh
. "$top_srcdir/tests/lib/dovecot.sh"
HOOK=$top_builddir/npsgate-imapd-hook
NPSGATE=$top_builddir/npsgate
MKSURVEY=$top_builddir/tests/tools/mksurvey
FETCH=$top_builddir/bench/bench_fetch
for p in "$HOOK" "$NPSGATE" "$MKSURVEY" "$FETCH" ${OLD:+"$OLD"}; do
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
${STORE:-path = $T/npsgate.db}
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

# The binaries timed are copies: a rebuild during the run changes nothing.
cp "$HOOK" "$T/hook.new" || exit 1
[ -n "$OLD" ] && { cp "$OLD" "$T/hook.old" || exit 1; }

doveadm -c "$T/dovecot.conf" stop
sed -i '/^mail_fsync/d' "$T/dovecot.conf"
sleep 1
# The state every run starts from.
cp -a "$T/mail" "$T/mail.saved" || exit 1
for f in "$T/npsgate.db" "$T/npsgate.db-wal"; do
	[ -f "$f" ] && { cp -a "$f" "$f.saved" || exit 1; }
done

# run_once HOOK: restores the saved state, times the fetch reference
# (twice, the faster counts), a fetch by batches of 256 (for scale) and
# then HOOK; prints "FETCH INGEST STORED COUNT BATCHFETCH" and leaves
# HOOK's log in $T/hook.log.
run_once() {
	doveadm -c "$T/dovecot.conf" stop 2>/dev/null
	rm -rf "$T/mail" "$T/npsgate.db" "$T/npsgate.db-wal" "$T/npsgate.db-shm"
	cp -a "$T/mail.saved" "$T/mail" || return 1
	for f in "$T/npsgate.db" "$T/npsgate.db-wal"; do
		[ -f "$f.saved" ] && { cp -a "$f.saved" "$f" || return 1; }
	done
	sync
	dovecot -c "$T/dovecot.conf" || return 1
	f1=$("$FETCH" "$T/npsgate.conf") || return 1
	f2=$("$FETCH" "$T/npsgate.conf") || return 1
	fetch=$(printf '%s\n%s\n' "$f1" "$f2" | awk '{ print $2 }' |
	    sort -n | head -1)
	count=$(echo "$f1" | awk '{ print $1 }')
	fb=$("$FETCH" "$T/npsgate.conf" 256 | awk '{ print $2 }') || return 1
	# date(1), not python: its start-up (some 30 ms) would count as
	# ingest.
	t0=$(date +%s.%N)
	"$1" -c "$T/npsgate.conf" --once -f -v 2>"$T/hook.log" || {
		echo "bench_imap: the hook failed:" >&2
		tail -5 "$T/hook.log" >&2
		return 1
	}
	t1=$(date +%s.%N)
	if [ -n "$STORE" ]; then
		stored=$(psql -X -Atq "${STORE#url = }" \
		    -c "SELECT count(*) FROM processed")
	else
		stored=$(sqlite3 "$T/npsgate.db" \
		    "SELECT count(*) FROM processed")
	fi
	echo "$fetch $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') \
$stored $count $fb"
}

# Its fields, split on purpose.
# shellcheck disable=SC2086
report_run() {
	set -- $1
	awk -v f="$1" -v i="$2" -v s="$3" -v n="$4" -v b="$5" -v w="$6" \
	    'BEGIN {
		printf "%-4s fetch %d in %.2f s (%.0f/s; by 256: %.2f s), " \
		    "ingest %d in %.2f s (%.0f/s), ratio %.2f\n", w, n, f,
		    n / f, b, s, i, s / i, i / f
	}'
	grep -o 'pass: .*' "$T/hook.log" | sed 's/^/     /'
}

if [ -n "$OLD" ]; then
	: >"$T/runs"
	for _ in 1 2; do
		for which in old new; do
			r=$(run_once "$T/hook.$which") || exit 1
			echo "$r $which" >>"$T/runs"
			report_run "$r $which"
		done
	done
	awk '{ r[$6] += $2 / $1; c[$6]++ } END {
		printf "mean ratio: old %.2f, new %.2f\n", r["old"] / c["old"],
		    r["new"] / c["new"]
	}' "$T/runs"
	# shellcheck disable=SC2046
	set -- $(awk '$6 == "new" { f += $1; i += $2; n++ } END {
		print f / n, i / n, $4 }' "$T/runs")
	fetch=$1
	ingest=$2
	count=$3
else
	r=$(run_once "$T/hook.new") || exit 1
	report_run "$r new"
	# shellcheck disable=SC2086
	set -- $r
	fetch=$1
	ingest=$2
	count=$4
	left=$($PY "$top_srcdir/tests/tools/imapctl.py" "$PORT" counts INBOX)
	echo "left in the mailbox: $left"
fi
# The same target on PostgreSQL: bench/README.md, "What bounds
# pg_imap_ingest".
limit=1.5
echo "ratio ingest/fetch: $(awk -v i="$ingest" -v f="$fetch" \
    'BEGIN { printf "%.2f", i / f }') (target <= $limit)"
. "$top_srcdir/bench/lib.sh"
bench_result "$ROW" "$(awk -v i="$ingest" 'BEGIN { printf "%.2f", i }')" \
    s "$fetch" "$(bench_div "$ingest" "$fetch")" \
    "ratio<=$limit" "IMAP ingest of $count replies${STORE:+ into PostgreSQL}, wall (ref: bare UID FETCH)"
