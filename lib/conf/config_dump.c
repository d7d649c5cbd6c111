/*
 * config_dump.c - a config as the npsgate.conf that gives it back:
 * config_dump(), for `npsgate check-config`.
 *
 * Every key of every section is printed, the defaults included, in the
 * order of the table, so that the output is a complete, valid file: loaded
 * again, it gives the same settings and prints the same dump. Empty means
 * unset, as it does in the file.
 */
#include <stdbool.h>
#include <stdio.h>

#include "conf/config_int.h"

/* " VALUE" of key k of channel ch, as the file would write it; nothing
 * for an unset or empty text. */
static void
dump_value(const struct config *cf, const struct key_def *k, int ch,
    FILE *fp)
{
	const void *p = config_key_cptr(cf, k, ch);
	size_t i, sz;
	const char *s;

	switch (k->type) {
	case KT_STR:
	case KT_PATH:
	case KT_COLOR:
		s = *(char *const *)p;
		if (s != NULL && *s != '\0')
			fprintf(fp, " %s", s);
		break;
	case KT_TEXT:
		s = *(char *const *)p;
		if (s == NULL || *s == '\0')
			break;
		fputc(' ', fp);
		for (; *s; s++) {
			fputc(*s, fp);
			if (*s == '\n')
				fputc('\t', fp);
		}
		break;
	case KT_INT:
		fprintf(fp, " %d", *(const int *)p);
		break;
	case KT_SIZE:
		sz = *(const size_t *)p;
		if (sz != 0 && sz % CONFIG_SIZE_G == 0)
			fprintf(fp, " %zuG", sz / CONFIG_SIZE_G);
		else if (sz != 0 && sz % (1024 * 1024) == 0)
			fprintf(fp, " %zuM", sz / (1024 * 1024));
		else if (sz != 0 && sz % 1024 == 0)
			fprintf(fp, " %zuk", sz / 1024);
		else
			fprintf(fp, " %zu", sz);
		break;
	case KT_BOOL:
		fprintf(fp, " %s", *(const bool *)p ? "yes" : "no");
		break;
	case KT_ENUM:
		fprintf(fp, " %s", k->names[*(const int *)p]);
		break;
	case KT_LIST: {
		char *const *list = *(char **const *)p;

		for (i = 0; list != NULL && list[i] != NULL; i++)
			fprintf(fp, "%s%s", i ? ", " : " ", list[i]);
		break;
	}
	}
}

/* "key = VALUE" lines of every key of a section of kind (channel ch). */
static void
dump_keys(const struct config *cf, enum sec kind, int ch, FILE *fp)
{
	const struct key_def *k;
	size_t i;

	for (i = 0; i < config_n_keys; i++) {
		k = &config_keys[i];
		if (k->sec != kind)
			continue;
		fprintf(fp, "%s =", k->name);
		dump_value(cf, k, ch, fp);
		fputc('\n', fp);
	}
}

/*
 * config_dump - every key of every section, the defaults included, as an
 * npsgate.conf that loads back to the same settings. An unset optional
 * key prints as "key =" (empty means unset).
 */
void
config_dump(const struct config *cf, FILE *fp)
{
	const struct section_def *sd;
	size_t s, ch;
	const char *p;

	fputs("; npsgate.conf: effective settings of ", fp);
	for (p = cf->path; *p; p++)
		fputc((unsigned char)*p < 0x20 ? '?' : *p, fp);
	fputc('\n', fp);
	for (s = 0; s < config_n_sections; s++) {
		sd = &config_sections[s];
		if (sd->kind != SEC_CHANNEL) {
			fprintf(fp, "\n[%s]\n", sd->name);
			dump_keys(cf, sd->kind, 0, fp);
			continue;
		}
		/* One section per channel, the built-in ones first. */
		for (ch = 0; ch < cf->n_channels; ch++) {
			fprintf(fp, "\n[channel.%s]\n", cf->channels[ch].name);
			dump_keys(cf, SEC_CHANNEL, (int)ch, fp);
		}
	}
}
