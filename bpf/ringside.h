/* Shared by Ringside's XDP programs: the XSKMAP they redirect through and
 * the per-action counters the agent reads, so a user sees frames that never
 * reached a socket and why. */
#ifndef RINGSIDE_H
#define RINGSIDE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The kernel caps nothing here; 64 covers every queue of the NICs Ringside targets. */
#define RINGSIDE_MAX_SOCKETS 64

enum ringside_action {
	RINGSIDE_REDIRECTED = 0, /* handed to bpf_redirect_map with a socket in the map */
	RINGSIDE_PASSED = 1,     /* left to the kernel stack */
	RINGSIDE_DROPPED = 2,    /* dropped by the program */
	RINGSIDE_NO_SOCKET = 3,  /* the map had no socket at the chosen index */
	RINGSIDE_ACTIONS = 4,
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, RINGSIDE_MAX_SOCKETS);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* Per CPU, so counting costs no atomic operation; the agent sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RINGSIDE_ACTIONS);
	__type(key, __u32);
	__type(value, __u64);
} action_counts SEC(".maps");

static __always_inline void ringside_count(__u32 action)
{
	__u64 *count = bpf_map_lookup_elem(&action_counts, &action);

	if (count)
		*count += 1;
}

/* Redirects to the socket at `index`, or passes the frame when there is none. */
static __always_inline int ringside_redirect(__u32 index)
{
	if (!bpf_map_lookup_elem(&xsks_map, &index)) {
		ringside_count(RINGSIDE_NO_SOCKET);
		ringside_count(RINGSIDE_PASSED);
		return XDP_PASS;
	}
	ringside_count(RINGSIDE_REDIRECTED);
	return bpf_redirect_map(&xsks_map, index, XDP_PASS);
}

#endif
