#!/bin/sh
# terminal.sh - what customers and help desks typed never acts on the
# admin's terminal or spreadsheet: escape sequences (ESC, BEL), C1
# controls (U+0080-U+009F) and bidirectional overrides, isolates and
# marks in an agent name, a ticket, an address or a comment come out of
# `npsgate responses`, `detractors` and `report` (text and CSV) as U+FFFD,
# while the CSV's formula escaping stays; JSON escapes them (\uXXXX).
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
clitest_init terminal

clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db"
printf '[report]\nmin_responses = 1\n' >>"$dir/npsgate.conf"
run 0 stats -c "$dir/npsgate.conf"
python3 - "$dir/npsgate.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
at = 1767225600
rows = [
    # id, recipient, ticket, agent, score, comment
    ("t000000000000001", "c\u0085@example.com", "T-\u009b31m",
     "mallory\x1b]0;pwned\x07\x1b[2J", 2,
     "ok \u202eevil\u202c \u2066x\u2069 \u200fdone\u200e \u061c\x1b[31mred"),
    ("t000000000000002", "d@example.com", "T-2", "=1+1\x07", 9,
     "=HYPERLINK(\"x\")\u2028two\x00"),
]
for i, (sid, rcpt, ticket, agent, score, comment) in enumerate(rows):
    con.execute(
        "INSERT INTO surveys (id, key_id, type, status, message_id,"
        " recipient, ticket, agent, team, channel, reason, priority, lang,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sid, 1, "nps", "sent", "<%s@h.example>" % sid, rcpt, ticket, agent,
         "t", "email", "r", "p", "en", at))
    cat = "detractor" if score <= 6 else "promoter"
    cur = con.execute(
        "INSERT INTO responses (survey_id, score, category, comment, sender,"
        " lang, received_at, source_message_id) VALUES (?,?,?,?,?,?,?,?)",
        (sid, score, cat, comment, rcpt, "en", at + 60, "<r%d@c>" % i))
    con.execute(
        "INSERT INTO comments (survey_id, response_id, text, at,"
        " source_message_id) VALUES (?,?,?,?,?)",
        (sid, cur.lastrowid, comment, at + 60, "<r%d@c>" % i))
con.commit()
PY
[ $? -eq 0 ] || { echo "cannot fill the store" >&2; exit 99; }

# inert FILE WHAT: no control, C1 or bidi control in FILE; U+FFFD instead
inert() {
	python3 - "$1" "$2" <<'PY' || fail "$2: $(cat "$1")"
import re, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")          # valid UTF-8 or a traceback
bad = re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                 "\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]", text)
if bad:
    sys.exit("%s: %d active characters left: %r" % (sys.argv[2], len(bad),
             sorted(set(bad))))
if "\ufffd" not in text:
    sys.exit("%s: no U+FFFD where they were" % sys.argv[2])
PY
}

run 0 responses -c "$dir/npsgate.conf"
inert "$dir/out" "responses"
grep -q 'mallory.*pwned' "$dir/out" || fail "responses: the agent is gone"
run 0 detractors -c "$dir/npsgate.conf"
inert "$dir/out" "detractors"
grep -q '^    customer c.*@example.com$' "$dir/out" ||
    fail "detractors: the customer line is not whole: $(cat "$dir/out")"
run 0 report -c "$dir/npsgate.conf" --by agent
inert "$dir/out" "report"
run 0 responses -c "$dir/npsgate.conf" --format csv
inert "$dir/out" "responses csv"
cp "$dir/out" "$dir/responses.csv"
run 0 report -c "$dir/npsgate.conf" --by agent --format csv
inert "$dir/out" "report csv"
# JSON escapes them instead: the same strings for a parser.
run 0 responses -c "$dir/npsgate.conf" --format json
python3 - "$dir/out" <<'PY' || fail "responses json: $(cat "$dir/out")"
import json, re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8")
bad = re.findall("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e"
                 "\u2066-\u2069]", data.replace("\n", ""))
if bad:
    sys.exit("active characters left: %r" % sorted(set(bad)))
rows = [json.loads(l) for l in data.splitlines() if l]
if rows[0]["agent"] != "mallory\x1b]0;pwned\x07\x1b[2J":
    sys.exit("agent not read back: %r" % rows[0]["agent"])
PY

# CSV injection protection as before: a formula cell still gets its
# apostrophe.
grep -q "'=HYPERLINK" "$dir/responses.csv" || fail "csv: formula not escaped"
grep -q "'=1+1" "$dir/responses.csv" || fail "csv: agent formula not escaped"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: terminal"
