/*
 * themes_store.c - the themes of the stored answers: each response whose
 * themes are not computed yet (themed_at = 0) is read with the themes of
 * its language, and its themes written beside it.
 *
 * The comments are read in batches outside any transaction and matched
 * there; only the writing of a batch's themes holds the store's write
 * lock, for a few milliseconds, so that tagging never makes the milter or
 * the hook wait. An answer whose comment was erased (`npsgate forget`)
 * between the read and the write gets no theme: the write checks that
 * the comment is still there.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_db.h"
#include "themes/themes.h"
#include "themes/themes_store.h"

#define THEMES_BATCH 500

struct themes_row {
	int64_t id;
	uint64_t set;
	bool commented;
};

struct themes_batch {
	const struct themes *t;
	struct themes_row *rows;
	size_t n;
	int64_t now;
};

/* Reads the next batch of responses to theme, after id *last, matching
 * each; 0 with b->n rows (0: done), or -1. */
static int
themes_batch_read(struct themes *t, struct store *st,
    const char *default_lang, int64_t *last, struct themes_batch *b,
    struct npserr *err)
{
	struct store_stmt *s;
	int rc;

	b->n = 0;
	s = store_db_prepare(st, "SELECT r.id, "
	    STORE_SQL_ANSWER_COMMENT ","
	    " coalesce(NULLIF(r.lang, ''), NULLIF(s.lang, ''), ?3)"
	    " FROM responses r JOIN surveys s ON s.id = r.survey_id"
	    " WHERE r.themed_at = 0 AND r.id > ?1 ORDER BY r.id LIMIT ?2",
	    err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, *last);
	store_bind_int64(s, 2, THEMES_BATCH);
	store_bind_text(s, 3, default_lang);
	while ((rc = store_step(s)) == STORE_ROW) {
		const char *text = store_col_text(s, 1);
		size_t len = store_col_bytes(s, 1);
		struct themes_row *r = &b->rows[b->n++];

		r->id = store_col_int64(s, 0);
		r->set = 0;
		r->commented = text != NULL && len > 0;
		if (text != NULL && len > 0)
			themes_match(t, store_col_text(s, 2), text, len,
			    &r->set);
		*last = r->id;
	}
	store_db_done(s);
	if (rc != STORE_DONE)
		return store_db_fail(st, err, "cannot read the answers"
		    " to theme");
	return 0;
}

/* One batch's themes, in one write transaction. */
static int
themes_batch_write(struct store *st, void *arg, struct npserr *err)
{
	struct themes_batch *b = arg;
	struct store_stmt *del, *ins, *upd;
	size_t i, k;

	del = store_db_prepare(st, "DELETE FROM response_themes WHERE"
	    " response_id = ?1", err);
	ins = store_db_prepare(st, "INSERT INTO response_themes"
	    " (response_id, theme) SELECT ?1, ?2 FROM responses r WHERE"
	    " r.id = ?1 AND " STORE_SQL_ANSWER_HAS_COMMENT " ON CONFLICT DO"
	    " NOTHING", err);
	upd = store_db_prepare(st, "UPDATE responses AS r SET themed_at ="
	    " ?2, commented = CASE WHEN ?3 = 1 AND "
	    STORE_SQL_ANSWER_HAS_COMMENT " THEN 1 ELSE 0 END WHERE r.id ="
	    " ?1", err);
	if (del == NULL || ins == NULL || upd == NULL)
		return -1;
	/* Nothing is read back: on PostgreSQL the statements go to the
	 * server without waiting, and the commit says whether they all
	 * passed. */
	for (i = 0; i < b->n; i++) {
		const struct themes_row *r = &b->rows[i];

		store_bind_int64(del, 1, r->id);
		if (store_db_later(st, del, err, "cannot store the themes of"
		    " response %lld", (long long)r->id) == -1)
			return -1;
		for (k = 0; k < themes_count(b->t); k++) {
			if (!(r->set & ((uint64_t)1 << k)))
				continue;
			store_bind_int64(ins, 1, r->id);
			store_bind_text(ins, 2, themes_name(b->t, k));
			if (store_db_later(st, ins, err, "cannot store the"
			    " themes of response %lld", (long long)r->id) == -1)
				return -1;
		}
		store_bind_int64(upd, 1, r->id);
		/* Never 0, which means "not yet". */
		store_bind_int64(upd, 2, b->now > 0 ? b->now : 1);
		store_bind_int64(upd, 3, r->commented ? 1 : 0);
		if (store_db_later(st, upd, err, "cannot store the themes of"
		    " response %lld", (long long)r->id) == -1)
			return -1;
	}
	return 0;
}

static int
themes_reset(struct store *st, void *arg, struct npserr *err)
{
	(void)arg;
	return store_db_exec(st, "UPDATE responses SET themed_at = 0"
	    " WHERE themed_at <> 0", err, "cannot mark the answers to theme"
	    " again");
}

/* themes_store_tag - see themes_store.h. */
int
themes_store_tag(struct themes *t, struct store *st,
    const char *default_lang, bool all, int64_t now, size_t *count,
    struct npserr *err)
{
	struct themes_batch b;
	int64_t last = 0;
	int rc = 0;

	*count = 0;
	if (all && store_db_write(st, themes_reset, NULL, err) < 0)
		return -1;
	memset(&b, 0, sizeof(b));
	b.t = t;
	b.now = now;
	b.rows = xcalloc(THEMES_BATCH, sizeof(*b.rows));
	for (;;) {
		if ((rc = themes_batch_read(t, st, default_lang != NULL ?
		    default_lang : "en", &last, &b, err)) == -1 || b.n == 0)
			break;
		if ((rc = store_db_write(st, themes_batch_write, &b,
		    err)) < 0) {
			rc = -1;
			break;
		}
		*count += b.n;
	}
	free(b.rows);
	return rc < 0 ? -1 : 0;
}
