import { constants } from 'node:os';
import koffi from 'koffi';
import { NativeError } from './errors.ts';
import { rawSyscalls } from './libc.ts';
import {
  AF_NETLINK,
  absorbDatagram,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  encodeGenlRequest,
  familyIdOf,
  GENL_ID_CTRL,
  NETDEV_A_DEV_IFINDEX,
  NETDEV_A_QUEUE_IFINDEX,
  NETDEV_CMD_DEV_GET,
  NETDEV_CMD_QUEUE_GET,
  NETDEV_FAMILY_NAME,
  NETDEV_FAMILY_VERSION,
  NETLINK_GENERIC,
  type NetdevDevice,
  type NetdevQueue,
  type NetlinkMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  netdevDeviceOf,
  netdevQueueOf,
  type ReplyProgress,
  splitMessages,
  stringAttribute,
  u32Attribute,
} from './netlink-messages.ts';
import { SO_RCVTIMEO, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET } from './uapi.ts';

export type { NetdevDevice, NetdevQueue, XdpFeatures } from './netlink-messages.ts';

const { socket: socketRaw, close: closeRaw, setsockopt, sendto, recv } = rawSyscalls;

/** recv returns the datagram's full length even when it did not fit, so a cut-off reply is noticed. */
const MSG_TRUNC = 0x20;
const { EINTR, EAGAIN, ENOENT, ENODEV } = constants.errno;

/** The kernel answers in microseconds; a second means it never will. */
const REPLY_TIMEOUT_MS = 1000;
/** The kernel fills a netlink datagram with at most 32 KiB; twice that fits any reply. */
const RECEIVE_BUFFER = 64 * 1024;

let lastSeq = 0;

function fail(operation: string, errno: number, hint?: string): never {
  throw new NativeError(operation, errno, hint);
}

/** A netlink socket of `protocol` in the calling thread's network namespace, closed after `work`. */
export function withNetlinkSocket<T>(protocol: number, work: (fd: number) => T): T {
  const fd = socketRaw(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) fail(`socket(AF_NETLINK, ${protocol})`, koffi.errno());
  try {
    const timeout = Buffer.alloc(16);
    timeout.writeBigInt64LE(BigInt(Math.floor(REPLY_TIMEOUT_MS / 1000)), 0);
    timeout.writeBigInt64LE(BigInt((REPLY_TIMEOUT_MS % 1000) * 1000), 8);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length) !== 0) {
      fail('setsockopt(SO_RCVTIMEO)', koffi.errno());
    }
    return work(fd);
  } finally {
    closeRaw(fd);
  }
}

/** Sends one request and gathers its reply up to the ACK (or a dump's NLMSG_DONE). Returns the errno the kernel answered with, or 0. */
export function transact(
  fd: number,
  what: string,
  build: (seq: number) => Buffer,
): { replies: NetlinkMessage[]; errno: number } {
  const seq = ++lastSeq;
  const request = build(seq);
  // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }: port 0 is the kernel.
  const kernel = Buffer.alloc(12);
  kernel.writeUInt16LE(AF_NETLINK, 0);
  if (sendto(fd, request, request.length, 0, kernel, kernel.length) !== request.length) {
    fail(`sendto (${what})`, koffi.errno());
  }
  const buffer = Buffer.alloc(RECEIVE_BUFFER);
  let progress: ReplyProgress = { replies: [], finished: false, errno: 0 };
  while (!progress.finished) {
    const received = Number(recv(fd, buffer, buffer.length, MSG_TRUNC));
    if (received < 0) {
      const errno = koffi.errno();
      if (errno === EINTR) continue;
      fail(`recv (${what})`, errno, errno === EAGAIN ? `no reply within ${REPLY_TIMEOUT_MS} ms` : undefined);
    }
    if (received > buffer.length) throw new Error(`${what}: a ${received}-byte reply did not fit the buffer`);
    // Copied: the next recv reuses the buffer, and replies keep views into it.
    progress = absorbDatagram(progress, splitMessages(Buffer.from(buffer.subarray(0, received))), seq);
  }
  return { replies: progress.replies, errno: progress.errno };
}

