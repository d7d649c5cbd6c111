/*
 * session.c - the hook's IMAP connection; see session.h for the contract.
 *
 * libetpan does the protocol. Debian builds it on GnuTLS, whose libetpan
 * glue neither verifies the server nor hands out an SSL_CTX, so the chain
 * the server presented is checked here with OpenSSL once the handshake is
 * over and before the password is sent: the handshake has proved that the
 * server holds the key of the leaf certificate, and the check proves that
 * the leaf is the host's and chains to a trusted CA.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "session.h"

/* Seconds a single network read or write may take before the connection
 * is declared dead. */
#define SESSION_NET_TIMEOUT 60

static bool
host_is_ip(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

/* Runs before the handshake: name the server for SNI. */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	char *host = data;

	if (!host_is_ip(host))
		mailstream_ssl_set_server_name(ctx, host);
}

/* The last tagged response text, for messages; libetpan owns it. */
static const char *
last_response(const struct session *s)
{
	if (s->imap != NULL && s->imap->imap_response != NULL)
		return s->imap->imap_response;
	return "no response text";
}

static int
fail(struct session *s, struct npserr *err, int rc, const char *what,
    int status)
{
	const char *kind;

	s->broken = true;
	switch (rc) {
	case MAILIMAP_ERROR_STREAM:
		kind = "connection lost";
		break;
	case MAILIMAP_ERROR_PARSE:
		kind = "unreadable server response";
		break;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		kind = "connection refused";
		break;
	case MAILIMAP_ERROR_SSL:
		kind = "TLS handshake failed";
		break;
	default:
		kind = last_response(s);
		break;
	}
	npserr_set(err, "imap %s:%d: %s: %s", s->cf->imap_host,
	    s->cf->imap_port, what, kind);
	return status;
}

/*
 * Checks the certificate chain of the established TLS stream against the
 * configured CA file (or the default store) and the host name.
 */
static int
tls_verify(struct session *s, struct npserr *err)
{
	const struct config *cf = s->cf;
	mailstream *stream = s->imap->imap_stream;
	unsigned char *der = NULL;
	carray *chain;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	unsigned i;
	int ok = -1, code;

	/* Asking for the leaf first guards libetpan's chain call, which
	 * misbehaves on a session without certificates. */
	if (mailstream_ssl_get_certificate(stream, &der) < 0) {
		npserr_set(err, "imap %s:%d: the server sent no certificate",
		    cf->imap_host, cf->imap_port);
		return SESSION_REFUSED;
	}
	free(der);
	chain = mailstream_get_certificate_chain(stream);
	if (chain == NULL || carray_count(chain) == 0) {
		npserr_set(err, "imap %s:%d: no certificate chain",
		    cf->imap_host, cf->imap_port);
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		return SESSION_REFUSED;
	}
	rest = sk_X509_new_null();
	for (i = 0; i < carray_count(chain); i++) {
		MMAPString *str = carray_get(chain, i);
		const unsigned char *p = (const unsigned char *)str->str;
		X509 *x = d2i_X509(NULL, &p, (long)str->len);

		if (x == NULL)
			continue;
		if (leaf == NULL)
			leaf = x;
		else
			sk_X509_push(rest, x);
	}
	mailstream_certificate_chain_free(chain);
	if (leaf == NULL) {
		npserr_set(err, "imap %s:%d: unreadable server certificate",
		    cf->imap_host, cf->imap_port);
		ok = SESSION_REFUSED;
		goto out;
	}
	store = X509_STORE_new();
	if (store == NULL)
		xalloc_die("X509_STORE_new");
	if (cf->imap_ca_file != NULL) {
		if (X509_STORE_load_file(store, cf->imap_ca_file) != 1) {
			npserr_set(err, "imap: cannot load CA file %s: %s",
			    cf->imap_ca_file,
			    ERR_reason_error_string(ERR_get_error()));
			ok = SESSION_REFUSED;
			goto out;
		}
	} else if (X509_STORE_set_default_paths(store) != 1) {
		npserr_set(err, "imap: cannot load the system CA store");
		ok = SESSION_REFUSED;
		goto out;
	}
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL || X509_STORE_CTX_init(ctx, store, leaf, rest) != 1)
		xalloc_die("X509_STORE_CTX_init");
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	param = X509_STORE_CTX_get0_param(ctx);
	if (host_is_ip(cf->imap_host))
		X509_VERIFY_PARAM_set1_ip_asc(param, cf->imap_host);
	else
		X509_VERIFY_PARAM_set1_host(param, cf->imap_host, 0);
	if (X509_verify_cert(ctx) == 1) {
		ok = 0;
	} else {
		code = X509_STORE_CTX_get_error(ctx);
		npserr_set(err, "imap %s:%d: certificate refused: %s",
		    cf->imap_host, cf->imap_port,
		    X509_verify_cert_error_string(code));
		ok = SESSION_REFUSED;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	return ok;
}

