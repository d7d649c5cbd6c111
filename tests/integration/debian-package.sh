#!/bin/sh
# debian-package.sh - npsgate as a Debian package, from build to purge:
#   - dpkg-buildpackage -us -uc -b builds it from a copy of the source
#     tree (the git checkout's files, nothing built), and lintian finds no
#     error in it;
#   - apt-get install ./npsgate_*.deb creates the system user npsgate,
#     /var/lib/npsgate (0750 npsgate) and /etc/npsgate (0750 root:npsgate)
#     with npsgate.conf as a conffile, the first signing key (0600
#     npsgate) and an empty IMAP password file (0640 root:npsgate); it
#     enables the milter, the hook and the release timer, whose condition
#     keeps them from starting while the config names no reply address
#     (the release job, which runs as root, also while the milter has not
#     created the store); no maintainer script touches Postfix;
#   - set up as README.Debian says, the installed programs work with the
#     package's paths as user npsgate (a survey through npsgate rewrite,
#     its answer through npsgate ingest, npsgate report), and the demo
#     (tests/integration/demo.sh) runs the whole mail path through Postfix
#     and Dovecot with the installed programs;
#   - a store newer than the programs is refused with a clear message;
#   - an upgrade to a higher version keeps the config, the key and the
#     answers;
#   - apt-get remove keeps /etc/npsgate (config, key, password) and the
#     store with its answers; apt-get purge leaves nothing of npsgate but
#     its system user, which this test then deletes.
# About 4 minutes, most of it the build with its make check
# (DEB_BUILD_OPTIONS=nocheck in the environment leaves that out).
# Skips (77) under NPSGATE_UNIT_ONLY=1, when not root, without
# dpkg-buildpackage, debhelper, lintian or git, outside a git checkout, or
# when npsgate is already installed on this machine (it would be purged).
set -u

[ "${NPSGATE_UNIT_ONLY:-}" = 1 ] && { echo "SKIP: NPSGATE_UNIT_ONLY=1"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin
export PATH
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (installs a package)"; exit 77; }
for c in dpkg-buildpackage dh lintian fakeroot git apt-get sqlite3; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "SKIP: $c is missing (apt-get install -y dpkg-dev" \
		    "debhelper lintian fakeroot git sqlite3)"
		exit 77
	}
done
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "SKIP: $top_srcdir is not a git checkout"; exit 77; }
if dpkg-query -W -f '${db:Status-Status}' npsgate 2>/dev/null |
    grep -qv '^not-installed$'; then
	echo "SKIP: the npsgate package is already on this machine; not touching it"
	exit 77
fi
export DEBIAN_FRONTEND=noninteractive
# The package's build runs its own make and make check: nothing of the
# make that runs this test (its TESTS, its job server) may reach them.
unset MAKEFLAGS MFLAGS MAKELEVEL TESTS TEST_SUITE_LOG

