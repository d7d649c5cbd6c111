#!/bin/sh
# postfix-milter.sh - npsgate-milter inside a real, private Postfix.
#
# A Postfix instance on loopback (tests/integration/
# postfix-rig.sh) with npsgate-milter as its milter and smtp-sink behind
# it; swaks sends real mails and the test reads what smtp-sink received,
# the store (sqlite3) and the queue (postqueue -j):
#   - a survey mail comes out with the widget, a token that verifies with
#     the key file, Reply-To nps+TOKEN@, List-Unsubscribe, no X-NPS-*;
#   - an agent's opt-out comes out without widget or tag, event in store;
#   - a second survey to the same customer is throttled;
#   - reason and priority outside [rules] get no survey;
#   - X-NPS-Lang picks the widget's language (de-DE: German); a language
#     without templates gets the default's, and the log line says so;
#   - a delayed survey sits on the hold queue until `npsgate release`
#     after its due time; a held mail deleted by hand is marked, not
#     retried;
#   - mails without the tag come out with their body byte-identical;
#   - the milter stops on SIGTERM; then milter_default_action = accept
#     delivers mail untouched (internal headers included), and tempfail
#     makes Postfix refuse it with a 4xx (smtpd) or keep it queued
#     (sendmail) until the milter is back;
#   - inside the milter: a body over max_body lets the mail pass
#     unchanged without X-NPS-*; a store that cannot be opened (which the
#     milter's start already reports) lets it pass without X-NPS-* and
#     without the raw tag (on_error = accept) with one log line naming
#     the queue id, or tempfails;
#   - a milter listed after npsgate (a DKIM signer) sees its changes.
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
	echo "postfix-milter.sh: needs root (a private Postfix instance)"
	exit 1
fi

. "$top_srcdir/tests/integration/postfix-rig.sh"
CHECK="python3 $top_srcdir/tests/tools/mailcheck.py"

. "$top_srcdir/tests/integration/tap.sh"

T=$(mktemp -d /tmp/npsgate-pfmilter-XXXXXX)
finish() {
	[ -n "${M2_PID:-}" ] && kill -TERM "$M2_PID" 2>/dev/null
	rig_stop
	tap_finish postfix-milter.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
# Never hang: the whole test gets 10 minutes (it takes 1.5 on a quiet
# machine).
tap_watchdog postfix-milter.sh 600

rig_init "$T"
cat >>"$RIG/npsgate.conf" <<EOF
[rules]
reasons = Emballage, Aspect du produit, Prix, Qualité, Incident
priorities = P1
min_days_between = 30
[channel.phone]
delay_days = 2
EOF
rig_start_all || exit 1

SEQ=0
# mail TO EXTRA_HEADERS BODY_KIND -> writes $RIG/mail-N.eml, sets MARK
mkmail() {
	SEQ=$((SEQ + 1))
	MARK="npsgate-test-$SEQ-$$"
	f="$RIG/mail-$SEQ.eml"
	{
		printf 'From: Support <support@shop.example>\r\n'
		printf 'To: <%s>\r\n' "$1"
		printf 'Subject: Ticket closed %s\r\n' "$MARK"
		printf 'Message-ID: <%s@shop.example>\r\n' "$MARK"
		printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
		[ -n "$2" ] && printf '%s\n' "$2" | sed 's/$/\r/'
		printf 'MIME-Version: 1.0\r\n'
		case $3 in
		tag)
			printf 'Content-Type: text/html; charset=utf-8\r\n'
			printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
			printf '<html><body><p>Bonjour, votre ticket est '
			printf 'r\303\251solu.</p>\r\n'
			printf '<p>[InsertSatisfactionEvaluation]</p>\r\n'
			printf '<p>Cordialement</p></body></html>\r\n'
			;;
		plain)
			printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
			printf 'Preamble.\r\n--b1\r\n'
			printf 'Content-Type: text/plain; charset=iso-8859-1\r\n'
			printf 'Content-Transfer-Encoding: quoted-printable\r\n\r\n'
			printf 'Votre commande est exp=E9di=E9e. [Insert no tag]\r\n'
			printf 'Line with trailing blanks   \r\n\r\n'
			printf '%s\r\n' '--b1'
			printf 'Content-Type: application/octet-stream; name="a.bin"\r\n'
			printf 'Content-Disposition: attachment; filename="a.bin"\r\n'
			printf 'Content-Transfer-Encoding: base64\r\n\r\n'
			head -c 3000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
			printf '%s\r\n' '--b1--' 'Epilogue.'
			;;
		esac
	} >"$f"
	MAIL=$f
}

