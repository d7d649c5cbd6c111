#!/bin/sh
# ingest-status.sh - what `npsgate ingest` and `npsgate followup` say: a
# store that cannot be opened is work that failed (exit 1), not a bad
# configuration (3); a reply tied to no survey but quoting a survey's
# Message-ID names that survey as a hint.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init ingest-status
export NPSGATE_TEMPLATES_DIR="$SRC/templates"

run 0 keygen --key-file "$dir/keys"
printf 'From: a@example.com\r\nTo: nps@reply.example\r\nSubject: hi\r\n\r\n9\r\n' \
    >"$dir/reply.eml"

# A working store: the reply is read and stored.
clitest_conf "$dir/good.conf" "$dir/npsgate.db"
run 0 ingest -c "$dir/good.conf" "$dir/reply.eml"
grep -q "unmatched" "$dir/out" || fail "no outcome line: $(cat "$dir/out")"

# A reply without a token that quotes a survey's Message-ID: unmatched,
# and the survey it seems to answer is named.
run 0 rewrite -c "$dir/good.conf" <"$SRC/templates/sample-survey.eml"
sid=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT id || \" \" || message_id FROM surveys").fetchone()[0])' \
    "$dir/npsgate.db")
set -- $sid
printf 'From: a@example.com\r\nTo: nps@reply.example\r\nIn-Reply-To: %s\r\nSubject: Re: avis\r\n\r\n0\r\n' \
    "$2" >"$dir/guess.eml"
run 0 ingest -c "$dir/good.conf" "$dir/guess.eml"
grep -q "unmatched survey=- score=- new hint=$1\$" "$dir/out" ||
    fail "no hint for survey $1: $(cat "$dir/out")"

# A store file that is not a database: the work fails, the config is fine.
printf 'not a database, not even close to one; %0600d\n' 0 >"$dir/bad.db"
clitest_conf "$dir/bad.conf" "$dir/bad.db"
run 1 ingest -c "$dir/bad.conf" "$dir/reply.eml"
grep -q "bad.db" "$dir/err" || fail "the error does not name the store: \
$(cat "$dir/err")"
run 1 followup -c "$dir/bad.conf" "$dir/reply.eml"

# A config that cannot be read is still a bad configuration.
run 3 ingest -c "$dir/missing.conf" "$dir/reply.eml"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: ingest-status"
