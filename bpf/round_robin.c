// SPDX-License-Identifier: GPL-2.0
/* Spreads frames over the sockets of one queue in turn (the spec's
 * XDP_SHARED_UMEM example). The number of sockets is set by the agent in
 * `config`, not fixed at compile time, so the turn follows the sockets that
 * are really there. */
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

SEC("xdp")
int ringside_round_robin(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *sockets = bpf_map_lookup_elem(&config, &zero);
	__u32 *next = bpf_map_lookup_elem(&turn, &zero);

	if (!sockets || !next || *sockets == 0 || *sockets > RINGSIDE_MAX_SOCKETS) {
		ringside_count(RINGSIDE_PASSED);
		return XDP_PASS;
	}
	*next = (*next + 1) % *sockets;
	return ringside_redirect(*next);
}

char LICENSE[] SEC("license") = "GPL";
