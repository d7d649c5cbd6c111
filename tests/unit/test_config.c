/*
 * test_config.c - npsgate.conf: defaults, every class of error with its
 * FILE:LINE message, lists, texts, dump and reload, the sample config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "conf/config.h"
#include "testlib.h"

#define DATA TEST_SRCDIR "/tests/data/config/"
#define SAMPLE TEST_SRCDIR "/etc/npsgate.conf.sample"

static char *tmpdir;		/* testlib_dir_make("config") */
static char conf_path[256];	/* tmpdir/t.conf: the config under test */
static char conf2_path[256];	/* tmpdir/u.conf: a second one */
static char key_path[256];	/* tmpdir/keys: an existing key file */

/* The required keys; a test's own lines start on line 8. */
static const char head[] =
    "[general]\n"
    "reply_address = nps@reply.example\n"
    "key_file = /nonexistent/npsgate-test/keys\n"
    "[store]\n"
    "path = /var/lib/npsgate/npsgate.db\n"
    "[milter]\n"
    "socket = inet:8891@127.0.0.1\n";

static void
write_file(const char *path, const char *data, size_t len)
{
	assert_int_equal(testlib_file_write(path, data, len, 0644), 0);
}

static char *
read_all(const char *path)
{
	char *text = testlib_file_read(path, NULL);

	assert_non_null(text);
	return text;
}

/* Loads head + tail, without the file checks unless flags say so. */
static struct config *
load_tail(const char *tail, int flags, struct npserr *err)
{
	struct buf b = BUF_INIT;
	struct config *cf;

	buf_puts(&b, head);
	buf_puts(&b, tail);
	write_file(conf_path, b.data, b.len);
	buf_free(&b);
	cf = config_load_flags(conf_path, flags, err);
	return cf;
}

/* Loads head + tail, which must be refused: its message into err, and
 * into want what it should be, "conf_path:LINE: rest". */
static void
load_refused(const char *tail, int line, const char *rest,
    struct npserr *err, char want[NPSERR_MAX])
{
	if (load_tail(tail, CONFIG_NO_FILE_CHECKS, err) != NULL)
		fail_msg("accepted: %s", tail);
	if (line > 0)
		snprintf(want, NPSERR_MAX, "%s:%d: %s", conf_path, line, rest);
	else
		snprintf(want, NPSERR_MAX, "%s: %s", conf_path, rest);
}

/* The load of head + tail fails with exactly "conf_path:LINE: rest". */
static void
assert_refused(const char *tail, int line, const char *rest)
{
	struct npserr err;
	char want[NPSERR_MAX];

	load_refused(tail, line, rest, &err, want);
	assert_string_equal(err.msg, want);
}

/* As assert_refused, but only the start of the message is pinned. */
static void
assert_refused_prefix(const char *tail, int line, const char *rest)
{
	struct npserr err;
	char want[NPSERR_MAX];

	load_refused(tail, line, rest, &err, want);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("got  '%s'\nwant '%s...'", err.msg, want);
}

static struct config *
assert_accepted(const char *tail)
{
	struct npserr err;
	struct config *cf;

	cf = load_tail(tail, CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL)
		fail_msg("refused: %s", err.msg);
	return cf;
}

static char *
dump_to_string(const struct config *cf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	config_dump(cf, fp);
	assert_int_equal(fclose(fp), 0);
	return text;
}

/* The dump without its first line, which names the file. */
static const char *
dump_body(const char *dump)
{
	const char *nl = strchr(dump, '\n');

	assert_non_null(nl);
	return nl + 1;
}

/* ------------------------------------------------------------ defaults */

static void
assert_one_channel_defaults(const struct config_channel *c)
{
	assert_true(c->enabled);
	assert_int_equal(c->type, SURVEY_NPS);
	assert_int_equal(c->delay_days, 0);
	assert_true(c->ack);
	assert_null(c->alert_to);
}

/* The five built-in channels, in their order, and the default one. */
static void
assert_channel_defaults(const struct config *cf)
{
	static const char *const names[] = {
		"email", "phone", "web", "social", "chat"
	};
	size_t ch;

	assert_int_equal(cf->n_channels, 5);
	for (ch = 0; ch < cf->n_channels; ch++) {
		assert_string_equal(cf->channels[ch].name, names[ch]);
		assert_one_channel_defaults(&cf->channels[ch]);
	}
	assert_null(cf->channel_default.name);
	assert_one_channel_defaults(&cf->channel_default);
}

