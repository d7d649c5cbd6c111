#!/bin/sh
# demo-check.sh - the README's main command works: tests/integration/demo.sh
# (what ./quickstart demo runs after building) on this build, twice in a
# row:
#   - exits 0 in under two minutes;
#   - the hook filed the three replies as responses (10, 8, 3);
#   - `npsgate report` counts 3 sent and 3 answered, `npsgate detractors`
#     lists the French detractor with her comment;
#   - the customer's mail is kept as HTML with the eleven score links;
#   - afterwards no process runs from its temporary directory and the
#     directory is gone.
# Skips (77) under NPSGATE_UNIT_ONLY=1, when not root, or without Postfix
# or Dovecot.
set -u

[ "${NPSGATE_UNIT_ONLY:-}" = 1 ] && { echo "SKIP: NPSGATE_UNIT_ONLY=1"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (a private Postfix)"; exit 77; }
for c in postfix smtp-sink swaks dovecot doveadm; do
	command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c is missing"; exit 77; }
done
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)

fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
out=$(mktemp "${TMPDIR:-/tmp}/npsgate-demo-check.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT

for run in 1 2; do
	timeout 180 sh "$top_srcdir/tests/integration/demo.sh" "$top_builddir" >"$out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$out"
		fail "run $run: tests/integration/demo.sh exited $rc"
		continue
	fi
	echo "ok: run $run: tests/integration/demo.sh exited 0"
	for s in 10 8 3; do
		grep -q "kind=response survey=[a-z2-7]* score=$s folder=Processed" "$out" ||
		    fail "run $run: no response with score $s filed in Processed"
	done
	grep -Eq '^total +3 +3 ' "$out" ||
	    fail "run $run: the report does not count 3 sent, 3 answered"
	grep -q 'customer lea.moreau@client.example' "$out" &&
	    grep -q 'Je suis très déçue' "$out" ||
	    fail "run $run: the detractor and her comment are not listed"
	n=$(grep -o 'href="mailto:nps+' "$top_builddir/demo/customer-mail.html" 2>/dev/null | wc -l)
	[ "$n" -eq 11 ] ||
	    fail "run $run: customer-mail.html has $n score links, expected 11"
	T=$(sed -n 's/^127\.0\.0\.1 in \(\/[^ ]*\) and is removed.*/\1/p' "$out")
	if [ -z "$T" ]; then
		fail "run $run: the demo did not say where it worked"
	else
		[ -e "$T" ] && fail "run $run: $T is left behind"
		# Looking only: nothing may still run from the demo's directory.
		pgrep -f "$T" >/dev/null 2>&1 &&
		    fail "run $run: processes still run from $T: $(pgrep -af "$T")"
	fi
	[ "$fails" -eq 0 ] && echo "ok: run $run: replies filed, reports right, cleaned up"
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
