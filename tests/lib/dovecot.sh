# dovecot.sh - a private Dovecot on loopback for the tests and benchmarks:
# one writer of its configuration. Source it, then
#
#	dovecot_private_conf DIR NAME IMAP_PORT [IMAPS_PORT] [EXTRA]
#
# writes DIR/dovecot.conf: its runtime, state and log under DIR, instance
# NAME, IMAP on IMAP_PORT (and IMAPS on IMAPS_PORT, default 0: none), a
# passwd-file DIR/passwd that the caller fills (dovecot_private_user), the
# mail in DIR/mail/USER as Maildir. EXTRA (lines) goes at the end, e.g.
# "mail_fsync = never" for throw-away mail. DOVECOT_LISTEN (default
# 127.0.0.1) and DOVECOT_SSL (the ssl lines, default "ssl = no") change
# what they say. The mail belongs to DOVECOT_MAIL_USER:DOVECOT_MAIL_GROUP:
# nobody when run as root, else the caller, whom Dovecot then also runs
# its own processes as.
#
#	dovecot_private_user DIR USER	adds USER, password "secret"

if [ "$(id -u)" -eq 0 ]; then
	DOVECOT_MAIL_USER=nobody
	DOVECOT_MAIL_GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)
	DOVECOT_INTERNAL=
else
	DOVECOT_MAIL_USER=$(id -un)
	DOVECOT_MAIL_GROUP=$(id -gn)
	DOVECOT_INTERNAL="default_internal_user = $DOVECOT_MAIL_USER
default_login_user = $DOVECOT_MAIL_USER
default_internal_group = $DOVECOT_MAIL_GROUP"
fi

dovecot_private_conf() {
	mkdir -p "$1/run" "$1/state" "$1/mail" || return 1
	chown "$DOVECOT_MAIL_USER:$DOVECOT_MAIL_GROUP" "$1/mail" || return 1
	[ -f "$1/passwd" ] || : >"$1/passwd"
	cat >"$1/dovecot.conf" <<EOF
base_dir = $1/run
state_dir = $1/state
log_path = $1/dovecot.log
instance_name = $2
listen = ${DOVECOT_LISTEN:-127.0.0.1}
protocols = imap
${DOVECOT_SSL:-ssl = no}
disable_plaintext_auth = no
auth_mechanisms = plain login
$DOVECOT_INTERNAL
passdb {
  driver = passwd-file
  args = $1/passwd
}
userdb {
  driver = static
  args = uid=$DOVECOT_MAIL_USER gid=$DOVECOT_MAIL_GROUP home=$1/mail/%u
}
mail_location = maildir:$1/mail/%u
service imap-login {
  inet_listener imap {
    port = $3
  }
  inet_listener imaps {
    port = ${4:-0}
  }
}
# doveadm reports to the stats service.
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
${5:-}
EOF
}

dovecot_private_user() {
	printf '%s:{PLAIN}secret::::::\n' "$2" >>"$1/passwd"
}
