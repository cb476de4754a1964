/**
 * Generic netlink messages as bytes: building requests and reading replies,
 * with no socket in sight, so that every rule of the format (headers, 4-byte
 * padding, multi-part replies, error messages) is proved by unit tests.
 * netdev-features.ts moves these bytes through a real socket.
 *
 * Numbers are ABI. The netlink and genetlink ones are checked against Debian's
 * headers, the netdev ones against the running kernel's BTF, by
 * agent/test/interfaces.test.ts: Debian 12's headers predate linux/netdev.h.
 */

/** include/uapi/linux/netlink.h */
export const AF_NETLINK = 16;
export const NETLINK_GENERIC = 16;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
/** NLM_F_ROOT | NLM_F_MATCH: every object the request's attributes select, ended by NLMSG_DONE. */
export const NLM_F_DUMP = 0x300;
export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
const NLA_F_NESTED = 1 << 15;
const NLA_F_NET_BYTEORDER = 1 << 14;

/** include/uapi/linux/genetlink.h */
export const GENL_HDRLEN = 4;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;

/**
 * include/uapi/linux/netdev.h (Linux 6.3+). Attribute 2 is NETDEV_A_DEV_PAD,
 * the filler the kernel may put before a u64 to align it, so the features
 * mask is attribute 3 and the zero-copy segment limit attribute 4.
 */
export const NETDEV_FAMILY_NAME = 'netdev';
export const NETDEV_FAMILY_VERSION = 1;
export const NETDEV_CMD_DEV_GET = 1;
export const NETDEV_A_DEV_IFINDEX = 1;
export const NETDEV_A_DEV_PAD = 2;
export const NETDEV_A_DEV_XDP_FEATURES = 3;
export const NETDEV_A_DEV_XDP_ZC_MAX_SEGS = 4;
/** Which RX metadata kfuncs the driver implements (Linux 6.7): enum netdev_xdp_rx_metadata. */
export const NETDEV_A_DEV_XDP_RX_METADATA_FEATURES = 5;
export const NETDEV_XDP_RX_METADATA_TIMESTAMP = 1;
export const NETDEV_XDP_RX_METADATA_HASH = 2;
export const NETDEV_XDP_RX_METADATA_VLAN_TAG = 4;
/** The queue objects (Linux 6.8+; NETDEV_A_QUEUE_XSK, an empty nest on a queue an XSK is bound to, since 6.12). */
export const NETDEV_CMD_QUEUE_GET = 10;
export const NETDEV_A_QUEUE_ID = 1;
export const NETDEV_A_QUEUE_IFINDEX = 2;
export const NETDEV_A_QUEUE_TYPE = 3;
export const NETDEV_A_QUEUE_XSK = 7;
export const NETDEV_QUEUE_TYPE_RX = 0;
export const NETDEV_QUEUE_TYPE_TX = 1;
export const NETDEV_XDP_ACT_BASIC = 1;
export const NETDEV_XDP_ACT_REDIRECT = 2;
export const NETDEV_XDP_ACT_NDO_XMIT = 4;
export const NETDEV_XDP_ACT_XSK_ZEROCOPY = 8;
export const NETDEV_XDP_ACT_HW_OFFLOAD = 16;
export const NETDEV_XDP_ACT_RX_SG = 32;
export const NETDEV_XDP_ACT_NDO_XMIT_SG = 64;
/** The AF_XDP TX metadata a driver offloads (Linux 6.8; launch time 6.15): a u64 mask of enum netdev_xsk_flags. */
export const NETDEV_A_DEV_XSK_FEATURES = 6;
export const NETDEV_XSK_FLAGS_TX_TIMESTAMP = 1;
export const NETDEV_XSK_FLAGS_TX_CHECKSUM = 2;
export const NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO = 4;

const align4 = (length: number) => (length + 3) & ~3;

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Everything after the 16-byte header, without the trailing padding. */
  payload: Buffer;
}

/** One attribute: header, payload, and zeros up to the next multiple of 4. nla_len leaves the padding out. */
export function encodeAttribute(type: number, payload: Buffer): Buffer {
  const length = NLA_HDRLEN + payload.length;
  const attribute = Buffer.alloc(align4(length));
  attribute.writeUInt16LE(length, 0);
  attribute.writeUInt16LE(type, 2);
  payload.copy(attribute, NLA_HDRLEN);
  return attribute;
}

export function u32Attribute(type: number, value: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(value, 0);
  return encodeAttribute(type, payload);
}

/** NLA_NUL_STRING: the kernel compares the terminating NUL too. */
export function stringAttribute(type: number, value: string): Buffer {
  return encodeAttribute(type, Buffer.from(`${value}\0`, 'utf8'));
}

export interface GenlRequest {
  familyId: number;
  command: number;
  version: number;
  seq: number;
  attributes: readonly Buffer[];
  /** NLM_F_REQUEST is always set; NLM_F_ACK makes the end of every reply an NLMSG_ERROR, so no reply is ambiguous. */
  flags?: number;
}

