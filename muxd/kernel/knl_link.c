/*
 * knl_link.c — links (macvlan, up, delete, lookup, IPv4 settings), addresses
 * and policy rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include "muxd/kernel/knl_int.h"
#include "muxd/lib/xalloc.h"

/* An interface name that fits the kernel. */
static bool ifname_ok(const char *name)
{
	size_t len = strnlen(name, IF_NAMESIZE);

	return len > 0 && len < IF_NAMESIZE && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int knl_macvlan_add(struct knl *nl, const char *name, uint32_t parent,
                    const uint8_t mac[6])
{
	uint8_t buf[KMSG_MAX];
	char what[80];

	if (!ifname_ok(name))
		return knl_fail(nl, EINVAL, NULL, "macvlan: bad interface name");
	snprintf(what, sizeof what, "macvlan %s on ifindex %u", name, parent);
	return knl_request(nl, kmsg_macvlan_new(buf, name, parent, mac), NULL, NULL, what);
}

int knl_link_del(struct knl *nl, uint32_t ifindex)
{
	uint8_t buf[KMSG_MAX];
	char what[48];

	snprintf(what, sizeof what, "delete link ifindex %u", ifindex);
	return knl_request(nl, kmsg_link_del(buf, ifindex), NULL, NULL, what);
}

static int link_reply(const struct nlmsghdr *nlh, void *arg)
{
	return kmsg_link_parse(nlh, arg);
}

int knl_link_index(struct knl *nl, const char *name, uint32_t *ifindex)
{
	uint8_t buf[KMSG_MAX];
	char what[48];

	*ifindex = 0;
	if (!ifname_ok(name))
		return knl_fail(nl, EINVAL, NULL, "link lookup: bad interface name");
	snprintf(what, sizeof what, "link %s", name);
	int err = knl_request(nl, kmsg_link_get(buf, name), link_reply, ifindex, what);
	if (err == 0 && *ifindex == 0)
		return knl_fail(nl, ENODEV, NULL, "%s", what);
	return err;
}

int knl_link_up(struct knl *nl, uint32_t ifindex)
{
	uint8_t buf[KMSG_MAX];
	char what[48];

	snprintf(what, sizeof what, "set link ifindex %u up", ifindex);
	return knl_request(nl, kmsg_link_up(buf, ifindex), NULL, NULL, what);
}

/* Link dumps. Each attribute is checked for its length before it is
 * read: a link the kernel lists with a short one is skipped, not trusted. */

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct klink *l = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    mnl_attr_validate(a, MNL_TYPE_STRING) == 0) {
		size_t n = strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
		if (n < sizeof l->kind) {
			memcpy(l->kind, mnl_attr_get_str(a), n);
			l->kind[n] = 0;
		}
	}
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct klink *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0 &&
		    strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)) < IF_NAMESIZE)
			snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->parent = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6) {
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
			l->has_mac = true;
		}
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, linkinfo_attr, l);
		break;
	}
	return MNL_CB_OK;
}

struct link_walk {
	knl_link_fn *cb;
	void *arg;
};

static int link_dump_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct link_walk *w = arg;
	struct klink l;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return 0;
	memset(&l, 0, sizeof l);
	l.index = (uint32_t)((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, &l) < 0 ||
	    l.index == 0 || l.name[0] == 0)
		return 0;
	w->cb(&l, w->arg);
	return 0;
}

int knl_links_dump(struct knl *nl, knl_link_fn *cb, void *arg)
{
	uint8_t buf[KMSG_MAX];
	struct link_walk w = { cb, arg };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof buf);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	return knl_dump(nl, nlh, link_dump_reply, &w, "dump links");
}

int knl_link_devconf(struct knl *nl, uint32_t ifindex)
{
	static const struct kdevconf conf[] = {
		{ IPV4_DEVCONF_ARP_IGNORE, 1 },
		{ IPV4_DEVCONF_ARP_ANNOUNCE, 2 },
		{ IPV4_DEVCONF_RP_FILTER, 2 },
	};
	uint8_t buf[KMSG_MAX];
	char what[80];

	snprintf(what, sizeof what, "IPv4 settings (arp_ignore, arp_announce, rp_filter) "
	         "of ifindex %u", ifindex);
	return knl_request(nl, kmsg_link_inet_conf(buf, ifindex, conf,
	                   sizeof conf / sizeof conf[0]), NULL, NULL, what);
}

