/*
 * rules_scope.c - before any rule: which mail the help desk sends (the
 * scope of [milter] scope_clients, scope_logins and scope_senders) and
 * the mail to the reply address's domain, which is never a survey; see
 * rules.h for each function's contract.
 *
 * The milter asks the scope at connect and MAIL FROM time, before any
 * header is read, so these functions take the connection's facts alone.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "outgoing/rules.h"

/* True when the bare address a (lowercased) is in domain dom. */
static bool
addr_in_domain(const char *a, const char *dom)
{
	const char *at = strrchr(a, '@');
	size_t dl = strlen(dom), al;

	if (at == NULL)
		return false;
	at++;
	al = strlen(at);
	/* "reply.example." names the same domain. */
	if (al > 0 && at[al - 1] == '.')
		al--;
	return al == dl && strncasecmp(at, dom, dl) == 0;
}

/* rules_rcpt_reply_domain - see rules.h. */
long
rules_rcpt_reply_domain(const struct config *cf, const struct rules_input *in)
{
	size_t i;

	if (cf->reply_domain == NULL)
		return -1;
	for (i = 0; i < in->n_rcpts; i++)
		if (addr_in_domain(in->rcpts[i], cf->reply_domain))
			return (long)i;
	return -1;
}

bool
rules_scope_is_set(const struct config *cf)
{
	return cf->scope_clients != NULL || cf->scope_logins != NULL ||
	    cf->scope_senders != NULL;
}

/* rules_scope_client - see rules.h. */
bool
rules_scope_client(const struct config *cf, const char *addr)
{
	unsigned char bin[16];
	struct config_net net;
	int family;
	size_t i;

	if (cf->scope_clients == NULL)
		return true;
	if (addr == NULL)
		return false;
	if (inet_pton(AF_INET, addr, bin) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, bin) == 1) {
		family = AF_INET6;
		/* ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1. */
		if (memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(bin, bin + 12, 4);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (i = 0; i < cf->n_scope_clients; i++)
		if (config_net_parse(cf->scope_clients[i], &net) == 0 &&
		    config_net_contains(&net, family, bin))
			return true;
	return false;
}

/* rules_scope_login - see rules.h. */
bool
rules_scope_login(const struct config *cf, const char *login)
{
	size_t i;

	if (cf->scope_logins == NULL)
		return true;
	if (login == NULL || *login == '\0')
		return false;
	for (i = 0; i < cf->n_scope_logins; i++)
		if (strcasecmp(cf->scope_logins[i], "any") == 0 ||
		    strcmp(cf->scope_logins[i], login) == 0)
			return true;
	return false;
}

/* rules_scope_sender - see rules.h. */
bool
rules_scope_sender(const struct config *cf, const char *sender)
{
	struct rules_input one;
	struct buf pat = BUF_INIT;
	const char *p;
	bool in = false;
	size_t i;

	if (cf->scope_senders == NULL)
		return true;
	if (sender == NULL)
		return false;
	/* The sender as a recipient is stored: bare and lowercased. */
	rules_input_init(&one);
	rules_input_add_rcpt(&one, sender, strlen(sender));
	for (i = 0; one.n_rcpts == 1 && !in && i < cf->n_scope_senders;
	    i++) {
		p = cf->scope_senders[i];
		buf_reset(&pat);
		if (*p == '@')
			buf_putc(&pat, '*');
		buf_puts(&pat, p);
		in = fnmatch(buf_cstr(&pat), one.rcpts[0],
		    FNM_NOESCAPE | FNM_CASEFOLD) == 0;
	}
	buf_free(&pat);
	rules_input_clear(&one);
	return in;
}