/** nlmsghdr + genlmsghdr + attributes. The port id stays 0: the kernel fills in ours. */
export function encodeGenlRequest(request: GenlRequest): Buffer {
  const header = Buffer.alloc(NLMSG_HDRLEN + GENL_HDRLEN);
  const message = Buffer.concat([header, ...request.attributes]);
  message.writeUInt32LE(message.length, 0);
  message.writeUInt16LE(request.familyId, 4);
  message.writeUInt16LE(NLM_F_REQUEST | (request.flags ?? 0), 6);
  message.writeUInt32LE(request.seq, 8);
  message.writeUInt32LE(0, 12);
  message.writeUInt8(request.command, NLMSG_HDRLEN);
  message.writeUInt8(request.version, NLMSG_HDRLEN + 1);
  return message;
}

/** Splits one datagram into its messages. A length that runs past the datagram means it was cut short. */
export function splitMessages(datagram: Buffer): NetlinkMessage[] {
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= datagram.length) {
    const length = datagram.readUInt32LE(offset);
    if (length < NLMSG_HDRLEN || offset + length > datagram.length) {
      throw new Error(`malformed netlink message: length ${length} at offset ${offset} of ${datagram.length}`);
    }
    messages.push({
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      seq: datagram.readUInt32LE(offset + 8),
      pid: datagram.readUInt32LE(offset + 12),
      payload: datagram.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    offset += align4(length);
  }
  return messages;
}

/**
 * Attributes by type. The nested and byte-order flag bits are not part of the
 * type. A repeated type keeps its last value, which is all this client needs.
 */
export function parseAttributes(bytes: Buffer): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  let offset = 0;
  while (offset + NLA_HDRLEN <= bytes.length) {
    const length = bytes.readUInt16LE(offset);
    if (length < NLA_HDRLEN || offset + length > bytes.length) {
      throw new Error(`malformed netlink attribute: length ${length} at offset ${offset} of ${bytes.length}`);
    }
    const type = bytes.readUInt16LE(offset + 2) & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER);
    attributes.set(type, bytes.subarray(offset + NLA_HDRLEN, offset + length));
    offset += align4(length);
  }
  return attributes;
}

/** The attributes of a generic netlink message: its payload after the genlmsghdr. */
export function genlAttributes(message: NetlinkMessage): Map<number, Buffer> {
  return parseAttributes(message.payload.subarray(GENL_HDRLEN));
}

/** NLMSG_ERROR carries a negative errno (0 for an ACK), then the request it answers. */
export function errorOf(message: NetlinkMessage): number {
  if (message.payload.length < 4) throw new Error('truncated NLMSG_ERROR');
  const error = message.payload.readInt32LE(0);
  return error === 0 ? 0 : -error;
}

export interface ReplyProgress {
  /** Data messages of the reply so far. */
  replies: NetlinkMessage[];
  /** The kernel said it is done: an ACK, an NLMSG_DONE or an error. */
  finished: boolean;
  /** Positive errno from an NLMSG_ERROR, 0 when none came. */
  errno: number;
}

/**
 * Takes the messages of one datagram into a reply in progress. Messages with
 * another sequence number are stale answers to an earlier request and are
 * skipped. Each datagram starts from the progress the previous one returned.
 */
export function absorbDatagram(
  progress: ReplyProgress,
  messages: readonly NetlinkMessage[],
  seq: number,
): ReplyProgress {
  let { replies, finished, errno } = progress;
  for (const message of messages) {
    if (finished) break;
    if (message.seq !== seq) continue;
    if (message.type === NLMSG_ERROR) {
      errno = errorOf(message);
      finished = true;
    } else if (message.type === NLMSG_DONE) {
      finished = true;
    } else {
      replies = [...replies, message];
    }
  }
  return { replies, finished, errno };
}

export function u16Of(attribute: Buffer | undefined): number | null {
  return attribute && attribute.length >= 2 ? attribute.readUInt16LE(0) : null;
}

export function u32Of(attribute: Buffer | undefined): number | null {
  return attribute && attribute.length >= 4 ? attribute.readUInt32LE(0) : null;
}

export function u64Of(attribute: Buffer | undefined): bigint | null {
  return attribute && attribute.length >= 8 ? attribute.readBigUInt64LE(0) : null;
}

/** The family id in a CTRL_CMD_GETFAMILY reply. */
export function familyIdOf(replies: readonly NetlinkMessage[]): number | null {
  for (const reply of replies) {
    const id = u16Of(genlAttributes(reply).get(CTRL_ATTR_FAMILY_ID));
    if (id !== null) return id;
  }
  return null;
}

/** What a device's driver implements of XDP, as the kernel reports it (enum netdev_xdp_act). */
export interface XdpFeatures {
  /** XDP_ABORTED, XDP_DROP, XDP_PASS and XDP_TX in the driver (native) hook. */
  basic: boolean;
  redirect: boolean;
  /** The device can be the target of an XDP_REDIRECT (ndo_xdp_xmit). */
  ndoXmit: boolean;
  xskZeroCopy: boolean;
  hwOffload: boolean;
  /** Multi-buffer frames on receive. */
  rxSg: boolean;
  ndoXmitSg: boolean;
  /** How many buffers one zero-copy frame may span; 1 without zero-copy multi-buffer. */
  zeroCopyMaxSegments: number;
  /** What the driver does itself with an XSK's TX metadata (xsk-features); null before Linux 6.8, which has none. */
  xsk: XskFeatures | null;
}

