/*
 * fuzz.h - the entry points shared by the libFuzzer targets and by
 * tests/unit/regress_fuzz.c, which replays tests/fuzz/regressions/ in
 * make check.
 *
 * SYNOPSIS
 *	fuzz_token_one(data, size);	fuzz_config_one(...);
 *	fuzz_mime_one(...);		fuzz_rewrite_one(...);
 *	fuzz_reply_one(...);		fuzz_themes_one(...);
 *	FUZZ_CHECK(cond, "what went wrong");
 *
 * DESCRIPTION
 *	Each fuzz_NAME_one() feeds one input of any bytes to the modules it
 *	names and checks what the modules promise about their results (bounds,
 *	round trips, escaping), not only that nothing crashes. A broken
 *	promise ends the process through FUZZ_CHECK, which libFuzzer reports
 *	as a crash with the input saved, and which makes the regression test
 *	fail. Each entry sets up what it needs (key ring, config, templates)
 *	on its first call and keeps it for the life of the process.
 *	Built with -DNPS_LIBFUZZER, each file also defines
 *	LLVMFuzzerTestOneInput, so one file is one libFuzzer target.
 */
#ifndef NPSGATE_FUZZ_H
#define NPSGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Inputs beyond this many bytes are cut: the targets look for logic
 * errors, and big inputs only slow the search (tests/cli/hostile.py sends
 * the big mails). */
#define FUZZ_MAX_INPUT (256 * 1024)

#define FUZZ_CHECK(cond, what)                                           \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: broken promise: %s (%s)\n", \
			    __FILE__, __LINE__, (what), #cond);          \
			abort();                                         \
		}                                                        \
	} while (0)

int fuzz_token_one(const uint8_t *data, size_t size);
int fuzz_config_one(const uint8_t *data, size_t size);
int fuzz_mime_one(const uint8_t *data, size_t size);
int fuzz_rewrite_one(const uint8_t *data, size_t size);
int fuzz_reply_one(const uint8_t *data, size_t size);
int fuzz_themes_one(const uint8_t *data, size_t size);

/* Writes data to a private temporary file (mode 0600, removed at exit)
 * and returns its path; the same path every call, one file per slot. */
const char *fuzz_tmpfile(int slot, const uint8_t *data, size_t size);

#define FUZZ_ENTRY(fn)                                                   \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);     \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)      \
	{                                                                \
		return fn(data, size);                                   \
	}

#endif