static int
refresh_capabilities(struct session *s, struct npserr *err)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(s->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "CAPABILITY", -1);
	mailimap_capability_data_free(cap);
	s->has_move = mailimap_has_extension(s->imap, "MOVE") != 0;
	s->has_uidplus = mailimap_has_uidplus(s->imap) != 0;
	s->has_idle = mailimap_has_idle(s->imap) != 0;
	s->has_condstore = mailimap_has_condstore(s->imap) != 0;
	return 0;
}

static int
connect_server(struct session *s, struct npserr *err)
{
	const struct config *cf = s->cf;
	char *host = xstrdup(cf->imap_host);
	uint16_t port = (uint16_t)cf->imap_port;
	int r;

	switch (cf->imap_tls) {
	case TLS_IMPLICIT:
		r = mailimap_ssl_connect_with_callback(s->imap, host, port,
		    tls_setup, host);
		break;
	case TLS_STARTTLS:
		r = mailimap_socket_connect(s->imap, host, port);
		if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED ||
		    r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
		    r == MAILIMAP_NO_ERROR)
			r = mailimap_socket_starttls_with_callback(s->imap,
			    tls_setup, host);
		break;
	case TLS_NONE:
	default:
		r = mailimap_socket_connect(s->imap, host, port);
		break;
	}
	free(host);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return fail(s, err, r, cf->imap_tls == TLS_STARTTLS ?
		    "connect and STARTTLS" : "connect", -1);
	if (cf->imap_tls != TLS_NONE && cf->imap_verify) {
		r = tls_verify(s, err);
		if (r < 0)
			s->broken = true;
		return r;
	}
	return 0;
}

int
session_open(struct session *s, const struct config *cf,
    const char *password, struct npserr *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->cf = cf;
	s->imap = mailimap_new(0, NULL);
	if (s->imap == NULL)
		xalloc_die("mailimap_new");
	mailimap_set_timeout(s->imap, SESSION_NET_TIMEOUT);
	r = connect_server(s, err);
	if (r < 0)
		return r;
	r = mailimap_login(s->imap, cf->imap_user, password);
	if (r == MAILIMAP_ERROR_LOGIN)
		return fail(s, err, r, "login refused", SESSION_REFUSED);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "LOGIN", -1);
	if (refresh_capabilities(s, err) < 0)
		return -1;
	r = mailimap_select(s->imap, cf->imap_mailbox);
	if (r == MAILIMAP_ERROR_SELECT)
		return fail(s, err, r, "SELECT refused", SESSION_REFUSED);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "SELECT", -1);
	if (s->imap->imap_selection_info != NULL)
		s->uidvalidity = s->imap->imap_selection_info->sel_uidvalidity;
	return 0;
}

void
session_close(struct session *s)
{
	if (s->imap == NULL)
		return;
	/* A polite LOGOUT only when the stream is still up; after an
	 * error it would just wait for the network timeout. */
	if (!s->broken && s->imap->imap_stream != NULL &&
	    s->imap->imap_state == MAILIMAP_STATE_SELECTED)
		mailimap_logout(s->imap);
	mailimap_free(s->imap);
	s->imap = NULL;
}

/* Names the LIST reply shows for one folder, compared exactly. */
static bool
folder_listed(clist *list, const char *name)
{
	clistiter *it;

	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		if (mb->mb_name != NULL && strcmp(mb->mb_name, name) == 0)
			return true;
	}
	return false;
}

int
session_create_folders(struct session *s, const char *const *names, size_t n,
    struct npserr *err)
{
	clist *list = NULL;
	size_t i, j;
	int r;

