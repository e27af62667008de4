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
#include "muxd/lib/version.h"
#include "muxd/privdrop.h"
#include "muxd/upgrade_launcher.h"
#include "muxd/upgrade_takeover.h"

#ifdef MUXD_TEST_HOOKS
#include <signal.h>
#include <unistd.h>
#endif

static void usage(FILE *out)
{
	fprintf(out,
	    "usage: muxd --config FILE [--syslog] [--debug]\n"
	    "       muxd --check-config [-v] FILE\n"
	    "       muxd --version\n"
	    "\n"
	    "  --config FILE        run in the foreground with this configuration\n"
	    "  --check-config FILE  validate FILE: exit 0, or 1 with one line per error\n"
	    "  -v, --verbose        with --check-config: print the normalised\n"
	    "                       configuration (JSON, every key, defaults filled in)\n"
	    "  --syslog             log to syslog instead of stderr\n"
	    "  --debug              log debug messages\n"
	    "  --version            print the version and exit\n"
	    "  --takeover FD        (started by an upgrade in place, not by hand) take\n"
	    "                       over the state and sockets handed over from FD on\n");
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

/* One object the parser checked: "PATH KEY..." with the array indices
 * left out ("$.upstreams[].instance"), so that every upstream's instance
 * prints the same line (the caller sorts them unique). */
static void print_object_keys(void *arg, const char *path, const char *const *allowed)
{
	(void)arg;
	for (const char *p = path; *p; p++) {
		if (*p == '[') {
			while (*p && *p != ']')
				p++;
			fputs("[]", stdout);
			if (*p == '\0')
				break;
			continue;
		}
		putchar(*p);
	}
	for (; *allowed; allowed++)
		printf(" %s", *allowed);
	putchar('\n');
}

/* --dump-config-keys: every key each object of FILE may hold, as the
 * parser checks them (tests/scripts/test_man_keys.sh compares them with
 * muxd.json(5)). 0, or 1 when FILE does not load. */
static int dump_config_keys(const char *path)
{
	struct jsonv errs = { .on_object = print_object_keys };
	struct config *cfg = config_load_file(path, &errs);

	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "%s: %s\n", path, errs.lines[i]);
	jsonv_free(&errs);
	if (cfg == NULL)
		return 1;
	config_free(cfg);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* --check-config: 0 for a good file, 1 for a bad one; with -v the good
 * one is printed normalised (config_to_json), as `bgpd -nv` does. */
static int check_config(const char *path, bool verbose)
{
	struct config *cfg = load(path);
	char *text = NULL;

	if (cfg == NULL)
		return 1;
	/* The user may be made later (a package's postinst): a warning, so a
	 * file written before it passes. muxd refuses to start without it. */
	char why[300];
	if (!privdrop_check_user(cfg, why, sizeof why))
		fprintf(stderr, "%s: warning: %s\n", path, why);
	if (verbose) {
		json_t *j = config_to_json(cfg);
		text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (text == NULL)
			fatal("out of memory printing the configuration");
		printf("%s\n", text);
		free(text);
	}
	config_free(cfg);
	return fflush(stdout) == 0 ? 0 : 1;
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

#ifdef MUXD_TEST_HOOKS
/* Test builds only (build/muxd-hooks): SIGWINCH makes muxd call execve,
 * a system call its seccomp filter forbids, as code that took it over
 * would; test_privileges sees it die of SIGSYS. (SIGUSR2 is the upgrade.) */
static void forbidden_call(int sig)
{
	static char *const argv[] = { "/bin/true", NULL };
	(void)sig;
	execve(argv[0], argv, argv + 1);
}

static void install_test_hooks(void)
{
	signal(SIGWINCH, forbidden_call);
}
#else
static void install_test_hooks(void)
{
}
#endif

/* The state_dir's lock: taken, or with --takeover (first_fd >= 0) handed
 * over with the rest of the state the old muxd left in t. */
static bool take_state(const struct config *cfg, int first_fd, struct upgrade_takeover *t,
    struct daemon_start *start)
{
	char why[4600];

	if (first_fd < 0) {
		start->lock_fd = statelock_take(cfg->state_dir, why, sizeof why);
		if (start->lock_fd < 0)
			log_errorx("%s", why);
		return start->lock_fd >= 0;
	}
	if (!upgrade_takeover_read(first_fd, t, why, sizeof why)) {
		log_errorx("upgrade: refusing the handed-over state: %s", why);
		upgrade_takeover_refuse(first_fd, why);
		return false;
	}
	start->takeover = t;
	start->lock_fd = t->lock_fd;
	return true;
}

/* The launcher of upgrades in place (muxd/upgrade_launcher.h), forked
 * while muxd still has its start privileges and no thread. */
static void start_launcher(const char *exe, char **argv, struct daemon_start *start)
{
	char why[300];

	if (exe == NULL) {
		log_warnx("upgrade: cannot tell which binary muxd runs from (%s): upgrades "
		    "in place are off", argv[0]);
		return;
	}
	start->launcher_fd = launcher_start(exe, argv, &start->launcher_pid, why, sizeof why);
	if (start->launcher_fd < 0)
		log_warnx("%s: upgrades in place are off", why);
	else
		log_debug("upgrade: launcher pid %ld will run %s", (long)start->launcher_pid, exe);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "syslog", no_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dump-config-keys", required_argument, NULL, 'K' },
		{ "takeover", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *check_path = NULL, *takeover = NULL;
	bool use_syslog = false, debug = false, verbose = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:k:vsdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'k': check_path = optarg; break;
		case 'v': verbose = true; break;
		case 's': use_syslog = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("muxd %s\n", bgpmux_version); return 0;
		case 'K': return dump_config_keys(optarg);
		case 'T': takeover = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	/* "--check-config -v FILE": -v came as the option's argument */
	if (check_path && (strcmp(check_path, "-v") == 0 ||
	    strcmp(check_path, "--verbose") == 0) && optind < argc) {
		verbose = true;
		check_path = argv[optind++];
	}
	if (check_path)
		return check_config(check_path, verbose);
	if (verbose || config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("muxd", use_syslog);
	install_test_hooks();
	int first_fd = takeover ? atoi(takeover) : -1;
	if (takeover && first_fd < 3) {
		log_errorx("--takeover %s: not a handed-over descriptor", takeover);
		return 2;
	}
	char *exe = launcher_exe_path(argv[0]);   /* now: the file may be replaced */
	struct config *cfg = load(config_path);
	if (cfg == NULL) {
		if (takeover)
			upgrade_takeover_refuse(first_fd, "the configuration does not load "
			    "(the new muxd's log says why)");
		return 1;
	}
	if (debug)
		cfg->log_level = LOG_LVL_DEBUG;
	raise_nofile();
	struct upgrade_takeover t;
	struct daemon_start start = { .lock_fd = -1, .launcher_fd = -1 };
	if (!take_state(cfg, first_fd, &t, &start)) {
		config_free(cfg);
		return 1;
	}
	start_launcher(exe, argv, &start);
	free(exe);
	return daemon_run(cfg, config_path, &start);
}