static void
test_minimal_config_gets_documented_defaults(void **state)
{
	struct npserr err;
	struct config *cf;

	(void)state;
	cf = config_load_flags(DATA "minimal.conf", CONFIG_NO_FILE_CHECKS,
	    &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(cf->path, DATA "minimal.conf");
	assert_string_equal(cf->reply_address, "nps@reply.example");
	assert_string_equal(cf->reply_local, "nps");
	assert_string_equal(cf->reply_domain, "reply.example");
	assert_string_equal(cf->key_file, "/etc/npsgate/keys");
	assert_int_equal(cf->key_file_line, 5);
	assert_int_equal(cf->token_lifetime_days, 180);
	assert_string_equal(cf->templates_dir, "/env/templates");
	assert_string_equal(cf->default_lang, "fr");
	assert_string_equal(cf->from_name, "");

	assert_string_equal(cf->store_path, "/var/lib/npsgate/npsgate.db");
	assert_int_equal(cf->busy_timeout_ms, 5000);

	assert_string_equal(cf->milter_socket,
	    "unix:/var/spool/postfix/npsgate/milter.sock");
	assert_null(cf->milter_user);
	assert_null(cf->milter_group);
	assert_int_equal(cf->on_error, ON_ERROR_ACCEPT);
	assert_int_equal(cf->max_body, 50 * 1024 * 1024);
	assert_string_equal(cf->header_prefix, "X-NPS-");
	assert_string_equal(cf->tag, "[InsertSatisfactionEvaluation]");
	assert_int_equal(cf->multiple_recipients, MULTI_RCPT_FIRST);
	assert_string_equal(cf->postsuper, "/usr/sbin/postsuper");
	assert_null(cf->postfix_config_dir);

	assert_int_equal(cf->style, STYLE_NUMBERS);
	assert_null(cf->icon_url);
	assert_string_equal(cf->gradient_from, "#d7191c");
	assert_string_equal(cf->gradient_mid, "#a15c00");
	assert_string_equal(cf->gradient_to, "#1b7a3a");
	assert_null(cf->landing_url);
	assert_null(cf->info_message);
	for (int i = 0; i < LANG_COUNT; i++)
		assert_null(cf->info_messages[i]);
	for (int i = 0; i < LANG_COUNT; i++)
		assert_null(cf->subject_prefixes[i]);
	assert_string_equal(cf->background, "transparent");
	assert_int_equal(cf->align, ALIGN_LEFT);
	assert_null(cf->privacy_url);
	assert_null(cf->subject_prefix);

	assert_null(cf->reasons);
	assert_int_equal(cf->n_reasons, 0);
	assert_null(cf->priorities);
	assert_int_equal(cf->n_priorities, 0);
	assert_int_equal(cf->min_days_between, 0);

	assert_channel_defaults(cf);

	assert_string_equal(cf->imap_host, "127.0.0.1");
	assert_int_equal(cf->imap_port, 993);
	assert_int_equal(cf->imap_tls, TLS_IMPLICIT);
	assert_null(cf->imap_ca_file);
	assert_true(cf->imap_verify);
	assert_string_equal(cf->imap_user, "nps");
	assert_string_equal(cf->imap_password_file, "/etc/npsgate/imap.pass");
	assert_string_equal(cf->imap_mailbox, "INBOX");
	assert_string_equal(cf->folder_processed, "Processed");
	assert_string_equal(cf->folder_review, "NeedsReview");
	assert_string_equal(cf->folder_autoreplies, "AutoReplies");
	assert_string_equal(cf->folder_bounces, "Bounces");
	assert_int_equal(cf->poll_interval, 60);
	assert_int_equal(cf->forwarded, FORWARDED_COUNT);

	assert_true(cf->ack);
	assert_string_equal(cf->sendmail, "/usr/sbin/sendmail");
	assert_int_equal(cf->detractor_max, 6);
	assert_null(cf->alert_to);
	assert_null(cf->alert_command);
	assert_int_equal(cf->alert_timeout, 10);

	assert_int_equal(cf->min_responses, 30);
	config_free(cf);
}

static void
test_defaults_have_placeholders_for_required_keys(void **state)
{
	struct config *cf = config_defaults();

	(void)state;
	assert_string_equal(cf->path, "(defaults)");
	assert_string_equal(cf->reply_address, "nps@reply.example");
	assert_string_equal(cf->reply_local, "nps");
	assert_string_equal(cf->reply_domain, "reply.example");
	assert_string_equal(cf->key_file, "");
	assert_string_equal(cf->store_path, "");
	assert_string_equal(cf->milter_socket,
	    "unix:/var/spool/postfix/npsgate/milter.sock");
	assert_int_equal(cf->imap_port, 993);
	assert_int_equal(cf->max_body, 50 * 1024 * 1024);
	assert_int_equal(cf->style, STYLE_NUMBERS);
	assert_string_equal(cf->imap_mailbox, "INBOX");
	assert_channel_defaults(cf);
	config_free(cf);
}

static void
test_imap_port_follows_tls_mode_unless_set(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("[imap]\ntls = starttls\n");
	assert_int_equal(cf->imap_tls, TLS_STARTTLS);
	assert_int_equal(cf->imap_port, 143);
	config_free(cf);
	cf = assert_accepted("[imap]\ntls = none\n");
	assert_int_equal(cf->imap_port, 143);
	config_free(cf);
	cf = assert_accepted("[imap]\ntls = implicit\n");
	assert_int_equal(cf->imap_port, 993);
	config_free(cf);
	cf = assert_accepted("[imap]\ntls = starttls\nport = 10143\n");
	assert_int_equal(cf->imap_port, 10143);
	config_free(cf);
}

/* [general] node names this relay among those sharing a store: the host
 * name unless set, a name a host could have, never empty. */
static void
test_node_is_the_host_name_unless_set(void **state)
{
	struct config *cf;
	char host[256], big[100], want[200];

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	cf = assert_accepted("");
	assert_non_null(cf->node);
	assert_string_equal(cf->node, host);
	config_free(cf);

	cf = assert_accepted("[general]\nnode = relay-2.dc_1\n");
	assert_string_equal(cf->node, "relay-2.dc_1");
	config_free(cf);

	memset(big, 'n', 64);
	snprintf(want, sizeof(want), "[general]\nnode = %.64s\n", big);
	cf = assert_accepted(want);
	assert_int_equal(strlen(cf->node), 64);
	config_free(cf);

	memset(big, 'n', 65);
	snprintf(want, sizeof(want), "[general]\nnode = %.65s\n", big);
	assert_refused_prefix(want, 9, "[general] node: 'nnnnn");
	assert_refused("[general]\nnode = relay one\n", 9, "[general] node: "
	    "'relay one' cannot name this relay; allowed: 1 to 64 "
	    "characters of A-Z a-z 0-9 . - _, one name per relay sharing "
	    "the store, e.g. node = relay1");
	assert_refused_prefix("[general]\nnode = relay/1\n", 9,
	    "[general] node: 'relay/1' cannot name this relay;");
	assert_refused("[general]\nnode =\n", 9, "[general] node: empty; "
	    "allowed: the name of this relay, 1 to 64 characters of A-Z a-z "
	    "0-9 . - _, e.g. node = relay1, or no node line for the host "
	    "name");
	assert_true(config_node_ok("a", 1));
	assert_false(config_node_ok("", 0));
	assert_false(config_node_ok("r\xc3\xa9lais", 7));
}

static void
test_templates_dir_env_overrides_default_not_key(void **state)
{
	struct config *cf;

	(void)state;
	/* main() sets NPSGATE_TEMPLATES_DIR=/env/templates. */
	cf = assert_accepted("");
	assert_string_equal(cf->templates_dir, "/env/templates");
	config_free(cf);
	cf = assert_accepted("[general]\ntemplates_dir = /key/templates\n");
	assert_string_equal(cf->templates_dir, "/key/templates");
	config_free(cf);
	cf = config_defaults();
	assert_string_equal(cf->templates_dir, "/env/templates");
	config_free(cf);

	unsetenv("NPSGATE_TEMPLATES_DIR");
	cf = assert_accepted("");
	assert_string_equal(cf->templates_dir, NPSGATE_DATADIR "/templates");
	config_free(cf);
	setenv("NPSGATE_TEMPLATES_DIR", "/env/templates", 1);
}

/* -------------------------------------------------------------- errors */

static void
test_unknown_key_names_it_and_suggests(void **state)
{
	(void)state;
	assert_refused("[survey]\nstlye = stars\n", 9,
	    "[survey] stlye: unknown key (did you mean style?); allowed: "
	    "style, icon_url, gradient_from, gradient_mid, gradient_to, "
	    "landing_url, info_message, info_message.fr, info_message.en, "
	    "info_message.de, info_message.es, info_message.it, "
	    "info_message.nl, info_message.pt, background, align, "
	    "privacy_url, subject_prefix, subject_prefix.fr, "
	    "subject_prefix.en, subject_prefix.de, subject_prefix.es, "
	    "subject_prefix.it, subject_prefix.nl, subject_prefix.pt");
	assert_refused_prefix("[milter]\nport = 25\n", 9,
	    "[milter] port: unknown key (it belongs in [imap]); allowed: "
	    "socket, user,");
	assert_refused_prefix("[report]\ncolour = red\n", 9,
	    "[report] colour: unknown key; allowed: min_responses");
}

static void
test_unknown_section_names_it_even_when_empty(void **state)
{
	(void)state;
	assert_refused_prefix("[chanel.portal]\nenabled = no\n", 8,
	    "[chanel.portal]: unknown section (did you mean "
	    "[channel.portal]?); allowed: general, store, milter, survey, "
	    "rules, channel.NAME, imap, ");
	assert_refused_prefix("[channel]\n", 8,
	    "[channel]: unknown section; allowed: general, store, milter, "
	    "survey, rules, channel.NAME, imap, followup, report");
	assert_refused_prefix("\n[surveys]\n", 9,
	    "[surveys]: unknown section (did you mean [survey]?)");
	assert_refused_prefix("[webhooks]\n", 8,
	    "[webhooks]: unknown section; allowed: general,");
}

static void
test_bad_boolean_is_refused(void **state)
{
	(void)state;
	assert_refused("[channel.chat]\nenabled = maybe\n", 9,
	    "[channel.chat] enabled: 'maybe' is not a boolean; allowed: yes, "
	    "no, true, false, on, off, 1, 0");
}

/* Which replies go on to the help desk: [imap]'s three modes, and a
 * channel's, which may also take [imap]'s. */
static void
test_forward_to_helpdesk_values(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("");
	assert_int_equal(cf->forward_to_helpdesk, FORWARD_NO_SCORE);
	assert_int_equal(testlib_channel(cf, "phone")->forward_to_helpdesk,
	    FORWARD_INHERIT);
	assert_null(cf->forward_sender);
	config_free(cf);
	cf = assert_accepted("[imap]\nforward_to_helpdesk = comments\n"
	    "forward_sender = nps-bounces@shop.example\n"
	    "[channel.phone]\nforward_to_helpdesk = none\n");
	assert_int_equal(cf->forward_to_helpdesk, FORWARD_COMMENTS);
	assert_int_equal(testlib_channel(cf, "phone")->forward_to_helpdesk,
	    FORWARD_NONE);
	assert_string_equal(cf->forward_sender, "nps-bounces@shop.example");
	config_free(cf);
	assert_refused("[imap]\nforward_to_helpdesk = default\n", 9,
	    "[imap] forward_to_helpdesk: 'default' is not a"
	    " forward_to_helpdesk value; allowed: none, no-score, comments");
	assert_refused("[channel.phone]\nforward_to_helpdesk = always\n", 9,
	    "[channel.phone] forward_to_helpdesk: 'always' is not a"
	    " forward_to_helpdesk value; allowed: none, no-score, comments,"
	    " default");
	assert_refused_prefix("[imap]\nforward_sender = not an address\n", 9,
	    "[imap] forward_sender: ");
}

static void
test_bad_int_and_range_are_refused(void **state)
{
	(void)state;
	assert_refused("[channel.phone]\ndelay_days = 3d\n", 9,
	    "[channel.phone] delay_days: '3d' is not a whole number; "
	    "allowed: 0..365");
	assert_refused("[channel.phone]\ndelay_days = 366\n", 9,
	    "[channel.phone] delay_days: '366' is out of range; allowed: "
	    "0..365");
	assert_refused("[channel.phone]\ndelay_days = -1\n", 9,
	    "[channel.phone] delay_days: '-1' is out of range; allowed: "
	    "0..365");
	assert_refused("[imap]\nport = 99999999999999999999\n", 9,
	    "[imap] port: '99999999999999999999' is not a whole number; "
	    "allowed: 1..65535");
	assert_refused("[imap]\nport =\n", 9,
	    "[imap] port: empty value; allowed: 1..65535");
}

static void
test_bad_style_is_refused(void **state)
{
	(void)state;
	assert_refused("\n\n\n\n[survey]\nstyle = star\n", 13,
	    "[survey] style: 'star' is not a style; allowed: numbers, stars, "
	    "icons, gradient");
}

static void
test_broken_data_file_names_line_12(void **state)
{
	struct npserr err;

	(void)state;
	assert_null(config_load_flags(DATA "broken.conf",
	    CONFIG_NO_FILE_CHECKS, &err));
	assert_string_equal(err.msg, DATA "broken.conf:12: [survey] style: "
	    "'star' is not a style; allowed: numbers, stars, icons, gradient");
}

static void
test_sizes_take_k_m_g_suffixes(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("[milter]\nmax_body = 512k\n");
	assert_int_equal(cf->max_body, 512 * 1024);
	config_free(cf);
	cf = assert_accepted("[milter]\nmax_body = 20M\n");
	assert_int_equal(cf->max_body, 20 * 1024 * 1024);
	config_free(cf);
	cf = assert_accepted("[milter]\nmax_body = 1G\n");
	assert_int_equal(cf->max_body, 1024L * 1024 * 1024);
	config_free(cf);
	cf = assert_accepted("[milter]\nmax_body = 4096\n");
	assert_int_equal(cf->max_body, 4096);
	config_free(cf);
	assert_refused("[milter]\nmax_body = 3T\n", 9,
	    "[milter] max_body: '3T' is not a size; allowed: a size in bytes "
	    "with an optional suffix k, M or G, from 1k to 2G");
	assert_refused("[milter]\nmax_body = 3G\n", 9,
	    "[milter] max_body: '3G' is out of range; allowed: a size in "
	    "bytes with an optional suffix k, M or G, from 1k to 2G");
	assert_refused_prefix("[milter]\nmax_body = 12 M\n", 9,
	    "[milter] max_body: '12 M' is not a size;");
}

static void
test_booleans_take_every_spelling(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES" };
	static const char *const no[] = { "no", "false", "off", "0", "Off" };
	char tail[64];
	struct config *cf;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(tail, sizeof(tail), "[imap]\nverify = %s\n", no[i]);
		cf = assert_accepted(tail);
		assert_false(cf->imap_verify);
		config_free(cf);
		snprintf(tail, sizeof(tail), "[followup]\nack = %s\n", yes[i]);
		cf = assert_accepted(tail);
		assert_true(cf->ack);
		config_free(cf);
	}
}

