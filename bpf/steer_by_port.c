// SPDX-License-Identifier: GPL-2.0
/* Steers UDP frames by destination port to a chosen socket and passes
 * everything else (ARP, ICMP, other ports) to the kernel stack, so the peer's
 * ping keeps working while a port's traffic goes to AF_XDP. A port routed to
 * an empty index is dropped and counted as NO_SOCKET: the spec's "empty
 * XSKMAP index" pitfall, shown rather than hidden by handing the frames to
 * the stack. */
#include "ringside.h"

/* UDP destination port (host order) to XSKMAP index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
} port_to_socket SEC(".maps");

SEC(RINGSIDE_XDP_SECTION)
int ringside_steer_by_port(struct xdp_md *ctx)
{
	int destination = ringside_udp_destination(ctx);
	__u16 port;
	__u32 *index;

	if (destination < 0)
		return ringside_pass();
	port = destination;
	index = bpf_map_lookup_elem(&port_to_socket, &port);
	if (index)
		return ringside_redirect(ctx, *index, XDP_DROP);
	return ringside_pass();
}

char LICENSE[] SEC("license") = "GPL";