T=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-deb.XXXXXX") || exit 99
chmod 755 "$T"
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
ok() {
	echo "ok: $*"
}
# Whatever happens, the machine ends as it was: the package purged, the
# user it created deleted.
had_user=
getent passwd npsgate >/dev/null 2>&1 && had_user=1
cleanup() {
	if dpkg-query -W -f '${db:Status-Status}' npsgate 2>/dev/null |
	    grep -qv '^not-installed$'; then
		apt-get purge -y -qq npsgate >/dev/null 2>&1 ||
		    dpkg --purge npsgate >/dev/null 2>&1
	fi
	if [ -z "$had_user" ] && getent passwd npsgate >/dev/null 2>&1; then
		userdel npsgate >/dev/null 2>&1
		getent group npsgate >/dev/null 2>&1 &&
		    groupdel npsgate >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
start=$(date +%s)

# mode PATH: "MODE USER:GROUP" of PATH.
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
# installed: the package's state (installed, config-files, not-installed).
installed() {
	dpkg-query -W -f '${db:Status-Status}' npsgate 2>/dev/null ||
	    echo not-installed
}
# answers: the number of answers in the package's store.
answers() {
	sqlite3 /var/lib/npsgate/npsgate.db \
	    'SELECT count(*) FROM responses' 2>/dev/null
}
CONF=/etc/npsgate/npsgate.conf
# traces: every path named after npsgate in the system's directories
# (logs and temporary files aside), to compare before and after.
traces() {
	find /etc /lib /usr /var /run -name '*npsgate*' ! -path '/var/log/*' \
	    ! -path '/var/tmp/*' 2>/dev/null | LC_ALL=C sort
}
traces >"$T/traces.before"

# --- build -------------------------------------------------------------
# The checkout's files as they are (committed or not), without anything
# built in the tree.
version=$(sed -n '1s/^npsgate (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
[ -n "$version" ] || { echo "FAIL: no version in debian/changelog"; exit 1; }
S=$T/build/npsgate-$version
mkdir -p "$S"
(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh |
    tar -c -T - -f -) | tar -x -C "$S" ||
    { echo "FAIL: cannot copy the source tree"; exit 1; }
if ! (cd "$S" && unset top_srcdir top_builddir &&
    DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" &&
    export DEB_BUILD_OPTIONS && timeout 900 dpkg-buildpackage -us -uc -b) \
    >"$T/build.log" 2>&1; then
	tail -40 "$T/build.log"
	echo "FAIL: dpkg-buildpackage -us -uc -b"
	exit 1
fi
deb=$(ls "$T"/build/npsgate_"$version"_*.deb 2>/dev/null)
[ -f "$deb" ] || { echo "FAIL: no npsgate_${version}_*.deb built"; exit 1; }
ok "dpkg-buildpackage built $(basename "$deb") in $(($(date +%s) - start)) s"
npass=$(sed -n 's/^# PASS: *//p' "$T/build.log" | head -n 1)
case " ${DEB_BUILD_OPTIONS:-} " in
*" nocheck "*)
	echo "# DEB_BUILD_OPTIONS=nocheck: the build ran no test" ;;
*)
	[ "${npass:-0}" -gt 0 ] && grep -q '^# FAIL: *0$' "$T/build.log" &&
	    ok "the build ran make check: $npass passed" ||
	    fail "the package's build did not pass make check (${npass:-no} test passed)" ;;
esac

# --- lintian -----------------------------------------------------------
# Every package built; a warning that is not an error must be overridden
# in debian/ with the reason, so warnings fail too.
lintian --fail-on error,warning --tag-display-limit 0 "$T"/build/*.deb \
    >"$T/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$T/lintian.log" | sed 's/^/# lintian: /'
[ "$rc" -eq 0 ] && ok "lintian: no error, no warning ($(($(date +%s) - start)) s so far)" ||
    fail "lintian reports errors or warnings"

# --- install -----------------------------------------------------------
if ! (cd "$T/build" && apt-get install -y "./$(basename "$deb")") \
    >"$T/install.log" 2>&1; then
	tail -30 "$T/install.log"
	echo "FAIL: apt-get install -y ./$(basename "$deb")"
	exit 1
fi
ok "apt-get install ./$(basename "$deb")"
for p in /usr/bin/npsgate /usr/sbin/npsgate-milter /usr/sbin/npsgate-imapd-hook; do
	got=$("$p" --version 2>&1 | head -n 1)
	[ "$got" = "$(basename "$p") ${version%%[-+]*}" ] ||
	    fail "$p --version says '$got'"
done
[ -f /usr/share/npsgate/templates/fr/texts.ini ] ||
    fail "the templates are not in /usr/share/npsgate/templates"
for m in npsgate.1 npsgate.conf.5 npsgate-milter.8 npsgate-imapd-hook.8; do
	[ -f "/usr/share/man/man${m##*.}/$m.gz" ] || fail "man page $m missing"
done
uid=$(getent passwd npsgate | cut -d: -f3)
if [ -z "$uid" ]; then
	fail "no user npsgate"
else
	[ "$uid" -lt 1000 ] || fail "npsgate is not a system user (uid $uid)"
	case $(getent passwd npsgate | cut -d: -f7) in
	*/nologin|/bin/false) ;;
	*) fail "npsgate has a login shell" ;;
	esac
	ok "system user npsgate (uid $uid)"
fi
[ "$(mode /var/lib/npsgate)" = "750 npsgate:npsgate" ] &&
    ok "/var/lib/npsgate: 750 npsgate:npsgate" ||
    fail "/var/lib/npsgate is $(mode /var/lib/npsgate), expected 750 npsgate:npsgate"
