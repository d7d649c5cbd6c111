#!/bin/sh
# store-url.sh - [store] url as the programs see it:
#  - check-config names the store and its schema version, SQLite before
#    and after the file exists, without creating it;
#  - path and url together, a password in the url: exit 3 naming the
#    line and the fix; a build without PostgreSQL refuses any url;
#  - a PostgreSQL server that does not answer: check-config warns and
#    says "not reached", a report exits 1 with the reason on one line,
#    the milter starts and listens, taking the url for no file;
#  - with NPSGATE_TEST_PG (a server, libpq's keyword form or a URL) and
#    psql: a store exported from SQLite and imported through a url gives
#    the same report, and check-config sees PostgreSQL, schema version
#    made by the import; stats gives the database's size as the server
#    does; the hook stores a reply there; the test's schema is dropped
#    at the end.
# Exit 0 pass, 1 fail, 77 skip (no python3), 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
CHECK="$SRC/tests/tools/report-check.py"
CLITEST_TIMEOUT=60
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
clitest_init store-url
version=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\)$/\1/p' \
    "$SRC/lib/store/store.h")
[ -n "$version" ] || { echo "no STORE_SCHEMA_VERSION" >&2; exit 99; }

# urlconf FILE URL: a config whose store is the server at URL.
urlconf() {
	clitest_conf "$1" /unused
	sed -i "s|^path = /unused\$|url = $2|" "$1"
}

# --- SQLite: unchanged, and check-config says what it sees --------------
clitest_conf "$dir/a.conf" "$dir/a.db"
run 0 check-config "$dir/a.conf"
grep -qx "; store: SQLite $dir/a.db, no file yet (made on first use, schema version $version)" \
    "$dir/out" || fail "sqlite before: $(tail -1 "$dir/out")"
[ -e "$dir/a.db" ] && fail "check-config created the store"
run 0 stats -c "$dir/a.conf"
python3 "$CHECK" fill "$dir/a.db" || { echo "cannot fill the store" >&2; exit 99; }
run 0 check-config "$dir/a.conf"
grep -qx "; store: SQLite $dir/a.db, schema version $version" "$dir/out" ||
    fail "sqlite after: $(tail -1 "$dir/out")"
run 0 report -c "$dir/a.conf" --by agent --format json
cp "$dir/out" "$dir/report.json"
run 0 export -c "$dir/a.conf"
cp "$dir/out" "$dir/export.jsonl"

# --- what the config refuses -------------------------------------------
urlconf "$dir/pw.conf" "postgresql://nps:secret@db.example/nps"
run 3 report -c "$dir/pw.conf" --by agent
grep -q "$dir/pw.conf:6: \[store\] url: the address holds a password; .*~/.pgpass.*PGPASSFILE" \
    "$dir/err" || fail "password: $(cat "$dir/err")"
grep -q secret "$dir/err" "$dir/out" && fail "the password was printed"

# A port where no server listens (connect_timeout bounds the wait). A
# build without PostgreSQL refuses the url itself: nothing more to see.
urlconf "$dir/down.conf" "host=127.0.0.1 port=1 dbname=nps connect_timeout=5"
"$NPSGATE" check-config "$dir/down.conf" >"$dir/out" 2>"$dir/err"
if grep -q "built without PostgreSQL" "$dir/err"; then
	grep -q "^npsgate check-config: $dir/down.conf:6: \[store\] url: this npsgate was built without PostgreSQL" \
	    "$dir/err" || fail "no backend: $(cat "$dir/err")"
	[ "$fails" -eq 0 ] || exit 1
	echo "this build has no PostgreSQL store: its refusal checked, no more"
	exit 0
fi

# path and url both: refused at url's line, naming path's.
clitest_conf "$dir/both.conf" "$dir/a.db"
sed -i "s|^path = .*|&\nurl = postgresql://nps@db.example/nps|" "$dir/both.conf"
run 3 check-config "$dir/both.conf"
grep -q "^npsgate check-config: $dir/both.conf:7: \[store\] url: path is set too (line 6); allowed: one of them" \
    "$dir/err" || fail "path and url: $(cat "$dir/err")"

# The server that does not answer.
run 0 check-config "$dir/down.conf"
grep -qx "; store: PostgreSQL host=127.0.0.1 port=1 dbname=nps connect_timeout=5, not reached" \
    "$dir/out" || fail "down: $(tail -1 "$dir/out")"
grep -q "^npsgate check-config: warning: $dir/down.conf: \[store\] url: " \
    "$dir/err" || fail "down, no warning: $(cat "$dir/err")"
# Its printed settings ("path =" empty, the url) load back to themselves.
sed 1d "$dir/out" >"$dir/dump1"
cp "$dir/out" "$dir/dumped.conf"
run 0 check-config "$dir/dumped.conf"
sed 1d "$dir/out" | cmp -s "$dir/dump1" - ||
    fail "url: dump of the dump differs: $(sed 1d "$dir/out" | diff "$dir/dump1" -)"
run 1 report -c "$dir/down.conf" --by agent
grep -q "^npsgate report: store host=127.0.0.1 port=1 dbname=nps connect_timeout=5: cannot connect: .*127.0.0.1" \
    "$dir/err" || fail "report, server down: $(cat "$dir/err")"
[ "$(wc -l <"$dir/err")" -eq 1 ] ||
    fail "report, server down: not one line: $(cat "$dir/err")"

