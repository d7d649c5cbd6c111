/*
 * session.h - the hook's IMAP connection: connect, verify, log in, select,
 * list, fetch, file, wait. Glue around libetpan's mailimap.
 *
 * SYNOPSIS
 *	struct session s;
 *	session_open(&s, cf, password, &err);
 *	session_create_folders(&s, names, n, &err);
 *	session_search_all(&s, &uids, &n, &err);
 *	session_fetch(&s, uid, &msg, &err);
 *	session_fetch_sizes(&s, uids, n, sizes, &err);
 *	session_fetch_batch(&s, uids, n, msgs, found, &err);
 *	session_claim(&s, uids, n, &claims, timeout, now, &err);
 *	session_move(&s, uids, n, folder, &err);
 *	session_idle(&s, seconds, unblocked, &err);
 *	session_close(&s);
 *
 * DESCRIPTION
 *	Every function returns 0 (or a count) on success and -1 with err set
 *	on failure; after a -1 the connection is not to be trusted and the
 *	caller closes it and reconnects. session_open() fails for good
 *	(SESSION_REFUSED) when the server's certificate or our login is
 *	refused, so that the caller can tell an operator's problem from a
 *	network one.
 *
 *	TLS: the server's certificate chain is checked with OpenSSL against
 *	imap_ca_file (or the system's default store) and the host name (or
 *	IP address) of imap_host, after the handshake and before anything
 *	else is sent; a chain that does not verify closes the connection.
 */
#ifndef NPSGATE_SESSION_H
#define NPSGATE_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"

#define SESSION_REFUSED (-2)

/* The keyword that marks a message as being filed by one session. */
#define SESSION_CLAIM_FLAG "$NpsgateFiling"
#define CLAIMS_MAX 4096

/*
 * Messages seen claimed by another session, and since when: a claim
 * older than the timeout is that of a hook that died between its claim
 * and its move, and is released. Used by one thread at a time.
 */
struct claims {
	uint32_t uid[CLAIMS_MAX];
	time_t since[CLAIMS_MAX];
	size_t n;
};

struct session {
	mailimap *imap;
	const struct config *cf;
	bool has_move, has_uidplus, has_idle, has_condstore;
	bool broken;		/* an error happened: no LOGOUT on close */
	uint32_t uidvalidity;
};

/* Connects, checks TLS, logs in and selects cf->imap_mailbox. Returns 0,
 * -1 (network, try again later) or SESSION_REFUSED (certificate, login or
 * mailbox refused). Always leaves s closable with session_close. */
int session_open(struct session *s, const struct config *cf,
    const char *password, struct npserr *err);
void session_close(struct session *s);

/* Creates each of names[0..n) that LIST does not show. */
int session_create_folders(struct session *s, const char *const *names,
    size_t n, struct npserr *err);

/* The UIDs of every message in the selected mailbox, ascending. *uids is
 * the caller's (free()); *n may be 0. */
int session_search_all(struct session *s, uint32_t **uids, size_t *n,
    struct npserr *err);

/* BODY.PEEK[] of one message, appended to out. Returns 1, 0 when the
 * message is gone (expunged by someone else), or -1. */
int session_fetch(struct session *s, uint32_t uid, struct buf *out,
    struct npserr *err);

/* RFC822.SIZE of each of uids[0..n) (ascending), in one command:
 * sizes[i] is 0 for a message that is gone. */
int session_fetch_sizes(struct session *s, const uint32_t *uids, size_t n,
    uint32_t *sizes, struct npserr *err);

/* BODY.PEEK[] of each of uids[0..n) (ascending), in one command: the
 * body of uids[i] is appended to *out[i] and found[i] set, or found[i] is
 * false when the message is gone. Returns how many were found, or -1.
 * The whole response is held in memory at once: the caller bounds the
 * sum of the sizes (session_fetch_sizes). */
int session_fetch_batch(struct session *s, const uint32_t *uids, size_t n,
    struct buf *const *out, bool *found, struct npserr *err);

/*
 * Claims uids[0..n) for filing, so that of several sessions (several
 * hooks on one mailbox) one only files each message: Dovecot's MOVE is a
 * copy then an expunge, and two sessions moving one message at once both
 * copy it. The claim is one conditional STORE (CONDSTORE, RFC 7162):
 * +FLAGS (SESSION_CLAIM_FLAG) UNCHANGEDSINCE the highest MODSEQ of the
 * messages, fetched just before; of two sessions claiming a message, the
 * server applies the first STORE and refuses the second (MODIFIED), as
 * the first gave the message a higher MODSEQ. A message already flagged
 * is left to its claimer and recorded in held; once it has been held for
 * timeout seconds, the claim is released (-FLAGS, UNCHANGEDSINCE its
 * MODSEQ, so that one session only releases it) and the next pass claims
 * it again. uids[] is compacted to the messages claimed; returns their
 * count, or -1. Without CONDSTORE every message counts as claimed.
 */
int session_claim(struct session *s, uint32_t *uids, size_t n,
    struct claims *held, int timeout, time_t now, struct npserr *err);

/* True when uid is held by another session's claim younger than
 * timeout: not worth fetching again yet. */
bool claims_pending(const struct claims *held, uint32_t uid, int timeout,
    time_t now);
/* Seconds until the oldest claim in held is timeout old (0 when it is
 * already), or -1 when held is empty. */
int claims_next_due(const struct claims *held, int timeout, time_t now);
/* Forgets the messages no longer in the mailbox (uids, ascending). */
void claims_prune(struct claims *held, const uint32_t *uids, size_t n);

/* Files uids[0..n) in folder: UID MOVE, else UID COPY, then \Deleted and
 * UID EXPUNGE of exactly those UIDs (plain EXPUNGE without UIDPLUS).
 * Nothing is flagged or expunged unless the copy succeeded. */
int session_move(struct session *s, const uint32_t *uids, size_t n,
    const char *folder, struct npserr *err);

/* IDLE for at most seconds (or, without IDLE, NOOP after sleeping that
 * long). Signals in unblocked are let through while waiting only; a
 * delivered one ends the wait early. Returns 1 when the server spoke,
 * 0 on timeout or signal, -1 on error. */
int session_idle(struct session *s, int seconds, const sigset_t *unblocked,
    struct npserr *err);

#endif
