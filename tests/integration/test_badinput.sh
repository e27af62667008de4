#!/usr/bin/env bash
# Bad input: while a real BIRD session is up, tests/tools/badpeer.py connects
# to muxd from one address per case (each a passive peer in muxd's config)
# and sends garbage, a wrong marker, a truncated message, bad lengths, an
# unknown type and OPENs with a bad version / peer AS / hold time / BGP ID.
# Each time muxd must answer with exactly the RFC 4271 NOTIFICATION (badpeer
# checks the bytes), log a line naming that peer, and stay up; BIRD's session
# must stay Established all along (same session: muxd's count of its
# sessions does not move) with its routes intact. Everything muxd puts on the wire, and the whole
# BIRD session, must decode cleanly in tshark (what badpeer sends is broken
# on purpose and is not checked). Addresses: 127.0.55.0/24.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.55.1
V4=600
V6=400
BAD_ASN=65099
CASES=(garbage marker truncated overlong short type version peeras hold bgpid)
# RFC 4271 6.1/6.2: the NOTIFICATION muxd's log must mention ("" = none).
declare -A WANT=([garbage]=1/1 [marker]=1/1 [truncated]="" [overlong]=1/2 [short]=1/2
	[type]=1/3 [version]=2/1 [peeras]=2/2 [hold]=2/6 [bgpid]=2/3)

# Hold time 9 on the BIRD session: keepalives every 3 s, so a muxd that
# stalls on bad input loses the session within the test.
peer_add bird-real bird 127.0.55.11 65050 10 passive 9
names=(bird-real)
i=100
for c in "${CASES[@]}"; do
	i=$((i + 1))
	peer_add "bad-$c" badpeer "127.0.55.$i" "$BAD_ASN" 0 active
	names+=("bad-$c")
done

claim_addrs "$MUX_ADDR" "${PEER_ADDR[@]}"
capture_start "$MUX_ADDR"
bird_start bird-real
wait_until 30 "BIRD to listen on 127.0.55.11:179" listening 127.0.55.11 179
mux_config "$T/muxd.json" "$MUX_ADDR" "${names[@]}"
mux_start "$T/muxd.json"
wait_routes 60 bird-real
check_routes bird-real
wait_until 10 "BIRD to report its session Established" bird_established bird-real
session=$(bird_session_id bird-real)
say "BIRD's session is up (muxd's count: $session)"

for c in "${CASES[@]}"; do
	name=bad-$c
	addr=${PEER_ADDR[$name]}
	peer_re="($name|${addr//./\\.})"
	start=$(mux_log_lines)
	python3 "$TOOLS/badpeer.py" --mux "$MUX_ADDR" --src "$addr" --asn "$BAD_ASN" "$c" >"$T/$c.out" 2>&1
	rc=$?
	sed "s/^/    /" "$T/$c.out" >&2
	((rc == 0)) || fail "case $c: muxd's answer is not what RFC 4271 asks for"
	mux_alive
	wait_until 10 "a muxd log line naming $name ($addr)" mux_log_since "$start" "peer[^:]*$peer_re"
	if [[ -n ${WANT[$c]} ]]; then
		wait_until 10 "muxd to log 'peer $name ...: sent NOTIFICATION ${WANT[$c]}'" \
			mux_log_since "$start" "peer[^:]*$peer_re[^:]*: sent NOTIFICATION ${WANT[$c]}"
	fi
	_poll 10 _same_session bird bird-real "$session" ||
		fail "case $c: BIRD's session went down or restarted (muxd's count was $session, now: $(bird_session_id bird-real))"
done
say "muxd answered all ${#CASES[@]} bad inputs as RFC 4271 asks, logging each peer"
mux_log_has "bad-peeras[^:]*: bad message: peer AS is not the configured one: received AS $((BAD_ASN - 1)) \(My AS $((BAD_ASN - 1)), .*\), configured AS $BAD_ASN" ||
	fail "muxd's Bad Peer AS line does not give the AS received and the one configured"

# The real session lived through it all: same session, all routes, and muxd
# never logged it leaving Established.
wait_routes 20 bird-real
check_routes bird-real
[[ $(bird_session_id bird-real) == "$session" ]] || fail "BIRD's session restarted"
if grep -E "peer[^:]*bird-real[^:]*: Established ->" "$MUX_LOG" >&2; then
	fail "muxd's session with BIRD left Established during the test"
fi
say "BIRD's session stayed Established (muxd's count: $session) with all its routes"

mux_stop_clean bird-real
wire_cease_to bird-real
capture_stop
capture_check "ip.src == $MUX_ADDR || ip.addr == ${PEER_ADDR[bird-real]}"
