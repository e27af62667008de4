/*
 * sockopt.c — the socket options BGP needs, Linux flavour.
 */
#include "muxd/engine/sockopt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/lib/log.h"

int sockopt_md5(int fd, const struct sockaddr_mux *remote, const char *key)
{
	return sockopt_md5_prefix(fd, remote, 0, key);
}

int sockopt_md5_prefix(int fd, const struct sockaddr_mux *remote, unsigned prefix_len,
    const char *key)
{
	struct tcp_md5sig md5;

	memset(&md5, 0, sizeof md5);
	memcpy(&md5.tcpm_addr, &remote->u, remote->len);
	if (prefix_len) {       /* Linux 4.13: one key for a whole range */
		md5.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		md5.tcpm_prefixlen = (uint8_t)prefix_len;
	}
	if (key) {
		size_t len = strlen(key);
		if (len > TCP_MD5SIG_MAXKEYLEN) {
			errno = EINVAL;
			return -1;
		}
		md5.tcpm_keylen = (uint16_t)len;
		memcpy(md5.tcpm_key, key, len);
	}
	return setsockopt(fd, IPPROTO_TCP, prefix_len ? TCP_MD5SIG_EXT : TCP_MD5SIG,
	    &md5, sizeof md5);
}

/* GTSM (RFC 5082 §3): send with TTL 255, accept only TTL ≥ 254 (one hop). */
static int set_ttl_security(int fd, int family)
{
	int ttl = 255;
	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
	return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
}

int sockopt_min_ttl(int fd, int family)
{
	int min = 254;
	if (set_ttl_security(fd, family) < 0)
		return -1;
	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof min);
	return setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof min);
}

int sockopt_socket(const struct session_params *p, char *why, size_t why_len)
{
	int family = sockaddr_family(&p->remote);
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0) {
		snprintf(why, why_len, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (p->password && sockopt_md5(fd, &p->remote, p->password) < 0) {
		snprintf(why, why_len, "TCP-MD5: %s", strerror(errno));
		goto fail;
	}
	if (p->ttl_security && sockopt_min_ttl(fd, family) < 0) {
		snprintf(why, why_len, "TTL security: %s", strerror(errno));
		goto fail;
	}
	if (p->has_local) {
		struct sockaddr_mux local = p->local;
		sockaddr_set_port(&local, 0);
		if (bind(fd, &local.u.sa, local.len) < 0) {
			char a[64];
			snprintf(why, why_len, "bind to %s: %s",
			    sockaddr_ntop(&local, a, sizeof a), strerror(errno));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

void sockopt_accepted(int fd, const struct session_params *p)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (p->ttl_security && sockopt_min_ttl(fd, sockaddr_family(&p->remote)) < 0)
		log_peer_warnx(p->label, "cannot set TTL security: %s", strerror(errno));
}
