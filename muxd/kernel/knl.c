/*
 * knl.c — the rtnetlink socket: requests and their ACKs, dumps, batches.
 */
#include "muxd/kernel/knl_int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "muxd/lib/xalloc.h"

/* A burst of replies (a full batch refused, a dump) fits without loss. */
#define KNL_RCVBUF (8 * 1024 * 1024)
/* The kernel answers at once; this only bounds a wait that went wrong. */
#define KNL_RECV_TIMEOUT_S 2
#define KNL_TX_LIMIT (KNL_BATCH_MAX * KMSG_MAX)

int knl_fail(struct knl *nl, int err, const char *ext, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(nl->err, sizeof nl->err, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof nl->err)
		snprintf(nl->err + n, sizeof nl->err - (size_t)n, ": %s%s%s%s", strerror(err),
		         ext ? " (" : "", ext ? ext : "", ext ? ")" : "");
	return -err;
}

const char *knl_error(const struct knl *nl)
{
	return nl->err;
}

static void set_options(struct knl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock), size = KNL_RCVBUF, one = 1;
	struct timeval tv = { .tv_sec = KNL_RECV_TIMEOUT_S };

	/* FORCE passes rmem_max with CAP_NET_ADMIN; without it, what
	 * rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	/* Errors carry the kernel's reason, and not a copy of the request. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
}

int knl_open(struct knl **out)
{
	struct knl *nl = xcalloc(1, sizeof *nl);
	int err;

	*out = NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		knl_close(nl);
		return -err;
	}
	set_options(nl);
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	nl->rx = xmalloc(KNL_RX_SIZE);
	nl->tx = xmalloc(KNL_TX_LIMIT + KMSG_MAX);
	*out = nl;
	return 0;
}

void knl_close(struct knl *nl)
{
	if (nl == NULL)
		return;
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	free(nl->rx);
	free(nl->tx);
	free(nl);
}

/* One datagram of replies into nl->rx: its length, or a negative errno. */
static int recv_some(struct knl *nl)
{
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl->sock, nl->rx, KNL_RX_SIZE);
		if (len >= 0)
			return (int)len;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_msgs(struct knl *nl, const void *buf, size_t len)
{
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -errno;
	return 0;
}

/* The end of a request or dump: an ACK, an error, or NLMSG_DONE. 1 when
 * nlh ends it (*res its result), 0 when it does not. */
static int end_of(struct knl *nl, const struct nlmsghdr *nlh, const char *what, int *res)
{
	const char *ext = NULL;
	int err = 0;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
		err = err < 0 ? -err : 0;
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (kmsg_error_parse(nlh, &err, &ext) < 0)
			err = EPROTO;
	} else {
		return 0;
	}
	*res = err != 0 ? knl_fail(nl, err, ext, "%s", what) : 0;
	return 1;
}