/** The id the kernel gave a generic netlink family, or null when it has no such family. */
function resolveFamily(fd: number, name: string): number | null {
  const { replies, errno } = transact(fd, `CTRL_CMD_GETFAMILY ${name}`, (seq) =>
    encodeGenlRequest({
      familyId: GENL_ID_CTRL,
      command: CTRL_CMD_GETFAMILY,
      version: 1,
      seq,
      flags: NLM_F_ACK,
      attributes: [stringAttribute(CTRL_ATTR_FAMILY_NAME, name)],
    }),
  );
  if (errno === ENOENT) return null;
  if (errno !== 0) fail(`CTRL_CMD_GETFAMILY ${name}`, errno);
  return familyIdOf(replies);
}

/**
 * What the driver of interface `ifindex` implements of XDP and of the RX
 * metadata kfuncs, from the kernel's `netdev` generic netlink family (Linux
 * 6.3+): one NETDEV_CMD_DEV_GET. null when the kernel has no such family; an
 * unknown ifindex is a NativeError (ENODEV).
 *
 * The netlink socket opens in the calling thread's network namespace, and
 * ifindexes are per namespace: to ask about an interface of a lab namespace,
 * call this inside `inNetworkNamespace('/run/netns/NAME', () => ...)`.
 */
export function readNetdevDevice(ifindex: number): NetdevDevice | null {
  return withNetlinkSocket(NETLINK_GENERIC, (fd) => {
    const familyId = resolveFamily(fd, NETDEV_FAMILY_NAME);
    if (familyId === null) return null;
    const what = `NETDEV_CMD_DEV_GET ifindex ${ifindex}`;
    const { replies, errno } = transact(fd, what, (seq) =>
      encodeGenlRequest({
        familyId,
        command: NETDEV_CMD_DEV_GET,
        version: NETDEV_FAMILY_VERSION,
        seq,
        flags: NLM_F_ACK,
        attributes: [u32Attribute(NETDEV_A_DEV_IFINDEX, ifindex)],
      }),
    );
    if (errno !== 0) fail(what, errno, errno === ENODEV ? 'no such interface in this network namespace' : undefined);
    const device = replies[0] ? netdevDeviceOf(replies[0]) : null;
    if (device === null) throw new Error(`${what}: the reply carries no NETDEV_A_DEV_XDP_FEATURES`);
    return device;
  });
}

/**
 * The RX and TX queues of interface `ifindex` and whether an XSK is bound to
 * each, from the netdev family's queue objects; null when the kernel has no
 * netdev family or no queue objects (before 6.8). Like readNetdevDevice, it
 * asks in the calling thread's network namespace.
 */
export function readNetdevQueues(ifindex: number): NetdevQueue[] | null {
  return withNetlinkSocket(NETLINK_GENERIC, (fd) => {
    const familyId = resolveFamily(fd, NETDEV_FAMILY_NAME);
    if (familyId === null) return null;
    const what = `NETDEV_CMD_QUEUE_GET dump ifindex ${ifindex}`;
    const { replies, errno } = transact(fd, what, (seq) =>
      encodeGenlRequest({
        familyId,
        command: NETDEV_CMD_QUEUE_GET,
        version: NETDEV_FAMILY_VERSION,
        seq,
        flags: NLM_F_DUMP,
        attributes: [u32Attribute(NETDEV_A_QUEUE_IFINDEX, ifindex)],
      }),
    );
    // EOPNOTSUPP: a kernel whose netdev family has no queue command.
    if (errno === constants.errno.EOPNOTSUPP) return null;
    if (errno !== 0) fail(what, errno, errno === ENODEV ? 'no such interface in this network namespace' : undefined);
    return replies.flatMap((reply) => netdevQueueOf(reply) ?? []);
  });
}