static void
test_info_message_of_800_multibyte_chars_is_accepted(void **state)
{
	struct buf t = BUF_INIT;
	struct config *cf;
	size_t i;

	(void)state;
	/* 800 code points, 2 to 4 bytes each: 2600 bytes on one line. */
	buf_puts(&t, "[survey]\ninfo_message = ");
	for (i = 0; i < 200; i++)
		buf_puts(&t, "é€😀a");
	buf_puts(&t, "\n");
	cf = assert_accepted(buf_cstr(&t));
	assert_int_equal(strlen(cf->info_message), 200 * (2 + 3 + 4 + 1));
	assert_memory_equal(cf->info_message, "é€😀a", 10);
	assert_string_equal(config_info_message(cf, "fr"), cf->info_message);
	config_free(cf);
	buf_free(&t);
}

static void
test_info_message_of_801_chars_is_refused_with_count(void **state)
{
	struct buf t = BUF_INIT;
	size_t i;

	(void)state;
	buf_puts(&t, "[survey]\ninfo_message = ");
	for (i = 0; i < 200; i++)
		buf_puts(&t, "é€😀a");
	buf_puts(&t, "ß\n");
	assert_refused(buf_cstr(&t), 9, "[survey] info_message: 801 "
	    "characters is too long; allowed: at most 800 characters");
	buf_free(&t);
}

static void
test_info_message_continues_on_indented_lines(void **state)
{
	struct buf t = BUF_INIT;
	struct config *cf;
	size_t i;

	(void)state;
	/* Its lines are text: " ;" starts no comment, as it does after
	 * other values. */
	cf = assert_accepted("[survey]\ninfo_message = Première ligne ; "
	    "suite.\n\tDeuxième ligne ; avec un point-virgule.\n"
	    "  Troisième.\nstyle = gradient ; dégradé\n");
	assert_string_equal(cf->info_message, "Première ligne ; suite.\n"
	    "Deuxième ligne ; avec un point-virgule.\nTroisième.");
	assert_int_equal(cf->style, STYLE_GRADIENT);
	config_free(cf);

	/* The newlines count: 2 lines of 400 = 801 characters. */
	buf_puts(&t, "[survey]\ninfo_message = ");
	for (i = 0; i < 400; i++)
		buf_puts(&t, "é");
	buf_puts(&t, "\n\t");
	for (i = 0; i < 400; i++)
		buf_puts(&t, "x");
	buf_puts(&t, "\n");
	assert_refused(buf_cstr(&t), 9, "[survey] info_message: 801 "
	    "characters is too long; allowed: at most 800 characters");
	buf_free(&t);
}

static void
test_invalid_utf8_is_refused(void **state)
{
	(void)state;
	assert_refused("[survey]\ninfo_message = caf\xe9 cr\xe8me\n", 9,
	    "[survey] info_message: invalid UTF-8 in 'caf\\xe9 cr\\xe8me' "
	    "after 3 characters; allowed: text in UTF-8");
	/* An overlong '/' and a UTF-16 surrogate are not UTF-8 either. */
	assert_refused_prefix("[rules]\nreasons = a\xc0\xaf\n", 9,
	    "[rules] reasons: invalid UTF-8 in ");
	assert_refused_prefix("[general]\nfrom_name = \xed\xa0\x80\n", 9,
	    "[general] from_name: invalid UTF-8 in ");
}

static void
test_missing_key_file_says_how_to_create_it(void **state)
{
	struct npserr err;
	char want[NPSERR_MAX];
	struct config *cf;

	(void)state;
	assert_null(load_tail("", 0, &err));
	snprintf(want, sizeof(want), "%s:3: [general] key_file: missing "
	    "required file /nonexistent/npsgate-test/keys (No such file or "
	    "directory); run `npsgate keygen -c %s`", conf_path, conf_path);
	assert_string_equal(err.msg, want);

	/* Without the file checks it loads; the check is then separate. */
	cf = load_tail("", CONFIG_NO_FILE_CHECKS, &err);
	assert_non_null(cf);
	assert_int_equal(config_check_files(cf, &err), -1);
	assert_string_equal(err.msg, want);
	config_free(cf);
}

static void
test_existing_key_file_loads(void **state)
{
	struct buf t = BUF_INIT;
	struct npserr err;
	struct config *cf;

	(void)state;
	buf_printf(&t, "[general]\nreply_address = nps@reply.example\n"
	    "key_file = %s\n[store]\npath = /x.db\n[milter]\n"
	    "socket = unix:/run/m.sock\n", key_path);
	write_file(conf_path, t.data, t.len);
	cf = config_load(conf_path, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(cf->key_file, key_path);
	assert_int_equal(config_check_files(cf, &err), 0);
	config_free(cf);

	/* A directory is not a key file. */
	buf_reset(&t);
	buf_printf(&t, "[general]\nreply_address = nps@reply.example\n"
	    "key_file = %s\n[store]\npath = /x.db\n[milter]\n"
	    "socket = unix:/run/m.sock\n", tmpdir);
	write_file(conf_path, t.data, t.len);
	assert_null(config_load(conf_path, &err));
	assert_non_null(strstr(err.msg, ":3: [general] key_file: "));
	assert_non_null(strstr(err.msg, " is a directory"));
	buf_free(&t);
}

static void
test_bad_reply_address_is_refused(void **state)
{
	static const char allowed[] = "; allowed: LOCAL@DOMAIN, LOCAL 1-16 "
	    "characters of a-z 0-9 . _ - (the token goes after LOCAL+), e.g. "
	    "nps@reply.example";
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "nps.reply.example", "'nps.reply.example' has no '@'" },
		{ "nps@a@reply.example", "'nps@a@reply.example' has more than "
		    "one '@'" },
		{ "NPS@reply.example", "'NPS@reply.example' has 'N' in its "
		    "local part" },
		{ "nps+x@reply.example", "'nps+x@reply.example' has '+' in its "
		    "local part" },
		{ "@reply.example", "'@reply.example' has a local part of 0 "
		    "characters" },
		{ "abcdefghijklmnopq@reply.example", "'abcdefghijklmnopq@"
		    "reply.example' has a local part of 17 characters" },
		{ "nps@", "'nps@' has no domain" },
		{ "nps@reply example", "'nps@reply example' has ' ' in its "
		    "domain" },
	};
	char tail[256], want[512];
	struct npserr err;
	struct config *cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(tail, sizeof(tail), "[general]\nreply_address = %s\n"
		    "key_file = /k\n[store]\npath = /s\n[milter]\n"
		    "socket = unix:/m\n", bad[i].value);
		write_file(conf_path, tail, strlen(tail));
		assert_null(config_load_flags(conf_path,
		    CONFIG_NO_FILE_CHECKS, &err));
		snprintf(want, sizeof(want), "%s:2: [general] reply_address: "
		    "%s%s", conf_path, bad[i].why, allowed);
		assert_string_equal(err.msg, want);
	}

	/* 16 characters: with '+' and a 47-character token, 64. */
	snprintf(tail, sizeof(tail), "[general]\nreply_address = "
	    "a.b_c-d012345678@reply.example\nkey_file = /k\n[store]\n"
	    "path = /s\n[milter]\nsocket = unix:/m\n");
	write_file(conf_path, tail, strlen(tail));
	cf = config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(cf->reply_local, "a.b_c-d012345678");
	assert_int_equal(strlen(cf->reply_local) + 1 + 47, 64);
	assert_string_equal(cf->reply_domain, "reply.example");
	config_free(cf);
}