	r = mailimap_list(s->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "LIST", -1);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0)
				break;
		if (j < i || folder_listed(list, names[i]))
			continue;
		r = mailimap_create(s->imap, names[i]);
		/* Someone may have created it since the LIST: a refused
		 * CREATE saying ALREADYEXISTS is success. */
		if (r == MAILIMAP_ERROR_CREATE && s->imap->imap_response &&
		    strcasestr(s->imap->imap_response, "exists") != NULL)
			continue;
		if (r != MAILIMAP_NO_ERROR) {
			mailimap_list_result_free(list);
			npserr_set(err, "imap %s:%d: cannot create folder %s: "
			    "%s", s->cf->imap_host, s->cf->imap_port,
			    names[i], last_response(s));
			return r == MAILIMAP_ERROR_CREATE ? SESSION_REFUSED :
			    -1;
		}
	}
	mailimap_list_result_free(list);
	return 0;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
session_search_all(struct session *s, uint32_t **uids, size_t *n,
    struct npserr *err)
{
	struct mailimap_search_key *key;
	clist *result = NULL;
	clistiter *it;
	size_t i = 0;
	int r;

	*uids = NULL;
	*n = 0;
	key = mailimap_search_key_new_all();
	r = mailimap_uid_search(s->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "UID SEARCH", -1);
	*uids = xcalloc((size_t)clist_count(result) + 1, sizeof(**uids));
	for (it = clist_begin(result); it != NULL; it = clist_next(it))
		(*uids)[i++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(result);
	qsort(*uids, i, sizeof(**uids), uid_cmp);
	*n = i;
	return 0;
}

int
session_fetch(struct session *s, uint32_t uid, struct buf *out,
    struct npserr *err)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *result = NULL;
	clistiter *it, *ai;
	int r, found = 0;

	set = mailimap_set_new_single(uid);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(
	    NULL)));
	r = mailimap_uid_fetch(s->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "UID FETCH", -1);
	/* The server may add unsolicited FETCH responses for other
	 * messages (flag changes): take only the body of this UID. */
	for (it = clist_begin(result); it != NULL && !found;
	    it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		const char *body = NULL;
		size_t blen = 0;
		uint32_t got = 0;

		for (ai = clist_begin(ma->att_list); ai != NULL;
		    ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_UID)
				got = item->att_data.att_static->att_data.
				    att_uid;
			else if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_BODY_SECTION) {
				struct mailimap_msg_att_body_section *sec =
				    item->att_data.att_static->att_data.
				    att_body_section;

				body = sec->sec_body_part;
				blen = sec->sec_length;
			}
		}
		if (got == uid && body != NULL) {
			buf_append(out, body, blen);
			found = 1;
		}
	}
	mailimap_fetch_list_free(result);
	return found;
}

/* A set of the given UIDs, as ranges where they are consecutive. */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1; j++)
			;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			xalloc_die("mailimap_set_add_interval");
		i = j + 1;
	}
	return set;
}

/* The index of uid in uids[0..n) (ascending), or n when absent. */
static size_t
uid_index(const uint32_t *uids, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (uids[mid] < uid)
			lo = mid + 1;
		else if (uids[mid] > uid)
			hi = mid;
		else
			return mid;
	}
	return n;
}

/*
 * One UID FETCH of att for the set of uids[0..n); calls take() for each
 * static item of each response that names one of those UIDs (unsolicited
 * FETCH responses for others, flag changes say, are passed over).
 */
static int
fetch_each(struct session *s, const uint32_t *uids, size_t n,
    struct mailimap_fetch_att *att, const char *what,
    void (*take)(void *, size_t, struct mailimap_msg_att_static *),
    void *arg, struct npserr *err)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *result = NULL;
	clistiter *it, *ai;
	size_t idx;
	int r;

	set = uid_set(uids, n);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	r = mailimap_uid_fetch(s->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, what, -1);
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t got = 0;

		for (ai = clist_begin(ma->att_list); ai != NULL;
		    ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_UID)
				got = item->att_data.att_static->att_data.
				    att_uid;
		}
		if (got == 0 || (idx = uid_index(uids, n, got)) == n)
			continue;
		for (ai = clist_begin(ma->att_list); ai != NULL;
		    ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC)
				take(arg, idx, item->att_data.att_static);
		}
	}
	mailimap_fetch_list_free(result);
	return 0;
}

static void
take_size(void *arg, size_t idx, struct mailimap_msg_att_static *st)
{
	uint32_t *sizes = arg;

	if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
		sizes[idx] = st->att_data.att_rfc822_size;
}

