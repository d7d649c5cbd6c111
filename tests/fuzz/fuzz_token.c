/*
 * fuzz_token.c - the token parser, base32 and the key file reader.
 *
 * For any input: token_verify never accepts it unless it is the canonical
 * form of a token signed with the fuzzing key (the fuzzer cannot forge an
 * HMAC, so an accepted input must re-encode to itself); base32 decoding
 * accepts only canonical encodings; encoding then decoding gives the bytes
 * back; token_find_in_address points inside the address; a key file
 * either loads a ring whose keys sign tokens that verify, or is refused
 * with a message. A token issued with a key made from the input verifies,
 * and no single flipped bit of it does.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "base/npserr.h"
#include "fuzz.h"
#include "survey/token.h"

#define FUZZ_NOW ((time_t)1750000000)

static struct keyring *fuzz_ring;

static void
check_verify(const uint8_t *data, size_t size)
{
	unsigned char raw[TOKEN_RAW_LEN];
	char again[TOKEN_LEN + 1];
	struct token tok;
	enum token_status st;
	size_t i;

	memset(&tok, 0, sizeof(tok));
	st = token_verify(fuzz_ring, (const char *)data, size, FUZZ_NOW,
	    86400, &tok);
	FUZZ_CHECK(st >= TOKEN_OK && st <= TOKEN_EXPIRED,
	    "token_verify returns a known status");
	FUZZ_CHECK(token_status_name(st) != NULL, "every status has a name");
	if (st != TOKEN_OK && st != TOKEN_EXPIRED)
		return;
	/* Accepted: it must be the canonical encoding of a 29-byte token. */
	FUZZ_CHECK(size == TOKEN_LEN, "accepted token has TOKEN_LEN chars");
	FUZZ_CHECK(token_base32_decode((const char *)data, size, raw,
	    sizeof(raw)) == 0, "accepted token decodes");
	token_base32_encode(raw, sizeof(raw), again);
	for (i = 0; i < size; i++)
		FUZZ_CHECK(tolower(data[i]) == (unsigned char)again[i],
		    "accepted token is canonical");
	FUZZ_CHECK(strlen(tok.survey_id) == TOKEN_ID_LEN,
	    "survey id has TOKEN_ID_LEN chars");
}

static void
check_base32(const uint8_t *data, size_t size)
{
	unsigned char out[64], back[64];
	char enc[((64 * 8 + 4) / 5) + 1];
	size_t outsz, i, n;

	/* Decoding: the input length fixes the only output size it can
	 * have; accepted input must re-encode to itself (any case). */
	outsz = size * 5 / 8;
	if (outsz <= sizeof(out) && token_base32_decode((const char *)data,
	    size, out, outsz) == 0) {
		n = token_base32_encode(out, outsz, enc);
		FUZZ_CHECK(n == size, "decoded length re-encodes to input");
		for (i = 0; i < n; i++)
			FUZZ_CHECK(tolower(data[i]) == (unsigned char)enc[i],
			    "base32 decoding accepts only canonical input");
	}
	/* Encoding any bytes gives what decodes back to them. */
	n = size < sizeof(out) ? size : sizeof(out);
	i = token_base32_encode(data, n, enc);
	FUZZ_CHECK(i == (n * 8 + 4) / 5, "encoded length");
	FUZZ_CHECK(enc[i] == '\0', "encoding is NUL-terminated");
	FUZZ_CHECK(token_base32_decode(enc, i, back, n) == 0,
	    "own encoding decodes");
	FUZZ_CHECK(n == 0 || memcmp(back, data, n) == 0, "base32 round trip");
}

static void
check_address(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "nps", "", "a+b", NULL };
	const char *tok;
	size_t toklen, i;

	for (i = 0; prefixes[i] != NULL; i++) {
		toklen = 12345;
		tok = token_find_in_address((const char *)data, size,
		    prefixes[i], &toklen);
		if (tok == NULL)
			continue;
		FUZZ_CHECK(tok >= (const char *)data &&
		    tok <= (const char *)data + size, "token inside address");
		FUZZ_CHECK(toklen <= size - (size_t)(tok - (const char *)data),
		    "token length inside address");
	}
}

