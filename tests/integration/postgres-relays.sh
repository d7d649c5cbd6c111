#!/bin/sh
# postgres-relays.sh - several relays and hooks on one store: two private
# Postfix instances (postfix-rig.sh), each with its own npsgate-milter
# and smtp-sink, and two npsgate-imapd-hooks on one Dovecot mailbox
# (rig.sh), all with the same npsgate.conf and key file, on one store:
# a private PostgreSQL cluster (tests/lib/postgres.sh, [store] url) when
# npsgate has a PostgreSQL store, else one SQLite file that both relays
# share, as they may on one host ([store] path).
#   - N customers (NPSGATE_RELAYS_N, 1000 by default: 2,000 survey
#     mails, about a minute on two cores with SQLite; at 500 two hooks
#     that both move a reply show too seldom to be caught)
#     each get two tagged mails at the same moment, one through each
#     relay, with min_days_between = 30: every mail is delivered once,
#     and every customer gets exactly one survey; the store holds N
#     surveys, one per customer;
#   - the N replies, delivered into the one mailbox that both hooks read
#     at once: each is stored once (N responses, one per survey, the sum
#     of their scores that of the replies sent), each filed once;
#   - with PostgreSQL, the server restarted in the middle of the mails
#     and again in the middle of the replies (on_error = tempfail: the
#     relays defer, the senders retry): the same counts, nothing lost,
#     nothing doubled;
#   - a delayed survey through each relay (both on one host name, each
#     with its own [general] node): each waits on its relay's hold queue
#     under its relay's name, and each relay's `npsgate release` lets
#     out its own only, never the other's.
# Exit 77 (skip) under NPSGATE_UNIT_ONLY=1, without Postfix, Dovecot or
# python3, or not root.

set -u

[ -n "${NPSGATE_UNIT_ONLY:-}" ] && { echo "NPSGATE_UNIT_ONLY set"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; exit 77; }
command -v smtp-sink >/dev/null 2>&1 || { echo "smtp-sink not installed"; exit 77; }
command -v dovecot >/dev/null 2>&1 || { echo "dovecot not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (private Postfix instances)"; exit 77; }

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
for p in npsgate-milter npsgate-imapd-hook npsgate; do
	[ -x "$top_builddir/$p" ] || { echo "$p not built"; exit 77; }
done

. "$top_srcdir/tests/integration/rig.sh"
. "$top_srcdir/tests/lib/postgres.sh"
. "$top_srcdir/tests/integration/tap.sh"
MAIL="python3 $top_srcdir/tests/tools/relaymail.py"
N=${NPSGATE_RELAYS_N:-1000}

T=$(mktemp -d /tmp/npsgate-relays-XXXXXX)
chmod 755 "$T"
H1= H2=

# The state of relay $1 (1 or 2) in the rig's variables, and back.
relay_save() {
	eval "R$1_RIG=\$RIG R$1_SMTP=\$SMTP_PORT R$1_SINKP=\$SINK_PORT" \
	    "R$1_MILTERP=\$MILTER_PORT R$1_PF=\${PF_STARTED:-}" \
	    "R$1_SINKPID=\${SINK_PID:-} R$1_MPID=\${MILTER_PID:-}"
}
relay_use() {
	eval "RIG=\${R$1_RIG:-} SMTP_PORT=\${R$1_SMTP:-}" \
	    "SINK_PORT=\${R$1_SINKP:-} MILTER_PORT=\${R$1_MILTERP:-}" \
	    "PF_STARTED=\${R$1_PF:-} SINK_PID=\${R$1_SINKPID:-}" \
	    "MILTER_PID=\${R$1_MPID:-}"
}

stop_hooks() {
	for p in $H1 $H2; do
		rig_term_wait "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	H1= H2=
}

