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
