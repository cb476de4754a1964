import { closeSync, openSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { rawSyscalls, viewAt } from '../src/native/libc.ts';
import {
  mapRingReadOnly,
  RING_ENTRY_BYTES,
  type RingName,
  readMmapOffsets,
  ringMappingExtent,
  unmapRing,
} from '../src/native/xsk-mapping.ts';
import { ringExtent } from '../src/xsk/ring-extent.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { fillIsFull, startLabSocket } from './lab-sockets.ts';

const noop = () => {};

describeKernel('an XSK seen through its file descriptor alone', () => {
  let lab: Lab;
  let source: TrafficSource;
  let socket: ManagedSocket | null = null;

  beforeEach(async () => {
    lab = Lab.create(1);
    source = await TrafficSource.start(lab, { ratePps: 20_000, frameLength: 64, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await source?.stop();
    lab?.destroy();
  });

  it('bounds every ring by the longest mapping the kernel accepts', async () => {
    socket = await startLabSocket(lab, 'rxdrop', {
      umem: { fillSize: 4096, completionSize: 2048 },
      socket: { rxSize: 2048, txSize: 64 },
    });
    const fd = socket.socket.fd;
    const offsets = readMmapOffsets(fd);
    if (!offsets) throw new Error('an XSK must answer XDP_MMAP_OFFSETS');
    const page = rawSyscalls.getpagesize();
    const sizes: Record<RingName, number> = { rx: 2048, tx: 64, fill: 4096, completion: 2048 };
    for (const ring of Object.keys(sizes) as RingName[]) {
      const extent = ringExtent(ringMappingExtent(fd, ring), offsets[ring].desc, RING_ENTRY_BYTES[ring], page);
      expect(extent.candidates, ring).toContain(sizes[ring]);
      // More than a page of entries names the count; 64 descriptors share their page with smaller counts.
      expect(extent.exact, ring).toBe(sizes[ring] * RING_ENTRY_BYTES[ring] > page);
    }
  });

  it('has no ring where the socket was made without one', async () => {
    socket = await startLabSocket(lab, 'rxdrop', { socket: { txSize: 0 } });
    expect(ringMappingExtent(socket.socket.fd, 'tx')).toBe(0);
    expect(ringMappingExtent(socket.socket.fd, 'rx')).toBeGreaterThan(0);
  });

  it('maps the live words the owner uses, read-only', async () => {
    socket = await startLabSocket(lab, 'rxdrop');
    const running = socket;
    await fillIsFull(running, 2048);
    const fd = running.socket.fd;
    const offsets = readMmapOffsets(fd);
    if (!offsets) throw new Error('an XSK must answer XDP_MMAP_OFFSETS');
    const length = ringMappingExtent(fd, 'rx');
    const address = mapRingReadOnly(fd, 'rx', length);
    try {
      const producer = new Uint32Array(viewAt(address + offsets.rx.producer, 4));
      source.resume();
      await waitFor(() => (producer[0] as number) > 1000, 10_000, 'the RX producer to move in the read-only mapping');
      source.pause();
      // Once traffic stops, the owner's mapping and ours hold the same word.
      await waitFor(
        () => running.observe().rings.rx?.producer === producer[0],
        20_000,
        'the owner and the watcher to agree on the RX producer',
      );
    } finally {
      unmapRing(address, length);
    }
  });

  it('tells other file descriptors from an XSK', () => {
    const file = openSync('/dev/null', 'r');
    const udp = rawSyscalls.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
    try {
      expect(readMmapOffsets(file)).toBeNull();
      expect(readMmapOffsets(udp)).toBeNull();
    } finally {
      closeSync(file);
      rawSyscalls.close(udp);
    }
  });
});
