import type { KernelView, SocketConfig, UmemConfig } from '@ringside/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Counter } from '../src/dataplane/control.ts';
import { ConfigurationError, type Engine, RestoredAfterRefusal, type SocketRequest } from '../src/engine/engine.ts';
import { probeKernelLimits } from '../src/host/kernel-limits.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { fillIsFull, labEngine, receivesFrom, refusal, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};

describeKernel('configuring sockets through the engine', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;

  beforeEach(async () => {
    lab = Lab.create(2);
    // 5k frames/s: these tests prove knobs, not throughput; a 64-entry FILL ring must not run dry here.
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 200, paused: true, queueId: 0 }, noop);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  const request = (
    socket: Partial<SocketConfig> = {},
    umem: Partial<UmemConfig> = {},
    extra: Partial<SocketRequest> = {},
  ): SocketRequest => ({
    umem: { ...TEST_UMEM, ...umem },
    socket: testSocket(lab, socket),
    workload: 'rxdrop',
    ...extra,
  });

  const receives = (id: string, count?: number) => receivesFrom(engine, source, id, count);

  /** Sends frames; every one must be either received or counted by the kernel as dropped. */
  async function accountsFor(id: string, count: number): Promise<{ received: number; dropped: number }> {
    source.sendExactly(count);
    const tally = () => {
      const { totals, stats } = engine.get(id).observe();
      // A frame dropped for want of FILL entries counts in rx_dropped and in rx_fill_ring_empty_descs;
      // one dropped for a full RX ring counts in rx_ring_full alone.
      const dropped = stats.rxDropped + stats.rxRingFull;
      return { received: totals.rxPackets, dropped };
    };
    await waitFor(() => tally().received + tally().dropped >= count, 20_000, `${count} frames accounted on ${id}`);
    // Every frame sent has come back on the source's COMPLETION, so it has met its fate here: a frame counted twice
    // shows in the exact totals callers compare.
    await waitFor(() => source.completedFrames === source.sentFrames, 20_000, 'the source to complete every frame');
    return tally();
  }

  /** The data plane has gone round and found nothing to do this many times more: its pauses were in force. */
  async function idledAgain(id: string, times: number): Promise<void> {
    const waits = () => engine.get(id).worker.counters[Counter.IDLE_WAITS] as number;
    const from = waits();
    await waitFor(() => waits() >= from + times, 20_000, `${id}'s data plane to go idle ${times} times`);
  }

  describe('each knob works on the kernel, or is refused with what to change', () => {
    /** The rings of a one-page mapping: what a 64-entry ring's size is known as (page-granular). */
    const onePage = (view: KernelView, ring: 'rx' | 'fill' | 'completion') => {
      expect(view.rings[ring].candidates).toContain(64);
      expect(view.rings[ring].exact).toBe(false);
      // The default 1024 or 2048 would need more than a page.
      expect(Math.max(...view.rings[ring].candidates)).toBeLessThan(512);
    };
    it.each<
      [string, Partial<SocketConfig>, Partial<UmemConfig>, (view: KernelView, id: string) => void | Promise<void>]
    >([
      ['2048-byte frames', {}, { frameSize: 2048 }, (view) => expect(view.chunkSize.value).toBe(2048)],
      [
        'unaligned chunks of 3000 bytes',
        {},
        { frameSize: 3000, unaligned: true },
        (view) => expect([view.chunkSize.value, view.unaligned.value]).toEqual([3000, true]),
      ],
      [
        'small rings',
        { rxSize: 64 },
        { fillSize: 64, completionSize: 64 },
        (view) => {
          for (const ring of ['rx', 'fill', 'completion'] as const) onePage(view, ring);
        },
      ],
      [
        'an rx-only socket',
        { txSize: 0 },
        {},
        (view) => expect([view.rings.tx.present, view.txNeedWakeup.value]).toEqual([false, null]),
      ],
      ['SKB (generic) mode', { xdpMode: 'skb' }, {}, (view) => expect(view.xdpMode.value).toBe('skb')],
      // No view check: in copy mode the kernel's flags do not follow the request. FILL's is set only by a
      // zero-copy driver (xsk_set_rx_need_wakeup), which the copy path (xsk_generic_rcv) never calls, and
      // TX's is set at bind with or without XDP_USE_NEED_WAKEUP: on looks as off does (kernel-view.test.ts).
      ['need_wakeup off', { needWakeup: false }, {}, () => {}],
      // The batch is Ringside's own and never reaches the kernel: one step must move RX's consumer by one.
      [
        'a batch of one',
        { batchSize: 1 },
        {},
        async (_view, id) => {
          const socket = engine.get(id);
          engine.pause(id, ['rxDrain']);
          await fillIsFull(socket, TEST_UMEM.fillSize);
          source.sendExactly(8);
          const rx = () => socket.observe().rings.rx;
          await waitFor(() => (rx()?.producer ?? 0) - (rx()?.consumer ?? 0) === 8, 20_000, '8 frames in RX');
          const before = rx()?.consumer ?? 0;
          await engine.step(id, ['rxDrain']);
          expect((rx()?.consumer ?? 0) - before).toBe(1);
        },
      ],
    ])('receives with %s, and the kernel shows it', async (_name, socket, umem, kernelShows) => {
      await engine.create(request(socket, umem), 'knob');
      const { received, dropped } = await accountsFor('knob', 500);
      expect(received).toBeGreaterThan(0);
      expect(received + dropped).toBe(500);
      expect((await engine.get('knob').observer.observeInDetail()).ledger.violations).toEqual([]);
      // Asked again once frames came in: the received data's layout is known now.
      expect(engine.readKernelView('knob')).toEqual([]);
      const { view } = engine.get('knob').kernel;
      expect(view.chunkSize.source).toBe('ring-contents');
      expect([view.chunkSize.value, view.headroom.value, view.unaligned.value]).toEqual([
        request(socket, umem).umem.frameSize,
        0,
        request(socket, umem).umem.unaligned,
      ]);
      await kernelShows(view, 'knob');
    });

    it('receives with 4096-byte frames, and the kernel shows a chunk that divides their 4096-byte stride', async () => {
      await engine.create(request({}, { frameSize: 4096 }), 'knob');
      const { received, dropped } = await accountsFor('knob', 500);
      expect(received).toBeGreaterThan(0);
      expect(received + dropped).toBe(500);
      expect((await engine.get('knob').observer.observeInDetail()).ledger.violations).toEqual([]);
      // The request divides what the received frames show: no mismatch.
      expect(engine.readKernelView('knob')).toEqual([]);
      // 2048-byte chunks received into every other one lie 4096 apart too: the RX addresses bound the chunk, and
      // where data starts in it stays unknown (only xsk_diag, which this kernel may lack, names the size).
      const { chunkSize, headroom, unaligned } = engine.get('knob').kernel.view;
      expect(chunkSize).toMatchObject({ value: null, source: 'ring-contents', divides: 4096 });
      expect(headroom.value).toBeNull();
      expect(unaligned.value).toBe(false);
    });

    it('headroom moves where the kernel writes a received frame by exactly that much', async () => {
      const offsetWith = async (headroom: number, id: string) => {
        await engine.create(request({}, { headroom }), id);
        engine.pause(id, ['rxDrain']);
        // A frame that comes before the worker's first refill finds FILL empty and is dropped: wait for it.
        await fillIsFull(engine.get(id), TEST_UMEM.fillSize);
        source.sendExactly(1);
        await waitFor(
          () => (engine.get(id).observeInDetail().entries.rx?.addresses.length ?? 0) === 1,
          20_000,
          'a frame in RX',
        );
        const address = engine.get(id).observeInDetail().entries.rx?.addresses[0] as number;
        await engine.destroy(id);
        return address % TEST_UMEM.frameSize;
      };
      const base = await offsetWith(0, 'plain');
      expect(await offsetWith(512, 'roomy')).toBe(base + 512);
    });

    it('refuses a headroom past the kernel limit: Ringside says so, and so does the kernel', async () => {
      const limit = probeKernelLimits().maxHeadroom[TEST_UMEM.frameSize] as number;
      const ours = await refusal(engine.create(request({}, { headroom: limit + 1 })));
      expect(ours).toBeInstanceOf(ConfigurationError);
      expect(ours.message).toContain(`this kernel accepts at most ${limit}`);
      const kernels = await refusal(engine.create(request({}, { headroom: limit + 1 }, { checks: 'kernel' })));
      expect(kernels.message).toMatch(/^UMEM registration refused \(EINVAL\)/);
    });

    it('refuses zero-copy on veth: Ringside says so, and so does the kernel', async () => {
      const zeroCopy = { copy: false, zeroCopy: true };
      const ours = await refusal(engine.create(request(zeroCopy)));
      expect(ours.message).toBe('zeroCopy: the veth driver of rs-app does not support zero-copy AF_XDP: use copy mode');
      const kernels = await refusal(engine.create(request(zeroCopy, {}, { checks: 'kernel' })));
      expect(kernels.message).toBe(
        'socket on rs-app queue 0 refused (EOPNOTSUPP): the driver of rs-app does not support zero-copy AF_XDP: use copy mode',
      );
    });

    it('refuses ring sizes that are not powers of two, a queue that does not exist, and a taken queue', async () => {
      expect((await refusal(engine.create(request({ rxSize: 1000 })))).message).toContain('power of two');
      expect((await refusal(engine.create(request({ queueId: 5 })))).message).toContain('pick a queue from 0 to 1');
      await engine.create(request(), 'first');
      expect((await refusal(engine.create(request(), 'second'))).message).toContain('already has socket first');
      await engine.create(request({ queueId: 1 }), 'other-queue');
      expect(engine.list().map((socket) => socket.id)).toEqual(['first', 'other-queue']);
    });
  });

  describe('stages paused at creation', () => {
    it('a socket created with FILL refill paused never stocks FILL, as the kernel ring shows, until resumed', async () => {
      const created = await engine.create(request({}, {}, { pausedStages: ['fillRefill'] }), 'xsk');
      expect(created.pausedStages()).toEqual(['fillRefill']);
      // An instruction at creation, not configuration: a client copying the request back does not pause again.
      expect(engine.request('xsk').pausedStages).toBeUndefined();
      await idledAgain('xsk', 3);
      expect(created.observe().rings.fill?.producer).toBe(0);
      engine.resume('xsk', ['fillRefill']);
      await fillIsFull(created, TEST_UMEM.fillSize);
    });

    it('a txonly socket created with TX submit paused puts nothing on TX, and sends once resumed', async () => {
      const sender = await engine.create(
        request({ rxSize: 0 }, {}, { workload: 'txonly', pausedStages: ['txSubmit'] }),
        'tx',
      );
      await idledAgain('tx', 3);
      expect(sender.observe().rings.tx?.producer).toBe(0);
      expect(source.receivedFrames).toBe(0);
      engine.resume('tx', ['txSubmit']);
      await waitFor(() => source.receivedFrames > 0, 20_000, 'the peer to receive what the resumed sender sends');
    });
  });

  describe('reconfiguration is transactional', () => {
    it('a refused reconfiguration leaves the old socket receiving, its counters still rising', async () => {
      const original = await engine.create(request(), 'xsk');
      await receives('xsk');
      const countersBefore = original.observe().totals.rxPackets;
      const refused = await refusal(engine.reconfigure('xsk', request({ copy: false, zeroCopy: true })));
      expect(refused).toBeInstanceOf(ConfigurationError);
      expect(engine.get('xsk')).toBe(original);
      await receives('xsk');
      expect(engine.get('xsk').observe().totals.rxPackets).toBe(countersBefore + 500);
    });

    it('an accepted reconfiguration on the same queue runs the new configuration', async () => {
      await engine.create(request(), 'xsk');
      engine.pause('xsk', ['fillRefill']);
      const rebuilt = await engine.reconfigure('xsk', request({ rxSize: 256 }, { frameSize: 4096, frameCount: 1024 }));
      expect(rebuilt.observe().rings.rx?.size).toBe(256);
      expect(rebuilt.pausedStages()).toEqual(['fillRefill']);
      // Paused from its first round, not after: the new socket never stocked FILL.
      await idledAgain('xsk', 3);
      expect(rebuilt.observe().rings.fill?.producer).toBe(0);
      engine.resume('xsk', ['fillRefill']);
      // Traffic before FILL is full would meet drops the kernel counts.
      await fillIsFull(rebuilt, 1024);
      // A 256-entry RX ring can overflow under a burst on a loaded machine: the kernel then counts it.
      const { received, dropped } = await accountsFor('xsk', 500);
      expect(received).toBeGreaterThan(0);
      expect(received + dropped).toBe(500);
    });

    it('when the kernel itself refuses, the previous configuration comes back and receives again', async () => {
      await engine.create(request(), 'xsk');
      const refused = await refusal(
        engine.reconfigure('xsk', request({ copy: false, zeroCopy: true }, {}, { checks: 'kernel' })),
      );
      expect(refused).toBeInstanceOf(RestoredAfterRefusal);
      expect(refused.message).toContain('EOPNOTSUPP');
      expect(refused.message).toContain('previous configuration was restored');
      expect(engine.get('xsk').socket.config.copy).toBe(true);
      // The restored socket's worker starts afresh: frames sent before it stocks FILL would be dropped.
      await fillIsFull(engine.get('xsk'), TEST_UMEM.fillSize);
      await receives('xsk');
    });

    it('moving to a free queue builds the new socket before the old one goes', async () => {
      const original = await engine.create(request(), 'xsk');
      const moved = await engine.reconfigure('xsk', request({ queueId: 1 }));
      expect(moved).not.toBe(original);
      expect(() => original.observe()).toThrow('socket xsk was destroyed');
      expect(moved.socket.config.queueId).toBe(1);
      expect(engine.list()).toHaveLength(1);
    });
  });
});
