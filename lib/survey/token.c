/*
 * token.c - signed survey tokens; see token.h for the layout.
 *
 * A token names one survey and proves that we issued it. It is short enough
 * for the local part of an address and survives case folding by mail
 * systems, because base32 has one letter case only. Verification refuses
 * every string that is not exactly the canonical encoding of a token we
 * signed, and tells why: malformed, unknown key, forged, or expired.
 *
 * The keys come from the ring (keyring.c); only their secrets are read
 * here, never copied.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/log.h"
#include "survey/keyring_int.h"
#include "survey/token.h"

#define TOKEN_ID_RAW 10		/* bytes of a survey id */
#define TOKEN_SIGNED_LEN 17	/* bytes covered by the tag */
#define TOKEN_TAG_LEN 12	/* bytes of truncated HMAC-SHA256 */

/* --- base32 ------------------------------------------------------------ */

static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/*
 * token_base32_encode - RFC 4648 base32, lowercase, no padding.
 */
size_t
token_base32_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32_alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

static int
b32_value(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* token_char_valid - see token.h; the characters b32_value decodes. */
bool
token_char_valid(unsigned char c)
{
	return b32_value(c) >= 0;
}

/*
 * token_base32_decode - the inverse of token_base32_encode, any case.
 * Accepts only the canonical form: the exact length for outsz bytes and
 * zero bits after the last byte, so that no two strings (up to case) decode
 * to the same bytes and no altered character goes unnoticed.
 */
int
token_base32_decode(const char *s, size_t len, unsigned char *out,
    size_t outsz)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i, o = 0;

	if (outsz > SIZE_MAX / 8 || len != (outsz * 8 + 4) / 5)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b32_value((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return 0;
}

/* --- tokens ------------------------------------------------------------ */

static int
token_tag(const struct key *key, const unsigned char raw[TOKEN_RAW_LEN],
    unsigned char tag[EVP_MAX_MD_SIZE])
{
	unsigned int taglen = 0;

	if (HMAC(EVP_sha256(), key->secret, TOKEN_SECRET_LEN, raw,
	    TOKEN_SIGNED_LEN, tag, &taglen) == NULL || taglen < TOKEN_TAG_LEN)
		return -1;
	return 0;
}

static void
token_fill(const unsigned char raw[TOKEN_RAW_LEN], struct token *out)
{
	token_base32_encode(raw + 1, TOKEN_ID_RAW, out->survey_id);
	out->type = (enum survey_type)(raw[0] & 0x0f);
	out->issued = (time_t)((uint32_t)raw[11] << 24 |
	    (uint32_t)raw[12] << 16 | (uint32_t)raw[13] << 8 | raw[14]);
	out->key_id = (unsigned)raw[15] << 8 | raw[16];
}

/*
 * Signs raw[0..TOKEN_SIGNED_LEN) (its survey id already in place) for
 * type at now with the ring's highest key, and writes the token to str.
 */
static int
token_sign(const struct keyring *ring, enum survey_type type, time_t now,
    unsigned char raw[TOKEN_RAW_LEN], struct token *out, char *str,
    size_t strsz)
{
	unsigned char tag[EVP_MAX_MD_SIZE];
	const struct key *key = keyring_signing_key(ring);
	uint32_t t;

	if (key == NULL || strsz < TOKEN_LEN + 1 || (int)type < 0 ||
	    (int)type >= SURVEY_TYPE_COUNT || now < 0 ||
	    (unsigned long long)now > UINT32_MAX)
		return -1;
	t = (uint32_t)now;
	raw[0] = (unsigned char)(TOKEN_VERSION << 4 | (unsigned)type);
	raw[11] = (unsigned char)(t >> 24);
	raw[12] = (unsigned char)(t >> 16);
	raw[13] = (unsigned char)(t >> 8);
	raw[14] = (unsigned char)t;
	raw[15] = (unsigned char)(key->id >> 8);
	raw[16] = (unsigned char)key->id;
	if (token_tag(key, raw, tag) < 0)
		return -1;
	memcpy(raw + TOKEN_SIGNED_LEN, tag, TOKEN_TAG_LEN);
	token_base32_encode(raw, TOKEN_RAW_LEN, str);
	if (out != NULL)
		token_fill(raw, out);
	return 0;
}

/*
 * token_issue - signs a token for a new random survey id with the ring's
 * highest key. -1 when the random source fails, strsz is too small, the
 * type is unknown or now does not fit in 32 bits.
 */
int
token_issue(const struct keyring *ring, enum survey_type type, time_t now,
    struct token *out, char *str, size_t strsz)
{
	unsigned char raw[TOKEN_RAW_LEN];

	if (RAND_bytes(raw + 1, TOKEN_ID_RAW) != 1)
		return -1;
	return token_sign(ring, type, now, raw, out, str, strsz);
}

/*
 * token_issue_for - signs a new token (issued now, the ring's highest key)
 * for an existing survey id, so that a later mail about the same survey
 * leads its answer back to it. -1 when survey_id is not the canonical
 * TOKEN_ID_LEN-character base32 form, or for token_issue's reasons.
 */
int
token_issue_for(const struct keyring *ring, enum survey_type type,
    const char *survey_id, time_t now, struct token *out, char *str,
    size_t strsz)
{
	unsigned char raw[TOKEN_RAW_LEN];

	if (survey_id == NULL || strnlen(survey_id, TOKEN_ID_LEN + 1) !=
	    TOKEN_ID_LEN || token_base32_decode(survey_id, TOKEN_ID_LEN,
	    raw + 1, TOKEN_ID_RAW) < 0)
		return -1;
	return token_sign(ring, type, now, raw, out, str, strsz);
}

/*
 * token_verify - checks s[0..len) against the ring. The checks run from
 * the cheapest to the tag, so that each refusal says what is wrong: the
 * string (malformed), the key id (unknown key), the tag (forged), the age
 * (expired: from issued + lifetime on). Never reads past len; the tag
 * comparison takes the same time for every tag.
 */
enum token_status
token_verify(const struct keyring *ring, const char *s, size_t len,
    time_t now, time_t lifetime, struct token *out)
{
	unsigned char raw[TOKEN_RAW_LEN], tag[EVP_MAX_MD_SIZE];
	const struct key *key;
	struct token tok;

	if (len != TOKEN_LEN ||
	    token_base32_decode(s, len, raw, TOKEN_RAW_LEN) < 0)
		return TOKEN_MALFORMED;
	if ((raw[0] >> 4) != TOKEN_VERSION ||
	    (raw[0] & 0x0f) >= SURVEY_TYPE_COUNT)
		return TOKEN_MALFORMED;
	token_fill(raw, &tok);
	if ((key = keyring_find(ring, tok.key_id)) == NULL)
		return TOKEN_UNKNOWN_KEY;
	if (token_tag(key, raw, tag) < 0) {
		/* Refuse rather than accept what we could not check. */
		msg_error("token: unable to compute HMAC-SHA256 with key %u",
		    tok.key_id);
		return TOKEN_FORGED;
	}
	if (CRYPTO_memcmp(tag, raw + TOKEN_SIGNED_LEN, TOKEN_TAG_LEN) != 0)
		return TOKEN_FORGED;
	if (out != NULL)
		*out = tok;
	if (lifetime > 0 && now - tok.issued >= lifetime)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

const char *
token_status_name(enum token_status st)
{
	switch (st) {
	case TOKEN_OK:
		return "ok";
	case TOKEN_MALFORMED:
		return "malformed";
	case TOKEN_UNKNOWN_KEY:
		return "unknown_key";
	case TOKEN_FORGED:
		return "forged";
	case TOKEN_EXPIRED:
		return "expired";
	}
	return "unknown";
}

/* --- addresses and ids ------------------------------------------------- */

/* A character of an unquoted local part (RFC 5322 atext, and '.'). */
static int
is_local_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * token_find_in_address - finds "PREFIX+TOKEN@" in addr[0..len), where
 * PREFIX is the whole local part before '+' (any case) and TOKEN is the
 * run of local part characters up to '@'. The address may be bare or
 * inside a header value ("Name <nps+TOKEN@x>"). Whatever lies between '+'
 * and '@' is returned, even if it is not a valid token, so that the caller
 * can tell "no token" from "malformed token".
 */
const char *
token_find_in_address(const char *addr, size_t len, const char *prefix,
    size_t *toklen)
{
	size_t plen = strlen(prefix), i, j, start;

	for (i = 0; i + plen + 1 < len; i++) {
		if (i > 0 && is_local_char((unsigned char)addr[i - 1]))
			continue;
		for (j = 0; j < plen; j++)
			if (lower((unsigned char)addr[i + j]) !=
			    lower((unsigned char)prefix[j]))
				break;
		if (j < plen || addr[i + plen] != '+')
			continue;
		start = i + plen + 1;
		for (j = start; j < len && addr[j] != '@' &&
		    is_local_char((unsigned char)addr[j]); j++)
			;
		if (j < len && addr[j] == '@' && j > start) {
			*toklen = j - start;
			return addr + start;
		}
	}
	return NULL;
}

/*
 * token_random_id - a new random survey id, TOKEN_ID_LEN characters of
 * base32 and a NUL. -1 when the random source fails.
 */
int
token_random_id(char id[TOKEN_ID_LEN + 1])
{
	unsigned char raw[TOKEN_ID_RAW];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	token_base32_encode(raw, sizeof(raw), id);
	return 0;
}
