#!/bin/sh
# bench_postgres.sh - the store on PostgreSQL against the same work on
# SQLite or without a store, on a private cluster (tests/lib/postgres.sh):
#   - pg_survey: Postfix + npsgate-milter, M survey mails (default 2000,
#     --quick 1000) over 20 sessions (postfix-rig.sh, bench_smtp_rate),
#     the store on PostgreSQL against the same with the store on SQLite,
#     two rounds in turn; target: ratio >= 0.90;
#   - pg_report_agent: `npsgate report --by agent` over 1,000,000
#     responses (--quick 100,000) in PostgreSQL, median of 3, against a
#     bare `SELECT count(*) FROM responses` by psql; target: <= 1000 ms;
#     the label gives the CPU time of npsgate and of the server;
#   - pg_imap_ingest: bench/bench_imap.sh with its store on PostgreSQL:
#     hook ingest of 10,000 replies (--quick 3,000) against a bare UID
#     FETCH; target: ratio <= 1.5.
# Ends with one BENCH line per row for bench/run (bench/lib.sh). Exit 77
# (bench/run shows the rows as skipped) with one line saying why when no
# PostgreSQL server can be started here (initdb missing) or when npsgate
# was built without PostgreSQL. Needs root (Postfix, the cluster's user).
#
# usage: bench/bench_postgres.sh [--quick]
set -u
PATH=$PATH:/usr/sbin:/sbin
M=2000
rows=1000000
imap=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) M=1000 rows=100000 imap=--quick ;;
	*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
	esac
	shift
done
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

[ "$(id -u)" = 0 ] || { echo "bench_postgres.sh: run as root"; exit 1; }
. "$top_srcdir/tests/lib/postgres.sh"
pg_private_available || {
	echo "bench_postgres: skip: no PostgreSQL server here (initdb not found under /usr/lib/postgresql; apt-get install postgresql)"
	exit 77
}
. "$top_srcdir/tests/integration/postfix-rig.sh"
. "$top_srcdir/bench/lib.sh"

T=$(mktemp -d /tmp/npsgate-bench-pg-XXXXXX)
chmod 755 "$T"
finish() {
	rig_stop
	pg_private_remove
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

pg_private_init "$T" >/dev/null && pg_private_start ||
    { echo "bench_postgres: the private PostgreSQL cluster did not start"; exit 1; }
# The milter becomes nobody before it connects: its copy of the passwords.
cp "$PGPASSFILE" "$T/pgpass"
chown nobody "$T/pgpass"
PGPASSFILE=$T/pgpass

# --- pg_survey -------------------------------------------------------------
rig_init "$T/rig"
cp "$RIG/npsgate.conf" "$T/sqlite.conf"
sed "s|^path = .*|url = $PG_URL|" "$T/sqlite.conf" >"$T/pg.conf"
if ! "$NPSGATE" check-config -c "$T/pg.conf" >"$T/probe.out" 2>&1; then
	if grep -Eq 'url: unknown key|without PostgreSQL' "$T/probe.out"; then
		echo "bench_postgres: skip: this npsgate has no PostgreSQL store ($(tail -n 1 "$T/probe.out"))"
		exit 77
	fi
	cat "$T/probe.out"
	exit 1
fi
postconf -c "$RIG/etc" -e default_process_limit=200 >/dev/null
bench_survey_mail "$T/survey.eml"
"$NPSGATE" keygen -c "$T/sqlite.conf" >/dev/null || exit 1
rig_start_sink || exit 1
# use_store sqlite|pg: the milter restarted on that store.
use_store() {
	rig_stop_milter
	cp "$T/$1.conf" "$RIG/npsgate.conf"
	rig_start_milter || exit 1
}
use_store sqlite
rig_start_postfix || exit 1
bench_smtp_rate "$T/survey.eml" 20 200 shop@shop.example >/dev/null
sq="" pg=""
for round in 1 2; do
	use_store sqlite
	sq="$sq $(bench_smtp_rate "$T/survey.eml" 20 "$M" shop@shop.example)"
	use_store pg
	pg="$pg $(bench_smtp_rate "$T/survey.eml" 20 "$M" shop@shop.example)"
done
rig_stop
mean() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) t += $i; printf "%.1f\n", t / NF }'; }
sq=$(mean $sq) pg=$(mean $pg)
stored=$(psql -X -Atq "$PG_URL" -c 'SELECT count(*) FROM surveys')
echo "survey mails/s: SQLite $sq, PostgreSQL $pg ($stored surveys in PostgreSQL)"
[ "$stored" -ge $((2 * M)) ] ||
    echo "bench_postgres: only $stored of $((2 * M)) surveys reached PostgreSQL"
bench_result pg_survey "$pg" mails/s "$sq" "$(bench_div "$pg" "$sq")" \
    "ratio>=0.90" "Postfix + milter, $M survey mails, store on PostgreSQL (ref: on SQLite)"

