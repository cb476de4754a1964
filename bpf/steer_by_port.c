// SPDX-License-Identifier: GPL-2.0
/* Steers UDP frames by destination port to a chosen socket and passes
 * everything else (ARP, ICMP, other ports) to the kernel stack, so the peer's
 * ping keeps working while a port's traffic goes to AF_XDP. A port routed to
 * an empty index is dropped and counted as NO_SOCKET: the spec's "empty
 * XSKMAP index" pitfall, shown rather than hidden by handing the frames to
 * the stack. */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "ringside.h"

/* UDP destination port (host order) to XSKMAP index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
} port_to_socket SEC(".maps");

SEC("xdp")
int ringside_steer_by_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u32 *index;
	__u16 port;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		goto pass;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		goto pass;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		goto pass;
	port = bpf_ntohs(udp->dest);
	index = bpf_map_lookup_elem(&port_to_socket, &port);
	if (index)
		return ringside_redirect(ctx, *index, XDP_DROP);
pass:
	return ringside_pass();
}

char LICENSE[] SEC("license") = "GPL";
