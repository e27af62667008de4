/*
 * bgp.c — the error record and the names of protocol numbers.
 */
#include "muxd/bgp/bgp.h"

#include <string.h>

#include "muxd/bgp/bgp_multisession.h"

void bgp_err_set(struct bgp_err *e, enum bgp_tier tier, uint8_t code,
    uint8_t subcode, const void *data, size_t data_len, const char *why)
{
	if (tier < e->tier)
		return;     /* keep the most severe finding */
	if (tier == e->tier && tier != BGP_TIER_OK && e->why != NULL)
		return;     /* and the first of equal severity */
	e->tier = tier;
	e->code = code;
	e->subcode = subcode;
	if (data_len > BGP_ERR_DATA_MAX)
		data_len = BGP_ERR_DATA_MAX;
	e->data_len = (uint16_t)(data ? data_len : 0);
	if (data && data_len)
		memcpy(e->data, data, data_len);
	e->why = why;
}

const char *bgp_msg_type_name(unsigned type)
{
	static const char *const names[] = {
		[BGP_OPEN] = "OPEN", [BGP_UPDATE] = "UPDATE",
		[BGP_NOTIFICATION] = "NOTIFICATION", [BGP_KEEPALIVE] = "KEEPALIVE",
		[BGP_ROUTE_REFRESH] = "ROUTE-REFRESH",
	};
	if (type < sizeof names / sizeof names[0] && names[type])
		return names[type];
	return "unknown";
}

const char *bgp_err_code_name(unsigned code)
{
	static const char *const names[] = {
		[BGP_ERR_HEADER] = "Message Header Error",
		[BGP_ERR_OPEN] = "OPEN Message Error",
		[BGP_ERR_UPDATE] = "UPDATE Message Error",
		[BGP_ERR_HOLD] = "Hold Timer Expired",
		[BGP_ERR_FSM] = "Finite State Machine Error",
		[BGP_ERR_CEASE] = "Cease",
		[BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH Message Error",
	};
	if (code < sizeof names / sizeof names[0] && names[code])
		return names[code];
	return "unknown error";
}

struct subcode_name {
	uint8_t code, subcode;
	const char *name;
};

static const struct subcode_name subcode_names[] = {
	{ BGP_ERR_HEADER, BGP_ERR_HDR_SYNC, "Connection Not Synchronized" },
	{ BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, "Bad Message Length" },
	{ BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, "Bad Message Type" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION, "Unsupported Version Number" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS, "Bad Peer AS" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID, "Bad BGP Identifier" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, "Unsupported Optional Parameter" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME, "Unacceptable Hold Time" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, "Unsupported Capability" },
	/* Deprecated multisession values (docs/multisession.md), in both
	 * dialects: what the draft calls them, and what IOS means by 8. */
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_CONFLICT, "Grouping Conflict "
	  "(draft-ietf-idr-bgp-multisession; Cisco: No Supported AFI/SAFI)" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_REQUIRED, "Grouping Required "
	  "(draft-ietf-idr-bgp-multisession)" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_MS_VALUE_MISMATCH, "Capability Value Mismatch "
	  "(draft-ietf-idr-bgp-multisession)" },
	{ BGP_ERR_OPEN, BGP_ERR_OPEN_ROLE, "Role Mismatch" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, "Malformed Attribute List" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_UNRECOGNIZED, "Unrecognized Well-known Attribute" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_MISSING, "Missing Well-known Attribute" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_FLAGS, "Attribute Flags Error" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_LENGTH, "Attribute Length Error" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_ORIGIN, "Invalid ORIGIN Attribute" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_NEXT_HOP, "Invalid NEXT_HOP Attribute" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_OPTIONAL, "Optional Attribute Error" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK, "Invalid Network Field" },
	{ BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH, "Malformed AS_PATH" },
	{ BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT, "Receive Unexpected Message in OpenSent State" },
	{ BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM, "Receive Unexpected Message in OpenConfirm State" },
	{ BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED, "Receive Unexpected Message in Established State" },
	{ BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, "Maximum Number of Prefixes Reached" },
	{ BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, "Administrative Shutdown" },
	{ BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED, "Peer De-configured" },
	{ BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, "Administrative Reset" },
	{ BGP_ERR_CEASE, BGP_CEASE_CONNECTION_REJECTED, "Connection Rejected" },
	{ BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE, "Other Configuration Change" },
	{ BGP_ERR_CEASE, BGP_CEASE_COLLISION, "Connection Collision Resolution" },
	{ BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, "Out of Resources" },
	{ BGP_ERR_CEASE, BGP_CEASE_HARD_RESET, "Hard Reset" },
	{ BGP_ERR_ROUTE_REFRESH, BGP_ERR_RR_LENGTH, "Invalid Message Length" },
};

const char *bgp_err_subcode_name(unsigned code, unsigned subcode)
{
	for (size_t i = 0; i < sizeof subcode_names / sizeof subcode_names[0]; i++)
		if (subcode_names[i].code == code && subcode_names[i].subcode == subcode)
			return subcode_names[i].name;
	return subcode == 0 ? "Unspecific" : "unknown subcode";
}
