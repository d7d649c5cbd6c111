#!/bin/sh
# release-guard.sh - the guards around the milter's records and the
# commands that act on them, with no server:
#   - `npsgate release` hands postsuper only queue ids Postfix makes, one
#     at a time: a held survey recorded under ALL, a blank or an option
#     is refused and never reaches postsuper;
#   - with two relays on one store, each releases the held surveys it
#     holds ([general] node) and those that name no relay, never the
#     other's; check-config prints the relay's name, the host name by
#     default, and refuses a host name that cannot be one;
#   - a store the CLI creates is not readable by others; run as root,
#     release creates and writes the store as the owner of its directory,
#     and only postsuper runs as root;
#   - `npsgate check-config` warns when no scope is set and Postfix's
#     smtpd_milters names the milter, and not once a scope is set.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init release-guard

db="$dir/npsgate.db"
conf="$dir/npsgate.conf"
clitest_conf "$conf" "$db"
# A postsuper that records its arguments and releases what it is given.
cat >"$dir/postsuper" <<'EOF2'
#!/bin/sh
printf '%s\n' "$*" >>"$(dirname "$0")/postsuper.args"
echo "postsuper: Released from hold: 1 message"
EOF2
chmod 755 "$dir/postsuper"
printf '[milter]\npostsuper = %s\n' "$dir/postsuper" >>"$conf"

# The CLI creates the store (and keys) without access for others.
run 0 keygen -c "$conf"
run 0 report -c "$conf"
[ -f "$db" ] || fail "report did not create the store"
perm=$(stat -c %a "$db")
case $perm in
*0) ;;
*) fail "store created with mode $perm: readable by others" ;;
esac

python3 - "$db" <<'EOF2' || fail "cannot insert the held surveys"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [("AAAAAAAAAAAAAAAA", "ALL"), ("BBBBBBBBBBBBBBBB", "-d"),
        ("CCCCCCCCCCCCCCCC", "4ABCDEF0123"), ("DDDDDDDDDDDDDDDD", "all"),
        ("EEEEEEEEEEEEEEEE", "3Pt2mN2VXxznjll"),
        ("FFFFFFFFFFFFFFFF", "4ABCDEF0123 ALL")]
for sid, qid in rows:
    db.execute("INSERT INTO surveys (id, key_id, type, status, queue_id,"
               " recipient, created_at, due_at) VALUES (?, 1, 'nps',"
               " 'held', ?, 'c@example.com', 1, 2)", (sid, qid))
db.commit()
EOF2

run 0 release -c "$conf" --now 100
grep -q '^released 2, unknown 4, failed 0' "$dir/out" ||
    fail "release: $(cat "$dir/out")"
