#!/bin/sh
# docs-commands.sh - the commands of the guides in doc/ work as written.
#
# Every ```sh block of doc/*.md must be introduced by one of
#	<!-- test -->			run here
#	<!-- covered-by: PATH -->	PATH (a test in the tree) runs the same
#					steps against real servers
# on the line before it (blank lines allowed); an unmarked ```sh block is a
# failure. Untagged ``` blocks are configuration excerpts and are not run
# (one whose first word is a command is named in a note, in the log).
#
# The "test" blocks run in order, guide by guide (alphabetical), each as
# `sh -e`, in a scratch directory S standing in for the root of a machine
# built with --prefix=/usr --sysconfdir=/etc --localstatedir=/var:
#   - the paths /etc/npsgate, /var/lib/npsgate, /var/backups/npsgate,
#     /run/npsgate and /tmp/ in a block are rewritten into S, and
#     /usr/share/npsgate into the source tree;
#   - npsgate, npsgate-milter and npsgate-imapd-hook are the programs just
#     built, given -c S/etc/npsgate/npsgate.conf when the command names no
#     config and that file exists; S/etc/npsgate/npsgate.conf.sample is
#     the sample with its paths moved into S;
#   - systemd-sysusers and systemd-tmpfiles apply etc/npsgate.sysusers and
#     etc/npsgate.tmpfiles to S (--root), chown resolves npsgate in S's
#     /etc/passwd, and systemctl only checks that the units it is given
#     exist in etc/ (nothing is started).
# Once a block has created the key file, the store gets three surveys
# (npsgate rewrite, as the milter records them) and two answers (npsgate
# ingest), so that backups, exports, purge and forget act on real rows.
# At the end: the backup holds the surveys, and the address given to
# `npsgate forget` is nowhere in the store's files.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
PY=${PYTHON3:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: python3 is needed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is needed"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/npsgate-docs.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM HUP
S=$dir/root
B=$dir/blocks
mkdir -p "$S/bin" "$S/etc/npsgate" "$S/tmp" "$S/work" "$B"
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# --- the blocks ----------------------------------------------------------
# Writes B/NNN.sh (rewritten) and B/NNN.where ("doc/x.md:LINE") for each
# test block, and prints "FAIL: ..." for unmarked or badly marked blocks.
"$PY" - "$top_srcdir" "$S" "$B" <<'EOF' >"$dir/extract.out" || exit 99
import glob, os, re, sys
src, root, out = sys.argv[1:4]
marker = re.compile(r"^<!--\s*(test|covered-by:\s*(\S+))\s*-->\s*$")
paths = re.compile(r"(?<![\w./-])(/etc/npsgate|/var/lib/npsgate|"
                   r"/var/backups/npsgate|/run/npsgate|/usr/share/npsgate|/tmp/)")
def move(m):
    p = m.group(1)
    if p == "/usr/share/npsgate":
        return src
    return root + p
commands = {"apt-get", "chmod", "chown", "cp", "doveadm", "install", "ln",
            "mkdir", "npsgate", "npsgate-imapd-hook", "npsgate-milter",
            "postconf", "postfix", "postsuper", "printf", "sqlite3",
            "systemctl", "swaks", "sendmail"}
n = 0
for doc in sorted(glob.glob(os.path.join(src, "doc", "*.md"))):
    rel = os.path.relpath(doc, src)
    lines = open(doc, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, lang, indent = i, m.group(2), m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        body = [l[len(indent):] if l.startswith(indent) else l
                for l in lines[i + 1:j]]
        i = j + 1
        if lang not in ("sh", "shell", "bash", "console"):
            first = body[0].split() if body and body[0].strip() else [""]
            master_cf = len(first) > 1 and first[1] in ("unix", "inet",
                                                        "fifo", "pass")
            if lang == "" and first[0] in commands and not master_cf:
                print("note: %s:%d: looks like commands but is not a "
                      "```sh block, so nothing checks it" % (rel, start + 1))
            continue
        k = start - 1
        while k >= 0 and lines[k].strip() == "":
            k -= 1
        mk = marker.match(lines[k].strip()) if k >= 0 else None
        where = "%s:%d" % (rel, start + 1)
        if mk is None:
            print("FAIL: %s: a ```%s block without <!-- test --> or "
                  "<!-- covered-by: PATH -->" % (where, lang))
            continue
        if mk.group(2) is not None:
            if not os.path.exists(os.path.join(src, mk.group(2))):
                print("FAIL: %s: covered-by %s, which does not exist"
                      % (where, mk.group(2)))
            else:
                print("covered: %s by %s" % (where, mk.group(2)))
            continue
        n += 1
        text = paths.sub(move, "\n".join(body)) + "\n"
        open(os.path.join(out, "%03d.sh" % n), "w").write(text)
        open(os.path.join(out, "%03d.where" % n), "w").write(where)
print("blocks: %d" % n)
EOF
grep -v '^FAIL' "$dir/extract.out" | sed 's/^/# /'
grep '^FAIL' "$dir/extract.out"
fails=$(grep -c '^FAIL' "$dir/extract.out")

# --- the stand-ins -------------------------------------------------------
for p in npsgate npsgate-milter npsgate-imapd-hook; do
	cat >"$S/bin/$p" <<EOF
#!/bin/sh
# $p with the sandbox's config unless the command names one (or
# there is none yet: then the program's own default, as on a fresh host).
real="$top_builddir/$p"
[ -f "$S/etc/npsgate/npsgate.conf" ] || exec "\$real" "\$@"
for a in "\$@"; do
	case \$a in -c|--config|--config=*) exec "\$real" "\$@" ;; esac
done
case $p in
npsgate)
	[ \$# -eq 0 ] && exec "\$real"
	verb=\$1; shift
	case \$verb in help|-h|--help|-V|--version) exec "\$real" "\$verb" "\$@" ;; esac
	exec "\$real" "\$verb" -c "$S/etc/npsgate/npsgate.conf" "\$@" ;;