int
session_fetch_sizes(struct session *s, const uint32_t *uids, size_t n,
    uint32_t *sizes, struct npserr *err)
{
	memset(sizes, 0, n * sizeof(*sizes));
	if (n == 0)
		return 0;
	return fetch_each(s, uids, n, mailimap_fetch_att_new_rfc822_size(),
	    "UID FETCH RFC822.SIZE", take_size, sizes, err);
}

struct bodies {
	struct buf *const *out;
	bool *found;
};

static void
take_body(void *arg, size_t idx, struct mailimap_msg_att_static *st)
{
	struct bodies *b = arg;

	/* A server may repeat a message: its first body counts. */
	if (st->att_type != MAILIMAP_MSG_ATT_BODY_SECTION || b->found[idx] ||
	    st->att_data.att_body_section->sec_body_part == NULL)
		return;
	buf_append(b->out[idx], st->att_data.att_body_section->sec_body_part,
	    st->att_data.att_body_section->sec_length);
	b->found[idx] = true;
}

int
session_fetch_batch(struct session *s, const uint32_t *uids, size_t n,
    struct buf *const *out, bool *found, struct npserr *err)
{
	struct bodies b = { out, found };
	size_t i, k = 0;

	memset(found, 0, n * sizeof(*found));
	if (n == 0)
		return 0;
	if (fetch_each(s, uids, n, mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new(NULL)), "UID FETCH", take_body, &b, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (found[i])
			k++;
	return (int)k;
}

static size_t
claims_find(const struct claims *held, uint32_t uid)
{
	size_t i;

	for (i = 0; i < held->n; i++)
		if (held->uid[i] == uid)
			return i;
	return held->n;
}

static void
claims_drop(struct claims *held, size_t i)
{
	held->n--;
	held->uid[i] = held->uid[held->n];
	held->since[i] = held->since[held->n];
}

bool
claims_pending(const struct claims *held, uint32_t uid, int timeout,
    time_t now)
{
	size_t i = claims_find(held, uid);

	return i < held->n && now - held->since[i] < timeout;
}

int
claims_next_due(const struct claims *held, int timeout, time_t now)
{
	time_t oldest;
	size_t i;

	if (held->n == 0)
		return -1;
	oldest = held->since[0];
	for (i = 1; i < held->n; i++)
		if (held->since[i] < oldest)
			oldest = held->since[i];
	if (oldest + timeout <= now)
		return 0;
	return (int)(oldest + timeout - now);
}

void
claims_prune(struct claims *held, const uint32_t *uids, size_t n)
{
	size_t i = 0;

	while (i < held->n)
		if (uid_index(uids, n, held->uid[i]) == n)
			claims_drop(held, i);
		else
			i++;
}

/* What UID FETCH (FLAGS MODSEQ) says of one message. */
struct claim_state {
	bool seen, flagged;
	uint64_t modseq;
};

/* The flags and MODSEQ of uids[0..n) (ascending) into st[]. */
static int
claim_fetch(struct session *s, const uint32_t *uids, size_t n,
    struct claim_state *st, struct npserr *err)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	clist *result = NULL;
	clistiter *it, *ai, *fi;
	size_t idx;
	int r;

	memset(st, 0, n * sizeof(*st));
	set = uid_set(uids, n);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_modseq());
	r = mailimap_uid_fetch(s->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "UID FETCH (FLAGS MODSEQ)", -1);
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		struct claim_state one = { true, false, 0 };
		uint32_t got = 0;

		for (ai = clist_begin(ma->att_list); ai != NULL;
		    ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);
			struct mailimap_extension_data *ext;

			switch (item->att_type) {
			case MAILIMAP_MSG_ATT_ITEM_STATIC:
				if (item->att_data.att_static->att_type ==
				    MAILIMAP_MSG_ATT_UID)
					got = item->att_data.att_static->
					    att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
				if (item->att_data.att_dyn == NULL ||
				    item->att_data.att_dyn->att_list == NULL)
					break;
				for (fi = clist_begin(item->att_data.att_dyn->
				    att_list); fi != NULL; fi = clist_next(fi)) {
					struct mailimap_flag_fetch *ff =
					    clist_content(fi);

					if (ff->fl_type ==
					    MAILIMAP_FLAG_FETCH_OTHER &&
					    ff->fl_flag != NULL &&
					    ff->fl_flag->fl_type ==
					    MAILIMAP_FLAG_KEYWORD &&
					    strcasecmp(ff->fl_flag->fl_data.
					    fl_keyword, SESSION_CLAIM_FLAG) == 0)
						one.flagged = true;
				}
				break;
			case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
				ext = item->att_data.att_extension_data;
				if (ext != NULL && ext->ext_extension ==
				    &mailimap_extension_condstore &&
				    ext->ext_type ==
				    MAILIMAP_CONDSTORE_TYPE_FETCH_DATA)
					one.modseq = ((struct
					    mailimap_condstore_fetch_mod_resp *)
					    ext->ext_data)->cs_modseq_value;
				break;
			}
		}
		/* A response without a UID or a MODSEQ, or for another
		 * message, says nothing of ours. */
		if (got == 0 || one.modseq == 0 ||
		    (idx = uid_index(uids, n, got)) == n)
			continue;
		st[idx] = one;
	}
	mailimap_fetch_list_free(result);
	return 0;
}

