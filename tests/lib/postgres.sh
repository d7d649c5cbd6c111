# postgres.sh - a private PostgreSQL cluster on loopback for the tests,
# CI and benchmarks: one writer of its configuration. Source it, then
#
#	pg_private_init DIR	initdb into DIR/pg (data, socket, log, all
#				under it), a free port on 127.0.0.1, a
#				superuser "postgres" and a role "npsgate"
#				(LOGIN CREATEDB) with generated passwords
#				kept in DIR/pg/pgpass (mode 600); sets
#				PG_PORT, PG_URL (postgresql://npsgate@
#				127.0.0.1:PORT/npsgate) and PGPASSFILE
#	pg_private_start	pg_ctl start, waits until it takes
#				connections, then creates the database
#				npsgate owned by npsgate (first start)
#	pg_private_restart [MODE]  pg_ctl restart -m MODE (fast by
#				default; immediate is a crash, for fault
#				tests), waits until it is back
#	pg_private_stop [MODE]	pg_ctl stop -m MODE (fast by default)
#	pg_private_remove	stops it and deletes DIR/pg: callers trap
#				EXIT to run it, so that the cluster goes
#				even on failure
#	pg_private_psql [ARGS]	psql as the superuser over the socket,
#				e.g. pg_private_psql -d npsgate -Atc SQL
#	pg_private_available	0 when initdb and pg_ctl are installed
#
# The cluster runs as the user "postgres" when the caller is root (initdb
# refuses root), else as the caller; DIR is then made traversable (0711)
# for it. Loopback TCP asks for a password (scram-sha-256), the socket in
# DIR/pg/run is the owner's only (peer): nothing trusts a port that any
# local user can reach. Durability stays on (fsync off only spares the
# disk; synchronous_commit stays on), so that a restart, even an
# immediate one, keeps every committed row, which the fault tests count.

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
    sort -V | tail -n 1)}

pg_private_available() {
	[ -n "$PG_BINDIR" ] && [ -x "$PG_BINDIR/initdb" ] &&
	    [ -x "$PG_BINDIR/pg_ctl" ]
}

# Runs a PostgreSQL program as the cluster's owner.
pg_private_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A TCP port on 127.0.0.1 that nothing listens on, near $1.
pg_private_free_port() {
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

pg_private_init() {
	pg_private_available ||
	    { echo "postgres.sh: no initdb under /usr/lib/postgresql" >&2
	      return 1; }
	PG_DIR=$1/pg
	mkdir -p "$PG_DIR/run" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$1"
		chown postgres "$PG_DIR" "$PG_DIR/run"
	fi
	PG_PORT=$(pg_private_free_port $((25000 + ($$ % 2000) * 10)))
	PG_SUPER_PW=$(openssl rand -hex 16)
	PG_NPSGATE_PW=$(openssl rand -hex 16)
	# The superuser's password reaches initdb in a file only its owner
	# reads, removed once the cluster exists.
	(umask 077 && printf '%s\n' "$PG_SUPER_PW" >"$PG_DIR/superpw")
	[ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR/superpw"
	pg_private_as_owner "$PG_BINDIR/initdb" -D "$PG_DIR/data" \
	    -U postgres --pwfile="$PG_DIR/superpw" -E UTF8 --locale=C \
	    --auth-local=peer --auth-host=scram-sha-256 -N \
	    >"$PG_DIR/initdb.log" 2>&1 ||
	    { cat "$PG_DIR/initdb.log" >&2; return 1; }
	rm -f "$PG_DIR/superpw"
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
# npsgate test cluster
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
shared_buffers = 64MB
fsync = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
	# Read by libpq (PGPASSFILE), never written into a config file.
	(umask 077 && printf '127.0.0.1:%s:*:%s:%s\n' \
	    "$PG_PORT" npsgate "$PG_NPSGATE_PW" \
	    "$PG_PORT" postgres "$PG_SUPER_PW" >"$PG_DIR/pgpass")
	PGPASSFILE=$PG_DIR/pgpass
	PG_URL="postgresql://npsgate@127.0.0.1:$PG_PORT/npsgate"
	PG_CREATED=
	export PG_DIR PG_PORT PG_URL PGPASSFILE
}

pg_private_psql() {
	pg_private_as_owner "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
	    -h "$PG_DIR/run" -p "$PG_PORT" -U postgres "$@"
}

# Waits (30 s) until the server answers on its TCP port.
pg_private_wait() {
	i=0
	while [ $i -lt 300 ]; do
		"$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "postgres.sh: the server did not come up on $PG_PORT" >&2
	tail -20 "$PG_DIR/server.log" >&2 2>/dev/null
	return 1
}

pg_private_start() {
	pg_private_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" \
	    -l "$PG_DIR/server.log" -w -t 60 start >/dev/null ||
	    { tail -20 "$PG_DIR/server.log" >&2; return 1; }
	PG_STARTED=1
	pg_private_wait || return 1
	[ -n "$PG_CREATED" ] && return 0
	pg_private_psql -d postgres <<EOF || return 1
CREATE ROLE npsgate LOGIN CREATEDB PASSWORD '$PG_NPSGATE_PW';
CREATE DATABASE npsgate OWNER npsgate;
EOF
	# The role owns its schema: the store creates and migrates it.
	pg_private_psql -d npsgate -c 'ALTER SCHEMA public OWNER TO npsgate' ||
	    return 1
	PG_CREATED=1
}

pg_private_restart() {
	pg_private_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" \
	    -l "$PG_DIR/server.log" -m "${1:-fast}" -w -t 60 restart \
	    >/dev/null || { tail -20 "$PG_DIR/server.log" >&2; return 1; }
	pg_private_wait
}

pg_private_stop() {
	[ -n "${PG_STARTED:-}" ] || return 0
	pg_private_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" \
	    -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 ||
	    pg_private_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" \
	    -m immediate -w stop >/dev/null 2>&1
	PG_STARTED=
}

pg_private_remove() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_private_stop
	rm -rf "$PG_DIR"
	PG_DIR=
}
