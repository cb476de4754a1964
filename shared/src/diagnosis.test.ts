import { describe, expect, it } from 'vitest';
import { defaultSocketRequest } from './defaults.ts';
import { type DiagnosisState, diagnose, expectedRises } from './diagnosis.ts';
import type { KernelView } from './kernel-view.ts';
import { emptyOwnerCounts } from './ledger.ts';
import type {
  AttachedSocketInfo,
  LabInfo,
  LinkReading,
  SnapshotMessage,
  SocketInfo,
  SocketSample,
  XdpActions,
  XdpProgramInfo,
} from './protocol.ts';
import type { RingState } from './rings.ts';

const unknown = { value: null, source: 'unknown' } as const;
const NO_RING: KernelView['rings']['rx'] = { candidates: [], exact: false, present: false, source: 'unknown' };
/** The diagnosis reads the program and ring words, not the kernel's view: a view with nothing known. */
const KERNEL_VIEW: KernelView = {
  readAt: 0,
  rings: { fill: NO_RING, rx: NO_RING, tx: NO_RING, completion: NO_RING },
  zeroCopy: unknown,
  xdpMode: unknown,
  xdpProgramId: unknown,
  ifname: unknown,
  queueId: unknown,
  chunkSize: unknown,
  headroom: unknown,
  unaligned: unknown,
  fillNeedWakeup: unknown,
  txNeedWakeup: unknown,
};

function socketOn(id: string, queueId: number, xskmapIndex: number | null, rxSize = 2048): SocketInfo {
  const request = defaultSocketRequest('rs-app', queueId);
  const config = { ...request.socket, rxSize };
  return {
    id,
    umemId: `${id}-umem`,
    config,
    workload: 'rxdrop',
    request: { ...request, socket: config },
    pausedStages: [],
    zeroCopyActive: false,
    xskmapIndex,
    kernel: KERNEL_VIEW,
    mismatches: [],
  };
}

function byQueue(entries: { index: number; socketId: string }[], kind: XdpProgramInfo['kind'] = 'by-queue') {
  return {
    ifname: 'rs-app',
    mode: 'drv',
    programId: 42,
    name: 'ringside_by_queue',
    kind,
    ports: [],
    xskmap: kind === 'other' ? null : { id: 7, name: 'xsks_map', maxEntries: 64, entries },
  } satisfies XdpProgramInfo;
}

const ring = (producer: number, consumer: number, size = 2048): RingState => ({
  size,
  producer,
  consumer,
  cachedProducer: producer,
  cachedConsumer: consumer,
  needWakeup: false,
});

/** What moves in 2 s between the readings. */
interface Movement {
  queueFrames: number[];
  received: number;
  actions: Partial<XdpActions>;
  fillEmpty: number;
  rxFull: number;
}

const HEALTHY: Movement = {
  queueFrames: [2000, 0],
  received: 2000,
  actions: { redirected: 2000 },
  fillEmpty: 0,
  rxFull: 0,
};

function sample(socketId: string, moved: Movement, at: 0 | 1, rings: Partial<SocketSample['rings']> = {}) {
  return {
    socketId,
    rings: { fill: ring(2048, 0), rx: ring(10, 0), tx: ring(0, 0), completion: ring(0, 0), ...rings },
    stats: {
      rxDropped: moved.fillEmpty * at,
      rxInvalidDescs: 0,
      txInvalidDescs: 0,
      rxRingFull: moved.rxFull * at,
      rxFillRingEmptyDescs: moved.fillEmpty * at,
      txRingEmptyDescs: 500 * at,
    },
    totals: {
      rxPackets: moved.received * at,
      rxBytes: 0,
      txPackets: 0,
      txBytes: 0,
      completed: 0,
      wakeups: 0,
      idleWaits: 0,
      busyPolls: 0,
      txSendtos: 0,
      txSendtoConsumed: 0,
    },
    rates: { rxPps: 0, rxBps: 0, txPps: 0, txBps: 0 },
    ledger: { counts: emptyOwnerCounts(), consumerLag: { fill: 0, tx: 0 }, violations: [], consistent: true },
    pausedStages: [],
  } satisfies SocketSample;
}

