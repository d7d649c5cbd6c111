#!/bin/sh
# bench_postfix.sh - Postfix's throughput with and without npsgate-milter.
#
# The private Postfix of tests/integration/postfix-rig.sh, smtp-sink behind
# it. smtp-source sends M mails (default 2000) over S sessions (default 20)
# and the time runs until smtp-sink has received the last one. Each kind
# of mail goes through Postfix without a milter, with a libmilter milter
# that changes nothing (bench/bench_noop_milter: what any libmilter
# milter costs here) and with npsgate-milter:
#   - plain:  a 3 KB mail without the tag (what most of a gateway's mail is)
#   - survey: a 550-byte help-desk mail with X-NPS-* headers and the tag;
#             npsgate-milter gives each one a token, the widget (the mail
#             leaves at 11 KB) and a store row
#   - outscope: the plain mail from another envelope sender; the milter is
#             configured as a relay that also carries the rest of a
#             company's mail is (scope_senders = the help desk's
#             address), so it accepts this mail at MAIL FROM and Postfix
#             sends it nothing more
# The three run twice, in turn, and the means are compared. It prints
# mails/s, the ratio npsgate-milter / without (targets: >= 0.90 plain,
# >= 0.80 survey, >= 0.95 outscope) and npsgate-milter / no-op milter
# (npsgate's own share: >= 0.95 plain, >= 0.97 survey), then sends 50
# mails of 5 MB over 50 sessions at once and prints the milter's peak RSS
# (VmHWM).
# Not a test: run it by hand as root from the build directory:
#	top_srcdir=/path/to/src sh /path/to/src/bench/bench_postfix.sh [M] [S]
# or through bench/run. --quick: 1,000 mails unless M is given (fewer are
# over too fast to measure: the ratio swings by half), and no 5 MB
# part; --no-big: no 5 MB part (bench/bench_memory.sh measures memory).
# Ends with one BENCH line per kind against Postfix alone, and one for
# each of plain and survey against the no-op milter, for bench/run
# (bench/lib.sh).

set -u
PATH=$PATH:/usr/sbin:/sbin
M=2000
big=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) M=1000; big=0 ;;
	--no-big) big=0 ;;
	*) break ;;
	esac
	shift
done
M=${1:-$M}
S=${2:-20}
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

[ "$(id -u)" = 0 ] || { echo "bench_postfix.sh: run as root"; exit 1; }
command -v smtp-source >/dev/null 2>&1 ||
    { echo "bench_postfix.sh: smtp-source (package postfix) missing"; exit 1; }

. "$top_srcdir/tests/integration/postfix-rig.sh"
. "$top_srcdir/bench/lib.sh"

T=$(mktemp -d /tmp/npsgate-bench-postfix-XXXXXX)
finish() {
	rig_stop
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

rig_init "$T"
# The help desk sends from shop@shop.example: its mail is in scope, the
# rest of the company's (news@) is not. [milter] is the file's last
# section.
echo "scope_senders = shop@shop.example" >>"$RIG/npsgate.conf"
rig_start_all || exit 1
# Plenty of processes so that Postfix, not its limits, is measured.
postconf -c "$RIG/etc" -e default_process_limit=200 \
    smtpd_client_connection_count_limit=0 >/dev/null

# smtp-source -F adds CRLF to each line and dot-stuffs.
{
	printf 'From: Shop <shop@shop.example>\nTo: <customer@example.com>\n'
	printf 'Subject: Your order has shipped\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 'Line %02d of an ordinary mail without any placeholder in it, about 70 c.\n' $i
		i=$((i + 1))
	done
} >"$T/plain.eml"
cp "$T/plain.eml" "$T/outscope.eml"
bench_survey_mail "$T/survey.eml"
{
	printf 'From: Shop <shop@shop.example>\nTo: <customer@example.com>\n'
	printf 'Subject: Big attachment\nX-NPS-Ticket: T-2\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\n[InsertSatisfactionEvaluation]\n'
	printf -- '--b\nContent-Type: application/octet-stream\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 3700000 /dev/zero | tr '\0' 'x' | base64 -w 76
	printf -- '--b--\n'
} >"$T/big.eml"

# run FILE SESSIONS COUNT -> prints mails/s; the sender is the help
# desk's but for outscope.eml.
run() {
	case $1 in
	*/outscope.eml) from=news@shop.example ;;
	*) from=shop@shop.example ;;
	esac
	bench_smtp_rate "$1" "$2" "$3" "$from"
}

# CPU seconds (user + system) the milter has used so far.
milter_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' \
	    /proc/"$MILTER_PID"/stat
}

