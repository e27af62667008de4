/*
 * privdrop.c — from root to the configured user, with only the
 * capabilities muxd still needs (privdrop.h).
 *
 * The order matters: the bounding set shrinks while muxd still has
 * CAP_SETPCAP; PR_SET_KEEPCAPS keeps the permitted set across setresuid
 * (which would otherwise clear it); then permitted and effective are set
 * to the kept list alone. Groups before the uid: setgroups and setresgid
 * need CAP_SETGID, which the uid change takes away.
 */
#include "muxd/privdrop.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "muxd/lib/log.h"

#define MAX_KEPT 2

/* Whom the state directory's entries go to (nftw's callback takes no
 * argument). */
static uid_t chown_uid;
static gid_t chown_gid;

bool privdrop_check_user(const struct config *cfg, char *why, size_t why_len)
{
	if (cfg->user == NULL)
		return true;
	errno = 0;
	if (getpwnam(cfg->user) != NULL)
		return true;
	/* the name passed config_user_name_ok: safe to quote */
	snprintf(why, why_len, "$.user: no user \"%s\" on this system%s%s (create it, "
	    "e.g. useradd --system %s, or leave \"user\" out)", cfg->user,
	    errno ? ": " : "", errno ? strerror(errno) : "", cfg->user);
	return false;
}

static size_t kept_caps(const struct config *cfg, cap_value_t *caps)
{
	size_t n = 0;

	caps[n++] = CAP_NET_BIND_SERVICE;
	if (cfg->dataplane.enabled)
		caps[n++] = CAP_NET_ADMIN;
	return n;
}

static bool is_kept(cap_value_t c, const cap_value_t *caps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (caps[i] == c)
			return true;
	return false;
}

/* What muxd makes in state_dir: the lock, the store and its journal, the
 * MRT directory (everything in it is muxd's), routes.json and its
 * temporary files. Nothing else there is given away, so a state_dir
 * pointed at a system directory by mistake costs nothing. */
static bool muxd_made(const char *name, int level)
{
	static const char *const prefixes[] = { "bgpmux.db", "muxd.lock", "mrt",
		"routes.json", ".routes.json.", "muxd.running" };

	if (level == 0 || level == 2)   /* state_dir itself; in mrt/ (pruned below) */
		return true;
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Only entries root owns (what muxd made at this start or an earlier one
 * as root); the operator's own files stay theirs. Symlinks are not
 * followed, and the walk stays on one file system and within mrt/. */
static int chown_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	const char *name = path + ftw->base;

	if (ftw->level > 2 || (ftw->level == 2 && strncmp(path + ftw->base - 4,
	    "mrt/", 4) != 0))
		return FTW_SKIP_SUBTREE;
	if (!muxd_made(name, ftw->level))
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (st->st_uid == 0 && lchown(path, chown_uid, chown_gid) < 0)
		log_warnx("user: cannot give %s to uid %u: %s", path,
		    (unsigned)chown_uid, strerror(errno));
	return FTW_CONTINUE;
}

/* state_dir and what muxd made there become the user's; "/" never does. */
static void give_state_dir(const char *dir, const struct passwd *pw)
{
	char *real = realpath(dir, NULL);

	if (real == NULL || strcmp(real, "/") == 0) {
		log_warnx("user: state_dir %s is not given to %s (%s): muxd may not "
		    "write its files", dir, pw->pw_name, real ? "the root directory" :
		    strerror(errno));
		free(real);
		return;
	}
	free(real);
	chown_uid = pw->pw_uid;
	chown_gid = pw->pw_gid;
	if (nftw(dir, chown_entry, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL) < 0)
		log_warnx("user: cannot walk state_dir %s: %s", dir, strerror(errno));
}

static bool shrink_bounding_set(const cap_value_t *caps, size_t n, char *why,
    size_t why_len)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (is_kept(c, caps, n) || !CAP_IS_SUPPORTED(c))
			continue;
		if (cap_drop_bound(c) < 0) {
			snprintf(why, why_len, "user: cannot drop capability %d from the "
			    "bounding set: %s", c, strerror(errno));
			return false;
		}
	}
	return true;
}

static bool set_caps(const cap_value_t *caps, size_t n, char *why, size_t why_len)
{
	cap_t cap = cap_init();         /* every set empty */
	bool ok = cap != NULL &&
	    cap_set_flag(cap, CAP_PERMITTED, (int)n, caps, CAP_SET) == 0 &&
	    cap_set_flag(cap, CAP_EFFECTIVE, (int)n, caps, CAP_SET) == 0 &&
	    cap_set_proc(cap) == 0;

	if (!ok)
		snprintf(why, why_len, "user: cannot set the capabilities: %s",
		    strerror(errno));
	cap_free(cap);
	return ok;
}

static bool change_ids(const struct passwd *pw, char *why, size_t why_len)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0) {
		snprintf(why, why_len, "$.user: cannot take the groups of %s: %s",
		    pw->pw_name, strerror(errno));
		return false;
	}
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		snprintf(why, why_len, "$.user: cannot become %s: %s", pw->pw_name,
		    strerror(errno));
		return false;
	}
	prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	return true;
}

static bool drop_to(const struct config *cfg, const struct passwd *pw, char *why,
    size_t why_len)
{
	cap_value_t caps[MAX_KEPT];
	size_t n = kept_caps(cfg, caps);

	give_state_dir(cfg->state_dir, pw);
	if (!shrink_bounding_set(caps, n, why, why_len) ||
	    !change_ids(pw, why, why_len) || !set_caps(caps, n, why, why_len))
		return false;
	log_info("user: running as %s (uid %u, gid %u) with CAP_NET_BIND_SERVICE%s",
	    pw->pw_name, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
	    n > 1 ? " and CAP_NET_ADMIN (dataplane)" : " only");
	return true;
}

/* Started unprivileged with capabilities (systemd's User= with
 * AmbientCapabilities): keep only those muxd needs that it holds, and
 * none for the programs it never runs (the ambient set emptied). */
static bool trim_caps(const struct config *cfg, char *why, size_t why_len)
{
	cap_value_t want[MAX_KEPT], have[MAX_KEPT];
	size_t n = 0, nwant = kept_caps(cfg, want);
	cap_t cur = cap_get_proc();
	cap_flag_value_t v;

	if (cur == NULL)
		return true;
	for (size_t i = 0; i < nwant; i++)
		if (cap_get_flag(cur, want[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			have[n++] = want[i];
	cap_free(cur);
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0) {
		snprintf(why, why_len, "cannot empty the ambient capabilities: %s",
		    strerror(errno));
		return false;
	}
	return set_caps(have, n, why, why_len);
}

bool privdrop_apply(const struct config *cfg, char *why, size_t why_len)
{
	bool ok = true;

	if (cfg->user != NULL && geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg->user);
		if (pw == NULL) {
			privdrop_check_user(cfg, why, why_len);
			return false;
		}
		ok = drop_to(cfg, pw, why, why_len);
	} else if (geteuid() == 0) {
		log_warnx("user: running as root with every capability: set \"user\" "
		    "to run as an unprivileged user");
	} else {
		if (cfg->user != NULL)
			log_info("user: not started as root: \"user\": \"%s\" is not "
			    "applied; running as uid %u", cfg->user, (unsigned)geteuid());
		ok = trim_caps(cfg, why, why_len);
	}
	if (ok && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		snprintf(why, why_len, "cannot set no_new_privs: %s", strerror(errno));
		ok = false;
	}
	return ok;
}