# The milter starts on a url whose server is down: it says so and listens
# (mails pass, on_error), and looks for no file or directory of the url.
MILTER="${top_builddir:-.}/npsgate-milter"
if [ -x "$MILTER" ]; then
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	urlconf "$dir/m.conf" "host=127.0.0.1 port=1 dbname=nps connect_timeout=5"
	sed -i "s|^socket = .*|socket = inet:$port@127.0.0.1|" "$dir/m.conf"
	# As root it must drop to a user of its own.
	[ "$(id -u)" -eq 0 ] &&
	    sed -i "s|^socket = .*|&\nuser = nobody|" "$dir/m.conf"
	sed -i "s|^key_file = .*|&\ntemplates_dir = $(cd "$SRC" && pwd)/templates|" \
	    "$dir/m.conf"
	run 0 keygen -c "$dir/m.conf"
	timeout 3 "$MILTER" -f -c "$dir/m.conf" 2>"$dir/milter.err"
	grep -q "warning: store host=127.0.0.1 port=1 dbname=nps connect_timeout=5: cannot connect: .*; mails pass without surveys until it works" \
	    "$dir/milter.err" || fail "milter, server down: $(cat "$dir/milter.err")"
	grep -q "listening on inet:$port@127.0.0.1" "$dir/milter.err" ||
	    fail "milter did not listen: $(cat "$dir/milter.err")"
	grep -q "not writable" "$dir/milter.err" &&
	    fail "milter took the url for a file: $(cat "$dir/milter.err")"
fi

# --- a PostgreSQL server ------------------------------------------------
pg=${NPSGATE_TEST_PG:-}
if [ -z "$pg" ] || ! command -v psql >/dev/null; then
	[ "$fails" -eq 0 ] || exit 1
	echo "SKIP (PostgreSQL part: import, stats, hook): NPSGATE_TEST_PG not set or no psql"
	exit 0
fi
schema="npsgate_cli_$$"
psql -q -v ON_ERROR_STOP=1 "$pg" -c "CREATE SCHEMA $schema" >/dev/null ||
    { echo "NPSGATE_TEST_PG: cannot create a schema" >&2; exit 99; }
trap 'psql -q "$pg" -c "SET client_min_messages = warning" \
    -c "DROP SCHEMA $schema CASCADE" >/dev/null; rm -rf "$dir"' EXIT
case $pg in
postgres://*|postgresql://*)
	case $pg in *\?*) sep='&' ;; *) sep='?' ;; esac
	url="$pg${sep}options=-csearch_path%3D$schema" ;;
*)
	url="$pg options='-csearch_path=$schema'" ;;
esac
urlconf "$dir/pg.conf" "$url"
run 0 check-config "$dir/pg.conf"
grep -q "^; store: PostgreSQL .*, no schema yet (made on first use, schema version $version)\$" \
    "$dir/out" || fail "pg before: $(tail -1 "$dir/out")"
run 0 import -c "$dir/pg.conf" "$dir/export.jsonl"
run 0 check-config "$dir/pg.conf"
grep -q "^; store: PostgreSQL .*, schema version $version\$" "$dir/out" ||
    fail "pg after: $(tail -1 "$dir/out")"
run 0 report -c "$dir/pg.conf" --by agent --format json
cmp -s "$dir/out" "$dir/report.json" ||
    fail "report on PostgreSQL differs: $(diff "$dir/report.json" "$dir/out" | head -5)"
n=$(psql -tA "$pg" -c "SELECT count(*) FROM $schema.surveys") ||
    fail "psql count"
[ "${n:-0}" -gt 0 ] || fail "the surveys are not in the server's schema"
# The size of the database as the server gives it (within a tenth: the
# server may write between the two reads), no WAL of the store's own.
run 0 stats -c "$dir/pg.conf"
size=$(sed -n 's/^db\.bytes \([0-9]*\)$/\1/p' "$dir/out")
want=$(psql -tA "$pg" -c "SELECT pg_database_size(current_database())") ||
    fail "psql pg_database_size"
[ -n "$size" ] && [ "$size" -gt 0 ] &&
    [ $((size - want)) -le $((want / 10)) ] &&
    [ $((want - size)) -le $((want / 10)) ] ||
    fail "stats on PostgreSQL: db.bytes '$size', the server says $want"
grep -qx "db.wal_bytes 0" "$dir/out" ||
    fail "stats on PostgreSQL: $(grep wal "$dir/out")"

# The hook stores a reply in the same store (one without a token: kept
# for review, exit 4).
HOOK="${top_builddir:-.}/npsgate-imapd-hook"
if [ -x "$HOOK" ]; then
	[ -s "$dir/keys" ] || run 0 keygen -c "$dir/pg.conf"
	sed -i "s|^key_file = .*|&\ntemplates_dir = $(cd "$SRC" && pwd)/templates|" \
	    "$dir/pg.conf"
	q="SELECT count(*) FROM $schema.processed WHERE kind = 'unmatched'"
	k0=$(psql -tA "$pg" -c "$q") || fail "psql processed"
	printf 'From: a@b.example\nTo: nps@reply.example\nSubject: hi\nMessage-ID: <url-1@test>\nDate: Thu, 3 Dec 2026 10:00:00 +0000\n\nhello\n' |
	    timeout 60 "$HOOK" --stdin -c "$dir/pg.conf" >"$dir/hook.out" 2>&1
	[ $? -eq 4 ] || fail "hook --stdin: $(cat "$dir/hook.out")"
	k=$(psql -tA "$pg" -c "$q") || fail "psql processed"
	[ "$k" -eq $((k0 + 1)) ] ||
	    fail "the hook's reply is not in the server's schema: $k0 -> $k"
fi

[ "$fails" -eq 0 ] || exit 1
exit 0