static void
test_team_alert_to_routes_by_team(void **state)
{
	struct config *cf;
	const char *to;
	size_t len = 0;

	(void)state;
	assert_refused_prefix("[followup]\nteam_alert_to = Logistique\n", 9,
	    "[followup] team_alert_to: 'Logistique' is not TEAM: ADDRESS;");
	assert_refused_prefix("[followup]\nteam_alert_to = A: a@x.example, "
	    "B: not an address\n", 9,
	    "[followup] team_alert_to: 'B: not an address' is not TEAM: "
	    "ADDRESS;");
	cf = assert_accepted("[followup]\nteam_alert_to = Logistique: "
	    "log@example.com, Service client : sc@example.com\n");
	assert_int_equal(cf->n_team_alert_to, 2);
	to = config_team_alert_to(cf, "LOGISTIQUE", &len);
	assert_non_null(to);
	assert_int_equal(len, strlen("log@example.com"));
	assert_memory_equal(to, "log@example.com", len);
	to = config_team_alert_to(cf, "Service client", &len);
	assert_non_null(to);
	assert_string_equal(to, "sc@example.com");
	assert_null(config_team_alert_to(cf, "Logist", &len));
	assert_null(config_team_alert_to(cf, NULL, &len));
	config_free(cf);
}

static void
test_bad_colour_is_refused(void **state)
{
	struct config *cf;

	(void)state;
	assert_refused("[survey]\ngradient_mid = #12345g\n", 9,
	    "[survey] gradient_mid: '#12345g' is not a colour; allowed: "
	    "#rrggbb with six hex digits, e.g. #1a9641");
	assert_refused_prefix("[survey]\ngradient_to = red\n", 9,
	    "[survey] gradient_to: 'red' is not a colour;");
	assert_refused_prefix("[survey]\ngradient_from = #fff\n", 9,
	    "[survey] gradient_from: '#fff' is not a colour;");
	cf = assert_accepted("[survey]\nstyle = gradient\n"
	    "gradient_from = #00AAff\n");
	assert_string_equal(cf->gradient_from, "#00AAff");
	config_free(cf);
}

static void
test_icons_need_icon_url_with_score(void **state)
{
	struct config *cf;

	(void)state;
	assert_refused("[survey]\nstyle = icons\n", 9,
	    "[survey] style: 'icons' needs icon_url; allowed: set icon_url = "
	    "https://example.com/icons/{score}.png, or another style "
	    "(numbers, stars, gradient)");
	assert_refused_prefix("[survey]\nstyle = icons\n"
	    "icon_url = https://x.example/a.png\n", 10,
	    "[survey] icon_url: 'https://x.example/a.png' has no {score};");
	cf = assert_accepted("[survey]\nicon_url = https://x.example/{score}"
	    ".png\nstyle = icons\n");
	assert_int_equal(cf->style, STYLE_ICONS);
	assert_string_equal(cf->icon_url, "https://x.example/{score}.png");
	config_free(cf);
}

static void
test_landing_url_needs_http_token_and_score(void **state)
{
	struct config *cf;

	(void)state;
	assert_refused_prefix("[survey]\nlanding_url = ftp://x/{token}/"
	    "{score}\n", 9, "[survey] landing_url: 'ftp://x/{token}/{score}' "
	    "is not a URL; allowed: an https:// or http:// URL with {token} "
	    "and {score}");
	assert_refused_prefix("[survey]\nlanding_url = https://x/?s={score}\n",
	    9, "[survey] landing_url: 'https://x/?s={score}' has no {token};");
	assert_refused_prefix("[survey]\nlanding_url = https://x/?t={token}\n",
	    9, "[survey] landing_url: 'https://x/?t={token}' has no {score};");
	assert_refused_prefix("[survey]\nlanding_url = https://x/\"{token}"
	    "{score}\n", 9, "[survey] landing_url: ");
	cf = assert_accepted("[survey]\nlanding_url = http://intranet/nps?"
	    "t={token}&s={score}\n");
	assert_string_equal(cf->landing_url,
	    "http://intranet/nps?t={token}&s={score}");
	config_free(cf);
}

static void
test_structure_errors_name_the_line(void **state)
{
	struct npserr err;
	struct config *cf;
	char path[300], want[NPSERR_MAX];

	(void)state;
	assert_refused("[store]\nbusy_timeout_ms = 1\nbusy_timeout_ms = 2\n",
	    10, "[store] busy_timeout_ms: set twice (first on line 9); "
	    "allowed: one value per key");
	assert_refused_prefix("[imap]\nthis line has no equals sign\n", 9,
	    "syntax error;");
	assert_refused_prefix("[imap\n", 8, "syntax error;");
	assert_refused("[imap]\ntls = none\n  port = 4\n", 10,
	    "[imap] tls: indented line continues this key's value; allowed: "
	    "keys at the start of the line (only info_message and "
	    "info_message.LANG continue on indented lines)");
	assert_refused_prefix("[general]\nfrom_name = a\x01z\n", 9,
	    "[general] from_name: control character in 'a?z';");
	assert_refused_prefix("[followup]\nsendmail = sbin/sendmail\n", 9,
	    "[followup] sendmail: 'sbin/sendmail' is not an absolute path;");
	write_file(conf_path, "[milter]\nsocket = 8891\n", 24);
	assert_null(config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err));
	assert_non_null(strstr(err.msg, ":2: [milter] socket: '8891' is not a "
	    "milter socket; allowed: unix:/PATH, local:/PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST"));
	/* The indented first key of a section is a key, not a continuation. */
	cf = load_tail("[imap]\n  tls = none\n", CONFIG_NO_FILE_CHECKS, &err);
	assert_non_null(cf);
	assert_int_equal(cf->imap_tls, TLS_NONE);
	config_free(cf);

	write_file(conf_path, "x = 1\n", 6);
	assert_null(config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err));
	assert_non_null(strstr(err.msg, ":1: x: key outside any section;"));

	write_file(conf_path, "[general]\nkey_file = /a\0b\n", 26);
	assert_null(config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err));
	assert_non_null(strstr(err.msg, ":2: NUL byte in the line;"));

	snprintf(path, sizeof(path), "%s/nonexistent.conf", tmpdir);
	assert_null(config_load_flags(path, 0, &err));
	snprintf(want, sizeof(want), "%s: unable to open: No such file or "
	    "directory", path);
	assert_string_equal(err.msg, want);
}

