/*
 * keyring_int.h - the keys of a ring, as token.c signs and verifies with
 * them; not a public interface (token.h declares the ring's functions).
 *
 * A key belongs to its ring: the pointers returned here are valid until
 * keyring_free, and the secret is read in place, never copied.
 */
#ifndef NPSGATE_KEYRING_INT_H
#define NPSGATE_KEYRING_INT_H

#include "survey/token.h"

struct key {
	unsigned id;		/* 0 to 65535: two bytes of a token */
	long long created;	/* seconds since the epoch */
	unsigned char secret[TOKEN_SECRET_LEN];
};

/* The key of ring with that id, or NULL. */
const struct key *keyring_find(const struct keyring *ring, unsigned id);
/* The key that signs new tokens: the one with the highest id; NULL when
 * the ring is empty. */
const struct key *keyring_signing_key(const struct keyring *ring);

#endif
