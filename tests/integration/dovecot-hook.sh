#!/bin/sh
# dovecot-hook.sh - npsgate-imapd-hook against a private Dovecot on loopback.
#
# 1. --once on a mixed batch: every reply stored as what it is, every
#    message in its folder, none left in INBOX; a message seen again
#    changes nothing in the store.
# 2. IDLE: a reply appended while the daemon runs is stored within 2 s;
#    Dovecot restarted under it: the hook reconnects and goes on; SIGTERM
#    ends it with status 0.
# 3. kill -9 at random points during a 500-message batch, 20 times, then
#    one last run: every reply stored exactly once, every message filed.
# 4. A server without MOVE and IDLE: COPY + \Deleted + UID EXPUNGE, and
#    polling.
# 5. TLS with a CA made here: implicit TLS and STARTTLS verify and work;
#    another CA, or a name the certificate does not carry, is refused
#    before the password is sent.
# 6. Sieve (Pigeonhole's sieve_extprograms; skipped without it): the
#    script of doc/dovecot.md run by dovecot-lda hands each reply to
#    --stdin; an answer is recorded and dropped, a reply without a token
#    lands in NeedsReview, and so does one the store cannot take now.
#
# Needs dovecot (skips with 77 without it), python3, sqlite3 and openssl.
# Servers are stopped and the directory removed on any exit.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=../lib/dovecot.sh
. "$top_srcdir/tests/lib/dovecot.sh"
PY=${PYTHON3:-python3}
HOOK=$top_builddir/npsgate-imapd-hook
NPSGATE=$top_builddir/npsgate
MKSURVEY=$top_builddir/tests/tools/mksurvey
IMAPCTL="$PY $top_srcdir/tests/tools/imapctl.py"

if ! command -v dovecot >/dev/null 2>&1 || ! command -v doveadm \
    >/dev/null 2>&1; then
	echo "SKIP: dovecot is not installed"
	exit 77
