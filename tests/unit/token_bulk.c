/*
 * token_bulk.c - tokens in bulk: 1,000,000 random tokens and 1,000,000
 * single-bit changes of genuine ones are all refused; a token signed by
 * another key set is refused; an expired token is refused with its own
 * reason, TOKEN_EXPIRED, from the very second its lifetime ends.
 *
 * The random tokens are made to pass every cheap check (version, type,
 * key id of the ring) so each reaches the HMAC comparison; random strings
 * of any length and alphabet are tried too. The bit flips are made both in
 * the 29 binary bytes (re-encoded canonically) and in the 47 characters
 * (a flip that only changes a letter's case names the same token and is
 * not counted). Ends with a summary table; exits 1 if any forged token
 * was accepted or any reason was wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "survey/token.h"

#define N_RANDOM 1000000
#define N_FLIPPED 1000000
#define NOW ((time_t)1750000000)
#define LIFETIME ((time_t)180 * 86400)

struct tally {
	const char *what;
	long tried;
	long accepted;		/* must stay 0 */
	long wrong_reason;	/* refused, but not for the expected reason */
};

static struct tally tallies[8];
static size_t n_tallies;

static struct tally *
tally_new(const char *what)
{
	struct tally *t = &tallies[n_tallies++];

	memset(t, 0, sizeof(*t));
	t->what = what;
	return t;
}

/* One verification; expect is the status it must give (TOKEN_OK never:
 * every case here is a refusal), or -1 for "any refusal". */
static void
try(struct tally *t, const struct keyring *ring, const char *s, size_t len,
    time_t now, int expect)
{
	enum token_status st = token_verify(ring, s, len, now, LIFETIME, NULL);

	t->tried++;
	if (st == TOKEN_OK) {
		t->accepted++;
		if (t->accepted <= 3)
			fprintf(stderr, "%s: accepted %.*s\n", t->what,
			    (int)len, s);
	} else if (expect >= 0 && (int)st != expect) {
		t->wrong_reason++;
		if (t->wrong_reason <= 3)
			fprintf(stderr, "%s: %.*s refused as %s, not %s\n",
			    t->what, (int)len, s, token_status_name(st),
			    token_status_name((enum token_status)expect));
	}
}

static void
random_bytes(unsigned char *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1) {
		fprintf(stderr, "token_bulk: RAND_bytes failed\n");
		exit(2);
	}
}

static void
random_tokens(const struct keyring *ring)
{
	struct tally *t = tally_new("random tokens (reach the HMAC)");
	struct tally *s = tally_new("random strings");
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0189=+/-_.@ ";
	unsigned char raw[TOKEN_RAW_LEN], buf[4096];
	char str[TOKEN_LEN + 1], junk[80];
	size_t i, k, len;
	time_t issued;

	for (i = 0; i < N_RANDOM; i++) {
		if (i % 4096 == 0)
			random_bytes(buf, sizeof(buf));
		random_bytes(raw, sizeof(raw));
		raw[0] = (unsigned char)(TOKEN_VERSION << 4 | (raw[0] % 3));
		issued = NOW - 86400;
		raw[11] = (unsigned char)(issued >> 24);
		raw[12] = (unsigned char)(issued >> 16);
		raw[13] = (unsigned char)(issued >> 8);
		raw[14] = (unsigned char)issued;
		raw[15] = 0;
		raw[16] = 1;	/* the ring's key */
		token_base32_encode(raw, sizeof(raw), str);
		try(t, ring, str, TOKEN_LEN, NOW, TOKEN_FORGED);
		/* A random string of random length and alphabet. */
		len = buf[i % 4096] % sizeof(junk);
		for (k = 0; k < len; k++)
			junk[k] = alpha[buf[(i + k + 1) % 4096] %
			    (sizeof(alpha) - 1)];
		try(s, ring, junk, len, NOW, -1);
	}
}

static void
flipped_tokens(const struct keyring *ring)
{
	struct tally *rb = tally_new("bit flips in the binary token");
	struct tally *cb = tally_new("bit flips in the characters");
	unsigned char raw[TOKEN_RAW_LEN], mod[TOKEN_RAW_LEN];
	char str[TOKEN_LEN + 1], flip[TOKEN_LEN + 1];
	size_t bit, c, n_tokens = 0;
	struct token tok;

	while (rb->tried < N_FLIPPED) {
		if (token_issue(ring, SURVEY_NPS, NOW - 3600, &tok, str,
		    sizeof(str)) != 0 ||
		    token_verify(ring, str, TOKEN_LEN, NOW, LIFETIME, NULL) !=
		    TOKEN_OK) {
			fprintf(stderr, "token_bulk: a genuine token does not "
			    "verify\n");
			exit(1);
		}
		if (token_base32_decode(str, TOKEN_LEN, raw, sizeof(raw)) != 0)
			exit(1);
		for (bit = 0; bit < TOKEN_RAW_LEN * 8 && rb->tried < N_FLIPPED;
		    bit++) {
			memcpy(mod, raw, sizeof(mod));
			mod[bit / 8] ^= (unsigned char)(1u << (bit % 8));
			token_base32_encode(mod, sizeof(mod), flip);
			try(rb, ring, flip, TOKEN_LEN, NOW, -1);
		}
		/* The characters: one token in eight is enough for the
		 * encoding's own checks. */
		if (n_tokens++ % 8 != 0)
			continue;
		for (c = 0; c < TOKEN_LEN * 8; c++) {
			memcpy(flip, str, sizeof(flip));
			flip[c / 8] ^= (char)(1u << (c % 8));
			if (flip[c / 8] == '\0' ||
			    (flip[c / 8] | 0x20) == (str[c / 8] | 0x20))
				continue;	/* same token, other case */
			try(cb, ring, flip, TOKEN_LEN, NOW, -1);
		}
	}
}

