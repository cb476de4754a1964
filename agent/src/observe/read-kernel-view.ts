import { basename } from 'node:path';
import type { KernelView } from '@ringside/shared';
import { describeInterface } from '../host/interfaces.ts';
import { rawSyscalls, readZeroCopy, viewAt } from '../native/libc.ts';
import { readNetdevQueues } from '../native/netdev-features.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import {
  type MmapOffsets,
  mapRingReadOnly,
  RING_ENTRY_BYTES,
  type RingName,
  readMmapOffsets,
  ringMappingExtent,
  unmapRing,
} from '../native/xsk-mapping.ts';
import { type KernelReadings, kernelViewOf, type RxAddress } from './kernel-view.ts';

/** Where to ask the kernel about one socket. Nothing of what was requested: only where to look. */
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
}

/** Reads `work` from a read-only mapping of a ring's first `length` bytes, unmapped before returning. */
function withRing<T>(fd: number, ring: RingName, length: number, work: (memory: ArrayBuffer) => T): T {
  const address = mapRingReadOnly(fd, ring, length);
  try {
    return work(viewAt(address, length));
  } finally {
    unmapRing(address, length);
  }
}

function flagsWord(fd: number, ring: RingName, offsets: MmapOffsets, mappedBytes: number): number | null {
  if (mappedBytes === 0) return null;
  return withRing(fd, ring, mappedBytes, (memory) => new Uint32Array(memory, offsets[ring].flags, 1)[0] as number);
}

/**
 * Every RX slot the kernel has written. The application only reads RX, so a
 * slot with a length is a descriptor the kernel wrote, consumed or not;
 * slots never written are zero (the ring is zeroed when made, xskq_create).
 */
function rxAddresses(fd: number, offsets: MmapOffsets, mappedBytes: number): RxAddress[] {
  if (mappedBytes === 0) return [];
  return withRing(fd, 'rx', mappedBytes, (memory) => {
    const slots = Math.floor((mappedBytes - offsets.rx.desc) / RING_ENTRY_BYTES.rx);
    // struct xdp_desc { __u64 addr; __u32 len; __u32 options; }: four words per slot.
    const words = new Uint32Array(memory, offsets.rx.desc, slots * 4);
    const addresses: RxAddress[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const low = words[slot * 4] as number;
      const high = words[slot * 4 + 1] as number;
      if (words[slot * 4 + 2] === 0) continue;
      // The top 16 bits carry the unaligned-mode offset; the rest is the base address.
      addresses.push({ base: low + (high & 0xffff) * 2 ** 32, offset: high >>> 16 });
    }
    return addresses;
  });
}

/**
 * The kernel's view of a socket, read through its file descriptors, netlink
 * and `ip`: a few dozen map/unmap probes and two netlink requests, so it is
 * read at creation, reconfiguration and on request, never per snapshot.
 */
export function readKernelView(target: KernelViewTarget): KernelView {
  const { fd } = target;
  const offsets = readMmapOffsets(fd);
  if (!offsets) throw new Error(`fd ${fd} is not an XSK`);
  const extent = {
    rx: ringMappingExtent(fd, 'rx'),
    tx: ringMappingExtent(fd, 'tx'),
    fill: ringMappingExtent(fd, 'fill'),
    completion: ringMappingExtent(fd, 'completion'),
  };
  const namespace = target.namespacePath === null ? null : basename(target.namespacePath);
  const device = describeInterface(namespace, target.ifname);
  const queues = device ? inNetworkNamespace(target.namespacePath, () => readNetdevQueues(device.ifindex)) : null;
  const readings: KernelReadings = {
    readAt: Date.now(),
    pageSize: rawSyscalls.getpagesize(),
    rings: {
      rx: { mappedBytes: extent.rx, descOffset: offsets.rx.desc },
      tx: { mappedBytes: extent.tx, descOffset: offsets.tx.desc },
      fill: { mappedBytes: extent.fill, descOffset: offsets.fill.desc },
      completion: { mappedBytes: extent.completion, descOffset: offsets.completion.desc },
    },
    zeroCopy: readZeroCopy(fd),
    ifname: target.ifname,
    attachedXdp: device?.attachedXdp ?? null,
    queues,
    queueId: target.queueId,
    flags: {
      fill: flagsWord(fd, 'fill', offsets, extent.fill),
      tx: flagsWord(fd, 'tx', offsets, extent.tx),
    },
    rxAddresses: rxAddresses(fd, offsets, extent.rx),
  };
  return kernelViewOf(readings);
}