fi
for t in "$PY" sqlite3 openssl; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t is needed"; exit 1; }
done
for p in "$HOOK" "$NPSGATE" "$MKSURVEY"; do
	[ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
done

T=$(mktemp -d /tmp/npsgate-dvhook.XXXXXX) || exit 1
chmod 755 "$T"
HOOKPID=
DOVECONFS=
failures=0

cleanup() {
	[ -n "$HOOKPID" ] && kill -9 "$HOOKPID" 2>/dev/null
	for c in $DOVECONFS; do
		doveadm -c "$c" stop 2>/dev/null
	done
	if [ "$failures" -eq 0 ] || [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "kept $T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
ok() {
	echo "ok: $*"
}
# check WHAT EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1: $3"; else fail "$1: want $2, got $3"; fi
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}

sql() {
	sqlite3 -cmd ".timeout 5000" "$T/npsgate.db" "$1"
}

# dovecot_conf NAME IMAP_PORT IMAPS_PORT SSL [EXTRA] - writes $T/NAME/dovecot.conf
dovecot_conf() {
	d=$T/$1
	mkdir -p "$d"
	: >"$d/passwd"
	dovecot_private_user "$d" nps
	if [ "$4" = no ]; then
		DOVECOT_SSL="ssl = no"
	else
		DOVECOT_SSL="ssl = $4
ssl_cert = <$T/tls/server.crt
ssl_key = <$T/tls/server.key"
	fi
	# Throw-away mail: no fsync, so that the 500 APPENDs take a second.
	DOVECOT_LISTEN="127.0.0.1, 127.0.0.2"
	dovecot_private_conf "$d" "npsgate-test-$1-$$" "$2" "$3" \
	    "mail_fsync = never
${5:-}"
	DOVECONFS="$DOVECONFS $d/dovecot.conf"
}

dovecot_start() {
	dovecot -c "$1" || { fail "dovecot -c $1 did not start"; exit 1; }
}

# hook_conf FILE PORT TLS [EXTRA] - an npsgate.conf for the hook
hook_conf() {
	cat >"$1" <<EOF
[general]
reply_address = nps@reply.example
key_file = $T/keys
templates_dir = $top_srcdir/templates
[store]
path = $T/npsgate.db
[milter]
socket = inet:8891@127.0.0.1
[imap]
host = 127.0.0.1
port = $2
tls = $3
user = nps
password_file = $T/imap.pass
mailbox = INBOX
poll_interval = 1
${4:-}
[followup]
sendmail = $T/sendmail
EOF
}

# msg FILE FROM TO MSGID(- for none) EXTRA_HEADERS BODY
msg() {
	{
		printf 'From: %s\r\nTo: %s\r\n' "$2" "$3"
		[ "$4" != - ] && printf 'Message-ID: %s\r\n' "$4"
		printf 'Subject: Re: Votre avis sur le ticket T-TEST\r\n'
		printf 'Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n'
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n'
		[ -n "$5" ] && printf '%s\r\n' "$5"
		printf '\r\n%s\r\n' "$6"
	} >"$1"
}

# bounce FILE MSGID SURVEY_ID TOKEN - a DSN carrying the survey's headers
bounce() {
	cat >"$1" <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: support@helpdesk.test
Message-ID: $2
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

This is the mail system at host mx.example.com.
I'm sorry to have to inform you that your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; customer@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <customer@example.com>: User unknown

--BOUNDARY
Content-Type: text/rfc822-headers

From: Support <support@helpdesk.test>
To: customer@example.com
Reply-To: nps+$4@reply.example
Message-ID: <$3@helpdesk.test>
Subject: Votre ticket T-TEST

--BOUNDARY--
EOF
}

# wait_stored KEY SECONDS - prints the seconds it took, or fails
wait_stored() {
	$PY - "$T/npsgate.db" "$1" "$2" <<'EOF'
import sqlite3, sys, time
db, key, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
t0 = time.monotonic()
while time.monotonic() - t0 < limit:
    try:
        c = sqlite3.connect(db, timeout=5)
        n = c.execute("SELECT count(*) FROM processed WHERE msg_key = ?",
                      (key,)).fetchone()[0]
        c.close()
        if n:
            print("%.2f" % (time.monotonic() - t0))
            sys.exit(0)
    except sqlite3.OperationalError:
        pass
    time.sleep(0.02)
print("never")
sys.exit(1)
EOF
}

# wait_log FILE PATTERN SECONDS
wait_log() {
	i=0
	while [ "$i" -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

folders="INBOX Processed NeedsReview AutoReplies Bounces"
START=$(date +%s)
phase() {
	echo "== $* (at $(($(date +%s) - START)) s)"
}

# ---------------------------------------------------------------- setup
P_IMAP=$(free_port)
dovecot_conf plain "$P_IMAP" 0 no
dovecot_start "$T/plain/dovecot.conf"
# Acknowledgments go to a file: one line per mail handed over.
printf '#!/bin/sh\ncat >/dev/null\necho "$*" >>"%s/sent"\n' "$T" \
    >"$T/sendmail"
chmod 755 "$T/sendmail"
printf 'secret\n' >"$T/imap.pass"
chmod 600 "$T/imap.pass"
hook_conf "$T/plain.conf" "$P_IMAP" none
"$NPSGATE" keygen -c "$T/plain.conf" >/dev/null ||
    { fail "npsgate keygen"; exit 1; }

# ------------------------------------------------- 1. --once, mixed batch
phase "1. --once on a mixed batch"
"$MKSURVEY" "$T/plain.conf" customer@example.com 9 >"$T/s1" ||
    { fail mksurvey; exit 1; }
tok() { sed -n "${1}p" "$T/s1" | cut -d' ' -f2; }
sid() { sed -n "${1}p" "$T/s1" | cut -d' ' -f1; }
B=$T/batch1
mkdir -p "$B"
C='customer@example.com'
msg "$B/01.eml" "Client <$C>" "nps+$(tok 1)@reply.example" "<proc-1@test>" "" \
    "9

Tres bon accueil, merci."
msg "$B/02.eml" "$C" "nps+$(tok 2)@reply.example" "<proc-2@test>" "" "10"
msg "$B/03.eml" "$C" "nps+$(tok 3)@reply.example" "<proc-3@test>" "" \
    "6

Trop long a repondre."
msg "$B/04.eml" "$C" "nps+$(tok 4)@reply.example" - "" "8"
msg "$B/05.eml" "Collegue <colleague@example.com>" \
    "nps+$(tok 5)@reply.example" "<proc-fwd@test>" "" "7"
msg "$B/06.eml" "$C" "nps+$(tok 6)@reply.example" "<review-amb@test>" "" \
    "Entre 7 et 8, je ne sais pas."
msg "$B/07.eml" "$C" "nps@reply.example" "<review-notoken@test>" "" \
    "Bonjour, 9."
forged=$(tok 7 | sed 's/.\(....\)$/x\1/')
[ "$forged" = "$(tok 7)" ] && forged=$(tok 7 | sed 's/.\(....\)$/y\1/')
msg "$B/08.eml" "$C" "nps+$forged@reply.example" "<review-forged@test>" "" \
    "10"
msg "$B/09.eml" "$C" "nps+$(tok 8)@reply.example" "<auto-1@test>" \
    "Auto-Submitted: auto-replied" \
    "Je suis absent jusqu'au 30 novembre. Je lirai votre message a mon retour."
bounce "$B/10.eml" "<bounce-1@test>" "$(sid 9)" "$(tok 9)"
check "appended" 10 "$($IMAPCTL "$P_IMAP" append "$B")"

"$HOOK" -f -c "$T/plain.conf" --once -v >"$T/once.log" 2>&1
check "--once exit status" 0 $?
# The batch is read in two commands (sizes, then bodies), not one per
# message: the pass's figures (-v) count them.
check "messages, batches, UID FETCH commands" "10 1 2" \
    "$(sed -n 's/.*pass: \([0-9]*\) messages in \([0-9]*\) batches;.*, \([0-9]*\) UID FETCH).*/\1 \2 \3/p' \
    "$T/once.log")"
check "folders" "INBOX=0 Processed=5 NeedsReview=3 AutoReplies=1 Bounces=1" \
    "$($IMAPCTL "$P_IMAP" counts $folders)"
for f in Processed:proc NeedsReview:review AutoReplies:auto Bounces:bounce; do
	folder=${f%%:*}
	prefix=${f#*:}
	bad=$($IMAPCTL "$P_IMAP" ids "$folder" | grep -v "^<$prefix-" |
	    grep -v '^-$')
	[ -z "$bad" ] && ok "$folder holds only its own" ||
	    fail "$folder holds $bad"
done
check "processed keys" 10 "$(sql 'SELECT count(*) FROM processed')"
check "scores counted" "6 7 8 9 10" "$(sql 'SELECT score FROM responses
    WHERE superseded_by IS NULL AND score IS NOT NULL ORDER BY score' |
    tr '\n' ' ' | sed 's/ $//')"
check "forwarded flagged" 1 "$(sql "SELECT count(*) FROM responses
    WHERE forwarded = 1 AND sender = 'colleague@example.com'")"
check "ambiguous kept without score" 1 "$(sql "SELECT count(*) FROM responses
    WHERE score IS NULL AND survey_id = '$(sid 6)'")"
check "auto-reply event" 1 "$(sql "SELECT count(*) FROM events
    WHERE kind = 'autoreply'")"
check "bounce event" 1 "$(sql "SELECT count(*) FROM events
    WHERE kind = 'bounced'")"
check "bounced survey marked" bounced "$(sql "SELECT status FROM surveys
    WHERE id = '$(sid 9)'")"
check "acknowledgments sent for answers without comment" \
    "$(sql "SELECT count(*) FROM followups WHERE kind = 'ack' AND
    state = 'done'")" "$(wc -l <"$T/sent" 2>/dev/null | tr -d ' ')"
[ "$(sql "SELECT count(*) FROM followups WHERE kind = 'ack'")" -ge 2 ] &&
    ok "the hook runs the follow-up" || fail "no acknowledgment queued"
check "themes with the answers" "agent waiting" "$(sql "SELECT t.theme
    FROM response_themes t JOIN responses r ON r.id = t.response_id
    ORDER BY r.survey_id = '$(sid 3)', t.theme" | tr '\n' ' ' |
    sed 's/ $//')"
check "no answer left without themes" 0 "$(sql "SELECT count(*) FROM
    responses WHERE themed_at = 0")"
check "one log line per message" 10 "$(grep -c ' uid=[0-9]* msg=' \
    "$T/once.log")"
grep -q "Tres bon\|Trop long\|absent" "$T/once.log" &&
    fail "customer text in the log" || ok "no customer text in the log"

# The same message again: filed, nothing stored twice.
mkdir -p "$T/again"
cp "$B/01.eml" "$T/again/"
$IMAPCTL "$P_IMAP" append "$T/again" >/dev/null
"$HOOK" -f -c "$T/plain.conf" --once >"$T/again.log" 2>&1
check "again: exit status" 0 $?
check "again: folders" "INBOX=0 Processed=6" \
    "$($IMAPCTL "$P_IMAP" counts INBOX Processed)"
check "again: processed keys" 10 "$(sql 'SELECT count(*) FROM processed')"
check "again: responses" 6 "$(sql 'SELECT count(*) FROM responses')"
grep -q "duplicate=yes" "$T/again.log" && ok "again: logged as duplicate" ||
    fail "again: not logged as duplicate"

# --stdin: a Sieve pipe's view.
"$MKSURVEY" "$T/plain.conf" customer@example.com 1 >"$T/s2"
msg "$T/stdin.eml" "$C" "nps+$(cut -d' ' -f2 "$T/s2")@reply.example" \
    "<stdin-1@test>" "" "9"
out=$("$HOOK" -f -c "$T/plain.conf" --stdin <"$T/stdin.eml" 2>/dev/null)
check "--stdin exit status" 0 $?
case $out in
stored*kind=response*score=9*) ok "--stdin: $out" ;;
*) fail "--stdin printed: $out" ;;
esac
out=$("$HOOK" -f -c "$T/plain.conf" --stdin <"$T/stdin.eml" 2>/dev/null)
check "--stdin again exit status" 0 $?
case $out in
duplicate*) ok "--stdin again: duplicate" ;;
*) fail "--stdin again printed: $out" ;;
esac