[ "$(mode /etc/npsgate)" = "750 root:npsgate" ] &&
    ok "/etc/npsgate: 750 root:npsgate" ||
    fail "/etc/npsgate is $(mode /etc/npsgate), expected 750 root:npsgate"
dpkg-query -W -f '${Conffiles}\n' npsgate | grep -q " $CONF " &&
    ok "$CONF is a conffile" || fail "$CONF is not a conffile"
[ "$(mode /etc/npsgate/keys)" = "600 npsgate:npsgate" ] &&
    grep -q . /etc/npsgate/keys &&
    ok "first signing key /etc/npsgate/keys: 600 npsgate:npsgate" ||
    fail "/etc/npsgate/keys is '$(mode /etc/npsgate/keys)', expected 600 npsgate:npsgate"
[ "$(mode /etc/npsgate/imap.pass)" = "640 root:npsgate" ] &&
    ok "/etc/npsgate/imap.pass: 640 root:npsgate" ||
    fail "/etc/npsgate/imap.pass is '$(mode /etc/npsgate/imap.pass)', expected 640 root:npsgate"
key_sum=$(md5sum </etc/npsgate/keys)

# Enabled: the symlinks deb-systemd-helper makes, with or without a
# running systemd.
for u in multi-user.target.wants/npsgate-milter.service \
    multi-user.target.wants/npsgate-imapd-hook.service \
    timers.target.wants/npsgate-release.timer; do
	[ -L "/etc/systemd/system/$u" ] || fail "$u is not enabled"