*)	exec "\$real" -c "$S/etc/npsgate/npsgate.conf" "\$@" ;;
esac
EOF
done
cat >"$S/bin/systemctl" <<EOF
#!/bin/sh
# Checks the units named exist in etc/; starts nothing.
for a in "\$@"; do
	case \$a in
	-*|enable|disable|start|stop|restart|reload|status|daemon-reload) ;;
	*)	u=\$a
		case \$u in *.service|*.timer|*.socket) ;; *) u=\$u.service ;; esac
		[ -f "$top_srcdir/etc/\$u" ] ||
		    { echo "systemctl: no unit \$u in etc/" >&2; exit 5; } ;;
	esac
done
echo "systemctl \$*" >>"$dir/systemctl.log"
EOF
for kind in sysusers tmpfiles; do
	real=$(command -v "systemd-$kind" 2>/dev/null)
	sed -e 's|@sysconfdir@|/etc|g' -e 's|@localstatedir@|/var|g' \
	    -e 's|@runstatedir@|/run|g' -e 's|@sbindir@|/usr/sbin|g' \
	    -e 's|@bindir@|/usr/bin|g' -e 's|@pkgdatadir@|/usr/share/npsgate|g' \
	    "$top_srcdir/etc/npsgate.$kind" >"$dir/npsgate.$kind"
	cat >"$S/bin/systemd-$kind" <<EOF
#!/bin/sh
# Applies etc/npsgate.$kind to the sandbox; other arguments are options.
args=
for a in "\$@"; do
	case \$a in
	npsgate.conf|*/npsgate.conf) args="\$args $dir/npsgate.$kind" ;;
	*) args="\$args \$a" ;;
	esac
done
if [ "\$(id -u)" -ne 0 ] || [ -z "$real" ]; then
	# What the snippet would have made, by hand.
	echo "systemd-$kind \$*: not run (not root, or no systemd-$kind)" >>"$dir/skipped.log"
	mkdir -p "$S/etc" "$S/var/lib/npsgate"
	grep -q '^npsgate:' "$S/etc/passwd" 2>/dev/null || {
		echo 'npsgate:x:999:999::/var/lib/npsgate:/usr/sbin/nologin' >>"$S/etc/passwd"
		echo 'npsgate:x:999:' >>"$S/etc/group"
	}
	exit 0
fi
# The machine has Postfix: its group owns the milter's socket directory.
mkdir -p "$S/etc"
grep -q '^postfix:' "$S/etc/group" 2>/dev/null ||
    echo 'postfix:x:990:' >>"$S/etc/group"