send() {	# send TO FILE -> swaks output in $RIG/swaks.out
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@shop.example --to "$1" --data - <"$2" \
	    >"$RIG/swaks.out" 2>&1
}

deliver() {	# deliver TO HEADERS KIND -> $GOT (sink file) or ""
	mkmail "$1" "$2" "$3"
	send "$1" "$MAIL" || { cat "$RIG/swaks.out"; GOT=; return 1; }
	GOT=$(rig_wait_file "$MARK" 30) || GOT=
	[ -n "$GOT" ]
}

hdr_block() { sed -n '1,/^\r\{0,1\}$/p' "$1"; }
no_nps_headers() { ! hdr_block "$1" | grep -qi '^x-nps-'; }
has_tag() { $CHECK text "$1" | grep -qF '[InsertSatisfactionEvaluation]'; }
qid_of() { sql "SELECT queue_id FROM surveys WHERE recipient='$1';"; }
ticket_headers() {	# TICKET AGENT REASON PRIORITY [CHANNEL] [SURVEY]
	printf 'X-NPS-Ticket: %s\nX-NPS-Agent: %s\nX-NPS-Team: Support N1\n' "$1" "$2"
	printf 'X-NPS-Reason: %s\nX-NPS-Priority: %s\nX-NPS-Lang: fr\n' "$3" "$4"
	[ -n "${5:-}" ] && printf 'X-NPS-Channel: %s\n' "$5"
	[ -n "${6:-}" ] && printf 'X-NPS-Survey: %s\n' "$6"
	return 0
}

# --- 1. a survey mail --------------------------------------------------
if deliver alice@example.com "$(ticket_headers T-100 marie Prix P1 email)" tag; then
	ok "survey mail delivered"
	check "survey mail: no X-NPS-* header left" no_nps_headers "$GOT"
	check "survey mail: tag replaced" eval "! has_tag '$GOT'"
	check "survey mail: MIME readable by Python's email package" \
	    $CHECK mimeok "$GOT"
	RT=$($CHECK header "$GOT" Reply-To)
	TOKEN=$(printf '%s\n' "$RT" | sed -n 's/^.*nps+\([a-z2-7]*\)@reply\.example.*$/\1/p')
	check "survey mail: Reply-To nps+TOKEN@reply.example ($RT)" \
	    test -n "$TOKEN"
	SID=$($CHECK token "$RIG/keys" "$TOKEN" 2>"$RIG/token.err")
	check "survey mail: token verifies with the key file" test -n "$SID"
	check "survey mail: widget links carry the token" \
	    eval "$CHECK text '$GOT' | grep -qi 'nps+$TOKEN@reply.example'"
	LU=$($CHECK header "$GOT" List-Unsubscribe)
	check "survey mail: List-Unsubscribe mailto with the token" \
	    test "$LU" = "<mailto:nps+$TOKEN@reply.example?subject=unsubscribe>"
	check "survey mail: no List-Unsubscribe-Post without an https page" \
	    test -z "$($CHECK header "$GOT" List-Unsubscribe-Post)"
	ROW=$(sql "SELECT status, recipient, ticket, agent, channel, reason, priority, message_id FROM surveys WHERE id='$SID';")
	check "survey mail: survey row in the store ($ROW)" test \
	    "$ROW" = "sent|alice@example.com|T-100|marie|email|Prix|P1|<$MARK@shop.example>"
	Q=$(qid_of alice@example.com)
	check "survey mail: queue id recorded ($Q)" \
	    grep -q "$Q: .*survey $SID" "$RIG/milter.log"
else
	notok "survey mail delivered"
fi

# --- 2. the agent's opt-out -------------------------------------------
if deliver bob@example.com "$(ticket_headers T-101 paul Prix P1 email off)" tag; then
	ok "opt-out mail delivered"
	check "opt-out: no X-NPS-* header" no_nps_headers "$GOT"
	check "opt-out: tag removed" eval "! has_tag '$GOT'"
	check "opt-out: no widget, no Reply-To to the survey address" \
	    eval "! grep -q 'nps+' '$GOT'"
	check "opt-out: event with agent and ticket in the store" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='optout' AND ticket='T-101' AND agent='paul' AND recipient='bob@example.com';")" = 1
	check "opt-out: no survey row" test \
	    "$(sql "SELECT count(*) FROM surveys WHERE recipient='bob@example.com';")" = 0
