/*
 * report_map.c - the two hash tables behind a report: current scored
 * responses by survey id, and the groups being summed; see report_map.h.
 *
 * Both use open addressing with linear probing at a load of at most one
 * half; neither removes a key. The response map holds its keys in the
 * slots themselves, the group map holds indexes into its array of groups,
 * which stays in the order the groups came.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "report/report_map.h"
#include "survey/nps.h"
#include "survey/token.h"

#define RMAP_VALUE_BITS 8

static uint64_t
report_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* 8 bytes at a time, each word mixed in (MurmurHash3's finalizer). */
static uint64_t
report_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = report_mix(h ^ w);
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = report_mix(h ^ w ^ 0xff);
	}
	return h;
}

/* report_rkey - see report_map.h. */
bool
report_rkey(const char *id, size_t n, struct report_rslot *key)
{
	uint64_t k0 = 0, k1 = 0;
	size_t i;
	int c, v;

	if (id == NULL || n != TOKEN_ID_LEN)
		return false;
	for (i = 0; i < n; i++) {
		c = id[i] | 0x20;
		if (c >= 'a' && c <= 'z')
			v = c - 'a';
		else if (id[i] >= '2' && id[i] <= '7')
			v = id[i] - '2' + 26;
		else
			return false;
		if (i < 12)
			k0 = k0 << 5 | (uint64_t)v;	/* 60 bits */
		else
			k1 = k1 << 5 | (uint64_t)v;	/* 20 bits */
	}
	key->k0 = k0;
	key->k1 = k1 << RMAP_VALUE_BITS;
	return true;
}

/* Where key's probe starts. */
static size_t
report_rmap_home(const struct report_rmap *m, const struct report_rslot *key)
{
	return (size_t)report_mix(key->k0 ^ (key->k1 >> RMAP_VALUE_BITS) *
	    0x9e3779b97f4a7c15ULL) & (m->cap - 1);
}

/* The slot of key (value bits ignored), or the empty slot for it. */
static size_t
report_rmap_slot(const struct report_rmap *m, const struct report_rslot *key)
{
	size_t i = report_rmap_home(m, key);

	while (m->slot[i].k1 != 0 && (m->slot[i].k0 != key->k0 ||
	    m->slot[i].k1 >> RMAP_VALUE_BITS != key->k1 >> RMAP_VALUE_BITS))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* report_rmap_reserve - see report_map.h. */
void
report_rmap_reserve(struct report_rmap *m, size_t n)
{
	struct report_rslot *old = m->slot;
	size_t oldcap = m->cap, i, cap = 4096;

	while (cap < n * 2)
		cap *= 2;
	if (cap <= oldcap)
		return;
	m->cap = cap;
	m->slot = xcalloc(cap, sizeof(*m->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i].k1 != 0)
			m->slot[report_rmap_slot(m, &old[i])] = old[i];
	free(old);
}

/* report_rmap_prefetch - see report_map.h. */
void
report_rmap_prefetch(const struct report_rmap *m,
    const struct report_rslot *key)
{
	__builtin_prefetch(&m->slot[report_rmap_home(m, key)]);
}

/* report_rmap_put - see report_map.h. */
void
report_rmap_put(struct report_rmap *m, const struct report_rslot *key)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		report_rmap_reserve(m, m->n + 1);
	i = report_rmap_slot(m, key);
	if (m->slot[i].k1 == 0)
		m->n++;
	m->slot[i] = *key;
}

void
report_rmap_free(struct report_rmap *m)
{
	free(m->slot);
}

static uint64_t
report_gkey_hash(const struct report_gmap *g, const char *name,
    int64_t day)
{
	if (g->by_day)
		return report_hash(&day, sizeof(day));
	return name != NULL ? report_hash(name, strlen(name)) : 0;
}

static bool
report_gkey_eq(const struct report_gmap *g, const struct report_agg *a,
    const char *name, int64_t day)
{
	if (g->by_day)
		return a->day == day;
	if (a->name == NULL || name == NULL)
		return a->name == name;
	return strcmp(a->name, name) == 0;
}

/* report_gmap_get - see report_map.h. */
struct report_agg *
report_gmap_get(struct report_gmap *g, const char *name, int64_t day)
{
	struct report_agg *a;
	size_t i, k;

	if (name != NULL && name[0] == '\0')
		name = NULL;
	if ((g->n + 1) * 2 > g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		free(g->slot);
		g->slot = xcalloc(g->cap, sizeof(*g->slot));
		for (k = 0; k < g->n; k++) {
			i = (size_t)report_gkey_hash(g, g->v[k].name,
			    g->v[k].day) & (g->cap - 1);
			while (g->slot[i] != 0)
				i = (i + 1) & (g->cap - 1);
			g->slot[i] = (uint32_t)k + 1;
		}
	}
	i = (size_t)report_gkey_hash(g, name, day) & (g->cap - 1);
	while (g->slot[i] != 0) {
		a = &g->v[g->slot[i] - 1];
		if (report_gkey_eq(g, a, name, day))
			return a;
		i = (i + 1) & (g->cap - 1);
	}
	if (g->n == g->vcap) {
		g->vcap = g->vcap ? g->vcap * 2 : 64;
		g->v = xrealloc(g->v, g->vcap * sizeof(*g->v));
	}
	a = &g->v[g->n];
	memset(a, 0, sizeof(*a));
	a->name = name != NULL ? xstrdup(name) : NULL;
	a->day = day;
	nps_stats_init(&a->stats);
	g->slot[i] = (uint32_t)++g->n;
	return a;
}

void
report_gmap_free(struct report_gmap *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->v[i].name);
	free(g->v);
	free(g->slot);
}

/* report_agg_answer - see report_map.h. */
void
report_agg_answer(struct report_agg *a, unsigned v)
{
	unsigned cat = (v >> 4) & 3, score = v & 15;

	a->stats.n++;
	a->stats.detractors += cat == NPS_DETRACTOR;
	a->stats.passives += cat == NPS_PASSIVE;
	a->stats.promoters += cat == NPS_PROMOTER;
	a->stats.sum += score;
	a->stats.sumsq += (double)score * score;
}

/* report_rmap_resolve - see report_map.h. */
void
report_rmap_resolve(const struct report_rmap *m, struct report_gmap *g,
    const struct report_pending *b, size_t nb)
{
	const struct report_rslot *slot;
	size_t k;

	for (k = 0; k < nb; k++) {
		slot = &m->slot[report_rmap_slot(m, &b[k].key)];
		if (slot->k1 != 0)
			report_agg_answer(&g->v[b[k].agg],
			    (unsigned)(slot->k1 & 0xff));
	}
}
