/*
 * keyring.c - the key ring that signs and verifies tokens, and the key
 * file it is read from and added to; see token.h for the functions and
 * the key file format, keyring_int.h for what token.c sees of a key.
 *
 * Secrets live in one allocation per ring, never copied by realloc or qsort,
 * and are wiped before they are freed. The key file is read only when no
 * one but its owner may read or write it, and rewritten whole (a new file
 * renamed over it), so that a reader never sees half of it.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "base/hex.h"
#include "base/xalloc.h"
#include "survey/keyring_int.h"
#include "survey/token.h"

#define TOKEN_KEY_ID_MAX 65535
#define KEYFILE_MAX (1024 * 1024)	/* a ring of ~10,000 keys */

struct keyring {
	size_t n;
	struct key *keys;	/* in file order; rings are small */
};

/* The public test key: its secret is written here, so it proves nothing. */
static const unsigned char test_secret[TOKEN_SECRET_LEN] =
    "npsgate public test key, no mail";

/* --- the ring ---------------------------------------------------------- */

static struct keyring *
keyring_alloc(size_t cap)
{
	struct keyring *ring = xmalloc(sizeof(*ring));

	ring->n = 0;
	ring->keys = xcalloc(cap ? cap : 1, sizeof(struct key));
	return ring;
}

/*
 * keyring_free - wipes every secret and frees the ring; NULL is allowed.
 */
void
keyring_free(struct keyring *ring)
{
	if (ring == NULL)
		return;
	OPENSSL_cleanse(ring->keys, ring->n * sizeof(struct key));
	free(ring->keys);
	free(ring);
}

/* keyring_find - see keyring_int.h. */
const struct key *
keyring_find(const struct keyring *ring, unsigned id)
{
	size_t i;

	for (i = 0; i < ring->n; i++)
		if (ring->keys[i].id == id)
			return &ring->keys[i];
	return NULL;
}

/* keyring_signing_key - see keyring_int.h. */
const struct key *
keyring_signing_key(const struct keyring *ring)
{
	const struct key *best = NULL;
	size_t i;

	for (i = 0; i < ring->n; i++)
		if (best == NULL || ring->keys[i].id > best->id)
			best = &ring->keys[i];
	return best;
}

size_t
keyring_count(const struct keyring *ring)
{
	return ring->n;
}

/*
 * keyring_signing_id - the id of the key that signs new tokens: the
 * highest id of the ring.
 */
unsigned
keyring_signing_id(const struct keyring *ring)
{
	const struct key *k = keyring_signing_key(ring);

	return k ? k->id : 0;
}

/*
 * keyring_new_single - a ring of one key. NULL when key_id is over 65535
 * (the token has two bytes for it). Caller frees with keyring_free.
 */
struct keyring *
keyring_new_single(unsigned key_id,
    const unsigned char secret[TOKEN_SECRET_LEN])
{
	struct keyring *ring;

	if (key_id > TOKEN_KEY_ID_MAX)
		return NULL;
	ring = keyring_alloc(1);
	ring->keys[0].id = key_id;
	ring->keys[0].created = 0;
	memcpy(ring->keys[0].secret, secret, TOKEN_SECRET_LEN);
	ring->n = 1;
	return ring;
}

/*
 * keyring_new_test - the public test key, id 1. Caller frees with
 * keyring_free.
 */
struct keyring *
keyring_new_test(void)
{
	return keyring_new_single(1, test_secret);
}

/* --- the key file ------------------------------------------------------ */

