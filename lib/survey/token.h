/*
 * token.h - signed survey tokens and the key ring that signs them.
 *
 * SYNOPSIS
 *	ring = keyring_load("/etc/npsgate/keys", &err);
 *	token_issue(ring, SURVEY_NPS, now, &tok, str, sizeof(str));
 *	token_verify(ring, s, len, now, lifetime, &tok) == TOKEN_OK
 *	keyring_add_new(path, &err)	(npsgate keygen)
 *
 * DESCRIPTION
 *	A token names one survey and proves that we issued it. Binary layout
 *	(29 bytes), then base32 (RFC 4648 alphabet, lowercase, no padding,
 *	47 characters); decoding is case-insensitive:
 *	    version/type (1) | survey id (10, random) | issued, seconds since
 *	    the epoch, big-endian (4) | key id, big-endian (2) |
 *	    HMAC-SHA256(key, first 17 bytes) truncated to 12 bytes (96 bits)
 *	Nothing about the customer is in it. The survey id is written as the
 *	16-character base32 form of its 10 bytes (TOKEN_ID_LEN).
 *
 *	Key file: one key per line, "ID CREATED HEX64" (decimal key id,
 *	creation time in seconds, 32-byte secret in hex); '#' comments and
 *	blank lines are allowed. The key with the highest id signs; every key
 *	in the file verifies, so keys rotate by adding a new one and dropping
 *	the oldest after the token lifetime.
 */
#ifndef NPSGATE_TOKEN_H
#define NPSGATE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/npserr.h"
#include "survey/nps.h"

#define TOKEN_LEN 47		/* characters of a token */
#define TOKEN_ID_LEN 16		/* characters of a survey id */
#define TOKEN_SECRET_LEN 32
#define TOKEN_RAW_LEN 29	/* bytes of a token before base32 */
#define TOKEN_VERSION 1		/* high nibble of the first byte */
/* Longest local part prefix: PREFIX "+" TOKEN stays within 64 characters. */
#define TOKEN_LOCAL_PREFIX_MAX (64 - 1 - TOKEN_LEN)

struct keyring;

struct token {
	char survey_id[TOKEN_ID_LEN + 1];
	enum survey_type type;
	time_t issued;
	unsigned key_id;
};

enum token_status {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,	/* wrong length, alphabet or version */
	TOKEN_UNKNOWN_KEY,	/* signed by a key we do not have */
	TOKEN_FORGED,		/* the tag does not match */
	TOKEN_EXPIRED		/* genuine, but older than the lifetime */
};

/* Loads the key file. NULL with err set when unreadable, empty or bad
 * (the message names file and line), or when group or others may read or
 * write it (the fix, chmod 600, is in the message). Caller frees with
 * keyring_free, which wipes the secrets. */
struct keyring *keyring_load(const char *path, struct npserr *err);
/* A fixed, publicly known key for --dry-run and tests. Never for mail. */
struct keyring *keyring_new_test(void);
/* Builds a ring from one given secret (tests, fuzzing). */
struct keyring *keyring_new_single(unsigned key_id,
    const unsigned char secret[TOKEN_SECRET_LEN]);
void keyring_free(struct keyring *ring);
size_t keyring_count(const struct keyring *ring);
unsigned keyring_signing_id(const struct keyring *ring);
/* Appends a new random key (id = highest + 1) to path, creating it with
 * mode 0600 if absent; keeps every existing key. Writes a temporary file
 * and renames it. Stores the new id in *new_id. */
int keyring_add_new(const char *path, unsigned *new_id, struct npserr *err);

/* Issues a token for a new random survey id. str receives TOKEN_LEN
 * characters and a NUL (strsz >= TOKEN_LEN + 1). Returns 0, or -1 when
 * the random source fails. */
int token_issue(const struct keyring *ring, enum survey_type type,
    time_t now, struct token *out, char *str, size_t strsz);
/* Issues a new token for an existing survey id (TOKEN_ID_LEN base32
 * characters, any case): same survey, issued now, signed with the highest
 * key (the acknowledgment's Reply-To). Returns 0, or -1 when survey_id is
 * not a survey id or for the reasons of token_issue. */
int token_issue_for(const struct keyring *ring, enum survey_type type,
    const char *survey_id, time_t now, struct token *out, char *str,
    size_t strsz);
/* Checks s[0..len) (no NUL needed, any case). lifetime in seconds, 0 for
 * no expiry; a token is expired from issued + lifetime on. Fills *out
 * (when not NULL) for TOKEN_OK and TOKEN_EXPIRED. Only the canonical
 * encoding verifies (no trailing bits set). Never reads past len; the tag
 * comparison takes constant time. */
enum token_status token_verify(const struct keyring *ring, const char *s,
    size_t len, time_t now, time_t lifetime, struct token *out);
const char *token_status_name(enum token_status st);
/* Looks for "+TOKEN@" after local part prefix in an address; returns a
 * pointer into addr and the token's length, or NULL. */
const char *token_find_in_address(const char *addr, size_t len,
    const char *prefix, size_t *toklen);

/* Random survey ids for rows without a token. */
int token_random_id(char id[TOKEN_ID_LEN + 1]);

/* True when c belongs to a token's alphabet (base32, RFC 4648: a-z and
 * 2-7), in either case: what may follow "+" in a token. */
bool token_char_valid(unsigned char c);
/* Base32 (RFC 4648 alphabet, lowercase, no padding) of in[0..n) into out,
 * which has room for (n * 8 + 4) / 5 characters and a NUL. Returns the
 * number of characters. */
size_t token_base32_encode(const unsigned char *in, size_t n, char *out);
/* Decodes s[0..len), any case, into exactly outsz bytes. -1 unless s is
 * the canonical encoding: length (outsz * 8 + 4) / 5, base32 characters
 * only, unused trailing bits zero. */
int token_base32_decode(const char *s, size_t len, unsigned char *out,
    size_t outsz);

#endif