finish() {
	stop_hooks
	for r in 1 2; do
		relay_use $r
		[ -n "$RIG" ] && rig_stop
		relay_save $r
	done
	rig_stop_dovecot
	pg_private_remove
	tap_finish postgres-relays.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog postgres-relays.sh 900

# --- the store ----------------------------------------------------------
# One npsgate.conf for every relay and hook, as an operator would copy it.
mkdir -p "$T/db"
chown nobody "$T/db"
write_conf() {
	cat >"$T/npsgate.conf" <<EOF
[general]
reply_address = nps@reply.example
key_file = $T/keys
templates_dir = $top_srcdir/templates
[store]
$1
[milter]
socket = inet:1@127.0.0.1
user = nobody
on_error = tempfail
[rules]
min_days_between = 30
[channel.later]
delay_days = 2
[followup]
sendmail = /usr/sbin/sendmail -C $T/r1/etc
EOF
}
PG=
if pg_private_init "$T" >/dev/null 2>&1 && pg_private_start; then
	write_conf "url = $PG_URL"
	if "$NPSGATE" check-config -c "$T/npsgate.conf" >"$T/probe.out" 2>&1
	then
		PG=1
		# libpq reads the password file when it (re)connects, after
		# the milter has become nobody.
		cp "$PGPASSFILE" "$T/pgpass"
		chown nobody "$T/pgpass"
		PGPASSFILE=$T/pgpass
		ok "store: PostgreSQL on 127.0.0.1:$PG_PORT"
	elif grep -Eq 'url: unknown key|no PostgreSQL|without PostgreSQL' \
	    "$T/probe.out"; then
		echo "# npsgate has no PostgreSQL store ($(tail -n 1 "$T/probe.out")):"
		echo "# one SQLite file shared by both relays on this host"
		pg_private_remove
	else
		notok "check-config of [store] url: $(cat "$T/probe.out")"
		exit 1
	fi
fi
if [ -z "$PG" ]; then
	write_conf "path = $T/db/npsgate.db"
	ok "store: SQLite $T/db/npsgate.db"
fi
"$NPSGATE" keygen -c "$T/npsgate.conf" >/dev/null || { notok "keygen"; exit 1; }

q() {
	if [ -n "$PG" ]; then
		psql -X -Atq "$PG_URL" -c "$1"
	else
		sqlite3 -cmd ".timeout 5000" "$T/db/npsgate.db" "$1"
	fi
}

# --- two relays ---------------------------------------------------------
# Each relay is started before the next one picks its ports.
# Each relay's own copy names it and its Postfix (for npsgate release);
# both run on this one host, whose name cannot tell them apart.
start_relay() {
	rig_init "$T/r$1"
	cp "$T/npsgate.conf" "$T/r$1.conf"
	printf '[general]\nnode = relay%s\n[milter]\npostfix_config_dir = %s\n' \
	    "$1" "$RIG/etc" >>"$T/r$1.conf"
	rig_start_sink || return 1
	"$NPSGATE_MILTER" -f -c "$T/r$1.conf" \
	    -p "inet:$MILTER_PORT@127.0.0.1" >>"$RIG/milter.log" 2>&1 &
	MILTER_PID=$!
	rig_wait_port "$MILTER_PORT" || { cat "$RIG/milter.log" >&2; return 1; }
	rig_start_postfix || return 1
	relay_save "$1"
}
for r in 1 2; do
	if start_relay $r; then
		ok "relay $r: postfix on $SMTP_PORT, milter on $MILTER_PORT, sink on $SINK_PORT"
	else
		relay_save $r
		notok "relay $r started"
		exit 1
	fi
done

# --- N customers, two mails each at the same moment ---------------------
# restart_when_delivered COUNT: restarts the PostgreSQL server once the
# sinks hold COUNT mails.
sink_count() { find "$R1_RIG/sink" "$R2_RIG/sink" -type f | wc -l; }
restart_when_delivered() {
	i=0
	while [ "$(sink_count)" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	pg_private_restart fast && echo restarted >"$T/pg-restarted"
}

start=$(date +%s)
[ -n "$PG" ] && { restart_when_delivered "$N" & RESTARTER=$!; }
if $MAIL send "$R1_SMTP" "$R2_SMTP" "$N" >"$T/send.out" 2>"$T/send.err"; then
	ok "$(cat "$T/send.out") mails to $N customers, by pairs through both relays"
else
	notok "every mail accepted by a relay: $(tail -n 3 "$T/send.err")"
fi
[ -n "$PG" ] && wait "$RESTARTER"
want=$((2 * N))
i=0
while [ "$(sink_count)" -lt "$want" ] && [ $i -lt 900 ]; do
	[ $((i % 25)) -eq 24 ] && for r in 1 2; do
		eval "postqueue -c \"\$R${r}_RIG/etc\" -f" >/dev/null 2>&1
	done
	sleep 0.2
	i=$((i + 1))
done
echo "# $(sink_count) mails delivered in $(($(date +%s) - start)) s"
[ -n "$PG" ] && check "PostgreSQL restarted while the mails flowed" \
    test -f "$T/pg-restarted"

mkdir -p "$T/sink-all"
cp -r "$R1_RIG/sink/." "$R2_RIG/sink/." "$T/sink-all/"
$MAIL sink "$T/sink-all" "$N" >"$T/sink.out"
val() { sed -n "s/^$1 //p" "$T/sink.out"; }
check "every mail delivered: $(val mails) of $want" test "$(val mails)" = "$want"
check "no mail delivered twice ($(val duplicates))" test "$(val duplicates)" = 0
check "no mail missing ($(val missing))" test "$(val missing)" = 0
check "exactly one survey per customer: $(val customers_one) of $N" \
    test "$(val customers_one)" = "$N"
check "no customer surveyed twice ($(val customers_more))" \
    test "$(val customers_more)" = 0
check "the store holds $N surveys" test "$(q 'SELECT count(*) FROM surveys')" = "$N"
check "one survey per customer in the store" \
    test "$(q 'SELECT count(DISTINCT recipient) FROM surveys')" = "$N"
check "both relays surveyed" eval \
    "grep -rlq 'nps+' '$R1_RIG/sink' && grep -rlq 'nps+' '$R2_RIG/sink'"

# --- two hooks on one mailbox -------------------------------------------
RIG=$T
MILTER_PORT=$R2_MILTERP
rig_dovecot_init || { notok "dovecot config"; exit 1; }
if rig_start_dovecot; then
	ok "dovecot on $IMAP_PORT"
else
	notok "dovecot started"
	exit 1
fi
# The mailbox exists before the hooks log in.
rig_count nps INBOX >/dev/null
MD=$DOVE/mail/nps
for h in 1 2; do
	"$NPSGATE_HOOK" -f -c "$T/npsgate.conf" >>"$T/hook$h.log" 2>&1 &
	eval "H$h=\$!"
done
sleep 1
check "two hooks running" eval "kill -0 $H1 && kill -0 $H2"

mkdir -p "$T/replies"
$MAIL replies "$T/sink-all" "$T/replies" >"$T/replies.out"
R=$(sed -n 's/^replies //p' "$T/replies.out")
SUM=$(sed -n 's/^score_sum //p' "$T/replies.out")
check "one reply per survey: $R" test "$R" = "$N"

# deliver FILE...: into the Maildir as an MDA does (written in tmp/,
# renamed into new/), all of them at once.
deliver() {
	for f in "$@"; do
		b=$(basename "$f" .eml).$$.relays
		cp "$f" "$MD/tmp/$b" && chown "$DOVECOT_MAIL_USER" "$MD/tmp/$b"
	done
	for f in "$@"; do
		b=$(basename "$f" .eml).$$.relays
		mv "$MD/tmp/$b" "$MD/new/$b"
	done
}
mkdir -p "$MD/tmp" "$MD/new" "$MD/cur"
chown -R "$DOVECOT_MAIL_USER" "$MD"
ls "$T/replies"/*.eml >"$T/replies.list"
half=$((R / 2))
start=$(date +%s)
# shellcheck disable=SC2046
deliver $(head -n "$half" "$T/replies.list")
if [ -n "$PG" ]; then
	sleep 1
	check "PostgreSQL restarted while the hooks store replies" \
	    pg_private_restart fast
fi
# shellcheck disable=SC2046
deliver $(tail -n +"$((half + 1))" "$T/replies.list")

# Every reply stored and filed, or the time is up.
i=0
while [ $i -lt 900 ]; do
	[ "$(q "SELECT count(*) FROM processed")" = "$R" ] &&
	    [ "$(rig_count nps INBOX)" = 0 ] && break
	sleep 0.2
	i=$((i + 1))
done
echo "# replies stored in $(($(date +%s) - start)) s"
check "each reply processed once: $(q 'SELECT count(*) FROM processed') of $R" \
    test "$(q 'SELECT count(*) FROM processed')" = "$R"
check "each reply stored as a response: $(q "SELECT count(*) FROM processed WHERE kind = 'response'")" \
    test "$(q "SELECT count(*) FROM processed WHERE kind = 'response'")" = "$R"
check "one response per survey" test \
    "$(q 'SELECT count(*) FROM responses'):$(q 'SELECT count(DISTINCT survey_id) FROM responses')" = "$R:$R"
check "the scores stored add up to those sent ($SUM)" test \
    "$(q 'SELECT sum(score) FROM responses')" = "$SUM"
check "the inbox is empty" test "$(rig_count nps INBOX)" = 0
filed=$(cat "$MD/.Processed/cur/"* "$MD/.Processed/new/"* 2>/dev/null |
    grep -ci '^Message-ID: <reply-')
distinct=$(cat "$MD/.Processed/cur/"* "$MD/.Processed/new/"* 2>/dev/null |
    grep -i '^Message-ID: <reply-' | sort -u | wc -l)
check "each reply filed once in Processed: $filed filed, $distinct distinct" \
    test "$filed:$distinct" = "$R:$R"
check "both hooks still running" eval "kill -0 $H1 && kill -0 $H2"

# The acknowledgments, through relay 1: one per reply.
i=0
while [ $i -lt 300 ]; do
	[ "$(sink_count)" -ge $((want + R)) ] && break
	[ $((i % 25)) -eq 24 ] && postqueue -c "$R1_RIG/etc" -f >/dev/null 2>&1
	sleep 0.2
	i=$((i + 1))
done
sleep 2
rm -rf "$T/sink-all"
mkdir -p "$T/sink-all"
cp -r "$R1_RIG/sink/." "$R2_RIG/sink/." "$T/sink-all/"
$MAIL sink "$T/sink-all" "$N" >"$T/sink.out"
check "one acknowledgment per reply: $(val acks) sent, to $(val acks_distinct) customers" \
    test "$(val acks):$(val acks_distinct)" = "$R:$R"
check "the survey mails unchanged by then: $(val mails)" test "$(val mails)" = "$want"

# --- a delayed survey through each relay --------------------------------
# held_send R: one tagged mail on the delayed channel through relay R, to
# heldR@customers.example; a 4xx (the milter's tempfail while its
# connection to a restarted server is found lost) is tried again.
held_send() {
	python3 - "$1" "$(eval echo "\$R$1_SMTP")" <<'EOF'
import smtplib, sys, time
r, port = sys.argv[1], int(sys.argv[2])
msg = ("From: Support <support@shop.example>\r\n"
       "To: <held%s@customers.example>\r\n"
       "Subject: Ticket H-%s closed heldmark-%s\r\n"
       "Message-ID: <heldmark-%s@shop.example>\r\n"
       "X-NPS-Ticket: H-%s\r\nX-NPS-Channel: later\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n\r\n"
       "Hello.\r\n\r\n[InsertSatisfactionEvaluation]\r\n" % ((r,) * 5))
end = time.time() + 60
while True:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.sendmail("support@shop.example",
                       ["held%s@customers.example" % r], msg)
        break
    except smtplib.SMTPResponseException as e:
        if e.smtp_code // 100 != 4 or time.time() > end:
            raise
        time.sleep(1)
EOF
}
on_hold() {
	postqueue -c "$(eval echo "\$R$1_RIG")/etc" -j 2>/dev/null |
	    grep -c '"queue_name": *"hold"'
}
delivered() { grep -rlqF "heldmark-$1" "$R1_RIG/sink" "$R2_RIG/sink"; }
held_rows() {
	q "SELECT recipient || ':' || status || ':' || coalesce(held_by, '-')
	    FROM surveys WHERE recipient LIKE 'held%' ORDER BY recipient" |
	    tr '\n' ' '
}
for r in 1 2; do
	held_send $r 2>"$T/held$r.err" ||
	    notok "delayed mail through relay $r: $(tail -n 1 "$T/held$r.err")"
done
i=0
while [ "$(on_hold 1):$(on_hold 2)" != 1:1 ] && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "each delayed mail on its relay's hold queue: $(on_hold 1):$(on_hold 2)" \
    test "$(on_hold 1):$(on_hold 2)" = 1:1
check "each held survey names its relay: $(held_rows)" test "$(held_rows)" = \
    "held1@customers.example:held:relay1 held2@customers.example:held:relay2 "
due=$(($(date +%s) + 3 * 86400))
"$NPSGATE" release -c "$T/r1.conf" --now "$due" >"$T/release1.out" 2>&1
check "relay 1 releases its own only: $(cat "$T/release1.out")" \
    grep -q "^released 1, unknown 0, failed 0" "$T/release1.out"
i=0
while ! delivered 1 && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "relay 1's delayed mail delivered" delivered 1
check "relay 2's still held, in the store and on its queue: $(held_rows)" \
    test "$(held_rows):$(on_hold 2)" = \
    "held1@customers.example:released:relay1 held2@customers.example:held:relay2 :1"
check "relay 2's not delivered" eval "! delivered 2"
"$NPSGATE" release -c "$T/r2.conf" --now "$due" >"$T/release2.out" 2>&1
check "relay 2 releases its own: $(cat "$T/release2.out")" \
    grep -q "^released 1, unknown 0, failed 0" "$T/release2.out"
i=0
while ! delivered 2 && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "relay 2's delayed mail delivered" delivered 2
check "both released: $(held_rows)" test "$(held_rows)" = \
    "held1@customers.example:released:relay1 held2@customers.example:released:relay2 "

tap_done
