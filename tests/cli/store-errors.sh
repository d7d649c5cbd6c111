#!/bin/sh
# store-errors.sh - a store that cannot be opened is the work failing
# (exit 1, the store named), for every verb of the CLI that opens one;
# exit 3 stays for a configuration or key file to fix. A script (a pipe,
# a cron job) can then tell "fix the config" from "the store is broken".
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init store-errors

clitest_conf "$dir/ok.conf" "$dir/npsgate.db"
run 0 keygen -c "$dir/ok.conf"
printf 'From: c@example.com\r\nTo: nps@reply.example\r\nMessage-ID: <m@c>\r\n' \
    >"$dir/reply.eml"
printf 'Subject: Re: avis\r\n\r\n9\r\n' >>"$dir/reply.eml"

# The store's directory does not exist; the store is a directory; the
# store is a file that is not a database.
clitest_conf "$dir/nodir.conf" "$dir/no-such-dir/npsgate.db"
mkdir "$dir/isdir.db"
clitest_conf "$dir/isdir.conf" "$dir/isdir.db"
head -c 8192 /dev/urandom >"$dir/garbage.db"
clitest_conf "$dir/garbage.conf" "$dir/garbage.db"
for c in nodir isdir garbage; do
	run 1 ingest -c "$dir/$c.conf" "$dir/reply.eml"
	db=$(sed -n 's/^path = //p' "$dir/$c.conf")
	grep -qF "npsgate ingest: store $db" "$dir/err" ||
	    fail "ingest, $c: the store is not named: $(cat "$dir/err")"
	run 1 followup -c "$dir/$c.conf" "$dir/reply.eml"
	run 1 followup-retry -c "$dir/$c.conf"
	run 1 responses -c "$dir/$c.conf"
	run 1 stats -c "$dir/$c.conf"
done

# What a person must fix in the configuration is still 3.
run 3 ingest -c "$dir/missing.conf" "$dir/reply.eml"
clitest_conf "$dir/nokeys.conf" "$dir/npsgate.db" "$dir/no-such-keys"
run 3 ingest -c "$dir/nokeys.conf" "$dir/reply.eml"
grep -q "no-such-keys" "$dir/err" ||
    fail "key file not named: $(cat "$dir/err")"
printf '[store]\nbusy_timeout_ms = fast\n' >>"$dir/nokeys.conf"
run 3 ingest -c "$dir/nokeys.conf" "$dir/reply.eml"

# And a store that works: 0.
run 0 ingest -c "$dir/ok.conf" "$dir/reply.eml"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: store-errors"
