/* Shared by Ringside's XDP programs: the XSKMAP they redirect through and
 * the per-action counters the agent reads, so a user sees frames that never
 * reached a socket and why. */
#ifndef RINGSIDE_H
#define RINGSIDE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * Each program is built twice (bpf/Makefile): as is, and with RINGSIDE_FRAGS
 * for multi-buffer. A frags-aware program (BPF_F_XDP_HAS_FRAGS, from the
 * section name) is given frames of several buffers and may run at an MTU
 * above a page; the kernel refuses one that is not there (veth: ERANGE). The
 * programs read only the first buffer's headers (data..data_end), which is
 * what a frags-aware program may do as well.
 */
#ifdef RINGSIDE_FRAGS
#define RINGSIDE_XDP_SECTION "xdp.frags"
#else
#define RINGSIDE_XDP_SECTION "xdp"
#endif

/* The kernel caps nothing here; 64 covers every queue of the NICs Ringside targets. */
#define RINGSIDE_MAX_SOCKETS 64

/*
 * Every frame the program sees is counted in exactly one of REDIRECTED,
 * WRONG_QUEUE, PASSED and DROPPED, so they add up to the frames seen.
 * NO_SOCKET says why some of the PASSED or DROPPED frames went there: the
 * XSKMAP index the program chose was empty. The agent reads them in this
 * order (agent/src/xdp/ringside-program.ts).
 */
enum ringside_action {
	RINGSIDE_REDIRECTED = 0,  /* to a socket bound to the frame's own queue */
	RINGSIDE_PASSED = 1,      /* left to the kernel stack */
	RINGSIDE_DROPPED = 2,     /* dropped by the program */
	RINGSIDE_NO_SOCKET = 3,   /* the chosen index was empty (a cause, also counted as PASSED or DROPPED) */
	RINGSIDE_WRONG_QUEUE = 4, /* redirected to a socket of another queue: the kernel drops it */
	RINGSIDE_ACTIONS = 5,
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

static __always_inline int ringside_pass(void)
{
	ringside_count(RINGSIDE_PASSED);
	return XDP_PASS;
}

/*
 * Redirects to the socket at `index`; when the index is empty the frame gets
 * `when_empty` (XDP_PASS or XDP_DROP), counted as NO_SOCKET too.
 *
 * A socket only receives frames of the queue it is bound to (the spec's FAQ):
 * redirecting a frame of queue 0 to a socket of queue 1 makes the kernel's
 * xsk_rcv refuse it, and the driver drops the frame. We still redirect, so the
 * user watches the kernel do exactly that, and count it apart, because
 * nothing in the socket's own statistics records it.
 */
static __always_inline int ringside_redirect(struct xdp_md *ctx, __u32 index, int when_empty)
{
	/* On an XSKMAP, lookup from XDP yields the socket itself (struct bpf_xdp_sock), not the fd stored. */
	struct bpf_xdp_sock *xsk = bpf_map_lookup_elem(&xsks_map, &index);

	if (!xsk) {
		ringside_count(RINGSIDE_NO_SOCKET);
		ringside_count(when_empty == XDP_PASS ? RINGSIDE_PASSED : RINGSIDE_DROPPED);
		return when_empty;
	}
	ringside_count(xsk->queue_id == ctx->rx_queue_index ? RINGSIDE_REDIRECTED : RINGSIDE_WRONG_QUEUE);
	/* The fallback action only applies if the entry vanished since the lookup (its socket just closed). */
	return bpf_redirect_map(&xsks_map, index, when_empty);
}

/* The UDP destination port (host order) of an IPv4/UDP frame, or -1 for
 * anything else (ARP, ICMP, IPv6...). */
static __always_inline int ringside_udp_destination(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		return -1;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return -1;
	return bpf_ntohs(udp->dest);
}

#endif