static void
other_keys(const struct keyring *ring)
{
	struct tally *same_id = tally_new("another key set, same key id");
	struct tally *other_id = tally_new("another key set, other key id");
	unsigned char secret[TOKEN_SECRET_LEN];
	struct keyring *a, *b;
	char str[TOKEN_LEN + 1];
	int i;

	random_bytes(secret, sizeof(secret));
	a = keyring_new_single(1, secret);
	random_bytes(secret, sizeof(secret));
	b = keyring_new_single(2, secret);
	for (i = 0; i < 10000; i++) {
		if (token_issue(a, SURVEY_CSAT, NOW, NULL, str,
		    sizeof(str)) != 0)
			exit(1);
		try(same_id, ring, str, TOKEN_LEN, NOW, TOKEN_FORGED);
		if (token_issue(b, SURVEY_CES, NOW, NULL, str,
		    sizeof(str)) != 0)
			exit(1);
		try(other_id, ring, str, TOKEN_LEN, NOW, TOKEN_UNKNOWN_KEY);
	}
	keyring_free(a);
	keyring_free(b);
}

static int
expired_tokens(const struct keyring *ring)
{
	struct tally *t = tally_new("expired tokens");
	char str[TOKEN_LEN + 1];
	struct token tok, out;
	int i, bad = 0;

	for (i = 0; i < 10000; i++) {
		if (token_issue(ring, SURVEY_NPS, NOW - LIFETIME - i, &tok,
		    str, sizeof(str)) != 0)
			exit(1);
		try(t, ring, str, TOKEN_LEN, NOW, TOKEN_EXPIRED);
	}
	/* The boundary: one second before the end it verifies. */
	if (token_issue(ring, SURVEY_NPS, NOW - LIFETIME + 1, &tok, str,
	    sizeof(str)) != 0)
		exit(1);
	if (token_verify(ring, str, TOKEN_LEN, NOW, LIFETIME, &out) !=
	    TOKEN_OK || strcmp(out.survey_id, tok.survey_id) != 0) {
		fprintf(stderr, "a token one second from its end is refused\n");
		bad = 1;
	}
	if (token_verify(ring, str, TOKEN_LEN, NOW + 1, LIFETIME, &out) !=
	    TOKEN_EXPIRED || strcmp(out.survey_id, tok.survey_id) != 0) {
		fprintf(stderr, "an expired token does not name its survey\n");
		bad = 1;
	}
	if (strcmp(token_status_name(TOKEN_EXPIRED),
	    token_status_name(TOKEN_FORGED)) == 0) {
		fprintf(stderr, "expired and forged share a name\n");
		bad = 1;
	}
	return bad;
}

int
main(void)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	struct keyring *ring;
	long tried = 0, accepted = 0, wrong = 0;
	clock_t t0 = clock();
	size_t i;
	int bad;

	random_bytes(secret, sizeof(secret));
	ring = keyring_new_single(1, secret);
	random_tokens(ring);
	flipped_tokens(ring);
	other_keys(ring);
	bad = expired_tokens(ring);
	keyring_free(ring);

	printf("%-34s %10s %9s %13s\n", "case", "tried", "accepted",
	    "wrong reason");
	for (i = 0; i < n_tallies; i++) {
		printf("%-34s %10ld %9ld %13ld\n", tallies[i].what,
		    tallies[i].tried, tallies[i].accepted,
		    tallies[i].wrong_reason);
		tried += tallies[i].tried;
		accepted += tallies[i].accepted;
		wrong += tallies[i].wrong_reason;
	}
	printf("%-34s %10ld %9ld %13ld\n", "total", tried, accepted, wrong);
	printf("summary: cases tried %ld, lost n/a, duplicated n/a, "
	    "corrupted (forged accepted) %ld, crashes 0; %.1f s\n", tried,
	    accepted,
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	return accepted == 0 && wrong == 0 && bad == 0 ? 0 : 1;
}
