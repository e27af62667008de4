/*
 * bench_stream.c — what the live stream adds per UPDATE, on one core: the
 * codec's decode alone, then decode + gathering the RIS Live view of the
 * message + matching it against S subscriptions + rendering its JSON once
 * (what web/stream.c does for each UPDATE while anyone subscribes).
 *
 * The UPDATE: 10 IPv4 prefixes, a 4-hop AS path, 2 communities, MED.
 *
 *   bench_stream [-n updates] [-s subscriptions]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web/ris_json.h"
#include "web/ris_sub.h"

static const uint8_t body[] = {
	0, 0,
	0, 50,
	0x40, 1, 1, 0,
	0x40, 2, 18, 2, 4, 0, 0, 0xfb, 0xf0, 0, 0, 0x0d, 0x1c, 0, 0, 0x19, 0x35,
	    0, 0, 0xfb, 0xff,
	0x40, 3, 4, 192, 0, 2, 1,
	0x80, 4, 4, 0, 0, 0, 100,
	0xc0, 8, 8, 0xfb, 0xf0, 0, 100, 0xfb, 0xf0, 0, 200,
	24, 198, 51, 100, 24, 198, 51, 101, 24, 198, 51, 102, 24, 198, 51, 103,
	24, 198, 51, 104, 24, 198, 51, 105, 24, 198, 51, 106, 24, 198, 51, 107,
	22, 203, 0, 112, 16, 10, 1,
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Filters of the kinds researchers use; none matches this UPDATE but
 * the last, so every one is evaluated in full. */
static const char *const filters[] = {
	"{\"prefix\": \"192.0.2.0/24\"}", "{\"path\": \"64999$\"}",
	"{\"prefix\": \"2001:db8::/32\", \"lessSpecific\": true}",
	"{\"type\": \"OPEN\"}", "{\"require\": \"withdrawals\"}",
	"{\"host\": \"other\"}", "{\"peer\": \"192.0.2.99\"}",
	"{\"path\": \"^64496,3357\"}", "{\"prefix\": \"10.0.0.0/8\", \"moreSpecific\": false}",
	"{\"prefix\": \"198.51.100.0/22\"}",
};

int main(int argc, char **argv)
{
	static const struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true,
		.max_len = BGP_MAX_LEN };
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct bgp_prefix prefixes[64];
	struct ris_path_item items[64];
	struct ris_sub *subs[64];
	size_t n = 200000, nsubs = 10, bytes = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 's')
			nsubs = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (nsubs > 64 || n == 0)
		return 2;
	for (size_t i = 0; i < nsubs; i++) {
		json_t *j = json_loads(filters[i % 10], 0, NULL);
		subs[i] = ris_sub_parse(j, NULL, 0);
		json_decref(j);
	}

	struct bgp_update u;
	struct bgp_err e;
	double t0 = now();
	for (size_t i = 0; i < n; i++)
		if (!bgp_update_decode(body, sizeof body, &ctx, scratch, sizeof scratch, &u, &e))
			return 1;
	double decode = (now() - t0) / (double)n;

	size_t matched = 0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		struct ris_msg m = { .host = "isp-a", .peer_afi = BGP_AFI_IPV4,
			.peer_asn = 64496, .seq = i, .timestamp = 1700000000.0 };
		bgp_update_decode(body, sizeof body, &ctx, scratch, sizeof scratch, &u, &e);
		if (!ris_msg_from_update(&m, &u, &ctx, prefixes, 64, items, 64))
			return 1;
		bool any = false;
		for (size_t k = 0; k < nsubs; k++)
			any |= ris_sub_matches(subs[k], &m);
		if (any) {
			char *js = ris_message_json(&m, false);
			bytes += strlen(js);
			free(js);
			matched++;
		}
	}
	double stream = (now() - t0) / (double)n;
	printf("decode alone: %.2f us/UPDATE; with the stream (%zu subscriptions, "
	    "JSON of %zu bytes): %.2f us/UPDATE, %.0f UPDATEs/s\n", decode * 1e6, nsubs,
	    matched ? bytes / matched : 0, stream * 1e6, 1.0 / stream);
	for (size_t i = 0; i < nsubs; i++)
		ris_sub_free(subs[i]);
	return 0;
}
