/*
 * config.h — the JSON configuration, validated into plain structs.
 *
 * Every error names the JSON path at fault ("$.peers[1].peer.asn: …").
 * Unknown keys and wrong types are errors. The structs own their strings:
 * a struct that owns memory has one X_copy (deep) and one X_release, and
 * the others copy by assignment; config_free releases everything.
 */
#ifndef BGPMUX_CONFIG_H
#define BGPMUX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_open.h"
#include "muxd/config/jsonv.h"
#include "muxd/lib/log.h"
#include "muxd/lib/sockaddr.h"

#define CONFIG_OPEN_TIMEOUT_DEFAULT 10  /* seconds */
/* The live stream's limits (web/stream.h has the same defaults for a
 * stream made without a configuration). */
#define CONFIG_STREAM_MAX_QUEUE_DEFAULT (4u << 20)      /* bytes */
#define CONFIG_STREAM_IDLE_TIMEOUT_DEFAULT 120          /* seconds */
#define CONFIG_GR_RESTART_TIME_DEFAULT 120              /* seconds, RFC 4724's 12 bits */

enum addpath_mode { ADDPATH_OFF = 0, ADDPATH_RECEIVE = 1, ADDPATH_SEND = 2,
                    ADDPATH_BOTH = 3 };

/* "multisession": one TCP session per family (docs/multisession.md).
 * auto answers in the neighbor's dialect; without one, one session. */
enum ms_mode { MS_AUTO = 0, MS_OFF, MS_CISCO, MS_IETF };

/* "max_prefixes" of a peer or upstream (muxd/engine/prefix_limit.h): at most
 * `limit` paths from the neighbor, every ADD-PATH path and every family
 * counted. A change takes effect at a reload without restarting the
 * session. */
struct prefix_limit_config {
	uint32_t limit;                 /* 0: no limit */
	uint8_t warning;                /* percent of limit: logged once */
	bool teardown;                  /* "action": "teardown" (default), else "warn" */
	uint32_t restart;               /* seconds it stays down after a teardown */
};

/* One BGP neighbor: everything the session layer needs to reach it. */
struct neighbor_config {
	char *name;
	struct sockaddr_mux remote;     /* peer.address + peer.port */
	uint32_t remote_as;             /* peer.asn */
	struct sockaddr_mux local;      /* local_address (port 0) */
	bool has_local;
	bool passive;
	uint16_t hold_time;
	uint16_t connect_retry;         /* seconds */
	struct bgp_family families[BGP_MAX_FAMILIES];
	uint8_t family_count;
	char *password;                 /* TCP-MD5, NULL without */
	bool ttl_security;              /* GTSM, RFC 5082 */
	enum addpath_mode add_path;
	enum ms_mode multisession;
	/* upstreams: "graceful_restart" — as the receiving speaker of RFC
	 * 4724, keep the upstream's routes across its restart */
	bool graceful_restart;
	/* "family_ports": as the passive side, redirect that family's session
	 * to this port (IETF dialect); parallel to families, 0 = none. */
	uint16_t family_ports[BGP_MAX_FAMILIES];
	struct prefix_limit_config max_prefixes;
	/* Set by the code, never by a key: an export session (muxd/export.c)
	 * offers ADD-PATH on the VPN families too, and refuses a neighbor that
	 * takes none of its families (OPEN error Unsupported Capability). */
	bool add_path_vpn;
	bool require_family;
};

/* An upstream's instance: where its clients peer. */
struct instance_config {
	struct sockaddr_mux addr;       /* instance.address + instance.port */
	uint32_t local_as;              /* default: the gateway's asn */
	bool next_hop_self;             /* "next_hop": "self" (default "unchanged") */
	/* "family_ports": its clients' redirect ports, parallel to the
	 * upstream's families; 0 = none */
	uint16_t family_ports[BGP_MAX_FAMILIES];
	bool client_to_client;          /* clients see each other's routes */
};

/* An upstream ISP: its session (a view) and its instance. */
struct upstream_config {
	struct neighbor_config n;
	struct instance_config instance;
	uint16_t id;                    /* for control communities: 1..999 */
	/* The gateway's next hop for its own IPv4 routes on an IPv6 session
	 * and IPv6 routes on an IPv4 session (len 0: none). */
	struct sockaddr_mux next_hop4, next_hop6;
};

