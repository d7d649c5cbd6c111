/*
 * test_token.c - signed survey tokens, the key ring and the key file.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/npserr.h"
#include "base/xalloc.h"
#include "survey/token.h"
#include "testlib.h"

#define NOW ((time_t)1790000000)	/* 2026-09-21 */
#define DAY ((time_t)86400)

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* --- helpers ------------------------------------------------------------ */

/* The state of the key file tests: their directory (testlib_dir_make). */
static int
tmpdir_setup(void **state)
{
	char *dir = testlib_dir_make("token");

	*state = dir;
	return dir != NULL ? 0 : -1;
}

static int
tmpdir_teardown(void **state)
{
	testlib_dir_remove(*state);
	return 0;
}

static void
tmp_file(void **state, const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", (const char *)*state, name);
}

static size_t
dir_entries(void **state)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(*state);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
issue_test_token(const struct keyring *ring, enum survey_type type,
    time_t now, struct token *tok, char str[TOKEN_LEN + 1])
{
	assert_int_equal(token_issue(ring, type, now, tok, str,
	    TOKEN_LEN + 1), 0);
	assert_int_equal(strlen(str), TOKEN_LEN);
}

static enum token_status
verify_str(const struct keyring *ring, const char *s, size_t len)
{
	return token_verify(ring, s, len, NOW, 0, NULL);
}

/* --- base32 ------------------------------------------------------------- */

/* RFC 4648 section 10, lowercase, without the padding. */
static void
test_base32_matches_rfc4648_vectors(void **state)
{
	static const char *const in[] = {
		"", "f", "fo", "foo", "foob", "fooba", "foobar"
	};
	static const char *const out[] = {
		"", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb",
		"mzxw6ytboi"
	};
	unsigned char dec[16];
	char enc[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		n = strlen(in[i]);
		assert_int_equal(token_base32_encode((const unsigned char *)
		    in[i], n, enc), strlen(out[i]));
		assert_string_equal(enc, out[i]);
		assert_int_equal(token_base32_decode(out[i], strlen(out[i]),
		    dec, n), 0);
		assert_memory_equal(dec, in[i], n);
	}
	/* Uppercase decodes the same. */
	assert_int_equal(token_base32_decode("MZXW6YTBOI", 10, dec, 6), 0);
	assert_memory_equal(dec, "foobar", 6);
}

/* "my" is "f"; "mz" carries a set bit after the byte and is refused. */
static void
test_base32_refuses_noncanonical_forms(void **state)
{
	unsigned char dec[8];

	(void)state;
	assert_int_equal(token_base32_decode("mz", 2, dec, 1), -1);
	assert_int_equal(token_base32_decode("my=", 3, dec, 1), -1);
	assert_int_equal(token_base32_decode("my", 2, dec, 2), -1);
	assert_int_equal(token_base32_decode("m", 1, dec, 1), -1);
	assert_int_equal(token_base32_decode("m1", 2, dec, 1), -1);
}

/* The alphabet, either case, and nothing else: every byte is asked, and
 * every token character issued is in it. */
static void
test_char_valid_is_the_base32_alphabet(void **state)
{
	struct keyring *ring = keyring_new_test();
	char tok[TOKEN_LEN + 1];
	unsigned c;
	size_t i;

	(void)state;
	for (c = 0; c < 256; c++) {
		bool in = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '2' && c <= '7');

		assert_int_equal(token_char_valid((unsigned char)c), in);
	}
	assert_false(token_char_valid('0'));
	assert_false(token_char_valid('1'));
	assert_false(token_char_valid('8'));
	assert_false(token_char_valid('='));
	assert_false(token_char_valid('+'));
	assert_false(token_char_valid('@'));
	assert_false(token_char_valid(0xc3));
	assert_true(token_char_valid('Q'));
	assert_true(token_char_valid('q'));
	assert_non_null(ring);
	assert_int_equal(token_issue(ring, SURVEY_NPS, 1700000000, NULL, tok,
	    sizeof(tok)), 0);
	for (i = 0; i < TOKEN_LEN; i++)
		assert_true(token_char_valid((unsigned char)tok[i]));
	keyring_free(ring);
}

/* --- issue and verify -------------------------------------------------- */

