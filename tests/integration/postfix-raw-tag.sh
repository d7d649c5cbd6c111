#!/bin/sh
# postfix-raw-tag.sh - through a real Postfix (tests/integration/
# postfix-rig.sh), no customer reads the tag raw, whatever the MIME:
#   - a mail whose MIME cannot be read (a boundary never closed) with the
#     tag in an 8bit part arrives without the tag, without X-NPS-*, no
#     survey recorded, and the milter's log says the tag was removed;
#   - a 7bit attachment holding the tag arrives without it;
#   - a tag that can be neither replaced nor removed (quoted-printable in
#     MIME that cannot be read): no survey; on_error = accept delivers the
#     mail as it came but for X-NPS-*, with a "raw tag" log line naming
#     the queue id; on_error = tempfail has Postfix answer 4xx.
# The mails are those of tests/data/rawtag. Needs root; exit 77 (skip)
# only when Postfix is not installed.

set -u

PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; exit 77; }
command -v smtp-sink >/dev/null 2>&1 || { echo "smtp-sink not installed"; exit 77; }

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

if ! command -v swaks >/dev/null 2>&1; then
	apt-get install -y swaks >/dev/null 2>&1 ||
	    { echo "swaks missing and cannot be installed"; exit 1; }
fi
if [ "$(id -u)" != 0 ]; then
	echo "postfix-raw-tag.sh: needs root (a private Postfix instance)"
	exit 1
fi

. "$top_srcdir/tests/integration/postfix-rig.sh"
. "$top_srcdir/tests/integration/tap.sh"

T=$(mktemp -d /tmp/npsgate-rawtag-XXXXXX)
finish() {
	rig_stop
	tap_finish postfix-raw-tag.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog postfix-raw-tag.sh 300

rig_init "$T"
rig_start_all || exit 1
D=$top_srcdir/tests/data/rawtag
TAG='[InsertSatisfactionEvaluation]'

# mk NAME TICKET: $MAIL, the mail of tests/data/rawtag with a ticket header
mk() {
	MAIL=$RIG/$1
	{ printf 'X-NPS-Ticket: %s\r\n' "$2"; cat "$D/$1"; } >"$MAIL"
}
send() {	# send FILE -> swaks output in $RIG/swaks.out
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@example.com --to customer@example.org \
	    --data - <"$1" >"$RIG/swaks.out" 2>&1
}
no_raw_tag() { ! grep -qF "$TAG" "$1" && ! grep -qi '^x-nps-' "$1"; }
surveys() { sql "SELECT count(*) FROM surveys;"; }

# --- what can be removed where it stands --------------------------------
mk unclosed-boundary.eml T-1
send "$MAIL" || cat "$RIG/swaks.out"
GOT=$(rig_wait_file 'raw-1@example.com' 30) || GOT=
check "unread MIME: delivered" test -n "$GOT"
[ -n "$GOT" ] && check "unread MIME: no raw tag, no X-NPS-*" no_raw_tag "$GOT"
[ -n "$GOT" ] && check "unread MIME: the rest of the text is there" \
    grep -q 'Hello, your ticket is solved.  Thank you' "$GOT"
check "unread MIME: the log says the tag was removed" \
    grep -Eq '[0-9A-F]+: npsgate: tag: 2 tag\(s\) the rewrite could not reach removed where they stood, MIME not readable' \
    "$RIG/milter.log"

mk tag-in-attachment.eml T-5
send "$MAIL" || cat "$RIG/swaks.out"
GOT=$(rig_wait_file 'raw-5@example.com' 30) || GOT=
check "attachment: delivered" test -n "$GOT"
[ -n "$GOT" ] && check "attachment: no raw tag, the rest kept" eval \
    "no_raw_tag '$GOT' && grep -q '^Notes  end' '$GOT'"
check "no survey recorded for either" test "$(surveys)" = 0

# --- what cannot: on_error decides --------------------------------------
mk qp-part-unreadable.eml T-7
send "$MAIL" || cat "$RIG/swaks.out"
GOT=$(rig_wait_file 'raw-7@example.com' 30) || GOT=
check "stuck tag, on_error = accept: delivered" test -n "$GOT"
[ -n "$GOT" ] && check "stuck tag, on_error = accept: as it came, no X-NPS-*" \
    eval "grep -qF '$TAG' '$GOT' && ! grep -qi '^x-nps-' '$GOT'"
check "stuck tag: one 'raw tag' log line with the queue id" \
    grep -Eq '[0-9A-F]+: npsgate: raw tag, passed without a survey: 1 tag' \
    "$RIG/milter.log"
check "stuck tag: no survey recorded" test "$(surveys)" = 0

rig_stop_milter
sed -i 's/^\[milter\]$/[milter]\non_error = tempfail/' "$RIG/npsgate.conf"
rig_start_milter || exit 1
send "$MAIL"
check "stuck tag, on_error = tempfail: Postfix answers 4xx" \
    grep -Eq '<\*\* +4[0-9][0-9]' "$RIG/swaks.out"
check "stuck tag, on_error = tempfail: the log says so" \
    grep -q 'npsgate: raw tag, tempfail: 1 tag' "$RIG/milter.log"

tap_done