# ------------------------------------------------------------- 2. IDLE
phase "2. IDLE, Dovecot restart, SIGTERM"
"$MKSURVEY" "$T/plain.conf" customer@example.com 2 >"$T/s3"
"$HOOK" -f -c "$T/plain.conf" >"$T/idle.log" 2>&1 &
HOOKPID=$!
wait_log "$T/idle.log" "connected to" 10 || fail "daemon did not connect"
sleep 0.3
mkdir -p "$T/idle1"
msg "$T/idle1/1.eml" "$C" "nps+$(sed -n 1p "$T/s3" | cut -d' ' -f2)@reply.example" \
    "<idle-1@test>" "" "9"
$IMAPCTL "$P_IMAP" append "$T/idle1" >/dev/null
took=$(wait_stored "<idle-1@test>" 2) && ok "IDLE: stored after $took s" ||
    fail "IDLE: not stored within 2 s"

# A reply that arrives while the hook is busy with the one before it must
# not wait for the next mail to be noticed: eight rounds of two replies,
# the second appended while the first is being stored and filed.
"$MKSURVEY" "$T/plain.conf" customer@example.com 16 >"$T/s3b"
mkdir -p "$T/burst"
i=0 late=0
while read -r id token; do
	i=$((i + 1))
	rm -f "$T/burst"/*.eml
	msg "$T/burst/1.eml" "$C" "nps+$token@reply.example" "<burst-$i@test>" \
	    "" "$((i % 11))"
	$IMAPCTL "$P_IMAP" append "$T/burst" >/dev/null
	if [ $((i % 2)) = 1 ]; then
		# Between 0 and 0.35 s: somewhere in the first one's handling.
		sleep "0.$((i / 2 * 5))"
	else
		wait_stored "<burst-$i@test>" 3 >/dev/null || late=$((late + 1))
	fi
done <"$T/s3b"
check "busy hook: second replies not noticed within 3 s" 0 "$late"
check "busy hook: all 16 stored" 16 \
    "$(sql "SELECT count(*) FROM processed WHERE msg_key LIKE '<burst-%'")"

# Kick the hook's connection (Dovecot leaves running sessions alone when
# its master stops) and restart the server while the hook waits in IDLE.
doveadm -c "$T/plain/dovecot.conf" kick nps >/dev/null 2>&1
doveadm -c "$T/plain/dovecot.conf" stop
sleep 1
dovecot_start "$T/plain/dovecot.conf"
mkdir -p "$T/idle2"
msg "$T/idle2/1.eml" "$C" "nps+$(sed -n 2p "$T/s3" | cut -d' ' -f2)@reply.example" \
    "<idle-2@test>" "" "8"
$IMAPCTL "$P_IMAP" append "$T/idle2" >/dev/null
took=$(wait_stored "<idle-2@test>" 15) &&
    ok "after restart: stored after $took s" ||
    fail "after restart: not stored within 15 s"
grep -q "reconnecting in" "$T/idle.log" && ok "reconnection logged" ||
    fail "no reconnection in the log"
kill -TERM "$HOOKPID"
wait "$HOOKPID"
check "SIGTERM exit status" 0 $?
HOOKPID=
check "IDLE folders" "INBOX=0 Processed=24" \
    "$($IMAPCTL "$P_IMAP" counts INBOX Processed)"

# ------------------------------------------------ 3. kill -9, 500 messages
phase "3. kill -9 twenty times during 500 messages"
N=500
"$MKSURVEY" "$T/plain.conf" customer@example.com $N >"$T/s4"
mkdir -p "$T/k"
i=0
while read -r id token; do
	i=$((i + 1))
	f=$(printf '%s/%04d.eml' "$T/k" "$i")
	msg "$f" "$C" "nps+$token@reply.example" "<k-$i@test>" "" \
	    "$((i % 11))"
done <"$T/s4"
before=$($IMAPCTL "$P_IMAP" counts Processed | sed 's/.*=//')
check "appended" $N "$($IMAPCTL "$P_IMAP" append "$T/k")"
# The kills land at random points of the work: three runs in four are
# killed after a random 5..60 ms (connecting, fetching, inside the first
# store transaction), every fourth one a random 0..15 ms after it was seen
# committing (between a commit and the MOVE, or during a MOVE: the hook
# commits batches of 64, then 128, then 256 messages, each fetched in one
# command, and files up to 1024 per MOVE). The early kills
# make little progress, so the batch lasts through the twenty kills.
kstored() {
	sql "SELECT count(*) FROM processed WHERE msg_key LIKE '<k-%'"
}
seed=$$
kills=0
inrun=0
: >"$T/kill.log"
while [ $kills -lt 20 ]; do
	s0=$(kstored)
	set -- $(awk -v s="$seed" -v k="$kills" 'BEGIN { srand(s + k);
	    printf "%.3f %.3f", 0.005 + rand() * 0.055, rand() * 0.015 }')
	"$HOOK" -f -c "$T/plain.conf" >>"$T/kill.log" 2>&1 &
	HOOKPID=$!
	if [ $((kills % 4)) -eq 3 ]; then
		waited=0
		while [ "$(kstored)" -le "$s0" ] && [ $waited -lt 500 ]; do
			sleep 0.005
			waited=$((waited + 1))
		done
		sleep "$2"
	else
		sleep "$1"
	fi
	kill -9 "$HOOKPID" 2>/dev/null
	wait "$HOOKPID" 2>/dev/null
	HOOKPID=
	kills=$((kills + 1))
	[ "$(kstored)" -lt $N ] && inrun=$((inrun + 1))
done
mid=$(kstored)
echo "   $inrun of 20 kills hit before the batch was done; stored before" \
    "the last run: $mid of $N; duplicates recognised:" \
    "$(grep -c duplicate=yes "$T/kill.log")"
[ $inrun -ge 15 ] && ok "kills landed during the batch" ||
    fail "only $inrun kills landed during the batch"
"$HOOK" -f -c "$T/plain.conf" --once >>"$T/kill.log" 2>&1
check "last run exit status" 0 $?
check "processed keys" $N \
    "$(sql "SELECT count(*) FROM processed WHERE msg_key LIKE '<k-%'")"
check "responses, each once" "$N $N 0" "$(sql "SELECT count(*),
    count(DISTINCT survey_id), sum(superseded_by IS NOT NULL)
    FROM responses WHERE survey_id IN (SELECT id FROM surveys
    WHERE id IN ($(cut -d' ' -f1 "$T/s4" | sed "s/.*/'&'/" |
    paste -sd, -)))" | tr '|' ' ')"
