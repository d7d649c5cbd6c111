#!/bin/sh
# migrate-store.sh - `npsgate migrate-store --to TARGET` on a store that
# tests/tools/report-check.py fills with fixed data:
#  - into a new SQLite file: the counts printed are the rows of each
#    table of the source; the target's export and its report equal the
#    source's; a pending forward whose mail holds every byte from 0x00
#    to 0xFF arrives byte for byte;
#  - a second copy into the same target is refused (not empty) and
#    leaves it as it was; --to missing, --to the store itself, a password
#    in a PostgreSQL TARGET: usage errors (2);
#  - when NPSGATE_TEST_PG names a PostgreSQL server (tests/lib/
#    postgres.sh): into a new database there, the same checks, and the
#    refusal of a second copy.
# Exit 0 pass, 1 fail, 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
CHECK="$SRC/tests/tools/report-check.py"
CLITEST_TIMEOUT=60
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
clitest_init migrate-store

clitest_conf "$dir/a.conf" "$dir/a.db"
printf '[report]\nmin_responses = 3\n' >>"$dir/a.conf"
run 0 stats -c "$dir/a.conf"
python3 "$CHECK" fill "$dir/a.db" ||
    { echo "cannot fill the store" >&2; exit 99; }
# A reply waiting to be handed on to the help desk, its mail every byte
# from 0x00 to 0xFF (a mail in ISO-8859-1, or binary).
python3 - "$dir/a.db" <<'EOF' || { echo "cannot add the forward" >&2; exit 99; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO forwards (msg_key, survey_id, rcpt, message,"
           " created_at, next_attempt_at) SELECT '<bytes@client.example>',"
           " min(id), 'support@shop.example', ?, 1767225600, 1767225600"
           " FROM surveys", (bytes(range(256)),))
db.commit()
EOF
allbytes=$(python3 -c 'print(bytes(range(256)).hex())')
run 0 export -c "$dir/a.conf"
cp "$dir/out" "$dir/a.jsonl"
run 0 report -c "$dir/a.conf" --by agent --format json
cp "$dir/out" "$dir/a-report.json"

# The rows of each table of the SQLite store $1, "TABLE N" (tables with
# rows only), sorted.
table_counts() {
	python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                       " AND name NOT LIKE 'sqlite_%' ORDER BY name"):
    n = db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0]
    if n:
        print(t, n)
EOF
}

# check_copy LABEL MAIL: the output of the copy in $dir/out against the
# source's tables; the target's config is $dir/LABEL.conf, MAIL the
# forward's mail it holds, in hexadecimal.
check_copy() {
	head -n 1 "$dir/out" | grep -q '^npsgate migrate-store: copied ' ||
	    fail "$1: no 'copied' line: $(head -n 1 "$dir/out")"
	sed '1d;/^total /d' "$dir/out" | sort >"$dir/$1.counts"
	table_counts "$dir/a.db" >"$dir/a.counts"
	cmp -s "$dir/a.counts" "$dir/$1.counts" ||
	    fail "$1: counts printed differ from the source's tables:
$(diff "$dir/a.counts" "$dir/$1.counts")"
	total=$(awk '{ n += $2 } END { print n }' "$dir/a.counts")
	grep -qx "total $total" "$dir/out" ||
	    fail "$1: total is not $total: $(tail -n 1 "$dir/out")"
	[ "$total" -gt 50 ] || fail "$1: the source holds only $total rows"
	run 0 export -c "$dir/$1.conf"
	sed 1d "$dir/out" | sort >"$dir/$1.rows"
	sed 1d "$dir/a.jsonl" | sort >"$dir/a.rows"
	cmp -s "$dir/a.rows" "$dir/$1.rows" ||
	    fail "$1: the target's export differs from the source's:
$(diff "$dir/a.rows" "$dir/$1.rows" | head -5)"
	run 0 report -c "$dir/$1.conf" --by agent --format json
	cmp -s "$dir/a-report.json" "$dir/out" ||
	    fail "$1: the report differs after the copy"
	[ "$2" = "$allbytes" ] ||
	    fail "$1: the forward's mail differs after the copy: $2"
}

# The forward's mail in the SQLite store $1, in hexadecimal.
sqlite_mail() {
	python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(m,) = db.execute("SELECT message FROM forwards WHERE msg_key ="
                  " '<bytes@client.example>'").fetchone()
print(m.hex() if isinstance(m, bytes) else m)
EOF
}