ratio() { echo "$1 $2" | awk '{ printf "%.3f\n", $1 / $2 }'; }
mean() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) t += $i; printf "%.1f\n", t / NF }'; }

# use_milter noop|npsgate - which milter listens on the rig's port.
use_milter() {
	rig_stop_milter
	case $1 in
	noop) NPSGATE_MILTER=$top_builddir/bench/bench_noop_milter ;;
	*) NPSGATE_MILTER=$top_builddir/npsgate-milter ;;
	esac
	rig_start_milter || exit 1
}

echo "bench_postfix: $M mails over $S sessions, Postfix $(postconf -d -h mail_version), load $(cut -d' ' -f1-3 /proc/loadavg)"
# A warm-up so that the first measured run does not pay for process
# start-up; then, for each kind of mail, two rounds of without / no-op
# milter / npsgate-milter, so that a drift of the machine's load weighs
# on all three alike.
rig_milter_off
run "$T/plain.eml" "$S" 200 >/dev/null
for kind in plain survey outscope; do
	off="" noop="" on="" cpu=""
	for round in 1 2; do
		rig_milter_off
		off="$off $(run "$T/$kind.eml" "$S" "$M")"
		use_milter noop
		rig_milter_on
		noop="$noop $(run "$T/$kind.eml" "$S" "$M")"
		use_milter npsgate
		c0=$(milter_cpu)
		on="$on $(run "$T/$kind.eml" "$S" "$M")"
		c1=$(milter_cpu)
		cpu="$cpu $(echo "$c0 $c1 $M" | awk '{ printf "%.0f", ($2 - $1) / $3 * 1e6 }')"
	done
	eval "${kind}_off=\$(mean $off) ${kind}_noop=\$(mean $noop) ${kind}_on=\$(mean $on)"
	echo "  $kind: without$off /s; no-op milter$noop /s; npsgate-milter$on /s;" \
	    "npsgate-milter CPU$cpu us/mail"
done

printf '%-8s %10s %10s %10s %8s %8s %12s\n' kind "without/s" "no-op/s" \
    "npsgate/s" ratio target "vs no-op"
for kind in plain survey outscope; do
	eval "o=\$${kind}_off n=\$${kind}_noop w=\$${kind}_on"
	case $kind in
	plain) tg=0.90 ;;
	survey) tg=0.80 ;;
	*) tg=0.95 ;;
	esac
	printf '%-8s %10s %10s %10s %8s %8s %12s\n' "$kind" "$o" "$n" "$w" \
	    "$(ratio "$w" "$o")" "$tg" "$(ratio "$w" "$n")"
done
echo "ratio: npsgate-milter / without (the target); vs no-op: npsgate-milter /"
echo "a libmilter milter that changes nothing (what is npsgate's own share)."
echo "surveys in the store: $(sqlite3 "$RIG/db/npsgate.db" 'SELECT count(*) FROM surveys;' 2>/dev/null)"

bench_result postfix_notag "$plain_on" mails/s "$plain_off" \
    "$(ratio "$plain_on" "$plain_off")" "ratio>=0.90" \
    "Postfix + milter, $M mails without tag, $S sessions (ref: Postfix alone)"
bench_result postfix_survey "$survey_on" mails/s "$survey_off" \
    "$(ratio "$survey_on" "$survey_off")" "ratio>=0.80" \
    "Postfix + milter, $M survey mails, $S sessions (ref: Postfix alone)"
bench_result postfix_notag_noop "$plain_on" mails/s "$plain_noop" \
    "$(ratio "$plain_on" "$plain_noop")" "ratio>=0.95" \
    "Postfix + milter, $M mails without tag (ref: Postfix + a no-op libmilter milter)"
bench_result postfix_survey_noop "$survey_on" mails/s "$survey_noop" \
    "$(ratio "$survey_on" "$survey_noop")" "ratio>=0.97" \
    "Postfix + milter, $M survey mails (ref: Postfix + a no-op libmilter milter)"
bench_result postfix_outscope "$outscope_on" mails/s "$outscope_off" \
    "$(ratio "$outscope_on" "$outscope_off")" "ratio>=0.95" \
    "Postfix + milter, $M mails out of scope_senders (ref: Postfix alone)"

[ "$big" = 1 ] || exit 0
B=$(run "$T/big.eml" 50 50)
echo "50 x 5 MB over 50 sessions: $B mails/s; milter peak RSS:" \
    "$(grep VmHWM /proc/"$MILTER_PID"/status | awk '{ print $2 / 1024 " MB" }')"