static void
test_folder_that_is_the_mailbox_is_refused(void **state)
{
	struct npserr err;
	struct config *cf;

	(void)state;
	assert_refused("[imap]\nmailbox = INBOX\nfolder_review = INBOX\n", 10,
	    "[imap] folder_review: it names the mailbox the hook reads "
	    "([imap] mailbox = 'INBOX'); a message filed there would be read "
	    "and filed again without end; allowed: another folder, e.g. "
	    "folder_review = NeedsReview");
	/* INBOX in any case, against the default mailbox. */
	assert_refused_prefix("[imap]\nfolder_bounces = Inbox\n", 9,
	    "[imap] folder_bounces: it names the mailbox the hook reads "
	    "([imap] mailbox = 'INBOX');");
	/* No example that would be the mailbox again. */
	assert_refused("[imap]\nmailbox = Processed\nfolder_processed = "
	    "Processed\n", 10, "[imap] folder_processed: it names the "
	    "mailbox the hook reads ([imap] mailbox = 'Processed'); a message "
	    "filed there would be read and filed again without end; allowed: "
	    "another folder");
	/* A mailbox that a folder left at its default names. */
	assert_refused("[imap]\nmailbox = AutoReplies\n", 9,
	    "[imap] mailbox: 'AutoReplies' is also the default of "
	    "folder_autoreplies; a message filed there would be read and "
	    "filed again without end; allowed: another mailbox, e.g. "
	    "mailbox = INBOX, or set folder_autoreplies to another folder");

	/* Other names compare as written; a child of the mailbox is
	 * another mailbox; two roles may share a folder. */
	cf = load_tail("[imap]\nmailbox = Replies\nfolder_processed = "
	    "replies\nfolder_review = INBOX.NeedsReview\nfolder_bounces = "
	    "Other\nfolder_autoreplies = Other\n", CONFIG_NO_FILE_CHECKS,
	    &err);
	assert_non_null(cf);
	config_free(cf);
	assert_true(config_same_mailbox("INBOX", "inbox"));
	assert_true(config_same_mailbox("iNbOx", "INBOX"));
	assert_false(config_same_mailbox("INBOX", "INBOX.x"));
	assert_false(config_same_mailbox("Replies", "replies"));
	assert_true(config_same_mailbox("Replies", "Replies"));
}

static void
test_missing_required_key_is_named(void **state)
{
	struct npserr err;
	const char *text = "[general]\nreply_address = nps@reply.example\n"
	    "key_file = /k\n[milter]\nsocket = unix:/m\n";
	char want[NPSERR_MAX];

	(void)state;
	write_file(conf_path, text, strlen(text));
	assert_null(config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err));
	snprintf(want, sizeof(want), "%s: [store] path: required key is "
	    "missing; allowed: see npsgate.conf.sample, e.g. path = "
	    "/var/lib/npsgate/npsgate.db, or url = "
	    "postgresql://npsgate@db.example/npsgate for a PostgreSQL "
	    "store", conf_path);
	assert_string_equal(err.msg, want);

	/* With its section there, the message points at the section. */
	text = "[general]\nreply_address = nps@reply.example\n[store]\n"
	    "path = /s\n[milter]\nsocket = unix:/m\n";
	write_file(conf_path, text, strlen(text));
	assert_null(config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err));
	snprintf(want, sizeof(want), "%s:1: [general] key_file: required key "
	    "is missing; allowed: see npsgate.conf.sample, e.g. key_file = "
	    "/etc/npsgate/keys", conf_path);
	assert_string_equal(err.msg, want);
}

/* Whether the head without its [store] lines, then store, loads; the
 * problem in err when not. store's lines start on line 6. */
static bool
load_store(const char *store, struct npserr *err)
{
	struct buf t = BUF_INIT;
	struct config *cf;

	buf_printf(&t, "[general]\nreply_address = nps@reply.example\n"
	    "key_file = /k\n[milter]\nsocket = unix:/m\n%s", store);
	write_file(conf_path, t.data, t.len);
	buf_free(&t);
	cf = config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, err);
	config_free(cf);
	return cf != NULL;
}

static void
test_store_path_or_url(void **state)
{
	struct npserr err;
	struct config *cf;
	char want[NPSERR_MAX];

	(void)state;
	/* path alone: the file, as ever. */
	cf = load_tail("", CONFIG_NO_FILE_CHECKS, &err);
	assert_non_null(cf);
	assert_null(cf->store_url);
	assert_string_equal(config_store_address(cf),
	    "/var/lib/npsgate/npsgate.db");
	assert_string_equal(config_store_file(cf),
	    "/var/lib/npsgate/npsgate.db");
	config_free(cf);

	/* Both: refused at url's line, naming path's (without PostgreSQL,
	 * the url alone is refused there). */
#ifdef HAVE_LIBPQ
	assert_refused("[store]\nurl = postgresql://nps@db.example/nps\n", 9,
	    "[store] url: path is set too (line 5); allowed: one of them, "
	    "path for an SQLite file on this host or url for a PostgreSQL "
	    "server: remove the other");
#else
	assert_refused_prefix("[store]\nurl = postgresql://nps@db.example/"
	    "nps\n", 9, "[store] url: this npsgate was built without "
	    "PostgreSQL");
#endif

	/* Neither, the section there: refused at the section. */
	assert_false(load_store("[store]\nbusy_timeout_ms = 10\n", &err));
	snprintf(want, sizeof(want), "%s:6: [store] path: required key is "
	    "missing; allowed: see npsgate.conf.sample, e.g. path = "
	    "/var/lib/npsgate/npsgate.db, or url = "
	    "postgresql://npsgate@db.example/npsgate for a PostgreSQL "
	    "store", conf_path);
	assert_string_equal(err.msg, want);
	/* An empty path is no path. */
	assert_false(load_store("[store]\npath =\n", &err));
	assert_non_null(strstr(err.msg, ":7: [store] path: required key is "
	    "missing;"));

	/* Not an address of PostgreSQL. */
	assert_false(load_store("[store]\nurl = mysql://db/nps\n", &err));
	snprintf(want, sizeof(want), "%s:7: [store] url: 'mysql://db/nps' "
	    "is not a PostgreSQL address; allowed: "
	    "postgresql://USER@HOST:PORT/DATABASE, or libpq's keyword form "
	    "host=HOST dbname=DATABASE", conf_path);
	assert_string_equal(err.msg, want);
}

/* A password in the address is refused, whatever its form, and the
 * message names the password file; addresses without one pass (or, in
 * a build without PostgreSQL, are refused for that). */
static void
test_store_url_password_refused(void **state)
{
	static const char *const bad[] = {
		"postgresql://nps:secret@db.example/nps",
		"postgres://nps:s%40cret@db.example:5433/nps",
		"postgresql://nps@db.example/nps?password=secret",
		"postgresql://db.example/nps?sslmode=require&password=x",
		"host=db.example password=secret dbname=nps",
		"host=db.example  password =secret",
	};
	static const char *const good[] = {
		"postgresql://nps@db.example:5433/nps",
		"postgresql://db.example/nps?sslmode=require",
		"postgresql:///nps?host=/run/postgresql",
		"host=/tmp port=55477 dbname=nps user=nps",
		"host=db.example dbname=nps passfile=/etc/npsgate/pgpass",
	};
	struct npserr err;
	struct buf t = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&t);
		buf_printf(&t, "[store]\nurl = %s\n", bad[i]);
		assert_false(load_store(buf_cstr(&t), &err));
		if (strstr(err.msg, ":7: [store] url: the address holds a "
		    "password; allowed: the address without it, the password "
		    "in libpq's password file (~/.pgpass of the user the "
		    "programs run as, or the file PGPASSFILE names)") == NULL)
			fail_msg("%s: %s", bad[i], err.msg);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		buf_reset(&t);
		buf_printf(&t, "[store]\nurl = %s\n", good[i]);
#ifdef HAVE_LIBPQ
		if (!load_store(buf_cstr(&t), &err))
			fail_msg("%s: %s", good[i], err.msg);
#else
		assert_false(load_store(buf_cstr(&t), &err));
		assert_non_null(strstr(err.msg, ":7: [store] url: this "
		    "npsgate was built without PostgreSQL"));
#endif
	}
	buf_free(&t);
}

/* With url, the store's address is the url and there is no file. */
static void
test_store_url_is_the_address(void **state)
{
	struct npserr err;
	struct config *cf;

	(void)state;
	write_file(conf_path, "[general]\nreply_address = nps@reply.example\n"
	    "key_file = /k\n[store]\nurl = host=/tmp dbname=nps\n",
	    strlen("[general]\nreply_address = nps@reply.example\n"
	    "key_file = /k\n[store]\nurl = host=/tmp dbname=nps\n"));
	cf = config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err);
#ifdef HAVE_LIBPQ
	if (cf == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(config_store_address(cf), "host=/tmp dbname=nps");
	assert_null(config_store_file(cf));
	config_free(cf);
#else
	/* The no-backend build says so, and how to do without. */
	assert_null(cf);
	assert_string_equal(strstr(err.msg, ":5: "), ":5: [store] url: this "
	    "npsgate was built without PostgreSQL (configure "
	    "--without-postgresql, or libpq-dev missing); allowed: path = "
	    "/var/lib/npsgate/npsgate.db for SQLite, or a build with "
	    "libpq-dev installed");
#endif
}

