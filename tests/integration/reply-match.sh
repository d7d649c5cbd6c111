#!/bin/sh
# reply-match.sh - only a verified token ties a reply to a survey, and no
# reply is lost to the duplicate check, through the real path: surveys
# sent through a private Postfix and npsgate-milter, replies delivered to
# a private Dovecot and taken in by npsgate-imapd-hook, acknowledgments
# going out through the same Postfix to smtp-sink (rig.sh).
#   - a reply without a token that quotes a survey's Message-ID in
#     In-Reply-To (from someone else): filed for review, no response
#     stored, the log names the survey it seems to answer, and no
#     acknowledgment goes to its sender;
#   - an unsubscribe with a customer's token sent from another address:
#     the surveyed customer is opted out, the sender is not;
#   - a second, different reply reusing a Message-ID already seen: stored
#     and counted; the very same bytes again: a duplicate.
# Exit 77 (skip) under NPSGATE_UNIT_ONLY=1, without Postfix or Dovecot, or
# not root.

set -u

[ -n "${NPSGATE_UNIT_ONLY:-}" ] && { echo "NPSGATE_UNIT_ONLY set"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; exit 77; }
command -v smtp-sink >/dev/null 2>&1 || { echo "smtp-sink not installed"; exit 77; }
command -v swaks >/dev/null 2>&1 || { echo "swaks not installed"; exit 77; }
command -v dovecot >/dev/null 2>&1 || { echo "dovecot not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (a private Postfix)"; exit 77; }

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
for p in npsgate-milter npsgate-imapd-hook npsgate; do
	[ -x "$top_builddir/$p" ] || { echo "$p not built"; exit 77; }
done

. "$top_srcdir/tests/integration/rig.sh"
CHECK="python3 $top_srcdir/tests/tools/mailcheck.py"
. "$top_srcdir/tests/integration/tap.sh"

