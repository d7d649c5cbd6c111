# clitest.sh - what the tests that drive the npsgate program share;
# sourced by tests/cli/*.sh and by the browser tests of tests/integration/.
#
#	clitest_init NAME	NPSGATE (the program under test, exit 99
#				when it is not built), SRC (the source
#				tree), dir (a new directory of the test's
#				own, $TMPDIR/npsgate-NAME.XXXXXX, removed on
#				exit; INT and TERM exit 99), fails=0
#	fail MESSAGE		"FAIL: MESSAGE" on stderr, counted in fails
#	run STATUS ARGS...	npsgate ARGS within CLITEST_TIMEOUT seconds
#				(20 unless set); stdout in $dir/out, stderr
#				in $dir/err; a failure unless it exits STATUS
#	clitest_conf FILE DB [KEY_FILE [GENERAL_LINE]]
#				FILE: a valid config for the store DB, the
#				key file KEY_FILE ($dir/keys by default),
#				the extra [general] line given, a milter
#				socket and an IMAP password file ($dir/
#				imap.pass) that are never used; the caller
#				appends its own sections
#	clitest_chromium	CHROMIUM, the headless browser, or exit 77
#				(skip) when none is installed
#
# The tests run from make check with top_srcdir and top_builddir set;
# run by hand, the build is the current directory and the source tree the
# one the test is in.

NPSGATE="${top_builddir:-.}/npsgate"
SRC="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"

clitest_init() {
	[ -x "$NPSGATE" ] ||
	    { echo "npsgate not built: $NPSGATE" >&2; exit 99; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-$1.XXXXXX") || exit 99
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 99' INT TERM
	fails=0
}

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

run() {
	want=$1
	shift
	timeout "${CLITEST_TIMEOUT:-20}" "$NPSGATE" "$@" >"$dir/out" \
	    2>"$dir/err"
	got=$?
	[ "$got" -eq "$want" ] ||
	    fail "npsgate $* exited $got, expected $want: $(cat "$dir/err")"
}

clitest_conf() {
	cat >"$1" <<EOF
[general]
reply_address = nps@reply.example
key_file = ${3:-$dir/keys}
${4:-}
[store]
path = $2
[milter]
socket = inet:8891@127.0.0.1
[imap]
host = 127.0.0.1
user = nps
password_file = $dir/imap.pass
EOF
}

clitest_chromium() {
	CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
	if [ -z "$CHROMIUM" ]; then
		echo "SKIP: chromium is not installed (apt-get install -y chromium)"
		exit 77
	fi
}
