/*
 * widget_templates.c - the texts of the widget: templates/LANG/texts.ini.
 *
 * Each language's file is plain "key = value" lines (blank lines and
 * lines opening with '#' or ';' skipped, "\\n" a line break in a value).
 * The set of keys is fixed (key_names): a missing key is an error but for
 * html.score_name, and so is an unknown one, so that a typo never keeps
 * a default silently. English must be there; another language is read
 * when its folder is. The texts are kept as written, {fields} included:
 * widget.c fills and escapes them where they land.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/lang.h"
#include "base/npserr.h"
#include "base/xalloc.h"
#include "conf/config.h"
#include "outgoing/widget.h"
#include "outgoing/widget_int.h"

static const char *const key_names[K_COUNT] = {
	"nps.question", "nps.label_low", "nps.label_high",
	"csat.question", "csat.label_low", "csat.label_high",
	"ces.question", "ces.label_low", "ces.label_high",
	"html.hint", "html.score_name",
	"mailto.prefix", "mailto.subject", "mailto.body",
	"text.instructions", "text.address",
	"privacy.label", "text.privacy",
};

/* English, the language of last resort, must be there; the others are
 * read when their folder is. */
#define LANG_EN 1

#define TEXTS_MAX (64 * 1024)	/* bytes of one texts.ini */

static int
read_file(const char *path, struct buf *out, struct npserr *err)
{
	if (buf_read_file(out, path, TEXTS_MAX) == 0)
		return 0;
	if (errno == EFBIG)
		npserr_set(err, "templates %s: larger than %d bytes", path,
		    TEXTS_MAX);
	else
		npserr_set(err, "templates %s: cannot read: %s", path,
		    strerror(errno));
	return -1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "\n" in a value is a line break; "\\" a backslash. */
static char *
unescape_value(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n && p[i + 1] == 'n') {
			buf_putc(&b, '\n');
			i++;
		} else if (p[i] == '\\' && i + 1 < n && p[i + 1] == '\\') {
			buf_putc(&b, '\\');
			i++;
		} else
			buf_putc(&b, p[i]);
	}
	return buf_steal(&b);
}

/* Reads DIR/LANG/texts.ini into tpl->text[lang]. Returns 0, 1 when the
 * folder DIR/LANG does not exist (for another language than English), or
 * -1 (err). */
static int
load_lang(struct widget_templates *tpl, int lang, const char *dir,
    struct npserr *err)
{
	struct stat st;
	struct buf path = BUF_INIT, data = BUF_INIT;
	size_t pos = 0, lineno = 0, k0, k1, v0, v1, eol;
	const char *nl;
	int k, rc = -1;

