import type { DumpedXsk } from '../native/sock-diag.ts';
import type { DeviceReadings, KernelReadings } from './kernel-view.ts';

/** Readings for unit tests of the kernel's view (kernel-view.ts), and of what is built on it. */
export const PAGE = 4096;

/** rs-app with Ringside's program in SKB mode; the socket on queue 0, the only one with an XSK. */
export function device(overrides: Partial<DeviceReadings> = {}): DeviceReadings {
  return {
    ifname: 'rs-app',
    attachedXdp: { mode: 'skb', programId: 42 },
    queues: [
      { id: 0, type: 'rx', xsk: true },
      { id: 1, type: 'rx', xsk: false },
      { id: 0, type: 'tx', xsk: true },
    ],
    queueId: 0,
    ...overrides,
  };
}

/** A bound rxdrop socket's readings, as this kernel gives them (no xsk_diag): 2048-entry rings, nothing received. */
export function readings(overrides: Partial<KernelReadings> = {}): KernelReadings {
  return {
    readAt: 1,
    pageSize: PAGE,
    rings: {
      rx: { mappedBytes: 2048 * 16 + PAGE, descOffset: 256 },
      tx: { mappedBytes: 2048 * 16 + PAGE, descOffset: 256 },
      fill: { mappedBytes: 2048 * 8 + PAGE, descOffset: 256 },
      completion: { mappedBytes: 2048 * 8 + PAGE, descOffset: 256 },
    },
    zeroCopy: false,
    diag: { missing: 'the kernel has no xsk_diag' },
    device: device(),
    flags: { fill: 0, tx: 1 },
    rxAddresses: [],
    ...overrides,
  };
}

/** A bound socket as xsk_diag lists it: rs-app queue 0, 2048-entry rings, a 4096-byte-chunk UMEM of 2048 frames. */
export function diagSocket(
  overrides: Partial<DumpedXsk> = {},
  umem: Partial<NonNullable<DumpedXsk['umem']>> = {},
): DumpedXsk {
  return {
    inode: 1,
    ifindex: 3,
    queueId: 0,
    rings: { rx: 2048, tx: 2048, fill: 2048, completion: 2048 },
    umem: {
      id: 1,
      size: 1 << 23,
      pages: 2048,
      chunkSize: 4096,
      headroom: 0,
      ifindex: 3,
      queueId: 0,
      zeroCopy: false,
      refs: 1,
      ...umem,
    },
    ifname: 'rs-app',
    ...overrides,
  };
}
