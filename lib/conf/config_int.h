/*
 * config_int.h - what the pieces of the npsgate.conf reader share (not a
 * public interface; see config.h for that).
 *
 * Every key lives in one table, config_keys[] (config_keys.c), with its
 * section, type, place in struct config, default as it would be written
 * in the file, and limits. The reader (config_parse.c), the defaults and
 * the release of a config (config.c) and the dump (config_dump.c) all
 * walk that table; config_key_set() (config_value.c) is the one way a
 * text becomes a value, for the file and for the defaults alike.
 *
 * A refusal is written into a struct buf as "PROBLEM; allowed: WHAT",
 * without the "FILE:LINE: [section] key: " the reader puts before it.
 */
#ifndef NPSGATE_CONFIG_INT_H
#define NPSGATE_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "conf/config.h"

#define CONFIG_QUOTE_MAX 60	/* bytes of a bad value shown in a message */
#define CONFIG_SIZE_G (1024L * 1024L * 1024L)

enum sec {
	SEC_GENERAL,
	SEC_STORE,
	SEC_MILTER,
	SEC_SURVEY,
	SEC_RULES,
	SEC_CHANNEL,
	SEC_IMAP,
	SEC_FOLLOWUP,
	SEC_REPORT
};

/* One entry, "channel.NAME", stands for every [channel.NAME]. */
struct section_def {
	const char *name;
	enum sec kind;
};

enum ktype {
	KT_STR,		/* text on one line */
	KT_PATH,	/* absolute path */
	KT_INT,
	KT_SIZE,	/* bytes, suffix k, M, G */
	KT_BOOL,
	KT_ENUM,	/* one of names[], stored as an int */
	KT_LIST,	/* comma-separated, char ** plus a count */
	KT_COLOR,	/* #rrggbb */
	KT_TEXT		/* UTF-8, may continue on indented lines */
};

#define K_REQUIRED 0x01	/* must be set, not empty */
#define K_OPTIONAL 0x02	/* empty value: NULL (unset) */
#define K_EMPTY_OK 0x04	/* empty value: "" */

struct key_def {
	enum sec sec;
	const char *name;
	enum ktype type;
	size_t off;		/* in struct config or struct config_channel */
	size_t off_n;		/* KT_LIST: its count */
	unsigned flags;
	const char *def;	/* as written in the file; NULL: none */
	long min, max;		/* KT_INT, KT_SIZE */
	const char *const *names;	/* KT_ENUM */
	const char *noun;	/* KT_ENUM: "'x' is not a NOUN" */
	int (*check)(const char *v, struct buf *why);
	size_t max_chars;	/* KT_TEXT: code points */
};

/* The place of a field of struct config, as the table records it. */
#define G(f) offsetof(struct config, f)

/* config_keys.c: the sections in the order config_dump() prints them,
 * and every key, in the same order within each section. */
extern const struct section_def config_sections[];
extern const size_t config_n_sections;
extern const struct key_def config_keys[];
extern const size_t config_n_keys;

/* Where key k of channel ch lives in cf: ch indexes cf->channels,
 * CONFIG_CHANNEL_DEFAULT is cf->channel_default; 0 outside
 * [channel.NAME]. */
#define CONFIG_CHANNEL_DEFAULT (-1)
void *config_key_ptr(struct config *cf, const struct key_def *k, int ch);
const void *config_key_cptr(const struct config *cf, const struct key_def *k,
    int ch);
/* The index in config_keys[] of name (any case) in a section of kind;
 * -1 when it has no such key. */
long config_key_find(enum sec kind, const char *name);
/* The same for a name of our own table, which must be there. */
size_t config_key_index(enum sec kind, const char *name);

/* config_value.c: sets key k (channel ch) of cf from the text v, as the
 * file gives it; 0, or -1 with the problem and what is allowed in why. */
int config_key_set(struct config *cf, const struct key_def *k, int ch,
    const char *v, struct buf *why);
/* Frees a NULL-terminated list and its items; NULL is fine. */
void config_list_free(char **list);

/* config_check.c: appends 'v' to b, cut after CONFIG_QUOTE_MAX bytes on
 * a character boundary, control characters shown as '?', bytes of
 * invalid UTF-8 as \xNN. */
void config_quote(struct buf *b, const char *v);
/* Refuses v: writes 'v' then rest ("PROBLEM; allowed: ...") into why and
 * returns -1. */
int config_refuse(struct buf *why, const char *v, const char *rest);
/* Every value: no control character but tab, valid UTF-8. */
int config_check_plain(const char *v, struct buf *why);
/* The checks of the table's string values, for a non-empty v. */
int config_check_reply_address(const char *v, struct buf *why);
int config_check_lang(const char *v, struct buf *why);
int config_check_header_text(const char *v, struct buf *why);
int config_check_socket(const char *v, struct buf *why);
int config_check_sysname(const char *v, struct buf *why);
int config_check_node(const char *v, struct buf *why);
int config_check_header_prefix(const char *v, struct buf *why);
int config_check_tag(const char *v, struct buf *why);
int config_check_icon_url(const char *v, struct buf *why);
int config_check_background(const char *v, struct buf *why);
int config_check_landing_url(const char *v, struct buf *why);
int config_check_url(const char *v, struct buf *why);
int config_check_address(const char *v, struct buf *why);
int config_check_team_alert(const char *v, struct buf *why);
int config_check_host(const char *v, struct buf *why);
/* [store] url: a postgresql:// URL or libpq's keyword form, without a
 * password; refused when this build has no PostgreSQL store. */
int config_check_store_url(const char *v, struct buf *why);
/* The role folders (processed, review, autoreplies, bounces, in that
 * order) against [imap] mailbox: 0, or -1 with *role the first that is
 * the mailbox. */
#define CONFIG_FOLDER_ROLES 4
int config_check_folders(const struct config *cf, int *role);
int config_check_cidr(const char *v, struct buf *why);
int config_check_login(const char *v, struct buf *why);
int config_check_sender(const char *v, struct buf *why);
/* "WORD: NAME", NAME a channel's name (config_channel_name_ok(); the
 * reader checks that the config has it). */
int config_check_channel_alias(const char *v, struct buf *why);
/* "HEADER: REGEX", REGEX a POSIX extended regular expression. */
int config_check_closing_pattern(const char *v, struct buf *why);
/* Splits an item "TEAM: ADDRESS" at its last ':' into the length of
 * TEAM without trailing blanks and the address after leading blanks;
 * -1 when the item has no ':'. */
int config_team_alert_split(const char *item, size_t *team_len,
    const char **addr);

/* config_parse.c: the edit distance between a and b, ASCII case folded,
 * for "did you mean"; SIZE_MAX for names of 63 bytes or more. */
size_t config_edit_distance(const char *a, const char *b);

/* config.c: adds the channel name (len bytes, config_channel_name_ok(),
 * stored lowercase) with every key's default and returns its index in
 * cf->channels; the caller keeps to CONFIG_CHANNEL_MAX. */
size_t config_channel_add(struct config *cf, const char *name, size_t len);

/* config_parse.c: reads the text of the file at path (len bytes) into
 * cf, which holds the defaults; 0, or -1 and err ("FILE:LINE: ...") on
 * the first problem by line. Sets inih's process-wide options. */
int config_parse_text(struct config *cf, const char *path, const char *data,
    size_t len, struct npserr *err);

static inline bool
config_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Compares n bytes, ASCII letters without case: UTF-8 bytes compare as
 * they are, whatever the locale. */
static inline int
config_casecmp_ascii(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return ca - cb;
	}
	return 0;
}

#endif
