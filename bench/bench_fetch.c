/*
 * bench_fetch.c - the baseline of bench_imap.sh: fetch every message of
 * the configured mailbox, one UID FETCH BODY.PEEK[] each, over one
 * connection, with the hook's own IMAP code, and do nothing else.
 *
 * bench_fetch CONFIG [BATCH]
 *
 * With BATCH, one UID FETCH per BATCH messages instead (as the hook
 * reads a batch), for scale: the least that reading the mail costs.
 *
 * Prints "N SECONDS" (messages fetched, wall time of the fetches).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/npserr.h"
#include "conf/config.h"
#include "session.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct config *cf;
	struct session s;
	struct npserr err;
	struct buf msg = BUF_INIT;
	struct buf *bufs = NULL, **ptrs = NULL;
	bool *found = NULL;
	uint32_t *uids;
	size_t n, i, j, k, batch = 0, got = 0, bytes = 0;
	char pass[256];
	FILE *fp;
	double t0;

	if (argc == 3)
		batch = strtoul(argv[2], NULL, 10);
	if (argc < 2 || argc > 3 || (argc == 3 && batch == 0)) {
		fprintf(stderr, "usage: bench_fetch CONFIG [BATCH]\n");
		return 2;
	}
	if (batch > 0) {
		bufs = calloc(batch, sizeof(*bufs));
		ptrs = calloc(batch, sizeof(*ptrs));
		found = calloc(batch, sizeof(*found));
		if (bufs == NULL || ptrs == NULL || found == NULL) {
			fprintf(stderr, "bench_fetch: out of memory\n");
			return 1;
		}
		for (j = 0; j < batch; j++)
			ptrs[j] = &bufs[j];
	}
	if ((cf = config_load(argv[1], &err)) == NULL) {
		fprintf(stderr, "bench_fetch: %s\n", err.msg);
		return 1;
	}
	if ((fp = fopen(cf->imap_password_file, "r")) == NULL ||
	    fgets(pass, sizeof(pass), fp) == NULL) {
		fprintf(stderr, "bench_fetch: cannot read %s\n",
		    cf->imap_password_file);
		return 1;
	}
	fclose(fp);
	pass[strcspn(pass, "\r\n")] = '\0';
	t0 = now();
	if (session_open(&s, cf, pass, &err) < 0 ||
	    session_search_all(&s, &uids, &n, &err) < 0) {
		fprintf(stderr, "bench_fetch: %s\n", err.msg);
		return 1;
	}
	for (i = 0; batch > 0 && i < n; i += k) {
		k = n - i < batch ? n - i : batch;
		for (j = 0; j < k; j++)
			buf_reset(&bufs[j]);
		if (session_fetch_batch(&s, uids + i, k, ptrs, found,
		    &err) < 0) {
			fprintf(stderr, "bench_fetch: %s\n", err.msg);
			return 1;
		}
		for (j = 0; j < k; j++)
			if (found[j]) {
				got++;
				bytes += bufs[j].len;
			}
	}
	for (i = 0; batch == 0 && i < n; i++) {
		buf_reset(&msg);
		if (session_fetch(&s, uids[i], &msg, &err) < 0) {
			fprintf(stderr, "bench_fetch: %s\n", err.msg);
			return 1;
		}
		got++;
		bytes += msg.len;
	}
	printf("%zu %.3f %zu\n", got, now() - t0, bytes);
	session_close(&s);
	free(uids);
	buf_free(&msg);
	for (j = 0; j < batch; j++)
		buf_free(&bufs[j]);
	free(bufs);
	free(ptrs);
	free(found);
	config_free(cf);
	return 0;
}
