#!/usr/bin/env bash
# check-layers.sh — fails when a production file includes a layer above
# its own (docs/architecture.md draws the layers).
#
#   scripts/check-layers.sh [ROOT]     ROOT: the tree to check (default: .)
#
# Every #include "X" of a .c or .h file under muxd/, views/, instances/,
# monitors/, dataplane/, web/ and muxctl/ is looked up in the table below:
# the file's room may include its own room and the rooms listed for it,
# nothing else.
# Some rooms may not include some system headers either (the codec knows
# no event loop and no log; JSON is rendered in web/). Prints one line per
# violation, "FILE:LINE: ROOM includes X (ROOM may include: …)", and exits
# 1 if there is any.
#
# A header named *_int.h is its room's own (a struct the room keeps
# private): no other room may include it.
#
# scripts/check-layers.known lists violations the tree still has while it
# is being reshaped ("FILE includes X", one a line): each is printed as
# "known:" and does not fail the check, and a listed one that is gone
# fails it (so the list only shrinks).
set -u
root=${1:-.}
cd "$root" || exit 2

# room: the rooms it may include (besides itself).
declare -A MAY=(
	[lib]=""
	[bgp]="lib"
	[config]="bgp lib"
	[rib]="bgp lib"
	[store]="config bgp lib"
	[engine]="config bgp lib"
	[kernel]="bgp lib"
	[views]="feed engine rib store config bgp lib"
	[feed]="engine rib config bgp lib"
	[instances]="feed engine rib store config bgp lib"
	[monitors]="feed engine rib config bgp lib"
	[dataplane]="instances feed engine rib config bgp lib"
	[web]="dataplane views feed instances monitors engine rib store config bgp lib"
	[root]="web dataplane views feed instances monitors engine kernel rib store config bgp lib"
	[cli]=""
)
# room: system headers it may not include (an extended regex on the name).
declare -A DENY=(
	[lib]="^jansson\\.h$"
	[bgp]="^(event2/.*|jansson\\.h|sqlite3\\.h|pthread\\.h)$"
	[rib]="^(event2/.*|jansson\\.h|sqlite3\\.h)$"
	[engine]="^(jansson\\.h|sqlite3\\.h)$"
	[kernel]="^(event2/.*|jansson\\.h|sqlite3\\.h)$"
	[feed]="^(jansson\\.h|sqlite3\\.h)$"
	[views]="^(jansson\\.h|sqlite3\\.h)$"
	[instances]="^(jansson\\.h)$"
	[dataplane]="^(jansson\\.h|sqlite3\\.h|libmnl/.*|linux/.*|sys/socket\\.h)$"
)
# A file of the codec must not log either (decoders return errors).
declare -A DENY_LOCAL=(
	[bgp]="muxd/lib/log.h"
)

# room_of PATH — sets ROOM to PATH's room ("?" for none).
room_of() {
	case $1 in
	muxd/lib/*) ROOM=lib ;;
	muxd/bgp/*) ROOM=bgp ;;
	muxd/config/*) ROOM=config ;;
	muxd/rib/*) ROOM=rib ;;
	muxd/store/*) ROOM=store ;;
	muxd/engine/*) ROOM=engine ;;
	muxd/kernel/*) ROOM=kernel ;;
	muxd/*/*) ROOM="?" ;;
	muxd/*) ROOM=root ;;
	views/feed.h | views/feed.c) ROOM=feed ;;
	views/*) ROOM=views ;;
	instances/*) ROOM=instances ;;
	monitors/*) ROOM=monitors ;;
	dataplane/*) ROOM=dataplane ;;
	web/*) ROOM=web ;;
	muxctl/*) ROOM=cli ;;
	*) ROOM="?" ;;
	esac
}

known_file=scripts/check-layers.known
declare -A KNOWN=() SEEN=()
if [[ -f $known_file ]]; then
	while IFS= read -r k; do
		[[ -z $k || $k == \#* ]] || KNOWN[$k]=1
	done <"$known_file"
fi

bad=0
# report FILE LINE TARGET MESSAGE
report() {
	local key="$1 includes $3"
	if [[ -n ${KNOWN[$key]:-} ]]; then
		SEEN[$key]=1
		echo "known: $1:$2: $4"
		return
	fi
	echo "$1:$2: $4"
	bad=1
}

mapfile -t files < <(find muxd views instances monitors dataplane web muxctl -name '*.[ch]' 2>/dev/null | sort)
declare -A FROM=()
for f in "${files[@]}"; do
	room_of "$f"
	if [[ $ROOM == "?" ]]; then
		echo "$f: in no room of scripts/check-layers.sh (add its folder to the table)"
		bad=1
	fi
	FROM[$f]=$ROOM
done

# Every include of every file from one awk (one per file made the check
# take seconds, and tests/scripts/test_check_layers.sh runs it 22 times).
while IFS=: read -r f line inc; do
	from=${FROM[$f]}
	[[ $from == "?" ]] && continue
	if [[ $inc =~ ^\"(.*)\"$ ]]; then
		target=${BASH_REMATCH[1]}
		room_of "$target"
		to=$ROOM
		if [[ ${DENY_LOCAL[$from]:-} == "$target" ]]; then
			report "$f" "$line" "$target" "$from includes $target (the $from room may not)"
		elif [[ $target == *_int.h && $to != "$from" ]]; then
			report "$f" "$line" "$target" "$from includes $target (private to the $to room)"
		elif [[ $to != "$from" && " ${MAY[$from]} " != *" $to "* ]]; then
			report "$f" "$line" "$target" "$from includes $target ($to) ($from may include: ${MAY[$from]:-nothing else})"
		fi
	elif [[ $inc =~ ^\<(.*)\>$ ]]; then
		sys=${BASH_REMATCH[1]}
		if [[ -n ${DENY[$from]:-} && $sys =~ ${DENY[$from]} ]]; then
			report "$f" "$line" "<$sys>" "$from includes <$sys> (the $from room may not)"
		fi
	fi
done < <(awk '/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
	s = $0; sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s); sub(/[>"].*$/, "&", s)
	match(s, /^[<"][^>"]*[>"]/); print FILENAME ":" FNR ":" substr(s, RSTART, RLENGTH) }' "${files[@]}" /dev/null)

for k in "${!KNOWN[@]}"; do
	if [[ -z ${SEEN[$k]:-} ]]; then
		echo "$known_file: \"$k\" is fixed: remove it from the list"
		bad=1
	fi
done
exit $bad