	buf_printf(&path, "%s/%s", dir, lang_codes[lang]);
	if (lang != LANG_EN && stat(path.data, &st) < 0 && errno == ENOENT) {
		rc = 1;		/* a language the admin does not offer */
		goto out;
	}
	buf_puts(&path, "/texts.ini");
	if (read_file(path.data, &data, err) < 0)
		goto out;
	while (pos < data.len) {
		lineno++;
		nl = memchr(data.data + pos, '\n', data.len - pos);
		eol = nl ? (size_t)(nl - data.data) : data.len;
		k0 = pos;
		while (k0 < eol && is_blank((unsigned char)data.data[k0]))
			k0++;
		pos = nl ? eol + 1 : eol;
		if (k0 == eol || data.data[k0] == '#' || data.data[k0] == ';')
			continue;
		k1 = k0;
		while (k1 < eol && data.data[k1] != '=')
			k1++;
		if (k1 == eol) {
			npserr_set(err, "templates %s:%zu: expected "
			    "\"key = value\"", path.data, lineno);
			goto out;
		}
		v0 = k1 + 1;
		while (k1 > k0 && is_blank((unsigned char)data.data[k1 - 1]))
			k1--;
		while (v0 < eol && is_blank((unsigned char)data.data[v0]))
			v0++;
		v1 = eol;
		while (v1 > v0 && is_blank((unsigned char)data.data[v1 - 1]))
			v1--;
		for (k = 0; k < K_COUNT; k++)
			if (strlen(key_names[k]) == k1 - k0 &&
			    memcmp(key_names[k], data.data + k0, k1 - k0) == 0)
				break;
		if (k == K_COUNT) {
			npserr_set(err, "templates %s:%zu: unknown key "
			    "\"%.*s\"", path.data, lineno, (int)(k1 - k0),
			    data.data + k0);
			goto out;
		}
		if (memchr(data.data + v0, '\0', v1 - v0) != NULL) {
			npserr_set(err, "templates %s:%zu: NUL byte in value",
			    path.data, lineno);
			goto out;
		}
		free(tpl->text[lang][k]);
		tpl->text[lang][k] = unescape_value(data.data + v0, v1 - v0);
	}
	/* A texts.ini from before the links had names still loads: the
	 * name is then the bare "9/10", which reads in any language. */
	if (tpl->text[lang][K_SNAME] == NULL)
		tpl->text[lang][K_SNAME] = xstrdup("{score}/{max}");
	for (k = 0; k < K_COUNT; k++)
		if (tpl->text[lang][k] == NULL) {
			npserr_set(err, "templates %s: key %s is missing",
			    path.data, key_names[k]);
			goto out;
		}
	rc = 0;
out:
	buf_free(&path);
	buf_free(&data);
	return rc;
}

/*
 * widget_templates_load - reads DIR/LANG/texts.ini for each language of
 * lang_codes whose folder exists; DIR/en must. Every key must be present
 * in each but html.score_name, newer than the others (an older copied
 * tree must keep working); an unknown key is an error (a typo would
 * otherwise silently keep a default). Caller frees with
 * widget_templates_free.
 */
struct widget_templates *
widget_templates_load(const char *dir, struct npserr *err)
{
	struct widget_templates *tpl = xcalloc(1, sizeof(*tpl));
	int lang, r;
	size_t k = 0;

	if (dir == NULL || *dir == '\0') {
		npserr_set(err, "templates: no directory configured "
		    "(templates_dir)");
		free(tpl);
		return NULL;
	}
	for (lang = 0; lang < LANG_COUNT; lang++) {
		if ((r = load_lang(tpl, lang, dir, err)) < 0) {
			widget_templates_free(tpl);
			return NULL;
		}
		if (r > 0)
			continue;
		tpl->bodies[k] = tpl->text[lang][K_MBODY];
		tpl->prefixes[k] = tpl->text[lang][K_MPREFIX];
		k++;
	}
	return tpl;
}

/* widget_lang - see widget.h. */
const char *
widget_lang(const struct config *cf, const struct widget_templates *tpl,
    const char *tag)
{
	int i = lang_index(tag);

	/* Without templates read, every shipped language counts as there. */
	if (i < 0 || (tpl != NULL && tpl->text[i][0] == NULL))
		i = lang_index(cf != NULL ? cf->default_lang : NULL);
	if (i < 0 || (tpl != NULL && tpl->text[i][0] == NULL))
		i = LANG_EN;
	return lang_codes[i];
}

/* widget_mailto_prefixes - see widget.h. */
const char *const *
widget_mailto_prefixes(const struct widget_templates *tpl)
{
	return tpl != NULL ? tpl->prefixes : NULL;
}

/* widget_mailto_bodies - see widget.h. */
const char *const *
widget_mailto_bodies(const struct widget_templates *tpl)
{
	return tpl != NULL ? tpl->bodies : NULL;
}

void
widget_templates_free(struct widget_templates *tpl)
{
	int lang, k;

	if (tpl == NULL)
		return;
	for (lang = 0; lang < LANG_COUNT; lang++)
		for (k = 0; k < K_COUNT; k++)
			free(tpl->text[lang][k]);
	free(tpl);
}
