#!/bin/sh
# bench_memory.sh - npsgate-milter's memory under 50 concurrent large mails.
#
#   bench/bench_memory.sh [--build DIR] [--quick] [--conns N] [--size BYTES]
#                         [--rounds R] [--no-fail]
#
# A private Postfix on loopback (tests/integration/postfix-rig.sh) with
# npsgate-milter as its milter and an smtp-sink (no dump) behind it. The
# reference is the milter's resident size when idle: after start and one
# small mail through it. Then ROUNDS rounds of CONNS concurrent SMTP
# sessions (swaks), each sending one mail of SIZE bytes - half of them
# survey mails (X-NPS-* headers, the tag in a quoted-printable text and
# HTML part, a base64 attachment), half the same mail without tag or
# headers. For each round the milter's peak resident size is read from
# /proc/PID/status (VmHWM, reset before the round through clear_refs;
# VmRSS sampled as well where clear_refs is refused), and its resident
# size once the queue has drained.
#
# Rows (BENCH lines, see bench/lib.sh):
#   memory_peak    highest peak of all rounds, MB; reference idle MB;
#                  ratio (peak - idle) / (CONNS x SIZE): target <= 2
#   memory_growth  slope of the resident size after each round, rounds 2
#                  to ROUNDS (round 1 creates the threads' malloc arenas),
#                  MB per round: target <= a tenth of the load, at least
#                  4 MB (a milter that kept every mail would grow by the
#                  whole load)
# Defaults: 50 connections x 5,000,000 bytes, 5 rounds; --quick: 10 x
# 1,000,000, 3 rounds. Exit 1 when a target is missed (unless --no-fail)
# or the mails do not go through, 77 when Postfix or swaks is missing.
# Needs root (a private Postfix instance).
set -u

PATH=$PATH:/usr/sbin:/sbin
build=${top_builddir:-.}
conns=50
size=5000000
rounds=5
fail=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--quick) conns=10; size=1000000; rounds=3 ;;
	--conns) conns=$2; shift ;;
	--size) size=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--no-fail) fail=0 ;;
	*) echo "usage: $0 [--build DIR] [--quick] [--conns N] [--size BYTES] [--rounds R] [--no-fail]" >&2
	   exit 2 ;;
	esac
	shift
done

for c in postfix smtp-sink swaks; do
	command -v "$c" >/dev/null 2>&1 || { echo "bench_memory: $c missing: skip"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "bench_memory: needs root (private Postfix)" >&2; exit 1; }
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=$(cd "$build" && pwd) || exit 2
export top_srcdir top_builddir
[ -x "$top_builddir/npsgate-milter" ] ||
    { echo "bench_memory: no $top_builddir/npsgate-milter (build first, or --build DIR)" >&2; exit 2; }

. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/integration/postfix-rig.sh"