/* The MODIFIED set of the last tagged response, or NULL (libetpan's). */
static struct mailimap_set *
claim_modified(const struct session *s)
{
	clistiter *it;

	if (s->imap->imap_response_info == NULL ||
	    s->imap->imap_response_info->rsp_extension_list == NULL)
		return NULL;
	for (it = clist_begin(s->imap->imap_response_info->rsp_extension_list);
	    it != NULL; it = clist_next(it)) {
		struct mailimap_extension_data *ext = clist_content(it);
		struct mailimap_condstore_resptextcode *code;

		if (ext->ext_extension != &mailimap_extension_condstore ||
		    ext->ext_type != MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE)
			continue;
		code = ext->ext_data;
		if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_MODIFIED)
			return code->cs_data.cs_modified_set;
	}
	return NULL;
}

static bool
set_has(const struct mailimap_set *set, uint32_t uid)
{
	clistiter *it;

	if (set == NULL || set->set_list == NULL)
		return false;
	for (it = clist_begin(set->set_list); it != NULL; it = clist_next(it)) {
		struct mailimap_set_item *item = clist_content(it);
		uint32_t lo = item->set_first, hi = item->set_last;

		/* 0 stands for "*", the largest UID. */
		if (hi == 0)
			hi = UINT32_MAX;
		if (lo == 0)
			lo = UINT32_MAX;
		if (lo > hi) {
			uint32_t t = lo;

			lo = hi;
			hi = t;
		}
		if (uid >= lo && uid <= hi)
			return true;
	}
	return false;
}

/*
 * One conditional STORE of the claim flag on uids[0..n) (ascending): add
 * (or remove) it unless a message changed since modseq. Written here:
 * libetpan's mailimap_uid_store_unchangedsince() leaves out the space
 * before the modifier, which Dovecot refuses as a bad atom.
 */
static int
claim_store(struct session *s, const uint32_t *uids, size_t n, bool add,
    uint64_t modseq, struct npserr *err)
{
	struct buf cmd = BUF_INIT;
	size_t i = 0, j;
	int r;

	buf_puts(&cmd, "UID STORE ");
	while (i < n) {
		for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1; j++)
			;
		if (i > 0)
			buf_puts(&cmd, ",");
		if (j > i)
			buf_printf(&cmd, "%u:%u", uids[i], uids[j]);
		else
			buf_printf(&cmd, "%u", uids[i]);
		i = j + 1;
	}
	buf_printf(&cmd, " (UNCHANGEDSINCE %llu) %sFLAGS.SILENT (%s)",
	    (unsigned long long)modseq, add ? "+" : "-", SESSION_CLAIM_FLAG);
	r = mailimap_custom_command(s->imap, buf_cstr(&cmd));
	buf_free(&cmd);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, add ? "UID STORE (UNCHANGEDSINCE) "
		    "+FLAGS" : "UID STORE (UNCHANGEDSINCE) -FLAGS", -1);
	return 0;
}

int
session_claim(struct session *s, uint32_t *uids, size_t n,
    struct claims *held, int timeout, time_t now, struct npserr *err)
{
	struct claim_state *st;
	struct mailimap_set *modified;
	uint64_t highest = 0;
	size_t i, k, h;