done
ok "npsgate-milter, npsgate-imapd-hook and npsgate-release.timer enabled"
# Not started: the condition each service runs before it starts, run here
# as systemd runs it, says no while the config names no reply address.
condition() {	# condition UNIT: the unit's ExecCondition, run as its User=
	c=$(sed -n 's/^ExecCondition=//p' \
	    /lib/systemd/system/"$1".service.d/*.conf \
	    /usr/lib/systemd/system/"$1".service.d/*.conf 2>/dev/null |
	    head -n 1)
	[ -n "$c" ] || { echo "no ExecCondition for $1"; return 2; }
	c=$(printf '%s\n' "$c" | sed "s/%n/$1.service/g")
	u=$(sed -n 's/^User=//p' /lib/systemd/system/"$1".service \
	    /usr/lib/systemd/system/"$1".service 2>/dev/null | head -n 1)
	runuser -u "${u:-root}" -- sh -c "$c" 2>&1
}
for u in npsgate-milter npsgate-imapd-hook npsgate-release; do
	out=$(condition "$u")
	rc=$?
	[ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q 'reply_address' ||
	    fail "$u: its condition says $rc ('$out') on the unconfigured config, expected 1"
done
ok "unconfigured, the services' condition keeps them from starting: $(condition npsgate-milter)"
if [ -d /run/systemd/system ]; then
	for u in npsgate-milter npsgate-imapd-hook; do
		systemctl is-enabled --quiet "$u" || fail "systemctl: $u not enabled"
		systemctl is-active --quiet "$u" && fail "systemctl: $u runs unconfigured"
	done
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify --man=no npsgate-milter.service \
	    npsgate-imapd-hook.service npsgate-release.service \
	    npsgate-release.timer >"$T/verify.log" 2>&1 &&
	    ok "systemd-analyze verify accepts the installed units" ||
	    fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
# Postfix is the administrator's: no maintainer script starts, stops,
# restarts, reloads or configures it (comments and paths are left out:
# purge removes npsgate's own socket directory under Postfix's queue).
if cat /var/lib/dpkg/info/npsgate.*inst /var/lib/dpkg/info/npsgate.*rm \
    2>/dev/null | sed -e 's/#.*//' -e 's#/[^[:space:]]*##g' |
    grep -iwE 'postfix|postconf|postsuper'; then
	fail "a maintainer script acts on Postfix"
else
	ok "no maintainer script acts on Postfix"
fi

# --- configured, as README.Debian says ------------------------------------
sed -i 's/^;reply_address = .*/reply_address = nps@reply.example/' "$CONF"
printf 'secret\n' >/etc/npsgate/imap.pass
[ "$(mode /etc/npsgate/imap.pass)" = "640 root:npsgate" ] ||
    fail "writing the password changed imap.pass's mode"
for u in npsgate-milter npsgate-imapd-hook; do
	out=$(condition "$u") || fail "$u: configured, its condition still says no: $out"
done
ok "configured, the services' condition lets them start"
# The release job runs as root: it waits for the store the milter creates
# as npsgate.
out=$(condition npsgate-release)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q 'npsgate.db does not exist' &&
    ok "without a store, the release job's condition says: $out" ||
    fail "npsgate-release: without a store its condition says '$out', expected 1"
as_npsgate() { runuser -u npsgate -- "$@"; }
if as_npsgate npsgate check-config --strict -c "$CONF" >"$T/dump" 2>"$T/err"; then
	ok "npsgate check-config --strict, as npsgate"
else
	fail "npsgate check-config --strict as npsgate: $(cat "$T/err")"
fi
grep -q '^templates_dir = /usr/share/npsgate/templates$' "$T/dump" ||
    fail "templates_dir is not /usr/share/npsgate/templates: $(grep templates_dir "$T/dump")"

# A survey as the milter records it, its answer as the hook stores it, and
# the report: the installed programs, the package's key, templates and
# store, as the services' user.
as_npsgate npsgate rewrite -c "$CONF" \
    </usr/share/npsgate/templates/sample-survey.eml >"$T/survey.eml" 2>"$T/err" ||
    fail "npsgate rewrite as npsgate: $(cat "$T/err")"
to=$(sed -n 's/^Reply-To: *.*<\{0,1\}\(nps+[^>@]*@[^> ]*\).*/\1/p' "$T/survey.eml" |
    head -n 1)
[ -n "$to" ] || fail "the survey mail has no Reply-To with a token"
{
	printf 'From: <marie.dupont@client.example>\r\nTo: <%s>\r\n' "$to"
	printf 'Subject: Note : 9/10\r\nMessage-ID: <deb1@client.example>\r\n'
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Ma note : 9/10\r\n'
} >"$T/reply.eml"
chmod 644 "$T/reply.eml"
as_npsgate npsgate ingest -c "$CONF" "$T/reply.eml" >"$T/ingest.out" 2>&1 ||
    fail "npsgate ingest as npsgate: $(cat "$T/ingest.out")"
as_npsgate npsgate report -c "$CONF" >"$T/report" 2>&1 ||
    fail "npsgate report as npsgate: $(cat "$T/report")"
if grep -Eq '^total +1 +1 ' "$T/report" && [ "$(answers)" = 1 ]; then
	ok "survey, answer and report in /var/lib/npsgate/npsgate.db"
else
	cat "$T/report"
	fail "the report of the package's store does not count 1 sent, 1 answered"
fi
[ "$(stat -c %U /var/lib/npsgate/npsgate.db 2>/dev/null)" = npsgate ] ||
    fail "the store is not npsgate's: $(mode /var/lib/npsgate/npsgate.db)"
out=$(condition npsgate-release) &&
    ok "with the store, the release job's condition lets it run" ||
    fail "npsgate-release: with the store its condition says no: $out"

# The mail path with the installed programs: the demo's Postfix, Dovecot,
# milter and hook.
if command -v postfix >/dev/null 2>&1 && command -v dovecot >/dev/null 2>&1 &&
    command -v swaks >/dev/null 2>&1; then
	mkdir -p "$T/demo"
	NPSGATE=/usr/bin/npsgate NPSGATE_MILTER=/usr/sbin/npsgate-milter \
	    NPSGATE_HOOK=/usr/sbin/npsgate-imapd-hook \
	    timeout 180 sh "$top_srcdir/tests/integration/demo.sh" "$T/demo" \
	    >"$T/demo.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -Eq '^total +3 +3 ' "$T/demo.log"; then
		ok "the demo with the installed programs: 3 surveys, 3 answers"
	else
		tail -30 "$T/demo.log"
		fail "tests/integration/demo.sh with the installed programs exited $rc"
	fi
else
	echo "# no Postfix, Dovecot or swaks: the demo is not run"
fi

# --- a store newer than the programs ---------------------------------------
cp /var/lib/npsgate/npsgate.db "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 9999;'
sed "s|^path = /var/lib/npsgate/npsgate.db|path = $T/newer.db|" "$CONF" \
    >"$T/newer.conf"
if npsgate report -c "$T/newer.conf" >"$T/newer.out" 2>&1; then
	fail "npsgate report opened a store of schema 9999"
elif grep -q 'schema version 9999 is newer than this npsgate' "$T/newer.out"; then
	ok "a newer store is refused: $(head -n 1 "$T/newer.out")"
else
	fail "a newer store is refused without saying why: $(cat "$T/newer.out")"
fi
[ "$(sqlite3 "$T/newer.db" 'PRAGMA user_version')" = 9999 ] ||
    fail "the newer store was changed"

# --- upgrade ---------------------------------------------------------------
# The same build as version VERSION+1: the maintainer scripts run as in an
# upgrade (postinst configure OLD-VERSION).
R=$T/repack
dpkg-deb -R "$deb" "$R"
sed -i "s/^Version: .*/Version: $version+1/" "$R/DEBIAN/control"
deb2=$T/build/npsgate_${version}+1_$(dpkg --print-architecture).deb
dpkg-deb -b "$R" "$deb2" >/dev/null 2>&1 ||
    fail "cannot build the version $version+1 package"
if (cd "$T/build" && apt-get install -y "./$(basename "$deb2")") \
    >"$T/upgrade.log" 2>&1; then
	got=$(dpkg-query -W -f '${Version}' npsgate)
	[ "$got" = "$version+1" ] && ok "upgraded to $got" ||
	    fail "after the upgrade the version is $got"
else
	tail -20 "$T/upgrade.log"
	fail "apt-get install ./$(basename "$deb2") (upgrade)"
fi
grep -q '^reply_address = nps@reply.example' "$CONF" ||
    fail "the upgrade lost the configured reply address"
[ -e "$CONF.dpkg-dist" ] || [ -e "$CONF.dpkg-old" ] &&
    fail "the upgrade left $CONF.dpkg-*"
[ "$(md5sum </etc/npsgate/keys)" = "$key_sum" ] ||
    fail "the upgrade changed the key file"
[ "$(mode /etc/npsgate/keys)" = "600 npsgate:npsgate" ] ||
    fail "the upgrade changed the key file's mode: $(mode /etc/npsgate/keys)"
[ "$(mode /etc/npsgate)" = "750 root:npsgate" ] ||
    fail "the upgrade changed /etc/npsgate: $(mode /etc/npsgate)"
as_npsgate npsgate report -c "$CONF" >"$T/report" 2>&1
grep -Eq '^total +1 +1 ' "$T/report" &&
    ok "after the upgrade: config, key and the answer kept" ||
    fail "after the upgrade the report says: $(cat "$T/report")"

# --- remove ----------------------------------------------------------------
apt-get remove -y npsgate >"$T/remove.log" 2>&1 ||
    { tail -20 "$T/remove.log"; fail "apt-get remove npsgate"; }
[ "$(installed)" = config-files ] || fail "after remove the package is '$(installed)'"
for p in /usr/bin/npsgate /usr/sbin/npsgate-milter /usr/sbin/npsgate-imapd-hook \
    /usr/share/npsgate /lib/systemd/system/npsgate-milter.service; do
	[ -e "$p" ] && fail "remove left $p"
done
[ -f "$CONF" ] && [ "$(mode /etc/npsgate/keys)" = "600 npsgate:npsgate" ] &&
    [ "$(md5sum </etc/npsgate/keys)" = "$key_sum" ] &&
    [ -f /etc/npsgate/imap.pass ] ||
    fail "remove did not keep the config, the key and the password"
[ "$(answers)" = 1 ] ||
    fail "remove did not keep the store's answer ($(answers))"
getent passwd npsgate >/dev/null || fail "remove deleted the user npsgate"
ok "remove: programs gone; config, key, password and the store's answer kept"

# --- purge -----------------------------------------------------------------
apt-get purge -y npsgate >"$T/purge.log" 2>&1 ||
    { tail -20 "$T/purge.log"; fail "apt-get purge npsgate"; }
[ "$(installed)" = not-installed ] || fail "after purge the package is '$(installed)'"
traces >"$T/traces.after"
left=$(comm -13 "$T/traces.before" "$T/traces.after")
[ -z "$left" ] && ok "purge: nothing named npsgate left in /etc /lib /usr /var /run" ||
    fail "purge left: $left"
getent passwd npsgate >/dev/null &&
    ok "purge keeps the system user npsgate (README.Debian)" ||
    fail "purge deleted the user npsgate, README.Debian says it stays"

echo "# $(($(date +%s) - start)) s in all"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
