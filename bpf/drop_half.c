// SPDX-License-Identifier: GPL-2.0
/* The kernel selftests' XDP_DROP_HALF case: every second frame the program
 * sees is dropped, the others are steered as by-queue steers them (to the
 * socket at their receive queue's index, to the stack when it is empty). */
#include "ringside.h"

/* [0]: frames seen so far, over every CPU and queue: which one is "every second" is decided here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} frames_seen SEC(".maps");

SEC(RINGSIDE_XDP_SECTION)
int ringside_drop_half(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *seen = bpf_map_lookup_elem(&frames_seen, &zero);

	/* One counter for all queues, so the halves are exact even when two CPUs receive at once. */
	if (seen && __sync_fetch_and_add(seen, 1) & 1) {
		ringside_count(RINGSIDE_DROPPED);
		return XDP_DROP;
	}
	return ringside_redirect(ctx, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
