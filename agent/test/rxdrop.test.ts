import type { SocketConfig, UmemConfig } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { pollReadable } from '../src/native/libc.ts';
import { ringMemoryAt, umemBytesAt } from '../src/native/ring-memory.ts';
import { FillRing, RxRing } from '../src/xsk/ring.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem } from '../src/xsk/umem.ts';
import { describeKernel, sendInRounds, waitFor } from './kernel.ts';
import { fillIsFull } from './lab-sockets.ts';

const umemConfig: UmemConfig = {
  frameCount: 1024,
  frameSize: 4096,
  headroom: 0,
  fillSize: 1024,
  completionSize: 1024,
  unaligned: false,
};

function socketConfig(lab: Lab): SocketConfig {
  return {
    ifname: lab.appIfname,
    queueId: 0,
    rxSize: 1024,
    txSize: 0,
    xdpMode: 'drv',
    copy: true,
    zeroCopy: false,
    needWakeup: true,
    batchSize: 64,
  };
}

const noop = () => {};

describeKernel('one socket on the lab veth', () => {
  let lab: Lab;
  let source: TrafficSource;

  beforeEach(async () => {
    lab = Lab.create(1);
    // Throughput is the benchmark's: here frames go in rounds FILL can always take (see sendInRounds).
    source = await TrafficSource.start(lab, { ratePps: 50_000, frameLength: 200, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    await source?.stop();
    lab?.destroy();
  });

  it('receives exactly the N frames the peer sent, byte for byte, on its RX ring', async () => {
    const umem = Umem.create(umemConfig, lab.appNamespacePath);
    const socket = XskSocket.create(umem, socketConfig(lab), {
      namespacePath: lab.appNamespacePath,
      inhibitProgramLoad: false,
    });
    try {
      const fill = new FillRing(ringMemoryAt(umem.fillLayout, 'address', new Uint32Array(2)));
      const rxLayout = socket.rxLayout;
      if (!rxLayout) throw new Error('no RX ring');
      const rx = new RxRing(ringMemoryAt(rxLayout, 'descriptor', new Uint32Array(2)));
      expect(fill.reserve(umemConfig.frameCount)).toBe(umemConfig.frameCount);
      for (let i = 0; i < umemConfig.frameCount; i++) fill.setAddress(fill.claimIndex + i, i * umemConfig.frameSize);
      fill.submit(umemConfig.frameCount);

      const sent = 500;
      const lengths = [60, 200, 1514];
      const bytes = umemBytesAt(umem.address, umem.length);
      const received: { sequence: number; length: number; defect: string | null }[] = [];
      for (const length of lengths) {
        source.setFrameLength(length);
        source.sendExactly(sent);
        const deadline = Date.now() + 20_000;
        let got = 0;
        while (got < sent && Date.now() < deadline) {
          pollReadable(socket.fd, 100);
          const n = rx.peek(64);
          for (let i = 0; i < n; i++) {
            const index = (rx.claimIndex + i) >>> 0;
            received.push(checkTestFrame(bytes, rx.dataAddress(index), rx.length(index)));
          }
          rx.release(n);
          // Frames go back to FILL so the kernel never runs out while we count.
          if (n > 0 && fill.reserve(n) === n) {
            for (let i = 0; i < n; i++) fill.setAddress(fill.claimIndex + i, rx.baseAddress((rx.claimIndex + i) >>> 0));
            fill.submit(n);
          }
          got += n;
        }
      }
      // The source sent exactly what arrived: nothing more is on its way.
      expect(source.sentFrames).toBe(sent * lengths.length);
      expect(rx.peek(64)).toBe(0);

      expect(received).toHaveLength(sent * lengths.length);
      expect(received.filter((frame) => frame.defect !== null)).toEqual([]);
      expect(received.map((frame) => frame.sequence)).toEqual(Array.from({ length: received.length }, (_, i) => i));
      expect(received.map((frame) => frame.length)).toEqual(lengths.flatMap((length) => Array(sent).fill(length)));
      expect(socket.statistics()).toMatchObject({ rxDropped: 0, rxInvalidDescs: 0, rxRingFull: 0 });
    } finally {
      socket.destroy();
      umem.destroy();
    }
  });

  it('rxdrop in its worker accounts for every frame: RX consumer, FILL producer and totals', async () => {
    const managed = await ManagedSocket.start(
      {
        id: 'rx0',
        umem: umemConfig,
        socket: socketConfig(lab),
        placement: { namespacePath: lab.appNamespacePath, inhibitProgramLoad: false },
        workload: 'rxdrop',
      },
      (error) => {
        throw error;
      },
    );
    try {
      await fillIsFull(managed, umemConfig.fillSize);
      expect(managed.observe().rings.fill.producer).toBe(umemConfig.fillSize);
      const count = 20_000;
      source.setFrameLength(128);
      const rxPackets = () => managed.observe().totals.rxPackets;
      await sendInRounds(count, umemConfig.fillSize / 2, (round) => source.sendExactly(round), rxPackets, 'frames');
      // The worker gives each frame back to FILL just after counting it.
      const refilled = umemConfig.fillSize + count;
      await waitFor(() => managed.observe().rings.fill.producer === refilled, 20_000, 'the last frames back on FILL');
      const after = managed.observe();
      expect(source.sentFrames).toBe(count);
      expect(after.totals.rxPackets).toBe(count);
      expect(after.totals.rxBytes).toBe(count * 128);
      expect(after.rings.rx).toMatchObject({ producer: count, consumer: count });
      expect(after.rings.fill?.producer).toBe(umemConfig.fillSize + count);
      expect(after.rings.fill?.consumer).toBe(count);
      expect(after.stats).toEqual({
        rxDropped: 0,
        rxInvalidDescs: 0,
        txInvalidDescs: 0,
        rxRingFull: 0,
        rxFillRingEmptyDescs: 0,
        txRingEmptyDescs: 0,
      });
    } finally {
      await managed.destroy();
    }
  });
});
