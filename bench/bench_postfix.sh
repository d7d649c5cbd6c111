#!/bin/sh
# bench_postfix.sh - Postfix's throughput with and without npsgate-milter.
#
# The private Postfix of tests/integration/postfix-rig.sh, smtp-sink behind
# it. smtp-source sends M mails (default 2000) over S sessions (default 20)
# and the time runs until smtp-sink has received the last one. Each kind
# of mail goes through Postfix without the milter, then with it:
#   - plain:  a 3 KB mail without the tag (what most of a gateway's mail is)
#   - survey: a help-desk mail with X-NPS-* headers and the tag; with the
#             milter each one gets a token, the widget and a store row
# Each pair runs twice, alternating, and the means are compared.
# It prints mails/s and the ratio with/without (targets: >= 0.90 plain,
# >= 0.80 survey), then sends 50 mails of 5 MB over 50 sessions at once and
# prints the milter's peak RSS (VmHWM).
# Not a test: run it by hand as root from the build directory:
#	top_srcdir=/path/to/src sh /path/to/src/bench/bench_postfix.sh [M] [S]
# or through bench/run. --quick: 1,000 mails unless M is given (fewer are
# over too fast to measure: the ratio swings by half), and no 5 MB
# part; --no-big: no 5 MB part (bench/bench_memory.sh measures memory).
# Ends with one BENCH line per kind for bench/run (bench/lib.sh).

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

T=$(mktemp -d /tmp/npsgate-bench-postfix-XXXXXX)
finish() {
	rig_stop
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

rig_init "$T"
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null || exit 1
rig_start_sink || exit 1
rig_start_milter || exit 1
rig_start_postfix || exit 1
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
{
	printf 'From: Support <support@shop.example>\nTo: <customer@example.com>\n'
	printf 'Subject: Your ticket is closed\nX-NPS-Ticket: T-1\n'
	printf 'X-NPS-Agent: marie\nX-NPS-Team: N1\nX-NPS-Channel: email\n'
	printf 'X-NPS-Lang: fr\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/alternative; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain; charset=utf-8\n\n'
	printf 'Bonjour,\nVotre ticket est clos.\n[InsertSatisfactionEvaluation]\nCordialement\n'
	printf -- '--b\nContent-Type: text/html; charset=utf-8\n\n'
	printf '<html><body><p>Bonjour,</p><p>Votre ticket est clos.</p>\n'
	printf '<p>[InsertSatisfactionEvaluation]</p><p>Cordialement</p></body></html>\n'
	printf -- '--b--\n'
} >"$T/survey.eml"
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

# run FILE SESSIONS COUNT -> prints mails/s
run() {
	rm -rf "$RIG/sink"
	mkdir -p "$RIG/sink"
	chown postfix "$RIG/sink"
	t0=$(date +%s.%N)
	timeout 600 smtp-source -s "$2" -m "$3" -F "$1" \
	    -f shop@shop.example -t customer@example.com \
	    127.0.0.1:"$SMTP_PORT" || echo "smtp-source failed" >&2
	i=0
	while [ "$(find "$RIG/sink" -type f | wc -l)" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -gt 3000 ] && { echo "timeout waiting for the sink" >&2; break; }
		sleep 0.1
	done
	t1=$(date +%s.%N)
	echo "$3 $t0 $t1" | awk '{ printf "%.1f\n", $1 / ($3 - $2) }'
}

# CPU seconds (user + system) the milter has used so far.
milter_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' \
	    /proc/"$MILTER_PID"/stat
}

ratio() { echo "$1 $2" | awk '{ printf "%.3f\n", $1 / $2 }'; }
mean() { echo "$1 $2" | awk '{ printf "%.1f\n", ($1 + $2) / 2 }'; }

echo "bench_postfix: $M mails over $S sessions, Postfix $(postconf -d -h mail_version), load $(cut -d' ' -f1-3 /proc/loadavg)"
# A warm-up so that the first measured run does not pay for process
# start-up; then, for each kind of mail, without / with / without / with,
# so that a drift of the machine's load weighs on both sides alike.
rig_milter_off
run "$T/plain.eml" "$S" 200 >/dev/null
for kind in plain survey; do
	rig_milter_off
	a1=$(run "$T/$kind.eml" "$S" "$M")
	rig_milter_on
	c0=$(milter_cpu)
	b1=$(run "$T/$kind.eml" "$S" "$M")
	c1=$(milter_cpu)
	rig_milter_off
	a2=$(run "$T/$kind.eml" "$S" "$M")
	rig_milter_on
	b2=$(run "$T/$kind.eml" "$S" "$M")
	eval "${kind}_off=\$(mean $a1 $a2) ${kind}_on=\$(mean $b1 $b2)"
	echo "  $kind: without $a1, $a2 /s; with $b1, $b2 /s;" \
	    "milter CPU $(echo "$c0 $c1 $M" | awk '{ printf "%.0f", ($2 - $1) / $3 * 1e6 }') us/mail"
done

printf '%-8s %12s %12s %8s %8s\n' kind "without/s" "with/s" ratio target
printf '%-8s %12s %12s %8s %8s\n' plain "$plain_off" "$plain_on" \
    "$(ratio "$plain_on" "$plain_off")" 0.90
printf '%-8s %12s %12s %8s %8s\n' survey "$survey_off" "$survey_on" \
    "$(ratio "$survey_on" "$survey_off")" 0.80
echo "surveys in the store: $(sqlite3 "$RIG/db/npsgate.db" 'SELECT count(*) FROM surveys;' 2>/dev/null)"

. "$top_srcdir/bench/lib.sh"
bench_result postfix_notag "$plain_on" mails/s "$plain_off" \
    "$(ratio "$plain_on" "$plain_off")" "ratio>=0.90" \
    "Postfix + milter, $M mails without tag, $S sessions (ref: Postfix alone)"
bench_result postfix_survey "$survey_on" mails/s "$survey_off" \
    "$(ratio "$survey_on" "$survey_off")" "ratio>=0.80" \
    "Postfix + milter, $M survey mails, $S sessions (ref: Postfix alone)"

[ "$big" = 1 ] || exit 0
B=$(run "$T/big.eml" 50 50)
echo "50 x 5 MB over 50 sessions: $B mails/s; milter peak RSS:" \
    "$(grep VmHWM /proc/"$MILTER_PID"/status | awk '{ print $2 / 1024 " MB" }')"
