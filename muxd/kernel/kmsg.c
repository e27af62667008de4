/*
 * kmsg.c — rtnetlink requests built, replies parsed (libmnl).
 */
#include "muxd/kernel/kmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

size_t kmsg_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

const char *kroute_str(const struct kroute *r, char *buf, size_t len)
{
	char dst[INET6_ADDRSTRLEN] = "?", gw[INET6_ADDRSTRLEN] = "?";

	if (kmsg_addr_len(r->family) != 0) {
		inet_ntop(r->family, r->dst, dst, sizeof dst);
		inet_ntop(r->family, r->gw, gw, sizeof gw);
	}
	if (r->has_gw)
		snprintf(buf, len, "%s/%u via %s table %u", dst, r->dst_len, gw, r->table);
	else
		snprintf(buf, len, "%s/%u table %u", dst, r->dst_len, r->table);
	return buf;
}

/* A request header of type with flags, at buf (KMSG_MAX bytes, zeroed). */
static struct nlmsghdr *put_header(void *buf, uint16_t type, uint16_t flags)
{
	memset(buf, 0, KMSG_MAX);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

struct nlmsghdr *kmsg_macvlan_new(void *buf, const char *name, uint32_t parent,
                                  const uint8_t mac[6])
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK,
	                                  NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, parent);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

static struct nlmsghdr *link_msg(void *buf, uint16_t type, uint16_t flags,
                                 uint32_t ifindex)
{
	struct nlmsghdr *nlh = put_header(buf, type, NLM_F_ACK | flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return nlh;
}

struct nlmsghdr *kmsg_link_del(void *buf, uint32_t ifindex)
{
	return link_msg(buf, RTM_DELLINK, 0, ifindex);
}

struct nlmsghdr *kmsg_link_get(void *buf, const char *name)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

struct nlmsghdr *kmsg_link_up(void *buf, uint32_t ifindex)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	return nlh;
}

struct nlmsghdr *kmsg_link_inet_conf(void *buf, uint32_t ifindex,
                                     const struct kdevconf *v, size_t n)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, ifindex);
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *inet = mnl_attr_nest_start(nlh, AF_INET);
	struct nlattr *conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);

	for (size_t i = 0; i < n; i++)
		mnl_attr_put_u32(nlh, v[i].id, v[i].value);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

/* IPv6 addresses skip duplicate address detection: the instance's
 * address is usable (bind, ARP/ND answers) as soon as it is added. */
struct nlmsghdr *kmsg_addr(void *buf, bool add, uint32_t ifindex, uint8_t family,
                           const uint8_t *addr, uint8_t prefixlen)
{
	struct nlmsghdr *nlh = put_header(buf, add ? RTM_NEWADDR : RTM_DELADDR,
	                                  NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	size_t alen = kmsg_addr_len(family);

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (family == AF_INET6 && add) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nlh;
}

struct nlmsghdr *kmsg_rule(void *buf, bool add, const struct krule *r)
{
	struct nlmsghdr *nlh = put_header(buf, add ? RTM_NEWRULE : RTM_DELRULE,
	                                  NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof *frh);

	frh->family = r->family;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	if (r->iifname[0] != '\0')
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iifname);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	return nlh;
}

struct nlmsghdr *kmsg_rule_dump(void *buf, uint8_t family)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof *frh);
	frh->family = family;
	return nlh;
}

static uint16_t route_flags(enum kroute_op op)
{
	switch (op) {
	case KROUTE_ADD: return NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	case KROUTE_REPLACE: return NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	case KROUTE_DEL: break;
	}
	return NLM_F_ACK;
}

/* A deletion names the prefix, the table and the protocol (so the kernel
 * removes only a route of ours), not the next hop: a table of muxd has one
 * route per prefix, whichever gateway it has now. Its scope is "nowhere",
 * which matches any. */
struct nlmsghdr *kmsg_route(void *buf, enum kroute_op op, const struct kroute *r)
{
	bool del = op == KROUTE_DEL;
	struct nlmsghdr *nlh = put_header(buf, del ? RTM_DELROUTE : RTM_NEWROUTE,
	                                  route_flags(op));
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	size_t alen = kmsg_addr_len(r->family);

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = RTN_UNICAST;
	if (del)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else if (!r->has_gw && r->oif != 0)
		rtm->rtm_scope = RT_SCOPE_LINK;
	else
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst_len > 0)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst);
	if (del)
		return nlh;
	if (r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw);
	if (r->has_gw && r->onlink && r->oif != 0)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (r->oif != 0)
		mnl_attr_put_u32(nlh, RTA_OIF, r->oif);
	return nlh;
}

