#!/bin/sh
# hook-stdin.sh - `npsgate-imapd-hook --stdin`, as a Sieve script or a
# Postfix pipe runs it: the exit status says what to do with the message.
#
#	0	recorded, nobody needs it (answer, auto-reply)
#	4	keep it for a person (no valid token, no clear score)
#	75	nothing stored, try again: command line, config, key file,
#		store; never a status that bounces or drops the reply
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init hook-stdin
HOOK="${top_builddir:-.}/npsgate-imapd-hook"
MKSURVEY="${top_builddir:-.}/tests/tools/mksurvey"
for p in "$HOOK" "$MKSURVEY"; do
	[ -x "$p" ] || { echo "not built: $p" >&2; exit 99; }
done

# hook STATUS CONFIG FILE [ARGS...]: --stdin on FILE must exit STATUS
hook() {
	want=$1 conf=$2 in=$3
	shift 3
	timeout 20 "$HOOK" -f -c "$conf" --stdin "$@" <"$in" >"$dir/out" \
	    2>"$dir/err"
	got=$?
	[ "$got" -eq "$want" ] ||
	    fail "--stdin <$(basename "$in") $* exited $got, expected" \
	    "$want: $(cat "$dir/out" "$dir/err")"
}

# msg FILE TO BODY [HEADER]
msg() {
	{
		printf 'From: customer@example.com\r\nTo: %s\r\n' "$2"
		printf 'Message-ID: <%s@test>\r\n' "$(basename "$1" .eml)"
		printf 'Subject: Re: Votre avis\r\nMIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n'
		[ -n "${4:-}" ] && printf '%s\r\n' "$4"
		printf '\r\n%s\r\n' "$3"
	} >"$1"
}

clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db" "$dir/keys" \
    "templates_dir = $SRC/templates"
run 0 keygen -c "$dir/npsgate.conf"
"$MKSURVEY" "$dir/npsgate.conf" customer@example.com 3 >"$dir/s" ||
    { echo "mksurvey failed" >&2; exit 99; }
tok() { sed -n "${1}p" "$dir/s" | cut -d' ' -f2; }

msg "$dir/answer.eml" "nps+$(tok 1)@reply.example" "9"
msg "$dir/notoken.eml" "nps@reply.example" "Bonjour, 9."
msg "$dir/vague.eml" "nps+$(tok 2)@reply.example" \
    "Entre 7 et 8, je ne sais pas."
msg "$dir/away.eml" "nps+$(tok 3)@reply.example" \
    "Je suis absent jusqu'au 30 novembre." "Auto-Submitted: auto-replied"

# What the reply is.
hook 0 "$dir/npsgate.conf" "$dir/answer.eml"
grep -q '^stored .*kind=response.*score=9' "$dir/out" ||
    fail "answer: printed $(cat "$dir/out")"
hook 0 "$dir/npsgate.conf" "$dir/answer.eml"
grep -q '^duplicate ' "$dir/out" || fail "again: printed $(cat "$dir/out")"
hook 0 "$dir/npsgate.conf" "$dir/away.eml"
hook 4 "$dir/npsgate.conf" "$dir/notoken.eml"
grep -q 'why="no valid token"' "$dir/out" ||
    fail "no token: printed $(cat "$dir/out")"
hook 4 "$dir/npsgate.conf" "$dir/notoken.eml"
grep -q '^duplicate ' "$dir/out" ||
    fail "no token again: printed $(cat "$dir/out")"
hook 4 "$dir/npsgate.conf" "$dir/vague.eml"

# A setup to fix: deferred, nothing stored.
n=$(sqlite3 "$dir/npsgate.db" 'SELECT count(*) FROM processed' 2>/dev/null)
msg "$dir/later.eml" "nps+$(tok 1)@reply.example" "8"
clitest_conf "$dir/nokeys.conf" "$dir/npsgate.db" "$dir/no-such-keys"
hook 75 "$dir/nokeys.conf" "$dir/later.eml"
grep -q "no-such-keys" "$dir/err" || fail "key file: $(cat "$dir/err")"
hook 75 "$dir/missing.conf" "$dir/later.eml"
grep -q "missing.conf" "$dir/err" || fail "config: $(cat "$dir/err")"
printf '[general]\nreply_address = nps@reply.example\nno_such_key = 1\n' \
    >"$dir/bad.conf"
hook 75 "$dir/bad.conf" "$dir/later.eml"
clitest_conf "$dir/nostore.conf" "$dir/no-such-dir/npsgate.db"
hook 75 "$dir/nostore.conf" "$dir/later.eml"
hook 75 "$dir/npsgate.conf" "$dir/later.eml" --no-such-option
hook 75 "$dir/npsgate.conf" "$dir/later.eml" --once
if command -v sqlite3 >/dev/null 2>&1; then
	[ "$(sqlite3 "$dir/npsgate.db" 'SELECT count(*) FROM processed')" = \
	    "$n" ] || fail "a deferred message was stored"
fi

# Without --stdin the statuses stay the daemon's.
timeout 20 "$HOOK" -f -c "$dir/missing.conf" --once </dev/null \
    >/dev/null 2>&1
[ $? -eq 3 ] || fail "--once with a missing config: not 3"
# A review folder that is the mailbox read: the hook does not start.
cp "$dir/npsgate.conf" "$dir/loop.conf"
printf 'mailbox = INBOX\nfolder_review = INBOX\n' >>"$dir/loop.conf"
timeout 20 "$HOOK" -f -c "$dir/loop.conf" --once </dev/null \
    >/dev/null 2>"$dir/err"
[ $? -eq 3 ] || fail "--once with folder_review = INBOX: not 3"
grep -q "loop.conf:[0-9]*: \[imap\] folder_review: it names the mailbox" \
    "$dir/err" || fail "folder_review = INBOX: $(cat "$dir/err")"
hook 75 "$dir/loop.conf" "$dir/later.eml"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: hook-stdin"
