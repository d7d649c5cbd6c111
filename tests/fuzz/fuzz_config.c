/*
 * fuzz_config.c - the npsgate.conf reader.
 *
 * For any file: config_load_flags either refuses it with a message, or
 * gives a config whose values keep the promises the other modules rely on
 * (a reply address whose local part leaves room for a token, header texts
 * without line breaks or control characters, an information message of
 * at most CONFIG_INFO_MAX characters), and whose dump loads back to the
 * same dump (the fixed point check-config promises).
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "fuzz.h"
#include "mail/mime.h"
#include "survey/token.h"

static void
dump_to(const struct config *cf, struct buf *out)
{
	char *p = NULL;
	size_t n = 0;
	FILE *fp;
	const char *nl;

	fp = open_memstream(&p, &n);
	FUZZ_CHECK(fp != NULL, "open_memstream");
	config_dump(cf, fp);
	FUZZ_CHECK(fclose(fp) == 0, "dump written");
	/* The first line names the file read: not part of the settings. */
	nl = memchr(p, '\n', n);
	FUZZ_CHECK(nl != NULL, "dump starts with a comment line");
	buf_append(out, nl + 1, n - (size_t)(nl + 1 - p));
	free(p);
}

/* A value that goes into a mail header: no line break, no control. */
static void
check_header_value(const char *v, const char *what)
{
	const unsigned char *p;

	if (v == NULL)
		return;
	for (p = (const unsigned char *)v; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f, what);
	FUZZ_CHECK(utf8_valid(v, strlen(v)), what);
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
check_values(const struct config *cf)
{
	size_t i;

	FUZZ_CHECK(cf->reply_address && cf->reply_local && cf->reply_domain,
	    "reply address and its parts set");
	FUZZ_CHECK(strlen(cf->reply_local) >= 1 &&
	    strlen(cf->reply_local) <= TOKEN_LOCAL_PREFIX_MAX,
	    "reply local part leaves room for +TOKEN in 64 characters");
	FUZZ_CHECK(cf->reply_domain[0] != '\0', "reply domain not empty");
	check_header_value(cf->reply_address, "reply_address");
	check_header_value(cf->from_name, "from_name is header text");
	check_header_value(cf->subject_prefix, "subject_prefix is header text");
	check_header_value(cf->header_prefix, "header_prefix is header text");
	FUZZ_CHECK(cf->header_prefix != NULL &&
	    strchr(cf->header_prefix, ':') == NULL &&
	    strchr(cf->header_prefix, ' ') == NULL,
	    "header_prefix is a field name prefix");
	FUZZ_CHECK(cf->tag != NULL && cf->tag[0] != '\0', "tag not empty");
	FUZZ_CHECK(strchr(cf->tag, '\n') == NULL &&
	    strchr(cf->tag, '\r') == NULL, "tag on one line");
	check_header_value(cf->alert_to, "alert_to is an address");
	FUZZ_CHECK(cf->n_channels >= 5 &&
	    cf->n_channels <= CONFIG_CHANNEL_MAX, "channels within bounds");
	for (i = 0; i < cf->n_channels; i++) {
		const char *name = cf->channels[i].name;

		check_header_value(cf->channels[i].alert_to,
		    "channel alert_to is an address");
		FUZZ_CHECK(config_channel_name_ok(name, strlen(name)) &&
		    strpbrk(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == NULL,
		    "channel name a lowercase token");
		FUZZ_CHECK(config_channel_get(cf, name, strlen(name)) ==
		    &cf->channels[i], "channel names unique");
	}
	for (i = 0; i < cf->n_channel_aliases; i++) {
		const char *to = strrchr(cf->channel_aliases[i], ':');

		FUZZ_CHECK(to != NULL, "alias is WORD: CHANNEL");
		for (to++; *to == ' ' || *to == '\t'; to++)
			;
		FUZZ_CHECK(config_channel_get(cf, to, strlen(to)) != NULL,
		    "alias names a channel of the config");
	}
	if (cf->info_message != NULL) {
		FUZZ_CHECK(utf8_valid(cf->info_message,
		    strlen(cf->info_message)), "info_message is UTF-8");
		FUZZ_CHECK(utf8_chars(cf->info_message) <= CONFIG_INFO_MAX,
		    "info_message within CONFIG_INFO_MAX characters");
	}
	FUZZ_CHECK(cf->default_lang != NULL &&
	    lang_template(cf->default_lang) != NULL,
	    "default_lang names a template language");
	FUZZ_CHECK(cf->token_lifetime_days >= 0, "lifetime not negative");
	FUZZ_CHECK(cf->imap_port >= 1 && cf->imap_port <= 65535,
	    "imap port in range");
	if (cf->reasons != NULL)
		FUZZ_CHECK(cf->reasons[cf->n_reasons] == NULL,
		    "reasons NULL-terminated at n_reasons");
	if (cf->priorities != NULL)
		FUZZ_CHECK(cf->priorities[cf->n_priorities] == NULL,
		    "priorities NULL-terminated at n_priorities");
}

/*
 * fuzz_config_one - one input as a whole npsgate.conf.
 */
int
fuzz_config_one(const uint8_t *data, size_t size)
{
	struct buf d1 = BUF_INIT, d2 = BUF_INIT;
	struct config *cf, *cf2;
	struct npserr err;
	const char *path;

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	(void)config_channel_name_ok((const char *)data, size);
	path = fuzz_tmpfile(0, data, size);
	err.msg[0] = '\0';
	cf = config_load_flags(path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0', "refused config says why");
		return 0;
	}
	check_values(cf);
	(void)config_list_match(cf->reasons, (const char *)data, size);
	(void)config_info_message(cf, "fr");
	dump_to(cf, &d1);
	path = fuzz_tmpfile(2, (const uint8_t *)d1.data, d1.len);
	cf2 = config_load_flags(path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf2 == NULL)
		fprintf(stderr, "reload of the dump failed: %s\n", err.msg);
	FUZZ_CHECK(cf2 != NULL, "the dump of a loaded config loads");
	dump_to(cf2, &d2);
	FUZZ_CHECK(d1.len == d2.len && memcmp(d1.data, d2.data, d1.len) == 0,
	    "dump, load, dump is a fixed point");
	config_free(cf2);
	config_free(cf);
	buf_free(&d1);
	buf_free(&d2);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_config_one)
#endif
