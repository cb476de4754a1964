// SPDX-License-Identifier: GPL-2.0
/* The spec's default program: a frame goes to the socket registered at its
 * receive queue's index, and to the kernel stack when there is none. */
#include "ringside.h"

SEC("xdp")
int ringside_by_queue(struct xdp_md *ctx)
{
	return ringside_redirect(ctx, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