check "acknowledgments, one per survey" "$N $N" "$(sql "SELECT count(*),
    count(DISTINCT survey_id) FROM followups WHERE kind = 'ack' AND
    survey_id IN ($(cut -d' ' -f1 "$T/s4" | sed "s/.*/'&'/" |
    paste -sd, -))" | tr '|' ' ')"
after=$($IMAPCTL "$P_IMAP" counts Processed | sed 's/.*=//')
check "filed, each once" "INBOX=0 moved=$N" \
    "$($IMAPCTL "$P_IMAP" counts INBOX) moved=$((after - before))"

# ------------------------------------------- 4. no MOVE, no IDLE: fallback
phase "4. a server without MOVE and IDLE"
doveadm -c "$T/plain/dovecot.conf" stop
sleep 0.5
cat >>"$T/plain/dovecot.conf" <<EOF
imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS
EOF
dovecot_start "$T/plain/dovecot.conf"
"$MKSURVEY" "$T/plain.conf" customer@example.com 4 >"$T/s5"
mkdir -p "$T/nomove"
i=0
while read -r id token; do
	i=$((i + 1))
	msg "$T/nomove/$i.eml" "$C" "nps+$token@reply.example" \
	    "<nomove-$i@test>" "" "9"
done <"$T/s5"
mv "$T/nomove/4.eml" "$T/nomove4.eml"
$IMAPCTL "$P_IMAP" append "$T/nomove" >/dev/null
before=$($IMAPCTL "$P_IMAP" counts Processed | sed 's/.*=//')
"$HOOK" -f -c "$T/plain.conf" >"$T/nomove.log" 2>&1 &
HOOKPID=$!
wait_stored "<nomove-3@test>" 5 >/dev/null || fail "no MOVE: not stored"
mkdir -p "$T/nomove2"
mv "$T/nomove4.eml" "$T/nomove2/"
$IMAPCTL "$P_IMAP" append "$T/nomove2" >/dev/null
took=$(wait_stored "<nomove-4@test>" 5) &&
    ok "polling: stored after $took s" || fail "polling: not stored"
