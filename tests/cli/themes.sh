#!/bin/sh
# themes.sh - what customers talk about, through the real npsgate:
#  - replies stored by `npsgate ingest` get their themes at once, in the
#    reply's language;
#  - report --by theme in text, CSV, JSON (figures checked) and HTML
#    (self-contained, escaped, the chart and the detractors' words);
#  - responses --theme and detractors --theme select by theme;
#  - report --by agent --about agent scores only what concerns agents;
#  - --since yesterday/today;
#  - retheme after the themes file changed; a bad themes file refused with
#    its file and line by retheme, ingest, report and check-config, nothing
#    changed;
#  - forget takes the themes with the comment.
# Exit 0 pass, 1 fail, 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
MKSURVEY="${top_builddir:-.}/tests/tools/mksurvey"
[ -x "$MKSURVEY" ] || { echo "no $MKSURVEY (make check builds it)"; exit 99; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3"; exit 77; }
clitest_init themes

# Our own copy of the templates, so that the themes can be edited.
cp -R "$SRC/templates" "$dir/templates" || exit 99
clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db" "$dir/keys" \
    "templates_dir = $dir/templates"
run 0 keygen -c "$dir/npsgate.conf"

sql() {
	sqlite3 -cmd ".timeout 5000" "$dir/npsgate.db" "$1"
}

# reply N ADDRESS AGENT LANG SCORE COMMENT: a survey for ADDRESS by AGENT,
# and the customer's reply, stored by npsgate ingest.
reply() {
	line=$("$MKSURVEY" "$dir/npsgate.conf" "$2") || { echo "mksurvey" >&2; exit 99; }
	id=${line%% *}
	tok=${line#* }
	sql "UPDATE surveys SET agent = '$3', lang = '$4' WHERE id = '$id'"
	cat >"$dir/r$1.eml" <<EOF
From: Customer <$2>
To: <nps+$tok@reply.example>
Subject: Re: your opinion
Message-ID: <r$1@customer.example>
Date: Thu, 03 Dec 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

$5

$6
EOF
	run 0 ingest -c "$dir/npsgate.conf" "$dir/r$1.eml"
}

reply 1 a@example.com alice en 2 "The parcel arrived three days late."
reply 2 b@example.com alice en 3 "Late delivery and the courier was rude."
reply 3 c@example.com bob en 10 "Sarah was very helpful and patient."
reply 4 d@example.com bob en 9 "Fast shipping and a kind agent."
reply 5 e@example.com alice fr 1 "Colis jamais arrivé, je veux être remboursé."
reply 6 f@example.com bob en 4 "Too expensive <script>alert(1)</script>"
reply 7 g@example.com alice en 8 "No delay this time."
reply 8 h@example.com bob en 0 "$(printf 'The agent hung up on me \033[31m')"

# Stored with their themes, at once.
[ "$(sql "SELECT count(*) FROM responses WHERE themed_at = 0")" = 0 ] ||
    fail "answers left without themes after ingest"
[ "$(sql "SELECT group_concat(theme) FROM (SELECT theme FROM response_themes t
    JOIN responses r ON r.id = t.response_id JOIN surveys s ON s.id = r.survey_id
    WHERE s.recipient = 'e@example.com' ORDER BY theme)")" = "delivery,refund" ] ||
    fail "the French reply's themes: $(sql "SELECT * FROM response_themes")"
[ "$(sql "SELECT count(*) FROM response_themes t JOIN responses r ON r.id = t.response_id
    JOIN surveys s ON s.id = r.survey_id WHERE s.recipient = 'g@example.com'")" = 0 ] ||
    fail "'No delay' is no delivery complaint"

# --- report --by theme ----------------------------------------------------
run 0 report -c "$dir/npsgate.conf" --by theme --format json
python3 - "$dir/out" <<'EOF' || fail "report --by theme json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["by"] == "theme" and d["answers_with_comment"] == 8, d
t = {x["theme"]: x for x in d["themes"]}
# delivery: replies 1, 2, 4 (shipping), 5: scores 2, 3, 9, 1.
dl = t["delivery"]
assert dl["answers"] == 4 and dl["detractors"] == 3 and dl["promoters"] == 1, dl
assert dl["score"] == -50.0, dl
# The others: 10, 4, 8, 0: one promoter, two detractors: -25.
assert dl["score_without"] == -25.0, dl
# 5 detractors in all (2, 3, 1, 4, 0), 3 name delivery; 2 promoters (10, 9), 1.
assert dl["pct_of_detractors"] == 60.0 and dl["pct_of_promoters"] == 50.0, dl
# Labels in the default language (fr unless set).
assert dl["label"] == "Livraison et délais", dl
ag = t["agent"]
assert ag["answers"] == 4, ag        # rude, helpful/patient, kind agent, hung up
# Drivers first: the largest gap between detractors' and promoters' shares.
gaps = [x["pct_of_detractors"] - x["pct_of_promoters"] for x in d["themes"]]
assert gaps == sorted(gaps, reverse=True), gaps
# Detractors' words, newest first.
assert dl["samples"][0].startswith("Colis jamais"), dl["samples"]
assert all(len(x["samples"]) <= 3 for x in d["themes"])
EOF

run 0 report -c "$dir/npsgate.conf" --by theme
grep -q '^Livraison et délais ' "$dir/out" || fail "text: no delivery row"
grep -q 'What detractors say about Livraison et délais:' "$dir/out" ||
    fail "text: no detractors' words"
if grep -q "$(printf '\033')" "$dir/out"; then
	fail "text: an escape character reached the terminal"
fi

run 0 report -c "$dir/npsgate.conf" --by theme --format csv --bom
python3 - "$dir/out" <<'EOF' || fail "report --by theme csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
r = {x["theme"]: x for x in rows}
assert r["delivery"]["answers"] == "4" and r["delivery"]["score"] == "-50.0", r
assert r["price"]["label"] == "Prix et facturation", r
EOF

run 0 report -c "$dir/npsgate.conf" --by theme --format html
grep -q '<svg class="themes"' "$dir/out" || fail "html: no chart"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$dir/out" ||
    fail "html: a comment is not escaped"
grep -q '<script>' "$dir/out" && fail "html: a raw <script>"
grep -q "default-src 'none'" "$dir/out" || fail "html: no CSP"

# --since: today holds them all, yesterday none.
run 0 report -c "$dir/npsgate.conf" --by theme --since today --format json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["answers_with_comment"] == 8' \
    "$dir/out" || fail "--since today"
run 0 report -c "$dir/npsgate.conf" --by theme --since yesterday --until yesterday --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["answers_with_comment"] == 0 and d["themes"] == []' \
    "$dir/out" || fail "--until yesterday"
run 0 report -c "$dir/npsgate.conf" --by theme --since week --format html
grep -q '<svg class="themes"' "$dir/out" || fail "--since week: no chart"
run 2 report -c "$dir/npsgate.conf" --since lastyear
grep -q "expected a date YYYY-MM-DD, today, yesterday or week" "$dir/err" ||
    fail "--since lastyear: $(cat "$dir/err")"

# One agent's themes.
run 0 report -c "$dir/npsgate.conf" --by theme --agent bob --format json
python3 - "$dir/out" <<'EOF' || fail "--agent bob"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["answers_with_comment"] == 4, d
EOF
run 2 report -c "$dir/npsgate.conf" --agent bob

# --- responses --theme, report --about agent ------------------------------
run 0 responses -c "$dir/npsgate.conf" --theme refund --format json
[ "$(wc -l <"$dir/out")" -eq 1 ] && grep -q 'remboursé' "$dir/out" ||
    fail "responses --theme refund: $(cat "$dir/out")"
run 0 detractors -c "$dir/npsgate.conf" --theme delivery --format json
[ "$(wc -l <"$dir/out")" -eq 3 ] || fail "detractors --theme delivery: $(cat "$dir/out")"

run 0 report -c "$dir/npsgate.conf" --by agent --about agent --format json
python3 - "$dir/out" <<'EOF' || fail "--by agent --about agent"
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["group"]: x for x in d["groups"]}
# alice: only reply 2 names the agent (the courier was rude): one answer.
assert g["alice"]["responses"] == 1 and g["alice"]["surveys"] == 4, g["alice"]
# bob: 3 (helpful), 4 (kind agent), 8 (hung up).
assert g["bob"]["responses"] == 3, g["bob"]
EOF
run 2 report -c "$dir/npsgate.conf" --about boss

# --- retheme, a bad themes file -------------------------------------------
printf '\n[weather]\nlabel = The weather\nterms = rain, sunny\n' >>"$dir/templates/en/themes.conf"
sed -i 's/^terms = rain, sunny$/terms = rain, sunny, ~rude/' "$dir/templates/en/themes.conf"
run 0 retheme -c "$dir/npsgate.conf"
grep -q '^8 answers themed$' "$dir/out" || fail "retheme: $(cat "$dir/out")"
[ "$(sql "SELECT count(*) FROM response_themes WHERE theme = 'weather'")" = 1 ] ||
    fail "retheme did not add the new theme"

cp "$dir/templates/en/themes.conf" "$dir/themes.good"
printf '[broken\n' >>"$dir/templates/en/themes.conf"
line=$(wc -l <"$dir/templates/en/themes.conf")
before=$(sql "SELECT count(*) FROM response_themes")
run 3 retheme -c "$dir/npsgate.conf"
grep -q "$dir/templates/en/themes.conf:$line: a section line" "$dir/err" ||
    fail "bad themes file: $(cat "$dir/err")"
[ "$(sql "SELECT count(*) FROM response_themes")" = "$before" ] ||
    fail "a bad themes file changed the themes"
run 3 ingest -c "$dir/npsgate.conf" "$dir/r1.eml"
run 3 check-config "$dir/npsgate.conf"
grep -q "themes.conf:$line: a section line is \"\[NAME\]\": close the bracket" "$dir/err" ||
    fail "check-config: $(cat "$dir/err")"
run 3 report -c "$dir/npsgate.conf" --by theme
cp "$dir/themes.good" "$dir/templates/en/themes.conf"

# --- forget ----------------------------------------------------------------
run 0 forget -c "$dir/npsgate.conf" e@example.com
[ "$(sql "SELECT count(*) FROM response_themes t WHERE NOT EXISTS
    (SELECT 1 FROM responses r WHERE r.id = t.response_id)")" = 0 ] ||
    fail "themes outlive their answer"
[ "$(sql "SELECT count(*) FROM response_themes WHERE theme = 'refund'")" = 0 ] ||
    fail "forget left the erased answer's theme"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: themes"
