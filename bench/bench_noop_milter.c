/*
 * bench_noop_milter.c - the floor under npsgate-milter in bench_postfix.sh:
 * a libmilter milter that asks Postfix for what npsgate-milter asks (the
 * same protocol steps, the same answers skipped, the whole message) and
 * changes nothing. Postfix with it against Postfix alone is what any
 * libmilter milter costs on this machine; npsgate-milter against it is
 * npsgate's own share.
 *
 * bench_noop_milter -f -c CONFIG	(what the rig passes to a milter:
 *					the socket comes from [milter] socket)
 * bench_noop_milter -p SPEC		(unix:/path or inet:PORT@HOST)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "base/npserr.h"
#include "conf/config.h"
#include "netopt.h"

/* The steps npsgate-milter skips and answers it leaves out. */
#define STEPS (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
	SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_RCPT | SMFIP_NR_HDR | \
	SMFIP_NR_EOH | SMFIP_NR_BODY)

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
	    SMFIF_QUARANTINE);
	*pf1 = f1 & STEPS;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	"npsgate-bench-noop",
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
	NULL, NULL, NULL,
	cb_envrcpt,
	cb_header,
	cb_eoh,
	cb_body,
	cb_eom,
	NULL, NULL, NULL, NULL,
	cb_negotiate
};

int
main(int argc, char **argv)
{
	struct config *cf = NULL;
	struct npserr err;
	const char *spec = NULL, *config = NULL;
	int c;

	while ((c = getopt(argc, argv, "fc:p:")) != -1) {
		switch (c) {
		case 'f':
			break;
		case 'c':
			config = optarg;
			break;
		case 'p':
			spec = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_noop_milter [-f] "
			    "-c CONFIG | -p SPEC\n");
			return 2;
		}
	}
	if (spec == NULL && config != NULL) {
		if ((cf = config_load(config, &err)) == NULL) {
			fprintf(stderr, "bench_noop_milter: %s\n", err.msg);
			return 1;
		}
		spec = cf->milter_socket;
	}
	if (spec == NULL) {
		fprintf(stderr, "bench_noop_milter: -c CONFIG or -p SPEC\n");
		return 2;
	}
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn((char *)spec) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "bench_noop_milter: cannot listen on %s\n",
		    spec);
		return 1;
	}
	/* As npsgate-milter does: the comparison is of the work, not of
	 * a socket option. */
	if (net_listeners_nodelay() < 0)
		perror("bench_noop_milter: TCP_NODELAY");
	c = smfi_main();
	config_free(cf);
	return c == MI_SUCCESS ? 0 : 1;
}
