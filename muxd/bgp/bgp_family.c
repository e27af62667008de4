/*
 * bgp_family.c — the address family table (bgp_family.h).
 */
#include "muxd/bgp/bgp_family.h"

#include <string.h>
#include <sys/socket.h>

/* bgp_aid_unicast maps an AFI by arithmetic on this order. */
_Static_assert(AID_IPV4_UNICAST == 0 && AID_IPV6_UNICAST == 1,
    "the RIB families are the first aids");

const struct bgp_af bgp_af_table[AID_MAX] = {
	[AID_IPV4_UNICAST] = { BGP_AFI_IPV4, BGP_SAFI_UNICAST, 4, 32, AF_INET,
		"ipv4-unicast", "IPv4" },
	[AID_IPV6_UNICAST] = { BGP_AFI_IPV6, BGP_SAFI_UNICAST, 16, 128, AF_INET6,
		"ipv6-unicast", "IPv6" },
	[AID_IPV4_MULTICAST] = { BGP_AFI_IPV4, BGP_SAFI_MULTICAST, 4, 32, AF_INET,
		"ipv4-multicast", "IPv4" },
	[AID_IPV6_MULTICAST] = { BGP_AFI_IPV6, BGP_SAFI_MULTICAST, 16, 128, AF_INET6,
		"ipv6-multicast", "IPv6" },
	[AID_IPV4_VPN] = { BGP_AFI_IPV4, BGP_SAFI_VPN, 4, 32, AF_INET,
		"ipv4-vpn", "IPv4" },
	[AID_IPV6_VPN] = { BGP_AFI_IPV6, BGP_SAFI_VPN, 16, 128, AF_INET6,
		"ipv6-vpn", "IPv6" },
};

enum bgp_aid bgp_aid_of(uint16_t afi, uint8_t safi)
{
	FOR_EACH_AID(aid)
		if (bgp_af_table[aid].afi == afi && bgp_af_table[aid].safi == safi)
			return aid;
	return AID_NONE;
}

enum bgp_aid bgp_aid_by_name(const char *name)
{
	FOR_EACH_AID(aid)
		if (strcmp(bgp_af_table[aid].name, name) == 0)
			return aid;
	return AID_NONE;
}
