import { ERRNO, NativeError } from './errors.ts';
import { ifIndexToName } from './libc.ts';
import { transact, withNetlinkSocket } from './netdev-features.ts';
import { inNetworkNamespace } from './netns.ts';
import { encodeXskDiagDump, NETLINK_SOCK_DIAG, parseXskDiagMessage, type XskDiagSocket } from './sock-diag-messages.ts';

export type { XskDiagSocket } from './sock-diag-messages.ts';

/** A dumped socket, with its interface's name as its namespace calls it. */
export type DumpedXsk = XskDiagSocket & { ifname: string | null };

export type XskDiagAnswer = { available: true; sockets: DumpedXsk[] } | { available: false; reason: string };

/** Ifindexes are per namespace: called inside the dumped one. */
function interfaceName(ifindex: number | null): string | null {
  return ifindex === null ? null : ifIndexToName(ifindex);
}

/**
 * Why the kernel has no xsk_diag, once it said so. Asking again is not free:
 * for a family with no handler, sock_diag runs request_module, which starts
 * modprobe, on every request; a kernel built without the module stays so.
 */
let missing: string | null = null;

/**
 * Every XSK of one network namespace as xsk_diag reports it (sock_diag dumps
 * the sockets of the namespace its netlink socket lives in), or why it cannot.
 * `namespacePath` is /run/netns/NAME or /proc/PID/ns/net; null is this thread's.
 */
export function dumpXsks(namespacePath: string | null): XskDiagAnswer {
  if (missing !== null) return { available: false, reason: missing };
  try {
    return inNetworkNamespace(namespacePath, () =>
      withNetlinkSocket(NETLINK_SOCK_DIAG, (fd) => {
        const { replies, errno } = transact(fd, 'SOCK_DIAG_BY_FAMILY AF_XDP', encodeXskDiagDump);
        if (errno !== 0) throw new NativeError('SOCK_DIAG_BY_FAMILY AF_XDP', errno);
        const sockets: DumpedXsk[] = [];
        for (const reply of replies) {
          const socket = parseXskDiagMessage(reply);
          if (socket) sockets.push({ ...socket, ifname: interfaceName(socket.ifindex) });
        }
        return { available: true as const, sockets };
      }),
    );
  } catch (error) {
    if (error instanceof NativeError && [ERRNO.ENOENT, ERRNO.EINVAL, ERRNO.EOPNOTSUPP].includes(error.errno)) {
      missing = `the kernel has no xsk_diag (CONFIG_XDP_SOCKETS_DIAG): ${error.code}`;
      return { available: false, reason: missing };
    }
    throw error;
  }
}
