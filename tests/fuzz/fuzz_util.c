/*
 * fuzz_util.c - temporary files for the targets whose module reads a path
 * (config_load, keyring_load).
 *
 * One file per slot and per process, created with mkstemp (mode 0600, as
 * keyring_load demands), rewritten in place for every input and removed
 * at exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_SLOTS 4

static char paths[FUZZ_SLOTS][64];
static int fds[FUZZ_SLOTS] = { -1, -1, -1, -1 };

static void
fuzz_tmpfile_cleanup(void)
{
	int i;

	for (i = 0; i < FUZZ_SLOTS; i++)
		if (fds[i] >= 0) {
			unlink(paths[i]);
			close(fds[i]);
			fds[i] = -1;
		}
}

/*
 * fuzz_tmpfile - the slot's file holding exactly data[0..size). Aborts
 * when /tmp cannot be written: no target can run without it.
 */
const char *
fuzz_tmpfile(int slot, const uint8_t *data, size_t size)
{
	static int registered;
	size_t off = 0;
	ssize_t n;

	FUZZ_CHECK(slot >= 0 && slot < FUZZ_SLOTS, "slot out of range");
	if (fds[slot] < 0) {
		const char *dir = getenv("TMPDIR");

		if (dir == NULL || *dir == '\0' || strlen(dir) > 40)
			dir = "/tmp";
		snprintf(paths[slot], sizeof(paths[slot]), "%s/npsfuzz.XXXXXX",
		    dir);
		fds[slot] = mkstemp(paths[slot]);
		FUZZ_CHECK(fds[slot] >= 0, "mkstemp in TMPDIR");
		if (!registered) {
			atexit(fuzz_tmpfile_cleanup);
			registered = 1;
		}
	}
	FUZZ_CHECK(ftruncate(fds[slot], 0) == 0, "truncate temporary file");
	while (off < size) {
		n = pwrite(fds[slot], data + off, size - off, (off_t)off);
		FUZZ_CHECK(n > 0, "write temporary file");
		off += (size_t)n;
	}
	return paths[slot];
}