sleep 0.5
kill -TERM "$HOOKPID"
wait "$HOOKPID"
HOOKPID=
grep -q "move," "$T/nomove.log" && fail "MOVE used although not offered" ||
    ok "no MOVE announced, none used"
after=$($IMAPCTL "$P_IMAP" counts Processed | sed 's/.*=//')
check "no MOVE: filed by COPY + EXPUNGE" "INBOX=0 moved=4" \
    "$($IMAPCTL "$P_IMAP" counts INBOX) moved=$((after - before))"
doveadm -c "$T/plain/dovecot.conf" stop

# ------------------------------------------------------------------ 5. TLS
phase "5. TLS"
mkdir -p "$T/tls"
(
	cd "$T/tls" || exit 1
	for ca in ca other; do
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -keyout $ca.key -out $ca.crt \
		    -subj "/CN=npsgate test $ca" 2>/dev/null || exit 1
	done
	openssl req -newkey rsa:2048 -nodes -keyout server.key \
	    -out server.csr -subj "/CN=localhost" 2>/dev/null || exit 1
	printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >ext.cnf
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile ext.cnf -out server.crt \
	    2>/dev/null || exit 1
) || { fail "openssl could not make the certificates"; exit 1; }
P_TI=$(free_port)
P_TS=$(free_port)
dovecot_conf tls "$P_TI" "$P_TS" required
dovecot_start "$T/tls/dovecot.conf"
"$MKSURVEY" "$T/plain.conf" customer@example.com 3 >"$T/s6"
i=0
while read -r id token; do
	i=$((i + 1))
	mkdir -p "$T/tls$i"
	msg "$T/tls$i/1.eml" "$C" "nps+$token@reply.example" "<tls-$i@test>" \
	    "" "9"