T=$(mktemp -d /tmp/npsgate-reply-match-XXXXXX)
finish() {
	rig_stop_all
	tap_finish reply-match.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog reply-match.sh 300

rig_init "$T"
rig_dovecot_init
cat >>"$RIG/npsgate.conf" <<EOF
[followup]
sendmail = /usr/sbin/sendmail -C $RIG/etc
EOF
rig_start_all || exit 1
if rig_start_dovecot && rig_start_hook; then
	ok "dovecot on $IMAP_PORT, npsgate-imapd-hook started"
else
	notok "dovecot and npsgate-imapd-hook started"
	exit 1
fi

SEQ=0
# survey TO TICKET: a tagged mail through Postfix; TOKEN, SID and MSGID
# (the survey's Message-ID as the store has it) of its survey.
survey() {
	SEQ=$((SEQ + 1))
	MARK="npsgate-rm-$SEQ-$$"
	f="$T/survey-$SEQ.eml"
	{
		printf 'From: Support <support@shop.example>\r\n'
		printf 'To: <%s>\r\n' "$1"
		printf 'Subject: Ticket %s closed %s\r\n' "$2" "$MARK"
		printf 'Message-ID: <%s@shop.example>\r\n' "$MARK"
		printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
		printf 'X-NPS-Ticket: %s\r\nX-NPS-Lang: fr\r\n' "$2"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
		printf 'Bonjour, votre ticket est clos.\r\n\r\n'
		printf '[InsertSatisfactionEvaluation]\r\n'
	} >"$f"
	TOKEN= SID= MSGID=
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@shop.example --to "$1" --data - <"$f" \
	    >"$T/swaks.out" 2>&1 || { cat "$T/swaks.out"; return 1; }
	GOT=$(rig_wait_file "$MARK" 30) || return 1
	TOKEN=$($CHECK header "$GOT" Reply-To |
	    sed -n 's/^.*nps+\([a-z2-7]*\)@reply\.example.*$/\1/p')
	[ -n "$TOKEN" ] && SID=$($CHECK token "$RIG/keys" "$TOKEN")
	MSGID=$(sql "SELECT message_id FROM surveys WHERE id='$SID';")
	[ -n "$SID" ] && [ -n "$MSGID" ]
}

# mkreply FILE FROM TO MSGID EXTRA_HEADER BODY: a reply in FILE.
mkreply() {
	{
		printf 'From: <%s>\r\nTo: %s\r\n' "$2" "$3"
		printf 'Message-ID: <%s>\r\n' "$4"
		printf 'Subject: Re: votre avis\r\n'
		printf 'Date: Mon, 23 Nov 2026 11:00:00 +0000\r\n'
		[ -n "$5" ] && printf '%s\r\n' "$5"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		    "$6"
	} >"$1"
}

# wait_sql SQL WANT SECONDS: waits until the store answers SQL with WANT.
wait_sql() {
	i=0
	while [ "$i" -lt $(($3 * 5)) ]; do
		[ "$(sql "$1")" = "$2" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

sink_to() { grep -l "^X-Rcpt-Args: <$1>" "$RIG"/sink/* 2>/dev/null; }
count_to() { sink_to "$1" | wc -l | tr -d ' '; }
settle() {	# waits until the queue is empty (at most 20 s)
	i=0
	while [ $i -lt 100 ]; do
		[ -z "$(postqueue -c "$RIG/etc" -j 2>/dev/null)" ] && break
		[ $((i % 10)) -eq 9 ] && postqueue -c "$RIG/etc" -f >/dev/null 2>&1
		sleep 0.2
		i=$((i + 1))
	done
	sleep 1
}

# --- 1. the survey's Message-ID without a token -----------------------
if survey victor@example.com T-400; then
	ok "survey to victor: token for survey $SID, Message-ID $MSGID"
	VSID=$SID VTOK=$TOKEN
	mkreply "$T/guess.eml" mallory@evil.example nps@reply.example \
	    guess-1@evil.example "In-Reply-To: $MSGID" "0"
	rig_save nps INBOX "$T/guess.eml"
	check "Message-ID only: stored" wait_sql "SELECT count(*) FROM processed WHERE msg_key='<guess-1@evil.example>';" 1 30
	check "Message-ID only: filed in NeedsReview" \
	    rig_wait_count nps NeedsReview 1 30
	check "Message-ID only: no response stored on victor's survey" test \
	    "$(sql "SELECT count(*) FROM responses WHERE survey_id='$VSID';")" = 0
	check "Message-ID only: processed as unmatched, tied to nothing" test \
	    "$(sql "SELECT kind || ':' || ifnull(survey_id, '-') FROM processed WHERE msg_key='<guess-1@evil.example>';")" = "unmatched:-"
	check "Message-ID only: the log names the survey it seems to answer" \
	    grep -q "msg=<guess-1@evil.example> kind=unmatched .*hint=$VSID" \
	    "$RIG/hook.log"
	check "Message-ID only: the event's detail names it too" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='unmatched' AND detail LIKE '%$VSID%';")" = 1
	settle
	check "Message-ID only: no acknowledgment to its sender" \
	    test "$(count_to mallory@evil.example)" = 0
	check "Message-ID only: nothing more to victor than the survey" \
	    test "$(count_to victor@example.com)" = 1
else
	notok "survey to victor"
	VTOK=
fi

# --- 2. an unsubscribe sent from another address ----------------------
if [ -n "$VTOK" ]; then
	mkreply "$T/stop.eml" mallory@evil.example \
	    "nps+$VTOK@reply.example" stop-1@evil.example "" "STOP"
	rig_save nps INBOX "$T/stop.eml"
	check "foreign unsubscribe: stored as an unsubscribe" wait_sql \
	    "SELECT kind FROM processed WHERE msg_key='<stop-1@evil.example>';" \
	    unsubscribe 30
	check "foreign unsubscribe: victor, the surveyed customer, opted out" \
	    test "$(sql "SELECT count(*) FROM unsubscribed WHERE address='victor@example.com';")" = 1
	check "foreign unsubscribe: the sender is not opted out" test \
	    "$(sql "SELECT count(*) FROM unsubscribed WHERE address='mallory@evil.example';")" = 0
fi

# --- 3. a Message-ID used again by another message --------------------
if survey wendy@example.com T-401 && WTOK=$TOKEN WSID=$SID &&
    survey xavier@example.com T-402; then
	XTOK=$TOKEN XSID=$SID
	mkreply "$T/first.eml" wendy@example.com "nps+$WTOK@reply.example" \
	    same-id@client.example "" "9"
	mkreply "$T/second.eml" xavier@example.com \
	    "nps+$XTOK@reply.example" same-id@client.example "" "4"
	rig_save nps INBOX "$T/first.eml"
	check "first reply under the Message-ID: stored" wait_sql \
	    "SELECT survey_id FROM processed WHERE msg_key='<same-id@client.example>';" \
	    "$WSID" 30
	rig_save nps INBOX "$T/second.eml"
	check "second, different reply under the same Message-ID: stored" \
	    wait_sql "SELECT count(*) FROM processed WHERE survey_id='$XSID';" \
	    1 30
	check "both replies counted: 9 for wendy, 4 for xavier" test \
	    "$(sql "SELECT group_concat(score, ',') FROM (SELECT score FROM responses WHERE survey_id IN ('$WSID', '$XSID') ORDER BY survey_id = '$XSID');")" = "9,4"
	check "the second one is known by the digest of its bytes" test \
	    "$(sql "SELECT count(*) FROM processed WHERE msg_key LIKE 'sha256:%' AND survey_id='$XSID';")" = 1
	check "the log does not call it a duplicate" eval \
	    "! grep 'survey=$XSID' '$RIG/hook.log' | grep -q duplicate=yes"
	# Everything filed, then the second reply's very bytes once more.
	rig_wait_count nps INBOX 0 30
	rig_save nps INBOX "$T/second.eml"
	i=0
	while [ $i -lt 150 ] &&
	    ! grep -q "survey=$XSID .*duplicate=yes" "$RIG/hook.log"; do
		sleep 0.2
		i=$((i + 1))
	done
	check "the very same bytes again: a duplicate" \
	    grep -q "survey=$XSID .*duplicate=yes" "$RIG/hook.log"
	check "the very same bytes again: nothing more stored" test \
	    "$(sql "SELECT count(*) FROM responses WHERE survey_id='$XSID';")/$(sql "SELECT count(*) FROM processed WHERE survey_id='$XSID';")" = "1/1"
	check "the very same bytes again: filed all the same" \
	    rig_wait_count nps INBOX 0 30
else
	notok "surveys to wendy and xavier"
fi

tap_done