/* ------------------------------------------------------- lists, texts */

static void
test_reasons_list_keeps_accents_and_trims(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("[rules]\nreasons = Emballage, Aspect du "
	    "produit,Prix ,  Qualité, Incident\npriorities = P1\n");
	assert_int_equal(cf->n_reasons, 5);
	assert_string_equal(cf->reasons[0], "Emballage");
	assert_string_equal(cf->reasons[1], "Aspect du produit");
	assert_string_equal(cf->reasons[2], "Prix");
	assert_string_equal(cf->reasons[3], "Qualité");
	assert_string_equal(cf->reasons[4], "Incident");
	assert_null(cf->reasons[5]);
	assert_int_equal(cf->n_priorities, 1);
	assert_string_equal(cf->priorities[0], "P1");
	assert_null(cf->priorities[1]);

	assert_true(config_list_match(cf->reasons, "qualité", 8));
	assert_true(config_list_match(cf->reasons, "  QUALITé\t", 11));
	/* Only ASCII letters fold: É is not é. */
	assert_false(config_list_match(cf->reasons, "QUALITÉ", 8));
	assert_true(config_list_match(cf->reasons, " aspect DU produit ", 19));
	assert_false(config_list_match(cf->reasons, "Aspect", 6));
	assert_false(config_list_match(cf->reasons, "", 0));
	/* Length-delimited: the bytes after len do not count. */
	assert_true(config_list_match(cf->reasons, "PrixFixe", 4));
	assert_false(config_list_match(cf->reasons, "Pri\0x", 5));
	assert_true(config_list_match(cf->priorities, "p1", 2));
	assert_false(config_list_match(cf->priorities, "P2", 2));
	config_free(cf);

	/* No list: every value matches. */
	assert_true(config_list_match(NULL, "anything", 8));
	assert_refused_prefix("[rules]\nreasons = Prix,,Qualité\n", 9,
	    "[rules] reasons: 'Prix,,Qualité' has an empty item (number 2);");
}

static void
test_default_info_message_depends_on_language(void **state)
{
	struct config *cf = config_defaults();
	const char *fr, *en;

	(void)state;
	fr = config_info_message(cf, "fr");
	en = config_info_message(cf, "en");
	assert_string_not_equal(fr, en);
	assert_non_null(strstr(fr, "Votre note et votre commentaire"));
	assert_non_null(strstr(en, "Your score and your comment"));
	assert_ptr_equal(config_info_message(cf, "fr-CA"), fr);
	assert_ptr_equal(config_info_message(cf, "FR"), fr);
	assert_ptr_equal(config_info_message(cf, "fra"), fr);
	assert_non_null(strstr(config_info_message(cf, "de"),
	    "Ihre Bewertung und Ihr Kommentar"));
	assert_non_null(strstr(config_info_message(cf, "es-419"),
	    "Su puntuación y su comentario"));
	assert_non_null(strstr(config_info_message(cf, "ita"),
	    "Il suo voto e il suo commento"));
	assert_non_null(strstr(config_info_message(cf, "nl-BE"),
	    "Uw score en uw opmerking"));
	assert_non_null(strstr(config_info_message(cf, "pt-BR"),
	    "Sua nota e seu comentário"));
	/* A language without a text of its own: the default language's. */
	assert_ptr_equal(config_info_message(cf, "fry"), fr);
	assert_ptr_equal(config_info_message(cf, "sv"), fr);
	assert_ptr_equal(config_info_message(cf, NULL), fr);
	assert_ptr_equal(config_info_message(NULL, "fr"), fr);
	assert_ptr_equal(config_info_message(NULL, "sv"), en);
	config_free(cf);
}

/* default_lang takes the seven languages as a help desk writes them, and
 * names them when it refuses one. */
static void
test_default_lang_takes_the_shipped_languages(void **state)
{
	static const char *const ok[] = { "de", "es", "it", "nl", "pt",
		"pt-BR", "es-419", "deu", "nld", "fr", "en" };
	struct buf b = BUF_INIT;
	struct config *cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		buf_reset(&b);
		buf_printf(&b, "[general]\ndefault_lang = %s\n", ok[i]);
		cf = assert_accepted(buf_cstr(&b));
		assert_string_equal(cf->default_lang, ok[i]);
		config_free(cf);
	}
	buf_free(&b);
	assert_refused_prefix("[general]\ndefault_lang = sv\n", 9,
	    "[general] default_lang: 'sv' is not a language npsgate has "
	    "templates for; allowed: fr, en, de, es, it, nl, pt");
}

static void
test_channels_parse_and_have_names(void **state)
{
	const struct config_channel *phone;
	struct config *cf;

	(void)state;
	cf = assert_accepted("[channel.phone]\nenabled = no\ntype = CSAT\n"
	    "delay_days = 3\nack = off\nalert_to = lead@example.com\n"
	    "[channel.chat]\ntype = ces\n");
	phone = config_channel_find(cf, "phone");
	assert_string_equal(phone->name, "phone");
	assert_false(phone->enabled);
	assert_int_equal(phone->type, SURVEY_CSAT);
	assert_int_equal(phone->delay_days, 3);
	assert_false(phone->ack);
	assert_string_equal(phone->alert_to, "lead@example.com");
	assert_int_equal(config_channel_find(cf, "chat")->type, SURVEY_CES);
	assert_true(config_channel_find(cf, "email")->enabled);
	assert_int_equal(config_channel_find(cf, "email")->type, SURVEY_NPS);
	/* The built-in ones stay five, in their order. */
	assert_int_equal(cf->n_channels, 5);

	assert_ptr_equal(config_channel_get(cf, "Web", 3), &cf->channels[2]);
	assert_ptr_equal(config_channel_get(cf, "chatbot", 4),
	    &cf->channels[4]);
	assert_null(config_channel_get(cf, "fax", 3));
	assert_ptr_equal(config_channel_find(cf, "fax"), &cf->channel_default);
	assert_ptr_equal(config_channel_find(cf, NULL), &cf->channel_default);
	config_free(cf);

	assert_refused("[channel.web]\ntype = promoter\n", 9,
	    "[channel.web] type: 'promoter' is not a survey type; allowed: "
	    "nps, csat, ces");
	assert_refused_prefix("[channel.web]\nalert_to = lead\n", 9,
	    "[channel.web] alert_to: 'lead' is not a mail address;");
}

/* A [channel.NAME] of a name of its own defines a channel with every
 * key of the built-in ones; the dump prints it and loads back. */
static void
test_channel_section_defines_a_channel(void **state)
{
	const struct config_channel *c;
	struct npserr err;
	struct config *cf, *cf2;
	char *dump, *dump2;

	(void)state;
	cf = assert_accepted("[channel.Portal]\nenabled = no\ntype = csat\n"
	    "delay_days = 2\nack = no\nalert_to = portal-leads@example.com\n"
	    "[channel.walk-in_2]\n"
	    "[rules]\nchannel_aliases = Self Service: PORTAL, "
	    "Guichet: walk-in_2\n");
	assert_int_equal(cf->n_channels, 7);
	c = config_channel_find(cf, "PORTAL");
	assert_ptr_equal(c, &cf->channels[5]);
	assert_string_equal(c->name, "portal");
	assert_false(c->enabled);
	assert_int_equal(c->type, SURVEY_CSAT);
	assert_int_equal(c->delay_days, 2);
	assert_false(c->ack);
	assert_string_equal(c->alert_to, "portal-leads@example.com");
	/* A section without keys defines the channel with the defaults. */
	c = config_channel_find(cf, "walk-in_2");
	assert_ptr_equal(c, &cf->channels[6]);
	assert_one_channel_defaults(c);
	assert_one_channel_defaults(config_channel_find(cf, "fax"));

	dump = dump_to_string(cf);
	assert_non_null(strstr(dump, "\n[channel.chat]\n"));
	assert_non_null(strstr(dump, "\n[channel.portal]\nenabled = no\n"
	    "type = csat\ndelay_days = 2\nack = no\n"
	    "alert_to = portal-leads@example.com\n"));
	assert_non_null(strstr(dump, "\n[channel.walk-in_2]\nenabled = yes\n"));
	write_file(conf_path, dump, strlen(dump));
	cf2 = config_load_flags(conf_path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf2 == NULL)
		fail_msg("the dump does not load: %s", err.msg);
	dump2 = dump_to_string(cf2);
	assert_string_equal(dump_body(dump2), dump_body(dump));
	free(dump);
	free(dump2);
	config_free(cf);
	config_free(cf2);
}