done <"$T/s6"

$IMAPCTL "s:$P_TS" append "$T/tls1" >/dev/null
hook_conf "$T/tls-other.conf" "$P_TS" implicit "ca_file = $T/tls/other.crt"
"$HOOK" -f -c "$T/tls-other.conf" --once >"$T/tls-other.log" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "certificate refused" "$T/tls-other.log" &&
    ok "another CA: refused ($(grep -o 'certificate refused: .*' \
    "$T/tls-other.log" | head -1))" ||
    fail "another CA: status $st, $(cat "$T/tls-other.log")"
hook_conf "$T/tls-name.conf" "$P_TS" implicit "ca_file = $T/tls/ca.crt"
sed -i 's/^host = 127.0.0.1/host = 127.0.0.2/' "$T/tls-name.conf"
"$HOOK" -f -c "$T/tls-name.conf" --once >"$T/tls-name.log" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "certificate refused" "$T/tls-name.log" &&
    ok "address not in the certificate: refused" ||
    fail "wrong address: status $st, $(cat "$T/tls-name.log")"
check "nothing logged in while refused" 0 \
    "$(grep -c 'Login: user=<nps>.*rip=127.0.0.2\|imap(nps).*MOVE' \
    "$T/tls/dovecot.log")"
check "refused: message left in INBOX" "INBOX=1" \
    "$($IMAPCTL "s:$P_TS" counts INBOX)"

