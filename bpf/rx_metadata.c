// SPDX-License-Identifier: GPL-2.0
/* by-queue with the kernel's RX metadata in front of each frame: the three
 * RX metadata kfuncs (Documentation/networking/xdp-rx-metadata.rst) are asked
 * about every frame, and what they answered is written just before the
 * frame's data with bpf_xdp_adjust_meta, where an AF_XDP socket finds it
 * (data - sizeof(struct ringside_rx_metadata)).
 *
 * The kfuncs are only resolved to the driver's implementation for a
 * device-bound program (loaded with BPF_F_XDP_DEV_BOUND_ONLY and the
 * interface's ifindex); the agent loads it that way. */
#include "ringside.h"

/* include/net/xdp.h keeps this enum out of the uapi; the kfunc's BTF names
 * it, so it is declared here with the kernel's name and values. */
enum xdp_rss_hash_type {
	XDP_RSS_L3_IPV4 = 1 << 0,
	XDP_RSS_L3_IPV6 = 1 << 1,
	XDP_RSS_L3_DYNHDR = 1 << 2,
	XDP_RSS_L4 = 1 << 3,
	XDP_RSS_L4_TCP = 1 << 4,
	XDP_RSS_L4_UDP = 1 << 5,
	XDP_RSS_L4_SCTP = 1 << 6,
	XDP_RSS_L4_IPSEC = 1 << 7,
	XDP_RSS_L4_ICMP = 1 << 8,
};

/* net/core/xdp.c: each returns 0, -EOPNOTSUPP when the driver has no such
 * op, or -ENODATA when the driver has none for this frame. */
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx, __be16 *vlan_proto,
					__u16 *vlan_tci) __ksym;

#define RINGSIDE_RX_METADATA_MAGIC 0x5258 /* "RX" */
#define RINGSIDE_RX_METADATA_VERSION 1

enum ringside_rx_metadata_valid {
	RINGSIDE_RX_TIMESTAMP = 1 << 0,
	RINGSIDE_RX_HASH = 1 << 1,
	RINGSIDE_RX_VLAN_TAG = 1 << 2,
};

/*
 * 32 bytes, the most bpf_xdp_adjust_meta allows (xdp_metalen_invalid), in
 * host byte order except vlan_proto, which the kfunc gives in network order.
 * shared/src/rx-metadata.ts decodes it; its offsets follow this layout.
 */
struct ringside_rx_metadata {
	__u16 magic;
	__u8 version;
	__u8 valid; /* enum ringside_rx_metadata_valid: which kfuncs returned 0 */
	__s16 timestamp_result; /* each kfunc's return code, 0 or -errno */
	__s16 hash_result;
	__s16 vlan_tag_result;
	__be16 vlan_proto;
	__u16 vlan_tci;
	__u16 reserved;
	__u32 rx_hash;
	__u32 rx_hash_type; /* enum xdp_rss_hash_type */
	__u64 rx_timestamp;
};

_Static_assert(sizeof(struct ringside_rx_metadata) == 32, "bpf_xdp_adjust_meta takes 32 bytes at most");

SEC(RINGSIDE_XDP_SECTION)
int ringside_rx_metadata(struct xdp_md *ctx)
{
	struct ringside_rx_metadata *meta;
	enum xdp_rss_hash_type hash_type = 0;
	__u64 timestamp = 0;
	__u32 hash = 0;
	__be16 vlan_proto = 0;
	__u16 vlan_tci = 0;
	int timestamp_result, hash_result, vlan_result;
	void *data;

	/* Asked before the meta area moves: the kfuncs read the driver's context, not the frame. */
	timestamp_result = bpf_xdp_metadata_rx_timestamp(ctx, &timestamp);
	hash_result = bpf_xdp_metadata_rx_hash(ctx, &hash, &hash_type);
	vlan_result = bpf_xdp_metadata_rx_vlan_tag(ctx, &vlan_proto, &vlan_tci);

	/* A driver without metadata room (or too little headroom) refuses: the frame then goes bare. */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)) == 0) {
		meta = (void *)(long)ctx->data_meta;
		data = (void *)(long)ctx->data;
		if ((void *)(meta + 1) <= data) {
			meta->magic = RINGSIDE_RX_METADATA_MAGIC;
			meta->version = RINGSIDE_RX_METADATA_VERSION;
			meta->valid = (timestamp_result == 0 ? RINGSIDE_RX_TIMESTAMP : 0) |
				      (hash_result == 0 ? RINGSIDE_RX_HASH : 0) |
				      (vlan_result == 0 ? RINGSIDE_RX_VLAN_TAG : 0);
			meta->timestamp_result = timestamp_result;
			meta->hash_result = hash_result;
			meta->vlan_tag_result = vlan_result;
			meta->vlan_proto = vlan_proto;
			meta->vlan_tci = vlan_tci;
			meta->reserved = 0;
			meta->rx_hash = hash;
			meta->rx_hash_type = hash_type;
			meta->rx_timestamp = timestamp;
		}
	}
	return ringside_redirect(ctx, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