# --- SQLite to SQLite ---------------------------------------------------
run 0 migrate-store -c "$dir/a.conf" --to "$dir/b.db"
cp "$dir/out" "$dir/b.out"
clitest_conf "$dir/b.conf" "$dir/b.db"
printf '[report]\nmin_responses = 3\n' >>"$dir/b.conf"
cp "$dir/b.out" "$dir/out"
check_copy b "$(sqlite_mail "$dir/b.db")"

# A second copy: refused, the target unchanged.
run 1 migrate-store -c "$dir/a.conf" --to "$dir/b.db"
grep -q "not empty" "$dir/err" ||
    fail "a copy into a non-empty store: $(cat "$dir/err")"
run 0 export -c "$dir/b.conf"
sed 1d "$dir/out" | sort | cmp -s - "$dir/a.rows" ||
    fail "a refused copy changed the target"

# Usage errors.
run 2 migrate-store -c "$dir/a.conf"
grep -q -- "--to TARGET is required" "$dir/err" ||
    fail "no --to: $(cat "$dir/err")"
run 2 migrate-store -c "$dir/a.conf" --to "$dir/a.db"
grep -q "configured store itself" "$dir/err" ||
    fail "--to the source: $(cat "$dir/err")"
for t in 'postgresql://npsgate:secret@127.0.0.1/npsgate' \
    'host=127.0.0.1 dbname=npsgate password=secret' \
    'postgres://npsgate@127.0.0.1/npsgate?password=secret'; do
	run 2 migrate-store -c "$dir/a.conf" --to "$t"
	grep -q "PGPASSFILE" "$dir/err" ||
	    fail "a password in '$t' was not refused: $(cat "$dir/err")"
	grep -q secret "$dir/err" && fail "the password was printed back"
done
run 3 migrate-store -c "$dir/missing.conf" --to "$dir/c.db"

# --- SQLite to PostgreSQL -----------------------------------------------
if [ -z "${NPSGATE_TEST_PG:-}" ]; then
	echo "# NPSGATE_TEST_PG not set: SQLite to PostgreSQL not tested"
elif ! command -v psql >/dev/null; then
	fail "NPSGATE_TEST_PG is set but psql is not installed"
else
	# A new database for this run, dropped on exit.
	pgdb=npsgate_migrate_$$
	case $NPSGATE_TEST_PG in
	postgres://* | postgresql://*)
		base=${NPSGATE_TEST_PG%%\?*}
		pgurl=${base%/*}/$pgdb ;;
	*)
		pgurl="$NPSGATE_TEST_PG dbname=$pgdb" ;;
	esac
	psql -X -q "$NPSGATE_TEST_PG" -c "CREATE DATABASE $pgdb" ||
	    { echo "cannot create database $pgdb" >&2; exit 99; }
	trap 'psql -X -q "$NPSGATE_TEST_PG" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1; rm -rf "$dir"' EXIT
	timeout 60 "$NPSGATE" migrate-store -c "$dir/a.conf" --to "$pgurl" \
	    >"$dir/out" 2>"$dir/err"
	rc=$?
fi
if [ -n "${pgurl:-}" ] && grep -q "without PostgreSQL" "$dir/err"; then
	# Built --without-postgresql: nothing to copy into.
	echo "# this npsgate has no PostgreSQL store: SQLite to PostgreSQL not tested"
elif [ -n "${pgurl:-}" ]; then
	[ "$rc" -eq 0 ] || fail "migrate-store to PostgreSQL exited $rc: $(cat "$dir/err")"
	cp "$dir/out" "$dir/pg.out"
	clitest_conf "$dir/pg.conf" "$dir/unused.db"
	# The target's config names the database by url instead of path.
	sed -i "s|^path = .*|url = $pgurl|" "$dir/pg.conf"
	printf '[report]\nmin_responses = 3\n' >>"$dir/pg.conf"
	cp "$dir/pg.out" "$dir/out"
	check_copy pg "$(psql -X -Atq "$pgurl" -c "SELECT encode(message,
	    'hex') FROM forwards WHERE msg_key = '<bytes@client.example>'")"
	run 1 migrate-store -c "$dir/a.conf" --to "$pgurl"
	grep -q "not empty" "$dir/err" ||
	    fail "a copy into a non-empty database: $(cat "$dir/err")"
	n=$(psql -X -Atq "$pgurl" -c 'SELECT count(*) FROM surveys')
	[ "$n" = "$(sqlite3 "$dir/a.db" 'SELECT count(*) FROM surveys')" ] ||
	    fail "PostgreSQL holds $n surveys after a refused copy"
fi

[ "$fails" -eq 0 ] || exit 1
echo "PASS: migrate-store"