function snapshot(
  moved: Movement,
  at: 0 | 1,
  options: { up?: boolean; withProgram?: boolean; perQueue?: boolean; fillHolds?: number } = {},
) {
  const action = (name: keyof XdpActions) => (moved.actions[name] ?? 0) * at;
  const link: LinkReading = {
    ifname: 'rs-app',
    readAt: 1_000_000 + 2000 * at,
    up: options.up ?? true,
    queues: options.perQueue === false ? null : moved.queueFrames.map((frames) => ({ frames: frames * at, drops: 0 })),
  };
  return {
    type: 'snapshot',
    seq: at,
    sampledAt: 1_000_000 + 2000 * at,
    sockets: [sample('xsk0', moved, at, options.fillHolds === undefined ? {} : { fill: ring(options.fillHolds, 0) })],
    traffic: null,
    programs:
      options.withProgram === false
        ? []
        : [
            {
              ifname: 'rs-app',
              redirected: action('redirected'),
              passed: action('passed'),
              dropped: action('dropped'),
              noSocket: action('noSocket'),
              wrongQueue: action('wrongQueue'),
            },
          ],
    links: [link],
  } satisfies SnapshotMessage;
}

function world(
  sockets: SocketInfo[],
  program: XdpProgramInfo | null,
  moved: Movement,
  options: { up?: boolean; perQueue?: boolean; fillHolds?: number } = {},
  lab: Pick<DiagnosisState, 'lab' | 'traffic'> = { lab: null, traffic: null },
) {
  const state: DiagnosisState = { sockets, xdpPrograms: program ? [program] : [], attached: [], ...lab };
  const withProgram = program !== null && program.kind !== 'other';
  const result = diagnose(
    state,
    'xsk0',
    snapshot(moved, 0, { ...options, withProgram }),
    snapshot(moved, 1, { ...options, withProgram }),
  );
  if (!result) throw new Error('no diagnosis');
  return result;
}

const healthySocket = socketOn('xsk0', 0, 0);
const healthyProgram = byQueue([{ index: 0, socketId: 'xsk0' }]);

