#!/bin/sh
# report-cli.sh - the real `npsgate` report and admin verbs on a store that
# tests/tools/report-check.py fills with fixed data (schema made by npsgate):
#  - report --by agent (json, csv) and --by week against figures computed
#    by report-check.py from its own rows; text stays within 100 columns;
#  - responses as CSV with --bom through Python's csv module (commas,
#    quotes, newlines, formula cells escaped), as JSON lines;
#  - JSON parses with python3 -m json.tool; html checked for escaping and
#    self-containment;
#  - detractors oldest first, followed-up, unknown id refused;
#  - stats lines and json; export -> import -> export identical, import
#    into a non-empty store refused;
#  - forget: the report is unchanged (anonymous counts) and the address is
#    nowhere in the database file or its WAL; purge counts.
# Exit 0 pass, 1 fail, 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
CHECK="$SRC/tests/tools/report-check.py"
CLITEST_TIMEOUT=60
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
clitest_init report-cli

# conf NAME DB: a config for store DB
conf() {
	clitest_conf "$dir/$1" "$2"
	printf '[report]\nmin_responses = 3\n' >>"$dir/$1"
}
conf a.conf "$dir/a.db"
conf b.conf "$dir/b.db"
conf c.conf "$dir/c.db"

# check MODE FILE: report-check.py's verdict
check() {
	python3 "$CHECK" "$1" "$2" || fail "report-check.py $1"
}

# The schema comes from npsgate itself; then the fixed rows.
run 0 stats -c "$dir/a.conf"
python3 "$CHECK" fill "$dir/a.db" || { echo "cannot fill the store" >&2; exit 99; }

# --- report -------------------------------------------------------------
run 0 report -c "$dir/a.conf" --by agent --format json
cp "$dir/out" "$dir/report.json"
python3 -m json.tool "$dir/report.json" >/dev/null || fail "report json does not parse"
check report-json "$dir/report.json"

run 0 report -c "$dir/a.conf" --by agent --format csv
check report-csv "$dir/out"

run 0 report -c "$dir/a.conf" --by week --format json
check week-json "$dir/out"

run 0 report -c "$dir/a.conf" --by agent
cp "$dir/out" "$dir/report.txt"
awk 'length($0) > 100 { bad = 1 } END { exit bad }' "$dir/report.txt" ||
    fail "text report wider than 100 columns"
grep -q '^total ' "$dir/report.txt" || fail "text report has no total line"
grep -q '^alice .*(too few)$' "$dir/report.txt" && fail "alice has 7 responses, not too few"
grep -q '^Evil, .*(too few)$' "$dir/report.txt" || fail "Evil (1 response) not marked too few"
# The agent name's control characters are replaced in text.
[ "$(grep -c '<script>' "$dir/report.txt")" -le 1 ] || fail "text: name printed twice?"
if tr -d '\n' <"$dir/report.txt" | grep -q "$(printf '\033')"; then
	fail "escape character in the text report"
fi

run 0 report -c "$dir/a.conf" --since 2026-01-09 --until 2026-01-10 --format json
python3 - "$dir/out" <<'EOF' || fail "--since/--until select the days"
import json, sys
d = json.load(open(sys.argv[1]))
# Surveys of day offsets 8 and 9: a...4 (8) and a...5 (6); opt-outs none.
t = d["total"]
assert (t["surveys"], t["responses"], t["detractors"], t["passives"]) == (2, 2, 1, 1), t
assert d["since"] == "2026-01-09" and d["until"] == "2026-01-10", d
EOF

run 0 report -c "$dir/a.conf" --type csat --format json
python3 - "$dir/out" <<'EOF' || fail "--type csat"
import json, sys
t = json.load(open(sys.argv[1]))["total"]
assert (t["surveys"], t["responses"], t["promoters"]) == (1, 1, 1), t
assert abs(t["score"] - 100.0) < 0.01, t
EOF

run 0 report -c "$dir/a.conf" --by agent --format html
check html "$dir/out"

run 2 report -c "$dir/a.conf" --by colour
run 2 report -c "$dir/a.conf" --since 2026-02-30
run 2 report -c "$dir/a.conf" --format xml
run 3 report -c "$dir/missing.conf"

# --- verbatims ----------------------------------------------------------
run 0 responses -c "$dir/a.conf" --format csv --bom
check responses-csv "$dir/out"
run 0 responses -c "$dir/a.conf" --with-comment --format json
check responses-json "$dir/out"
python3 -m json.tool --json-lines "$dir/out" >/dev/null ||
    fail "responses json lines do not parse"