hook_conf "$T/tls-ok.conf" "$P_TS" implicit "ca_file = $T/tls/ca.crt"
"$HOOK" -f -c "$T/tls-ok.conf" --once >"$T/tls-ok.log" 2>&1
check "implicit TLS, our CA: exit status" 0 $?
check "implicit TLS: stored" 1 \
    "$(sql "SELECT count(*) FROM processed WHERE msg_key = '<tls-1@test>'")"

$IMAPCTL "s:$P_TS" append "$T/tls2" >/dev/null
hook_conf "$T/tls-st.conf" "$P_TI" starttls "ca_file = $T/tls/ca.crt"
"$HOOK" -f -c "$T/tls-st.conf" --once >"$T/tls-st.log" 2>&1
check "STARTTLS, our CA: exit status" 0 $?
check "STARTTLS: stored" 1 \
    "$(sql "SELECT count(*) FROM processed WHERE msg_key = '<tls-2@test>'")"
check "TLS folders" "INBOX=0 Processed=2" \
    "$($IMAPCTL "s:$P_TS" counts INBOX Processed)"

$IMAPCTL "s:$P_TS" append "$T/tls3" >/dev/null
chmod 644 "$T/imap.pass"
"$HOOK" -f -c "$T/tls-ok.conf" --once >"$T/pass.log" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "readable or writable by others" "$T/pass.log" &&
    ok "world-readable password file refused" ||
    fail "world-readable password file: status $st"
chmod 600 "$T/imap.pass"

