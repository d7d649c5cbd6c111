#!/bin/sh
# tests/fuzz/run.sh [SECONDS [TARGET...]] - builds the libFuzzer targets
# (make fuzz) and runs each for SECONDS (default 60) on its seed corpus,
# tests/fuzz/seeds/NAME, and on the regression inputs,
# tests/fuzz/regressions/NAME. Fails on any crash, leak, timeout or broken
# promise, with the input saved as BUILDDIR/fuzz/crashes/NAME-crash-*;
# copy it to tests/fuzz/regressions/NAME/ so make check replays it.
# Run from the build directory (or set top_builddir). The corpus each run
# grows is kept in BUILDDIR/fuzz/corpus/NAME for the next run.
# Environment: FUZZ_JOBS (targets run at once, default 1),
# FUZZ_FLAGS (more libFuzzer flags).
# Longer run, as documented in tests/fuzz/README:
#   FUZZ_JOBS=2 tests/fuzz/run.sh 600
set -u
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-token config mime rewrite reply themes}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
[ -f "$top_builddir/Makefile" ] || {
	echo "run.sh: no Makefile in $top_builddir: run from the build" \
	    "directory or set top_builddir" >&2
	exit 2
}
top_builddir=$(cd "$top_builddir" && pwd)
fz=$top_builddir/fuzz
make -C "$top_builddir" fuzz || { echo "run.sh: make fuzz failed" >&2; exit 1; }
mkdir -p "$fz/crashes" "$fz/logs"

run_one() {	# run_one NAME: one target, its log in fuzz/logs/NAME.log
	t=$1
	mkdir -p "$fz/corpus/$t"
	dirs="$fz/corpus/$t"
	[ -d "$top_srcdir/tests/fuzz/seeds/$t" ] &&
	    dirs="$dirs $top_srcdir/tests/fuzz/seeds/$t"
	[ -d "$top_srcdir/tests/fuzz/regressions/$t" ] &&
	    dirs="$dirs $top_srcdir/tests/fuzz/regressions/$t"
	# Messages share the MIME dictionary.
	case $t in token|config) d=$t ;; *) d=mime ;; esac
	dict=-dict=$top_srcdir/tests/fuzz/dict/$d.dict
	# shellcheck disable=SC2086
	(cd "$fz" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	    "$fz/fuzz_$t" -max_total_time="$secs" -timeout=25 \
	    -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$fz/crashes/$t-" $dict ${FUZZ_FLAGS:-} \
	    $dirs) >"$fz/logs/$t.log" 2>&1
	echo $? >"$fz/logs/$t.rc"
}

# Runs FUZZ_JOBS targets at a time.
jobs=${FUZZ_JOBS:-1}
set -- 
for t in $targets; do
	if [ ! -x "$fz/fuzz_$t" ]; then
		echo "run.sh: fuzz_$t not built, skipped" >&2
		continue
	fi
	set -- "$@" "$t"
	rm -f "$fz/logs/$t.rc"
done
ran="$*"
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
		echo "run.sh: fuzz_$1 for ${secs}s"
		run_one "$1" &
		shift
		n=$((n + 1))
	done
	wait
done

fail=0
printf '\n%-8s %12s %10s %8s %8s  %s\n' target execs exec/s corpus crashes \
    result
for t in $ran; do
	log=$fz/logs/$t.log
	rc=$(cat "$fz/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	corpus=$(ls "$fz/corpus/$t" | wc -l)
	crashes=$(grep -c '^==[0-9]*==ERROR\|^SUMMARY: \|broken promise' "$log")
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, see $log)"
		fail=1
		[ "$crashes" -eq 0 ] && crashes=1
	fi
	printf '%-8s %12s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" \
	    "$corpus" "$crashes" "$result"
done
if [ "$fail" -ne 0 ]; then
	echo
	for t in $ran; do
		rc=$(cat "$fz/logs/$t.rc" 2>/dev/null || echo 1)
		[ "$rc" -eq 0 ] && continue
		echo "--- fuzz_$t:"
		grep -m1 -B2 -A25 'ERROR\|broken promise\|SUMMARY' \
		    "$fz/logs/$t.log" | head -40
		ls "$fz/crashes/$t-"* 2>/dev/null
	done
fi
exit $fail
