#!/bin/sh
# helpdesk-forward.sh - a reply that is not an answer reaches the help
# desk, through the real path: a survey sent through a private Postfix
# and npsgate-milter (its Reply-To taking the help desk's place), the
# customer's reply delivered to a private Dovecot and taken in by
# npsgate-imapd-hook --once, the forward going out through the same
# Postfix to smtp-sink (rig.sh).
#   - the survey row keeps the help desk's Reply-To;
#   - a plain "it still does not work" reply: while sendmail fails,
#     nothing reaches the help desk and the forward waits; once sendmail
#     works, the next run hands it on exactly once, with the customer's
#     text, From, Subject and In-Reply-To, Resent-To the help desk and
#     Auto-Submitted: auto-forwarded; a further run sends nothing more;
#   - a reply with a score goes nowhere but the store.
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

T=$(mktemp -d /tmp/npsgate-helpdesk-forward-XXXXXX)
finish() {
	rig_stop_all
	tap_finish helpdesk-forward.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog helpdesk-forward.sh 300

HELPDESK=helpdesk@support.example
rig_init "$T"
rig_dovecot_init
cp "$RIG/npsgate.conf" "$RIG/base.conf"
# A sendmail that fails as a full queue would, then the real one.
printf '#!/bin/sh\necho "queue full" >&2\nexit 75\n' >"$T/sendmail-fails"
chmod 755 "$T/sendmail-fails"
# sendmail_conf COMMAND: npsgate.conf with that [followup] sendmail.
sendmail_conf() {
	cp "$RIG/base.conf" "$RIG/npsgate.conf"
	printf '[followup]\nsendmail = %s\n' "$1" >>"$RIG/npsgate.conf"
}
sendmail_conf "$T/sendmail-fails"
rig_start_all || exit 1
if rig_start_dovecot; then
	ok "dovecot on $IMAP_PORT"
else
	notok "dovecot started"
	exit 1
fi

# Sink files for an envelope recipient, and their number once the queue
# is empty.
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
# One pass of the hook over the reply mailbox.
hook_once() {
	timeout 60 "$NPSGATE_HOOK" -f -c "$RIG/npsgate.conf" --once \
	    >>"$RIG/hook.log" 2>&1
}

# --- the survey -------------------------------------------------------
MARK="npsgate-hf-$$"
{
	printf 'From: Agent Marie <marie@shop.example>\r\n'
	printf 'Reply-To: Support <%s>\r\n' "$HELPDESK"
	printf 'To: <carol@example.com>\r\n'
	printf 'Subject: [Ticket#T-500] Your ticket is closed %s\r\n' "$MARK"
	printf 'Message-ID: <%s@shop.example>\r\n' "$MARK"
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
	printf 'X-NPS-Ticket: T-500\r\nX-NPS-Lang: en\r\n'
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Hello, your ticket is closed.\r\n\r\n'
	printf '[InsertSatisfactionEvaluation]\r\n'
} >"$T/survey.eml"
timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
    --from marie@shop.example --to carol@example.com --data - \
    <"$T/survey.eml" >"$T/swaks.out" 2>&1 || cat "$T/swaks.out"
GOT=$(rig_wait_file "$MARK" 30) || GOT=
TOKEN=
[ -n "$GOT" ] && TOKEN=$($CHECK header "$GOT" Reply-To |
    sed -n 's/^.*nps+\([a-z2-7]*\)@reply\.example.*$/\1/p')
if [ -n "$TOKEN" ]; then
	ok "survey sent, its Reply-To the reply address"
else
	notok "survey sent with a token"
	exit 1
fi
SID=$($CHECK token "$RIG/keys" "$TOKEN")
check "the survey row keeps the help desk's Reply-To" test \
    "$(sql "SELECT helpdesk_to FROM surveys WHERE id='$SID';")" = "$HELPDESK"

# mkreply MSGID BODY: the customer's reply, pressing Reply.
mkreply() {
	REPLY="$T/reply-$1.eml"
	{
		printf 'From: Carol <carol@example.com>\r\n'
		printf 'To: nps+%s@reply.example\r\n' "$TOKEN"
		printf 'Message-ID: <%s@client.example>\r\n' "$1"
		printf 'In-Reply-To: <%s@shop.example>\r\n' "$MARK"
		printf 'References: <%s@shop.example>\r\n' "$MARK"
		printf 'Subject: Re: [Ticket#T-500] Your ticket is closed\r\n'
		printf 'Date: Mon, 23 Nov 2026 11:00:00 +0000\r\n'
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
		printf '%s\r\n\r\n> Hello, your ticket is closed.\r\n' "$2"
	} >"$REPLY"
}

# --- sendmail fails: nothing reaches the help desk, the forward waits ---
mkreply broken-1 "It still does not work, the printer jams on every page."
rig_save nps INBOX "$REPLY"
hook_once
check "the reply is stored without a score and filed for review" test \
    "$(rig_count nps NeedsReview)" = 1
check "sendmail failed: the forward waits for a retry" test \
    "$(sql "SELECT state || ':' || attempts FROM forwards WHERE survey_id='$SID';")" = "pending:1"
settle
check "nothing reached the help desk yet" test "$(count_to "$HELPDESK")" = 0

# --- sendmail works: the next run hands it on, once -------------------
sendmail_conf "/usr/sbin/sendmail -C $RIG/etc"
# The retry time comes (moved forward here).
sql "UPDATE forwards SET next_attempt_at = 0 WHERE survey_id='$SID';"
hook_once
settle
check "exactly one mail reached the help desk" test \
    "$(count_to "$HELPDESK")" = 1
FWD=$(sink_to "$HELPDESK" | head -n 1)
if [ -n "$FWD" ]; then
	check "it holds the customer's text" \
	    grep -q "It still does not work, the printer jams" "$FWD"
	check "it comes from the customer" test \
	    "$($CHECK header "$FWD" From)" = "Carol <carol@example.com>"
	check "it keeps the ticket's subject" test \
	    "$($CHECK header "$FWD" Subject)" = \
	    "Re: [Ticket#T-500] Your ticket is closed"
	check "it answers the help desk's mail (In-Reply-To)" test \
	    "$($CHECK header "$FWD" In-Reply-To)" = "<$MARK@shop.example>"
	check "Resent-To: the help desk" test \
	    "$($CHECK header "$FWD" Resent-To)" = "<$HELPDESK>"
	check "Auto-Submitted: auto-forwarded" test \
	    "$($CHECK header "$FWD" Auto-Submitted)" = auto-forwarded
else
	notok "the forward came out of Postfix"
	cat "$RIG/hook.log"
fi
check "the forward is recorded as sent" test \
    "$(sql "SELECT state FROM forwards WHERE survey_id='$SID';")" = sent

# --- never twice ----------------------------------------------------------
hook_once
sql "UPDATE forwards SET next_attempt_at = 0;"
hook_once
settle
check "further runs send nothing more" test "$(count_to "$HELPDESK")" = 1

# --- a score stays in the store ---------------------------------------
mkreply scored-2 "9"
rig_save nps INBOX "$REPLY"
hook_once
settle
check "the score is stored" test \
    "$(sql "SELECT count(*) FROM responses WHERE survey_id='$SID' AND score = 9;")" = 1
check "a reply with a score is not handed on" test \
    "$(count_to "$HELPDESK")" = 1

tap_done