else
	notok "opt-out mail delivered"
fi

# --- 3. a second survey to the same customer --------------------------
if deliver alice@example.com "$(ticket_headers T-102 marie Incident P1)" tag; then
	ok "second mail to the same customer delivered"
	check "throttled: no widget" eval "! grep -q 'nps+' '$GOT'"
	check "throttled: tag removed" eval "! has_tag '$GOT'"
	check "throttled: event in the store" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='throttled' AND ticket='T-102';")" = 1
	check "throttled: still one survey row for alice" test \
	    "$(sql "SELECT count(*) FROM surveys WHERE recipient='alice@example.com';")" = 1
else
	notok "second mail to the same customer delivered"
fi

# --- 3b. several mails to one customer at the same moment ------------
# Eight tickets closed together, sent over eight sessions at once: one
# survey goes out, seven mails are throttled. (Two decisions that overlap
# exactly, which this rarely produces, are test_outgoing's
# test_throttle_is_checked_again_inside_the_write.)
mkmail frank@example.com "$(ticket_headers T-200 marie Prix P1)" tag
BURST=$MARK
timeout 60 smtp-source -s 8 -m 8 -F "$MAIL" -f support@shop.example \
    -t frank@example.com 127.0.0.1:"$SMTP_PORT" >/dev/null 2>&1
