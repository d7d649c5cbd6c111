/*
 * config.c - npsgate.conf: loading, defaults, release and the accessors
 * the programs use.
 *
 * A config starts as every default (config_new()), then the file is read
 * over it (config_parse.c), then the files it names are checked unless
 * the caller asks not to. The key table (config_keys.c) says where each
 * value lives, so releasing a config walks the same table.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "conf/config_int.h"

#ifndef NPSGATE_DATADIR
#define NPSGATE_DATADIR "/usr/local/share/npsgate"
#endif

/* The default information message of each shipped language, in the
 * order of lang_codes (base/lang.h). */
static const char *const info_default[LANG_COUNT] = {
    "Votre note et votre commentaire sont enregistrés pour nous aider à "
    "améliorer notre service\xc2\xa0; ils ne servent qu'à cela. Vous pouvez à "
    "tout moment nous demander d'y accéder ou de les effacer.",
    "Your score and your comment are recorded to help us improve our "
    "service, and used for nothing else. You can ask us at any time to "
    "see them or to erase them.",
    "Ihre Bewertung und Ihr Kommentar werden gespeichert, damit wir "
    "unseren Service verbessern können, und für nichts anderes "
    "verwendet. Sie können uns jederzeit bitten, sie einzusehen oder zu "
    "löschen.",
    "Su puntuación y su comentario se guardan para ayudarnos a mejorar "
    "nuestro servicio y no se utilizan para nada más. Puede pedirnos en "
    "cualquier momento consultarlos o borrarlos.",
    "Il suo voto e il suo commento vengono registrati per aiutarci a "
    "migliorare il nostro servizio e non sono usati per nient'altro. "
    "Può chiederci in qualsiasi momento di consultarli o di cancellarli.",
    "Uw score en uw opmerking worden bewaard om ons te helpen onze "
    "service te verbeteren, en nergens anders voor gebruikt. U kunt ons "
    "op elk moment vragen ze in te zien of te verwijderen.",
    "Sua nota e seu comentário são registrados para nos ajudar a "
    "melhorar nosso atendimento e não são usados para mais nada. Você "
    "pode nos pedir a qualquer momento para consultá-los ou apagá-los.",
};

/* The channels of every config, before those the file defines. */
static const char *const builtin_channels[] = {
	"email", "phone", "web", "social", "chat"
};

/* Sets key k (channel ch) to a value of our own: the table's default or
 * a placeholder, which the parser cannot refuse. */
static void
key_set_own(struct config *cf, const struct key_def *k, int ch,
    const char *v)
{
	struct buf why = BUF_INIT;

	if (config_key_set(cf, k, ch, v, &why) < 0)
		abort();	/* our table or placeholders are wrong */
	buf_free(&why);
}

/* The keys of [channel.NAME] of channel ch (channel true), or those of
 * the other sections (channel false, ch 0), to their defaults. */
static void
keys_set_defaults(struct config *cf, bool channel, int ch)
{
	const struct key_def *k;
	size_t i;

	for (i = 0; i < config_n_keys; i++) {
		k = &config_keys[i];
		if (k->def != NULL && (k->sec == SEC_CHANNEL) == channel)
			key_set_own(cf, k, ch, k->def);
	}
}

/* Frees the strings and lists of the same keys. */
static void
keys_free(struct config *cf, bool channel, int ch)
{
	const struct key_def *k;
	size_t i;
	void *p;

	for (i = 0; i < config_n_keys; i++) {
		k = &config_keys[i];
		if ((k->sec == SEC_CHANNEL) != channel)
			continue;
		p = config_key_ptr(cf, k, ch);
		if (k->type == KT_LIST)
			config_list_free(*(char ***)p);
		else if (k->type == KT_STR || k->type == KT_PATH ||
		    k->type == KT_TEXT || k->type == KT_COLOR)
			free(*(char **)p);
	}
}

/* config_channel_add - see config_int.h. */
size_t
config_channel_add(struct config *cf, const char *name, size_t len)
{
	struct config_channel *c;
	size_t i;

	cf->channels = xrealloc(cf->channels,
	    (cf->n_channels + 1) * sizeof(*cf->channels));
	c = &cf->channels[cf->n_channels];
	memset(c, 0, sizeof(*c));
	c->name = xstrndup(name, len);
	for (i = 0; i < len; i++)
		if (c->name[i] >= 'A' && c->name[i] <= 'Z')
			c->name[i] += 'a' - 'A';
	keys_set_defaults(cf, true, (int)cf->n_channels);
	return cf->n_channels++;
}

/* The host name, the default of [general] node: a copy, or NULL when
 * the host has none that config_node_ok() takes (the reader then asks
 * for the key). */
