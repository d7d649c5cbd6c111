# postfix-rig.sh - a private Postfix on loopback with npsgate-milter and an
# smtp-sink behind it; sourced by tests/integration/postfix-milter.sh and
# bench/bench_postfix.sh.
#
# The instance lives in one temporary directory (RIG): its main.cf and
# master.cf, the queue, data, log, the sink's dump directory and the
# milter's config, key file and store. It never touches the system
# Postfix. Callers set a trap that runs rig_stop so that every server
# started here is stopped, even on failure.
#
# Functions:
#	rig_init DIR		ports, directories, npsgate.conf, main.cf,
#				master.cf (the caller may append to
#				npsgate.conf before rig_start_milter)
#	rig_start_all		a key (npsgate keygen), then the sink, the
#				milter and Postfix; says their ports
#	rig_start_sink		smtp-sink on SINK_PORT, dumping to RIG/sink
#	rig_start_postfix	postfix -c RIG/etc check + start
#	rig_milter_on / rig_milter_off	smtpd_milters set or empty (reload)
#	rig_start_milter [ARGS]	npsgate-milter -f, waits for its port
#	rig_stop_milter		SIGTERM, waits for it to exit
#	rig_term_wait PID	the same for any process
#	rig_wait_file PATTERN T	waits up to T s for a sink file holding
#				PATTERN, prints its name
#	rig_stop		stops everything started

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
NPSGATE=${NPSGATE:-$top_builddir/npsgate}
NPSGATE_MILTER=${NPSGATE_MILTER:-$top_builddir/npsgate-milter}

rig_log() { printf '%s\n' "$*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on, near $1.
rig_free_port() {
	python3 - "$1" <<'EOF'
import socket, sys
base = int(sys.argv[1])
for p in range(base, base + 500):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

rig_init() {
	RIG=$1
	base=$((20000 + ($$ % 3000) * 10))
	SMTP_PORT=$(rig_free_port "$base")
	SINK_PORT=$(rig_free_port $((SMTP_PORT + 1)))
	MILTER_PORT=$(rig_free_port $((SINK_PORT + 1)))
	mkdir -p "$RIG/etc" "$RIG/queue" "$RIG/data" "$RIG/sink" "$RIG/db"
	chown postfix "$RIG/data" "$RIG/sink"
	chmod 755 "$RIG"
	# The milter runs as nobody: its store directory is theirs.
	chown nobody "$RIG/db"

	cat >"$RIG/npsgate.conf" <<EOF
[general]
reply_address = nps@reply.example
key_file = $RIG/keys
templates_dir = $top_srcdir/templates
[store]
path = $RIG/db/npsgate.db
[milter]
socket = inet:$MILTER_PORT@127.0.0.1
user = nobody
postfix_config_dir = $RIG/etc
EOF

	cat >"$RIG/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $RIG/queue
data_directory = $RIG/data
maillog_file = $RIG/maillog
maillog_file_prefixes = $RIG
syslog_name = npsgate-test
myhostname = mx.npsgate.test
mydomain = npsgate.test
myorigin = npsgate.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
smtputf8_enable = no
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
non_smtpd_milters = \$smtpd_milters
milter_default_action = accept
milter_connect_timeout = 5s
milter_command_timeout = 30s
milter_content_timeout = 60s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 100
smtp_destination_concurrency_limit = 20
default_destination_concurrency_limit = 20
EOF
	# master.cf: the system's, without chroot (the queue directory is
	# not a chroot jail here), smtpd on the test port.
	awk -v port="$SMTP_PORT" '
	/^[#[:space:]]/ || NF < 8 { print; next }
	{
		if ($1 == "smtp" && $2 == "inet") $1 = "127.0.0.1:" port
		$5 = "n"
		print
	}' /etc/postfix/master.cf >"$RIG/etc/master.cf"
	PFX="-c $RIG/etc"
	export RIG SMTP_PORT SINK_PORT MILTER_PORT
}

rig_start_all() {
	"$NPSGATE" keygen -c "$RIG/npsgate.conf" >/dev/null ||
	    { echo "keygen failed"; return 1; }
	rig_start_sink || return 1
	rig_start_milter || return 1
	rig_start_postfix || return 1
	echo "# postfix on $SMTP_PORT, sink on $SINK_PORT, milter on $MILTER_PORT"
}

rig_start_sink() {
	smtp-sink -u postfix -d "$RIG/sink/%M." 127.0.0.1:"$SINK_PORT" 100 \
	    >"$RIG/sink.log" 2>&1 &
	SINK_PID=$!
	rig_wait_port "$SINK_PORT" || { rig_log "smtp-sink did not start"; return 1; }
}

rig_start_postfix() {
	postfix -c "$RIG/etc" check >"$RIG/check.log" 2>&1 ||
	    { cat "$RIG/check.log" >&2; return 1; }
	timeout 60 postfix -c "$RIG/etc" start >"$RIG/start.log" 2>&1 ||
	    { cat "$RIG/start.log" "$RIG/maillog" >&2 2>/dev/null; return 1; }
	PF_STARTED=1
	rig_wait_port "$SMTP_PORT" || { rig_log "postfix did not listen"; return 1; }
}

rig_milter_on() {
	postconf -c "$RIG/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT"
	timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
	sleep 1
}

rig_milter_off() {
	postconf -c "$RIG/etc" -e "smtpd_milters ="
	timeout 30 postfix -c "$RIG/etc" reload >/dev/null 2>&1
	sleep 1
}

rig_start_milter() {
	"$NPSGATE_MILTER" -f -c "$RIG/npsgate.conf" "$@" \
	    >>"$RIG/milter.log" 2>&1 &
	MILTER_PID=$!
	rig_wait_port "$MILTER_PORT" || { cat "$RIG/milter.log" >&2; return 1; }
}

# SIGTERM to $1, then waits (10 s) for it to exit; 1 when it has not.
rig_term_wait() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

rig_stop_milter() {
	[ -n "${MILTER_PID:-}" ] || return 0
	if ! rig_term_wait "$MILTER_PID"; then
		rig_log "npsgate-milter ignored SIGTERM for 10 s"
		kill -KILL "$MILTER_PID" 2>/dev/null
		MILTER_PID=
		return 1
	fi
	wait "$MILTER_PID" 2>/dev/null
	MILTER_RC=$?
	MILTER_PID=
	return 0
}

# Waits (10 s) until something accepts connections on 127.0.0.1:$1.
rig_wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

rig_wait_file() {
	pat=$1
	limit=$2
	i=0
	while [ "$i" -lt $((limit * 5)) ]; do
		f=$(grep -rlF -- "$pat" "$RIG/sink" 2>/dev/null | head -n 1)
		if [ -n "$f" ]; then
			printf '%s\n' "$f"
			return 0
		fi
		[ $((i % 10)) -eq 9 ] &&
		    postqueue -c "$RIG/etc" -f >/dev/null 2>&1
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

rig_stop() {
	rig_stop_milter
	if [ -n "${PF_STARTED:-}" ]; then
		timeout 30 postfix -c "$RIG/etc" stop >/dev/null 2>&1 ||
		    timeout 30 postfix -c "$RIG/etc" abort >/dev/null 2>&1
		PF_STARTED=
	fi
	if [ -n "${SINK_PID:-}" ]; then
		kill -TERM "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		SINK_PID=
	fi
}