describe('why a socket receives nothing', () => {
  it('says "receiving" with the rate when every stage holds', () => {
    const result = world([healthySocket], healthyProgram, HEALTHY);
    expect(result.verdict).toBe('receiving');
    expect(result.line).toBe('receiving: 1000 frames/s');
    expect(result.stages.map((stage) => stage.status)).toEqual(Array(8).fill('ok'));
    expect(result.blames).toEqual([]);
  });

  it('blames the link first when the interface is down', () => {
    const result = world(
      [healthySocket],
      healthyProgram,
      { ...HEALTHY, queueFrames: [0, 0], received: 0 },
      { up: false },
    );
    expect(result.failing).toBe('link');
    expect(result.stages[0]?.fix).toMatch(/ip link set rs-app up/);
  });

  it('names the busy queue when the socket is bound to another (the FAQ’s first pitfall)', () => {
    const result = world([socketOn('xsk0', 1, 1)], byQueue([{ index: 1, socketId: 'xsk0' }]), {
      ...HEALTHY,
      queueFrames: [2000, 0],
      received: 0,
      actions: { passed: 2000, noSocket: 2000 },
    });
    expect(result.failing).toBe('queue');
    expect(result.line).toMatch(/frames reach queue 1: no — frames arrive on queue 0 \(1000\/s\), none on queue 1/);
    expect(result.stages.find((stage) => stage.stage === 'queue')?.fix).toMatch(/ethtool -L rs-app combined 1/);
  });

  it('says nothing arrives when a program runs but no queue counts a frame', () => {
    const result = world([healthySocket], healthyProgram, {
      ...HEALTHY,
      queueFrames: [0, 0],
      received: 0,
      actions: {},
    });
    expect(result.failing).toBe('queue');
    expect(result.line).toMatch(/no frame arrives on any queue of rs-app/);
  });

  it('blames the missing program, leaving the silent queue counters unjudged', () => {
    const result = world([healthySocket], null, { ...HEALTHY, queueFrames: [0, 0], received: 0, actions: {} });
    expect(result.failing).toBe('program');
    expect(result.stages[1]?.status).toBe('unknown');
    expect(result.line).toMatch(/no XDP program is attached to rs-app/);
  });

  it('reads what it can of a program that is not Ringside’s and judges on', () => {
    const foreign = { ...byQueue([], 'other'), name: 'xdp_sock_prog' };
    const result = world([healthySocket], foreign, HEALTHY);
    expect(result.verdict).toBe('receiving');
    expect(result.stages.find((stage) => stage.stage === 'actions')).toMatchObject({
      status: 'unknown',
      evidence: expect.stringMatching(/xdp_sock_prog is not Ringside's/),
    });
    const withMap = {
      ...foreign,
      xskmap: { id: 9, name: 'xsks_map', maxEntries: 4, entries: [] },
    } satisfies XdpProgramInfo;
    expect(world([healthySocket], withMap, HEALTHY).stages.find((stage) => stage.stage === 'xskmap')).toMatchObject({
      status: 'unknown',
      evidence: expect.stringMatching(
        /xsks_map \(id 9, 4 entries\) is not Ringside's: the kernel does not let user space read/,
      ),
    });
  });

  it('shows the driver’s drops on the socket’s queue as what can be read of a foreign program', () => {
    const foreign = { ...byQueue([], 'other'), name: 'xdp_sock_prog' };
    const state: DiagnosisState = {
      sockets: [healthySocket],
      xdpPrograms: [foreign],
      traffic: null,
      attached: [],
      lab: null,
    };
    const before = snapshot(HEALTHY, 0, { withProgram: false });
    const now = snapshot(HEALTHY, 1, { withProgram: false });
    now.links = [{ ifname: 'rs-app', readAt: 1_002_000, up: true, queues: [{ frames: 2000, drops: 600 }] }];
    const actions = diagnose(state, 'xsk0', before, now)?.stages.find((stage) => stage.stage === 'actions');
    expect(actions?.evidence).toMatch(/the driver drops 300 frames\/s of queue 0/);
  });

  it('blames the program when it passes frames without choosing an index', () => {
    const steer = { ...byQueue([{ index: 0, socketId: 'xsk0' }], 'steer-by-port'), ports: [{ port: 9, index: 0 }] };
    const result = world([healthySocket], steer, { ...HEALTHY, received: 0, actions: { passed: 2000 } });
    expect(result.failing).toBe('actions');
    expect(result.stages[3]?.fix).toMatch(/UDP destination port/);
  });

  it('follows the lab source’s ports through a steer-by-port program to the index they reach', () => {
    // Port 9 would reach xsk0, but the source sends to 4242 only, which goes to an empty index.
    const steer = {
      ...byQueue([{ index: 0, socketId: 'xsk0' }], 'steer-by-port'),
      ports: [
        { port: 9, index: 0 },
        { port: 4242, index: 1 },
      ],
    };
    const state: DiagnosisState = {
      sockets: [healthySocket],
      xdpPrograms: [steer],
      attached: [],
      lab: { appNamespace: 'rs-a', peerNamespace: 'rs-p', appIfname: 'rs-app', peerIfname: 'rs-peer', queues: 1 },
      traffic: {
        ifname: 'rs-peer',
        paused: false,
        ratePps: 1000,
        frameSize: 64,
        queueIds: [0],
        destinationPorts: [4242],
      },
    };
    const moved = { ...HEALTHY, received: 0, actions: { passed: 2000, noSocket: 2000 } };
    const result = diagnose(state, 'xsk0', snapshot(moved, 0), snapshot(moved, 1));
    expect(result?.failing).toBe('xskmap');
    expect(result?.line).toMatch(/index 1, which is empty/);
  });

  it('names an empty XSKMAP index at the socket’s queue', () => {
    const result = world([socketOn('xsk0', 0, 3)], byQueue([{ index: 3, socketId: 'xsk0' }]), {
      ...HEALTHY,
      received: 0,
      actions: { passed: 2000, noSocket: 2000 },
    });
    expect(result.failing).toBe('xskmap');
    expect(result.line).toMatch(/index 0, which is empty \(xsk0 sits at index 3\)/);
  });

  it('names the socket of another queue that sits at the index', () => {
    const sockets = [socketOn('xsk0', 0, 3), socketOn('other', 1, 0)];
    const program = byQueue([
      { index: 0, socketId: 'other' },
      { index: 3, socketId: 'xsk0' },
    ]);
    const result = world(sockets, program, { ...HEALTHY, received: 0, actions: { wrongQueue: 2000 } });
    expect(result.failing).toBe('xskmap');
    expect(result.line).toMatch(/index 0 holds other, bound to queue 1: the kernel drops frames of queue 0/);
  });

  it('accepts round-robin when the socket’s index is in the turn', () => {
    const sockets = [socketOn('xsk0', 0, 1), socketOn('twin', 0, 0)];
    const program = byQueue(
      [
        { index: 0, socketId: 'twin' },
        { index: 1, socketId: 'xsk0' },
      ],
      'round-robin',
    );
    expect(world(sockets, program, HEALTHY).verdict).toBe('receiving');
  });

  it('judges no receive path for a socket without an RX ring: it only sends', () => {
    const result = world([socketOn('xsk0', 1, null, 0)], byQueue([]), {
      ...HEALTHY,
      received: 0,
      actions: { passed: 2000, noSocket: 2000 },
    });
    expect(result).toMatchObject({ verdict: 'quiet', failing: null, line: 'no RX ring: xsk0 only sends', stages: [] });
  });

  it('fails the binding when the kernel refuses frames sent only to the socket’s own index', () => {
    const result = world([healthySocket], healthyProgram, { ...HEALTHY, received: 0, actions: { wrongQueue: 2000 } });
    expect(result.failing).toBe('binding');
    expect(result.line).toMatch(
      /finds xsk0 at index 0 bound to another queue than 0: the kernel refuses 1000 frames\/s/,
    );
  });

  it('blames FILL when the kernel finds it empty, and its counters', () => {
    const result = world([healthySocket], healthyProgram, { ...HEALTHY, received: 0, fillEmpty: 2000 });
    expect(result.failing).toBe('fill');
    expect(result.blames).toEqual(['rxFillRingEmptyDescs', 'rxDropped']);
    expect(result.line).toMatch(/FILL has buffers: no — .*1000 times\/s/);
    // Full when sampled, empty in between: the line says both, so "no" does not read as a contradiction.
    expect(result.line).toMatch(/FILL holds \d+ of \d+ now, yet between refills the kernel found FILL empty/);
    const emptyNow = world(
      [healthySocket],
      healthyProgram,
      { ...HEALTHY, received: 0, fillEmpty: 2000 },
      { fillHolds: 0 },
    );
    expect(emptyNow.line).toMatch(/FILL holds 0 of 2048; the kernel found FILL empty/);
  });

  it('blames RX when it is full, and rx_ring_full', () => {
    const result = world([healthySocket], healthyProgram, { ...HEALTHY, received: 0, rxFull: 2000 });
    expect(result.failing).toBe('rx');
    expect(result.blames).toEqual(['rxRingFull']);
  });

  it('blames the data plane, not a stage to resume, once its worker was left down', () => {
    const down = {
      ...healthySocket,
      dataPlane: { state: 'down' as const, since: 1, reason: 'the data-plane worker crashed 4 times' },
    };
    const result = world([down], healthyProgram, { ...HEALTHY, received: 0, fillEmpty: 2000 });
    expect(result.failing).toBe('fill');
    expect(result.line).toMatch(
      /FILL has buffers: no — the data plane driving xsk0's rings is down: .*crashed 4 times/,
    );
    expect(result.stages.find((stage) => stage.stage === 'fill')?.fix).toMatch(/start a new data-plane worker/);
    // Counters alone, with the worker running, still blame FILL in the spec's words.
    const running = world([healthySocket], healthyProgram, { ...HEALTHY, received: 0, fillEmpty: 2000 });
    expect(running.stages.find((stage) => stage.stage === 'fill')?.fix).toMatch(
      /keep giving the kernel free UMEM frames/,
    );
  });

  it('says quiet, not failing, when no stage is at fault and nothing arrived', () => {
    const foreign = { ...byQueue([], 'other'), name: 'foreign' };
    const silent = { ...HEALTHY, received: 0, actions: {} };
    const result = world([healthySocket], foreign, silent, { perQueue: false });
    expect(result.verdict).toBe('quiet');
  });

  it('judges no queue rate from one link reading seen in two snapshots', () => {
    const state: DiagnosisState = {
      sockets: [healthySocket],
      xdpPrograms: [healthyProgram],
      traffic: null,
      lab: null,
      attached: [],
    };
    const before = snapshot(HEALTHY, 0);
    const now = { ...snapshot(HEALTHY, 1), links: before.links };
    expect(diagnose(state, 'xsk0', before, now)?.stages[1]?.status).toBe('unknown');
  });

  it('judges no rate from two readings of the same instant', () => {
    const state: DiagnosisState = {
      sockets: [healthySocket],
      xdpPrograms: [healthyProgram],
      traffic: null,
      lab: null,
      attached: [],
    };
    const now = snapshot(HEALTHY, 1);
    const result = diagnose(state, 'xsk0', now, now);
    expect(result?.stages.filter((stage) => stage.status === 'unknown').map((stage) => stage.stage)).toEqual([
      'queue',
      'actions',
      'fill',
      'rx',
    ]);
  });
});

describe('a lab socket that receives nothing while the lab’s source sends nothing', () => {
  const LAB: LabInfo = {
    appNamespace: 'ringside-1-0-app',
    peerNamespace: 'ringside-1-0-peer',
    appIfname: 'rs-app',
    peerIfname: 'rs-peer',
    queues: 2,
  };
  const source = (paused: boolean, ratePps = 10_000) => ({
    lab: LAB,
    traffic: { ifname: 'rs-peer', paused, ratePps, frameSize: 128, queueIds: [0], destinationPorts: [9] },
  });
  /** Nothing reaches a queue: the queue stage fails for want of frames. */
  const NOTHING = { ...HEALTHY, queueFrames: [0, 0], received: 0, actions: {} };
  /** Nothing read of the queues or the program: no stage is at fault. */
  const foreign = { ...byQueue([], 'other'), name: 'foreign' };
  const quiet = (lab: ReturnType<typeof source>) => world([healthySocket], foreign, NOTHING, { perQueue: false }, lab);

  it('says first that the source is paused, and how to resume it, rather than that no stage is at fault', () => {
    expect(quiet(source(true))).toMatchObject({
      verdict: 'quiet',
      line: "nothing received: the lab's traffic source is paused: resume it in the traffic controls (or press t)",
    });
  });

  it('takes the queue stage, which fails for want of frames, for no fault of its own', () => {
    expect(world([healthySocket], healthyProgram, NOTHING, {}, source(false)).failing).toBe('queue');
    const paused = world([healthySocket], healthyProgram, NOTHING, {}, source(true));
    expect(paused).toMatchObject({ verdict: 'quiet', failing: null, blames: [] });
    expect(paused.line).toMatch(/^nothing received: the lab's traffic source is paused/);
    expect(paused.stages.find((finding) => finding.stage === 'queue')?.status).toBe('failing');
  });

  it('says first that the source is down, why, and what starts it again, whether it was paused or not', () => {
    const reason = 'the data-plane worker crashed (ended) 4 times in 10 s, restarted 3 times, and was left down';
    const down = (paused: boolean) => {
      const lab = source(paused);
      return { ...lab, traffic: { ...lab.traffic, dataPlane: { state: 'down' as const, since: 1, reason } } };
    };
    for (const paused of [false, true]) {
      expect(quiet(down(paused)).line).toBe(
        `nothing received: the lab's traffic source is down (${reason}): any change in the traffic controls starts it again`,
      );
    }
    const running = source(true);
    const told = { ...running, traffic: { ...running.traffic, dataPlane: { state: 'running' as const } } };
    expect(quiet(told).line).toMatch(/^nothing received: the lab's traffic source is paused/);
  });

  it('says so of a source sending at rate 0', () => {
    expect(quiet(source(false, 0)).line).toMatch(
      /^nothing received: the lab's traffic source sends 0 frames\/s: raise its rate/,
    );
  });

  it('leaves the source out while it sends, while frames arrive, and for a socket off the lab’s app end', () => {
    expect(quiet(source(false)).line).toBe('nothing received, and no stage is at fault');
    expect(world([healthySocket], healthyProgram, HEALTHY, {}, source(true)).verdict).toBe('receiving');
    const elsewhere = { ...source(true), lab: { ...LAB, appIfname: 'rs-other' } };
    expect(quiet(elsewhere).line).toBe('nothing received, and no stage is at fault');
  });

  it('leaves a socket without an RX ring to its own verdict: it only sends, whatever the source does', () => {
    const sendOnly = world([socketOn('xsk0', 0, 0, 0)], healthyProgram, NOTHING, {}, source(true));
    expect(sendOnly.line).toBe('no RX ring: xsk0 only sends');
  });

  it('still names a stage at fault that no traffic explains, after the source', () => {
    const result = world([healthySocket], null, NOTHING, {}, source(true));
    expect(result).toMatchObject({ verdict: 'failing', failing: 'program' });
    expect(result.line).toMatch(
      /^nothing received: the lab's traffic source is paused: .*; and an XDP program runs on rs-app: no/,
    );
  });
});

describe('another process’s socket, attached read-only', () => {
  const RX: KernelView['rings']['rx'] = { candidates: [2048], exact: true, present: true, source: 'mmap-probe' };
  /** The owner's receiver as discovery sees it here: no xsk_diag, its interface and program inferred. */
  const attached = (kernel: Partial<KernelView> = {}): AttachedSocketInfo => ({
    id: 'pid77.fd9',
    origin: { kind: 'attached', pid: 77, command: 'xdpsock', fd: 9, netns: { inode: 1, name: 'lab' } },
    discoveredId: 'pid77.fd9.123',
    kernel: {
      ...KERNEL_VIEW,
      rings: { ...KERNEL_VIEW.rings, rx: RX },
      ifname: { value: 'rs-app', source: 'netlink', note: 'inferred' },
      queueId: { value: 0, source: 'netlink', note: 'inferred' },
      xdpMode: { value: 'drv', source: 'netlink', note: 'inferred' },
      xdpProgramId: { value: 5, source: 'netlink' },
      ...kernel,
    },
    umem: { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' },
  });
  /** Its samples carry no totals (the owner counts for itself): RX's producer is what moved. */
  const foreign = (moved: Movement, at: 0 | 1, rxProducer: number) => ({
    ...snapshot(moved, at),
    sockets: [{ ...sample('pid77.fd9', moved, at, { rx: ring(rxProducer, rxProducer) }), totals: null }],
  });
  const judge = (socket: AttachedSocketInfo, moved: Movement, produced: number) => {
    const state: DiagnosisState = {
      sockets: [],
      xdpPrograms: [healthyProgram],
      traffic: null,
      attached: [socket],
      lab: null,
    };
    return diagnose(state, socket.id, foreign(moved, 0, 100), foreign(moved, 1, 100 + produced));
  };

  it('is diagnosed, not left pending: receiving, from how far the kernel moved RX’s producer', () => {
    const result = judge(attached(), HEALTHY, 3000);
    expect(result?.verdict).toBe('receiving');
    expect(result?.line).toBe('receiving: 1500 frames/s (not judged: link, queue, actions and xskmap)');
  });

  it('names the stages it cannot judge as such, with the reason, and judges the rest', () => {
    const result = judge(attached(), HEALTHY, 3000);
    const status = Object.fromEntries(result?.stages.map((stage) => [stage.stage, stage.status]) ?? []);
    expect(status).toEqual({
      link: 'unknown',
      queue: 'unknown',
      program: 'ok',
      actions: 'unknown',
      xskmap: 'unknown',
      binding: 'ok',
      fill: 'ok',
      rx: 'ok',
    });
    const evidence = (stage: string) => result?.stages.find((finding) => finding.stage === stage)?.evidence;
    expect(evidence('link')).toMatch(/^not judged: Ringside reads the links of its own interfaces only/);
    expect(evidence('xskmap')).toMatch(
      /does not let user space read which socket sits at an index of xdpsock's XSKMAP/,
    );
    expect(evidence('program')).toBe('program id 5 in drv mode (netlink: inferred)');
  });

  it('blames FILL from the kernel’s own counters, as for Ringside’s sockets', () => {
    const result = judge(attached(), { ...HEALTHY, fillEmpty: 800 }, 0);
    expect(result).toMatchObject({
      verdict: 'failing',
      failing: 'fill',
      blames: ['rxFillRingEmptyDescs', 'rxDropped'],
    });
  });

  it('blames a missing program only when the kernel said there is none, and leaves unknown facts unjudged', () => {
    const none = attached({ xdpMode: { value: null, source: 'netlink', note: 'no XDP program on rs-app' } });
    expect(judge(none, HEALTHY, 0)).toMatchObject({ verdict: 'failing', failing: 'program' });
    const untold = attached({
      xdpMode: {
        value: null,
        source: 'unknown',
        note: 'the XDP program on the interface says it; the socket does not',
      },
      queueId: { value: null, source: 'unknown', note: 'the kernel has no xsk_diag' },
    });
    const quiet = judge(untold, HEALTHY, 0);
    expect(quiet?.verdict).toBe('quiet');
    expect(quiet?.line).toBe(
      'nothing received, and no stage Ringside can judge is at fault (not judged: link, queue, program, actions, xskmap and binding)',
    );
  });

  it('says a socket without an RX ring only sends', () => {
    const sender = attached({ rings: { ...KERNEL_VIEW.rings, rx: { ...NO_RING, source: 'mmap-probe' } } });
    expect(judge(sender, HEALTHY, 0)).toMatchObject({ verdict: 'quiet', line: 'no RX ring: pid77.fd9 only sends' });
  });
});

describe('counters that rise in a healthy socket', () => {
  it('expects tx_ring_empty_descs of any socket with a TX ring, saying why for its workload', () => {
    expect(expectedRises(healthySocket).txRingEmptyDescs).toMatch(/poll of this rxdrop socket wakes its TX path/);
    expect(expectedRises({ ...healthySocket, workload: 'txonly' }).txRingEmptyDescs).toMatch(/sendto/);
    expect(expectedRises({ ...healthySocket, config: { ...healthySocket.config, txSize: 0 } })).toEqual({});
  });
});