static void
test_round_trip_for_each_type(void **state)
{
	struct keyring *ring = keyring_new_test();
	struct token tok, got;
	char str[TOKEN_LEN + 1];
	size_t i;
	int t;

	(void)state;
	for (t = 0; t < SURVEY_TYPE_COUNT; t++) {
		issue_test_token(ring, (enum survey_type)t, NOW, &tok, str);
		for (i = 0; i < TOKEN_LEN; i++)
			assert_non_null(strchr(b32, str[i]));
		assert_int_equal(tok.type, t);
		assert_int_equal(tok.issued, NOW);
		assert_int_equal(tok.key_id, 1);
		assert_int_equal(strlen(tok.survey_id), TOKEN_ID_LEN);
		memset(&got, 0, sizeof(got));
		assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW + 60,
		    180 * DAY, &got), TOKEN_OK);
		assert_string_equal(got.survey_id, tok.survey_id);
		assert_int_equal(got.type, t);
		assert_int_equal(got.issued, NOW);
		assert_int_equal(got.key_id, 1);
	}
	keyring_free(ring);
}

static void
test_issue_draws_a_new_survey_id_each_time(void **state)
{
	struct keyring *ring = keyring_new_test();
	struct token a, b;
	char sa[TOKEN_LEN + 1], sb[TOKEN_LEN + 1];

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &a, sa);
	issue_test_token(ring, SURVEY_NPS, NOW, &b, sb);
	assert_string_not_equal(a.survey_id, b.survey_id);
	assert_string_not_equal(sa, sb);
	keyring_free(ring);
}

static void
test_issue_refuses_bad_arguments(void **state)
{
	struct keyring *ring = keyring_new_test();
	struct token tok;
	char str[TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(token_issue(ring, SURVEY_NPS, NOW, &tok, str,
	    TOKEN_LEN), -1);
	assert_int_equal(token_issue(ring, (enum survey_type)3, NOW, &tok,
	    str, sizeof(str)), -1);
	assert_int_equal(token_issue(ring, SURVEY_NPS, -1, &tok, str,
	    sizeof(str)), -1);
	assert_int_equal(token_issue(ring, SURVEY_NPS,
	    (time_t)UINT32_MAX + 1, &tok, str, sizeof(str)), -1);
	keyring_free(ring);
}

/*
 * Every other byte value at every position is refused. The one exception
 * is the same letter in the other case, which is the same token.
 */
static void
test_verify_refuses_every_changed_character(void **state)
{
	struct keyring *ring = keyring_new_test();
	char str[TOKEN_LEN + 1], t[TOKEN_LEN + 1];
	struct token tok;
	size_t i;
	int c, tried = 0;

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	for (i = 0; i < TOKEN_LEN; i++) {
		for (c = 0; c < 256; c++) {
			if (tolower(c) == str[i])
				continue;
			memcpy(t, str, sizeof(t));
			t[i] = (char)c;
			if (verify_str(ring, t, TOKEN_LEN) == TOKEN_OK)
				fail_msg("position %zu byte 0x%02x verifies",
				    i, c);
			tried++;
		}
	}
	/* 47 positions x 254 values (255 minus the case twin of letters,
	 * 255 for digits). */
	assert_true(tried >= TOKEN_LEN * 254);
	keyring_free(ring);
}

/*
 * Every single bit flip of the 29 binary bytes is refused, each for its
 * own reason: the version/type byte is malformed or forged, the survey id
 * and time are forged, the key id names a key we do not have, the tag is
 * forged.
 */
static void
test_verify_refuses_every_flipped_bit(void **state)
{
	struct keyring *ring = keyring_new_test();
	unsigned char raw[TOKEN_RAW_LEN], f[TOKEN_RAW_LEN];
	char str[TOKEN_LEN + 1], t[TOKEN_LEN + 1];
	enum token_status st;
	struct token tok;
	size_t i;
	int bit;

	(void)state;
	issue_test_token(ring, SURVEY_CSAT, NOW, &tok, str);
	assert_int_equal(token_base32_decode(str, TOKEN_LEN, raw,
	    TOKEN_RAW_LEN), 0);
	assert_int_equal(raw[0], 0x11);	/* version 1, type CSAT */
	for (i = 0; i < TOKEN_RAW_LEN; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(f, raw, sizeof(f));
			f[i] ^= (unsigned char)(1u << bit);
			assert_int_equal(token_base32_encode(f, sizeof(f), t),
			    TOKEN_LEN);
			st = verify_str(ring, t, TOKEN_LEN);
			if (i == 0)
				assert_true(st == TOKEN_MALFORMED ||
				    st == TOKEN_FORGED);
			else if (i == 15 || i == 16)
				assert_int_equal(st, TOKEN_UNKNOWN_KEY);
			else
				assert_int_equal(st, TOKEN_FORGED);
		}
	}
	/* Version 1 type NPS (0x10) would be a valid header: forged. */
	memcpy(f, raw, sizeof(f));
	f[0] = 0x10;
	token_base32_encode(f, sizeof(f), t);
	assert_int_equal(verify_str(ring, t, TOKEN_LEN), TOKEN_FORGED);
	keyring_free(ring);
}

