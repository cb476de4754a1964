import { execFileSync } from 'node:child_process';
import { type KernelMismatchChange, type SocketConfig, type UmemConfig, XDP_PACKET_HEADROOM } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Engine, type SocketRequest } from '../src/engine/engine.ts';
import { describeInterface } from '../src/host/interfaces.ts';
import { probeKernelLimits } from '../src/host/kernel-limits.ts';
import { Lab } from '../src/lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from '../src/lab/traffic-source.ts';
import { createLogger } from '../src/logger.ts';
import { ifNameToIndex } from '../src/native/libc.ts';
import { readNetdevQueues } from '../src/native/netdev-features.ts';
import { inNetworkNamespace } from '../src/native/netns.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { fillIsFull, labEngine, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};

describeKernel('the kernel’s view of a socket, checked against the kernel’s own tools', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;

  beforeEach(async () => {
    lab = Lab.create(2);
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 200, paused: true, queueId: 0 }, noop);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  const request = (socket: Partial<SocketConfig> = {}, umem: Partial<UmemConfig> = {}): SocketRequest => ({
    umem: { ...TEST_UMEM, ...umem },
    socket: testSocket(lab, socket),
    workload: 'rxdrop',
  });

  /** The app end as `ip -d -j link` lists it, run in the lab's namespace. */
  const ipLink = () => {
    const output = execFileSync('ip', ['-n', lab.appNamespace, '-d', '-j', 'link', 'show', 'dev', lab.appIfname], {
      encoding: 'utf8',
    });
    return (JSON.parse(output) as { xdp?: { mode: number; prog?: { id: number } } }[])[0];
  };

  it.each([
    // include/uapi/linux/if_link.h: XDP_ATTACHED_DRV 1, XDP_ATTACHED_SKB 2 (iproute2's xdp and xdpgeneric).
    ['skb', 2, 'xdpgeneric'],
    ['drv', 1, 'xdp'],
  ] as const)('%s mode is what ip -d link lists for the interface, program and all', async (mode, attached, word) => {
    const socket = await engine.create(request({ xdpMode: mode }), 'moded');
    const listed = ipLink();
    expect(listed?.xdp?.mode).toBe(attached);
    expect(socket.kernel.view.xdpMode).toMatchObject({ value: mode, source: 'netlink' });
    expect(socket.kernel.view.xdpProgramId.value).toBe(listed?.xdp?.prog?.id);
    const text = execFileSync('ip', ['-n', lab.appNamespace, '-d', 'link', 'show', 'dev', lab.appIfname], {
      encoding: 'utf8',
    });
    expect(text).toMatch(new RegExp(`\\b${word}\\b`));
    expect(socket.kernel.mismatches).toEqual([]);
  });

  it('unaligned 3000-byte chunks: the kernel writes RX data at a multiple of 3000, plus the headroom, plus XDP_PACKET_HEADROOM', async () => {
    const headroom = 128;
    const socket = await engine.create(request({}, { frameSize: 3000, unaligned: true, headroom }), 'unaligned');
    expect(socket.kernel.view.unaligned).toMatchObject({ value: null, source: 'unknown' });
    engine.pause('unaligned', ['rxDrain']);
    await fillIsFull(socket, TEST_UMEM.fillSize);
    source.sendExactly(8);
    await waitFor(() => (socket.observeInDetail().entries.rx?.addresses.length ?? 0) === 8, 20_000, '8 frames in RX');
    // Measured here (copy mode, veth): every frame's data starts 384 B into its 3000-byte chunk, 128 + 256.
    for (const address of socket.observeInDetail().entries.rx?.addresses ?? []) {
      expect(address % 3000).toBe(headroom + XDP_PACKET_HEADROOM);
    }
    expect(engine.readKernelView('unaligned')).toEqual([]);
    const { view } = engine.get('unaligned').kernel;
    expect([view.chunkSize.value, view.headroom.value, view.unaligned.value]).toEqual([3000, headroom, true]);
  });

  it('need_wakeup on and off look the same to the kernel in copy mode: the same flags, and no receive wakeup either way', async () => {
    const flagsAndWakeups = async (needWakeup: boolean) => {
      const id = needWakeup ? 'on' : 'off';
      await engine.create(request({ needWakeup }), id);
      // A frame that comes before the worker's first refill finds FILL empty and is dropped: wait for it.
      await fillIsFull(engine.get(id), TEST_UMEM.fillSize);
      const before = engine.get(id).observe().totals;
      source.sendExactly(300);
      await waitFor(() => engine.get(id).observe().totals.rxPackets >= before.rxPackets + 300, 20_000, '300 frames');
      engine.readKernelView(id);
      const { view } = engine.get(id).kernel;
      const wakeups = engine.get(id).observe().totals.wakeups - before.wakeups;
      await engine.destroy(id);
      return { fill: view.fillNeedWakeup.value, tx: view.txNeedWakeup.value, wakeups };
    };
    // Measured on veth: TX's flag is set at bind with XDP_USE_NEED_WAKEUP or without it, FILL's never
    // (only a zero-copy driver sets it, xsk_set_rx_need_wakeup). So an rxdrop socket, which wakes RX only
    // when FILL's flag asks, makes no wakeup call in either case: the kernel shows no difference here.
    const expected = { fill: false, tx: true, wakeups: 0 };
    expect(await flagsAndWakeups(true)).toEqual(expected);
    expect(await flagsAndWakeups(false)).toEqual(expected);
  });

  it('a program detached from outside is a mismatch, told once as an event, and told cleared once it is back', async () => {
    const told: { socketId: string; change: KernelMismatchChange }[] = [];
    const watched = labEngine(lab, { onKernelMismatch: (socketId, change) => told.push({ socketId, change }) });
    const facts = (mismatches: readonly { fact: string }[]) => mismatches.map((mismatch) => mismatch.fact);
    try {
      const socket = await watched.create(request({ xdpMode: 'skb' }), 'detached');
      expect(socket.kernel.mismatches).toEqual([]);
      execFileSync('ip', ['-n', lab.appNamespace, 'link', 'set', 'dev', lab.appIfname, 'xdpgeneric', 'off']);
      expect(watched.readKernelView('detached')).toMatchObject([
        { fact: 'xdpMode', requested: 'skb', inEffect: 'no program' },
      ]);
      // Read again with nothing changed: nothing more is told.
      watched.readKernelView('detached');
      expect(told.map((entry) => [entry.socketId, facts(entry.change.now), facts(entry.change.cleared)])).toEqual([
        ['detached', ['xdpMode'], []],
      ]);
      // Choosing the interface's program again attaches it: the mismatch is told cleared.
      watched.setXdpProgram(lab.appIfname, 'by-queue', []);
      expect(watched.readKernelView('detached')).toEqual([]);
      expect(told.map((entry) => [facts(entry.change.now), facts(entry.change.cleared)])).toEqual([
        [['xdpMode'], []],
        [[], ['xdpMode']],
      ]);
    } finally {
      await watched.destroyAll();
    }
  });

  it('a view that cannot be read is a fault, never the socket’s end: it runs on and receives', async () => {
    const faults: { message: string; socketId: string }[] = [];
    const watched = new Engine({
      namespacePath: lab.appNamespacePath,
      limits: probeKernelLimits(),
      describeInterface: (ifname) => describeInterface(lab.appNamespace, ifname),
      frame: FRAME_TO_PEER,
      log: createLogger('fatal'),
      onFault: (message, socketId) => faults.push({ message, socketId }),
    });
    const link = (...args: string[]) => execFileSync('ip', ['-n', lab.appNamespace, 'link', 'set', 'dev', ...args]);
    try {
      const socket = await watched.create(request(), 'unread');
      expect(faults).toEqual([]);
      // Renamed (only a link that is down can be): the view's netlink reads find no interface by the socket's name.
      link(lab.appIfname, 'down');
      link(lab.appIfname, 'name', 'rs-renamed');
      try {
        expect(watched.readKernelView('unread')).toEqual([]);
      } finally {
        link('rs-renamed', 'name', lab.appIfname);
        link(lab.appIfname, 'up');
      }
      expect(faults).toEqual([
        {
          socketId: 'unread',
          message: `socket unread: the kernel's view could not be read: there is no interface ${lab.appIfname}`,
        },
      ]);
      expect(socket.kernel).toMatchObject({ mismatches: [], view: { queueId: { value: null, source: 'unknown' } } });
      await fillIsFull(socket, TEST_UMEM.fillSize);
      source.sendExactly(50);
      await waitFor(() => socket.observe().totals.rxPackets >= 50, 20_000, '50 frames on the socket');
    } finally {
      await watched.destroyAll();
    }
  });

  it('two sockets taking turns on one FILL ring each see every other chunk: no chunk or headroom mismatch', async () => {
    engine.setXdpProgram(lab.appIfname, 'round-robin', []);
    const owner = await engine.create(request({ queueId: 0 }), 'owner');
    await engine.create({ ...request({ queueId: 0 }), umemId: owner.group.id }, 'sharer');
    await fillIsFull(owner, TEST_UMEM.fillSize);
    source.sendExactly(64);
    const received = (id: string) => engine.get(id).observe().totals.rxPackets;
    await waitFor(() => received('owner') + received('sharer') >= 64, 20_000, '64 frames between the two');
    for (const id of ['owner', 'sharer']) {
      expect(engine.readKernelView(id), id).toEqual([]);
    }
    // Each saw every other chunk: a stride both 2048 and 4096 divide, so the chunk is known only to divide it,
    // and where data starts within the chunk is not known at all.
    for (const id of ['owner', 'sharer']) {
      const { chunkSize, headroom } = engine.get(id).kernel.view;
      expect(chunkSize, id).toMatchObject({ value: null, source: 'ring-contents', divides: 2 * TEST_UMEM.frameSize });
      expect(headroom.value, id).toBeNull();
    }
  });

  it('a socket sharing a UMEM shows the FILL and COMPLETION rings it uses: its queue’s pair, its own on another queue', async () => {
    engine.setXdpProgram(lab.appIfname, 'round-robin', []);
    const owner = await engine.create(request({ queueId: 0 }), 'owner');
    const umemId = owner.group.id;
    const sharers = [
      await engine.create({ ...request({ queueId: 0 }), umemId }, 'same-queue'),
      await engine.create({ ...request({ queueId: 1 }), umemId }, 'other-queue'),
    ];
    // Each is read through its own fd: bound, a socket's FILL offset maps the pair it uses, shared or its own.
    for (const socket of [owner, ...sharers]) {
      expect(socket.kernel.mismatches, socket.id).toEqual([]);
      expect(socket.kernel.view.rings.fill.candidates, socket.id).toEqual([TEST_UMEM.fillSize]);
    }
    expect(sharers[1]?.kernel.view.queueId.value).toBe(1);
  });

  it('finds the bound queue among the netdev family’s queue objects, and no XSK on the others', async () => {
    const socket = await engine.create(request({ queueId: 1 }), 'second-queue');
    const queues = inNetworkNamespace(lab.appNamespacePath, () => readNetdevQueues(ifNameToIndex(lab.appIfname)));
    expect(queues?.filter((queue) => queue.xsk)).toEqual([
      { id: 1, type: 'rx', xsk: true },
      { id: 1, type: 'tx', xsk: true },
    ]);
    expect(socket.kernel.view.queueId).toMatchObject({ value: 1, source: 'netlink' });
    expect(socket.kernel.view.ifname.value).toBe(lab.appIfname);
    await engine.destroy('second-queue');
    // The kernel unregisters the pool from its queue when the socket goes (possibly from a workqueue).
    await waitFor(
      () =>
        inNetworkNamespace(lab.appNamespacePath, () => readNetdevQueues(ifNameToIndex(lab.appIfname)))?.every(
          (queue) => !queue.xsk,
        ) === true,
      20_000,
      'no queue to have an XSK',
    );
  });
});