args=$(cat "$dir/postsuper.args" 2>/dev/null)
[ "$args" = "-H 4ABCDEF0123
-H 3Pt2mN2VXxznjll" ] || fail "postsuper was run with: $args"
for q in "'ALL'" "'-d'" "'all'" "'4ABCDEF0123 ALL'"; do
	grep -q "queue id $q refused" "$dir/err" ||
	    fail "release: no refusal of $q: $(cat "$dir/err")"
done

# Run as root, release touches the store as the owner of its directory:
# a store it has to create is that user's, never root's (the milter could
# not write it); postsuper alone runs as root.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	sdir="$dir/store"
	mkdir -p "$sdir"
	chown nobody "$sdir"
	chmod 755 "$dir"
	sed "s|^path = .*|path = $sdir/npsgate.db|" "$conf" >"$dir/owned.conf"
	cat >"$dir/postsuper" <<'EOF2'
#!/bin/sh
id -u >>"$(dirname "$0")/postsuper.uid"
echo "postsuper: Released from hold: 1 message"
EOF2
	run 0 release -c "$dir/owned.conf" --now 100
	[ "$(stat -c %U "$sdir/npsgate.db" 2>/dev/null)" = nobody ] ||
	    fail "release as root made the store as $(stat -c %U "$sdir/npsgate.db" 2>&1)"
	python3 - "$sdir/npsgate.db" <<'EOF2' || fail "cannot insert a held survey"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO surveys (id, key_id, type, status, queue_id,"
           " recipient, created_at, due_at) VALUES ('GGGGGGGGGGGGGGGG', 1,"
           " 'nps', 'held', '4ABCDEF0125', 'c@example.com', 1, 2)")
db.commit()
EOF2
	chown nobody "$sdir"/npsgate.db*
	run 0 release -c "$dir/owned.conf" --now 100
	[ "$(cat "$dir/postsuper.uid" 2>/dev/null)" = 0 ] ||
	    fail "postsuper did not run as root: $(cat "$dir/postsuper.uid" 2>&1)"
	grep -q '^released 1,' "$dir/out" || fail "release as root: $(cat "$dir/out")"
	[ -z "$(find "$sdir" -user root)" ] ||
	    fail "root-owned files in the store directory: $(find "$sdir" -user root)"
fi

# Two relays on one store: each releases the held surveys its own Postfix
# holds (held_by, its [general] node) and those recorded without a relay
# (before schema version 7), never the other's, whose queue id means
# nothing here or, worse, another mail.
rdb="$dir/relays.db"
for n in a b; do
	sed "s|^path = .*|path = $rdb|" "$conf" >"$dir/relay-$n.conf"
	printf '[general]\nnode = relay-%s\n' "$n" >>"$dir/relay-$n.conf"
done
cat >"$dir/postsuper" <<'EOF2'
#!/bin/sh
printf '%s\n' "$*" >>"$(dirname "$0")/relay.args"
echo "postsuper: Released from hold: 1 message"
EOF2
run 0 check-config "$dir/relay-a.conf"
grep -q '^node = relay-a$' "$dir/out" || fail "check-config: no node line"
grep -q '^; relay: relay-a$' "$dir/out" ||
    fail "check-config: no relay line: $(grep relay "$dir/out")"
run 0 check-config "$conf"
grep -qxF "; relay: $(hostname)" "$dir/out" ||
    fail "check-config: the host name is not the relay: $(grep relay "$dir/out")"
# A host name that cannot name a relay (in a UTS namespace of its own,
# as root): the config asks for [general] node, at its file and line.
if [ "$(id -u)" -eq 0 ] && unshare -u true 2>/dev/null; then
	badhost() {
		unshare -u python3 -c 'import socket, subprocess, sys
socket.sethostname("relay one/x")
sys.exit(subprocess.call(sys.argv[1:]))' "$NPSGATE" check-config "$1" \
		    >"$dir/out" 2>"$dir/err"
	}
	badhost "$conf"; rc=$?
	[ "$rc" -eq 3 ] || fail "bad host name: exit $rc, not 3"
	grep -qF "$conf:1: [general] node: not set, and the host name 'relay one/x' cannot name this relay; allowed: set node = NAME in [general]" "$dir/err" ||
	    fail "bad host name: $(cat "$dir/err")"
	badhost "$dir/relay-a.conf"; rc=$?
	[ "$rc" -eq 0 ] || fail "bad host name, node set: exit $rc: $(cat "$dir/err")"
fi
run 0 report -c "$dir/relay-a.conf"
python3 - "$rdb" <<'EOF2' || fail "cannot insert the relays' held surveys"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [("RA00000000000001", "4AAAAAAAAA1", "relay-a"),
        ("RB00000000000001", "4BBBBBBBBB1", "relay-b"),
        ("RN00000000000001", "4CCCCCCCCC1", None)]
for sid, qid, node in rows:
    db.execute("INSERT INTO surveys (id, key_id, type, status, queue_id,"
               " recipient, created_at, due_at, held_by) VALUES (?, 1,"
               " 'nps', 'held', ?, 'c@example.com', 1, 2, ?)",
               (sid, qid, node))
db.commit()
EOF2
run 0 release -c "$dir/relay-a.conf" --now 100
grep -q '^released 2, unknown 0, failed 0' "$dir/out" ||
    fail "relay-a release: $(cat "$dir/out")"
args=$(cat "$dir/relay.args" 2>/dev/null)
[ "$args" = "-H 4AAAAAAAAA1
-H 4CCCCCCCCC1" ] || fail "relay-a ran postsuper with: $args"
held=$(python3 -c 'import sqlite3, sys
for (i,) in sqlite3.connect(sys.argv[1]).execute(
        "SELECT id FROM surveys WHERE status = \x27held\x27"):
    print(i)' "$rdb" 2>&1)
[ "$held" = RB00000000000001 ] || fail "held after relay-a's release: $held"
: >"$dir/relay.args"
run 0 release -c "$dir/relay-b.conf" --now 100
grep -q '^released 1, unknown 0, failed 0' "$dir/out" ||
    fail "relay-b release: $(cat "$dir/out")"
[ "$(cat "$dir/relay.args")" = "-H 4BBBBBBBBB1" ] ||
    fail "relay-b ran postsuper with: $(cat "$dir/relay.args")"

# check-config and the scope: a Postfix config whose smtpd_milters names
# the milter's unix socket, relative to the queue directory.
if command -v postconf >/dev/null 2>&1 ||
    [ -x /usr/sbin/postconf ]; then
	pcf="$dir/postfix"
	mkdir -p "$pcf"
	printf 'smtpd_milters = { unix:npsgate/milter.sock, default_action=accept }\n' \
	    >"$pcf/main.cf"
	cp /etc/postfix/master.cf "$pcf/" 2>/dev/null || : >"$pcf/master.cf"
	base="$dir/npsgate-base.conf"
	grep -v '^socket = ' "$conf" | grep -v '^postsuper = ' | grep -v '^\[milter\]$' >"$base"
	printf '[milter]\npostfix_config_dir = %s\n' "$pcf" >>"$base"
	run 0 check-config "$base"
	grep -q "no scope_clients, scope_logins or scope_senders, and Postfix's smtpd_milters names the milter" "$dir/err" ||
	    fail "check-config: no scope warning: $(cat "$dir/err")"
	cp "$base" "$dir/scoped.conf"
	printf 'scope_clients = 192.0.2.10\n' >>"$dir/scoped.conf"
	run 0 check-config "$dir/scoped.conf"
	grep -q "no scope_clients" "$dir/err" &&
	    fail "check-config warns with a scope set"
	# A milter Postfix does not name: no warning either.
	printf 'smtpd_milters = inet:127.0.0.1:8892\n' >"$pcf/main.cf"
	run 0 check-config "$base"
	grep -q "no scope_clients" "$dir/err" &&
	    fail "check-config warns about a milter Postfix does not use"
fi

[ "$fails" -eq 0 ] || exit 1
echo "release-guard: ok"
