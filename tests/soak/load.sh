#!/bin/sh
# tests/soak/load.sh [MAILS [CONNECTIONS]] - load through the real Postfix
# with npsgate-milter: MAILS mails (default 20,000; a mix of surveys,
# opt-outs, mails without the tag, 5 MB attachments and malformed MIME,
# see load.py) sent over CONNECTIONS parallel SMTP connections (default
# 50) to a private Postfix whose milter is npsgate-milter, relaying to
# smtp-sink. Then checks every mail arrived once, byte-identical where no
# survey applies, one widget and a verifying token per survey, one store
# row per survey, no X-NPS-* header out (load.py check), and prints the
# summary table: cases tried, lost, duplicated, corrupted, crashes.
#
# The long run (about 5 minutes here):
#   cd BUILDDIR && top_srcdir=SRCDIR top_builddir=. SRCDIR/tests/soak/load.sh
# The CI size (2,000 mails, 20 connections, under 3 minutes) runs in
# make check as tests/soak/load-ci.sh.
# Needs root (Postfix instance, smtp-sink as user postfix); skips (77)
# otherwise and when NPSGATE_UNIT_ONLY=1.
set -u
mails=${1:-20000}
conns=${2:-50}
[ "${NPSGATE_UNIT_ONLY:-}" = 1 ] && { echo "SKIP: NPSGATE_UNIT_ONLY=1"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private Postfix"; exit 77; }
command -v postfix >/dev/null && command -v smtp-sink >/dev/null ||
    { echo "SKIP: postfix and smtp-sink needed"; exit 77; }
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
here=$top_srcdir/tests/soak
. "$top_srcdir/tests/integration/postfix-rig.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-load.XXXXXX") || exit 99
cleanup() {
	rig_stop
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rig_init "$dir"
# Surveys every time: no throttling between two mails to one address.
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null || exit 99
chown nobody "$RIG/keys"
rig_start_sink || exit 99
rig_start_milter || exit 99
rig_start_postfix || exit 99

echo "load: $mails mails over $conns connections"
python3 "$here/load.py" make "$dir" "$mails" || exit 99
t0=$(date +%s)
timeout 3600 python3 "$here/load.py" send "$dir" "$SMTP_PORT" "$conns"

# Every accepted mail leaves the queue for the sink; wait until the queue
# is empty (flushing now and then), at most 20 minutes.
i=0
while [ $i -lt 1200 ]; do
	n=$(find "$RIG/sink" -type f | wc -l)
	q=$(postqueue -c "$RIG/etc" -j 2>/dev/null | wc -l)
	[ "$q" -eq 0 ] && [ "$n" -ge "$mails" ] && break
	[ "$q" -eq 0 ] && [ $((i % 10)) -eq 9 ] && [ "$n" -lt "$mails" ] &&
	    [ $i -gt 60 ] && break
	[ $((i % 15)) -eq 14 ] && postqueue -c "$RIG/etc" -f >/dev/null 2>&1
	sleep 1
	i=$((i + 1))
done
t1=$(date +%s)
echo "load: $(find "$RIG/sink" -type f | wc -l) mails at the sink after" \
    "$((t1 - t0)) s; queue: $(postqueue -c "$RIG/etc" -j | wc -l)"

crashes=0
if [ -z "${MILTER_PID:-}" ] || ! kill -0 "$MILTER_PID" 2>/dev/null; then
	echo "load: npsgate-milter is gone"
	crashes=1
fi
if grep -q 'AddressSanitizer\|runtime error\|fatal' "$RIG/milter.log"; then
	echo "load: the milter log reports a crash:"
	grep -m5 'AddressSanitizer\|runtime error\|fatal' "$RIG/milter.log"
	crashes=1
fi
grep -c 'warning:\|error:' "$RIG/milter.log" | sed 's/^/load: milter warnings and errors: /'
python3 "$here/load.py" check "$dir" "$RIG/sink" "$RIG/keys" \
    "$RIG/db/npsgate.db"
rc=$?
python3 - "$dir/result.json" "$crashes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("\n%-10s %7s %6s %11s %10s %8s" % ("case", "tried", "lost",
      "duplicated", "corrupted", "crashes"))
print("%-10s %7d %6d %11d %10d %8d" % ("load", r["tried"], r["lost"],
      r["duplicated"], r["corrupted"], int(sys.argv[2])))
PY
[ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]