# ------------------------------------------------------------- 6. Sieve
phase "6. Sieve: execute :pipe --stdin"
LDA=/usr/lib/dovecot/dovecot-lda
if [ ! -x "$LDA" ] || [ ! -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so ] ||
    ! ls /usr/lib/dovecot/modules/sieve/*extprograms* >/dev/null 2>&1; then
	echo "SKIP phase 6: dovecot-sieve is not installed"
else
	S=$T/sieve
	mkdir -p "$S/global" "$S/bin" "$S/store"
	# The hook runs as the mail user: its config, keys and store must
	# be that user's.
	install -m 600 -o "$DOVECOT_MAIL_USER" "$T/keys" "$S/keys"
	hook_conf "$S/npsgate.conf" 143 none
	sed -i "s|^key_file = .*|key_file = $S/keys|
	    s|^path = .*|path = $S/store/npsgate.db|" "$S/npsgate.conf"
	chmod 644 "$S/npsgate.conf"
	"$MKSURVEY" "$S/npsgate.conf" customer@example.com 2 >"$S/s"
	chown -R "$DOVECOT_MAIL_USER" "$S/store" "$S/global"
	ln -s "$(cd "$(dirname "$HOOK")" && pwd)/npsgate-imapd-hook" \
	    "$S/bin/npsgate-imapd-hook"
	# The script of doc/dovecot.md, with this test's config.
	cat >"$S/global/npsgate.sieve" <<EOF
require ["vnd.dovecot.execute", "fileinto", "mailbox", "envelope",
         "subaddress"];

if envelope :user :is "to" "nps" {
  if execute :pipe "npsgate-imapd-hook" ["-c", "$S/npsgate.conf", "--stdin"] {
    discard;
    stop;
  }
  fileinto :create "NeedsReview";
  stop;
}
EOF
	P_SV=$(free_port)
	dovecot_conf sieve "$P_SV" 0 no "protocol lda {
  mail_plugins = \$mail_plugins sieve
}
plugin {
  sieve_before = $S/global/npsgate.sieve
  sieve_plugins = sieve_extprograms
  sieve_global_extensions = +vnd.dovecot.execute
  sieve_execute_bin_dir = $S/bin
}"
	dovecot_start "$S/dovecot.conf"
	# deliver FILE RECIPIENT: as Postfix's mailbox_command would
	deliver() {
		"$LDA" -c "$S/dovecot.conf" -d nps -f customer@example.com \
		    -a "$2" <"$1"
	}
	mailbox_n() {
		find "$S/mail/nps/$1/new" "$S/mail/nps/$1/cur" -type f \
		    2>/dev/null | wc -l | tr -d ' '
	}
	svsql() {
		sqlite3 -cmd ".timeout 5000" "$S/store/npsgate.db" "$1"
	}
	stok=$(sed -n 1p "$S/s" | cut -d' ' -f2)
	msg "$S/answer.eml" "$C" "nps+$stok@reply.example" "<sv-answer@test>" \
	    "" "9"
	msg "$S/notoken.eml" "$C" "nps@reply.example" "<sv-notoken@test>" "" \
	    "Bonjour, 9."
	deliver "$S/answer.eml" "nps+$stok@reply.example"
	check "sieve answer: lda status" 0 $?
	check "sieve answer: stored" 1 "$(svsql "SELECT count(*) FROM
	    responses WHERE score = 9")"
	deliver "$S/notoken.eml" "nps@reply.example"
	check "sieve no token: lda status" 0 $?
	check "sieve no token: key kept" 1 "$(svsql "SELECT count(*) FROM
	    processed WHERE msg_key = '<sv-notoken@test>'")"
	check "sieve: kept for a person" "INBOX=0 NeedsReview=1" \
	    "INBOX=$(mailbox_n .) NeedsReview=$(mailbox_n .NeedsReview)"
	# The store cannot be written: not stored, and not lost either.
	stok=$(sed -n 2p "$S/s" | cut -d' ' -f2)
	msg "$S/later.eml" "$C" "nps+$stok@reply.example" "<sv-later@test>" \
	    "" "7"
	chmod 444 "$S/store/npsgate.db"
	chmod 555 "$S/store"
	deliver "$S/later.eml" "nps+$stok@reply.example"
	check "sieve store read-only: lda status" 0 $?
	chmod 755 "$S/store"
	chmod 644 "$S/store/npsgate.db"
	check "sieve store read-only: not stored" 0 "$(svsql "SELECT count(*)
	    FROM processed WHERE msg_key = '<sv-later@test>'")"
	check "sieve store read-only: kept for a person" \
	    "INBOX=0 NeedsReview=2" \
	    "INBOX=$(mailbox_n .) NeedsReview=$(mailbox_n .NeedsReview)"
	grep -q "exit code 75" "$S/dovecot.log" &&
	    ok "sieve: the hook said 75" || fail "sieve: no status 75 logged"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed in $(($(date +%s) - START)) s"
exit 0
