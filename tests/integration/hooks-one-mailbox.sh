#!/bin/sh
# hooks-one-mailbox.sh - two npsgate-imapd-hooks on one Dovecot mailbox
# and one SQLite store, as two hosts would run them: NPSGATE_HOOKS_N
# replies (1000 by default) delivered in five bursts while both hooks
# run; each is stored once and filed once in Processed (a message
# that both hooks reach is moved by one of them only), the mailbox ends
# empty, and both hooks keep running. Then a reply that a hook claimed
# for filing (the keyword $NpsgateFiling) before it died: the hook left
# running stores it, leaves it to its claimer for two minutes, then
# releases the claim and files it, once.
# Exit 77 (skip) under NPSGATE_UNIT_ONLY=1 or without Dovecot.

set -u

[ -n "${NPSGATE_UNIT_ONLY:-}" ] && { echo "NPSGATE_UNIT_ONLY set"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
command -v dovecot >/dev/null 2>&1 || { echo "dovecot not installed"; exit 77; }
for t in python3 sqlite3; do
	command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
HOOK=$top_builddir/npsgate-imapd-hook
NPSGATE=$top_builddir/npsgate
MKSURVEY=$top_builddir/tests/tools/mksurvey
for p in "$HOOK" "$NPSGATE" "$MKSURVEY"; do
	[ -x "$p" ] || { echo "$p not built"; exit 77; }
done
. "$top_srcdir/tests/lib/dovecot.sh"
. "$top_srcdir/tests/integration/tap.sh"
N=${NPSGATE_HOOKS_N:-1000}
ROUNDS=5

T=$(mktemp -d /tmp/npsgate-hooks-XXXXXX)
chmod 755 "$T"
H1= H2=

stop_hooks() {
	for p in $H1 $H2; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	H1= H2=
}
finish() {
	stop_hooks
	[ -f "$T/dove/dovecot.conf" ] &&
	    doveadm -c "$T/dove/dovecot.conf" stop 2>/dev/null
	tap_finish hooks-one-mailbox.sh "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP
tap_watchdog hooks-one-mailbox.sh 600

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}
q() { sqlite3 -cmd ".timeout 5000" "$T/db/npsgate.db" "$1"; }

# --- Dovecot, the store, the surveys ------------------------------------
PORT=$(free_port)
mkdir -p "$T/dove"
: >"$T/dove/passwd"
dovecot_private_user "$T/dove" nps
dovecot_private_conf "$T/dove" "npsgate-hooks-$$" "$PORT" 0 \
    "mail_fsync = never" || { notok "dovecot config"; exit 1; }
dovecot -c "$T/dove/dovecot.conf" || { notok "dovecot started"; exit 1; }
ok "dovecot on $PORT"
MD=$T/dove/mail/nps
mkdir -p "$MD/tmp" "$MD/new" "$MD/cur" "$T/db"
chown -R "$DOVECOT_MAIL_USER" "$MD"
printf 'secret\n' >"$T/imap.pass"
chmod 600 "$T/imap.pass"
printf '#!/bin/sh\ncat >/dev/null\n' >"$T/sendmail"
chmod 755 "$T/sendmail"
write_conf() {
	cat >"$T/npsgate.conf" <<EOF
[general]
reply_address = nps@reply.example
key_file = $T/keys
templates_dir = $top_srcdir/templates
[store]
path = $T/db/npsgate.db
[imap]
host = 127.0.0.1
port = $PORT
tls = none
user = nps
password_file = $T/imap.pass
mailbox = INBOX
poll_interval = 1
$1
[followup]
sendmail = $T/sendmail
EOF
}
write_conf ""
"$NPSGATE" keygen -c "$T/npsgate.conf" >/dev/null || { notok "keygen"; exit 1; }
"$MKSURVEY" "$T/npsgate.conf" customer@example.com "$N" >"$T/surveys" ||
    { notok "mksurvey"; exit 1; }

# reply I TOKEN FILE - the customer's answer to survey I
reply() {
	printf 'From: customer@example.com\r\nTo: nps+%s@reply.example\r\n' "$2"
	printf 'Message-ID: <reply-%s@test>\r\n' "$1"
	printf 'Subject: Re: Votre avis\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n'
	printf '\r\n%s\r\n' "$(($1 % 11))"
}
mkdir -p "$T/replies"
i=0
while read -r _ token; do
	i=$((i + 1))
	reply "$i" "$token" >"$T/replies/$i.eml"
done <"$T/surveys"

# deliver FIRST LAST: replies FIRST..LAST into the Maildir as an MDA does
# (written in tmp/, renamed into new/), all of them at once.
deliver() {
	i=$1
	while [ "$i" -le "$2" ]; do
		cp "$T/replies/$i.eml" "$MD/tmp/$i.$$.hooks"
		i=$((i + 1))
	done
	chown "$DOVECOT_MAIL_USER" "$MD/tmp/"*
	for f in "$MD/tmp/"*.hooks; do
		mv "$f" "$MD/new/"
	done
}
inbox() { find "$MD/new" "$MD/cur" -type f | wc -l; }
processed_files() { find "$MD/.Processed/new" "$MD/.Processed/cur" -type f 2>/dev/null; }

# --- two hooks, replies in three waves ----------------------------------
start_hook() {
	"$HOOK" -f -c "$T/npsgate.conf" >>"$T/hook$1.log" 2>&1 &
	eval "H$1=\$!"
}
start_hook 1
start_hook 2
sleep 1
check "two hooks running" eval "kill -0 $H1 && kill -0 $H2"
start=$(date +%s)
# ROUNDS rounds, each a burst of N / ROUNDS replies (two at once, as
# an MDA delivers them) that both hooks find together: whether both move
# one depends on how their passes fall, so each round is another chance.
per=$((N / ROUNDS))
r=0
while [ $r -lt "$ROUNDS" ]; do
	first=$((r * per + 1))
	last=$(((r + 1) * per))
	[ $r -eq $((ROUNDS - 1)) ] && last=$N
	half=$(((first + last) / 2))
	deliver "$first" "$half"
	deliver $((half + 1)) "$last"
	i=0
	while [ $i -lt 300 ]; do
		[ "$(q 'SELECT count(*) FROM processed')" = "$last" ] &&
		    [ "$(inbox)" = 0 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	r=$((r + 1))
done
# A second filing would come right after the first.
sleep 2
echo "# $N replies stored and filed in $(($(date +%s) - start)) s"
check "each reply stored once: $(q 'SELECT count(*) FROM processed') of $N" \
    test "$(q "SELECT count(*) FROM processed WHERE kind = 'response'")" = "$N"
check "the mailbox is empty: $(inbox) left" test "$(inbox)" = 0
filed=$(processed_files | xargs cat | grep -ci '^Message-ID: <reply-')
distinct=$(processed_files | xargs cat | grep -i '^Message-ID: <reply-' |
    sort -u | wc -l)
check "each reply filed once in Processed: $filed filed, $distinct distinct" \
    test "$filed:$distinct" = "$N:$N"
check "both hooks still running" eval "kill -0 $H1 && kill -0 $H2"
for h in 1 2; do
	echo "# hook $h: $(grep -c ' uid=[0-9]* ' "$T/hook$h.log") messages stored or found stored"
done

# --- a claim whose hook died ---------------------------------------------
stop_hooks
N1=$((N + 1))
"$MKSURVEY" "$T/npsgate.conf" customer@example.com 1 >"$T/survey1" ||
    { notok "mksurvey"; exit 1; }
reply "$N1" "$(cut -d' ' -f2 "$T/survey1")" >"$T/replies/$N1.eml"
deliver "$N1" "$N1"
python3 - "$PORT" <<'EOF' || notok "the claim keyword set"
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("nps", "secret")
m.select("INBOX")
m.uid("STORE", "1:*", "+FLAGS", "($NpsgateFiling)")
m.logout()
EOF
start=$(date +%s)
start_hook 1
i=0
while [ $i -lt 900 ] && [ "$(inbox)" != 0 ]; do
	sleep 0.2
	i=$((i + 1))
done
took=$(($(date +%s) - start))
echo "# the reply claimed by a dead hook filed after $took s"
check "a reply claimed by a dead hook is stored" \
    test "$(q "SELECT count(*) FROM processed WHERE kind = 'response'")" = "$N1"
check "it is left to its claimer for a while ($took s)" test "$took" -ge 100
check "then filed: the mailbox is empty ($(inbox) left)" test "$(inbox)" = 0
once=$(processed_files | xargs cat | grep -c "^Message-ID: <reply-$N1@")
check "filed once: $once" test "$once" = 1
check "the release logged" grep -q 'claim released' "$T/hook1.log"

tap_done