run 0 responses -c "$dir/a.conf" --category promoter --format json
[ "$(wc -l <"$dir/out")" -eq 6 ] ||
    fail "promoters: $(wc -l <"$dir/out") lines, expected 6 (5 NPS + 1 CSAT)"
run 0 responses -c "$dir/a.conf" --since 2030-01-01 --format json
[ ! -s "$dir/out" ] || fail "no responses: expected no line, got $(cat "$dir/out")"
run 0 responses -c "$dir/a.conf"
grep -q '| line two' "$dir/out" || fail "text verbatim: second comment line"
if grep -q "$(printf '\t')" "$dir/out"; then
	fail "text verbatims keep a control character"
fi

# --- detractors and follow-up -------------------------------------------
run 0 followed-up -c "$dir/a.conf" a000000000000006
run 1 followed-up -c "$dir/a.conf" zzzzzzzzzzzzzzzz
grep -q "no such survey" "$dir/err" || fail "unknown survey: $(cat "$dir/err")"
run 0 detractors -c "$dir/a.conf" --format json
python3 -m json.tool --json-lines "$dir/out" >/dev/null ||
    fail "detractors json lines do not parse"
check detractors-json "$dir/out"
run 0 detractors -c "$dir/a.conf"
grep -q 'customer forget.me@example.org' "$dir/out" ||
    fail "text detractors list the customer"

# --- stats ---------------------------------------------------------------
run 0 stats -c "$dir/a.conf"
cp "$dir/out" "$dir/stats.txt"
for want in "surveys.sent 14" "surveys.held 1" "surveys.released 1" \
    "surveys.bounced 1" "held.total 1" "held.due 1" "responses.detractor 4" \
    "responses.passive 3" "responses.promoter 6" "responses.no_score 1" \
    "responses.superseded 1" "events.optout 3" "events.unsubscribed 1" \
    "events.throttled 1" "processed.total 15" "processed.response 15" \
    ; do
	grep -qx "$want" "$dir/stats.txt" || fail "stats: no line '$want'"
done
grep -q '^db.bytes [1-9][0-9]*$' "$dir/stats.txt" || fail "stats: db.bytes"
grep -q "^schema.version [1-9][0-9]*$" "$dir/stats.txt" || fail "stats: schema.version"
awk 'NF != 2 || $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' \
    "$dir/stats.txt" || fail "stats: a line is not 'name value'"
run 0 stats -c "$dir/a.conf" --format json
python3 -m json.tool "$dir/out" >/dev/null || fail "stats json does not parse"
# The review backlog counts the last 30 days only: one unmatched reply
# today, one 40 days ago (not counted), one unparsed an hour ago.
cp "$dir/a.db" "$dir/r.db"
[ ! -f "$dir/a.db-wal" ] || cp "$dir/a.db-wal" "$dir/r.db-wal"
conf r.conf "$dir/r.db"
python3 - "$dir/r.db" <<'EOF' || fail "cannot add review rows"
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
c.execute("INSERT INTO processed (msg_key, kind, at) VALUES ('<u1@x>', 'unmatched', ?)", (now - 60,))
c.execute("INSERT INTO processed (msg_key, kind, at) VALUES ('<u2@x>', 'unmatched', ?)", (now - 40 * 86400,))
c.execute("INSERT INTO processed (msg_key, kind, at) VALUES ('<p1@x>', 'unparsed', ?)", (now - 3600,))
c.commit()
EOF
run 0 stats -c "$dir/r.conf"
for want in "review.unmatched 1" "review.unparsed 1" "review.no_score 0" \
    "review.backlog 2" "processed.unmatched 2" "processed.total 18"; do
	grep -qx "$want" "$dir/out" || fail "stats: no line '$want'"
done

# --- export / import ------------------------------------------------------
run 0 export -c "$dir/a.conf"
cp "$dir/out" "$dir/export1.jsonl"
python3 -c 'import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$dir/export1.jsonl" ||
    fail "export is not JSON lines"
run 0 import -c "$dir/b.conf" "$dir/export1.jsonl"
run 0 export -c "$dir/b.conf"
cmp -s "$dir/out" "$dir/export1.jsonl" ||
    fail "export -> import -> export differs: $(diff "$dir/export1.jsonl" "$dir/out" | head -5)"
