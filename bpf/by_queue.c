// SPDX-License-Identifier: GPL-2.0
/* The spec's default program: a frame goes to the socket registered at its
 * receive queue's index, and to the kernel stack when there is none.
 *
 * Optionally (udp_only set) only UDP frames are steered and everything else
 * (ARP, ICMP) goes to the stack: the lab's traffic source takes its frames
 * this way, and the peer's stack still answers ping. */
#include "ringside.h"

/* [0]: 1 to steer only IPv4 UDP frames, 0 to steer every frame. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} udp_only SEC(".maps");

SEC(RINGSIDE_XDP_SECTION)
int ringside_by_queue(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *only_udp = bpf_map_lookup_elem(&udp_only, &zero);

	if (only_udp && *only_udp && ringside_udp_destination(ctx) < 0)
		return ringside_pass();
	return ringside_redirect(ctx, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
