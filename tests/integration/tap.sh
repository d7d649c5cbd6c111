# tap.sh - the counting of the integration tests that say "ok - WHAT" and
# "not ok - WHAT" (postfix-milter.sh, followup.sh); sourced after the rig,
# whose store sql reads.
#
#	ok WHAT / notok WHAT	one line, counted in pass / fail
#	check WHAT COMMAND...	ok when COMMAND succeeds (its output hidden)
#	sql SQL			sqlite3 on the rig's store, 5 s busy timeout
#	tap_watchdog NAME S	never hang: after S seconds, "NAME: timeout"
#				and SIGTERM to this shell
#	tap_finish NAME DIR	stops the watchdog; removes DIR when nothing
#				failed and KEEP is not set, else says where
#				the files are kept (for the EXIT trap)
#	tap_done		"# N passed, M failed"; 0 when none failed

pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi
}
sql() { sqlite3 -cmd ".timeout 5000" "$RIG/db/npsgate.db" "$1"; }

tap_watchdog() {
	( sleep "$2" && { echo "$1: timeout"; kill -TERM $$; } ) \
	    2>/dev/null &
	TAP_WATCHDOG=$!
}

tap_finish() {
	# The watchdog's sleep, and with it the watchdog itself.
	[ -n "${TAP_WATCHDOG:-}" ] && pkill -P "$TAP_WATCHDOG" 2>/dev/null
	if [ "$fail" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$2"
	else
		echo "$1: files kept in $2"
	fi
}

tap_done() {
	echo "# $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
