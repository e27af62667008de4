/*
 * main.c — command line of muxd. The daemon itself starts in daemon.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "muxd/config/config.h"
#include "muxd/daemon.h"
#include "muxd/lib/log.h"
#include "muxd/lib/statelock.h"

static void usage(FILE *out)
{
	fprintf(out,
	    "usage: muxd --config FILE [--syslog] [--debug]\n"
	    "       muxd --check-config FILE\n"
	    "\n"
	    "  --config FILE        run in the foreground with this configuration\n"
	    "  --check-config FILE  validate FILE: exit 0, or 1 with one line per error\n"
	    "  --syslog             log to syslog instead of stderr\n"
	    "  --debug              log debug messages\n");
}

/* Prints each error as "FILE: $.json.path: message". */
static struct config *load(const char *path)
{
	struct jsonv errs = { 0 };
	struct config *cfg = config_load_file(path, &errs);

	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "%s: %s\n", path, errs.lines[i]);
	jsonv_free(&errs);
	return cfg;
}

/* Every connection is a descriptor: take as many as the system allows
 * (the soft limit is often 1024, the hard one far more). */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warnx("file descriptors: cannot raise the limit from %llu to "
			    "%llu: %s", (unsigned long long)was,
			    (unsigned long long)rl.rlim_max, strerror(errno));
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur != was)
		log_info("file descriptors: at most %llu (RLIMIT_NOFILE, raised from "
		    "%llu)", (unsigned long long)rl.rlim_cur, (unsigned long long)was);
	else
		log_info("file descriptors: at most %llu (RLIMIT_NOFILE)",
		    (unsigned long long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "syslog", no_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *check_path = NULL;
	bool use_syslog = false, debug = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:k:sdh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'k': check_path = optarg; break;
		case 's': use_syslog = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (check_path) {
		struct config *cfg = load(check_path);
		config_free(cfg);
		return cfg ? 0 : 1;
	}
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("muxd", use_syslog);
	struct config *cfg = load(config_path);
	if (cfg == NULL)
		return 1;
	if (debug)
		cfg->log_level = LOG_LVL_DEBUG;
	raise_nofile();
	char why[4600];
	if (statelock_take(cfg->state_dir, why, sizeof why) < 0) {
		log_errorx("%s", why);
		config_free(cfg);
		return 1;
	}
	return daemon_run(cfg, config_path);
}