/* A client of one or more instances. */
struct client_config {
	char *name;
	struct sockaddr_mux addr;       /* port 0; a range's network */
	/* "address": "ADDR/LEN" is a range: any neighbor in it is this client
	 * (each address its own sessions). 0: the one address. */
	uint8_t range_len;
	uint32_t asn;
	char **upstreams;               /* names, each an upstream */
	size_t upstream_count;
	char **prefixes;                /* allocation, as written ("184.164.224.0/24") */
	size_t prefix_count;
	char *password;
	uint16_t hold_time;
	enum addpath_mode add_path;     /* what the instance offers (default send) */
	enum ms_mode multisession;
	/* "role": "monitor": a research feed; with no "upstreams" it may peer
	 * on every instance; what it announces is ignored and counted. */
	bool monitor;
	/* Client routes: allocation limits, rewriting, stability. */
	uint8_t max_len4, max_len6;     /* "max_length": {"ipv4", "ipv6"}; 24, 48 */
	uint32_t max_prefixes;          /* default 100 */
	bool keep_asn;                  /* the client's public ASN stays in the path */
	uint32_t hold_down;             /* seconds; default 300 */
	uint32_t min_interval;          /* seconds per prefix; default 30 */
	/* "graceful_restart": the client's session offers Graceful Restart
	 * (RFC 4724, N bit), and with the top-level "graceful_restart" muxd
	 * restarts gracefully toward it too */
	bool graceful_restart;
};

/* The HTTP API (web/api.h): "api": {"listen", "token_file"}. */
struct api_config {
	struct sockaddr_mux listen;     /* default 127.0.0.1:8179 */
	char *token_file;               /* NULL: the API is read-only */
	/* seconds a connection has for a request's headers, then its body */
	uint32_t header_timeout;        /* default 10 */
	uint32_t body_timeout;          /* default 30 */
};

/* "mrt": archives under state_dir/mrt/ (monitors/mrt_writer.h); on when
 * the key is there. */
struct mrt_config {
	bool enabled;
	uint32_t rib_interval;          /* seconds between RIB dumps */
	uint32_t updates_interval;      /* seconds per updates file */
	bool gzip;                      /* "compress": "gzip" (default) or "none" */
};

/* "dataplane": the forwarding side of the instances (muxd/config/
 * config_dataplane.c). Present when the key is; without it muxd touches no
 * kernel state. Each instance becomes a forwarding identity on
 * client_interface, and each upstream's packets take routing table
 * table_base + its id. */
#define CONFIG_DATAPLANE_TABLE_BASE_DEFAULT 20000
enum dataplane_fib {
	DATAPLANE_FIB_DEFAULT = 0,      /* one default route via the upstream */
	DATAPLANE_FIB_FULL,             /* every path of the view */
};
struct dataplane_config {
	bool enabled;
	char *client_interface;         /* the operator's L2 link to the clients */
	uint32_t table_base;
	enum dataplane_fib fib;
};

/* "export": this muxd is a view host (docs/scaleout.md): its views go
 * over iBGP to each instance host named here, which connects to listen. */
struct export_host_config {
	char *name;                     /* 1..CLIENT_NAME_MAX of CLIENT_NAME_CHARS */
	struct sockaddr_mux addr;       /* port 0: the host connects from it */
	char *password;                 /* TCP-MD5, NULL without */
};
/* Instance hosts of one view host: each is one session and one copy of
 * every view on the wire, so a few; the API lists them in one answer. */
#define CONFIG_EXPORT_HOSTS_MAX 256
struct export_config {
	bool enabled;                   /* the key is there */
	struct sockaddr_mux listen;     /* "ADDR:PORT" or "[V6]:PORT" */
	struct export_host_config *hosts;
	size_t host_count;
};

/* "view_host": this muxd is an instance host: its upstreams' views come
 * from that view host, over one iBGP session it opens. */
struct view_host_config {
	bool enabled;                   /* the key is there */
	struct sockaddr_mux addr;       /* address + port (default 179) */
	uint32_t asn;                   /* the gateway's (iBGP): default $.asn */
	char *password;                 /* TCP-MD5, NULL without */
	struct sockaddr_mux local;      /* "local_address": the session's source */
	bool has_local;
};

