/*
 * mksurvey.c - test helper: record surveys in the store as the milter
 * would, and print their tokens.
 *
 * mksurvey CONFIG RECIPIENT [COUNT]
 *
 * Issues COUNT (default 1) tokens with the configured key file, adds one
 * survey row per token (type nps, status sent, created now) and prints
 * "SURVEY_ID TOKEN" per line. Exit 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/npserr.h"
#include "conf/config.h"
#include "store/store.h"
#include "survey/token.h"

int
main(int argc, char **argv)
{
	struct config *cf;
	struct keyring *ring;
	struct store *st;
	struct npserr err;
	struct survey_rec r;
	struct token t;
	char tok[TOKEN_LEN + 1], mid[64];
	long n = 1, i;
	time_t now = time(NULL);

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mksurvey CONFIG RECIPIENT [COUNT]\n");
		return 2;
	}
	if (argc == 4)
		n = strtol(argv[3], NULL, 10);
	if ((cf = config_load(argv[1], &err)) == NULL ||
	    (ring = keyring_load(cf->key_file, &err)) == NULL ||
	    (st = store_open(config_store_address(cf), cf->busy_timeout_ms,
	    &err)) == NULL) {
		fprintf(stderr, "mksurvey: %s\n", err.msg);
		return 1;
	}
	if (store_begin(st, &err) < 0) {
		fprintf(stderr, "mksurvey: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (token_issue(ring, SURVEY_NPS, now, &t, tok,
		    sizeof(tok)) < 0) {
			fprintf(stderr, "mksurvey: token_issue failed\n");
			return 1;
		}
		memset(&r, 0, sizeof(r));
		memcpy(r.id, t.survey_id, sizeof(r.id));
		r.key_id = t.key_id;
		r.type = SURVEY_NPS;
		r.status = SURVEY_SENT;
		snprintf(mid, sizeof(mid), "<%s@helpdesk.test>", t.survey_id);
		r.message_id = mid;
		r.recipient = argv[2];
		r.ticket = "T-TEST";
		r.agent = "agent";
		r.team = "team";
		r.channel = "email";
		r.created_at = now;
		if (store_survey_add(st, &r, &err) < 0) {
			fprintf(stderr, "mksurvey: %s\n", err.msg);
			store_rollback(st);
			return 1;
		}
		printf("%s %s\n", t.survey_id, tok);
	}
	if (store_commit(st, &err) < 0) {
		fprintf(stderr, "mksurvey: %s\n", err.msg);
		return 1;
	}
	store_close(st);
	keyring_free(ring);
	config_free(cf);
	return 0;
}