run 1 import -c "$dir/b.conf" "$dir/export1.jsonl"
grep -q "not empty" "$dir/err" || fail "import into a non-empty store: $(cat "$dir/err")"
head -1 "$dir/export1.jsonl" >"$dir/bad.jsonl"
echo '{"table":"surveys","id":"x","nope":1}' >>"$dir/bad.jsonl"
run 1 import -c "$dir/c.conf" "$dir/bad.jsonl"
run 0 export -c "$dir/c.conf"
[ "$(grep -c '"table":"surveys"' "$dir/out")" -eq 0 ] ||
    fail "a failed import left rows behind"
# An export from a newer schema is refused; from an older one it loads.
sed '1s/"schema_version":[0-9]*/"schema_version":999/' "$dir/export1.jsonl" >"$dir/newer.jsonl"
run 1 import -c "$dir/c.conf" "$dir/newer.jsonl"
grep -q "newer than this store" "$dir/err" || fail "newer export: $(cat "$dir/err")"
sed '1s/"schema_version":[0-9]*/"schema_version":1/' "$dir/export1.jsonl" | grep -v '"table":"followups"' >"$dir/older.jsonl"
run 0 import -c "$dir/c.conf" "$dir/older.jsonl"
run 0 report -c "$dir/c.conf" --by agent --format json
cmp -s "$dir/out" "$dir/report.json" || fail "report of a store loaded from an older export differs"
run 0 report -c "$dir/b.conf" --by agent --format json
cmp -s "$dir/out" "$dir/report.json" || fail "report of the imported store differs"

# --- forget --------------------------------------------------------------
addr=forget.me@example.org
[ "$(grep -c "$addr" "$dir/a.db" "$dir/a.db-wal" 2>/dev/null |
    awk -F: '{ s += $2 } END { print s }')" -gt 0 ] ||
    fail "the address should be in the store before forget"
run 0 forget -c "$dir/a.conf" FORGET.Me@Example.org
grep -qx "surveys 2" "$dir/out" || fail "forget: $(cat "$dir/out")"
n=$(cat "$dir/a.db" "$dir/a.db-wal" 2>/dev/null | grep -c -a -i "$addr")
[ "$n" -eq 0 ] || fail "forget left $n traces of $addr in the database files"
n=$(cat "$dir/a.db" "$dir/a.db-wal" 2>/dev/null | grep -c -a "secret words")
[ "$n" -eq 0 ] || fail "forget left the comment text in the database files"
run 0 report -c "$dir/a.conf" --by agent --format json
cmp -s "$dir/out" "$dir/report.json" ||
    fail "report changed after forget: $(diff "$dir/report.json" "$dir/out" | head -4)"
run 0 forget -c "$dir/a.conf" d1@example.com
grep -q "opt-out of this address is kept" "$dir/out" ||
    fail "forget of an unsubscribed customer should say the opt-out stays"
[ "$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM unsubscribed WHERE address = ?", ("d1@example.com",)).fetchone()[0])' "$dir/a.db")" = 1 ] ||
    fail "the opt-out row must stay"
run 0 report -c "$dir/a.conf" --by agent --format json
cmp -s "$dir/out" "$dir/report.json" || fail "report changed after the second forget"
run 2 forget -c "$dir/a.conf"

# --- purge ---------------------------------------------------------------
run 0 purge -c "$dir/a.conf" --older-than 36500
grep -qx "surveys 0" "$dir/out" || fail "purge of nothing: $(cat "$dir/out")"
run 0 purge -c "$dir/a.conf" --older-than 0
grep -qx "surveys 13" "$dir/out" ||
    fail "purge --older-than 0: $(tr '\n' ' ' <"$dir/out") (17, 3 forgotten, held kept)"
run 0 stats -c "$dir/a.conf"
grep -qx "surveys.held 1" "$dir/out" || fail "purge must keep the held survey"
grep -qx "events.optout 0" "$dir/out" || fail "purge: events left"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("SELECT count(*) FROM unsubscribed").fetchone()[0] == 1' "$dir/a.db" ||
    fail "purge must keep the opt-outs"
run 2 purge -c "$dir/a.conf"
run 2 purge -c "$dir/a.conf" --older-than -3

# The opt-out goes only when asked for.
run 0 forget -c "$dir/a.conf" --with-opt-out D1@Example.com
grep -q "opt-out of this address is erased" "$dir/out" ||
    fail "forget --with-opt-out should say the opt-out is gone: $(cat "$dir/out")"
[ "$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM unsubscribed WHERE address = ?", ("d1@example.com",)).fetchone()[0])' "$dir/a.db")" = 0 ] ||
    fail "forget --with-opt-out must erase the opt-out row"
run 2 purge -c "$dir/a.conf" --with-opt-out --older-than 1

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "report-cli: all checks passed"
exit 0
