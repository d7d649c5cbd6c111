#!/bin/sh
# check-config.sh - `npsgate check-config`: the sample config is valid from
# a clean checkout (a missing key file is a warning, an error with
# --strict), a broken config exits 3 naming its line (a filing folder that
# is the mailbox read too, an alias to no channel), a channel of the
# config's own is printed, one whose name is a built-in channel's
# misspelt is a warning at its line, and the printed settings load back
# to themselves.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init check-config
SAMPLE="$SRC/etc/npsgate.conf.sample"
BROKEN="$SRC/tests/data/config/broken.conf"

# The sample, as shipped: valid; its key file is only a warning here
# (unless this machine has one).
run 0 check-config "$SAMPLE"
grep -q '^reply_address = nps@reply.example$' "$dir/out" ||
    fail "sample: no reply_address in the printed settings"
grep -q '^\[channel.chat\]$' "$dir/out" ||
    fail "sample: no [channel.chat] in the printed settings"
if [ ! -e /etc/npsgate/keys ]; then
	msg="npsgate check-config: warning: $SAMPLE:[0-9]*: \[general\]"
	msg="$msg key_file: missing required file /etc/npsgate/keys"
	grep -q "^$msg .*; run \`npsgate keygen -c $SAMPLE\`$" "$dir/err" ||
	    fail "sample: no key file warning: $(cat "$dir/err")"
	run 3 check-config --strict -c "$SAMPLE"
	msg="npsgate check-config: $SAMPLE:[0-9]*: \[general\] key_file:"
	grep -q "^$msg missing required file" "$dir/err" ||
	    fail "--strict: no key file error: $(cat "$dir/err")"
	[ -s "$dir/out" ] &&
	    fail "--strict printed settings of an invalid config"
fi

# The printed settings are a config that prints the same settings.
run 0 check-config -c "$SAMPLE"
sed 1d "$dir/out" >"$dir/dump1"
cp "$dir/out" "$dir/dumped.conf"
run 0 check-config "$dir/dumped.conf"
sed 1d "$dir/out" >"$dir/dump2"
cmp -s "$dir/dump1" "$dir/dump2" ||
    fail "dump of the dump differs: $(diff "$dir/dump1" "$dir/dump2")"

# With the key file there, --strict passes too.
: >"$dir/keys"
sed "s|^key_file = .*|key_file = $dir/keys|" "$SAMPLE" >"$dir/ok.conf"
run 0 check-config --strict "$dir/ok.conf"
[ -s "$dir/err" ] && grep -q 'key_file' "$dir/err" &&
    fail "existing key file still warned about: $(cat "$dir/err")"

# A broken config: exit 3, one line naming file, line, section and key.
run 3 check-config "$BROKEN"
msg="npsgate check-config: $BROKEN:12: [survey] style: 'star' is not a"
msg="$msg style; allowed: numbers, stars, icons, gradient"
[ "$(cat "$dir/err")" = "$msg" ] || fail "broken: got '$(cat "$dir/err")'"
[ -s "$dir/out" ] && fail "broken: printed settings of an invalid config"

# A folder that is the mailbox the hook reads: the hook would file the
# same message there again and again. Refused at the folder's line.
sed "s|^key_file = .*|key_file = $dir/keys|
    s|^;* *folder_review = .*|folder_review = inbox|" "$SAMPLE" \
    >"$dir/loop.conf"
line=$(grep -n '^folder_review = inbox$' "$dir/loop.conf" | cut -d: -f1)
[ -n "$line" ] || fail "loop.conf: no folder_review line"
run 3 check-config "$dir/loop.conf"
msg="npsgate check-config: $dir/loop.conf:$line: [imap] folder_review: it"
msg="$msg names the mailbox the hook reads ([imap] mailbox = 'INBOX');"
grep -qF "$msg" "$dir/err" || fail "loop: got '$(cat "$dir/err")'"
grep -q "allowed: another folder, e.g. folder_review = NeedsReview$" \
    "$dir/err" || fail "loop: no fix in '$(cat "$dir/err")'"
[ -s "$dir/out" ] && fail "loop: printed settings of an invalid config"

# A channel of the config's own: printed with its keys; an alias to a
# channel that no section defines is refused at the alias's line.
cp "$dir/ok.conf" "$dir/chan.conf"
printf '[channel.Portal]\ntype = csat\n' >>"$dir/chan.conf"
run 0 check-config "$dir/chan.conf"
sed -n '/^\[channel.portal\]$/,/^$/p' "$dir/out" | grep -q '^type = csat$' ||
    fail "chan: no [channel.portal] with its type in the printed settings"
grep -q "did you mean" "$dir/err" &&
    fail "chan: portal or a built-in channel warned about: $(cat "$dir/err")"

# A channel whose name is within two edits of a built-in one: a warning
# at its header's line with the name probably meant; the config is still
# valid and defines the channel as written. An empty section counts too.
cp "$dir/chan.conf" "$dir/typo.conf"
printf '\n[channel.emial]\nenabled = no\n\n[ channel.SOCAIL ]\n' \
    >>"$dir/typo.conf"
l1=$(grep -n '^\[channel.emial\]$' "$dir/typo.conf" | cut -d: -f1)
l2=$(grep -n 'channel.SOCAIL' "$dir/typo.conf" | cut -d: -f1)
run 0 check-config "$dir/typo.conf"
for w in "$l1: [channel.emial] defines a new channel; did you mean [channel.email]?" \
    "$l2: [channel.socail] defines a new channel; did you mean [channel.social]?"; do
	grep -qxF "npsgate check-config: warning: $dir/typo.conf:$w (a new channel is otherwise fine)" \
	    "$dir/err" || fail "typo: no warning '$w' in '$(cat "$dir/err")'"
done
[ "$(grep -c "did you mean" "$dir/err")" -eq 2 ] ||
    fail "typo: not two warnings: $(cat "$dir/err")"
sed -n '/^\[channel.emial\]$/,/^$/p' "$dir/out" | grep -q '^enabled = no$' ||
    fail "typo: no [channel.emial] in the printed settings"
sed 's|^channel_aliases =.*|channel_aliases = Self Service: kiosk|' \
    "$dir/chan.conf" >"$dir/alias.conf"
line=$(grep -n '^channel_aliases = Self' "$dir/alias.conf" | cut -d: -f1)
run 3 check-config "$dir/alias.conf"
msg="npsgate check-config: $dir/alias.conf:$line: [rules] channel_aliases:"
msg="$msg 'Self Service: kiosk' names no channel;"
grep -qF "$msg" "$dir/err" || fail "alias: got '$(cat "$dir/err")'"

run 3 check-config "$dir/nonexistent.conf"
grep -q "nonexistent.conf: unable to open: No such file or directory" \
    "$dir/err" || fail "missing file: got '$(cat "$dir/err")'"

# Usage.
run 2 check-config "$SAMPLE" "$BROKEN"
run 2 check-config -c "$SAMPLE" "$BROKEN"
run 2 check-config --no-such-option
run 0 check-config --help
grep -q '^usage: npsgate check-config' "$dir/out" || fail "--help: no usage"

[ "$fails" -eq 0 ] || exit 1
exit 0
