#!/bin/sh
# postfix-helpdesk.sh - help desks' closing mails through a real, private
# Postfix with npsgate-milter (tests/integration/postfix-rig.sh), the
# mails of tests/corpus/helpdesk sent by swaks:
#   - with helpdesk = osticket: the closing reply leaves with the widget,
#     no piece of the tag and the help desk's headers kept, the survey row
#     has the ticket (from the Subject), agent, team and channel; a reply
#     that does not close leaves without tag or widget, no row, counted as
#     outgoing.not_closing; the agent's [NoSurvey] leaves no marker and an
#     opt-out event with the agent and the ticket;
#   - the header_checks bridge: a Postfix header_checks PREPEND of
#     X-NPS-Agent from the help desk's own header reaches the milter, which
#     records it and removes it;
#   - with helpdesk = redmine (milter restarted): the closing note is
#     surveyed with the ticket, agent and team of the X-Redmine-* headers,
#     the other note is not, and the same closing note again is a
#     duplicate.
# Exit 77 (skip) only when Postfix is not installed.

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
	echo "postfix-helpdesk.sh: needs root (a private Postfix instance)"
	exit 1
fi

. "$top_srcdir/tests/integration/postfix-rig.sh"
CHECK="python3 $top_srcdir/tests/tools/mailcheck.py"
. "$top_srcdir/tests/integration/tap.sh"
CORPUS=$top_srcdir/tests/corpus/helpdesk

T=$(mktemp -d /tmp/npsgate-pfhelpdesk-XXXXXX)
finish() {
	rig_stop
	tap_finish postfix-helpdesk.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog postfix-helpdesk.sh 300

rig_init "$T"
sed -i 's/^\[general\]$/[general]\nhelpdesk = osticket/' "$RIG/npsgate.conf"
printf '/^X-Bridge-Agent: *(.+)$/ PREPEND X-NPS-Agent: $1\n' \
    >"$RIG/etc/header_checks"
printf 'header_checks = regexp:%s/etc/header_checks\n' "$RIG" \
    >>"$RIG/etc/main.cf"
rig_start_all || exit 1

# send FILE MARK -> GOT, the file smtp-sink received holding MARK
send() {
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@helpdesk.example --to customer@example.org \
	    --data - <"$1" >"$RIG/swaks.out" 2>&1 ||
	    { cat "$RIG/swaks.out"; GOT=; return 1; }
	GOT=$(rig_wait_file "$2" 30) || GOT=
	[ -n "$GOT" ]
}
text() { $CHECK text "$1"; }
no_tag() { ! text "$1" | grep -Eqi 'InsertSatisfaction|NoSurvey|(agent|status|team|ticket)='; }
has_widget() { grep -q 'nps+' "$1"; }
hdr_block() { sed -n '1,/^\r\{0,1\}$/p' "$1"; }

# --- osTicket ---------------------------------------------------------
if send "$CORPUS/osticket-closed.eml" "repaired"; then
	check "osticket closing reply: widget" has_widget "$GOT"
	check "osticket closing reply: no piece of the tag" no_tag "$GOT"
	check "osticket closing reply: MIME readable" $CHECK mimeok "$GOT"
	check "osticket closing reply: its X-Mailer kept" \
	    grep -q '^X-Mailer: osTicket Mailer' "$GOT"
	check "osticket closing reply: survey row" test \
	    "$(sql "SELECT ticket||'|'||agent||'|'||team||'|'||channel FROM surveys WHERE ticket='123456';")" \
	    = "123456|Jane Doe|Support|email"
else
	notok "osticket closing reply delivered"
fi
if send "$CORPUS/osticket-reply-open.eml" "looking into it"; then
	check "osticket other reply: no widget" eval "! has_widget '$GOT'"
	check "osticket other reply: no piece of the tag" no_tag "$GOT"
	check "osticket other reply: its text kept" \
	    eval "text '$GOT' | grep -q 'We are looking into it.'"
	check "osticket other reply: no row" test \
	    "$(sql "SELECT count(*) FROM surveys;")|$(sql "SELECT count(*) FROM events;")" = "1|0"
	check "osticket other reply: counted by npsgate stats" eval \
	    "'$NPSGATE' stats -c '$RIG/npsgate.conf' | grep -qx 'outgoing.not_closing 1'"
else
	notok "osticket other reply delivered"
fi
# The agent's marker, in a mail that closes (its status says so).
sed -e 's/\[NoSurvey\]/[NoSurvey] Closed./' \
    -e 's/channel="Portal"/channel="Email" status="Closed"/' \
    "$CORPUS/freshdesk-resolved.eml" >"$RIG/marker.eml"
if send "$RIG/marker.eml" "Login loop"; then
	check "agent's marker: no widget" eval "! has_widget '$GOT'"
	check "agent's marker: no marker, no tag" no_tag "$GOT"
	check "agent's marker: opt-out event with agent and ticket" test \
	    "$(sql "SELECT kind||'|'||agent||'|'||ticket FROM events;")" \
	    = "optout|Jane Doe|88"
else
	notok "agent's marker delivered"
fi

# --- the header_checks bridge -------------------------------------------
{
	printf 'From: Support <support@helpdesk.example>\r\n'
	printf 'To: customer@example.org\r\nSubject: Re: bridge [#777]\r\n'
	printf 'Message-ID: <bridge-1@helpdesk.example>\r\n'
	printf 'X-Bridge-Agent: bridged.agent\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Bridged.\r\n[InsertSatisfactionEvaluation status="Closed"]\r\n'
} >"$RIG/bridge.eml"
if send "$RIG/bridge.eml" "Bridged."; then
	check "header_checks bridge: the agent reaches the survey row" test \
	    "$(sql "SELECT agent FROM surveys WHERE ticket='777';")" \
	    = "bridged.agent"
	check "header_checks bridge: no X-NPS-* leaves" \
	    eval "! hdr_block '$GOT' | grep -qi '^X-NPS-'"
	check "header_checks bridge: the help desk's header stays" \
	    grep -q '^X-Bridge-Agent: bridged.agent' "$GOT"
else
	notok "header_checks bridge delivered"
fi

# --- Redmine ------------------------------------------------------------
rig_stop_milter
sed -i 's/^helpdesk = osticket$/helpdesk = redmine/' "$RIG/npsgate.conf"
rig_start_milter || exit 1
if send "$CORPUS/redmine-closed.eml" "Fixed in 2.4.1"; then
	check "redmine closing note: widget" has_widget "$GOT"
	check "redmine closing note: no piece of the tag" no_tag "$GOT"
	check "redmine closing note: X-Redmine-* kept" \
	    grep -q '^X-Redmine-Issue-Id: 123' "$GOT"
	check "redmine closing note: survey row from X-Redmine-*" test \
	    "$(sql "SELECT ticket||'|'||agent||'|'||team FROM surveys WHERE ticket='123';")" \
	    = "123|jdoe|support"
else
	notok "redmine closing note delivered"
fi
if send "$CORPUS/redmine-note.eml" "We reproduced it."; then
	check "redmine other note: no widget, no tag" \
	    eval "! has_widget '$GOT' && no_tag '$GOT'"
else
	notok "redmine other note delivered"
fi
sed 's/Fixed in 2.4.1, closing./Closed again./' \
    "$CORPUS/redmine-closed.eml" >"$RIG/again.eml"
if send "$RIG/again.eml" "Closed again."; then
	check "redmine closed again: no widget" eval "! has_widget '$GOT'"
	check "redmine closed again: a duplicate event" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='duplicate' AND ticket='123';")" = 1
else
	notok "redmine closed again delivered"
fi

tap_done
