import { afterEach, expect, it } from 'vitest';
import { socketInode } from '../src/attach/procfs.ts';
import {
  explainBusyQueue,
  noteClosedSocket,
  type QueueOccupants,
  queueOccupants,
} from '../src/engine/queue-holders.ts';
import { kernelHasEnumerator } from '../src/host/btf-enumerators.ts';
import { Lab } from '../src/lab/lab.ts';
import { dumpXsks } from '../src/native/sock-diag.ts';
import { BareSocket } from './bare-socket.ts';
import { FdHolder } from './fd-holder.ts';
import { everyStep, gated, waitFor } from './kernel.ts';
import { XskOwner } from './xsk-owner.ts';

const FREE: QueueOccupants = { known: true, inodes: [], holders: [] };

/** The fallback runs only where the kernel has no xsk_diag (CONFIG_XDP_SOCKETS_DIAG), as on this project's machines. */
function missing(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  // Without xsk_diag, a free queue is known free only from the queue objects' xsk attribute (Linux 6.12).
  if (kernelHasEnumerator('NETDEV_A_QUEUE_XSK') !== true) return 'no NETDEV_A_QUEUE_XSK in the kernel BTF';
  return dumpXsks(null).available ? 'this kernel has xsk_diag: queueOccupants asks it instead' : null;
}

gated(missing()).describe("A queue's occupants without xsk_diag", () => {
  let lab: Lab | null = null;
  let holder: FdHolder | null = null;
  let owner: XskOwner | null = null;
  let socket: BareSocket | null = null;

  afterEach(async () => {
    await holder?.release();
    await owner?.stop();
    everyStep([() => socket?.destroy(), () => lab?.destroy()]);
    holder = null;
    owner = null;
    socket = null;
    lab = null;
  });

  it('names the other process holding a socket closed here as its queue’s occupant, and none once it lets go', async () => {
    lab = Lab.create(2);
    const { appNamespacePath: namespace, appIfname: ifname } = lab;
    const closing = BareSocket.open(namespace, ifname, 0, 'receiver');
    socket = closing;
    const inode = socketInode(process.pid, closing.fd) as number;
    holder = await FdHolder.hold(closing.fd);
    noteClosedSocket(namespace, ifname, 0, inode);
    closing.destroy();
    socket = null;

    // Still bound, by the duplicate alone: the kernel refuses another socket there.
    expect(() => BareSocket.open(namespace, ifname, 0, 'receiver')).toThrow(/EBUSY/);
    expect(queueOccupants(namespace, ifname, 0)).toEqual({
      known: true,
      inodes: [inode],
      holders: [expect.objectContaining({ pid: holder.pid, fd: holder.fd })],
    });
    expect(queueOccupants(namespace, ifname, 1)).toEqual(FREE);

    await holder.release();
    // The kernel frees the queue after the last fd goes, not within the close.
    await waitFor(() => queueOccupants(namespace, ifname, 0).known, 5_000, 'queue 0 freed');
    expect(queueOccupants(namespace, ifname, 0)).toEqual(FREE);
  });

  it('says that a socket another process bound cannot be named, and names none on a free queue beside it', async () => {
    lab = Lab.create(2);
    const { appNamespacePath: namespace, appIfname: ifname } = lab;
    owner = await XskOwner.start(lab.appNamespace, ifname, [0]);

    const occupied = queueOccupants(namespace, ifname, 0);
    expect(occupied).toEqual({ known: false, reason: expect.stringMatching(/xsk_diag/) });
    expect(explainBusyQueue(ifname, 0, occupied)).toMatch(
      new RegExp(`queue 0 of ${ifname} is still bound to an AF_XDP socket, which this kernel cannot name`),
    );
    expect(queueOccupants(namespace, ifname, 1)).toEqual(FREE);
    expect(explainBusyQueue(ifname, 1, FREE)).toBe(`queue 1 of ${ifname} has just been freed: try again`);
  });
});