static int addr_change(struct knl *nl, bool add, uint32_t ifindex, uint8_t family,
                       const uint8_t *addr, uint8_t prefixlen)
{
	uint8_t buf[KMSG_MAX];
	char a[INET6_ADDRSTRLEN] = "?", what[96];
	size_t alen = kmsg_addr_len(family);

	if (alen == 0 || prefixlen > alen * 8)
		return knl_fail(nl, EINVAL, NULL, "address: bad family or length");
	inet_ntop(family, addr, a, sizeof a);
	snprintf(what, sizeof what, "%s address %s/%u on ifindex %u", add ? "add" : "delete",
	         a, prefixlen, ifindex);
	return knl_request(nl, kmsg_addr(buf, add, ifindex, family, addr, prefixlen),
	                   NULL, NULL, what);
}

int knl_addr_add(struct knl *nl, uint32_t ifindex, uint8_t family,
                 const uint8_t *addr, uint8_t prefixlen)
{
	return addr_change(nl, true, ifindex, family, addr, prefixlen);
}

int knl_addr_del(struct knl *nl, uint32_t ifindex, uint8_t family,
                 const uint8_t *addr, uint8_t prefixlen)
{
	return addr_change(nl, false, ifindex, family, addr, prefixlen);
}

/* Rules. */

static int rule_change(struct knl *nl, bool add, const struct krule *r)
{
	uint8_t buf[KMSG_MAX];
	char what[96];

	if (kmsg_addr_len(r->family) == 0 || memchr(r->iifname, '\0', IF_NAMESIZE) == NULL)
		return knl_fail(nl, EINVAL, NULL, "rule: bad family or interface name");
	snprintf(what, sizeof what, "%s rule %s iif %s lookup %u priority %u",
	         add ? "add" : "delete", r->family == AF_INET ? "ipv4" : "ipv6",
	         r->iifname[0] ? r->iifname : "any", r->table, r->priority);
	return knl_request(nl, kmsg_rule(buf, add, r), NULL, NULL, what);
}

int knl_rule_add(struct knl *nl, const struct krule *r)
{
	return rule_change(nl, true, r);
}

int knl_rule_del(struct knl *nl, const struct krule *r)
{
	return rule_change(nl, false, r);
}

struct rule_walk {
	uint32_t priority;
	knl_rule_fn *cb;
	void *arg;
};

static int rule_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct rule_walk *w = arg;
	struct krule r;

	if (kmsg_rule_parse(nlh, &r) < 0)
		return -EPROTO;
	if (r.priority == w->priority)
		w->cb(&r, w->arg);
	return 0;
}

int knl_rules_dump(struct knl *nl, uint8_t family, uint32_t priority,
                   knl_rule_fn *cb, void *arg)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct rule_walk w = { priority, cb, arg };
	uint8_t buf[KMSG_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (family != 0 && family != families[i])
			continue;
		int err = knl_dump(nl, kmsg_rule_dump(buf, families[i]), rule_reply, &w,
		                   "dump rules");
		if (err < 0)
			return err;
	}
	return 0;
}

/* Rules are few (one per instance and family): a fixed bound. */
#define KNL_RULES_MAX 1024

struct rule_list {
	struct krule v[KNL_RULES_MAX];
	size_t n;
	bool full;
};

static void rule_collect(const struct krule *r, void *arg)
{
	struct rule_list *l = arg;

	if (l->n < KNL_RULES_MAX)
		l->v[l->n++] = *r;
	else
		l->full = true;
}

int knl_rules_flush(struct knl *nl, uint32_t priority, size_t *removed)
{
	struct rule_list *l = xcalloc(1, sizeof *l);
	int err, first_err = 0;

	*removed = 0;
	do {
		l->n = 0;
		l->full = false;
		err = knl_rules_dump(nl, 0, priority, rule_collect, l);
		for (size_t i = 0; err == 0 && i < l->n; i++) {
			int e = knl_rule_del(nl, &l->v[i]);
			if (e == 0)
				(*removed)++;
			else if (first_err == 0)
				first_err = e;
		}
	} while (err == 0 && l->full && first_err == 0);
	free(l);
	return err < 0 ? err : first_err;
}
