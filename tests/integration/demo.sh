#!/bin/sh
# demo.sh - npsgate end to end on this machine, on loopback, in under a
# minute: ./quickstart demo runs it after building.
#
#	tests/integration/demo.sh BUILDDIR
#
# The programs are BUILDDIR's, or those NPSGATE, NPSGATE_MILTER and
# NPSGATE_HOOK name (the installed ones, for a package's test).
#
# A private Postfix with npsgate-milter (smtp-sink standing in for the
# customers' mail servers), a private Dovecot with the reply mailbox "nps"
# and three customers' mailboxes, and npsgate-imapd-hook reading "nps".
# The sample survey mail of templates/ goes out to three customers through
# Postfix; the first one's mail is written where a browser can open it;
# each customer answers by "clicking" a score (the reply the link opens,
# plus a comment for two of them) and the answers land in the reply
# mailbox; the hook stores them (and sends the thank-you mail and the
# detractor alert, through the same Postfix); then `npsgate report` and
# `npsgate detractors`.
#
# Needs root (a private Postfix instance) and the Debian packages of
# .ci/packages. Everything runs under a temporary directory that is removed
# at the end, whatever happens; only the customer's mail and the report are
# kept, in BUILDDIR/demo/. Run it again at will. Exit status 0 when the
# three answers were stored and reported.
set -u

