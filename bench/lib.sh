# lib.sh - shell helpers shared by the benchmark scripts (sourced).
#
# Every benchmark prints, besides its own human-readable lines, one
# machine-readable line per row of the table that bench/run assembles:
#
#	BENCH name=ID value=V unit=U reference=R ratio=Q target=T ok=yes|no label=TEXT
#
#	name	a short identifier (postfix_notag, rewrite_100k, ...)
#	value	the figure measured for npsgate, in unit
#	reference	the same measure of the reference in the same run
#		(same unit, or "-" when the row has none)
#	ratio	how the value compares with the reference (the row says
#		which way: throughput ratio, time ratio, extra memory per
#		byte of load), or "-"
#	target	"value<=N", "value>=N", "ratio<=N" or "ratio>=N"
#	ok	whether the target is met
#	label	the rest of the line: what the row measures, for people
#
# Functions:
#	bench_now		wall clock in seconds (decimal)
#	bench_median		median of the numbers on stdin, one a line
#	bench_div A B		A / B with 4 significant decimals, "-" if B is 0
#	bench_meets X TARGET	exit 0 when X meets TARGET's comparison
#	bench_survey_mail FILE	writes a 550-byte help-desk closing mail
#				with X-NPS-* headers and the tag in both
#				parts of a multipart/alternative
#	bench_smtp_rate FILE SESSIONS COUNT FROM
#				with the rig of postfix-rig.sh (RIG,
#				SMTP_PORT): smtp-source sends COUNT copies
#				of FILE from FROM over SESSIONS sessions;
#				prints mails/s until the last one is in
#				the sink (emptied first)
#	bench_result NAME VALUE UNIT REFERENCE RATIO TARGET LABEL
#				prints the BENCH line, ok computed from
#				TARGET against VALUE or RATIO

bench_now() {
	date +%s.%N
}

bench_median() {
	sort -g | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

bench_div() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b + 0 == 0) print "-"; else printf "%.4g\n", a / b }'
}

# bench_meets X TARGET: TARGET is "value<=N" etc.; only its operator and
# bound count here.
bench_meets() {
	awk -v x="$1" -v t="$2" 'BEGIN {
		if (x == "-" || x == "") exit 1
		if (match(t, /<=/)) { n = substr(t, RSTART + 2); exit !(x + 0 <= n + 0) }
		if (match(t, />=/)) { n = substr(t, RSTART + 2); exit !(x + 0 >= n + 0) }
		exit 1
	}'
}

bench_result() {
	br_name=$1 br_value=$2 br_unit=$3 br_ref=$4 br_ratio=$5 br_target=$6
	br_label=$7
	case $br_target in
	ratio*) br_x=$br_ratio ;;
	*) br_x=$br_value ;;
	esac
	if bench_meets "$br_x" "$br_target"; then br_ok=yes; else br_ok=no; fi
	printf 'BENCH name=%s value=%s unit=%s reference=%s ratio=%s target=%s ok=%s label=%s\n' \
	    "$br_name" "$br_value" "$br_unit" "$br_ref" "$br_ratio" \
	    "$br_target" "$br_ok" "$br_label"
}

bench_survey_mail() {
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
	} >"$1"
}

bench_smtp_rate() {
	rm -rf "$RIG/sink"
	mkdir -p "$RIG/sink"
	chown postfix "$RIG/sink"
	t0=$(date +%s.%N)
	timeout 600 smtp-source -s "$2" -m "$3" -F "$1" -f "$4" \
	    -t customer@example.com 127.0.0.1:"$SMTP_PORT" ||
	    echo "smtp-source failed" >&2
	i=0
	while [ "$(find "$RIG/sink" -type f | wc -l)" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -gt 3000 ] && { echo "timeout waiting for the sink" >&2; break; }
		sleep 0.1
	done
	t1=$(date +%s.%N)
	echo "$3 $t0 $t1" | awk '{ printf "%.1f\n", $1 / ($3 - $2) }'
}
