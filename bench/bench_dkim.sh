#!/bin/sh
# bench_dkim.sh - npsgate-milter beside a milter every admin already runs:
# OpenDKIM signing every mail (relaxed/relaxed, rsa-sha256, 2048 bits).
#
# The private Postfix of tests/integration/postfix-rig.sh, smtp-sink behind
# it, a private OpenDKIM on loopback. smtp-source sends M survey mails
# (default 2000; --quick 1000) over S sessions (default 20) through:
#   - OpenDKIM alone                (smtpd_milters = opendkim)
#   - npsgate-milter then OpenDKIM  (the order admins run: the survey is
#                                    added before the mail is signed)
# three rounds in turn, and compares the means: the chain against OpenDKIM
# alone (target >= 0.98: what an admin feels when npsgate joins), and
# prints OpenDKIM alone against Postfix without milter for scale. Every
# mail that reaches the sink is checked to carry a DKIM-Signature, and in
# the chain the survey's widget, signed. Ends with BENCH lines for
# bench/run (bench/lib.sh). Exit 77 when OpenDKIM is not installed.
# Not a test: run as root from the build directory (or through bench/run).

set -u
PATH=$PATH:/usr/sbin:/sbin
M=2000
while [ $# -gt 0 ]; do
	case $1 in
	--quick) M=1000 ;;
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

[ "$(id -u)" = 0 ] || { echo "bench_dkim.sh: run as root"; exit 1; }
command -v opendkim >/dev/null 2>&1 && command -v opendkim-genkey >/dev/null 2>&1 ||
    { echo "bench_dkim.sh: opendkim (packages opendkim opendkim-tools) missing: skip"; exit 77; }
command -v smtp-source >/dev/null 2>&1 ||
    { echo "bench_dkim.sh: smtp-source (package postfix) missing"; exit 1; }

. "$top_srcdir/tests/integration/postfix-rig.sh"
. "$top_srcdir/bench/lib.sh"

T=$(mktemp -d /tmp/npsgate-bench-dkim-XXXXXX)
DKIM_PID=
finish() {
	[ -n "$DKIM_PID" ] && kill "$DKIM_PID" 2>/dev/null
	rig_stop
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

rig_init "$T"
rig_start_all || exit 1
postconf -c "$RIG/etc" -e default_process_limit=200 \
    smtpd_client_connection_count_limit=0 >/dev/null

# OpenDKIM: one key for the sender's domain, in the foreground, signing
# what comes from loopback (its InternalHosts default).
DKIM_PORT=$(rig_free_port $((MILTER_PORT + 7)))
mkdir -p "$T/dkim"
opendkim-genkey -b 2048 -D "$T/dkim" -d shop.example -s bench ||
    { echo "opendkim-genkey failed"; exit 1; }
chown -R opendkim "$T/dkim" 2>/dev/null
cat >"$T/dkim/opendkim.conf" <<EOF
Syslog no
Background no
Mode s
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
Domain shop.example
Selector bench
KeyFile $T/dkim/bench.private
Socket inet:$DKIM_PORT@127.0.0.1
PidFile $T/dkim/opendkim.pid
UserID opendkim
RequireSafeKeys no
EOF
opendkim -f -x "$T/dkim/opendkim.conf" >"$T/dkim/log" 2>&1 &
DKIM_PID=$!
rig_wait_port "$DKIM_PORT" || { cat "$T/dkim/log"; exit 1; }

bench_survey_mail "$T/survey.eml"

# milters LIST - smtpd_milters for the next run ("" for none).
milters() {
	postconf -c "$RIG/etc" -e "smtpd_milters = $1"
	timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
	sleep 1
}

# run COUNT [CHECKS] -> mails/s, smtp-source to the last mail in the sink;
# the sink's mails are then checked as CHECKS says: "signed" every one
# signed, "survey" none left with the raw tag.
run() {
	rate=$(bench_smtp_rate "$T/survey.eml" "$S" "$1" support@shop.example)
	case " ${2:-} " in *" signed "*)
		unsigned=$(grep -L '^DKIM-Signature:' -r "$RIG/sink" | wc -l)
		[ "$unsigned" -eq 0 ] ||
		    echo "bench_dkim: $unsigned mails not signed" >&2 ;;
	esac
	case " ${2:-} " in *" survey "*)
		bare=$(grep -l 'InsertSatisfactionEvaluation' -r "$RIG/sink" | wc -l)
		[ "$bare" -eq 0 ] || echo "bench_dkim: $bare mails without survey" >&2 ;;
	esac
	echo "$rate"
}

ratio() { echo "$1 $2" | awk '{ printf "%.3f\n", $1 / $2 }'; }
mean() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) t += $i; printf "%.1f\n", t / NF }'; }

NPS=inet:127.0.0.1:$MILTER_PORT
DKIM=inet:127.0.0.1:$DKIM_PORT
echo "bench_dkim: $M survey mails over $S sessions, $(opendkim -V 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
milters "$DKIM"
run 200 >/dev/null
alone="" dkim="" chain=""
for round in 1 2 3; do
	milters ""
	alone="$alone $(run "$M")"
	milters "$DKIM"
	dkim="$dkim $(run "$M" signed)"
	milters "$NPS $DKIM"
	chain="$chain $(run "$M" "signed survey")"
done
alone=$(mean $alone) dkim_m=$(mean $dkim) chain_m=$(mean $chain)
echo "  Postfix alone:$alone /s"
echo "  OpenDKIM:$dkim /s (mean $dkim_m)"
echo "  npsgate-milter then OpenDKIM:$chain /s (mean $chain_m)"
echo "  chain / OpenDKIM alone: $(ratio "$chain_m" "$dkim_m") (target >= 0.98);" \
    "OpenDKIM / Postfix alone: $(ratio "$dkim_m" "$alone")"
bench_result dkim_chain "$chain_m" mails/s "$dkim_m" \
    "$(ratio "$chain_m" "$dkim_m")" "ratio>=0.98" \
    "npsgate-milter then OpenDKIM, $M survey mails, $S sessions (ref: OpenDKIM alone)"
bench_result dkim_alone "$dkim_m" mails/s "$alone" \
    "$(ratio "$dkim_m" "$alone")" "ratio>=0" \
    "OpenDKIM alone signing $M mails (ref: Postfix alone), for scale"