static char *
config_host_name(void)
{
	char host[256];
	size_t len;

	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	/* A name cut to the buffer may come without its NUL. */
	host[sizeof(host) - 1] = '\0';
	len = strlen(host);
	return config_node_ok(host, len) ? xstrndup(host, len) : NULL;
}

/* Every default; required keys unset. Caller frees with config_free(). */
static struct config *
config_new(const char *path)
{
	struct config *cf = xcalloc(1, sizeof(*cf));
	const char *env;
	size_t i;

	cf->path = xstrdup(path);
	keys_set_defaults(cf, false, 0);
	keys_set_defaults(cf, true, CONFIG_CHANNEL_DEFAULT);
	for (i = 0; i < sizeof(builtin_channels) / sizeof(*builtin_channels);
	    i++)
		config_channel_add(cf, builtin_channels[i],
		    strlen(builtin_channels[i]));
	env = getenv("NPSGATE_TEMPLATES_DIR");
	cf->templates_dir = xstrdup(env != NULL && *env != '\0' ? env :
	    NPSGATE_DATADIR "/templates");
	cf->node = config_host_name();
	return cf;
}

/* The file at path into out, CONFIG_FILE_MAX bytes at most; 0, or -1
 * and err. */
static int
read_file(const char *path, struct buf *out, struct npserr *err)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "re")) == NULL) {
		npserr_set(err, "%s: unable to open: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = buf_read_stream(out, fp, CONFIG_FILE_MAX);
	if (rc < 0 && errno == EFBIG)
		npserr_set(err, "%s: larger than %d bytes; allowed: a "
		    "config file under 1 MiB", path, CONFIG_FILE_MAX);
	else if (rc < 0)
		npserr_set(err, "%s: unable to read: %s", path,
		    strerror(errno));
	fclose(fp);
	return rc;
}

/*
 * config_load_flags - the config at path, every value validated; with
 * CONFIG_NO_FILE_CHECKS, key_file may not exist yet. Caller frees with
 * config_free(); NULL and err (FILE:LINE: ...) on the first problem.
 * Sets inih's process-wide options: not to be called from two threads.
 */
struct config *
config_load_flags(const char *path, int flags, struct npserr *err)
{
	struct buf text = BUF_INIT;
	struct config *cf;
	int rc;

	npserr_clear(err);
	if (read_file(path, &text, err) < 0) {
		buf_free(&text);
		return NULL;
	}
	cf = config_new(path);
	rc = config_parse_text(cf, path, buf_cstr(&text), text.len, err);
	buf_free(&text);
	if (rc == 0 && !(flags & CONFIG_NO_FILE_CHECKS))
		rc = config_check_files(cf, err);
	if (rc < 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
}

/*
 * config_load - the config at path, validated, with its key file checked.
 * Caller frees with config_free(); NULL and err on the first problem.
 */
struct config *
config_load(const char *path, struct npserr *err)
{
	return config_load_flags(path, 0, err);
}

/*
 * config_check_files - key_file exists, is a file and is readable.
 */
int
config_check_files(const struct config *cf, struct npserr *err)
{
	struct buf where = BUF_INIT;
	struct stat sb;
	int rc = -1;

	if (cf->key_file_line > 0)
		buf_printf(&where, "%s:%d", cf->path, cf->key_file_line);
	else
		buf_puts(&where, cf->path);
	if (cf->key_file == NULL || *cf->key_file == '\0')
		npserr_set(err, "%s: [general] key_file: not set; allowed: the "
		    "key file written by `npsgate keygen -c %s`",
		    buf_cstr(&where), cf->path);
	else if (stat(cf->key_file, &sb) < 0)
		npserr_set(err, "%s: [general] key_file: missing required file "
		    "%s (%s); run `npsgate keygen -c %s`", buf_cstr(&where),
		    cf->key_file, strerror(errno), cf->path);
	else if (S_ISDIR(sb.st_mode))
		npserr_set(err, "%s: [general] key_file: %s is a directory; "
		    "allowed: the key file written by `npsgate keygen -c %s`",
		    buf_cstr(&where), cf->key_file, cf->path);
	else if (access(cf->key_file, R_OK) < 0)
		npserr_set(err, "%s: [general] key_file: unable to read %s "
		    "(%s); allowed: a file this user can read (check its "
		    "owner and mode)", buf_cstr(&where), cf->key_file,
		    strerror(errno));
	else
		rc = 0;
	buf_free(&where);
	return rc;
}

/*
 * config_defaults - every default, with placeholders for the required
 * keys. Caller frees with config_free().
 */
struct config *
config_defaults(void)
{
	struct config *cf = config_new("(defaults)");

	key_set_own(cf, &config_keys[config_key_index(SEC_GENERAL,
	    "reply_address")], 0, "nps@reply.example");
	cf->key_file = xstrdup("");
	cf->store_path = xstrdup("");
	return cf;
}

/*
 * config_free - frees cf and every string and list it owns; NULL is fine.
 */
void
config_free(struct config *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	keys_free(cf, false, 0);
	for (i = 0; i < cf->n_channels; i++) {
		keys_free(cf, true, (int)i);
		free(cf->channels[i].name);
	}
	free(cf->channels);
	keys_free(cf, true, CONFIG_CHANNEL_DEFAULT);
	free(cf->reply_local);
	free(cf->reply_domain);
	free(cf->path);
	free(cf);
}

/* ---------------------------------------------------------- accessors */

const struct config_channel *
config_channel_get(const struct config *cf, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < cf->n_channels; i++)
		if (strlen(cf->channels[i].name) == len &&
		    config_casecmp_ascii(s, cf->channels[i].name, len) == 0)
			return &cf->channels[i];
	return NULL;
}

const struct config_channel *
config_channel_find(const struct config *cf, const char *name)
{
	const struct config_channel *c = NULL;

	if (name != NULL)
		c = config_channel_get(cf, name, strlen(name));
	return c != NULL ? c : &cf->channel_default;
}

const char *
config_channel_typo(const struct config *cf, const struct config_channel *c,
    const char *const *known, size_t n)
{
	size_t nb = sizeof(builtin_channels) / sizeof(*builtin_channels);
	size_t i, d, best = 3;
	const char *name, *found = NULL;

	/* The built-in channels come first in cf->channels. */
	if (c < cf->channels + nb || c >= cf->channels + cf->n_channels)
		return NULL;
	for (i = 0; i < nb + n; i++) {
		name = i < nb ? builtin_channels[i] : known[i - nb];
		d = config_edit_distance(c->name, name);
		if (d == 0)
			return NULL;	/* a preset's channel, as named */
		if (d < best) {
			best = d;
			found = name;
		}
	}
	return found;
}

bool
config_channel_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_CHANNEL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return false;
	return true;
}

