import { MIN_FRAME_LENGTH, ringOccupancy, type SocketConfig, type XdpStatistics } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Control } from '../src/dataplane/control.ts';
import type { Engine, SocketRequest } from '../src/engine/engine.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { probeKernelLimits } from '../src/host/kernel-limits.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { pollReadable, readZeroCopy, wakeupTx } from '../src/native/libc.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { expectLedgerHolds, fillIsFull, labEngine, startLabSocket, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};

/**
 * Each XDP_STATISTICS counter made to move once, on purpose, by the real
 * kernel (6.18, veth, copy mode), and every other counter seen to stay put.
 * The receiving sockets have no TX ring: in copy mode every poll() of a
 * socket with one runs the TX path and counts tx_ring_empty_descs (shown
 * below), which would move while the receiver idles.
 */
describeKernel('XDP_STATISTICS, each counter moved on purpose', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;
  let socket: ManagedSocket | null = null;

  beforeEach(async () => {
    lab = Lab.create(2);
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 64, paused: true, queueId: 0 }, noop);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  /** The counters now, and a check that only the named ones moved since, by exactly the amounts given. */
  function countersOf(subject: ManagedSocket) {
    const before: XdpStatistics = subject.observe().stats;
    return {
      before,
      onlyMoved(moved: Partial<XdpStatistics>): void {
        const expected = { ...before };
        for (const [name, delta] of Object.entries(moved) as [keyof XdpStatistics, number][]) expected[name] += delta;
        expect(subject.observe().stats).toEqual(expected);
      },
    };
  }

  it('rx_dropped: a frame one byte longer than the room the headroom leaves in a chunk, and nothing else', async () => {
    const chunk = TEST_UMEM.frameSize;
    // The largest headroom this kernel accepts with this chunk size, as the kernel's STAT_RX_DROPPED test uses.
    const headroom = probeKernelLimits().maxHeadroom[chunk] as number;
    socket = await startLabSocket(lab, 'rxdrop', { umem: { headroom }, socket: { txSize: 0 } });
    const receiver = socket;
    await fillIsFull(receiver, TEST_UMEM.fillSize);
    receiver.pause(['rxDrain']);
    const inRx = () => receiver.observeInDetail().entries.rx ?? { addresses: [], lengths: [] };

    // Where the kernel writes a frame: past the headroom and the packet headroom XDP keeps in front of it.
    source.setFrameLength(MIN_FRAME_LENGTH);
    source.sendExactly(1);
    await waitFor(() => inRx().addresses.length === 1, 20_000, 'a small frame in RX');
    const offset = (inRx().addresses[0] as number) % chunk;
    expect(offset).toBeGreaterThan(headroom);
    const room = chunk - offset;
    const counters = countersOf(receiver);

    // The largest frame that fits ends on the chunk's last byte, and is received.
    source.setFrameLength(room);
    source.sendExactly(1);
    await waitFor(() => inRx().addresses.length === 2, 20_000, 'a frame of exactly the room in RX');
    const fits = inRx();
    expect(fits.lengths[1]).toBe(room);
    expect(((fits.addresses[1] as number) + room) % chunk).toBe(0);
    counters.onlyMoved({});

    // One byte more is dropped before the kernel takes a FILL entry for it.
    const fillConsumer = receiver.observe().rings.fill.consumer;
    source.setFrameLength(room + 1);
    source.sendExactly(1);
    await waitFor(() => receiver.observe().stats.rxDropped === counters.before.rxDropped + 1, 20_000, 'rx_dropped');
    counters.onlyMoved({ rxDropped: 1 });
    expect(inRx().addresses).toHaveLength(2);
    expect(receiver.observe().rings.fill.consumer).toBe(fillConsumer);
  });

  it('tx_ring_empty_descs: a TX wakeup that finds TX empty counts once, and so does a poll(); a send that empties TX counts too', async () => {
    socket = await startLabSocket(lab, 'txonly', {
      socket: { rxSize: 0, batchSize: 32 },
      setup: (control) => {
        control[Control.RATE_PPS] = 5000;
        control[Control.FRAME_LENGTH] = 64;
        control[Control.SEND_REMAINING] = 0;
      },
    });
    const sender = socket;
    // With nothing to send the worker sleeps on its command word and makes no syscall on the socket.
    const idle = sender.observe().totals.idleWaits;
    await waitFor(() => sender.observe().totals.idleWaits >= idle + 3, 20_000, 'the worker to go round idle');
    const counters = countersOf(sender);
    counters.onlyMoved({});

    // An empty sendto, the TX doorbell: the kernel looks at TX, finds nothing, and counts it.
    wakeupTx(sender.socket.fd);
    counters.onlyMoved({ txRingEmptyDescs: 1 });
    // poll() drives copy-mode TX too (xsk_poll calls the generic transmit), whatever events it waits for.
    pollReadable(sender.socket.fd, 0);
    counters.onlyMoved({ txRingEmptyDescs: 2 });

    // A sendto that sends counts as well, once, when its loop finds TX empty after the last frame: with a
    // batch within the kernel's budget per sendto (32), every kick of the worker ends that way.
    const wakeups = sender.observe().totals.wakeups;
    sender.worker.set(Control.SEND_REMAINING, 100);
    await waitFor(() => sender.observe().totals.completed === 100, 20_000, '100 frames sent');
    const kicks = sender.observe().totals.wakeups - wakeups;
    expect(kicks).toBeGreaterThan(0);
    counters.onlyMoved({ txRingEmptyDescs: 2 + kicks });
  });

  /*
   * What would make rx_invalid_descs move, read in the kernel (net/xdp, 6.18): xsk_getsockopt fills it
   * with xskq_nb_invalid_descs(xs->rx), the invalid count of the socket's RX ring. A ring counts invalid
   * entries as its consumer, and the kernel only produces RX, so nothing in copy or zero-copy mode adds
   * to it. An invalid FILL address is found by __xp_alloc (xsk_buff_pool.c): xp_check_aligned or
   * xp_check_unaligned refuses it, `pool->fq->invalid_descs++`, and the next entry is taken; that count
   * belongs to the FILL queue, which neither XDP_STATISTICS nor the socket diag reports. In aligned mode
   * a misaligned address is not invalid at all: xp_aligned_extract_addr rounds it down to its chunk.
   * Tried here: an address one chunk past the UMEM's end, behind other entries and alone on FILL.
   */
  it('rx_invalid_descs stays 0 for a FILL address outside the UMEM: the kernel skips it and takes the next entry', async () => {
    // 64 frames and a 64-entry FILL; asked for before the worker starts, the invalid address goes first, then 63 frames.
    socket = await startLabSocket(lab, 'rxdrop', {
      umem: { frameCount: 64, fillSize: 64, completionSize: 64 },
      socket: { txSize: 0 },
      setup: (control) => {
        control[Control.INJECT_INVALID_FILL] = 1;
      },
    });
    const receiver = socket;
    await fillIsFull(receiver, 63);
    const primed = await receiver.observer.observeInDetail();
    expect(primed.rings.fill).toMatchObject({ producer: 64, consumer: 0 });
    expect(primed.entries.fill.addresses[0]).toBe(65 * TEST_UMEM.frameSize);
    expect(primed.ledger.violations).toEqual(['fill holds an address outside the UMEM (frame 65)']);
    const counters = countersOf(receiver);

    source.sendExactly(1);
    await waitFor(() => receiver.observe().totals.rxPackets === 1, 20_000, 'the frame received');
    // The kernel consumed two FILL entries for one frame, and counted the skipped one nowhere it reports.
    expect(receiver.observe().rings.fill.consumer).toBe(2);
    counters.onlyMoved({});
    await waitFor(() => receiver.observeInDetail().ledger.violations.length === 0, 20_000, 'the ledger whole again');
    expectLedgerHolds(await receiver.observer.observeInDetail(), 64);
  });

  it('a FILL holding only an invalid address drops the frame as if FILL were empty: rx_dropped and rx_fill_ring_empty_descs, not rx_invalid_descs', async () => {
    const id = 'only-invalid';
    await engine.create(
      {
        umem: { ...TEST_UMEM, frameCount: 64, fillSize: 64, completionSize: 64 },
        socket: testSocket(lab, { txSize: 0 }),
        workload: 'rxdrop',
      },
      id,
    );
    const receiver = engine.get(id);
    await fillIsFull(receiver, 64);
    // Every frame of the UMEM ends in RX and stays there: FILL runs empty with nothing to refill it.
    engine.pause(id, ['rxDrain']);
    await waitFor(() => receiver.pausedStages().includes('rxDrain'), 20_000, 'RX drain paused');
    source.sendExactly(64);
    const inRx = () => ringOccupancy(receiver.observe().rings.rx ?? { producer: 0, consumer: 0 });
    await waitFor(() => inRx() === 64, 20_000, 'the UMEM in RX');
    const counters = countersOf(receiver);
    engine.injectInvalidFill(id);
    await waitFor(() => receiver.observe().rings.fill.producer === 65, 20_000, 'the invalid address on FILL');

    source.sendExactly(1);
    await waitFor(() => receiver.observe().stats.rxDropped === counters.before.rxDropped + 1, 20_000, 'rx_dropped');
    counters.onlyMoved({ rxDropped: 1, rxFillRingEmptyDescs: 1 });
    const after = await receiver.observer.observeInDetail();
    expect(after.rings.fill.consumer).toBe(65);
    expect(inRx()).toBe(64);
    expect(after.ledger.violations).toEqual([]);
  });

  it('XDP_OPTIONS reports copy mode on veth, where a zero-copy bind is refused (EOPNOTSUPP)', async () => {
    const request = (socket: Partial<SocketConfig>): SocketRequest => ({
      umem: TEST_UMEM,
      socket: testSocket(lab, { txSize: 0, ...socket }),
      workload: 'rxdrop',
      checks: 'kernel',
    });
    await engine.create(request({}), 'copy');
    const copy = engine.get('copy').socket;
    expect(readZeroCopy(copy.fd)).toBe(false);
    expect(copy.zeroCopyActive).toBe(false);
    await expect(engine.create(request({ queueId: 1, copy: false, zeroCopy: true }), 'zero-copy')).rejects.toThrow(
      /refused \(EOPNOTSUPP\)/,
    );
  });
});
