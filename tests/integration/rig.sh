# rig.sh - the whole mail path on loopback, for tests and the demo: a
# private Postfix with npsgate-milter and smtp-sink behind it (from
# postfix-rig.sh, sourced here), plus a private Dovecot holding the reply
# mailbox and customers' mailboxes, and npsgate-imapd-hook reading it.
#
# Source it, then:
#	rig_init DIR			Postfix side (see postfix-rig.sh):
#					ports, main.cf, master.cf,
#					DIR/npsgate.conf
#	rig_dovecot_init USER...	Dovecot side: dovecot.conf, a
#					passwd-file with nps and each USER
#					(password "secret"), DIR/imap.pass,
#					and an [imap] section (tls = none,
#					poll_interval = 1) appended to
#					DIR/npsgate.conf
#	rig_start_sink, rig_start_milter, rig_start_postfix
#	rig_start_dovecot		dovecot -c, waits for IMAP_PORT
#	rig_start_hook [ARGS]		npsgate-imapd-hook -f, log in
#					DIR/hook.log
#	rig_save USER MAILBOX FILE	deliver FILE into a mailbox
#					(doveadm save), as an MDA would
#	rig_save_batch USER MAILBOX FILE...  deliver them all at once
#	rig_count USER MAILBOX		number of messages in it
#	rig_wait_count USER MAILBOX N T	waits up to T s until it holds N
#	rig_stop_all			stops the hook, Dovecot, and
#					everything rig_stop stops
#
# Every server listens on 127.0.0.1 on ports chosen free at rig_init time
# and keeps its files under DIR; nothing touches a system Postfix or
# Dovecot. Callers trap EXIT to run rig_stop_all, so that servers are
# stopped even on failure. Needs root (Postfix's private instance, mail
# files owned by the mail user).

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
# shellcheck source=postfix-rig.sh
. "$top_srcdir/tests/integration/postfix-rig.sh"
# shellcheck source=../lib/dovecot.sh
. "$top_srcdir/tests/lib/dovecot.sh"
NPSGATE_HOOK=${NPSGATE_HOOK:-$top_builddir/npsgate-imapd-hook}

rig_dovecot_init() {
	DOVE=$RIG/dovecot
	IMAP_PORT=$(rig_free_port $((MILTER_PORT + 1)))
	mkdir -p "$DOVE" || return 1
	: >"$DOVE/passwd"
	for u in nps "$@"; do
		dovecot_private_user "$DOVE" "$u"
	done
	dovecot_private_conf "$DOVE" "npsgate-rig-$$" "$IMAP_PORT" ||
	    return 1
	# The hook refuses a password file that others may read.
	printf 'secret\n' >"$RIG/imap.pass"
	chmod 600 "$RIG/imap.pass"
	cat >>"$RIG/npsgate.conf" <<EOF
[imap]
host = 127.0.0.1
port = $IMAP_PORT
tls = none
user = nps
password_file = $RIG/imap.pass
mailbox = INBOX
poll_interval = 1
EOF
	export DOVE IMAP_PORT
}

rig_start_dovecot() {
	dovecot -c "$DOVE/dovecot.conf" >"$DOVE/start.log" 2>&1 ||
	    { cat "$DOVE/start.log" "$DOVE/dovecot.log" >&2 2>/dev/null
	      return 1; }
	DOVE_STARTED=1
	rig_wait_port "$IMAP_PORT" ||
	    { rig_log "dovecot did not listen on $IMAP_PORT"; return 1; }
}

rig_stop_dovecot() {
	[ -n "${DOVE_STARTED:-}" ] || return 0
	timeout 20 doveadm -c "$DOVE/dovecot.conf" stop >/dev/null 2>&1
	# doveadm stop returns before the master has exited: wait for its
	# pid file to go, so that a re-run finds the port free.
	i=0
	while [ -f "$DOVE/run/master.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	DOVE_STARTED=
}

rig_start_hook() {
	"$NPSGATE_HOOK" -f -c "$RIG/npsgate.conf" "$@" >>"$RIG/hook.log" 2>&1 &
	HOOK_PID=$!
	sleep 0.3
	kill -0 "$HOOK_PID" 2>/dev/null ||
	    { cat "$RIG/hook.log" >&2; HOOK_PID=; return 1; }
}

rig_stop_hook() {
	[ -n "${HOOK_PID:-}" ] || return 0
	rig_term_wait "$HOOK_PID"
	kill -KILL "$HOOK_PID" 2>/dev/null
	wait "$HOOK_PID" 2>/dev/null
	HOOK_PID=
}

rig_save() {
	timeout 20 doveadm -c "$DOVE/dovecot.conf" save -u "$1" -m "$2" <"$3"
}

# rig_save_batch USER MAILBOX FILE...: the files appear in MAILBOX in one
# transaction (saved in a staging folder, then moved together), so that a
# reader sees all of them in one pass.
rig_save_batch() {
	u=$1
	mb=$2
	shift 2
	doveadm -c "$DOVE/dovecot.conf" mailbox create -u "$u" RigStaging \
	    >/dev/null 2>&1
	for f in "$@"; do
		rig_save "$u" RigStaging "$f" || return 1
	done
	timeout 20 doveadm -c "$DOVE/dovecot.conf" move -u "$u" "$mb" \
	    mailbox RigStaging all
}

rig_count() {
	n=$(timeout 20 doveadm -c "$DOVE/dovecot.conf" -f flow mailbox status \
	    -u "$1" messages "$2" 2>/dev/null | sed -n 's/.*messages=//p')
	printf '%s\n' "${n:-0}"
}

rig_wait_count() {
	i=0
	while [ "$i" -lt $(($4 * 5)) ]; do
		[ "$(rig_count "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

rig_stop_all() {
	rig_stop_hook
	rig_stop_dovecot
	rig_stop
}