/**
 * The TX metadata requests a driver carries out (enum netdev_xsk_flags).
 * Copy mode's software checksum (XDP_UMEM_TX_SW_CSUM) is the kernel's, not
 * the driver's, and shows nowhere here.
 */
export interface XskFeatures {
  txTimestamp: boolean;
  txChecksum: boolean;
  txLaunchTime: boolean;
}

/** The RX metadata kfuncs a device's driver implements (its xdp_metadata_ops). */
export interface XdpRxMetadataFeatures {
  timestamp: boolean;
  hash: boolean;
  vlanTag: boolean;
}

/** What the netdev family says of one device: one NETDEV_CMD_DEV_GET reply. */
export interface NetdevDevice {
  xdp: XdpFeatures;
  /** null when the kernel sends no RX metadata mask (before 6.7). */
  rxMetadata: XdpRxMetadataFeatures | null;
}

type FlagsOf<T> = { [K in keyof T as T[K] extends boolean ? K : never]: number };

const XDP_ACT_BITS: FlagsOf<XdpFeatures> = {
  basic: NETDEV_XDP_ACT_BASIC,
  redirect: NETDEV_XDP_ACT_REDIRECT,
  ndoXmit: NETDEV_XDP_ACT_NDO_XMIT,
  xskZeroCopy: NETDEV_XDP_ACT_XSK_ZEROCOPY,
  hwOffload: NETDEV_XDP_ACT_HW_OFFLOAD,
  rxSg: NETDEV_XDP_ACT_RX_SG,
  ndoXmitSg: NETDEV_XDP_ACT_NDO_XMIT_SG,
};

const XSK_FLAG_BITS: FlagsOf<XskFeatures> = {
  txTimestamp: NETDEV_XSK_FLAGS_TX_TIMESTAMP,
  txChecksum: NETDEV_XSK_FLAGS_TX_CHECKSUM,
  txLaunchTime: NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO,
};

const RX_METADATA_BITS: FlagsOf<XdpRxMetadataFeatures> = {
  timestamp: NETDEV_XDP_RX_METADATA_TIMESTAMP,
  hash: NETDEV_XDP_RX_METADATA_HASH,
  vlanTag: NETDEV_XDP_RX_METADATA_VLAN_TAG,
};

/** A u64 mask attribute read as named flags; null when the kernel did not send it. */
function flagsOf<K extends string>(mask: bigint | null, bits: Record<K, number>): Record<K, boolean> | null {
  if (mask === null) return null;
  const entries = Object.entries<number>(bits).map(([name, bit]) => [name, (mask & BigInt(bit)) !== 0n]);
  return Object.fromEntries(entries) as Record<K, boolean>;
}

/** Decodes a NETDEV_CMD_DEV_GET reply; null when it lacks the XDP features mask. */
export function netdevDeviceOf(reply: NetlinkMessage): NetdevDevice | null {
  const attributes = genlAttributes(reply);
  const mask = (type: number) => u64Of(attributes.get(type));
  const actions = flagsOf(mask(NETDEV_A_DEV_XDP_FEATURES), XDP_ACT_BITS);
  if (actions === null) return null;
  return {
    xdp: {
      ...actions,
      zeroCopyMaxSegments: u32Of(attributes.get(NETDEV_A_DEV_XDP_ZC_MAX_SEGS)) ?? 1,
      xsk: flagsOf(mask(NETDEV_A_DEV_XSK_FEATURES), XSK_FLAG_BITS),
    },
    rxMetadata: flagsOf(mask(NETDEV_A_DEV_XDP_RX_METADATA_FEATURES), RX_METADATA_BITS),
  };
}

/** One queue of a device, from a NETDEV_CMD_QUEUE_GET reply. */
export interface NetdevQueue {
  id: number;
  type: 'rx' | 'tx';
  /** An XSK's buffer pool is registered at this queue (xsk_reg_pool_at_qid, in copy mode too). */
  xsk: boolean;
}

/** Decodes a NETDEV_CMD_QUEUE_GET reply; null when it lacks the queue's id or type. */
export function netdevQueueOf(reply: NetlinkMessage): NetdevQueue | null {
  const attributes = genlAttributes(reply);
  const id = u32Of(attributes.get(NETDEV_A_QUEUE_ID));
  const type = u32Of(attributes.get(NETDEV_A_QUEUE_TYPE));
  if (id === null || (type !== NETDEV_QUEUE_TYPE_RX && type !== NETDEV_QUEUE_TYPE_TX)) return null;
  return { id, type: type === NETDEV_QUEUE_TYPE_RX ? 'rx' : 'tx', xsk: attributes.has(NETDEV_A_QUEUE_XSK) };
}