static void
test_verify_reports_unknown_key(void **state)
{
	static const unsigned char other[TOKEN_SECRET_LEN] = { 7 };
	struct keyring *ring = keyring_new_test(), *ring2;
	char str[TOKEN_LEN + 1];
	struct token tok;

	(void)state;
	ring2 = keyring_new_single(2, other);
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	assert_int_equal(verify_str(ring2, str, TOKEN_LEN), TOKEN_UNKNOWN_KEY);
	keyring_free(ring);
	keyring_free(ring2);
}

static void
test_verify_reports_forged_for_other_secret(void **state)
{
	static const unsigned char other[TOKEN_SECRET_LEN] = { 7 };
	struct keyring *ring = keyring_new_test(), *ring2;
	char str[TOKEN_LEN + 1];
	struct token tok;

	(void)state;
	ring2 = keyring_new_single(1, other);
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	assert_int_equal(verify_str(ring2, str, TOKEN_LEN), TOKEN_FORGED);
	/* And the other way round. */
	issue_test_token(ring2, SURVEY_NPS, NOW, &tok, str);
	assert_int_equal(verify_str(ring, str, TOKEN_LEN), TOKEN_FORGED);
	assert_int_equal(verify_str(ring2, str, TOKEN_LEN), TOKEN_OK);
	keyring_free(ring);
	keyring_free(ring2);
}

/* A token lives lifetime seconds: valid at issued + lifetime - 1, expired
 * at issued + lifetime. An expired token still names its survey. */
static void
test_verify_expires_at_the_exact_second(void **state)
{
	struct keyring *ring = keyring_new_test();
	const time_t life = 180 * DAY;
	char str[TOKEN_LEN + 1];
	struct token tok, got;

	(void)state;
	issue_test_token(ring, SURVEY_CES, NOW, &tok, str);
	assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW, life, &got),
	    TOKEN_OK);
	assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW + life - 1,
	    life, &got), TOKEN_OK);
	memset(&got, 0, sizeof(got));
	assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW + life, life,
	    &got), TOKEN_EXPIRED);
	assert_string_equal(got.survey_id, tok.survey_id);
	assert_int_equal(got.type, SURVEY_CES);
	assert_int_equal(got.issued, NOW);
	/* lifetime 0: never expires. */
	assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW + 3650 * DAY,
	    0, NULL), TOKEN_OK);
	/* A changed token is forged, not expired, even when old. */
	str[20] = str[20] == 'a' ? 'b' : 'a';
	assert_int_equal(token_verify(ring, str, TOKEN_LEN, NOW + life, life,
	    NULL), TOKEN_FORGED);
	keyring_free(ring);
}