bool
config_node_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_NODE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

const char *
config_team_alert_to(const struct config *cf, const char *team, size_t *len)
{
	const char *a;
	size_t i, tl;

	if (team == NULL || cf->team_alert_to == NULL)
		return NULL;
	for (i = 0; i < cf->n_team_alert_to; i++) {
		if (config_team_alert_split(cf->team_alert_to[i], &tl, &a) < 0)
			continue;
		if (strlen(team) != tl ||
		    strncasecmp(cf->team_alert_to[i], team, tl) != 0)
			continue;
		*len = strlen(a);
		return a;
	}
	return NULL;
}

/*
 * config_info_message - info_message.LANG for lang ("de", "pt-BR",
 * "fra"...), else info_message, else the shipped text of lang. A language
 * npsgate does not ship counts as the default language, and as English
 * when that is none either.
 */
const char *
config_info_message(const struct config *cf, const char *lang)
{
	int i;

	if ((i = lang_index(lang)) < 0 && cf != NULL)
		i = lang_index(cf->default_lang);
	if (i < 0)
		i = 1;		/* English, as in lang_codes */
	if (cf != NULL && cf->info_messages[i] != NULL)
		return cf->info_messages[i];
	if (cf != NULL && cf->info_message != NULL)
		return cf->info_message;
	return info_default[i];
}

/*
 * config_list_match - s[0..len) without surrounding blanks equals an item
 * of list, ASCII letters compared without case, other bytes as they are.
 */
bool
config_list_match(char *const *list, const char *s, size_t len)
{
	size_t i;

	if (list == NULL)
		return true;
	while (len > 0 && (config_is_blank(*s) || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	while (len > 0 && (config_is_blank(s[len - 1]) || s[len - 1] == '\r' ||
	    s[len - 1] == '\n'))
		len--;
	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len &&
		    config_casecmp_ascii(list[i], s, len) == 0)
			return true;
	return false;
}

/* config_store_address - see config.h. */
const char *
config_store_address(const struct config *cf)
{
	if (cf->store_url != NULL && cf->store_url[0] != '\0')
		return cf->store_url;
	return cf->store_path != NULL ? cf->store_path : "";
}

/* config_store_file - see config.h. */
const char *
config_store_file(const struct config *cf)
{
	if (cf->store_url != NULL && cf->store_url[0] != '\0')
		return NULL;
	return cf->store_path != NULL ? cf->store_path : "";
}
