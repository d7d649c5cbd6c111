/*
 * cmd_keygen.c - npsgate keygen: add a new signing key to the key file.
 *
 * npsgate keygen [-c FILE] [--key-file PATH]
 *	Appends a new random key, with the next id, to the key file that
 *	[general] key_file of the config names, or to PATH. The file is
 *	created with mode 0600 when it does not exist; every key already in
 *	it is kept, so tokens signed before keep verifying. The new key
 *	signs once npsgate-milter has read the file again (restart it).
 *	Exit status: 0 key added, 1 the key file could not be written,
 *	2 bad usage, 3 bad config.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/npserr.h"
#include "cli.h"
#include "conf/config.h"
#include "survey/token.h"

static void
keygen_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: npsgate keygen [-c FILE] [--key-file PATH]\n"
	    "\n"
	    "Adds a new random signing key (the highest id + 1) to the key\n"
	    "file, creating it with mode 0600 if needed. Old keys stay, so\n"
	    "tokens they signed keep verifying; drop a key only once every\n"
	    "token it signed has expired ([general] token_lifetime_days).\n"
	    "Restart npsgate-milter afterwards so that it signs with the\n"
	    "new key; the file keeps its owner, which must be able to read\n"
	    "it (npsgate-milter before it drops root, npsgate-imapd-hook).\n"
	    "\n"
	    "  -c, --config FILE  take [general] key_file from FILE\n"
	    "                     (default %s)\n"
	    "  -k, --key-file PATH  the key file to add to (no config read)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 added, 1 not written, 2 usage, 3 bad config.\n",
	    CLI_DEFAULT_CONFIG);
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config_path = NULL, *key_path = NULL;
	struct config *cf = NULL;
	struct npserr err;
	unsigned id = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'h':
			keygen_usage(stdout);
			return 0;
		default:
			keygen_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "npsgate keygen: unexpected argument '%s'; "
		    "name the key file with --key-file PATH\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (key_path == NULL) {
		/* The key file may not exist yet: creating it is our job. */
		cf = config_load_flags(config_path ? config_path :
		    CLI_DEFAULT_CONFIG, CONFIG_NO_FILE_CHECKS, &err);
		if (cf == NULL) {
			fprintf(stderr, "npsgate keygen: %s\n", err.msg);
			return EXIT_CONFIG;
		}
		if (cf->key_file == NULL || *cf->key_file == '\0') {
			fprintf(stderr, "npsgate keygen: %s: [general] "
			    "key_file is not set; set it, or name the file "
			    "with --key-file PATH\n", cf->path);
			config_free(cf);
			return EXIT_CONFIG;
		}
		key_path = cf->key_file;
	}
	if (keyring_add_new(key_path, &id, &err) < 0) {
		fprintf(stderr, "npsgate keygen: %s\n", err.msg);
		ret = EXIT_WORK;
	} else {
		printf("npsgate keygen: added key %u to %s\n", id, key_path);
		ret = 0;
	}
	config_free(cf);
	return ret;
}