exec "$real" --root="$S" \$args
EOF
done
cat >"$S/bin/chown" <<EOF
#!/bin/sh
# chown with the sandbox's users; a no-op for a user it lacks when not root.
out=
for a in "\$@"; do
	case \$a in
	-*|/*|./*) out="\$out \$a" ;;
	*)	u=\${a%%[:.]*}; g=\${a#*[:.]}; [ "\$g" = "\$a" ] && g=
		uid=\$(sed -n "s/^\$u:[^:]*:\([0-9]*\):.*/\1/p" "$S/etc/passwd" 2>/dev/null)
		gid=\$(sed -n "s/^\${g:-\$u}:[^:]*:\([0-9]*\):.*/\1/p" "$S/etc/group" 2>/dev/null)
		[ -n "\$uid" ] || uid=\$(id -u "\$u" 2>/dev/null) || uid=
		if [ -z "\$uid" ]; then
			[ "\$(id -u)" -ne 0 ] && exit 0
			echo "chown: unknown user \$u" >&2; exit 1
		fi
		out="\$out \$uid\${g:+:\${gid:-\$g}}" ;;
	esac
done
[ "\$(id -u)" -ne 0 ] && exit 0
exec /bin/chown \$out
EOF
chmod 755 "$S"/bin/*

# The installed sample, its paths moved into the sandbox.
sed -e "s|/etc/npsgate|$S/etc/npsgate|g" \
    -e "s|/var/lib/npsgate|$S/var/lib/npsgate|g" \
    "$top_srcdir/etc/npsgate.conf.sample" >"$S/etc/npsgate/npsgate.conf.sample"

# --- seeding -------------------------------------------------------------
seeded=
seed_ok=
seed() {
	for who in marie.dupont paul.bernard lea.moreau; do
		sed -e "s/marie\.dupont@client\.example/$who@client.example/" \
		    "$top_srcdir/templates/sample-survey.eml" |
		    "$S/bin/npsgate" rewrite >"$dir/seed-$who.eml" 2>"$dir/seed.err" ||
		    { fail "seeding: npsgate rewrite: $(cat "$dir/seed.err")"; return; }
	done
	n=0
	for a in "marie.dupont 9" "paul.bernard 4"; do
		set -- $a
		to=$(sed -n 's/^Reply-To: *.*<\{0,1\}\(nps+[^>@]*@[^> ]*\).*/\1/p' \
		    "$dir/seed-$1.eml" | head -n 1)
		[ -n "$to" ] || { fail "seeding: no Reply-To in the survey mail to $1"; return; }
		n=$((n + 1))
		printf 'From: <%s@client.example>\r\nTo: <%s>\r\nSubject: Note : %s/10\r\nMessage-ID: <seed%s@client.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMa note : %s/10\r\n' \
		    "$1" "$to" "$2" "$n" "$2" >"$dir/reply-$n.eml"
		"$S/bin/npsgate" ingest "$dir/reply-$n.eml" >"$dir/seed.out" 2>&1 ||
		    { fail "seeding: npsgate ingest: $(cat "$dir/seed.out")"; return; }
	done
	seed_ok=1
	echo "# seeded the store: 3 surveys, 2 answers"
}

# --- running -------------------------------------------------------------
export NPSGATE_TEMPLATES_DIR="$top_srcdir/templates"
for f in "$B"/*.sh; do
	[ -f "$f" ] || continue
	where=$(cat "${f%.sh}.where")
	if [ -z "$seeded" ] && [ -f "$S/etc/npsgate/keys" ]; then
		seeded=1
		seed
	fi
	if (cd "$S/work" && PATH="$S/bin:$PATH" timeout 60 sh -e "$f") \
	    >"$dir/out" 2>&1; then
		echo "ok: $where"
	else
		fail "$where: exit $?"
		sed 's/^/	| /' "$f"
		sed 's/^/	> /' "$dir/out"
	fi
done
[ -f "$dir/skipped.log" ] && sed 's/^/# /' "$dir/skipped.log"

# --- what the commands of operations.md must have done ---------------------
if [ -n "$seed_ok" ]; then
	bk=$S/var/backups/npsgate/npsgate.db
	if [ -f "$bk" ]; then
		n=$(sqlite3 "$bk" 'SELECT count(*) FROM surveys' 2>&1)
		[ "$n" = 3 ] && echo "ok: the backup holds the 3 surveys" ||
		    fail "the backup holds '$n' surveys, expected 3"
	fi
	forgot=$(sed -n 's/^npsgate forget \([^ ]*\).*/\1/p' "$B"/*.sh | head -n 1)
	if [ -n "$forgot" ]; then
		# Checkpoint so the main file holds every row, then look
		# at the bytes of all the store's files.
		sqlite3 "$S/var/lib/npsgate/npsgate.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
		if cat "$S/var/lib/npsgate/npsgate.db"* 2>/dev/null |
		    grep -a -q -i -F "$forgot"; then
			fail "npsgate forget $forgot: the address is still in the store's files"
		else
			echo "ok: after npsgate forget, $forgot is nowhere in the store"
		fi
	fi
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
