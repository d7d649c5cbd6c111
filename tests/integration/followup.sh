#!/bin/sh
# followup.sh - what follows an answer, through a real, private Postfix.
#
# The rig of tests/integration/postfix-rig.sh (Postfix on loopback,
# npsgate-milter, smtp-sink behind it); the mails npsgate sends itself go
# through that same Postfix, with [followup] sendmail = "/usr/sbin/sendmail
# -C RIG/etc" (split on blanks, no shell). Replies are taken in with
# `npsgate followup FILE` (= npsgate ingest, then the follow-up), as a
# Sieve or pipe transport would; then the same through npsgate-imapd-hook
# reading a private Dovecot (rig.sh), which runs the follow-up itself.
#   - a detractor's reply: exactly one apology to the customer (Auto-
#     Submitted, Reply-To with a new token for the SAME survey, In-Reply-
#     To the reply), one alert mail, one alert command run; the same reply
#     again sends nothing;
#   - an auto-reply: nothing at all;
#   - the customer's answer to the apology: a comment on the same survey,
#     the score unchanged, nothing sent;
#   - an unsubscribe: no acknowledgment, and the next survey mail to that
#     address leaves without widget and without tag;
#   - an alert command that hangs (sleep 60, alert_timeout = 1) is killed
#     after 1 s, queued for a retry, and the answer is stored all the
#     same; the next reply goes through at once; followup-retry then
#     finishes the job;
#   - through the hook: a detractor's reply and a promoter's behind it
#     are both stored and filed despite the hanging alert command, one
#     apology, one thank-you, one alert; an auto-reply gets nothing.
# Exit 77 (skip) under NPSGATE_UNIT_ONLY=1, without Postfix, or not root.

set -u

[ -n "${NPSGATE_UNIT_ONLY:-}" ] && { echo "NPSGATE_UNIT_ONLY set"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; exit 77; }
command -v smtp-sink >/dev/null 2>&1 || { echo "smtp-sink not installed"; exit 77; }
command -v swaks >/dev/null 2>&1 || { echo "swaks not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (a private Postfix)"; exit 77; }

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
[ -x "$top_builddir/npsgate-milter" ] ||
    { echo "npsgate-milter not built"; exit 77; }

# rig.sh (the shared one) when it is there, else the Postfix part alone.
if [ -f "$top_srcdir/tests/integration/rig.sh" ]; then
	. "$top_srcdir/tests/integration/rig.sh"
else
	. "$top_srcdir/tests/integration/postfix-rig.sh"
fi
CHECK="python3 $top_srcdir/tests/tools/mailcheck.py"

. "$top_srcdir/tests/integration/tap.sh"

