import { type SocketHolder, socketHolders } from '../attach/procfs.ts';
import { kernelHasEnumerator } from '../host/btf-enumerators.ts';
import { NativeError } from '../native/errors.ts';
import { ifNameToIndex } from '../native/libc.ts';
import { readNetdevQueues } from '../native/netdev-features.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import { dumpXsks } from '../native/sock-diag.ts';

/**
 * Who keeps a queue bound when a bind is refused with EBUSY: the kernel
 * frees a queue only with the last reference to its socket, so a socket
 * its creator closed stays bound while another process holds a duplicate of
 * its fd (pidfd_getfd, SCM_RIGHTS, fork) or a mapping of its rings.
 */

export type QueueOccupants =
  | { known: false; reason: string }
  | { known: true; inodes: number[]; holders: SocketHolder[] };

const queueKey = (namespacePath: string | null, ifname: string, queueId: number) =>
  `${namespacePath ?? ''}\0${ifname}\0${queueId}`;

/** The inode of the socket this agent last closed on each queue: what may still hold it where xsk_diag cannot say. */
const closedHere = new Map<string, number>();

/** Called as this agent closes a socket bound to `ifname`'s queue (`inode`: its socket:[N]). */
export function noteClosedSocket(namespacePath: string | null, ifname: string, queueId: number, inode: number): void {
  closedHere.set(queueKey(namespacePath, ifname, queueId), inode);
}

/**
 * The XSKs bound to `ifname`'s queue in the namespace at `namespacePath`,
 * and every process with an fd on them: from xsk_diag where the kernel has
 * it, else the socket this agent closed there last, which is the one still
 * bound when a same-queue reconfiguration is refused, and none when the
 * netdev queue objects show the queue free.
 */
export function queueOccupants(namespacePath: string | null, ifname: string, queueId: number): QueueOccupants {
  const dump = dumpXsks(namespacePath);
  // Else a queue freed since the refusal would be said to be held by a socket no one can name.
  if (!dump.available && queueHasXsk(namespacePath, ifname, queueId) === false) {
    return { known: true, inodes: [], holders: [] };
  }
  const closed = closedHere.get(queueKey(namespacePath, ifname, queueId));
  const inodes = dump.available
    ? dump.sockets.filter((socket) => socket.ifname === ifname && socket.queueId === queueId).map((s) => s.inode)
    : closed === undefined
      ? []
      : [closed];
  if (!dump.available && inodes.length === 0) return { known: false, reason: dump.reason };
  const holders = socketHolders(new Set(inodes));
  // Without xsk_diag a socket closed here and held nowhere is not known to be the one bound: nothing to name.
  if (!dump.available && holders.length === 0) return { known: false, reason: dump.reason };
  return { known: true, inodes, holders };
}

/**
 * Whether an XSK is bound to the queue, from the netdev family's queue
 * objects, which say so but not which socket; null where they cannot. A
 * kernel without their xsk attribute (NETDEV_A_QUEUE_XSK, Linux 6.12) shows
 * every queue free: its BTF says whether it has it, and without BTF nothing
 * is taken as free.
 */
function queueHasXsk(namespacePath: string | null, ifname: string, queueId: number): boolean | null {
  if (kernelHasEnumerator('NETDEV_A_QUEUE_XSK') !== true) return null;
  return inNetworkNamespace(namespacePath, () => {
    const ifindex = ifNameToIndex(ifname);
    let queues: ReturnType<typeof readNetdevQueues> = null;
    try {
      queues = ifindex === 0 ? null : readNetdevQueues(ifindex);
    } catch (error) {
      // Gone since its name was looked up (ENODEV): this answers a refusal's message and must not replace it.
      if (!(error instanceof NativeError)) throw error;
    }
    // A queue not listed (the interface down, or gone) is not known to be free.
    const listed = queues?.filter((queue) => queue.id === queueId) ?? [];
    return listed.length === 0 ? null : listed.some((queue) => queue.xsk);
  });
}

function holderName(holder: SocketHolder, ownPid: number): string {
  const who = holder.pid === ownPid ? 'this agent' : (holder.command ?? 'exited since');
  return `pid ${holder.pid} (${who}) fd ${holder.fd}`;
}

/** Why the queue is still busy and what to do, for a refusal's message. */
export function explainBusyQueue(
  ifname: string,
  queueId: number,
  occupants: QueueOccupants,
  ownPid = process.pid,
): string {
  const queue = `queue ${queueId} of ${ifname}`;
  if (!occupants.known) {
    return `${queue} is still bound to an AF_XDP socket, which this kernel cannot name (${occupants.reason}): a process holding a duplicate of a closed socket's fd keeps it bound; find the socket's holders under /proc/*/fd, close or stop them, and try again`;
  }
  if (occupants.inodes.length === 0) return `${queue} has just been freed: try again`;
  const sockets = occupants.inodes.map((inode) => `socket:[${inode}]`).join(', ');
  if (occupants.holders.length === 0) {
    return `${queue} is still bound to ${sockets}, which no process holds by fd: a mapping of its rings keeps it alive (grep its inode in /proc/*/maps); unmap it or stop that process, and try again`;
  }
  const holders = occupants.holders.map((holder) => holderName(holder, ownPid)).join(', ');
  const others = [...new Set(occupants.holders.map((holder) => holder.pid).filter((pid) => pid !== ownPid))];
  return `${queue} is still bound to ${sockets}, kept alive by ${holders}: the kernel frees a queue only when every fd of its socket and every mapping of its rings is closed. Another Ringside agent watching the socket lets go once it sees the owner close it; any other holder must close it${others.length > 0 ? ` or stop (kill ${others.join(' ')})` : ''}, then try again`;
}
