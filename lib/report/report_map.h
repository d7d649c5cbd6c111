/*
 * report_map.h - the two hash tables behind a report (report_group.c):
 * the current scored responses by survey id, and the groups being summed.
 * Private to lib/report/.
 *
 * The join of surveys to their current response is done in these tables
 * rather than by SQLite: its plan (one B-tree probe of responses per
 * survey, then a sort for GROUP BY) takes about 1.5 s for a million
 * responses, while one scan of each table into hashes takes a third of
 * that. Each table is still read once, by one statement.
 *
 * Current scored responses by survey id: an open-addressing table keyed
 * by the id itself. A survey id is 16 base32 characters, 80 random bits:
 * k0 holds the first 60 bits, k1 the last 20 above 8 bits of score and
 * category, so a slot is 16 bytes (a million responses take 32 MB) and a
 * lookup compares the whole id: no two surveys are ever taken for one.
 * An id of another shape (an import from elsewhere) is not put in the
 * map; its survey is looked up by SQL instead (report_odd_lookup).
 *
 * A response's value in the map is RMAP_USED | category << 4 | score
 * (report_rmap_value). Lookups go in batches of RMAP_BATCH, each slot
 * fetched ahead (report_rmap_prefetch): the table is far larger than the
 * caches, and a lookup waits for memory more than it computes.
 */
#ifndef NPSGATE_REPORT_MAP_H
#define NPSGATE_REPORT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "survey/nps.h"

struct report_rslot {
	uint64_t k0;
	uint64_t k1;		/* 0: empty slot */
};

struct report_rmap {
	struct report_rslot *slot;
	size_t cap, n;		/* cap: a power of 2 */
	size_t odd;		/* responses whose survey id is not base32 */
};

#define RMAP_BATCH 32		/* lookups whose slots are fetched ahead */
#define RMAP_USED 0x80

/* The value bits of a response (category and score 0..15). */
static inline unsigned
report_rmap_value(enum nps_category cat, int score)
{
	return RMAP_USED | (unsigned)(cat & 3) << 4 | (unsigned)score;
}

/* The exact key of a 16-character base32 survey id; false for any
 * other shape. The value bits of k1 are left clear. */
bool report_rkey(const char *id, size_t n, struct report_rslot *key);
/* Sizes the table for at least n keys at a load of at most one half. */
void report_rmap_reserve(struct report_rmap *m, size_t n);
/* Asks the CPU for the slot where key's lookup starts. */
void report_rmap_prefetch(const struct report_rmap *m,
    const struct report_rslot *key);
/* Stores key with its value in the low bits of k1; a second response to
 * the same survey replaces the first. */
void report_rmap_put(struct report_rmap *m, const struct report_rslot *key);
void report_rmap_free(struct report_rmap *m);

/* The groups being summed: by name (NULL: none) or by day number. */
struct report_agg {
	char *name;
	int64_t day;
	long surveys, optouts, unsubscribes;
	struct nps_stats stats;
};

struct report_gmap {
	struct report_agg *v;
	size_t n, vcap;
	uint32_t *slot;		/* index in v + 1; 0 empty */
	size_t cap;
	bool by_day;
};

/* The group of name ("" and NULL: none), or of day when the map is by
 * day; created empty when new. The pointer is valid until the next
 * call. */
struct report_agg *report_gmap_get(struct report_gmap *g, const char *name,
    int64_t day);
void report_gmap_free(struct report_gmap *g);

/* Adds one answer, as value bits, to a group: what
 * nps_stats_add_counts() does, for one answer. */
void report_agg_answer(struct report_agg *a, unsigned v);

/* A survey waiting in a batch for its response. */
struct report_pending {
	struct report_rslot key;	/* the survey id's key */
	size_t agg;		/* its group, an index in the group map */
};

/* Adds the responses of a batch of surveys to their groups. */
void report_rmap_resolve(const struct report_rmap *m, struct report_gmap *g,
    const struct report_pending *b, size_t nb);

#endif
