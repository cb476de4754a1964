import { type NetlinkMessage, NLMSG_HDRLEN, parseAttributes, u32Of } from './netlink-messages.ts';
import { AF_XDP } from './uapi.ts';

/**
 * The xsk_diag dump (CONFIG_XDP_SOCKETS_DIAG, module xsk_diag) as bytes:
 * the request that asks a network namespace for every XSK it has, and the
 * reader of each socket's reply. No socket here; sock-diag.ts moves the
 * bytes. Layouts from include/uapi/linux/xdp_diag.h and sock_diag.h.
 */

/** include/uapi/linux/netlink.h and sock_diag.h */
export const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x01;
/** NLM_F_ROOT | NLM_F_MATCH: every socket of the family, ended by NLMSG_DONE. */
const NLM_F_DUMP = 0x300;

/** xdp_diag_req.xdiag_show */
export const XDP_SHOW_INFO = 1 << 0;
export const XDP_SHOW_RING_CFG = 1 << 1;
export const XDP_SHOW_UMEM = 1 << 2;

/** The XDP_DIAG_* attribute types, in the header's order. */
export const XDP_DIAG_INFO = 1;
export const XDP_DIAG_UID = 2;
export const XDP_DIAG_RX_RING = 3;
export const XDP_DIAG_TX_RING = 4;
export const XDP_DIAG_UMEM = 5;
export const XDP_DIAG_UMEM_FILL_RING = 6;
export const XDP_DIAG_UMEM_COMPLETION_RING = 7;
export const XDP_DIAG_MEMINFO = 8;
export const XDP_DIAG_STATS = 9;

/** xdp_diag_umem.flags */
export const XDP_DU_F_ZEROCOPY = 1 << 0;

/** struct xdp_diag_req: family, protocol, pad, ino, show, cookie[2]. */
const XDP_DIAG_REQ_SIZE = 24;
/** struct xdp_diag_msg: family, type, pad, ino, cookie[2]. */
export const XDP_DIAG_MSG_SIZE = 16;

/**
 * nlmsghdr + xdp_diag_req asking for what discovery uses of every XSK in the
 * namespace: interface, queue, ring sizes and UMEM. Not its memory
 * accounting, and not its counters, which XDP_STATISTICS gives live.
 */
export function encodeXskDiagDump(seq: number): Buffer {
  const message = Buffer.alloc(NLMSG_HDRLEN + XDP_DIAG_REQ_SIZE);
  message.writeUInt32LE(message.length, 0);
  message.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  message.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  message.writeUInt32LE(seq, 8);
  message.writeUInt8(AF_XDP, NLMSG_HDRLEN);
  message.writeUInt32LE(XDP_SHOW_INFO | XDP_SHOW_RING_CFG | XDP_SHOW_UMEM, NLMSG_HDRLEN + 8);
  return message;
}

export interface XskDiagUmem {
  id: number;
  size: number;
  pages: number;
  chunkSize: number;
  headroom: number;
  ifindex: number;
  queueId: number;
  zeroCopy: boolean;
  /** Sockets (and the kernel's own holders) sharing it. */
  refs: number;
}

/** One XSK as xsk_diag describes it; null where the kernel sent no such attribute. */
export interface XskDiagSocket {
  inode: number;
  /** 0 while the socket is not bound (xs->dev is NULL). */
  ifindex: number | null;
  queueId: number | null;
  rings: { rx: number | null; tx: number | null; fill: number | null; completion: number | null };
  umem: XskDiagUmem | null;
}

/**
 * struct xdp_diag_umem { __u64 size; __u32 id, num_pages, chunk_size,
 * headroom, ifindex, queue_id, flags, refs; }
 */
function umemOf(attribute: Buffer | undefined): XskDiagUmem | null {
  if (!attribute || attribute.length < 40) return null;
  return {
    size: Number(attribute.readBigUInt64LE(0)),
    id: attribute.readUInt32LE(8),
    pages: attribute.readUInt32LE(12),
    chunkSize: attribute.readUInt32LE(16),
    headroom: attribute.readUInt32LE(20),
    ifindex: attribute.readUInt32LE(24),
    queueId: attribute.readUInt32LE(28),
    zeroCopy: (attribute.readUInt32LE(32) & XDP_DU_F_ZEROCOPY) !== 0,
    refs: attribute.readUInt32LE(36),
  };
}

/** One reply message of the dump; null for a message of another family or type. */
export function parseXskDiagMessage(message: NetlinkMessage): XskDiagSocket | null {
  if (message.type !== SOCK_DIAG_BY_FAMILY || message.payload.length < XDP_DIAG_MSG_SIZE) return null;
  const header = message.payload;
  if (header.readUInt8(0) !== AF_XDP) return null;
  const attributes = parseAttributes(header.subarray(XDP_DIAG_MSG_SIZE));
  const info = attributes.get(XDP_DIAG_INFO);
  const ifindex = u32Of(info);
  return {
    inode: header.readUInt32LE(4),
    ifindex: ifindex === 0 ? null : ifindex,
    queueId: ifindex === 0 || !info || info.length < 8 ? null : info.readUInt32LE(4),
    rings: {
      rx: u32Of(attributes.get(XDP_DIAG_RX_RING)),
      tx: u32Of(attributes.get(XDP_DIAG_TX_RING)),
      fill: u32Of(attributes.get(XDP_DIAG_UMEM_FILL_RING)),
      completion: u32Of(attributes.get(XDP_DIAG_UMEM_COMPLETION_RING)),
    },
    umem: umemOf(attributes.get(XDP_DIAG_UMEM)),
  };
}