T=$(mktemp -d /tmp/npsgate-followup-XXXXXX)
finish() {
	if command -v rig_stop_all >/dev/null 2>&1; then
		rig_stop_all
	else
		rig_stop
	fi
	tap_finish followup.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog followup.sh 300

rig_init "$T"
# The alert commands: one records what it gets, one hangs.
cat >"$T/alert.sh" <<EOF
#!/bin/sh
n=\$(( \$(cat "$T/alerts" 2>/dev/null || echo 0) + 1 ))
echo \$n >"$T/alerts"
env | grep '^NPS_' | grep -v '^NPS_COMMENT=' | sort >"$T/alert-\$n.env"
cat >"$T/alert-\$n.json"
EOF
cat >"$T/slow.sh" <<EOF
#!/bin/sh
echo \$\$ >"$T/slow.pid"
exec sleep 60
EOF
chmod 755 "$T/alert.sh" "$T/slow.sh"
cp "$RIG/npsgate.conf" "$RIG/base.conf"
# followup_conf COMMAND TIMEOUT: npsgate.conf with that [followup].
followup_conf() {
	cp "$RIG/base.conf" "$RIG/npsgate.conf"
	cat >>"$RIG/npsgate.conf" <<EOF
[followup]
sendmail = /usr/sbin/sendmail -C $RIG/etc
alert_to = leads@support.example
alert_command = $1
alert_timeout = $2
EOF
}
followup_conf "$T/alert.sh" 10
rig_start_all || exit 1

SEQ=0
# survey TO TICKET: sends a tagged mail through Postfix; GOT is what came
# out, TOKEN and SID its survey's token and id ("" when none).
survey() {
	SEQ=$((SEQ + 1))
	MARK="npsgate-fu-$SEQ-$$"
	f="$T/survey-$SEQ.eml"
	{
		printf 'From: Support <support@shop.example>\r\n'
		printf 'To: <%s>\r\n' "$1"
		printf 'Subject: Ticket %s closed %s\r\n' "$2" "$MARK"
		printf 'Message-ID: <%s@shop.example>\r\n' "$MARK"
		printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
		printf 'X-NPS-Ticket: %s\r\nX-NPS-Agent: marie\r\n' "$2"
		printf 'X-NPS-Team: Retours\r\nX-NPS-Lang: fr\r\n'
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
		printf '<html><body><p>Bonjour, votre ticket est clos.</p>\r\n'
		printf '<p>[InsertSatisfactionEvaluation]</p></body></html>\r\n'
	} >"$f"
	GOT= TOKEN= SID=
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@shop.example --to "$1" --data - <"$f" \
	    >"$T/swaks.out" 2>&1 || { cat "$T/swaks.out"; return 1; }
	GOT=$(rig_wait_file "$MARK" 30) || { GOT=; return 1; }
	TOKEN=$($CHECK header "$GOT" Reply-To |
	    sed -n 's/^.*nps+\([a-z2-7]*\)@reply\.example.*$/\1/p')
	[ -n "$TOKEN" ] && SID=$($CHECK token "$RIG/keys" "$TOKEN")
	return 0
}

# mkreply FROM TOKEN MSGID EXTRA_HEADER BODY: writes $T/reply-MSGID.eml,
# the customer's reply; REPLY is the file.
mkreply() {
	REPLY="$T/reply-$3.eml"
	{
		printf 'From: <%s>\r\nTo: nps+%s@reply.example\r\n' "$1" "$2"
		printf 'Message-ID: <%s@client.example>\r\n' "$3"
		printf 'Subject: Re: votre avis\r\n'
		printf 'Date: Mon, 23 Nov 2026 11:00:00 +0000\r\n'
		[ -n "$4" ] && printf '%s\r\n' "$4"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n'
		printf 'Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' "$5"
	} >"$REPLY"
}

# reply FROM TOKEN MSGID EXTRA_HEADER BODY: mkreply, then npsgate followup
# on it; OUT is its output, RC its exit status.
reply() {
	mkreply "$@"
	OUT=$(timeout 60 "$NPSGATE" followup -c "$RIG/npsgate.conf" \
	    "$REPLY" 2>>"$T/followup.log")
	RC=$?
	printf '%s\n' "$OUT" >>"$T/followup.log"
	return $RC
}

# Sink files for an envelope recipient, and their number after the queue
# has had time to empty.
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
subject_of() {
	python3 - "$1" <<'EOF'
import email, email.header, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
print(str(m["subject"]))
EOF
}

# --- 1. a detractor's reply -------------------------------------------
if survey carol@example.com T-300 && [ -n "$SID" ]; then
	ok "survey to carol: widget, token for survey $SID"
else
	notok "survey to carol"
fi
reply carol@example.com "$TOKEN" det-1 "" "3"
check "detractor reply stored and followed up (exit 0)" test "$RC" = 0
check "detractor reply: response score 3 on survey $SID" test \
    "$(sql "SELECT score FROM responses WHERE survey_id='$SID';")" = 3
settle
check "exactly one mail to carol after her reply (the apology)" \
    test "$(count_to carol@example.com)" = 2
ACK=$(grep -l '^In-Reply-To: <det-1@client.example>' "$RIG"/sink/* 2>/dev/null)
if [ -n "$ACK" ] && [ "$(printf '%s\n' "$ACK" | wc -l)" = 1 ]; then
	ok "the apology came out of Postfix"
	check "apology: subject 'Nous sommes désolés'" test \
	    "$(subject_of "$ACK")" = "Nous sommes désolés"
	check "apology: Auto-Submitted: auto-replied" test \
	    "$($CHECK header "$ACK" Auto-Submitted)" = auto-replied
	check "apology: null envelope sender" \
	    grep -q '^X-Mail-Args: <>' "$ACK"
	check "apology: asks what went wrong" \
	    eval "$CHECK text '$ACK' | grep -q 'Pouvez-vous nous dire ce qui'"
	TOKEN2=$($CHECK header "$ACK" Reply-To |
	    sed -n 's/^nps+\([a-z2-7]*\)@reply\.example$/\1/p')
	SID2=$($CHECK token "$RIG/keys" "${TOKEN2:-x}" 2>/dev/null)
	# A token signed for the same survey (identical to the first one when
	# both are issued in the same second).
	check "apology: Reply-To token verifies and names the same survey" \
	    test -n "$TOKEN2" -a "$SID2" = "$SID"
	check "apology: no tag, no widget, MIME readable" \
	    $CHECK mimeok "$ACK"
	check "apology: the milter left it alone (no survey row for it)" \
	    test "$(sql "SELECT count(*) FROM surveys WHERE recipient='carol@example.com';")" = 1
else
	notok "the apology came out of Postfix (files: $ACK)"
	TOKEN2=
fi
check "one alert mail to leads@support.example" \
    test "$(count_to leads@support.example)" = 1
AL=$(sink_to leads@support.example | head -n 1)
if [ -n "$AL" ]; then
	check "alert mail names customer, ticket, agent and score" eval \
	    "$CHECK text '$AL' | grep -q 'carol@example.com' &&
	     $CHECK text '$AL' | grep -q 'T-300' &&
	     $CHECK text '$AL' | grep -q 'marie' &&
	     $CHECK text '$AL' | grep -q '3/10'"
	check "alert mail: no link, no token" eval \
	    "! grep -qi 'https\?://\|nps+' '$AL'"
fi
check "one alert command run" test "$(cat "$T/alerts" 2>/dev/null)" = 1
check "alert command: NPS_SCORE=3, NPS_TICKET=T-300, NPS_SURVEY_ID" eval \
    "grep -qx 'NPS_SCORE=3' '$T/alert-1.env' &&
     grep -qx 'NPS_TICKET=T-300' '$T/alert-1.env' &&
     grep -qx 'NPS_SURVEY_ID=$SID' '$T/alert-1.env'"
check "alert command: JSON on stdin" eval \
    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d[\"score\"]!=3 or d[\"survey_id\"]!=\"$SID\")' '$T/alert-1.json'"
check "store: acknowledgment, alert mail, alert command done once" test \
    "$(sql "SELECT group_concat(kind || ':' || state || ':' || attempts, ' ') FROM (SELECT * FROM followups WHERE survey_id='$SID' ORDER BY kind);")" = \
    "ack:done:1 alert_command:done:1 alert_mail:done:1"
check "store: surveys.ack_sent_at set" test \
    "$(sql "SELECT ack_sent_at > 0 FROM surveys WHERE id='$SID';")" = 1
# The same reply again (a re-fed message): a duplicate, nothing sent.
reply carol@example.com "$TOKEN" det-1 "" "3"
check "same reply again: duplicate" eval "printf '%s' '$OUT' | grep -q duplicate"
settle
check "same reply again: still one apology, one alert, one command" test \
    "$(count_to carol@example.com)/$(count_to leads@support.example)/$(cat "$T/alerts")" = "2/1/1"

# --- 2. an auto-reply -------------------------------------------------
if survey dave@example.com T-301 && [ -n "$SID" ]; then
	reply dave@example.com "$TOKEN" ooo-1 "Auto-Submitted: auto-replied" \
	    "Je suis absent jusqu'au 30 novembre, je lirai votre message a mon retour."
	check "auto-reply stored as such" test \
	    "$(sql "SELECT kind FROM processed WHERE msg_key='<ooo-1@client.example>';")" = autoreply
	settle
	check "auto-reply: no mail to dave besides the survey" \
	    test "$(count_to dave@example.com)" = 1
	check "auto-reply: no alert, nothing queued" test \
	    "$(count_to leads@support.example)/$(sql "SELECT count(*) FROM followups WHERE survey_id='$SID';")" = "1/0"
else
	notok "survey to dave"
fi

# --- 3. the answer to the apology -------------------------------------
if [ -n "${TOKEN2:-}" ]; then
	reply carol@example.com "$TOKEN2" det-2 "" \
	    "Le colis est arrivé en retard et la boîte était abîmée."
	CSID=$(sql "SELECT survey_id FROM processed WHERE msg_key='<det-2@client.example>';")
	check "answer to the apology lands on the same survey ($CSID)" \
	    test "$CSID" = "$(sql "SELECT id FROM surveys WHERE recipient='carol@example.com';")"
	check "answer to the apology: one comment with its text" test \
	    "$(sql "SELECT count(*) FROM comments WHERE survey_id='$CSID' AND text LIKE 'Le colis est arriv%en retard%';")" = 1
	check "answer to the apology: score 3 still the current one" test \
	    "$(sql "SELECT group_concat(score) FROM responses WHERE survey_id='$CSID' AND superseded_by IS NULL;")" = 3
	settle
	check "answer to the apology: nothing sent" test \
	    "$(count_to carol@example.com)/$(count_to leads@support.example)" = "2/1"
else
	notok "answer to the apology (no Reply-To token)"
fi

# --- 4. unsubscribe, then the next survey -----------------------------
if survey erin@example.com T-302 && [ -n "$SID" ]; then
	check "first survey to erin has the widget" \
	    eval "$CHECK text '$GOT' | grep -qi 'nps+$TOKEN@reply.example'"
	reply erin@example.com "$TOKEN" unsub-1 "" "STOP"
	check "erin's STOP recorded as an unsubscribe" test \
	    "$(sql "SELECT count(*) FROM unsubscribed WHERE address='erin@example.com';")" = 1
	check "the unsubscribe is an event" test \
	    "$(sql "SELECT count(*) FROM events WHERE kind='unsubscribed' AND recipient='erin@example.com';")" = 1
	check "npsgate report counts the unsubscribe" eval \
	    "'$NPSGATE' report -c '$RIG/npsgate.conf' | grep -qx 'unsubscribes: 1'"
	if survey erin@example.com T-303; then
		check "next survey to erin: no widget, no Reply-To token" \
		    eval "! grep -q 'nps+' '$GOT'"
		check "next survey to erin: tag removed" \
		    eval "! $CHECK text '$GOT' | grep -qF '[InsertSatisfactionEvaluation]'"
		check "next survey to erin: suppressed event" test \
		    "$(sql "SELECT count(*) FROM events WHERE kind='suppressed' AND ticket='T-303';")" = 1
	else
		notok "second mail to erin came out"
	fi
	settle
	check "unsubscribe: no acknowledgment to erin" \
	    test "$(count_to erin@example.com)" = 2
else
	notok "survey to erin"
fi

# --- 5. an alert command that hangs -----------------------------------
followup_conf "$T/slow.sh" 1
if survey frank@example.com T-304 && [ -n "$SID" ]; then
	start=$(date +%s)
	reply frank@example.com "$TOKEN" slow-1 "" "1"
	took=$(( $(date +%s) - start ))
	check "hanging alert command: followup returns (exit $RC) in ${took}s" \
	    test "$RC" = 0 -a "$took" -lt 10
	check "hanging alert command: the answer is stored" test \
	    "$(sql "SELECT score FROM responses WHERE survey_id='$SID';")" = 1
	check "hanging alert command: killed" eval \
	    "! kill -0 \$(cat '$T/slow.pid') 2>/dev/null"
	check "hanging alert command: queued for a retry" test \
	    "$(sql "SELECT state || ':' || attempts FROM followups WHERE survey_id='$SID' AND kind='alert_command' AND last_error LIKE '%killed after 1 s%';")" = "pending:1"
	check "hanging alert command: apology and alert mail went out" test \
	    "$(sql "SELECT count(*) FROM followups WHERE survey_id='$SID' AND kind IN ('ack','alert_mail') AND state='done';")" = 2
	FSID=$SID
	if survey gina@example.com T-305 && [ -n "$SID" ]; then
		followup_conf "$T/alert.sh" 10
		start=$(date +%s)
		reply gina@example.com "$TOKEN" next-1 "" "10"
		took=$(( $(date +%s) - start ))
		check "the next reply goes through at once (${took}s)" test \
		    "$RC" = 0 -a "$took" -lt 5 -a \
		    "$(sql "SELECT score FROM responses WHERE survey_id='$SID';")" = 10
	fi
	# The retry time comes (moved forward here), the command is quick.
	sql "UPDATE followups SET next_attempt_at = 0 WHERE survey_id='$FSID' AND kind='alert_command';"
	timeout 60 "$NPSGATE" followup-retry -c "$RIG/npsgate.conf" \
	    >"$T/retry.out" 2>>"$T/followup.log"
	check "followup-retry runs the alert command again, done" test \
	    "$(sql "SELECT state || ':' || attempts FROM followups WHERE survey_id='$FSID' AND kind='alert_command';")" = "done:2"
	check "followup-retry says so" grep -q '^followup: 1 done' "$T/retry.out"
else
	notok "survey to frank"
fi

# --- 6. the same through npsgate-imapd-hook and Dovecot ---------------
# The hook runs the follow-up itself after each stored reply; an alert
# command that hangs must not hold the replies behind it.
NPSGATE_HOOK=${NPSGATE_HOOK:-$top_builddir/npsgate-imapd-hook}
if [ -x "$NPSGATE_HOOK" ] && command -v dovecot >/dev/null 2>&1 &&
    command -v rig_dovecot_init >/dev/null 2>&1; then
	cp "$RIG/base.conf" "$RIG/npsgate.conf"
	rig_dovecot_init
	cp "$RIG/npsgate.conf" "$RIG/base.conf"
	followup_conf "$T/slow.sh" 1
	rm -f "$T/slow.pid"
	if rig_start_dovecot && rig_start_hook; then
		ok "dovecot on $IMAP_PORT, npsgate-imapd-hook started"
		leads=$(count_to leads@support.example)
		survey hank@example.com T-306 && HSID=$SID HTOK=$TOKEN
		survey ivy@example.com T-307 && ISID=$SID ITOK=$TOKEN
		start=$(date +%s)
		mkreply hank@example.com "$HTOK" hook-1 "" "2"
		rig_save nps INBOX "$REPLY"
		mkreply ivy@example.com "$ITOK" hook-2 "" "10"
		rig_save nps INBOX "$REPLY"
		if rig_wait_count nps Processed 2 30; then
			took=$(( $(date +%s) - start ))
			ok "hook: both replies stored and filed (${took}s)"
		else
			notok "hook: both replies stored and filed"
			cat "$RIG/hook.log"
		fi
		check "hook: still running after the hanging alert command" 		    kill -0 "$HOOK_PID"
		check "hook: the alert command was killed and queued" test 		    "$(sql "SELECT state || ':' || attempts FROM followups WHERE survey_id='$HSID' AND kind='alert_command' AND last_error LIKE '%killed after 1 s%';")" = "pending:1"
		check "hook: the hanging command is gone" eval 		    "! kill -0 \$(cat '$T/slow.pid') 2>/dev/null"
		mkreply hank@example.com "$HTOK" hook-3 \
		    "Auto-Submitted: auto-replied" \
		    "Je suis absent jusqu'au 30 novembre."
		rig_save nps INBOX "$REPLY"
		check "hook: the auto-reply filed under AutoReplies" \
		    rig_wait_count nps AutoReplies 1 20
		settle
		check "hook: one apology to hank, one thank-you to ivy" test \
		    "$(count_to hank@example.com)/$(count_to ivy@example.com)" = "2/2"
		check "hook: one more alert mail (hank's)" test \
		    "$(count_to leads@support.example)" = $((leads + 1))
		check "hook: hank's apology answers his reply" eval \
		    "grep -l '^In-Reply-To: <hook-1@client.example>' '$RIG'/sink/* | wc -l | grep -qx 1"
	else
		notok "dovecot and npsgate-imapd-hook started"
		cat "$RIG/hook.log" 2>/dev/null
	fi
	rig_stop_hook
	rig_stop_dovecot
else
	echo "# skipped: the hook part (no npsgate-imapd-hook or dovecot)"
fi

tap_done