struct config {
	uint32_t asn;
	uint32_t router_id;             /* host byte order */
	char *state_dir;
	uint16_t listen_port;
	enum log_level log_level;
	/* "open_timeout": seconds a new connection has to deliver its OPEN
	 * (RFC 4271's "large" hold time of OpenSent; BIRD's "startup hold
	 * time"), for every session: peers, upstreams, clients */
	uint16_t open_timeout;
	/* "graceful_restart": {"restart_time": SECONDS} — muxd restarts
	 * gracefully itself (RFC 4724's restarting speaker) toward every
	 * upstream whose own "graceful_restart" is true: its capability lists
	 * the session's families and this restart time. 0: the key is absent
	 * (muxd is a receiving speaker only). */
	uint16_t gr_restart_time;
	struct neighbor_config *peers;
	size_t peer_count;
	struct upstream_config *upstreams;
	size_t upstream_count;
	struct client_config *clients;
	size_t client_count;
	struct mrt_config mrt;
	struct sockaddr_mux *bmp;       /* "bmp": collectors (address + port) */
	size_t bmp_count;
	struct api_config api;
	/* "stream": {"max_queue": BYTES} — the live stream (on the API's
	 * listener): bytes queued per subscriber */
	uint64_t stream_max_queue;
	/* "stream": {"idle_timeout": SECONDS} */
	uint64_t stream_idle_timeout;
	struct dataplane_config dataplane;
	struct export_config export;    /* view host; else .enabled false */
	struct view_host_config view_host;      /* instance host; likewise */
	/* "user": started as root, muxd runs as this user once its sockets and
	 * state are open (muxd/privdrop.h); NULL: it stays who started it */
	char *user;
	/* "seccomp": the system call filter (muxd/sandbox.h); default true,
	 * false only to debug */
	bool seccomp;
};

/* Parse and validate. On failure returns NULL and fills errs (one line
 * per error, each naming its JSON path). */
struct config *config_load_file(const char *path, struct jsonv *errs);
struct config *config_load_string(const char *json, struct jsonv *errs);
void config_free(struct config *c);

/* The configuration as JSON with every key and its value, defaults filled
 * in, keys in a fixed order, passwords as "<set>" (`muxd --check-config
 * -v`, as `bgpd -nv`). It loads again into an equal configuration, but
 * for the passwords. A key with no value (no password, no local_address,
 * no "mrt", no "dataplane") is left out. */
json_t *config_to_json(const struct config *c);

/* ---- copies and comparisons (config_copy.c) ------------------------------- */

/* dst = a deep copy of src; X_release frees what a struct owns (not the
 * struct) and leaves its pointers NULL. instance_config, mrt_config and
 * prefix_limit_config own nothing: they copy by assignment. */
void neighbor_config_copy(struct neighbor_config *dst, const struct neighbor_config *src);
void neighbor_config_release(struct neighbor_config *n);
void upstream_config_copy(struct upstream_config *dst, const struct upstream_config *src);
void upstream_config_release(struct upstream_config *u);
void client_config_copy(struct client_config *dst, const struct client_config *src);
void client_config_release(struct client_config *cc);
void api_config_copy(struct api_config *dst, const struct api_config *src);
void api_config_release(struct api_config *a);
void dataplane_config_copy(struct dataplane_config *dst, const struct dataplane_config *src);
void dataplane_config_release(struct dataplane_config *d);
void export_host_config_copy(struct export_host_config *dst,
    const struct export_host_config *src);
void export_host_config_release(struct export_host_config *h);
void export_config_copy(struct export_config *dst, const struct export_config *src);
void export_config_release(struct export_config *e);
void view_host_config_copy(struct view_host_config *dst, const struct view_host_config *src);
void view_host_config_release(struct view_host_config *vh);

/* True when two neighbor settings would produce the same session, so a
 * reload can leave it up. */
bool neighbor_config_equal(const struct neighbor_config *a,
    const struct neighbor_config *b);
/* True when a and b differ at most in their families and family ports:
 * a multisession peer can then add or remove sessions instead of
 * restarting. */
bool neighbor_config_equal_but_families(const struct neighbor_config *a,
    const struct neighbor_config *b);
/* The same families, in the same order. */
bool neighbor_families_equal(const struct neighbor_config *a,
    const struct neighbor_config *b);
bool prefix_limit_config_equal(const struct prefix_limit_config *a,
    const struct prefix_limit_config *b);
bool instance_config_equal(const struct instance_config *a,
    const struct instance_config *b);
bool client_config_equal(const struct client_config *a, const struct client_config *b);
bool upstream_config_equal(const struct upstream_config *a, const struct upstream_config *b);

const struct upstream_config *config_upstream(const struct config *c, const char *name);
bool client_has_upstream(const struct client_config *c, const char *upstream);
/* Is a this client's address, or inside its range? */
bool client_addr_contains(const struct client_config *c, const struct sockaddr_mux *a);
/* Do two clients' addresses (or ranges) meet? */
bool client_addrs_overlap(const struct client_config *a, const struct client_config *b);
/* "127.0.30.1" or "127.0.30.0/24". */
const char *client_addr_text(const struct client_config *c, char *buf, size_t len);