/* A channel's name is a bounded token, the channels are bounded in
 * number, and an alias names a channel of the config; each refusal names
 * its line and the fix. */
static void
test_channel_names_and_count_are_bounded(void **state)
{
	struct buf b = BUF_INIT;
	struct config *cf;
	int i;

	(void)state;
	assert_refused("\n[channel.e mail]\nenabled = no\n", 9,
	    "[channel.e mail]: not a channel name; allowed: 1 to "
	    "32 ASCII letters, digits, '-' and '_', e.g. [channel.portal] "
	    "(the help desk's own words go in [rules] channel_aliases)");
	assert_refused_prefix("[channel.]\n", 8,
	    "[channel.]: not a channel name;");
	assert_refused_prefix("[channel.t\xc3\xa9l\xc3\xa9phone]\n", 8,
	    "[channel.t\xc3\xa9l\xc3\xa9phone]: not a channel name;");
	assert_refused_prefix("[channel.a23456789012345678901234567890123]\n",
	    8, "[channel.a23456789012345678901234567890123]: not a channel "
	    "name;");
	cf = assert_accepted("[channel.a2345678901234567890123456789012]\n");
	assert_non_null(config_channel_find(cf,
	    "a2345678901234567890123456789012")->name);
	config_free(cf);

	/* 59 channels of the file and the 5 built-in ones: 64. */
	for (i = 0; i < 59; i++)
		buf_printf(&b, "[channel.c%d]\ntype = ces\n", i);
	cf = assert_accepted(buf_cstr(&b));
	assert_int_equal(cf->n_channels, CONFIG_CHANNEL_MAX);
	assert_int_equal(config_channel_find(cf, "c58")->type, SURVEY_CES);
	config_free(cf);
	/* A section that names a channel again is no new channel. */
	buf_puts(&b, "[channel.C0]\ndelay_days = 1\n[channel.email]\n");
	cf = assert_accepted(buf_cstr(&b));
	assert_int_equal(cf->n_channels, CONFIG_CHANNEL_MAX);
	config_free(cf);
	buf_puts(&b, "[channel.one-more]\n");
	assert_refused(buf_cstr(&b), 8 + 2 * 59 + 3,
	    "[channel.one-more]: one channel too many; allowed: at most 64 "
	    "channels, the five built-in ones included; map the help desk's "
	    "other words to the channels you have with [rules] "
	    "channel_aliases");
	buf_free(&b);

	assert_refused("[rules]\nchannel_aliases = E-Mail: email, "
	    "Portal: portal\n", 9,
	    "[rules] channel_aliases: 'Portal: portal' names no channel; "
	    "allowed: email, phone, web, social, chat or a channel of its "
	    "own section, e.g. [channel.portal]");
	assert_refused_prefix("[rules]\nchannel_aliases = Portal: le web\n", 9,
	    "[rules] channel_aliases: 'Portal: le web' is not WORD: CHANNEL;");
	/* The section may come after the alias. */
	cf = assert_accepted("[rules]\nchannel_aliases = Portal: portal\n"
	    "[channel.portal]\n");
	config_free(cf);
}

/* ------------------------------------------------------ dump and load */

