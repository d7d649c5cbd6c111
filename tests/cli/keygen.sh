#!/bin/sh
# keygen.sh - `npsgate keygen`: the message scripts read, the file mode,
# key ids that grow, the config's key_file, and the exit statuses.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init keygen

run 0 keygen --key-file "$dir/keys"
[ "$(cat "$dir/out")" = "npsgate keygen: added key 1 to $dir/keys" ] ||
    fail "first key: got '$(cat "$dir/out")'"
[ "$(stat -c %a "$dir/keys")" = 600 ] ||
    fail "mode $(stat -c %a "$dir/keys"), expected 600"

run 0 keygen -k "$dir/keys"
[ "$(cat "$dir/out")" = "npsgate keygen: added key 2 to $dir/keys" ] ||
    fail "second key: got '$(cat "$dir/out")'"
[ "$(grep -c '^[0-9]' "$dir/keys")" -eq 2 ] || fail "expected 2 key lines"
[ "$(grep -c '^[0-9]* [0-9]* [0-9a-f]\{64\}$' "$dir/keys")" -eq 2 ] ||
    fail "key lines are not ID CREATED HEX64"
[ "$(ls "$dir")" = "$(printf 'err\nkeys\nout')" ] ||
    fail "files left in the directory: $(ls "$dir")"

# The key file the config names; it need not exist yet.
clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db" "$dir/ring"
run 0 keygen -c "$dir/npsgate.conf"
[ "$(cat "$dir/out")" = "npsgate keygen: added key 1 to $dir/ring" ] ||
    fail "config key file: got '$(cat "$dir/out")'"

# A key file others can read is refused, with the fix, and left alone.
chmod 644 "$dir/ring"
before=$(cat "$dir/ring")
run 1 keygen --config "$dir/npsgate.conf"
grep -q "chmod 600 $dir/ring" "$dir/err" ||
    fail "no chmod hint: $(cat "$dir/err")"
[ "$(cat "$dir/ring")" = "$before" ] || fail "refused key file was changed"

run 2 keygen stray-argument
run 2 keygen --no-such-option
run 3 keygen -c "$dir/missing.conf"
grep -q "missing.conf" "$dir/err" || fail "config error does not name the file"
run 0 keygen --help
grep -q "usage: npsgate keygen" "$dir/out" || fail "--help prints no usage"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: keygen"