	if (n == 0 || !s->has_condstore)
		return (int)n;
	st = xcalloc(n, sizeof(*st));
	if (claim_fetch(s, uids, n, st, err) < 0) {
		free(st);
		return -1;
	}
	for (i = 0, k = 0; i < n; i++) {
		if (!st[i].seen)
			continue;	/* gone: filed by someone else */
		if (!st[i].flagged) {
			if (st[i].modseq > highest)
				highest = st[i].modseq;
			uids[k] = uids[i];
			st[k++] = st[i];
			continue;
		}
		h = claims_find(held, uids[i]);
		if (h == held->n) {
			if (held->n < CLAIMS_MAX) {
				held->uid[held->n] = uids[i];
				held->since[held->n++] = now;
			}
			continue;
		}
		if (now - held->since[h] < timeout)
			continue;
		/* Its claimer did not file it in time: release it, once
		 * of all the sessions that find it so. */
		msg_info("uid=%u: claimed for filing by another session %lld s "
		    "ago and not filed; claim released", uids[i],
		    (long long)(now - held->since[h]));
		claims_drop(held, h);
		if (claim_store(s, &uids[i], 1, false, st[i].modseq, err) < 0) {
			free(st);
			return -1;
		}
	}
	free(st);
	if (k == 0)
		return 0;
	if (claim_store(s, uids, k, true, highest, err) < 0)
		return -1;
	modified = claim_modified(s);
	if (modified == NULL)
		return (int)k;
	for (i = 0, n = k, k = 0; i < n; i++)
		if (!set_has(modified, uids[i]))
			uids[k++] = uids[i];
	return (int)k;
}

int
session_move(struct session *s, const uint32_t *uids, size_t n,
    const char *folder, struct npserr *err)
{
	struct mailimap_set *set;
	struct mailimap_flag_list *flags;
	struct mailimap_store_att_flags *sa;
	int r;

	if (n == 0)
		return 0;
	set = uid_set(uids, n);
	if (s->has_move) {
		r = mailimap_uid_move(s->imap, set, folder);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			return fail(s, err, r, "UID MOVE", -1);
		return 0;
	}
	r = mailimap_uid_copy(s->imap, set, folder);
	if (r != MAILIMAP_NO_ERROR) {
		mailimap_set_free(set);
		return fail(s, err, r, "UID COPY", -1);
	}
	flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	sa = mailimap_store_att_flags_new_add_flags_silent(flags);
	r = mailimap_uid_store(s->imap, set, sa);
	mailimap_store_att_flags_free(sa);
	if (r != MAILIMAP_NO_ERROR) {
		mailimap_set_free(set);
		return fail(s, err, r, "UID STORE \\Deleted", -1);
	}
	/* Without UIDPLUS, EXPUNGE also removes whatever else carries
	 * \Deleted in this mailbox, which only we write to. */
	if (s->has_uidplus)
		r = mailimap_uid_expunge(s->imap, set);
	else
		r = mailimap_expunge(s->imap);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "EXPUNGE", -1);
	return 0;
}

/*
 * Waits for fd to become readable or for a signal, for at most ms
 * milliseconds. Returns 1 readable, 0 timeout or signal, -1 error.
 */
static int
wait_readable(int fd, int ms, const sigset_t *unblocked)
{
	struct pollfd pfd;
	struct timespec ts;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	r = ppoll(&pfd, fd >= 0 ? 1 : 0, &ts, unblocked);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	return 1;
}

int
session_idle(struct session *s, int seconds, const sigset_t *unblocked,
    struct npserr *err)
{
	mailstream *stream = s->imap->imap_stream;
	int r, w, rd;

	if (!s->has_idle) {
		/* Only the pause matters here: NOOP then asks for news. */
		wait_readable(-1, seconds * 1000, unblocked);
		r = mailimap_noop(s->imap);
		if (r != MAILIMAP_NO_ERROR)
			return fail(s, err, r, "NOOP", -1);
		return 0;
	}
	r = mailimap_idle(s->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, err, r, "IDLE", -1);
	/* Bytes libetpan already read past the continuation are in its
	 * buffer, where poll cannot see them. */
	if (stream->read_buffer_len > 0)
		w = 1;
	else
		w = wait_readable(mailimap_idle_get_fd(s->imap),
		    seconds * 1000, unblocked);
	if (w < 0) {
		npserr_set(err, "imap %s:%d: waiting in IDLE: %s",
		    s->cf->imap_host, s->cf->imap_port, strerror(errno));
		return -1;
	}
	rd = mailimap_idle_done(s->imap);
	if (rd != MAILIMAP_NO_ERROR)
		return fail(s, err, rd, "IDLE DONE", -1);
	return w;
}