static void
test_dump_load_dump_is_a_fixed_point(void **state)
{
	struct npserr err;
	struct config *cf, *cf2;
	char *d1, *d2;

	(void)state;
	cf = config_load_flags(DATA "full.conf", CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	/* A few of the values, to know the file was read as meant. */
	assert_int_equal(cf->style, STYLE_ICONS);
	assert_int_equal(cf->on_error, ON_ERROR_TEMPFAIL);
	assert_int_equal(cf->max_body, 512 * 1024);
	assert_int_equal(cf->imap_port, 143);
	assert_int_equal(cf->n_reasons, 5);
	assert_string_equal(cf->imap_mailbox, "Réponses");
	assert_non_null(strstr(cf->info_message, " service ;\nElles "));
	assert_non_null(strstr(cf->info_message, " tiers ; écrivez"));

	d1 = dump_to_string(cf);
	write_file(conf2_path, d1, strlen(d1));
	cf2 = config_load_flags(conf2_path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf2 == NULL)
		fail_msg("%s\n%s", err.msg, d1);
	d2 = dump_to_string(cf2);
	assert_string_equal(dump_body(d1), dump_body(d2));
	assert_string_equal(cf2->info_message, cf->info_message);
	assert_int_equal(cf2->imap_port, 143);
	assert_non_null(strstr(d1, "\nreasons = Emballage, Aspect du produit, "
	    "Prix, Qualité, Incident\n"));
	assert_non_null(strstr(d1, "\nmax_body = 512k\n"));
	assert_non_null(strstr(d1, "\non_error = tempfail\n"));
	free(d1);
	free(d2);
	config_free(cf);
	config_free(cf2);

	/* Defaults too: unset keys print as "key =" and load back unset. */
	cf = config_load_flags(DATA "minimal.conf", CONFIG_NO_FILE_CHECKS,
	    &err);
	assert_non_null(cf);
	d1 = dump_to_string(cf);
	write_file(conf2_path, d1, strlen(d1));
	cf2 = config_load_flags(conf2_path, CONFIG_NO_FILE_CHECKS, &err);
	if (cf2 == NULL)
		fail_msg("%s\n%s", err.msg, d1);
	d2 = dump_to_string(cf2);
	assert_string_equal(dump_body(d1), dump_body(d2));
	assert_null(cf2->info_message);
	assert_null(cf2->reasons);
	free(d1);
	free(d2);
	config_free(cf);
	config_free(cf2);
}

/* ------------------------------------------------------------- sample */

static void
test_sample_config_loads_and_documents_the_defaults(void **state)
{
	struct npserr err;
	struct config *cf, *min;
	char *d1, *d2;

	(void)state;
	cf = config_load_flags(SAMPLE, CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	/* The sample sets what the minimal config sets, and every other
	 * key to its default: the two give the same settings. */
	min = config_load_flags(DATA "minimal.conf", CONFIG_NO_FILE_CHECKS,
	    &err);
	assert_non_null(min);
	d1 = dump_to_string(cf);
	d2 = dump_to_string(min);
	assert_string_equal(dump_body(d1), dump_body(d2));
	free(d1);
	free(d2);
	config_free(min);
	config_free(cf);
}

static void
test_sample_config_loads_with_existing_key_file(void **state)
{
	struct npserr err;
	struct config *cf;
	char *text, *at, *eol;
	struct buf t = BUF_INIT;

	(void)state;
	text = read_all(SAMPLE);
	at = strstr(text, "\nkey_file = /etc/npsgate/keys\n");
	assert_non_null(at);
	eol = strchr(at + 1, '\n');
	buf_append(&t, text, (size_t)(at - text));
	buf_printf(&t, "\nkey_file = %s", key_path);
	buf_puts(&t, eol);
	write_file(conf_path, t.data, t.len);
	cf = config_load(conf_path, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(cf->key_file, key_path);
	config_free(cf);
	buf_free(&t);
	free(text);

	/* As shipped, its key file does not exist here: only that fails. */
	if (access("/etc/npsgate/keys", F_OK) == 0)
		skip();
	assert_null(config_load(SAMPLE, &err));
	assert_non_null(strstr(err.msg, "[general] key_file: missing required "
	    "file /etc/npsgate/keys"));
	assert_non_null(strstr(err.msg, "run `npsgate keygen -c " SAMPLE "`"));
}

/* The scope keys: lists read item by item, each item checked, the line
 * and the fix named; no scope and a 2 s store wait by default. */
static void
test_milter_scope_keys(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("");
	assert_null(cf->scope_clients);
	assert_null(cf->scope_logins);
	assert_null(cf->scope_senders);
	assert_int_equal(cf->store_wait_ms, 2000);
	config_free(cf);
	cf = assert_accepted("scope_clients = 192.0.2.10, 10.1.0.0/16, "
	    "2001:db8::/32\nscope_logins = any\nscope_senders = "
	    "helpdesk@shop.example, @support.shop.example\n"
	    "store_wait_ms = 300\n");
	assert_int_equal(cf->n_scope_clients, 3);
	assert_string_equal(cf->scope_clients[1], "10.1.0.0/16");
	assert_string_equal(cf->scope_logins[0], "any");
	assert_int_equal(cf->n_scope_senders, 2);
	assert_int_equal(cf->store_wait_ms, 300);
	config_free(cf);
	assert_refused_prefix("scope_clients = 10.1.0.0/16, 10.1.0.0/33\n", 8,
	    "[milter] scope_clients: '10.1.0.0/33' is not an address or a "
	    "network; allowed:");
	assert_refused_prefix("scope_clients = shop.example\n", 8,
	    "[milter] scope_clients: 'shop.example' is not an address");
	assert_refused_prefix("scope_logins = jane doe\n", 8,
	    "[milter] scope_logins: 'jane doe' is not a login;");
	assert_refused_prefix("scope_senders = helpdesk\n", 8,
	    "[milter] scope_senders: 'helpdesk' is not a sender pattern;");
}

/* Every key the dump prints is in the sample, set or commented out. */
static void
test_sample_lists_every_key(void **state)
{
	struct config *cf = config_defaults();
	char *dump = dump_to_string(cf), *sample = read_all(SAMPLE);
	char *line, *save = NULL, *eq;
	char want[128];
	int keys = 0;

	(void)state;
	for (line = strtok_r(dump, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		eq = strstr(line, " =");
		if (line[0] == ';' || line[0] == '[' || eq == NULL)
			continue;
		*eq = '\0';
		keys++;
		snprintf(want, sizeof(want), "\n%s =", line);
		if (strstr(sample, want) != NULL)
			continue;
		snprintf(want, sizeof(want), "\n;%s =", line);
		if (strstr(sample, want) == NULL)
			fail_msg("key %s is not in the sample", line);
	}
	/* 89 keys outside the channels, 6 in each channel. */
	assert_int_equal(keys, 89 + 6 * (int)cf->n_channels);
	free(dump);
	free(sample);
	config_free(cf);
}

/* full.conf changes every key (in at least one channel for the channel
 * keys), so the round trip covers every key and type. */
static void
test_full_config_changes_every_key(void **state)
{
	struct npserr err;
	struct config *def = config_defaults(), *cf;
	char *d1, *d2, *l1, *l2, *s1 = NULL, *s2 = NULL;
	char names[128][64], sec[32] = "";
	int changed[128] = { 0 };
	size_t n = 0, i;

	(void)state;
	cf = config_load_flags(DATA "full.conf", CONFIG_NO_FILE_CHECKS, &err);
	if (cf == NULL)
		fail_msg("%s", err.msg);
	d1 = dump_to_string(def);
	d2 = dump_to_string(cf);
	l1 = strtok_r((char *)dump_body(d1), "\n", &s1);
	l2 = strtok_r((char *)dump_body(d2), "\n", &s2);
	while (l1 != NULL && l2 != NULL) {
		if (l1[0] == '[') {
			assert_string_equal(l1, l2);
			/* The five channel sections share their keys. */
			snprintf(sec, sizeof(sec), "%.*s",
			    (int)strcspn(l1 + 1, ".]"), l1 + 1);
		} else {
			char name[64];

			snprintf(name, sizeof(name), "%s:%.*s", sec,
			    (int)strcspn(l1, " "), l1);
			for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
				;
			if (i == n) {
				assert_true(n < 128);
				snprintf(names[n++], sizeof(names[0]), "%s",
				    name);
			}
			if (strcmp(l1, l2) != 0)
				changed[i] = 1;
		}
		l1 = strtok_r(NULL, "\n", &s1);
		/* info_message continues on tab-indented lines. */
		do
			l2 = strtok_r(NULL, "\n", &s2);
		while (l2 != NULL && l2[0] == '\t');
	}
	assert_null(l1);
	assert_null(l2);
	assert_int_equal(n, 89 + 6);
	/* [store] url replaces path, which full.conf sets: the tests of
	 * the store's keys set it. */
	for (i = 0; i < n; i++)
		if (!changed[i] && strcmp(names[i], "store:url") != 0)
			fail_msg("full.conf leaves %s at its default",
			    names[i]);
	free(d1);
	free(d2);
	config_free(def);
	config_free(cf);
}

/* info_message.LANG holds one language's note, continued on indented
 * lines like info_message; background is transparent or one colour. */
static void
test_widget_look_and_language_keys(void **state)
{
	struct config *cf;

	(void)state;
	cf = assert_accepted("[survey]\ninfo_message.en = One;\n\ttwo.\n"
	    "info_message.DE = Eins.\nbackground = #FDF6E3\n"
	    "align = Center\n");
	assert_string_equal(cf->info_messages[1], "One;\ntwo.");
	assert_string_equal(cf->info_messages[2], "Eins.");
	assert_null(cf->info_messages[0]);
	assert_null(cf->info_message);
	assert_string_equal(config_info_message(cf, "en-US"), "One;\ntwo.");
	assert_string_equal(cf->background, "#FDF6E3");
	assert_int_equal(cf->align, ALIGN_CENTER);
	config_free(cf);
	assert_refused("[survey]\nbackground = white\n", 9,
	    "[survey] background: 'white' is not a background; allowed: "
	    "transparent, or a colour #rrggbb such as #ffffff");
	assert_refused("[survey]\nalign = right\n", 9,
	    "[survey] align: 'right' is not a position; allowed: left, "
	    "center");
	assert_refused_prefix("[survey]\ninfo_message.sv = Hej\n", 9,
	    "[survey] info_message.sv: unknown key");
}

static int
setup(void **state)
{
	(void)state;
	if ((tmpdir = testlib_dir_make("config")) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", tmpdir);
	snprintf(conf2_path, sizeof(conf2_path), "%s/u.conf", tmpdir);
	snprintf(key_path, sizeof(key_path), "%s/keys", tmpdir);
	write_file(key_path, "", 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	testlib_dir_remove(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_config_gets_documented_defaults),
		cmocka_unit_test(
		    test_defaults_have_placeholders_for_required_keys),
		cmocka_unit_test(test_imap_port_follows_tls_mode_unless_set),
		cmocka_unit_test(
		    test_templates_dir_env_overrides_default_not_key),
		cmocka_unit_test(test_node_is_the_host_name_unless_set),
		cmocka_unit_test(test_unknown_key_names_it_and_suggests),
		cmocka_unit_test(
		    test_unknown_section_names_it_even_when_empty),
		cmocka_unit_test(test_bad_boolean_is_refused),
		cmocka_unit_test(test_forward_to_helpdesk_values),
		cmocka_unit_test(test_bad_int_and_range_are_refused),
		cmocka_unit_test(test_bad_style_is_refused),
		cmocka_unit_test(test_widget_look_and_language_keys),
		cmocka_unit_test(test_broken_data_file_names_line_12),
		cmocka_unit_test(test_sizes_take_k_m_g_suffixes),
		cmocka_unit_test(test_booleans_take_every_spelling),
		cmocka_unit_test(
		    test_info_message_of_800_multibyte_chars_is_accepted),
		cmocka_unit_test(
		    test_info_message_of_801_chars_is_refused_with_count),
		cmocka_unit_test(test_info_message_continues_on_indented_lines),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_missing_key_file_says_how_to_create_it),
		cmocka_unit_test(test_existing_key_file_loads),
		cmocka_unit_test(test_bad_reply_address_is_refused),
		cmocka_unit_test(test_bad_colour_is_refused),
		cmocka_unit_test(test_team_alert_to_routes_by_team),
		cmocka_unit_test(test_icons_need_icon_url_with_score),
		cmocka_unit_test(test_landing_url_needs_http_token_and_score),
		cmocka_unit_test(test_structure_errors_name_the_line),
		cmocka_unit_test(test_folder_that_is_the_mailbox_is_refused),
		cmocka_unit_test(test_missing_required_key_is_named),
		cmocka_unit_test(test_reasons_list_keeps_accents_and_trims),
		cmocka_unit_test(test_default_info_message_depends_on_language),
		cmocka_unit_test(test_default_lang_takes_the_shipped_languages),
		cmocka_unit_test(test_channels_parse_and_have_names),
		cmocka_unit_test(test_channel_section_defines_a_channel),
		cmocka_unit_test(test_channel_names_and_count_are_bounded),
		cmocka_unit_test(test_dump_load_dump_is_a_fixed_point),
		cmocka_unit_test(
		    test_sample_config_loads_and_documents_the_defaults),
		cmocka_unit_test(
		    test_sample_config_loads_with_existing_key_file),
		cmocka_unit_test(test_store_path_or_url),
		cmocka_unit_test(test_store_url_password_refused),
		cmocka_unit_test(test_store_url_is_the_address),
		cmocka_unit_test(test_sample_lists_every_key),
		cmocka_unit_test(test_milter_scope_keys),
		cmocka_unit_test(test_full_config_changes_every_key),
	};

	/* Independent of the environment the tests run in. */
	setenv("NPSGATE_TEMPLATES_DIR", "/env/templates", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