static void
test_verify_refuses_malformed_inputs(void **state)
{
	struct keyring *ring = keyring_new_test();
	unsigned char raw[TOKEN_RAW_LEN];
	char str[TOKEN_LEN + 1], t[TOKEN_LEN + 2];
	static const char bad[] = "01890=-_ +/@.\x80\xff";
	struct token tok;
	size_t i;

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	assert_int_equal(verify_str(ring, "", 0), TOKEN_MALFORMED);
	assert_int_equal(verify_str(ring, str, TOKEN_LEN - 1),
	    TOKEN_MALFORMED);
	memcpy(t, str, TOKEN_LEN);
	t[TOKEN_LEN] = 'a';
	t[TOKEN_LEN + 1] = '\0';
	assert_int_equal(verify_str(ring, t, TOKEN_LEN + 1), TOKEN_MALFORMED);
	for (i = 0; i < sizeof(bad) - 1; i++) {
		memcpy(t, str, sizeof(str));
		t[10] = bad[i];
		assert_int_equal(verify_str(ring, t, TOKEN_LEN),
		    TOKEN_MALFORMED);
	}
	/* A NUL inside: the length says 47, the NUL is not base32. */
	memcpy(t, str, sizeof(str));
	t[30] = '\0';
	assert_int_equal(verify_str(ring, t, TOKEN_LEN), TOKEN_MALFORMED);
	/* Version 2 and survey type 3 are not ours, whatever the tag. */
	assert_int_equal(token_base32_decode(str, TOKEN_LEN, raw,
	    TOKEN_RAW_LEN), 0);
	raw[0] = 0x20;
	token_base32_encode(raw, sizeof(raw), t);
	assert_int_equal(verify_str(ring, t, TOKEN_LEN), TOKEN_MALFORMED);
	raw[0] = 0x13;
	token_base32_encode(raw, sizeof(raw), t);
	assert_int_equal(verify_str(ring, t, TOKEN_LEN), TOKEN_MALFORMED);
	keyring_free(ring);
}

/* The verifier reads exactly len bytes: a heap block of 47 bytes without
 * a NUL is enough (AddressSanitizer catches a read past it). */
static void
test_verify_reads_only_len_bytes(void **state)
{
	struct keyring *ring = keyring_new_test();
	char str[TOKEN_LEN + 1], *exact;
	struct token tok;

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	exact = xmalloc(TOKEN_LEN);
	memcpy(exact, str, TOKEN_LEN);
	assert_int_equal(verify_str(ring, exact, TOKEN_LEN), TOKEN_OK);
	free(exact);
	keyring_free(ring);
}

static void
test_uppercase_and_mixed_case_tokens_verify(void **state)
{
	struct keyring *ring = keyring_new_test();
	char str[TOKEN_LEN + 1], up[TOKEN_LEN + 1];
	struct token tok, got;
	size_t i;

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	for (i = 0; i <= TOKEN_LEN; i++)
		up[i] = (char)toupper((unsigned char)str[i]);
	assert_string_not_equal(up, str);
	assert_int_equal(token_verify(ring, up, TOKEN_LEN, NOW, 0, &got),
	    TOKEN_OK);
	assert_string_equal(got.survey_id, tok.survey_id);
	for (i = 0; i < TOKEN_LEN; i += 2)
		up[i] = str[i];
	assert_int_equal(verify_str(ring, up, TOKEN_LEN), TOKEN_OK);
	keyring_free(ring);
}

static void
test_reply_local_part_fits_in_64(void **state)
{
	struct keyring *ring = keyring_new_test();
	char str[TOKEN_LEN + 1], addr[128];
	const char *at;
	struct token tok;

	(void)state;
	issue_test_token(ring, SURVEY_NPS, NOW, &tok, str);
	snprintf(addr, sizeof(addr), "nps+%s@reply.example", str);
	at = strchr(addr, '@');
	assert_int_equal(at - addr, 3 + 1 + 47);
	assert_true(at - addr <= 64);
	assert_int_equal(TOKEN_LOCAL_PREFIX_MAX + 1 + TOKEN_LEN, 64);
	keyring_free(ring);
}

static void
test_random_strings_are_all_refused(void **state)
{
	struct keyring *ring = keyring_new_test();
	unsigned char rnd[TOKEN_LEN], raw[TOKEN_RAW_LEN];
	char s[TOKEN_LEN + 1];
	long counts[5] = { 0 };
	int n, i;

	(void)state;
	srand(20260923);
	for (n = 0; n < 100000; n++) {
		for (i = 0; i < TOKEN_LEN; i++)
			rnd[i] = (unsigned char)rand();
		for (i = 0; i < TOKEN_LEN; i++)
			s[i] = b32[rnd[i] & 31];
		counts[verify_str(ring, s, TOKEN_LEN)]++;
	}
	assert_int_equal(counts[TOKEN_OK], 0);
	assert_int_equal(counts[TOKEN_EXPIRED], 0);
	assert_int_equal(counts[TOKEN_MALFORMED] + counts[TOKEN_UNKNOWN_KEY] +
	    counts[TOKEN_FORGED], 100000);

	/* Random bodies with a valid header and key id reach the tag check:
	 * every one of them is forged. */
	for (n = 0; n < 20000; n++) {
		for (i = 0; i < TOKEN_RAW_LEN; i++)
			raw[i] = (unsigned char)rand();
		raw[0] = 0x10 | (unsigned char)(n % SURVEY_TYPE_COUNT);
		raw[15] = 0;
		raw[16] = 1;
		token_base32_encode(raw, sizeof(raw), s);
		assert_int_equal(verify_str(ring, s, TOKEN_LEN), TOKEN_FORGED);
	}
	keyring_free(ring);
}

