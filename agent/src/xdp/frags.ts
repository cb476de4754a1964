import { XDP_PACKET_HEADROOM } from '@ringside/shared';
import { ETHERNET_HEADER } from '../dataplane/frames.ts';

/**
 * When an XDP program must be frags-aware (SEC("xdp.frags")): a frame that
 * does not fit one buffer reaches only such a program. veth, the lab's
 * driver, refuses to attach any other while the MTU of the end that sends
 * into it is above what one page holds after XDP's headroom and the
 * skb_shared_info at its tail (veth_xdp_set: ERANGE, "Peer MTU is too large
 * to set XDP"); drivers with their own buffers set similar limits.
 */

/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on 64-bit kernels: the tail of every buffer. */
const SKB_SHARED_INFO = 320;

/** The largest MTU at which a program without frags support may run (3506 with 4 KiB pages, as veth computes it). */
export function largestSingleBufferMtu(pageSize: number): number {
  return pageSize - XDP_PACKET_HEADROOM - SKB_SHARED_INFO - ETHERNET_HEADER;
}

/** The frags-aware variant is loaded when a socket asks for multi-buffer, or when the MTU needs it. */
export function needsFrags(mtu: number, pageSize: number, multiBufferSocket: boolean): boolean {
  return multiBufferSocket || mtu > largestSingleBufferMtu(pageSize);
}
