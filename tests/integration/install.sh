#!/bin/sh
# install.sh - `make install DESTDIR=...` puts everything where npsgate
# looks for it, and `make uninstall` takes it all back:
#   - the three programs, which run and print the package's version;
#   - the templates, file for file, in $(pkgdatadir)/templates/{fr,en},
#     the directory the installed npsgate uses by default;
#   - the sample config as $(sysconfdir)/npsgate/npsgate.conf.sample, valid
#     for the installed npsgate check-config, and no npsgate.conf;
#   - the manual pages, which groff -ww renders without a warning, with a
#     NAME line man-db can index, npsgate.conf(5) covering every key of
#     the sample;
#   - the systemd units and the sysusers.d / tmpfiles.d snippets with every
#     @dir@ replaced, ExecStart naming installed programs; as root,
#     systemd-sysusers and systemd-tmpfiles apply the snippets to an
#     alternate root.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
# A make started from `make check` must not join its job server.
unset MAKEFLAGS MFLAGS MAKELEVEL
MAKE=${MAKE:-make}

dir=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-install.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM HUP
D=$dir/dest
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
ok() {
	echo "ok: $*"
}

# var NAME: the value of a make variable of the build's Makefile.
printf 'print-%%:\n\t@echo $($*)\n' >"$dir/print.mk"
var() {
	$MAKE -s --no-print-directory -C "$top_builddir" -f Makefile \
	    -f "$dir/print.mk" "print-$1"
}
prefix=$(var prefix)
bindir=$(var bindir)
sbindir=$(var sbindir)
sysconfdir=$(var sysconfdir)
pkgdatadir=$(var pkgdatadir)
mandir=$(var mandir)
unitdir=$(var systemdsystemunitdir)
sysusersdir=$(var sysusersdir)
tmpfilesdir=$(var tmpfilesdir)
version=$(var PACKAGE_VERSION)
[ -n "$prefix" ] && [ -n "$version" ] ||
    { echo "FAIL: cannot read the Makefile's variables"; exit 1; }

if ! timeout 300 $MAKE -C "$top_builddir" install DESTDIR="$D" \
    >"$dir/install.log" 2>&1; then
	tail -30 "$dir/install.log"
	echo "FAIL: make install DESTDIR=$D"
	exit 1
fi
ok "make install DESTDIR (prefix $prefix)"

# --- programs ----------------------------------------------------------
for p in "$bindir/npsgate" "$sbindir/npsgate-milter" \
    "$sbindir/npsgate-imapd-hook"; do
	name=$(basename "$p")
	if [ ! -x "$D$p" ]; then
		fail "$p is not installed"
		continue
	fi
	got=$("$D$p" --version 2>&1 | head -n 1)
	[ "$got" = "$name $version" ] &&
	    ok "$p --version: $got" ||
	    fail "$p --version said '$got', expected '$name $version'"
done

# --- templates -----------------------------------------------------------
for lang in fr en; do
	[ -d "$D$pkgdatadir/templates/$lang" ] ||
	    fail "$pkgdatadir/templates/$lang is missing"
done
n=0
for f in $(cd "$top_srcdir" && find templates -type f ! -name '.*' ! -name '*~'); do
	n=$((n + 1))
	cmp -s "$top_srcdir/$f" "$D$pkgdatadir/$f" ||
	    fail "$pkgdatadir/$f differs from the source or is missing"
done
[ "$n" -gt 0 ] && ok "$n template files in $pkgdatadir/templates" ||
    fail "no template in $top_srcdir/templates"

# --- configuration -------------------------------------------------------
sample=$D$sysconfdir/npsgate/npsgate.conf.sample
if cmp -s "$top_srcdir/etc/npsgate.conf.sample" "$sample"; then
	ok "$sysconfdir/npsgate/npsgate.conf.sample"
else
	fail "$sysconfdir/npsgate/npsgate.conf.sample missing or different"
fi
[ -e "$D$sysconfdir/npsgate/npsgate.conf" ] &&
    fail "make install wrote $sysconfdir/npsgate/npsgate.conf (it must only ship the sample)"
if [ -x "$D$bindir/npsgate" ] && [ -f "$sample" ]; then
	if "$D$bindir/npsgate" check-config -c "$sample" >"$dir/dump" \
	    2>"$dir/err"; then
		ok "installed npsgate check-config accepts the sample"
	else
		fail "npsgate check-config -c sample: $(cat "$dir/err")"
	fi
	# The programs look for the templates where they were installed.
	grep -q "^templates_dir = $pkgdatadir/templates\$" "$dir/dump" &&
	    ok "default templates_dir is $pkgdatadir/templates" ||
	    fail "default templates_dir is not $pkgdatadir/templates: $(grep templates_dir "$dir/dump")"
fi