i=0
while [ "$(grep -rlF "$BURST" "$RIG/sink" 2>/dev/null | wc -l)" -lt 8 ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
BURST_GOT=$(grep -rlF "$BURST" "$RIG/sink" | wc -l)
BURST_WIDGETS=$(grep -rlF "$BURST" "$RIG/sink" | xargs grep -l 'nps+' | wc -l)
BURST_TAGS=0
for g in $(grep -rlF "$BURST" "$RIG/sink"); do
	has_tag "$g" && BURST_TAGS=$((BURST_TAGS + 1))
done
check "burst to one customer: 8 mails delivered ($BURST_GOT)" \
    test "$BURST_GOT" = 8
check "burst to one customer: one survey row" test \
    "$(sql "SELECT count(*) FROM surveys WHERE recipient='frank@example.com';")" = 1
check "burst to one customer: one mail with the widget ($BURST_WIDGETS)" \
    test "$BURST_WIDGETS" = 1
check "burst to one customer: no tag left ($BURST_TAGS)" \
    test "$BURST_TAGS" = 0
check "burst to one customer: 7 throttled events" test \
    "$(sql "SELECT count(*) FROM events WHERE kind='throttled' AND recipient='frank@example.com';")" = 7

# --- 4. reason and priority rules -------------------------------------
if deliver carol@example.com "$(ticket_headers T-103 marie Livraison P1)" tag; then
	check "reason outside the list: no survey" eval "! grep -q 'nps+' '$GOT' && ! has_tag '$GOT'"
	check "reason outside the list: not_eligible event" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='not_eligible' AND ticket='T-103' AND reason='Livraison';")" = 1
else
	notok "reason rule mail delivered"
fi
if deliver dave@example.com "$(ticket_headers T-104 marie 'Qualité' P3)" tag; then
	check "priority outside the list: no survey" eval "! grep -q 'nps+' '$GOT'"
	check "priority outside the list: not_eligible event" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='not_eligible' AND ticket='T-104' AND priority='P3';")" = 1
else
	notok "priority rule mail delivered"
fi
if deliver dora@example.com "$(ticket_headers T-105 marie ' aspect du produit ' p1)" tag; then
	check "reason and priority in the lists (any case): survey" \
	    grep -q 'nps+' "$GOT"
else
	notok "listed reason mail delivered"
fi

# --- 4b. the language of the widget ------------------------------------
lang_headers() {	# TICKET LANG
	printf 'X-NPS-Ticket: %s\nX-NPS-Agent: marie\nX-NPS-Reason: Prix\n' "$1"
	printf 'X-NPS-Priority: P1\nX-NPS-Lang: %s\n' "$2"
}
if deliver gerd@example.com "$(lang_headers T-110 de-DE)" tag; then
	check "X-NPS-Lang de-DE: the German widget" \
	    eval "$CHECK text '$GOT' | grep -q 'Wie wahrscheinlich ist es'"
	check "X-NPS-Lang de-DE: survey recorded in de" test \
	    "$(sql "SELECT lang FROM surveys WHERE recipient='gerd@example.com';")" = de
	check "X-NPS-Lang de-DE: lang=de in the log line" \
	    grep -q "$(qid_of gerd@example.com): .*ticket=T-110 lang=de" \
	    "$RIG/milter.log"
else
	notok "German survey mail delivered"
fi
if deliver sven@example.com "$(lang_headers T-111 sv)" tag; then
	check "X-NPS-Lang sv (no templates): the default's (French) widget" \
	    eval "$CHECK text '$GOT' | grep -q 'recommandiez'"
	check "X-NPS-Lang sv: survey recorded in fr" test \
	    "$(sql "SELECT lang FROM surveys WHERE recipient='sven@example.com';")" = fr
	check "X-NPS-Lang sv: the log line says the fallback" \
	    grep -q "$(qid_of sven@example.com): .*lang=fr lang \"sv\" has no templates, fr used" \
	    "$RIG/milter.log"
else
	notok "Swedish survey mail delivered"
fi

# --- 5. a delayed survey: hold queue, then npsgate release ------------
NOW=$(date +%s)
mkmail erin@example.com "$(ticket_headers T-106 marie Prix P1 phone)" tag
send erin@example.com "$MAIL" || cat "$RIG/swaks.out"
HMARK=$MARK
sleep 3
Q=$(qid_of erin@example.com)
check "delayed: survey row held with due time in 2 days" test \
    "$(sql "SELECT status, due_at - created_at FROM surveys WHERE recipient='erin@example.com';")" = "held|172800"
check "delayed: mail on the hold queue ($Q)" eval \
    "postqueue -c '$RIG/etc' -j | grep '\"queue_id\": *\"$Q\"' | grep -q '\"queue_name\": *\"hold\"'"
check "delayed: not delivered yet" eval "! grep -rqF '$HMARK' '$RIG/sink'"
"$NPSGATE" release -c "$RIG/npsgate.conf" >"$RIG/release1.out" 2>&1
check "release before due time releases nothing" \
    grep -q "released 0, unknown 0, failed 0" "$RIG/release1.out"
check "delayed: still held" test \
    "$(sql "SELECT status FROM surveys WHERE recipient='erin@example.com';")" = held
"$NPSGATE" release -c "$RIG/npsgate.conf" --now $((NOW + 3 * 86400)) \
    >"$RIG/release2.out" 2>&1
check "release after due time: postsuper -H" \
    grep -q "released 1, unknown 0, failed 0" "$RIG/release2.out"
GOT=$(rig_wait_file "$HMARK" 30) || GOT=
check "delayed: delivered after release" test -n "$GOT"
[ -n "$GOT" ] && check "delayed: delivered with the widget" grep -q 'nps+' "$GOT"
check "delayed: survey marked released" test \
    "$(sql "SELECT status FROM surveys WHERE recipient='erin@example.com';")" = released

# A held mail that an operator deleted: marked, not retried forever.
mkmail gina@example.com "$(ticket_headers T-107 marie Prix P1 phone)" tag
send gina@example.com "$MAIL" || cat "$RIG/swaks.out"
sleep 3
Q=$(qid_of gina@example.com)
postsuper -c "$RIG/etc" -d "$Q" >/dev/null 2>&1
"$NPSGATE" release -c "$RIG/npsgate.conf" --now $((NOW + 3 * 86400)) \
    >"$RIG/release3.out" 2>&1
check "release of a queue id postsuper no longer knows: marked" \
    grep -q "released 0, unknown 1, failed 0" "$RIG/release3.out"
"$NPSGATE" release -c "$RIG/npsgate.conf" --now $((NOW + 3 * 86400)) \
    >"$RIG/release4.out" 2>&1
check "... and not tried again" \
    grep -q "released 0, unknown 0, failed 0" "$RIG/release4.out"

# --- 6. mails without the tag: body byte-identical -------------------
if deliver harry@example.com "" plain; then
	check "tag-free mail: body byte-identical" test \
	    "$($CHECK bodyhash "$MAIL")" = "$($CHECK bodyhash "$GOT")"
else
	notok "tag-free mail delivered"
fi
if deliver ivan@example.com "$(ticket_headers T-108 marie Prix P1)
X-Nps-Ticket: dup" plain; then
	check "tag-free help-desk mail: every X-NPS-* removed" no_nps_headers "$GOT"
	check "tag-free help-desk mail: body byte-identical" test \
	    "$($CHECK bodyhash "$MAIL")" = "$($CHECK bodyhash "$GOT")"
	check "tag-free help-desk mail: no store row" test \
	    "$(sql "SELECT count(*) FROM events WHERE ticket='T-108';")" = 0
else
	notok "tag-free help-desk mail delivered"
fi

# --- 7. SIGTERM, then Postfix without its milter ----------------------
MILTER_RC=
rig_stop_milter
check "milter stops on SIGTERM with status 0" test "${MILTER_RC:-x}" = 0

if deliver jack@example.com "$(ticket_headers T-109 marie Prix P1)" tag; then
	ok "milter down, milter_default_action = accept: delivered"
	check "milter down, accept: mail untouched (tag and X-NPS-* kept)" \
	    eval "has_tag '$GOT' && grep -qi '^X-NPS-Ticket: T-109' '$GOT'"
else
	notok "milter down, milter_default_action = accept: delivered"
fi

postconf -c "$RIG/etc" -e milter_default_action=tempfail
timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
sleep 1
mkmail kate@example.com "$(ticket_headers T-110 marie Prix P1)" tag
send kate@example.com "$MAIL"
check "milter down, tempfail: Postfix answers 4xx to the client" \
    grep -Eq '<\*\* +4[0-9][0-9]' "$RIG/swaks.out"
check "milter down, tempfail: nothing delivered" \
    eval "! grep -rqF '$MARK' '$RIG/sink'"

# The same through sendmail (non_smtpd_milters): Postfix keeps it.
KMARK=$MARK
mkmail liam@example.com "$(ticket_headers T-111 marie Prix P1)" tag
LMARK=$MARK
timeout 30 sendmail -C "$RIG/etc" -f support@shop.example \
    liam@example.com <"$MAIL"
sleep 3
check "milter down, tempfail: sendmail's mail stays in Postfix's queue" \
    eval "postqueue -c '$RIG/etc' -p | grep -q liam@example.com"
check "milter down, tempfail: ... and is not delivered" \
    eval "! grep -rqF '$LMARK' '$RIG/sink'"

rig_start_milter || exit 1
send kate@example.com "$RIG/mail-$((SEQ - 1)).eml" || cat "$RIG/swaks.out"
GOT=$(rig_wait_file "$KMARK" 30) || GOT=
check "milter back: the retried mail is delivered with its survey" \
    eval "[ -n '$GOT' ] && grep -q 'nps+' '$GOT'"
postqueue -c "$RIG/etc" -f >/dev/null 2>&1
GOT=$(rig_wait_file "$LMARK" 60) || GOT=
check "milter back: sendmail's queued mail leaves with its survey" \
    eval "[ -n '$GOT' ] && grep -q 'nps+' '$GOT' && ! grep -qi '^X-NPS-' '$GOT'"

# --- 8. failures inside the milter -------------------------------------
# A body over max_body passes unchanged, internal headers removed.
rig_stop_milter
cp "$RIG/npsgate.conf" "$RIG/npsgate.conf.ok"
sed -i 's/^\[milter\]$/[milter]\nmax_body = 2k/' "$RIG/npsgate.conf"
rig_start_milter || exit 1
mkmail mia@example.com "$(ticket_headers T-112 marie Prix P1)" tag
{ head -c 6000 /dev/zero | tr '\0' 'a' | fold -w 70; echo; } |
    sed 's/$/\r/' >>"$MAIL"
send mia@example.com "$MAIL" || cat "$RIG/swaks.out"
GOT=$(rig_wait_file "$MARK" 30) || GOT=
check "over max_body: delivered" test -n "$GOT"
[ -n "$GOT" ] && check "over max_body: body unchanged (tag kept), no X-NPS-*" \
    eval "has_tag '$GOT' && no_nps_headers '$GOT' && [ \"\$($CHECK bodyhash '$MAIL')\" = \"\$($CHECK bodyhash '$GOT')\" ]"
check "over max_body: one log line with the queue id" \
    grep -Eq '[0-9A-F]+: npsgate: body over max_body' "$RIG/milter.log"

# The store cannot be opened: no survey, internal headers still removed.
rig_stop_milter
cp "$RIG/npsgate.conf.ok" "$RIG/npsgate.conf"
mv "$RIG/db" "$RIG/db.ok"
mkdir "$RIG/db"
chmod 000 "$RIG/db"
rig_start_milter || exit 1
if deliver noah@example.com "$(ticket_headers T-113 marie Prix P1)" tag; then
	check "store down, on_error = accept: delivered, no X-NPS-*" \
	    no_nps_headers "$GOT"
	check "store down, on_error = accept: no survey, and no raw tag" \
	    eval "! grep -q 'nps+' '$GOT' && ! has_tag '$GOT'"
else
	notok "store down, on_error = accept: delivered"
fi
check "store down: the start says what to fix" \
    grep -q 'not writable by uid .*chown npsgate:' "$RIG/milter.log"
check "store down: one warning with the queue id and the reason" \
    grep -Eq '[0-9A-F]+: npsgate: internal error, passed without a survey: store' \
    "$RIG/milter.log"
rig_stop_milter
sed -i 's/^\[milter\]$/[milter]\non_error = tempfail/' "$RIG/npsgate.conf"
rig_start_milter || exit 1
mkmail olga@example.com "$(ticket_headers T-114 marie Prix P1)" tag
send olga@example.com "$MAIL"
check "store down, on_error = tempfail: Postfix answers 4xx" \
    grep -Eq '<\*\* +4[0-9][0-9]' "$RIG/swaks.out"
rig_stop_milter
rmdir "$RIG/db"
mv "$RIG/db.ok" "$RIG/db"
cp "$RIG/npsgate.conf.ok" "$RIG/npsgate.conf"

# The store opens but a query fails: the error is also an event row.
rig_start_milter || exit 1
sql "DROP TABLE unsubscribed;"
if deliver pia@example.com "$(ticket_headers T-115 marie Prix P1)" tag; then
	check "store query fails: delivered without X-NPS-* and without survey" \
	    eval "no_nps_headers '$GOT' && ! grep -q 'nps+' '$GOT'"
	Q=$(sed -n 's/^.* \([0-9A-F]*\): npsgate: internal error.*unsubscribed.*$/\1/p' \
	    "$RIG/milter.log" | tail -n 1)
	check "store query fails: error event naming the queue id ($Q)" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='error' AND ticket='T-115' AND detail LIKE 'queue id $Q:%';")" = 1
else
	notok "store query fails: delivered"
fi

# --- 9. a milter listed after npsgate sees its changes ------------------
# (which is why a DKIM signer goes after npsgate in smtpd_milters): a
# second npsgate-milter whose "internal" prefix is List-Unsub removes the
# List-Unsubscribe the first one added.
rig_stop_milter
sql "CREATE TABLE IF NOT EXISTS unsubscribed (address TEXT PRIMARY KEY, at INTEGER NOT NULL, survey_id TEXT);" >/dev/null 2>&1
rig_start_milter || exit 1
P2PORT=$(rig_free_port $((MILTER_PORT + 7)))
sed -e "s/^socket = .*/socket = inet:$P2PORT@127.0.0.1/" \
    -e 's/^\[milter\]$/[milter]\nheader_prefix = List-Unsub/' \
    -e 's|db/npsgate.db|db/second.db|' "$RIG/npsgate.conf" >"$RIG/second.conf"
"$NPSGATE_MILTER" -f -c "$RIG/second.conf" >>"$RIG/milter2.log" 2>&1 &
M2_PID=$!
if rig_wait_port "$P2PORT"; then
	postconf -c "$RIG/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT, inet:127.0.0.1:$P2PORT"
	timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
	sleep 1
	if deliver quinn@example.com "$(ticket_headers T-116 marie Prix P1)" tag; then
		check "milter order: npsgate's Reply-To reaches the next milter" \
		    grep -q '^Reply-To: nps+' "$GOT"
		check "milter order: the next milter sees (and here removes) npsgate's List-Unsubscribe" \
		    eval "! grep -qi '^List-Unsubscribe' '$GOT'"
	else
		notok "milter order: delivered through two milters"
	fi
else
	notok "second milter started"
fi
kill -TERM "$M2_PID" 2>/dev/null
wait "$M2_PID" 2>/dev/null
M2_PID=

tap_done