/* Parses a decimal number of at most maxdigits digits; -1 if not one. */
static int
parse_decimal(const char *s, size_t len, size_t maxdigits, long long *out)
{
	long long v = 0;
	size_t i;

	if (len == 0 || len > maxdigits)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

#define KEYFILE_FORMAT "each key line is \"ID CREATED HEX64\""

/*
 * Parses one key line of len bytes (no newline) into ring, which has room.
 * Never echoes the secret into the error message.
 */
static int
keyfile_parse_line(const char *path, size_t lineno, const char *line,
    size_t len, struct keyring *ring, size_t *key_lines, struct npserr *err)
{
	const char *field[4];
	size_t flen[4], nf = 0, i = 0, j, k;
	long long id, created;
	struct key *key;
	int hi, lo;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (nf == 4) {
			nf++;
			break;
		}
		field[nf] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		flen[nf] = (size_t)(line + i - field[nf]);
		nf++;
	}
	if (nf != 3) {
		npserr_set(err, "%s:%zu: expected 3 fields, found %s%zu; "
		    KEYFILE_FORMAT, path, lineno, nf > 4 ? "more than " : "",
		    nf > 4 ? (size_t)4 : nf);
		return -1;
	}
	if (parse_decimal(field[0], flen[0], 5, &id) < 0 ||
	    id > TOKEN_KEY_ID_MAX) {
		npserr_set(err, "%s:%zu: key id '%.*s' is not a number from 0 "
		    "to %d; " KEYFILE_FORMAT, path, lineno,
		    (int)(flen[0] > 20 ? 20 : flen[0]), field[0],
		    TOKEN_KEY_ID_MAX);
		return -1;
	}
	if (parse_decimal(field[1], flen[1], 18, &created) < 0) {
		npserr_set(err, "%s:%zu: creation time '%.*s' is not a number "
		    "of seconds since 1970; " KEYFILE_FORMAT, path, lineno,
		    (int)(flen[1] > 20 ? 20 : flen[1]), field[1]);
		return -1;
	}
	if (keyring_find(ring, (unsigned)id) != NULL) {
		npserr_set(err, "%s:%zu: key id %lld appears twice; remove one "
		    "of the two lines (the tokens it signed stop verifying)",
		    path, lineno, id);
		return -1;
	}
	if (flen[2] != 2 * TOKEN_SECRET_LEN) {
		npserr_set(err, "%s:%zu: the secret of key %lld has %zu "
		    "characters, not %d hex digits; replace the line with "
		    "a new key from npsgate keygen", path, lineno, id, flen[2],
		    2 * TOKEN_SECRET_LEN);
		return -1;
	}
	key = &ring->keys[ring->n];
	for (k = 0, j = 0; k < TOKEN_SECRET_LEN; k++, j += 2) {
		hi = hex_digit((unsigned char)field[2][j]);
		lo = hex_digit((unsigned char)field[2][j + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(key, sizeof(*key));
			npserr_set(err, "%s:%zu: the secret of key %lld has a "
			    "character that is not a hex digit; replace the "
			    "line with a new key from npsgate keygen", path,
			    lineno, id);
			return -1;
		}
		key->secret[k] = (unsigned char)(hi << 4 | lo);
	}
	key->id = (unsigned)id;
	key->created = created;
	ring->n++;
	(*key_lines)++;
	return 0;
}

/*
 * Parses a whole key file held in data[0..len). Returns a ring (possibly
 * empty), or NULL with err set.
 */
static struct keyring *
keyfile_parse(const char *path, const char *data, size_t len,
    struct npserr *err)
{
	struct keyring *ring;
	size_t cap = 1, i, lineno = 0, key_lines = 0, start, end, ll;
	const char *line;

	for (i = 0; i < len; i++)
		if (data[i] == '\n')
			cap++;
	ring = keyring_alloc(cap);
	for (start = 0; start < len; start = end + 1) {
		lineno++;
		line = data + start;
		end = start;
		while (end < len && data[end] != '\n')
			end++;
		ll = end - start;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (memchr(line, '\0', ll) != NULL) {
			npserr_set(err, "%s:%zu: NUL byte in the line; the key "
			    "file is text, " KEYFILE_FORMAT, path, lineno);
			goto fail;
		}
		for (i = 0; i < ll && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i == ll || line[i] == '#')
			continue;
		if (keyfile_parse_line(path, lineno, line, ll, ring, &key_lines,
		    err) < 0)
			goto fail;
	}
	return ring;
fail:
	keyring_free(ring);
	return NULL;
}

/*
 * Reads the key file into *data (caller wipes and frees). Returns 0, -1 on
 * error with err set, or 1 when the file does not exist and missing_ok.
 * Refuses a file that group or others may read or write: whoever reads a
 * key can forge every answer signed with it.
 */
static int
keyfile_read(const char *path, int missing_ok, char **data, size_t *len,
    struct stat *st, struct npserr *err)
{
	size_t got = 0;
	ssize_t r;
	int fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && missing_ok)
			return 1;
		npserr_set(err, "key file %s: unable to open: %s%s", path,
		    strerror(errno), errno == ENOENT ?
		    "; create it with npsgate keygen" : errno == EACCES ?
		    "; the file must be readable by the user npsgate runs "
		    "as" : "");
		return -1;
	}
	if (fstat(fd, st) < 0) {
		npserr_set(err, "key file %s: unable to stat: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		npserr_set(err, "key file %s: not a regular file", path);
		goto fail;
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		npserr_set(err, "key file %s: readable or writable by group or "
		    "others (mode %04o), so its keys may be known; run chmod "
		    "600 %s, and npsgate keygen if others could read it",
		    path, (unsigned)(st->st_mode & 07777), path);
		goto fail;
	}
	if (st->st_size > KEYFILE_MAX) {
		npserr_set(err, "key file %s: %lld bytes, more than %d; drop "
		    "old keys", path, (long long)st->st_size, KEYFILE_MAX);
		goto fail;
	}
	/* One allocation of the final size: no copy of a secret is left
	 * behind by realloc. Bytes appended after the stat are ignored. */
	*data = xmalloc((size_t)st->st_size + 1);
	while (got < (size_t)st->st_size) {
		r = read(fd, *data + got, (size_t)st->st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			npserr_set(err, "key file %s: unable to read: %s",
			    path, strerror(errno));
			OPENSSL_cleanse(*data, got);
			free(*data);
			*data = NULL;
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	(*data)[got] = '\0';
	*len = got;
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static void
wipe_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/*
 * keyring_load - reads the key file at path. NULL with err set when the
 * file is missing, unreadable, open to group or others, has a bad line
 * (the message names file and line), or holds no key. Caller frees with
 * keyring_free.
 */
struct keyring *
keyring_load(const char *path, struct npserr *err)
{
	struct keyring *ring;
	struct stat st;
	char *data;
	size_t len;

	if (keyfile_read(path, 0, &data, &len, &st, err) < 0)
		return NULL;
	ring = keyfile_parse(path, data, len, err);
	wipe_free(data, len);
	if (ring != NULL && ring->n == 0) {
		npserr_set(err, "key file %s: no keys; add one with npsgate "
		    "keygen", path);
		keyring_free(ring);
		return NULL;
	}
	return ring;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The directory of path, for the temporary file and its fsync. */
static char *
path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * Writes content to a new file beside path and renames it over path:
 * readers see the old file or the new one, never half of one. The new
 * file has mode 0600 and, when old_st is given, the old file's owner.
 */
static int
keyfile_replace(const char *path, int dirfd, const struct buf *content,
    const struct stat *old_st, struct npserr *err)
{
	struct buf tmp = BUF_INIT;
	int fd, saved;

	buf_printf(&tmp, "%s.tmpXXXXXX", path);
	if ((fd = mkstemp(tmp.data)) < 0) {
		npserr_set(err, "key file %s: unable to create a temporary "
		    "file beside it: %s", path, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	if (fchmod(fd, 0600) < 0) {
		npserr_set(err, "key file %s: unable to chmod %s: %s", path,
		    tmp.data, strerror(errno));
		goto fail;
	}
	if (old_st != NULL && (old_st->st_uid != geteuid() ||
	    old_st->st_gid != getegid()) &&
	    fchown(fd, old_st->st_uid, old_st->st_gid) < 0) {
		npserr_set(err, "key file %s: unable to give the new file the "
		    "owner of the old one (uid %u gid %u): %s; run npsgate "
		    "keygen as root or as that user", path,
		    (unsigned)old_st->st_uid, (unsigned)old_st->st_gid,
		    strerror(errno));
		goto fail;
	}
	if (write_all(fd, content->data, content->len) < 0 || fsync(fd) < 0) {
		npserr_set(err, "key file %s: unable to write %s: %s", path,
		    tmp.data, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		npserr_set(err, "key file %s: unable to write %s: %s", path,
		    tmp.data, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp.data, path) < 0) {
		npserr_set(err, "key file %s: unable to rename %s over it: %s",
		    path, tmp.data, strerror(errno));
		goto fail;
	}
	/* The rename is durable only once the directory is on disk. */
	if (fsync(dirfd) < 0) {
		npserr_set(err, "key file %s: written, but unable to sync its "
		    "directory: %s", path, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	buf_free(&tmp);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
	buf_free(&tmp);
	errno = saved;
	return -1;
}

#define KEYFILE_HEADER \
	"# npsgate key file: one key per line, \"ID CREATED HEX64\".\n" \
	"# The highest id signs new tokens; every key here verifies.\n" \
	"# Keep it mode 0600; add keys with npsgate keygen.\n"

/*
 * keyring_add_new - appends a new random key (id = highest + 1, or 1 for
 * a new file) to the key file at path, keeping every line already there,
 * comments included. The directory is locked while the file is rewritten,
 * so two concurrent calls cannot pick the same id.
 */
int
keyring_add_new(const char *path, unsigned *new_id, struct npserr *err)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	char hex[2 * TOKEN_SECRET_LEN + 1];
	struct buf content = BUF_INIT;
	struct keyring *ring = NULL;
	struct stat st;
	char *dir, *data = NULL;
	size_t len = 0, i;
	unsigned id = 1;
	int dirfd, rc, ret = -1;

	dir = path_dir(path);
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		npserr_set(err, "key file %s: unable to open its directory "
		    "%s: %s", path, dir, strerror(errno));
		free(dir);
		return -1;
	}
	if (flock(dirfd, LOCK_EX) < 0) {
		npserr_set(err, "key file %s: unable to lock directory %s: %s",
		    path, dir, strerror(errno));
		goto out;
	}
	if ((rc = keyfile_read(path, 1, &data, &len, &st, err)) < 0)
		goto out;
	if (rc == 0) {
		if ((ring = keyfile_parse(path, data, len, err)) == NULL)
			goto out;
		if (ring->n > 0)
			id = keyring_signing_id(ring) + 1;
		if (id > TOKEN_KEY_ID_MAX) {
			npserr_set(err, "key file %s: key id %d is taken; "
			    "renumber the keys below it or drop old ones",
			    path, TOKEN_KEY_ID_MAX);
			goto out;
		}
	}
	if (RAND_priv_bytes(secret, sizeof(secret)) != 1) {
		npserr_set(err, "key file %s: the random number generator "
		    "failed; no key was added", path);
		goto out;
	}
	for (i = 0; i < TOKEN_SECRET_LEN; i++) {
		hex[2 * i] = "0123456789abcdef"[secret[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[secret[i] & 15];
	}
	hex[2 * TOKEN_SECRET_LEN] = '\0';

	/* Reserve everything at once so no realloc leaves a copy behind. */
	buf_reserve(&content, len + sizeof(KEYFILE_HEADER) + 1 +
	    sizeof(hex) + 64);
	if (rc == 0) {
		buf_append(&content, data, len);
		if (len > 0 && data[len - 1] != '\n')
			buf_putc(&content, '\n');
	} else {
		buf_puts(&content, KEYFILE_HEADER);
	}
	buf_printf(&content, "%u %lld %s\n", id, (long long)time(NULL), hex);
	if (keyfile_replace(path, dirfd, &content, rc == 0 ? &st : NULL,
	    err) < 0)
		goto out;
	*new_id = id;
	ret = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(hex, sizeof(hex));
	if (content.data != NULL)
		OPENSSL_cleanse(content.data, content.cap);
	buf_free(&content);
	wipe_free(data, len);
	keyring_free(ring);
	close(dirfd);	/* also releases the lock */
	free(dir);
	return ret;
}