# --- manual pages --------------------------------------------------------
pages="npsgate-milter.8 npsgate-imapd-hook.8 npsgate.conf.5"
[ -f "$top_srcdir/man/npsgate.1" ] && pages="npsgate.1 $pages"
for m in $pages; do
	sec=${m##*.}
	f=$D$mandir/man$sec/$m
	if [ ! -f "$f" ]; then
		fail "$mandir/man$sec/$m is not installed"
		continue
	fi
	if ! command -v groff >/dev/null 2>&1; then
		fail "$m: groff is needed to check it (apt-get install -y groff-base)"
		continue
	fi
	warn=$(groff -ww -man -Tutf8 "$f" 2>&1 >/dev/null)
	[ -z "$warn" ] && ok "$m renders with groff -ww, no warning" ||
	    fail "$m: groff -ww: $warn"
	if command -v lexgrog >/dev/null 2>&1; then
		lexgrog "$f" >/dev/null 2>&1 ||
		    fail "$m: man-db cannot read its NAME line (lexgrog)"
	fi
done
missing=
for k in $(sed -n 's/^;\{0,1\}\([a-z_]*\) *=.*/\1/p' \
    "$top_srcdir/etc/npsgate.conf.sample" | sort -u); do
	grep -q "^\.B $k\$" "$top_srcdir/man/npsgate.conf.5" ||
	    missing="$missing $k"
done
[ -z "$missing" ] && ok "npsgate.conf(5) describes every key of the sample" ||
    fail "npsgate.conf(5) lacks the keys:$missing"

# --- systemd -------------------------------------------------------------
if [ "$unitdir" != no ]; then
	units=$(var nps_units)
	for u in $units; do
		f=$D$unitdir/$(basename "$u")
		if [ ! -f "$f" ]; then
			fail "$unitdir/$(basename "$u") is not installed"
			continue
		fi
		grep -n '@[a-z]*@' "$f" &&
		    fail "$(basename "$u"): @dir@ left unreplaced"
		for x in $(sed -n 's/^Exec[A-Za-z]*=[-@!+:]*\([^ ]*\).*/\1/p' "$f"); do
			[ -x "$D$x" ] ||
			    fail "$(basename "$u"): $x is not an installed program"
		done
	done
	ok "units installed in $unitdir: $(for u in $units; do basename "$u"; done | tr '\n' ' ')"
	# systemd's own parser: every directive known and well-formed. The
	# programs are under DESTDIR, not yet where the units name them.
	if command -v systemd-analyze >/dev/null 2>&1 && [ -n "$units" ]; then
		(cd "$D$unitdir" && systemd-analyze verify --man=no \
		    $(for u in $units; do basename "$u"; done)) \
		    >"$dir/verify.log" 2>&1
		bad=$(grep -v 'Command .* is not executable' "$dir/verify.log")
		for x in $(sed -n 's/.*Command \([^ ]*\) is not executable.*/\1/p' \
		    "$dir/verify.log"); do
			[ -x "$D$x" ] || bad="$bad
$x is not executable"
		done
		[ -z "$bad" ] && ok "systemd-analyze verify accepts the units" ||
		    fail "systemd-analyze verify: $bad"
	fi
fi
for kind in sysusers tmpfiles; do
	eval "d=\$${kind}dir"
	[ "$d" = no ] && continue
	f=$D$d/npsgate.conf
	if [ ! -f "$f" ]; then
		fail "$d/npsgate.conf is not installed"
		continue
	fi
	grep -n '@[a-z]*@' "$f" && fail "$kind snippet: @dir@ left unreplaced"
	ok "$d/npsgate.conf"
done
# Apply the snippets to an empty root: the user and the directories exist
# afterwards, with the owners the snippet names.
if [ "$(id -u)" -eq 0 ] && [ "$sysusersdir" != no ] &&
    [ "$tmpfilesdir" != no ] && command -v systemd-sysusers >/dev/null &&
    command -v systemd-tmpfiles >/dev/null; then
	R=$dir/root
	mkdir -p "$R/etc"
	if ! systemd-sysusers --root="$R" "$D$sysusersdir/npsgate.conf" \
	    >"$dir/sysusers.log" 2>&1; then
		fail "systemd-sysusers: $(cat "$dir/sysusers.log")"
	elif ! grep -q '^npsgate:' "$R/etc/passwd"; then
		fail "systemd-sysusers did not create the user npsgate"
	else
		ok "systemd-sysusers creates the user npsgate"
		# tmpfiles resolves the names in the alternate root; the
		# milter's socket directory belongs to Postfix's group, which
		# the Postfix package makes.
		grep -q '^postfix:' "$R/etc/group" ||
		    echo 'postfix:x:990:' >>"$R/etc/group"
		uid=$(sed -n 's/^npsgate:[^:]*:\([0-9]*\):.*/\1/p' "$R/etc/passwd")
		systemd-tmpfiles --create --root="$R" \
		    "$D$tmpfilesdir/npsgate.conf" >"$dir/tmp.log" 2>&1 ||
		    fail "systemd-tmpfiles: $(cat "$dir/tmp.log")"
		d=$(sed -n 's/^d[[:space:]]*\([^[:space:]]*lib\/npsgate\).*/\1/p' \
		    "$D$tmpfilesdir/npsgate.conf")
		[ -n "$d" ] && [ "$(stat -c %u "$R$d" 2>/dev/null)" = "$uid" ] &&
		    ok "systemd-tmpfiles creates $d owned by npsgate" ||
		    fail "systemd-tmpfiles did not create $d for npsgate"
		s="$R/var/spool/postfix/npsgate"
		pgid=$(sed -n 's/^postfix:[^:]*:\([0-9]*\):.*/\1/p' "$R/etc/group")
		[ "$(stat -c '%u %g %a' "$s" 2>/dev/null)" = "$uid $pgid 2750" ] &&
		    ok "systemd-tmpfiles creates the socket directory, 2750 npsgate:postfix" ||
		    fail "socket directory: $(stat -c '%u %g %a' "$s" 2>&1)"
	fi
fi

# --- uninstall -------------------------------------------------------------
if timeout 300 $MAKE -C "$top_builddir" uninstall DESTDIR="$D" \
    >"$dir/uninstall.log" 2>&1; then
	left=$(find "$D" -type f -o -type l)
	[ -z "$left" ] && ok "make uninstall removes every file" ||
	    fail "make uninstall left: $left"
else
	tail -20 "$dir/uninstall.log"
	fail "make uninstall DESTDIR=$D"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
