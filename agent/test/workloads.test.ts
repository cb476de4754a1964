import { ringOccupancy, Workload } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Control, Counter } from '../src/dataplane/control.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { APP_MAC, Lab, PEER_MAC } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { describeKernel, sendInRounds, waitFor } from './kernel.ts';
import { expectLedgerHolds, fillIsFull, startLabSocket, TEST_UMEM } from './lab-sockets.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noop = () => {};
/** Half the traffic source's FILL ring (1024): a round it can always take in (see sendInRounds). */
const SOURCE_ROUND = 512;

describeKernel('workloads on the lab veth', () => {
  let lab: Lab;
  let source: TrafficSource;
  let socket: ManagedSocket | null = null;

  beforeEach(async () => {
    lab = Lab.create(1);
    source = await TrafficSource.start(lab, { ratePps: 50_000, frameLength: 256, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await source?.stop();
    lab?.destroy();
  });

  it('txonly: exactly N frames with the expected bytes arrive at the peer', async () => {
    source.verify(true);
    socket = await startLabSocket(lab, 'txonly', {
      socket: { rxSize: 0 },
      setup: (control) => {
        control[Control.RATE_PPS] = 50_000;
        control[Control.FRAME_LENGTH] = 300;
        control[Control.SEND_REMAINING] = 0;
      },
    });
    const sender = socket;
    await sendInRounds(
      5000,
      SOURCE_ROUND,
      (count) => sender.worker.set(Control.SEND_REMAINING, count),
      () => source.receivedFrames,
      'frames at the peer',
    );
    // The sender stops at exactly 5000 and every one of them has arrived: nothing more is on its way. The kernel may
    // hand the last completions back after the peer counted their frames: the sender reaps them on its next round.
    await waitFor(() => sender.observe().totals.completed >= 5000, 20_000, 'every frame back on COMPLETION');
    expect(socket.observe().totals.txPackets).toBe(5000);
    expect(source.receivedFrames).toBe(5000);
    expect(source.verification()).toEqual({ verified: 5000, defective: 0 });
    const observation = await socket.observer.observeInDetail();
    expect(observation.totals.txPackets).toBe(5000);
    expect(observation.totals.completed).toBe(5000);
    expect(observation.stats.txInvalidDescs).toBe(0);
    expectLedgerHolds(observation, TEST_UMEM.frameCount);
    expect(observation.ledger.counts.free).toBe(TEST_UMEM.frameCount); // tx-only: nothing on FILL
  });

  it('l2fwd: every frame comes back to the peer with its MAC addresses swapped', async () => {
    socket = await startLabSocket(lab, 'l2fwd');
    await fillIsFull(socket, TEST_UMEM.fillSize);
    source.verify(true);
    source.capture(true);
    source.setFrameLength(128);
    await sendInRounds(
      3000,
      SOURCE_ROUND,
      (count) => source.sendExactly(count),
      () => source.receivedFrames,
      'back',
    );
    // The source stops at exactly 3000 and every one of them came back: nothing more is on its way, but the last
    // completions may reach the forwarder after the source counted their frames.
    const forwarder = socket;
    await waitFor(() => forwarder.observe().totals.completed >= 3000, 20_000, 'every forwarded frame completed');
    expect(source.sentFrames).toBe(3000);
    expect(source.receivedFrames).toBe(3000);
    expect(source.verification()).toEqual({ verified: 3000, defective: 0 });
    const captured = source.captured();
    expect(captured.length).toBeGreaterThan(0);
    for (const frame of captured) {
      expect(Array.from(frame.bytes.subarray(0, 6))).toEqual(PEER_MAC);
      expect(Array.from(frame.bytes.subarray(6, 12))).toEqual(APP_MAC);
    }
    expect(socket.observe().totals).toMatchObject({ rxPackets: 3000, txPackets: 3000, completed: 3000 });
  });

  it.each<Workload>(Workload.options)('the ledger holds on every snapshot while %s runs', async (workload) => {
    socket = await startLabSocket(lab, workload, {
      setup: (control) => {
        control[Control.RATE_PPS] = 30_000;
        control[Control.FRAME_LENGTH] = 200;
        control[Control.SEND_REMAINING] = -1;
      },
    });
    if (workload !== 'txonly') source.resume();
    let inconsistent = 0;
    for (let sample = 0; sample < 300; sample++) {
      const observation = await socket.observer.observeInDetail();
      if (!observation.consistent) inconsistent++;
      else expectLedgerHolds(observation, TEST_UMEM.frameCount);
      await sleep(3);
    }
    expect(inconsistent).toBe(0);
    const moved = socket.observe().totals;
    expect(moved.rxPackets + moved.txPackets).toBeGreaterThan(1000);
  });

  it('pausing FILL refill runs FILL dry: the kernel counts rx_fill_ring_empty_descs', async () => {
    socket = await startLabSocket(lab, 'rxdrop');
    await fillIsFull(socket, TEST_UMEM.fillSize);
    socket.pause(['fillRefill']);
    // In rounds RX can always take: every frame then either finds FILL or counts as rx_fill_ring_empty_descs.
    const receiver = socket;
    const accounted = () => {
      const { totals, stats } = receiver.observe();
      return totals.rxPackets + stats.rxFillRingEmptyDescs;
    };
    await sendInRounds(TEST_UMEM.fillSize + 500, 512, (count) => source.sendExactly(count), accounted, 'frames');
    const starved = await socket.observer.observeInDetail();
    expect(starved.rings.fill.producer - starved.rings.fill.consumer).toBe(0);
    expect(starved.ledger.counts.fill).toBe(0);
    expect(starved.totals.rxPackets).toBe(TEST_UMEM.fillSize);
    expect(starved.stats.rxFillRingEmptyDescs).toBe(500);

    socket.resume(['fillRefill']);
    await waitFor(() => (socket?.observeInDetail().ledger.counts.fill ?? 0) > 0, 20_000, 'FILL refilled');
    source.sendExactly(100);
    await waitFor(
      () => (socket?.observe().totals.rxPackets ?? 0) >= TEST_UMEM.fillSize + 100,
      20_000,
      'receiving again',
    );
  });

  it('pausing RX drain fills RX: the kernel counts rx_ring_full', async () => {
    socket = await startLabSocket(lab, 'rxdrop');
    await fillIsFull(socket, TEST_UMEM.fillSize);
    socket.pause(['rxDrain']);
    source.sendExactly(1500);
    const receiver = socket;
    const accounted = () => {
      const { rings, stats } = receiver.observe();
      return ringOccupancy(rings.rx ?? { producer: 0, consumer: 0 }) + stats.rxRingFull;
    };
    await waitFor(() => accounted() >= 1500, 20_000, 'every frame in RX or counted as rx_ring_full');
    const full = await socket.observer.observeInDetail();
    expect(ringOccupancy(full.rings.rx ?? { producer: 0, consumer: 0 })).toBe(1024);
    expect(full.ledger.counts.rx).toBe(1024);
    expect(full.stats.rxRingFull).toBe(1500 - 1024);
    expectLedgerHolds(full, TEST_UMEM.frameCount);
  });

  it('pausing COMPLETION reaping stalls TX once every frame waits on COMPLETION', async () => {
    socket = await startLabSocket(lab, 'txonly', {
      socket: { rxSize: 0 },
      umem: { frameCount: 512, completionSize: 512, fillSize: 512 },
      setup: (control) => {
        control[Control.RATE_PPS] = 50_000;
        control[Control.FRAME_LENGTH] = 64;
        control[Control.SEND_REMAINING] = -1;
      },
    });
    socket.pause(['completionReap']);
    await waitFor(() => socket?.observeInDetail().ledger.counts.completion === 512, 20_000, 'all frames on COMPLETION');
    const stalled = socket.observe().totals.txPackets;
    // The worker goes round its loop a few more times, each time finding nothing to send with.
    const idle = socket.observe().totals.idleWaits;
    await waitFor(() => (socket?.observe().totals.idleWaits ?? 0) >= idle + 3, 20_000, 'the worker to go round idle');
    const after = await socket.observer.observeInDetail();
    expect(after.totals.txPackets).toBe(stalled);
    expect(after.ledger.counts).toMatchObject({ completion: 512, free: 0 });
    socket.resume(['completionReap']);
    await waitFor(() => (socket?.observe().totals.txPackets ?? 0) > stalled + 1000, 20_000, 'sending again');
  });

  it('need_wakeup: copy-mode TX always asks for a kick, copy-mode RX never does', async () => {
    const kicksPerFrame = async (needWakeup: boolean) => {
      const sender = await startLabSocket(lab, 'txonly', {
        socket: { rxSize: 0, needWakeup },
        setup: (control) => {
          control[Control.RATE_PPS] = 20_000;
          control[Control.FRAME_LENGTH] = 64;
          control[Control.SEND_REMAINING] = 4000;
        },
      });
      await waitFor(() => sender.observe().totals.completed === 4000, 20_000, '4000 frames sent');
      const { totals, rings } = sender.observe();
      await sender.destroy();
      return { kicks: totals.wakeups / totals.txPackets, txFlag: rings.tx?.needWakeup };
    };
    const withFlag = await kicksPerFrame(true);
    const withoutFlag = await kicksPerFrame(false);
    // At bind the kernel marks TX for a first wakeup whether or not need_wakeup was asked, and in
    // copy mode nothing ever clears it: the socket kicks as often either way.
    expect(withFlag.txFlag).toBe(true);
    expect(withoutFlag.txFlag).toBe(true);
    expect(withFlag.kicks).toBeGreaterThan(0);
    expect(withoutFlag.kicks).toBeGreaterThan(0);

    socket = await startLabSocket(lab, 'rxdrop');
    await fillIsFull(socket, TEST_UMEM.fillSize);
    // In rounds of half RX: a receiver descheduled for a moment must not see RX overflow.
    const receiving = socket;
    await sendInRounds(
      2000,
      512,
      (count) => source.sendExactly(count),
      () => receiving.observe().totals.rxPackets,
      'frames received',
    );
    const receiver = socket.observe();
    // FILL's flag stays clear in copy mode: with need_wakeup on, receiving costs no wakeup syscall at all.
    expect(receiver.rings.fill.needWakeup).toBe(false);
    expect(receiver.totals.wakeups).toBe(0);
  });

  it('step runs one batch of a paused pipeline', async () => {
    socket = await startLabSocket(lab, 'rxdrop', { socket: { batchSize: 16 } });
    await fillIsFull(socket, TEST_UMEM.fillSize);
    socket.pause(['rxDrain', 'fillRefill']);
    source.sendExactly(100);
    await waitFor(
      () => ringOccupancy(socket?.observe().rings.rx ?? { producer: 0, consumer: 0 }) === 100,
      20_000,
      '100 in RX',
    );
    await socket.step();
    const after = await socket.observer.observeInDetail();
    expect(after.rings.rx?.consumer).toBe(16);
    expect(after.totals.rxPackets).toBe(16);
    // Step runs every stage once: the 16 frames went straight back to FILL.
    expect(after.rings.fill.producer).toBe(TEST_UMEM.fillSize + 16);
    expectLedgerHolds(after, TEST_UMEM.frameCount);

    // A step of one stage runs that stage alone: RX gives 16 more, FILL stays where it was.
    await socket.step(['rxDrain']);
    const drained = await socket.observer.observeInDetail();
    expect(drained.rings.rx?.consumer).toBe(32);
    expect(drained.rings.fill.producer).toBe(TEST_UMEM.fillSize + 16);
    expect(drained.ledger.counts.free).toBe(after.ledger.counts.free + 16);
    await socket.step(['fillRefill']);
    expect(socket.observe().rings.fill.producer).toBe(TEST_UMEM.fillSize + 32);
  });

  it('a TX descriptor outside the UMEM raises tx_invalid_descs and the socket keeps sending', async () => {
    socket = await startLabSocket(lab, 'txonly', {
      socket: { rxSize: 0 },
      setup: (control) => {
        control[Control.RATE_PPS] = 10_000;
        control[Control.FRAME_LENGTH] = 128;
        control[Control.SEND_REMAINING] = -1;
        control[Control.INJECT_INVALID_TX] = 1;
      },
    });
    await waitFor(() => (socket?.observe().stats.txInvalidDescs ?? 0) === 1, 20_000, 'tx_invalid_descs');
    const before = source.receivedFrames;
    await waitFor(() => source.receivedFrames > before, 20_000, 'frames after the invalid one');
    // Stop sending and let the kernel finish: then every descriptor submitted has come back or never will.
    socket.pause(['txSubmit']);
    await waitFor(
      () => socket?.observeInDetail().ledger.counts.free === TEST_UMEM.frameCount,
      20_000,
      'every frame back',
    );
    // A reading with entries is taken afresh, never the one kept for reuse while nothing moved; and a consistent
    // one: the worker may be inside its last reap's window, between the ring and the counters.
    const { totals, rings, consistent } = await socket.observer.observeInDetail();
    expect(consistent).toBe(true);
    // Some kernels (this one) hand the invalid address back on COMPLETION too: it is counted apart,
    // so every valid frame sent came back exactly once whatever the kernel did with the invalid one.
    const foreign = socket.worker.counters[Counter.FOREIGN_COMPLETIONS] as number;
    expect(totals.completed - foreign).toBe(totals.txPackets);
    expect(rings.completion.consumer).toBe(totals.completed);
    expectLedgerHolds(await socket.observer.observeInDetail(), TEST_UMEM.frameCount);
  });
});
