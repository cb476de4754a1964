// SPDX-License-Identifier: GPL-2.0
/* Spreads frames over XSKMAP indexes 0..n-1 in turn (the spec's
 * XDP_SHARED_UMEM example). n is set by the agent in `config`, not fixed at
 * compile time, so the turn follows the sockets that are really there. */
#include "ringside.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} config SEC(".maps");

/* Per CPU, like the kernel's own sample, so no two CPUs race on one counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} turn SEC(".maps");

SEC(RINGSIDE_XDP_SECTION)
int ringside_round_robin(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *sockets = bpf_map_lookup_elem(&config, &zero);
	__u32 *next = bpf_map_lookup_elem(&turn, &zero);

	/* No count set yet: the program steers nothing, and the stack keeps its traffic. */
	if (!sockets || !next || *sockets == 0 || *sockets > RINGSIDE_MAX_SOCKETS)
		return ringside_pass();
	*next = (*next + 1) % *sockets;
	/*
	 * An empty index in the turn drops its frame, like the spec's example
	 * (fallback XDP_DROP): the user said n sockets share this queue, so a
	 * missing one loses its share visibly, counted as NO_SOCKET, instead of
	 * sending every n-th frame of the flow to the stack.
	 */
	return ringside_redirect(ctx, *next, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