static void
test_status_names_are_distinct(void **state)
{
	(void)state;
	assert_string_equal(token_status_name(TOKEN_OK), "ok");
	assert_string_equal(token_status_name(TOKEN_MALFORMED), "malformed");
	assert_string_equal(token_status_name(TOKEN_UNKNOWN_KEY),
	    "unknown_key");
	assert_string_equal(token_status_name(TOKEN_FORGED), "forged");
	assert_string_equal(token_status_name(TOKEN_EXPIRED), "expired");
}

static void
test_random_id_is_16_base32_characters(void **state)
{
	char a[TOKEN_ID_LEN + 1], b[TOKEN_ID_LEN + 1];

	(void)state;
	assert_int_equal(token_random_id(a), 0);
	assert_int_equal(token_random_id(b), 0);
	assert_int_equal(strlen(a), TOKEN_ID_LEN);
	assert_int_equal(strspn(a, b32), TOKEN_ID_LEN);
	assert_string_not_equal(a, b);
}

static void
test_new_single_refuses_id_over_65535(void **state)
{
	static const unsigned char s[TOKEN_SECRET_LEN] = { 1 };
	struct keyring *ring;

	(void)state;
	assert_null(keyring_new_single(65536, s));
	ring = keyring_new_single(65535, s);
	assert_non_null(ring);
	assert_int_equal(keyring_signing_id(ring), 65535);
	keyring_free(ring);
}

/* --- finding the token in an address ------------------------------------ */