T=$(mktemp -d /tmp/npsgate-bench-memory.XXXXXX) || exit 1
finish() {
	rig_stop
	[ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		echo "bench_memory: files kept in $T"
	else
		rm -rf "$T"
	fi
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
# Never hang: a round that takes minutes means something is broken.
( sleep $((120 + rounds * conns * size / 2000000)) >/dev/null 2>&1
  echo "bench_memory: timeout" >&2; kill -TERM $$ ) </dev/null &
WATCHDOG=$!

rig_init "$T"
# Mails of SIZE bytes must pass Postfix's own limit.
postconf -c "$RIG/etc" -e "message_size_limit = $((size * 2 + 1000000))" \
    "default_process_limit = $((conns * 2 + 20))"
"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null ||
    { echo "bench_memory: keygen failed"; exit 1; }

# The sink only accepts: dumping gigabytes would time the disk.
smtp-sink -u postfix 127.0.0.1:"$SINK_PORT" $((conns * 2 + 20)) \
    >"$RIG/sink.log" 2>&1 &
SINK_PID=$!
rig_wait_port "$SINK_PORT" || { echo "bench_memory: smtp-sink did not start"; exit 1; }
rig_start_milter || exit 1
rig_start_postfix || exit 1

# The two mails, CRLF, about SIZE bytes each; swaks fills %TO_ADDRESS%.
python3 - "$T" "$size" <<'EOF' || exit 1
import base64, os, quopri, sys
d, size = sys.argv[1], int(sys.argv[2])
def mail(survey):
    h = ["From: Support <support@shop.example>",
         "To: <%TO_ADDRESS%>",
         "Subject: Ticket closed",
         "Date: %DATE%",
         "Message-ID: <%MESSAGEID%>"]
    if survey:
        h += ["X-NPS-Ticket: T-%TO_ADDRESS%", "X-NPS-Agent: marie",
              "X-NPS-Team: Support N1", "X-NPS-Channel: email",
              "X-NPS-Lang: fr"]
    tag = "[InsertSatisfactionEvaluation]" if survey else "(no survey)"
    text = ("Bonjour,\n\nVotre ticket est r\u00e9solu.\n\n%s\n\n" % tag
            + "Historique du ticket, message suivant.\n" * 200)
    html = ("<html><body><p>Bonjour, votre ticket est r\u00e9solu.</p>"
            "<p>%s</p>" % tag
            + "<p>Historique du ticket, message suivant.</p>\n" * 200
            + "</body></html>")
    qp = lambda s: quopri.encodestring(s.encode()).decode().replace(
        "\n", "\r\n")
    head = "\r\n".join(h + [
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="=_m"', "", "--=_m",
        'Content-Type: multipart/alternative; boundary="=_a"', "",
        "--=_a", "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable", "", qp(text),
        "--=_a", "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable", "", qp(html),
        "--=_a--", "", "--=_m",
        'Content-Type: application/pdf; name="history.pdf"',
        "Content-Transfer-Encoding: base64", "", ""])
    tail = "\r\n--=_m--\r\n"
    raw = max(0, (size - len(head) - len(tail)) * 76 // 78 * 3 // 4)
    b64 = base64.encodebytes(os.urandom(raw)).decode().replace("\n", "\r\n")
    return head + b64.rstrip("\r\n") + tail
for name, survey in (("survey", True), ("plain", False)):
    with open(os.path.join(d, name + ".eml"), "w", newline="") as f:
        f.write(mail(survey))
EOF

status() {	# status FIELD -> kB, from the milter's /proc entry
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$MILTER_PID/status"
}

queued() {
	find "$RIG/queue/maildrop" "$RIG/queue/incoming" "$RIG/queue/active" \
	    "$RIG/queue/deferred" -type f 2>/dev/null | wc -l
}

drain() {	# waits until Postfix has delivered everything (120 s)
	i=0
	while [ "$(queued)" -gt 0 ] && [ $i -lt 600 ]; do
		[ $((i % 25)) -eq 24 ] && postqueue -c "$RIG/etc" -f >/dev/null 2>&1
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(queued)" -eq 0 ]
}

send() {	# send TO FILE
	timeout 300 swaks --silent 2 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@shop.example --to "$1" --data "$2"
}

# Idle: started, one small mail through, queue drained.
printf 'Subject: warm-up\r\n\r\nhello\r\n' >"$T/small.eml"
send warmup@client.example "$T/small.eml" >"$T/swaks.out" 2>&1 ||
    { echo "bench_memory: the warm-up mail failed:"; cat "$T/swaks.out"; exit 1; }
drain || { echo "bench_memory: the warm-up mail stays queued"; exit 1; }
sleep 1
idle=$(status VmRSS)

clear_ok=0
r=1
: >"$T/rounds"
while [ $r -le "$rounds" ]; do
	echo 5 >"/proc/$MILTER_PID/clear_refs" 2>/dev/null && clear_ok=1
	# Sampled peak as well, for kernels that refuse clear_refs.
	( m=0
	  while [ ! -f "$T/stop" ]; do
		v=$(status VmRSS)
		[ -n "$v" ] && [ "$v" -gt "$m" ] && { m=$v; echo "$m" >"$T/sampled"; }
		sleep 0.05
	  done ) &
	sampler=$!
	t0=$(bench_now)
	i=1
	pids=
	while [ $i -le "$conns" ]; do
		if [ $((i % 2)) -eq 1 ]; then f=$T/survey.eml; else f=$T/plain.eml; fi
		send "c$r-$i@client.example" "$f" >"$T/swaks.$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	bad=0
	for p in $pids; do
		wait "$p" || bad=$((bad + 1))
	done
	t1=$(bench_now)
	touch "$T/stop"
	wait "$sampler"
	rm -f "$T/stop"
	if [ "$bad" -gt 0 ]; then
		echo "bench_memory: round $r: $bad of $conns mails refused:"
		cat "$T"/swaks.* | grep -v '^ *$' | head -20
		tail -5 "$RIG/milter.log"
		exit 1
	fi
	if [ "$clear_ok" = 1 ]; then peak=$(status VmHWM); else peak=0; fi
	s=$(cat "$T/sampled" 2>/dev/null || echo 0)
	[ "$s" -gt "$peak" ] && peak=$s
	drain || { echo "bench_memory: round $r: mails stay queued"; exit 1; }
	sleep 1
	after=$(status VmRSS)
	awk -v r="$r" -v p="$peak" -v a="$after" -v t0="$t0" -v t1="$t1" \
	    'BEGIN { printf "round %d: peak %.1f MB, after %.1f MB, sent in %.1f s\n",
	    r, p / 1024, a / 1024, t1 - t0 }'
	echo "$r $peak $after" >>"$T/rounds"
	r=$((r + 1))
done

surveys=$(sqlite3 -cmd ".timeout 5000" "$RIG/db/npsgate.db" \
    "SELECT count(*) FROM surveys" 2>/dev/null || echo "?")
load_mb=$(awk -v n="$conns" -v s="$size" 'BEGIN { printf "%.1f", n * s / 1048576 }')
idle_mb=$(awk -v k="$idle" 'BEGIN { printf "%.1f", k / 1024 }')
peak_kb=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$T/rounds")
peak_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')
# Growth: the slope (least squares) of the resident size after each round,
# from round 2 on - round 1 creates the threads' malloc arenas, which stay.
# A milter that kept every mail would grow by the whole load per round.
growth_mb=$(awk 'NR >= 2 { n++; x[n] = $1; y[n] = $3 / 1024; sx += $1; sy += $3 / 1024 }
END {
	if (n < 2) { print "-"; exit }
	mx = sx / n; my = sy / n
	for (i = 1; i <= n; i++) { c += (x[i] - mx) * (y[i] - my); v += (x[i] - mx) ^ 2 }
	printf "%.1f\n", c / v
}' "$T/rounds")
# A tenth of the load, but at least 4 MB: below that, malloc's arenas
# (one per thread, up to 8 per CPU) move more than a leak would.
limit_mb=$(awk -v n="$conns" -v s="$size" 'BEGIN { l = 0.1 * n * s / 1048576
	printf "%.1f", (l > 4 ? l : 4) }')
extra=$(awk -v p="$peak_kb" -v i="$idle" -v n="$conns" -v s="$size" \
    'BEGIN { printf "%.3f", (p - i) * 1024 / (n * s) }')
echo "idle ${idle_mb} MB; load $conns x $size bytes = ${load_mb} MB per round" \
    "($rounds rounds, $surveys surveys recorded);" \
    "peak ${peak_mb} MB = idle + ${extra} x load (target <= 2);" \
    "resident size after each round grows by ${growth_mb} MB/round" \
    "from round 2 on (target <= ${limit_mb}: a tenth of the load, >= 4 MB)"
[ "$clear_ok" = 1 ] || echo "(clear_refs refused: peaks are sampled every 50 ms)"

l1=$(bench_result memory_peak "$peak_mb" MB "$idle_mb" "$extra" "ratio<=2" \
    "milter RSS, $conns conns x $((size / 1000000)) MB mail (ref: idle RSS; ratio: extra / load)")
l2=$(bench_result memory_growth "$growth_mb" MB/round - - "value<=$limit_mb" \
    "milter RSS growth per round, rounds 2-$rounds (target: 10% of load, >= 4 MB)")
echo "$l1"
echo "$l2"
case "$l1 $l2" in
*ok=no*) [ "$fail" -eq 1 ] && exit 1 ;;
esac
exit 0
