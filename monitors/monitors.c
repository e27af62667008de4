/*
 * monitors.c — MRT and BMP as the configuration says, and the list of
 * views they watch (so that a monitor started by a reload gets them all).
 */
#include "monitors/monitors.h"

#include <stdlib.h>
#include <string.h>

#include "monitors/bmp.h"
#include "monitors/mrt_writer.h"
#include "muxd/lib/log.h"

struct mon_view {
	char *name;
	struct feed *feed;
	struct mon_view *next;
};

struct monitors {
	struct event_base *base;
	char *hostname;
	struct config cfg;              /* the monitor settings only (bmp copied) */
	struct mrt_writer *mrt;
	struct bmp_exporter *bmp;
	struct mon_view *views;
};

static void start_mrt(struct monitors *m, const struct config *cfg)
{
	m->cfg.mrt = cfg->mrt;
	if (cfg->mrt.enabled)
		m->mrt = mrt_writer_new(m->base, &cfg->mrt, cfg->state_dir, cfg->router_id);
	for (struct mon_view *v = m->views; v && m->mrt; v = v->next)
		mrt_writer_add_view(m->mrt, v->name, v->feed);
}

static void start_bmp(struct monitors *m, const struct config *cfg)
{
	free(m->cfg.bmp);
	m->cfg.bmp = NULL;
	m->cfg.bmp_count = cfg->bmp_count;
	if (cfg->bmp_count == 0)
		return;
	m->cfg.bmp = xcalloc(cfg->bmp_count, sizeof *m->cfg.bmp);
	memcpy(m->cfg.bmp, cfg->bmp, cfg->bmp_count * sizeof *cfg->bmp);
	m->bmp = bmp_exporter_new(m->base, cfg->bmp, cfg->bmp_count, m->hostname);
	for (struct mon_view *v = m->views; v; v = v->next)
		bmp_exporter_add_view(m->bmp, v->name, v->feed);
}

struct monitors *monitors_new(struct event_base *base, const struct config *cfg,
    const char *hostname)
{
	struct monitors *m = xcalloc(1, sizeof *m);

	m->base = base;
	m->hostname = xstrdup(hostname && *hostname ? hostname : "bgpmux");
	start_mrt(m, cfg);
	start_bmp(m, cfg);
	return m;
}

void monitors_reconfigure(struct monitors *m, const struct config *cfg)
{
	if (!mrt_config_equal(&m->cfg.mrt, &cfg->mrt)) {
		log_info("mrt: settings changed: starting again");
		mrt_writer_free(m->mrt);
		m->mrt = NULL;
		start_mrt(m, cfg);
	}
	if (!bmp_config_equal(&m->cfg, cfg)) {
		log_info("bmp: collectors changed: reconnecting");
		bmp_exporter_free(m->bmp);
		m->bmp = NULL;
		start_bmp(m, cfg);
	}
}

void monitors_add_view(struct monitors *m, const char *view, struct feed *feed)
{
	struct mon_view *v = xcalloc(1, sizeof *v);

	v->name = xstrdup(view);
	v->feed = feed;
	v->next = m->views;
	m->views = v;
	if (m->mrt)
		mrt_writer_add_view(m->mrt, view, feed);
	if (m->bmp)
		bmp_exporter_add_view(m->bmp, view, feed);
}

void monitors_remove_view(struct monitors *m, struct feed *feed)
{
	if (m == NULL)
		return;
	if (m->mrt)
		mrt_writer_remove_view(m->mrt, feed);
	if (m->bmp)
		bmp_exporter_remove_view(m->bmp, feed);
	for (struct mon_view **pos = &m->views; *pos; pos = &(*pos)->next) {
		if ((*pos)->feed == feed) {
			struct mon_view *v = *pos;
			*pos = v->next;
			free(v->name);
			free(v);
			return;
		}
	}
}

void monitors_free(struct monitors *m)
{
	if (m == NULL)
		return;
	bmp_exporter_free(m->bmp);
	mrt_writer_free(m->mrt);
	while (m->views) {
		struct mon_view *v = m->views;
		m->views = v->next;
		free(v->name);
		free(v);
	}
	free(m->cfg.bmp);
	free(m->hostname);
	free(m);
}