static void
expect_found(const char *addr, const char *prefix, const char *want)
{
	const char *p;
	size_t n = 0;

	p = token_find_in_address(addr, strlen(addr), prefix, &n);
	if (p == NULL)
		fail_msg("no token found in '%s'", addr);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

static void
expect_none(const char *addr, size_t len, const char *prefix)
{
	size_t n = 0;

	if (token_find_in_address(addr, len, prefix, &n) != NULL)
		fail_msg("a token found in '%.*s'", (int)len, addr);
}

static void
test_find_in_address_cases(void **state)
{
	char *exact;
	size_t n;

	(void)state;
	expect_found("nps+abc234@reply.example", "nps", "abc234");
	expect_found("NPS+ABC234@reply.example", "nps", "ABC234");
	expect_found("nps+abc@x", "NpS", "abc");
	expect_found("Survey <nps+abc@reply.example>", "nps", "abc");
	expect_found("a@b.example, nps+tok@x", "nps", "tok");
	expect_found("nps@x, nps+tok@x", "nps", "tok");
	/* Whatever is between '+' and '@' comes back, for verify to judge. */
	expect_found("nps+a+b@x", "nps", "a+b");
	expect_found("replies.nps+t@x", "replies.nps", "t");

	n = strlen("xnps+abc@x");
	expect_none("xnps+abc@x", n, "nps");
	expect_none("a.nps+abc@x", strlen("a.nps+abc@x"), "nps");
	expect_none("nps2+abc@x", strlen("nps2+abc@x"), "nps");
	expect_none("nps-abc@x", strlen("nps-abc@x"), "nps");
	expect_none("nps@x", strlen("nps@x"), "nps");
	expect_none("nps+@x", strlen("nps+@x"), "nps");
	expect_none("nps+abc", strlen("nps+abc"), "nps");
	expect_none("nps+ab c@x", strlen("nps+ab c@x"), "nps");
	expect_none("", 0, "nps");
	/* NUL bytes are data, not ends. */
	expect_none("nps\0+abc@x", 10, "nps");
	expect_none("nps+ab\0c@x", 10, "nps");
	/* The '@' lies past len: not found, and nothing past len is read. */
	expect_none("nps+abc@x", 7, "nps");
	exact = xmalloc(7);
	memcpy(exact, "nps+abc", 7);
	expect_none(exact, 7, "nps");
	free(exact);
}

/* --- the key file ------------------------------------------------------ */

static void
test_add_new_twice_keeps_both_keys_mode_0600(void **state)
{
	char path[256], *first, *second;
	struct npserr err = { "" };
	struct keyring *ring;
	size_t l1, l2;
	struct stat st;
	unsigned id = 0;

	tmp_file(state, "keys", path, sizeof(path));
	assert_int_equal(keyring_add_new(path, &id, &err), 0);
	assert_int_equal(id, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	first = testlib_file_read(path, &l1);
	assert_non_null(first);

	assert_int_equal(keyring_add_new(path, &id, &err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	second = testlib_file_read(path, &l2);
	assert_non_null(second);
	/* The old content is kept byte for byte; one line is added. */
	assert_true(l2 > l1);
	assert_memory_equal(first, second, l1);
	assert_int_equal(second[l2 - 1], '\n');
	assert_null(memchr(second + l1, '\n', l2 - l1 - 1));
	/* No temporary file is left behind. */
	assert_int_equal(dir_entries(state), 1);

	ring = keyring_load(path, &err);
	if (ring == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(keyring_count(ring), 2);
	assert_int_equal(keyring_signing_id(ring), 2);
	keyring_free(ring);
	free(first);
	free(second);
}

/* Keys 1 and 2: 2 signs, 1 still verifies; a ring without 2 cannot
 * verify what 2 signed. */
static void
test_rotation_signs_with_newest_and_verifies_old(void **state)
{
	struct keyring *ring1, *ring12;
	struct npserr err = { "" };
	char path[256], s1[TOKEN_LEN + 1], s2[TOKEN_LEN + 1];
	struct token t1, t2, got;
	unsigned id;

	tmp_file(state, "keys", path, sizeof(path));
	assert_int_equal(keyring_add_new(path, &id, &err), 0);
	ring1 = keyring_load(path, &err);
	assert_non_null(ring1);
	issue_test_token(ring1, SURVEY_NPS, NOW, &t1, s1);
	assert_int_equal(t1.key_id, 1);

	assert_int_equal(keyring_add_new(path, &id, &err), 0);
	ring12 = keyring_load(path, &err);
	assert_non_null(ring12);
	issue_test_token(ring12, SURVEY_NPS, NOW, &t2, s2);
	assert_int_equal(t2.key_id, 2);

	assert_int_equal(token_verify(ring12, s1, TOKEN_LEN, NOW, 0, &got),
	    TOKEN_OK);
	assert_int_equal(got.key_id, 1);
	assert_int_equal(token_verify(ring12, s2, TOKEN_LEN, NOW, 0, &got),
	    TOKEN_OK);
	assert_int_equal(got.key_id, 2);
	assert_int_equal(verify_str(ring1, s2, TOKEN_LEN), TOKEN_UNKNOWN_KEY);
	keyring_free(ring1);
	keyring_free(ring12);
}

static const char key_a[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void
test_load_reads_comments_blank_lines_and_any_order(void **state)
{
	char path[256], text[512];
	struct npserr err = { "" };
	struct keyring *ring;
	int n;

	tmp_file(state, "keys", path, sizeof(path));
	n = snprintf(text, sizeof(text),
	    "# keys\n\n  # indented comment\n9 1700000000 %s\r\n"
	    "\t3  1600000000\t%s  \n", key_a, key_a);
	assert_int_equal(testlib_file_write(path, text, (size_t)n, 0600), 0);
	ring = keyring_load(path, &err);
	if (ring == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(keyring_count(ring), 2);
	assert_int_equal(keyring_signing_id(ring), 9);
	keyring_free(ring);
}

static void
expect_load_error(void **state, const char *text, size_t len,
    const char *want)
{
	char path[256], msg[NPSERR_MAX + 300];
	struct npserr err = { "" };

	tmp_file(state, "keys", path, sizeof(path));
	assert_int_equal(testlib_file_write(path, text, len, 0600), 0);
	assert_null(keyring_load(path, &err));
	snprintf(msg, sizeof(msg), "%s%s", path, want);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, msg);
	/* The secret never shows in a message. */
	assert_null(strstr(err.msg, "00112233"));
}

static void
test_load_errors_name_file_line_and_fix(void **state)
{
	char text[512];
	int n;

	n = snprintf(text, sizeof(text), "# c\n1 1700000000 %s\nbad\n", key_a);
	expect_load_error(state, text, (size_t)n, ":3: expected 3 fields");
	n = snprintf(text, sizeof(text), "1 1700000000 %s extra\n", key_a);
	expect_load_error(state, text, (size_t)n, ":1: expected 3 fields");
	n = snprintf(text, sizeof(text), "\n70000 1700000000 %s\n", key_a);
	expect_load_error(state, text, (size_t)n,
	    ":2: key id '70000' is not a number from 0 to 65535");
	n = snprintf(text, sizeof(text), "x1 1700000000 %s\n", key_a);
	expect_load_error(state, text, (size_t)n, ":1: key id 'x1'");
	n = snprintf(text, sizeof(text), "1 yesterday %s\n", key_a);
	expect_load_error(state, text, (size_t)n,
	    ":1: creation time 'yesterday'");
	n = snprintf(text, sizeof(text), "1 1 %s\n2 2 %s\n1 3 %s\n", key_a,
	    key_a, key_a);
	expect_load_error(state, text, (size_t)n, ":3: key id 1 appears twice");
	n = snprintf(text, sizeof(text), "1 1700000000 %.62s\n", key_a);
	expect_load_error(state, text, (size_t)n,
	    ":1: the secret of key 1 has 62 characters, not 64 hex digits; "
	    "replace the line with a new key from npsgate keygen");
	n = snprintf(text, sizeof(text), "1 1700000000 %.63sg\n", key_a);
	expect_load_error(state, text, (size_t)n,
	    ":1: the secret of key 1 has a character that is not a hex digit");
	n = snprintf(text, sizeof(text), "1 1700000000 %s\n", key_a);
	text[20] = '\0';
	expect_load_error(state, text, (size_t)n, ":1: NUL byte");
	expect_load_error(state, "# only a comment\n", 17,
	    ": no keys; add one with npsgate keygen");
	expect_load_error(state, "", 0, ": no keys");
}

static void
test_load_refuses_file_open_to_group_or_others(void **state)
{
	char path[256], text[256], want[600];
	struct npserr err = { "" };
	static const mode_t modes[] = { 0640, 0604, 0620, 0660, 0644 };
	struct keyring *ring;
	size_t i;
	int n;

	tmp_file(state, "keys", path, sizeof(path));
	n = snprintf(text, sizeof(text), "1 1700000000 %s\n", key_a);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(testlib_file_write(path, text, (size_t)n,
		    modes[i]), 0);
		assert_null(keyring_load(path, &err));
		snprintf(want, sizeof(want), "run chmod 600 %s", path);
		if (strstr(err.msg, want) == NULL)
			fail_msg("error '%s' lacks '%s'", err.msg, want);
	}
	/* keygen refuses it too, and leaves it as it was. */
	assert_int_equal(keyring_add_new(path, &(unsigned){ 0 }, &err), -1);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_int_equal(testlib_file_write(path, text, (size_t)n, 0600), 0);
	ring = keyring_load(path, &err);
	assert_non_null(ring);
	keyring_free(ring);
}

static void
test_load_names_missing_file_and_keygen(void **state)
{
	char path[256];
	struct npserr err = { "" };

	tmp_file(state, "nokeys", path, sizeof(path));
	assert_null(keyring_load(path, &err));
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_non_null(strstr(err.msg, "npsgate keygen"));
}

static void
test_add_new_keeps_comments_takes_next_id(void **state)
{
	char path[256], text[256], *after;
	struct npserr err = { "" };
	struct keyring *ring;
	unsigned id = 0;
	size_t len;
	int n;

	tmp_file(state, "keys", path, sizeof(path));
	/* No newline at the end: the new key goes on a line of its own. */
	n = snprintf(text, sizeof(text), "# ours\n7 1700000000 %s", key_a);
	assert_int_equal(testlib_file_write(path, text, (size_t)n, 0600), 0);
	assert_int_equal(keyring_add_new(path, &id, &err), 0);
	assert_int_equal(id, 8);
	after = testlib_file_read(path, &len);
	assert_non_null(after);
	assert_memory_equal(after, text, (size_t)n);
	assert_int_equal(after[n], '\n');
	assert_memory_equal(after + n + 1, "8 ", 2);
	ring = keyring_load(path, &err);
	assert_non_null(ring);
	assert_int_equal(keyring_count(ring), 2);
	assert_int_equal(keyring_signing_id(ring), 8);
	keyring_free(ring);
	free(after);
}

static void
test_add_new_refuses_a_bad_file_and_leaves_it(void **state)
{
	char path[256], *after;
	struct npserr err = { "" };
	static const char text[] = "1 2 3\n";
	unsigned id = 0;
	size_t len;

	tmp_file(state, "keys", path, sizeof(path));
	assert_int_equal(testlib_file_write(path, text, sizeof(text) - 1,
	    0600), 0);
	assert_int_equal(keyring_add_new(path, &id, &err), -1);
	assert_non_null(strstr(err.msg, ":1: the secret of key 1"));
	after = testlib_file_read(path, &len);
	assert_non_null(after);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(after, text, len);
	assert_int_equal(dir_entries(state), 1);
	free(after);
}

static void
test_add_new_refuses_missing_directory(void **state)
{
	char path[256];
	struct npserr err = { "" };
	unsigned id = 0;

	tmp_file(state, "no/such/keys", path, sizeof(path));
	assert_int_equal(keyring_add_new(path, &id, &err), -1);
	assert_non_null(strstr(err.msg, "unable to open its directory"));
}

/* Four processes add ten keys each at once: the directory lock makes
 * every id distinct and no key is lost. */
static void
test_add_new_concurrent_writers_lose_no_key(void **state)
{
	struct npserr err = { "" };
	struct keyring *ring;
	char path[256];
	pid_t pids[4];
	unsigned id;
	int i, k, status;

	tmp_file(state, "keys", path, sizeof(path));
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			for (k = 0; k < 10; k++)
				if (keyring_add_new(path, &id, &err) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	ring = keyring_load(path, &err);
	if (ring == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(keyring_count(ring), 40);
	assert_int_equal(keyring_signing_id(ring), 40);
	assert_int_equal(dir_entries(state), 1);
	keyring_free(ring);
}

#define TMP_TEST(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, \
	tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base32_matches_rfc4648_vectors),
		cmocka_unit_test(test_base32_refuses_noncanonical_forms),
		cmocka_unit_test(test_char_valid_is_the_base32_alphabet),
		cmocka_unit_test(test_round_trip_for_each_type),
		cmocka_unit_test(test_issue_draws_a_new_survey_id_each_time),
		cmocka_unit_test(test_issue_refuses_bad_arguments),
		cmocka_unit_test(test_verify_refuses_every_changed_character),
		cmocka_unit_test(test_verify_refuses_every_flipped_bit),
		cmocka_unit_test(test_verify_reports_unknown_key),
		cmocka_unit_test(test_verify_reports_forged_for_other_secret),
		cmocka_unit_test(test_verify_expires_at_the_exact_second),
		cmocka_unit_test(test_verify_refuses_malformed_inputs),
		cmocka_unit_test(test_verify_reads_only_len_bytes),
		cmocka_unit_test(test_uppercase_and_mixed_case_tokens_verify),
		cmocka_unit_test(test_reply_local_part_fits_in_64),
		cmocka_unit_test(test_random_strings_are_all_refused),
		cmocka_unit_test(test_status_names_are_distinct),
		cmocka_unit_test(test_random_id_is_16_base32_characters),
		cmocka_unit_test(test_new_single_refuses_id_over_65535),
		cmocka_unit_test(test_find_in_address_cases),
		TMP_TEST(test_add_new_twice_keeps_both_keys_mode_0600),
		TMP_TEST(test_rotation_signs_with_newest_and_verifies_old),
		TMP_TEST(test_load_reads_comments_blank_lines_and_any_order),
		TMP_TEST(test_load_errors_name_file_line_and_fix),
		TMP_TEST(test_load_refuses_file_open_to_group_or_others),
		TMP_TEST(test_load_names_missing_file_and_keygen),
		TMP_TEST(test_add_new_keeps_comments_takes_next_id),
		TMP_TEST(test_add_new_refuses_a_bad_file_and_leaves_it),
		TMP_TEST(test_add_new_refuses_missing_directory),
		TMP_TEST(test_add_new_concurrent_writers_lose_no_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