/* A ring built from the input's first bytes signs a token that verifies;
 * every single-bit change of that token is refused. */
static void
check_issue(const uint8_t *data, size_t size)
{
	unsigned char secret[TOKEN_SECRET_LEN] = { 0 };
	char str[TOKEN_LEN + 1], flip[TOKEN_LEN];
	struct keyring *ring;
	struct token tok, got;
	enum survey_type type;
	unsigned id;
	size_t bit;
	time_t issued;

	if (size < 4)
		return;
	id = (unsigned)data[0] << 8 | data[1];
	type = (enum survey_type)(data[2] % SURVEY_TYPE_COUNT);
	memcpy(secret, data + 3, size - 3 < sizeof(secret) ? size - 3 :
	    sizeof(secret));
	ring = keyring_new_single(id, secret);
	FUZZ_CHECK(ring != NULL, "a 16-bit key id makes a ring");
	issued = FUZZ_NOW - (time_t)data[3] * 1000;
	FUZZ_CHECK(token_issue(ring, type, issued, &tok, str,
	    sizeof(str)) == 0, "token_issue");
	FUZZ_CHECK(strlen(str) == TOKEN_LEN, "issued token length");
	FUZZ_CHECK(token_verify(ring, str, TOKEN_LEN, FUZZ_NOW, 0, &got) ==
	    TOKEN_OK, "issued token verifies");
	FUZZ_CHECK(strcmp(got.survey_id, tok.survey_id) == 0 &&
	    got.type == type && got.issued == issued && got.key_id == id,
	    "verified token says what was issued");
	FUZZ_CHECK(token_verify(ring, str, TOKEN_LEN, issued + 10, 10,
	    &got) == TOKEN_EXPIRED, "token expired at issued + lifetime");
	/* Flip the bit the input chooses (one per run keeps it fast). */
	bit = (size_t)data[size - 1] % (TOKEN_LEN * 8);
	memcpy(flip, str, TOKEN_LEN);
	flip[bit / 8] ^= (char)(1 << (bit % 8));
	if (tolower((unsigned char)flip[bit / 8]) !=
	    tolower((unsigned char)str[bit / 8]))
		FUZZ_CHECK(token_verify(ring, flip, TOKEN_LEN, FUZZ_NOW, 0,
		    NULL) != TOKEN_OK, "flipped token refused");
	if (fuzz_ring != NULL && id != keyring_signing_id(fuzz_ring))
		FUZZ_CHECK(token_verify(fuzz_ring, str, TOKEN_LEN, FUZZ_NOW, 0,
		    NULL) == TOKEN_UNKNOWN_KEY, "other key id is unknown");
	keyring_free(ring);
}

/* Key files are text starting with a digit, a blank or '#'. */
static void
check_keyfile(const uint8_t *data, size_t size)
{
	char str[TOKEN_LEN + 1];
	struct keyring *ring;
	struct npserr err;
	const char *path;

	if (size == 0 || !(isdigit(data[0]) || data[0] == '#' ||
	    data[0] == ' ' || data[0] == '\t'))
		return;
	path = fuzz_tmpfile(1, data, size);
	err.msg[0] = '\0';
	ring = keyring_load(path, &err);
	if (ring == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0', "refused key file says why");
		return;
	}
	FUZZ_CHECK(keyring_count(ring) > 0, "a loaded ring has a key");
	FUZZ_CHECK(token_issue(ring, SURVEY_NPS, FUZZ_NOW, NULL, str,
	    sizeof(str)) == 0, "a loaded ring signs");
	FUZZ_CHECK(token_verify(ring, str, TOKEN_LEN, FUZZ_NOW, 0, NULL) ==
	    TOKEN_OK, "a loaded ring verifies its own token");
	keyring_free(ring);
}

/*
 * fuzz_token_one - one input through every token entry point.
 */
int
fuzz_token_one(const uint8_t *data, size_t size)
{
	if (fuzz_ring == NULL)
		fuzz_ring = keyring_new_test();
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	check_verify(data, size);
	check_base32(data, size);
	check_address(data, size);
	check_issue(data, size);
	check_keyfile(data, size);
	return 0;
}

#ifdef NPS_LIBFUZZER
FUZZ_ENTRY(fuzz_token_one)
#endif
