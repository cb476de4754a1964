import { execFileSync } from 'node:child_process';
import { ringOccupancy, type SocketConfig, type Workload } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Engine, RingsideLimitError, type SocketRequest } from '../src/engine/engine.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab, PEER_IP } from '../src/lab/lab.ts';
import { DESTINATION_PORT, TrafficSource } from '../src/lab/traffic-source.ts';
import { describeKernel, sendInRounds, waitFor } from './kernel.ts';
import { fillIsFull, labEngine, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeKernel('sockets sharing a UMEM (XDP_SHARED_UMEM), steered by XDP programs', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;

  beforeEach(async () => {
    lab = Lab.create(2);
    source = await TrafficSource.start(lab, { ratePps: 20_000, frameLength: 128, paused: true, queueId: 0 }, noop);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  const request = (socket: Partial<SocketConfig> = {}, extra: Partial<SocketRequest> = {}): SocketRequest => ({
    umem: TEST_UMEM,
    socket: testSocket(lab, socket),
    workload: 'rxdrop',
    ...extra,
  });

  const received = (socket: ManagedSocket) => socket.observe().totals.rxPackets;
  const counters = () => engine.interfaces()[0]?.counters();

  /** Sends `count` frames and waits until the program has seen every one. */
  async function send(count: number): Promise<void> {
    const before = counters();
    const seen = () => {
      const now = counters();
      if (!now || !before) return 0;
      const total = (c: typeof now) => c.redirected + c.passed + c.dropped + c.wrongQueue;
      return total(now) - total(before);
    };
    source.sendExactly(count);
    await waitFor(() => seen() >= count, 10_000, `the program to see ${count} frames`);
  }

  it('round-robin spreads one queue over sockets sharing one FILL/COMPLETION pair: about N/k each, exactly N in all', async () => {
    engine.setXdpProgram(lab.appIfname, 'round-robin', []);
    const first = await engine.create(request(), 'a');
    const umemId = first.group.id;
    const others = [
      await engine.create(request({}, { umemId }), 'b'),
      await engine.create(request({}, { umemId }), 'c'),
    ];
    const sockets = [first, ...others];
    expect(first.group.describePairs()).toEqual([{ ifname: lab.appIfname, queueId: 0, socketIds: ['a', 'b', 'c'] }]);
    // From a stocked FILL, in rounds of half of it: a worker descheduled for a moment must not leave FILL empty.
    await fillIsFull(first, TEST_UMEM.fillSize);
    // One pair: every socket reads the same FILL ring (still, once stocked).
    const fills = sockets.map((socket) => socket.observe().rings.fill);
    expect(new Set(fills.map((fill) => `${fill.producer}/${fill.consumer}`)).size).toBe(1);

    const n = 3000;
    await sendInRounds(
      n,
      TEST_UMEM.fillSize / 2,
      (count) => source.sendExactly(count),
      () => sockets.reduce((sum, s) => sum + received(s), 0),
      'frames received',
    );
    // Every frame sent has come back on the source's COMPLETION, so none is still on its way to a socket.
    await waitFor(() => source.completedFrames === source.sentFrames, 20_000, 'the source to complete every frame');
    const counts = sockets.map(received);
    expect(counts.reduce((a, b) => a + b)).toBe(n);
    for (const count of counts) expect(Math.abs(count - n / 3)).toBeLessThan(n / 30);
    expect(counters()).toMatchObject({ redirected: n, noSocket: 0, wrongQueue: 0 });
    for (const socket of sockets) expect(socket.observe().stats.rxDropped).toBe(0);
  });

  it('across queues each socket brings its own FILL/COMPLETION pair and receives its own queue only', async () => {
    const q0 = await engine.create(request({ queueId: 0 }), 'q0');
    const q1 = await engine.create(request({ queueId: 1 }, { umemId: q0.group.id }), 'q1');
    expect(q0.group).toBe(q1.group);
    expect(q0.group.describePairs()).toEqual([
      { ifname: lab.appIfname, queueId: 0, socketIds: ['q0'] },
      { ifname: lab.appIfname, queueId: 1, socketIds: ['q1'] },
    ]);
    expect(q0.socket.ownPair).toBeNull();
    expect(q1.socket.ownPair).not.toBeNull();

    // Both pairs stocked before a frame is sent: each FILL holds more than a queue is sent at once.
    const stocked = (socket: ManagedSocket) => ringOccupancy(socket.observe().rings.fill) >= TEST_UMEM.fillSize / 2;
    await waitFor(() => stocked(q0) && stocked(q1), 20_000, 'both FILL rings stocked');
    await send(1000);
    await waitFor(() => received(q0) === 1000, 20_000, 'queue 0 frames at q0');
    expect(received(q1)).toBe(0);

    await source.setQueues([1]);
    await send(700);
    await waitFor(() => received(q1) === 700, 20_000, 'queue 1 frames at q1');
    expect(received(q0)).toBe(1000);

    await source.setQueues([0, 1]);
    await send(2000);
    await waitFor(() => received(q0) === 2000 && received(q1) === 1700, 20_000, 'frames on both queues');
  });

  it('steer-by-port sends each port to its socket, passes the rest to the stack, and ping still works', async () => {
    const a = await engine.create(request({}, { xskmapIndex: 0 }), 'a');
    const b = await engine.create(request({}, { umemId: a.group.id, xskmapIndex: 1 }), 'b');
    engine.setXdpProgram(lab.appIfname, 'steer-by-port', [
      { port: DESTINATION_PORT, index: 0 },
      { port: 5353, index: 1 },
    ]);
    source.setDestinationPorts([DESTINATION_PORT, 5353, 7777]);
    await fillIsFull(a, TEST_UMEM.fillSize);
    await send(3000);
    await waitFor(() => received(a) === 1000 && received(b) === 1000, 20_000, 'each port at its socket');
    expect(counters()).toMatchObject({ redirected: 2000, noSocket: 0 });
    expect(counters()?.passed).toBeGreaterThanOrEqual(1000);

    const passedBefore = counters()?.passed ?? 0;
    execFileSync('ip', ['netns', 'exec', lab.appNamespace, 'ping', '-c', '2', '-W', '2', PEER_IP.join('.')], {
      stdio: 'pipe',
    });
    expect(counters()?.passed).toBeGreaterThanOrEqual(passedBefore + 2);
  });

  it('a port steered to an empty XSKMAP index is dropped, and the drop is counted', async () => {
    await engine.create(request({}, { xskmapIndex: 0 }), 'a');
    engine.setXdpProgram(lab.appIfname, 'steer-by-port', [{ port: DESTINATION_PORT, index: 5 }]);
    await send(500);
    expect(counters()).toMatchObject({ redirected: 0, dropped: 500, noSocket: 500 });
  });

  it('the FAQ pitfall: a socket on a queue without traffic gets nothing, and the program shows where the frames went', async () => {
    const idle = await engine.create(request({ queueId: 1 }), 'idle');
    await send(400);
    expect(received(idle)).toBe(0);
    expect(counters()).toMatchObject({ redirected: 0, noSocket: 400 });
    expect(counters()?.passed).toBeGreaterThanOrEqual(400);
  });

  it('the FAQ pitfall: an XSKMAP index holding a socket of another queue loses every frame, counted as wrong queue', async () => {
    const misplaced = await engine.create(request({ queueId: 1 }, { xskmapIndex: 0 }), 'misplaced');
    await send(300);
    expect(received(misplaced)).toBe(0);
    expect(counters()).toMatchObject({ redirected: 0, wrongQueue: 300 });
  });

  it('refuses sharing that the kernel or the program could not honour, saying what to do', async () => {
    const a = await engine.create(request(), 'a');
    const refusal = (r: SocketRequest) =>
      engine.create(r).then(
        () => null,
        (error: unknown) => {
          // Each is a rule of sharing that Ringside checks before the kernel sees the request.
          expect(error).toBeInstanceOf(RingsideLimitError);
          return (error as RingsideLimitError).problems.map((p) => `${p.field}: ${p.message}`).join('\n');
        },
      );
    // A second UMEM on a bound queue.
    expect(await refusal(request())).toMatch(/queueId: .*share it with umemId a-umem/);
    // Two sockets of one queue under by-queue would sit at one index.
    expect(await refusal(request({}, { umemId: a.group.id }))).toMatch(/xskmapIndex: .*round-robin or steer-by-port/);
    // The UMEM's configuration is the UMEM's.
    expect(await refusal({ ...request({}, { umemId: a.group.id }), umem: { ...TEST_UMEM, frameCount: 2048 } })).toMatch(
      /umem: a socket sharing a-umem uses its configuration/,
    );
    expect(await refusal(request({}, { umemId: 'nope' }))).toMatch(/umemId: there is no UMEM nope/);
    // The kernel takes a sharing socket's bind flags from the UMEM's first socket.
    expect(await refusal(request({ queueId: 1, needWakeup: false }, { umemId: a.group.id }))).toMatch(
      /needWakeup: a socket sharing a-umem binds as its owner a did/,
    );
    expect(engine.list().map((socket) => socket.id)).toEqual(['a']);

    // libxdp keeps the owner's socket bound until its UMEM goes: the owner may not go before those sharing it.
    await engine.create(request({ queueId: 1 }, { umemId: a.group.id }), 'b');
    // libxdp binds every sharing socket against the owner's, which the kernel takes for the owner's queue only.
    expect(await refusal(request({ queueId: 1 }, { umemId: a.group.id, xskmapIndex: 5 }))).toMatch(
      /queueId: .*only on the queue of its owner a \(queue 0\)/,
    );
    await expect(engine.destroy('a')).rejects.toThrow(
      /a owns a-umem, which b shares: .*destroy b before you destroy a/,
    );
    await expect(engine.destroy('a')).rejects.toBeInstanceOf(RingsideLimitError);
    await expect(engine.reconfigure('a', request({ rxSize: 512 }))).rejects.toThrow(/before you reconfigure a/);
    expect(engine.list().map((socket) => socket.id)).toEqual(['a', 'b']);
    await engine.destroy('b');
    await engine.destroy('a');
  });

  it.each<[string, Workload, Workload]>([
    ['rxdrop beside l2fwd', 'rxdrop', 'l2fwd'],
    ['l2fwd beside txonly', 'l2fwd', 'txonly'],
  ])('the ledger holds across shared sockets on two queues and one: %s', async (_name, first, second) => {
    engine.setXdpProgram(lab.appIfname, 'round-robin', []);
    const a = await engine.create(request({ queueId: 0 }, { workload: first }), 'a');
    const b = await engine.create(request({ queueId: 0 }, { umemId: a.group.id, workload: second }), 'b');
    const c = await engine.create(request({ queueId: 1 }, { umemId: a.group.id, workload: 'rxdrop' }), 'c');
    if (second === 'txonly') engine.setTraffic('b', { ratePps: 5000 });
    await source.setQueues([0, 1]);
    source.resume();
    // Readings until every socket has moved frames and twenty readings were consistent: a count of readings, not a
    // window of time, which a busy machine could fill with one.
    const deadline = Date.now() + 20_000;
    const moving = () => [a, b, c].every((socket) => socket.observe().totals.rxPackets > 0);
    let readings = 0;
    while (readings <= 20 || !moving()) {
      if (Date.now() > deadline) throw new Error(`${readings} consistent readings; sockets moving: ${moving()}`);
      const reading = await a.group.observer.read({ entries: true });
      if (!reading.consistent) continue;
      readings++;
      expect(reading.ledger.violations).toEqual([]);
      const total = Object.values(reading.ledger.counts).reduce((x, y) => x + y);
      expect(total).toBe(TEST_UMEM.frameCount);
      // Every frame a ring lists is owned by that ring (or counted once downstream as consumer lag).
      for (const pair of reading.pairs) {
        const inFill = pair.frames.fill.length;
        const fillOwned = [...reading.ledger.holders].filter(
          (holder, frame) => holder === pair.slot && reading.ledger.owners[frame] === 1,
        ).length;
        expect(fillOwned + reading.ledger.consumerLag.fill).toBeGreaterThanOrEqual(inFill);
      }
      await sleep(10);
    }
    source.pause();
  });

  it('feeds one frame to FILL and TX only when asked deliberately, shows the double ownership, and the frame is overwritten by a received one', async () => {
    const a = await engine.create({ ...request(), umem: { ...TEST_UMEM, fillSize: 1024 } }, 'a');
    expect(() => engine.feedSameFrame('a', false)).toThrow(/corruption risk/);
    await waitFor(() => a.observeInDetail().ledger.counts.fill === 1024, 20_000, 'FILL to be full');
    // Room in FILL for the frame: receive a few with refilling paused.
    a.pause(['fillRefill']);
    await send(100);
    engine.feedSameFrame('a', true);
    let frame = -1;
    await waitFor(
      () => {
        const violation = a
          .observeInDetail()
          .ledger.violations.find((v) => /in fill but the application last gave it to TX/.test(v));
        if (violation) frame = Number(/frame (\d+)/.exec(violation)?.[1]);
        return violation !== undefined;
      },
      20_000,
      'the ledger to report the frame in FILL while given to TX',
    );
    // A copy-mode receive writes after XDP_PACKET_HEADROOM (256 bytes), inside the marked frame sent from here.
    const watched = 256 + 60;
    expect(a.umem.frameBytes(frame)[watched]).toBe(0xee);
    // Traffic fills every FILL entry, this frame too: what arrives overwrites what was sent from it.
    a.resume(['fillRefill']);
    source.resume();
    await waitFor(
      () => a.umem.frameBytes(frame)[watched] !== 0xee,
      20_000,
      'a received frame to overwrite the sent one',
    );
    source.pause();
    // Once the overwritten frame has come through RX, the application owns it alone again: the ledger clears.
    await waitFor(() => a.observeInDetail().ledger.violations.length === 0, 20_000, 'the double ownership to clear');
    const after = await a.observer.observeInDetail();
    expect(Object.values(after.ledger.counts).reduce((x, y) => x + y)).toBe(TEST_UMEM.frameCount);
  });
});