# --- pg_report_agent -------------------------------------------------------
# A database of its own, the schema made by npsgate, then the rows.
psql -X -q "$PG_URL" -c 'CREATE DATABASE report' || exit 1
RURL=${PG_URL%/*}/report
sed "s|^url = .*|url = $RURL|" "$T/pg.conf" >"$T/report.conf"
"$NPSGATE" stats -c "$T/report.conf" >/dev/null || exit 1
surveys=$((rows * 6 / 5))
now=$(date +%s)
start=$((now - 365 * 86400))
t0=$(date +%s%N)
psql -X -q -v ON_ERROR_STOP=1 "$RURL" <<SQL || exit 1
BEGIN;
-- Survey ids of the real shape: 16 base32 characters (i in hex, its
-- digits 0, 1, 8, 9 spelt q, r, s, t; z before).
INSERT INTO surveys (id, key_id, type, status, message_id, recipient, ticket,
    agent, team, channel, reason, priority, lang, created_at)
SELECT lpad(translate(to_hex(i), '0189', 'qrst'), 16, 'z'), 1, 'nps', 'sent', '<' || i || '@helpdesk>',
    'c' || (i % 300000) || '@example.com', 'T' || i,
    'agent' || lpad((i % 50)::text, 2, '0'), 'team' || (i % 8),
    (ARRAY['email','phone','web','social','chat'])[i % 5 + 1],
    'reason' || (i % 12), 'P' || (i % 4), 'en',
    $start + i * (365 * 86400 / $surveys)
FROM generate_series(1::bigint, $surveys) AS i;
INSERT INTO responses (survey_id, score, category, comment, sender, lang,
    received_at, source_message_id)
SELECT lpad(translate(to_hex(i), '0189', 'qrst'), 16, 'z'), (i * 7919) % 11,
    CASE WHEN (i * 7919) % 11 <= 6 THEN 'detractor'
    WHEN (i * 7919) % 11 <= 8 THEN 'passive' ELSE 'promoter' END,
    NULL, 'c' || (i % 300000) || '@example.com', 'en',
    $start + i * (365 * 86400 / $surveys) + 3600, '<r' || i || '@mail>'
FROM generate_series(1::bigint, $surveys) AS i WHERE i % 6 <> 0;
COMMIT;
ANALYZE surveys;
ANALYZE responses;
SQL
t1=$(date +%s%N)
echo "filled: $surveys surveys, $(psql -X -Atq "$RURL" -c 'SELECT count(*) FROM responses') responses in $(( (t1 - t0) / 1000000 )) ms"
# The CPU time, in ms, of the cluster's processes that have ended (the
# postmaster's children, a connection's backend among them): what a
# client's work cost the server, whatever else the machine runs.
TIME=$(command -v time 2>/dev/null | grep / || true)
[ -x /usr/bin/time ] && TIME=/usr/bin/time
pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
tck=$(getconf CLK_TCK)
server_cpu() {
	awk -v t="$tck" '{ printf "%d\n", ($16 + $17) * 1000 / t }' \
	    "/proc/$pm/stat"
}
# median3 CMD...: of 3 runs, the one of median wall time: "WALL CPU
# SERVER", in ms (CPU: the command's own, user + system, when time(1)
# is here; SERVER: what its connections cost the cluster).
median3() {
	for k in 1 2 3; do
		s0=$(server_cpu)
		a=$(date +%s%N)
		if [ -n "$TIME" ]; then
			"$TIME" -f "%U %S" -o "$T/time" "$@" >"$T/out" 2>"$T/err"
		else
			echo "0 0" >"$T/time"
			"$@" >"$T/out" 2>"$T/err"
		fi || { cat "$T/err" >&2; echo "999999 0 0"; continue; }
		b=$(date +%s%N)
		sleep 0.2	# the backend's exit, reaped by the postmaster
		echo "$(( (b - a) / 1000000 ))" \
		    "$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T/time")" \
		    "$(( $(server_cpu) - s0 ))"
	done | sort -n | sed -n 2p
}
set -- $(median3 psql -X -Atq "$RURL" -c 'SELECT count(*) FROM responses')
count_ms=$1
set -- $(median3 "$NPSGATE" report -c "$T/report.conf" --by agent)
agent_ms=$1 agent_cpu=$2 agent_srv=$3
echo "SELECT count(*) FROM responses (psql): ${count_ms} ms"
echo "npsgate report --by agent:             ${agent_ms} ms (target <= 1000); cpu: npsgate ${agent_cpu} ms, server ${agent_srv} ms"
bench_result pg_report_agent "$agent_ms" ms "$count_ms" \
    "$(bench_div "$agent_ms" "$count_ms")" "value<=1000" \
    "npsgate report --by agent, $rows responses in PostgreSQL, wall; cpu: npsgate $agent_cpu ms, server $agent_srv ms (ref: psql SELECT count(*))"

# --- pg_imap_ingest --------------------------------------------------------
psql -X -q "$PG_URL" -c 'CREATE DATABASE imap' || exit 1
sh "$top_srcdir/bench/bench_imap.sh" $imap --store "url = ${PG_URL%/*}/imap" \
    --name pg_imap_ingest
