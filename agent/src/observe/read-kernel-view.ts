import { fstatSync } from 'node:fs';
import { type KernelView, RING_KINDS } from '@ringside/shared';
import { ifNameToIndex, rawSyscalls, readZeroCopy } from '../native/libc.ts';
import { readNetdevQueues } from '../native/netdev-features.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import { dumpXsks } from '../native/sock-diag.ts';
import { attachedXdpProgram } from '../native/xdp-program.ts';
import { type MmapOffsets, readMmapOffsets, ringMappingExtent } from '../native/xsk-mapping.ts';
import { baseAddress, type RingMemory, unalignedOffset } from '../xsk/ring.ts';
import { type DeviceReadings, type KernelReadings, kernelViewOf, type RxAddress } from './kernel-view.ts';

/** Where to ask the kernel about one of Ringside's own sockets. Nothing of what was requested: only where to look. */
export interface KernelViewTarget {
  /**
   * The socket's fd: its rings and XDP_OPTIONS. Once bound, its FILL and
   * COMPLETION offsets map the pair it uses (the pool's, xsk_mmap), also for a
   * socket sharing its queue's pair: measured in agent/test/kernel-view.test.ts.
   */
  fd: number;
  ifname: string;
  queueId: number;
  /** /run/netns/NAME of the interface's namespace; null for the agent's own. */
  namespacePath: string | null;
  /** The ring memory the socket is already mapped with: FILL of its pair, its RX and TX (null: made without). */
  rings: { fill: RingMemory; rx: RingMemory | null; tx: RingMemory | null };
}

/** What a socket's fd shows of it, bound or not: each ring's longest read-only mapping and where its descriptors start, and XDP_OPTIONS. */
export type SocketReadings = Pick<KernelReadings, 'readAt' | 'pageSize' | 'rings' | 'zeroCopy'>;

export function socketReadings(fd: number, offsets: MmapOffsets): SocketReadings {
  return {
    readAt: Date.now(),
    pageSize: rawSyscalls.getpagesize(),
    rings: Object.fromEntries(
      RING_KINDS.map((ring) => [ring, { mappedBytes: ringMappingExtent(fd, ring), descOffset: offsets[ring].desc }]),
    ) as KernelReadings['rings'],
    zeroCopy: readZeroCopy(fd),
  };
}

/**
 * Every RX slot the kernel has written. The application only reads RX, so a
 * slot with a length is a descriptor the kernel wrote, consumed or not;
 * slots never written are zero (the ring is zeroed when made, xskq_create).
 */
export function rxAddresses(rx: RingMemory | null): RxAddress[] {
  if (rx === null) return [];
  const addresses: RxAddress[] = [];
  // struct xdp_desc { __u64 addr; __u32 len; __u32 options; }: four words per slot.
  for (let slot = 0; slot < rx.size; slot++) {
    const low = rx.entries[slot * 4] as number;
    const high = rx.entries[slot * 4 + 1] as number;
    if (rx.entries[slot * 4 + 2] === 0) continue;
    addresses.push({ base: baseAddress(low, high), offset: unalignedOffset(high) });
  }
  return addresses;
}

/** The interface's program and queues, by netlink in its namespace: the requests `ip -d link` and `ynl` make, without a process. */
function deviceReadings(target: KernelViewTarget): DeviceReadings {
  return inNetworkNamespace(target.namespacePath, () => {
    const ifindex = ifNameToIndex(target.ifname);
    if (ifindex === 0) throw new Error(`there is no interface ${target.ifname}`);
    return {
      ifname: target.ifname,
      attachedXdp: attachedXdpProgram(ifindex),
      queues: readNetdevQueues(ifindex),
      queueId: target.queueId,
    };
  });
}

/**
 * The kernel's view of one of Ringside's own sockets: a few dozen map/unmap
 * probes of its ring offsets, three netlink requests and the flags and RX
 * words of rings already mapped; so it is read at creation, reconfiguration
 * and on request, never per snapshot. xsk_diag is asked too, where the kernel
 * has it (sock-diag.ts remembers a kernel without it, and asks once).
 */
export function readKernelView(target: KernelViewTarget): KernelView {
  const { fd, rings } = target;
  const offsets = readMmapOffsets(fd);
  if (!offsets) throw new Error(`fd ${fd} is not an XSK`);
  const dump = dumpXsks(target.namespacePath);
  const inode = fstatSync(fd).ino;
  const listed = dump.available ? dump.sockets.find((socket) => socket.inode === inode) : undefined;
  const readings: KernelReadings = {
    ...socketReadings(fd, offsets),
    diag: listed
      ? { socket: listed }
      : { missing: dump.available ? `xsk_diag does not list socket inode ${inode}` : dump.reason },
    device: deviceReadings(target),
    flags: { fill: rings.fill.flags[0] as number, tx: rings.tx ? (rings.tx.flags[0] as number) : null },
    rxAddresses: rxAddresses(rings.rx),
  };
  return kernelViewOf(readings);
}