usage() {
	echo "usage: tests/integration/demo.sh BUILDDIR" \
	    "  (the directory where npsgate was built)" >&2
	exit 2
}
[ $# -eq 1 ] || usage
[ -d "$1" ] || usage
top_builddir=$(cd "$1" && pwd)
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir top_builddir
PATH=$PATH:/usr/sbin:/sbin
NPSGATE=${NPSGATE:-$top_builddir/npsgate}
NPSGATE_MILTER=${NPSGATE_MILTER:-$top_builddir/npsgate-milter}
NPSGATE_HOOK=${NPSGATE_HOOK:-$top_builddir/npsgate-imapd-hook}
export NPSGATE NPSGATE_MILTER NPSGATE_HOOK
OUT=$top_builddir/demo

say() { printf '%s\n' "$*"; }
# Headings in bold on a terminal.
if [ -t 1 ]; then
	step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
	step() { printf '\n%s\n' "$*"; }
fi
die() {
	printf '\ndemo: %s\n' "$*" >&2
	exit 1
}

# --- what the demo needs ---------------------------------------------
[ "$(id -u)" -eq 0 ] ||
    die "run it as root: it starts a private Postfix instance (sudo tests/integration/demo.sh $1)"
for p in "$NPSGATE" "$NPSGATE_MILTER" "$NPSGATE_HOOK"; do
	[ -x "$p" ] || die "$p is not built: run make in $top_builddir"
done
for c in postfix postconf smtp-sink swaks dovecot doveadm python3 sqlite3; do
	command -v "$c" >/dev/null 2>&1 ||
	    die "$c is missing: apt-get install -y $(tr '\n' ' ' <"$top_srcdir/.ci/packages")"
done
SAMPLE=$top_srcdir/templates/sample-survey.eml
[ -f "$SAMPLE" ] || die "$SAMPLE is missing"

T=$(mktemp -d /tmp/npsgate-demo.XXXXXX) || die "cannot make a temporary directory"
# shellcheck source=integration/rig.sh
. "$top_srcdir/tests/integration/rig.sh"

finish() {
	status=$?
	trap - EXIT INT TERM HUP
	[ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
	rig_stop_all >/dev/null 2>&1
	[ -f "$T/.timeout" ] &&
	    printf '\ndemo: still running after 120 s: gave up\n' >&2
	if [ "$status" -ne 0 ] && [ -d "$T" ]; then
		mkdir -p "$OUT"
		for f in maillog milter.log hook.log dovecot/dovecot.log; do
			[ -f "$T/$f" ] && cp "$T/$f" "$OUT/$(basename "$f")"
		done
		say "The servers' logs are kept in $OUT/ (maillog, milter.log, hook.log, dovecot.log)."
	fi
	rm -rf "$T"
	exit "$status"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
# Never hang: the whole demo gets two minutes. The watchdog holds none of
# our output open, and takes its sleep with it when it is stopped.
( trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep 120 & sp=$!
  wait "$sp" && touch "$T/.timeout" && kill -TERM $$ ) \
    </dev/null >/dev/null 2>&1 &
WATCHDOG=$!

rm -rf "$OUT"
mkdir -p "$OUT"

say "npsgate demo: a survey mail out through Postfix, three customers' answers"
say "back through an IMAP mailbox, then the report. Everything runs on"
say "127.0.0.1 in $T and is removed at the end."

# --- 1. servers ----------------------------------------------------------
step "1. Starting the servers"
CUSTOMERS="marie.dupont paul.bernard lea.moreau"
rig_init "$T"
# shellcheck disable=SC2086
rig_dovecot_init $CUSTOMERS
# Mails npsgate sends itself (thank-you mails, alerts) go through the
# private Postfix too, never through this machine's own.
cat >"$T/sendmail" <<EOF
#!/bin/sh
exec /usr/sbin/sendmail -C "$T/etc" "\$@"
EOF
chmod 755 "$T/sendmail"
cat >>"$T/npsgate.conf" <<EOF
[followup]
sendmail = $T/sendmail
alert_to = responsables@boutique.example
EOF
"$NPSGATE" keygen -c "$T/npsgate.conf" >/dev/null || die "npsgate keygen failed"
rig_start_sink || die "smtp-sink did not start"
rig_start_milter || die "npsgate-milter did not start (log above)"
say "   npsgate-milter       listening on 127.0.0.1:$MILTER_PORT"
rig_start_postfix || die "the private Postfix did not start (log above)"
say "   Postfix              SMTP on 127.0.0.1:$SMTP_PORT, milter npsgate, next hop smtp-sink on :$SINK_PORT"
rig_start_dovecot || die "the private Dovecot did not start (log above)"
say "   Dovecot              IMAP on 127.0.0.1:$IMAP_PORT, mailboxes nps (replies), $CUSTOMERS"
rig_start_hook || die "npsgate-imapd-hook did not start (log above)"
say "   npsgate-imapd-hook   watching nps's INBOX (IMAP IDLE)"

# --- 2. the help desk closes three tickets --------------------------------
step "2. The help desk closes three tickets; their mails go out through Postfix"
# customer ticket agent team reason: one line per mail, the first is the
# sample as it is in templates/.
cat >"$T/tickets" <<'EOF'
marie.dupont 48213 jmartin livraison emballage Marie Dupont
paul.bernard 48217 sleroy facturation prix Paul Bernard
lea.moreau 48222 jmartin livraison emballage Léa Moreau
EOF
n=0
while read -r user ticket agent team reason first last; do
	n=$((n + 1))
	addr=$user@client.example
	sed -e "s/marie\.dupont@client\.example/$addr/" \
	    -e "s/^To: Marie Dupont/To: $first $last/" \
	    -e "s/Bonjour Marie,/Bonjour $first,/" \
	    -e "s/48213/$ticket/g" \
	    -e "s/^X-NPS-Agent: .*/X-NPS-Agent: $agent/" \
	    -e "s/^X-NPS-Team: .*/X-NPS-Team: $team/" \
	    -e "s/^X-NPS-Reason: .*/X-NPS-Reason: $reason/" \
	    "$SAMPLE" >"$T/out-$n.eml"
	timeout 30 swaks --silent 1 --server 127.0.0.1:"$SMTP_PORT" \
	    --from support@boutique.example --to "$addr" \
	    --data - <"$T/out-$n.eml" >"$T/swaks.out" 2>&1 ||
	    { cat "$T/swaks.out"; die "Postfix refused the mail to $addr"; }
	got=$(rig_wait_file "<$ticket." 20) ||
	    die "the mail to $addr did not come out of Postfix (see maillog)"
	# What the customer's server would deliver: the message without
	# smtp-sink's own trace lines.
	sed '1,/^$/{/^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):/d}' \
	    "$got" >"$T/in-$n.eml"
	rig_save "$user" INBOX "$T/in-$n.eml" ||
	    die "could not deliver into $user's mailbox"
	survey=$(grep -o 'npsgate: survey [^ ]*' "$T/milter.log" 2>/dev/null |
	    sed -n "${n}p" | sed 's/.*survey //')
	say "   ticket $ticket, agent $agent  ->  $first $last <$addr>   ${survey:+survey $survey}"
done <"$T/tickets"

# --- 3. what the customer sees ----------------------------------------------
step "3. What Marie received"
python3 - "$T/in-1.eml" "$OUT" <<'EOF' || die "could not read the customer's mail"
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.default)
out = sys.argv[2]
open(out + "/customer-mail.eml", "wb").write(open(sys.argv[1], "rb").read())
html = msg.get_body(preferencelist=("html",))
text = msg.get_body(preferencelist=("plain",))
if html is None:
    sys.exit("no HTML part in the mail")
open(out + "/customer-mail.html", "w", encoding="utf-8").write(
    html.get_content())
print("   Subject:  " + str(msg["subject"]))
print("   Reply-To: " + str(msg["reply-to"]))
left = [h for h in msg.keys() if h.lower().startswith("x-nps-")]
print("   internal X-NPS-* headers left in the mail: %s" %
      (", ".join(left) if left else "none"))
if text is not None:
    print("   The text part, as a text-only mail reader shows it:")
    for line in text.get_content().splitlines()[:40]:
        print("   | " + line)
EOF
say ""
say "   Open the HTML version in a browser (the score links open a pre-filled reply):"
say "     file://$OUT/customer-mail.html"
say "   The whole mail as delivered: $OUT/customer-mail.eml"

# --- 4. the customers answer -----------------------------------------------
step "4. The customers answer: each clicks a score and sends the reply it opens"
# Each reply is the one the widget's link for that score pre-fills
# (To nps+TOKEN@reply.example, subject, body), with the customer's words.
python3 - "$T" <<'EOF' || die "could not build the customers' replies"
import email, email.policy, re, sys, urllib.parse
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

T = sys.argv[1]
answers = [
    (1, "Marie Dupont", "marie.dupont@client.example", 10,
     "Le nouveau colis est arrivé le lendemain, parfaitement emballé. "
     "Jean a été très réactif, merci !"),
    (2, "Paul Bernard", "paul.bernard@client.example", 8, ""),
    (3, "Léa Moreau", "lea.moreau@client.example", 3,
     "C'est la deuxième fois que le colis arrive abîmé et il a fallu "
     "relancer trois fois. Je suis très déçue."),
]
for n, name, addr, score, comment in answers:
    path = "%s/in-%d.eml" % (T, n)
    msg = email.message_from_binary_file(open(path, "rb"),
                                         policy=email.policy.default)
    html = msg.get_body(preferencelist=("html",)).get_content()
    link = None
    for href in re.findall(r'href="(mailto:[^"]*)"', html):
        href = href.replace("&amp;", "&")
        to, _, query = href[len("mailto:"):].partition("?")
        q = urllib.parse.parse_qs(query)
        subj = q.get("subject", [""])[0]
        m = re.search(r"(\d+)\s*/\s*\d+", subj)
        if m and int(m.group(1)) == score:
            link = (urllib.parse.unquote(to), subj, q.get("body", [""])[0])
            break
    if link is None:
        sys.exit("no link for the score %d in %s" % (score, path))
    to, subj, body = link
    r = EmailMessage()
    r["From"] = "%s <%s>" % (name, addr)
    r["To"] = to
    r["Subject"] = subj
    r["Date"] = formatdate(localtime=True)
    r["Message-ID"] = make_msgid(domain="client.example")
    r["In-Reply-To"] = msg["message-id"]
    r["User-Agent"] = "Thunderbird/115.5"
    body = body.replace("\r\n", "\n")
    r.set_content(body + (comment + "\n" if comment else ""))
    open("%s/reply-%d.eml" % (T, n), "wb").write(bytes(r))
    print("   %-13s clicks %2d  -> mail to %s%s" % (
        name, score, to, ("\n" + " " * 30 + "\u00ab " + comment + " \u00bb")
        if comment else ""))
EOF
# The three arrive together: npsgate-imapd-hook can miss a message that
# arrives while it files the ones before (it then waits in IDLE for news
# the server already gave), which a first demo must not run into.
rig_save_batch nps INBOX "$T/reply-1.eml" "$T/reply-2.eml" "$T/reply-3.eml" ||
    die "could not deliver the replies into the nps mailbox"
say "   The three replies are in nps's INBOX (what Postfix or the MX would deliver there)."

# --- 5. the hook reads them --------------------------------------------------
step "5. npsgate-imapd-hook reads and files them"
if ! rig_wait_count nps Processed 3 20; then
	sed 's/^/   | /' "$T/hook.log"
	die "the hook did not file the three replies within 20 s (its log is above)"
fi
grep -E 'uid=[0-9]+ ' "$T/hook.log" | sed 's/^/   /'
say "   nps's INBOX now holds $(rig_count nps INBOX) messages, Processed $(rig_count nps Processed)."
# A customer who gave no comment gets a short thank-you asking for one, and
# a detractor's answer raises an alert to the team ([followup] alert_to):
# both go out through the same Postfix (to smtp-sink here).
i=0
while [ $i -lt 15 ] && [ "$(grep -rlE '^Auto-Submitted: auto-(replied|generated)' \
    "$RIG/sink" 2>/dev/null | wc -l)" -lt 2 ]; do
	sleep 0.2
	i=$((i + 1))
done
for f in $(grep -rlE '^Auto-Submitted: auto-(replied|generated)' "$RIG/sink" 2>/dev/null); do
	python3 - "$f" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
kind = ("thank-you mail" if m["auto-submitted"] == "auto-replied"
        else "detractor alert")
print("   %s sent to %s: \u00ab %s \u00bb" % (kind, m["to"], m["subject"]))
EOF
done

# --- 6. the reports -----------------------------------------------------------
step "6. npsgate report"
rc=0
"$NPSGATE" report -c "$T/npsgate.conf" | tee "$OUT/report.txt" || rc=1
step "   npsgate report --by agent"
"$NPSGATE" report -c "$T/npsgate.conf" --by agent | tee -a "$OUT/report.txt" || rc=1
step "7. npsgate detractors (the call-back list)"
"$NPSGATE" detractors -c "$T/npsgate.conf" | tee -a "$OUT/report.txt" || rc=1
[ "$rc" -eq 0 ] || die "npsgate report or detractors failed"

step "Done."
say "   The customer's mail: file://$OUT/customer-mail.html"
say "   The reports:         $OUT/report.txt"
say "   Servers stopped and $T removed. Run it again at will; the guides in"
say "   $top_srcdir/doc/ describe a real installation."
exit 0