struct nlmsghdr *kmsg_route_dump(void *buf, uint8_t family)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = family;
	return nlh;
}

/* Replies. */

int kmsg_link_parse(const struct nlmsghdr *nlh, uint32_t *ifindex)
{
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return -EINVAL;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	*ifindex = (uint32_t)ifi->ifi_index;
	return 0;
}

/* What an attribute callback collects: the attributes by type, each
 * checked, up to max. */
struct attrs {
	const struct nlattr *tb[RTA_MAX > FRA_MAX ? RTA_MAX + 1 : FRA_MAX + 1];
	int max;
	size_t alen;      /* length of an address attribute */
	bool bad;
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	int type = mnl_attr_get_type(a);

	switch (type) {
	case RTA_TABLE:
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			goto bad;
		break;
	case RTA_DST:
	case RTA_GATEWAY:
		if (mnl_attr_validate2(a, MNL_TYPE_BINARY, at->alen) < 0)
			goto bad;
		break;
	case RTA_MULTIPATH:
		break;
	default:
		return MNL_CB_OK;
	}
	at->tb[type] = a;
	return MNL_CB_OK;
bad:
	at->bad = true;
	return MNL_CB_ERROR;
}

int kmsg_route_parse(const struct nlmsghdr *nlh, struct kroute *out)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
		return -EINVAL;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = { .alen = kmsg_addr_len(rtm->rtm_family) };

	if (at.alen == 0 || rtm->rtm_type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED))
		return -ENOENT;
	if (rtm->rtm_dst_len > at.alen * 8)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof *rtm, route_attr, &at) != MNL_CB_OK || at.bad)
		return -EINVAL;
	if (at.tb[RTA_MULTIPATH] != NULL)
		return -ENOENT;
	memset(out, 0, sizeof *out);
	out->family = rtm->rtm_family;
	out->dst_len = rtm->rtm_dst_len;
	out->protocol = rtm->rtm_protocol;
	out->table = at.tb[RTA_TABLE] ? mnl_attr_get_u32(at.tb[RTA_TABLE]) : rtm->rtm_table;
	out->onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
	if (at.tb[RTA_OIF])
		out->oif = mnl_attr_get_u32(at.tb[RTA_OIF]);
	if (at.tb[RTA_DST])
		memcpy(out->dst, mnl_attr_get_payload(at.tb[RTA_DST]), at.alen);
	if (at.tb[RTA_GATEWAY]) {
		out->has_gw = true;
		memcpy(out->gw, mnl_attr_get_payload(at.tb[RTA_GATEWAY]), at.alen);
	}
	return 0;
}

static int rule_attr(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	int type = mnl_attr_get_type(a);

	switch (type) {
	case FRA_TABLE:
	case FRA_PRIORITY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			goto bad;
		break;
	case FRA_IIFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > IF_NAMESIZE)
			goto bad;
		break;
	default:
		return MNL_CB_OK;
	}
	at->tb[type] = a;
	return MNL_CB_OK;
bad:
	at->bad = true;
	return MNL_CB_ERROR;
}

int kmsg_rule_parse(const struct nlmsghdr *nlh, struct krule *out)
{
	if (nlh->nlmsg_type != RTM_NEWRULE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct fib_rule_hdr))
		return -EINVAL;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct attrs at = { 0 };

	if (mnl_attr_parse(nlh, sizeof *frh, rule_attr, &at) != MNL_CB_OK || at.bad)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->family = frh->family;
	out->table = at.tb[FRA_TABLE] ? mnl_attr_get_u32(at.tb[FRA_TABLE]) : frh->table;
	if (at.tb[FRA_PRIORITY])
		out->priority = mnl_attr_get_u32(at.tb[FRA_PRIORITY]);
	if (at.tb[FRA_IIFNAME])
		snprintf(out->iifname, sizeof out->iifname, "%s",
		         mnl_attr_get_str(at.tb[FRA_IIFNAME]));
	return 0;
}

static int ext_attr(const struct nlattr *a, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

int kmsg_error_parse(const struct nlmsghdr *nlh, int *err, const char **ext)
{
	*ext = NULL;
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
		return -EINVAL;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	*err = -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	/* The TLVs follow the request (only its header when capped). */
	size_t off = sizeof *e;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof e->msg)
			return 0;
		off += e->msg.nlmsg_len - sizeof e->msg;
	}
	if (off <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, (unsigned)off, ext_attr, ext);
	return 0;
}