/* Reads the replies to seq until its end; the others go to cb. */
static int read_replies(struct knl *nl, uint32_t seq, knl_reply_fn *cb, void *arg,
                        const char *what)
{
	int cbret = 0, res = 0;
	bool intr = false;

	for (;;) {
		int len = recv_some(nl);
		if (len < 0)
			return knl_fail(nl, -len, NULL, "%s", what);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue; /* a late answer to an earlier request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (end_of(nl, nlh, what, &res)) {
				if (res == 0 && cbret < 0)
					res = knl_fail(nl, -cbret, NULL, "%s", what);
				else if (res == 0 && intr)
					res = knl_fail(nl, EINTR, "changed during the dump", "%s", what);
				return res;
			}
			if (cb != NULL && cbret >= 0)
				cbret = cb(nlh, arg);
		}
	}
}

static int exchange(struct knl *nl, struct nlmsghdr *req, knl_reply_fn *cb, void *arg,
                    const char *what)
{
	req->nlmsg_seq = ++nl->seq;
	int err = send_msgs(nl, req, req->nlmsg_len);
	if (err < 0)
		return knl_fail(nl, -err, NULL, "%s", what);
	return read_replies(nl, req->nlmsg_seq, cb, arg, what);
}

int knl_request(struct knl *nl, struct nlmsghdr *req, knl_reply_fn *cb, void *arg,
                const char *what)
{
	req->nlmsg_flags |= NLM_F_ACK;
	return exchange(nl, req, cb, arg, what);
}

int knl_dump(struct knl *nl, struct nlmsghdr *req, knl_reply_fn *cb, void *arg,
             const char *what)
{
	return exchange(nl, req, cb, arg, what);
}

/*
 * Batches. Only the last message of a sendmsg asks for an ACK: the kernel
 * handles the messages in order within the sendmsg and answers every
 * refused one anyway, so the last ACK comes after every error of the
 * batch and one recv usually reads them all. Each error names its message
 * by sequence number.
 */
struct chunk {
	size_t first, k;      /* messages first .. first+k-1 */
	uint32_t base;        /* sequence number of the first */
	knl_fail_fn *fail;
	void *arg;
	size_t failed;
	size_t seen;          /* 1 + the last message a reply named */
};

/* The replies of one datagram: 1 when the last message's ACK was seen. */
static int chunk_replies(struct knl *nl, struct chunk *c, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
	int last = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		uint32_t i = nlh->nlmsg_seq - c->base;
		const char *ext;
		int err;

		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != nl->portid ||
		    i >= c->k || kmsg_error_parse(nlh, &err, &ext) < 0)
			continue;
		if (err != 0) {
			c->failed++;
			if (c->fail != NULL)
				c->fail(c->first + i, err, ext, c->arg);
		}
		c->seen = i + 1;
		if (i == c->k - 1)
			last = 1;
	}
	return last;
}

static int send_chunk(struct knl *nl, struct chunk *c, knl_build_fn *build)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(nl->tx, KNL_TX_LIMIT);

	c->base = nl->seq + 1;
	nl->seq += (uint32_t)c->k;
	for (size_t j = 0; j < c->k; j++) {
		struct nlmsghdr *nlh = build(mnl_nlmsg_batch_current(b), c->first + j, c->arg);
		nlh->nlmsg_seq = c->base + (uint32_t)j;
		if (j + 1 < c->k)
			nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		else
			nlh->nlmsg_flags |= NLM_F_ACK;
		mnl_nlmsg_batch_next(b);
	}
	int err = send_msgs(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b));
	mnl_nlmsg_batch_stop(b);
	if (err < 0)
		return err; /* the kernel took none of the chunk */
	for (;;) {
		int len = recv_some(nl);
		if (len < 0)
			return len;
		if (chunk_replies(nl, c, len))
			return 0;
	}
}

/* How many messages of a chunk that failed with err have a known fate.
 * Replies come in order: on a mere timeout every message up to the last
 * one a reply named was handled and its refusal, if any, reported. A
 * failed sendmsg handled none; after ENOBUFS (replies dropped) or another
 * socket error a refusal may be lost, so none is known. */
static size_t chunk_known(const struct chunk *c, int err)
{
	return err == -ETIMEDOUT ? c->seen : 0;
}

int knl_batch(struct knl *nl, size_t n, knl_build_fn *build, knl_fail_fn *fail,
              void *arg, size_t *failed, size_t *done)
{
	struct chunk c = { .fail = fail, .arg = arg };

	*failed = 0;
	*done = n;
	while (c.first < n) {
		c.k = n - c.first < KNL_BATCH_MAX ? n - c.first : KNL_BATCH_MAX;
		c.failed = 0;
		c.seen = 0;
		int err = send_chunk(nl, &c, build);
		*failed += c.failed;
		if (err < 0) {
			*done = c.first + chunk_known(&c, err);
			*failed += n - *done;
			return knl_fail(nl, -err, NULL, "batch of %zu messages at %zu", c.k,
			                c.first);
		}
		c.first += c.k;
	}
	return 0;
}