bool mrt_config_equal(const struct mrt_config *a, const struct mrt_config *b);
/* Same BMP collectors, in the same order. */
bool bmp_config_equal(const struct config *a, const struct config *b);
bool dataplane_config_equal(const struct dataplane_config *a,
    const struct dataplane_config *b);
/* The same host: name, address and password. */
bool export_host_config_equal(const struct export_host_config *a,
    const struct export_host_config *b);
/* The same listen address and the same hosts, in the same order. */
bool export_config_equal(const struct export_config *a, const struct export_config *b);
bool view_host_config_equal(const struct view_host_config *a,
    const struct view_host_config *b);
/* The export host of that name, or NULL. */
const struct export_host_config *config_export_host(const struct export_config *e,
    const char *name);
/* "default", "full". */
const char *dataplane_fib_name(enum dataplane_fib f);
/* The routing table of an upstream's packets: table_base + its id. */
uint32_t dataplane_table(const struct dataplane_config *d, const struct upstream_config *u);
/* True when name is one the Linux kernel takes for an interface (1..15
 * characters, no '/', ':' or whitespace, not "." or ".."); else false with
 * why (which never quotes the name). */
/* True when name can be a user name (1..32 of [A-Za-z0-9._-], not starting
 * with '-'); else false with why (which never quotes the name). */
bool config_user_name_ok(const char *name, char *why, size_t why_len);
bool config_ifname_ok(const char *name, char *why, size_t why_len);
/* ---- client names ------------------------------------------------------ */

/* A client's name is 1..CLIENT_NAME_MAX characters of [A-Za-z0-9._@:-]:
 * one URL path segment, one word of a log line and one label value as it
 * is. The members of a range are named NAME@ADDRESS, so a range's own
 * name leaves room for "@" and the longest address text of its family
 * (15 characters for IPv4, 39 for IPv6): at most 48 and 24 characters. */
#define CLIENT_NAME_MAX 64
#define CLIENT_NAME_CHARS "A-Z a-z 0-9 . _ @ : -"
/* True when name keeps the rule with at most max characters; else false
 * with why (which never quotes the name). */
bool client_name_ok(const char *name, size_t max, char *why, size_t why_len);

/* The number a client's routes carry between a view host and its
 * instance hosts (docs/scaleout.md, "Client routes"): the 32-bit FNV-1a
 * hash of its configured name (a range's own, for every member), the
 * same on both hosts. Two clients whose numbers are equal are refused. */
uint32_t client_source_number(const char *name);
/* The client among the first n of c, other than one named name, whose
 * number is name's; NULL if none. */
const struct client_config *config_client_same_number(const struct config *c, size_t n,
    const char *name);

/* ---- clients provisioned at run time (web/api.c, the store) ---------- */

/* One client object as in "clients": the same keys, types and defaults,
 * errors named from path ("$" for an API body). False if errs got any. */
bool config_client_from_json(struct jsonv *errs, const char *path, json_t *obj,
    struct client_config *out);
/* The client's keys as config_client_from_json reads them ("password"
 * only when with_password). */
json_t *client_config_to_json(const struct client_config *cc, bool with_password);
/* The cross-checks of the "clients" list for cc joining c: unique name,
 * unique address, upstreams that exist, an address its instances can
 * reach (same family). Errors named from path. */
void config_check_new_client(struct jsonv *errs, const char *path,
    const struct config *c, const struct client_config *cc);
/* Its checks that look at no other client (upstreams, address family),
 * for a caller that keeps names and addresses unique itself (the API). */
void config_check_client_upstreams(struct jsonv *errs, const char *path,
    const struct config *c, const struct client_config *cc);
/* Append a deep copy of cc / remove (and free) the client named name. */
void config_add_client(struct config *c, const struct client_config *cc);
bool config_remove_client(struct config *c, const char *name);
/* The family's index in n->families, or -1. */
int neighbor_family_index(const struct neighbor_config *n, struct bgp_family f);
/* "auto", "off", "cisco", "ietf"; "off", "receive", "send", "both". */
const char *ms_mode_name(enum ms_mode m);
const char *addpath_mode_name(enum addpath_mode m);

/* "ipv4-unicast" ⇄ family. */
bool family_parse(const char *s, struct bgp_family *f);
const char *family_name(struct bgp_family f);

#endif
