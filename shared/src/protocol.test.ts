import { describe, expect, it } from 'vitest';
import { type ClientMessage, ClientMessage as ClientSchema, parseClientMessage } from './commands.ts';
import type { KernelView } from './kernel-view.ts';
import { PROTOCOL_VERSION, parseServerMessage, type ServerMessage, ServerMessage as ServerSchema } from './protocol.ts';

const ring = {
  size: 8,
  producer: 4294967295,
  consumer: 4294967290,
  cachedProducer: 4294967295,
  cachedConsumer: 4294967290,
  needWakeup: true,
};
const umem = { frameCount: 4096, frameSize: 4096, headroom: 0, fillSize: 2048, completionSize: 2048, unaligned: false };
const socket = {
  ifname: 'rs-app',
  queueId: 0,
  rxSize: 2048,
  txSize: 0,
  xdpMode: 'drv' as const,
  copy: true,
  zeroCopy: false,
  needWakeup: true,
  batchSize: 64,
};
const request = { umem, socket, workload: 'rxdrop' as const };
const stats = {
  rxDropped: 1,
  rxInvalidDescs: 0,
  txInvalidDescs: 2,
  rxRingFull: 3,
  rxFillRingEmptyDescs: 4,
  txRingEmptyDescs: 5,
};
const counts = {
  free: 1,
  fill: 2,
  'kernel-rx': 3,
  rx: 4,
  app: 5,
  tx: 6,
  'kernel-tx': 7,
  completion: 8,
  'other-socket': 9,
  'application-held': 0,
};
const unknownRing = { candidates: [], exact: false, present: false, source: 'unknown' as const };
const kernel: KernelView = {
  readAt: 1_760_000_000_000,
  rings: {
    fill: { candidates: [2048], exact: true, present: true, source: 'mmap-probe' },
    rx: { candidates: [64, 128], exact: false, present: true, source: 'mmap-probe' },
    tx: unknownRing,
    completion: { candidates: [2048], exact: true, present: true, source: 'mmap-probe' },
  },
  zeroCopy: { value: false, source: 'getsockopt' },
  xdpMode: { value: null, source: 'unknown' },
  xdpProgramId: { value: null, source: 'unknown' },
  ifname: { value: null, source: 'unknown', note: 'no socket diag in this kernel' },
  queueId: { value: null, source: 'unknown' },
  chunkSize: { value: null, source: 'unknown' },
  headroom: { value: null, source: 'unknown' },
  unaligned: { value: null, source: 'unknown' },
  fillNeedWakeup: { value: false, source: 'ring-flags' },
  txNeedWakeup: { value: null, source: 'unknown' },
};
const umemFacts = { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' as const };
const netns = { inode: 4026532999, name: 'ringside-9-app' };

const serverMessages: ServerMessage[] = [
  {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    role: 'view',
    host: { kernel: '6.18', hostname: 'lab', interfaces: [] },
    mode: 'lab',
    capabilities: ['binary-snapshots'],
    audienceUrls: ['http://workshop-box.local:7420/?token=v', 'http://[fd00::2]:7420/?token=v'],
  },
  {
    type: 'state',
    umems: [
      {
        id: 'xsk0-umem',
        config: umem,
        socketIds: ['xsk0'],
        pairs: [{ ifname: 'rs-app', queueId: 0, socketIds: ['xsk0'] }],
      },
    ],
    sockets: [
      {
        id: 'xsk0',
        umemId: 'xsk0-umem',
        config: socket,
        workload: 'rxdrop',
        request,
        pausedStages: ['rxDrain'],
        zeroCopyActive: false,
        xskmapIndex: 0,
        kernel: {
          readAt: 1,
          rings: {
            fill: { candidates: [2048], exact: true, present: true, source: 'mmap-probe' },
            rx: { candidates: [32, 64], exact: false, present: true, source: 'mmap-probe' },
            tx: { candidates: [], exact: true, present: false, source: 'mmap-probe' },
            completion: { candidates: [2048], exact: true, present: true, source: 'mmap-probe' },
          },
          zeroCopy: { value: false, source: 'getsockopt', note: 'XDP_OPTIONS' },
          xdpMode: { value: 'skb', source: 'netlink' },
          xdpProgramId: { value: 12, source: 'netlink' },
          ifname: { value: 'rs-app', source: 'netlink' },
          queueId: { value: 0, source: 'netlink' },
          chunkSize: { value: null, source: 'unknown', note: 'no frame received yet' },
          headroom: { value: null, source: 'unknown' },
          unaligned: { value: null, source: 'unknown' },
          fillNeedWakeup: { value: false, source: 'ring-flags' },
          txNeedWakeup: { value: null, source: 'ring-flags' },
        },
        mismatches: [{ fact: 'rings.rx', requested: '128 entries', inEffect: '32 or 64 entries', explanation: 'x' }],
      },
    ],
    traffic: {
      ifname: 'rs-peer',
      paused: false,
      ratePps: 10000,
      frameSize: 128,
      queueIds: [0, 1],
      destinationPorts: [9000],
    },
    lab: {
      appNamespace: 'ringside-1-0-app',
      peerNamespace: 'ringside-1-0-peer',
      appIfname: 'rs-app',
      peerIfname: 'rs-peer',
      queues: 1,
    },
    discovered: [
      {
        id: '4242-7-880011',
        pid: 4242,
        command: 'xdpsock',
        cmdline: ['xdpsock', '-i', 'rs-app', '-r'],
        fd: 7,
        inode: 880011,
        netns,
        kernel,
        umem: umemFacts,
        own: false,
        attachedAs: 'pid4242.fd7',
      },
    ],
    attached: [
      {
        id: 'pid4242.fd7',
        origin: { kind: 'attached', pid: 4242, command: 'xdpsock', fd: 7, netns },
        discoveredId: '4242-7-880011',
        kernel,
        umem: umemFacts,
      },
    ],
    interfaces: [
      {
        name: 'rs-app',
        ifindex: 2,
        driver: 'veth',
        rxQueues: 1,
        txQueues: 1,
        mtu: 1500,
        xdpFeatures: {
          basic: true,
          redirect: true,
          ndoXmit: false,
          xskZeroCopy: false,
          hwOffload: false,
          rxSg: true,
          ndoXmitSg: false,
          zeroCopyMaxSegments: 1,
        },
        attachedXdp: { mode: 'drv', programId: 7 },
      },
    ],
    xdpPrograms: [
      {
        ifname: 'rs-app',
        mode: 'drv',
        programId: 7,
        name: 'ringside_by_queue',
        kind: 'by-queue',
        ports: [],
        xskmap: { id: 9, name: 'xsks_map', maxEntries: 1, entries: [{ index: 0, socketId: 'xsk0' }] },
      },
    ],
    umemLimits: {
      pageSize: 4096,
      alignedChunkSizes: [2048, 4096],
      unalignedChunkRange: { min: 2048, max: 4096 },
      maxHeadroom: { '4096': 3392 },
    },
    snapshotsPerSecond: 10,
  },
  {
    type: 'snapshot',
    seq: 12,
    sampledAt: 1_795_000_000_000.5,
    sockets: [
      {
        socketId: 'xsk0',
        rings: { fill: ring, rx: ring, tx: null, completion: ring },
        stats,
        totals: {
          rxPackets: 2 ** 40,
          rxBytes: 2 ** 50,
          txPackets: 0,
          txBytes: 0,
          completed: 0,
          wakeups: 3,
          idleWaits: 9,
          busyPolls: 0,
          txSendtos: 0,
          txSendtoConsumed: 0,
        },
        rates: { rxPps: 1000.5, rxBps: 128000, txPps: 0, txBps: 0 },
        ledger: {
          counts,
          consumerLag: { fill: 1, tx: 0 },
          violations: ['frame 3 is in tx and in fill at once'],
          consistent: true,
        },
        pausedStages: [],
      },
      {
        socketId: 'pid4242.fd7',
        rings: { fill: { ...ring, cachedProducer: null, cachedConsumer: null }, rx: null, tx: null, completion: null },
        stats,
        totals: null,
        rates: { rxPps: 10, rxBps: null, txPps: 0, txBps: null },
        ledger: { counts, consumerLag: { fill: 0, tx: 0 }, violations: [], consistent: true },
        pausedStages: [],
      },
    ],
    traffic: { sentFrames: 99, pps: 10 },
    programs: [{ ifname: 'rs-app', redirected: 90, passed: 9, dropped: 0, noSocket: 9, wrongQueue: 1 }],
  },
  { type: 'event', id: { run: 'r', seq: 3 }, at: 1, kind: 'socket-restored', message: 'restored', socketId: 'xsk0' },
  { type: 'ack', requestId: 'r1' },
  { type: 'discovered', xsks: [] },
  { type: 'lagging', fromSeq: 40 },
  {
    type: 'socketDetail',
    requestId: 'r2',
    socketId: 'xsk0',
    sampledAt: 5,
    entries: {
      fill: { addresses: [0, 4096], lengths: [], options: [] },
      rx: { addresses: [8448], lengths: [60], options: [0] },
      tx: null,
      completion: { addresses: [], lengths: [], options: [] },
    },
    owners: 'AQID',
    rings: { fill: ring, rx: ring, tx: null, completion: ring },
    consistent: true,
  },
  {
    type: 'frameBytes',
    requestId: 'r3',
    socketId: 'xsk0',
    frame: 2,
    address: 4096,
    owner: 'rx',
    length: 60,
    offset: 256,
    bytes: 'AAECAw==',
  },
  {
    type: 'error',
    requestId: null,
    code: 'bad-request',
    message: 'no',
    problems: [{ field: 'zeroCopy', message: 'use copy mode' }],
  },
];

const clientMessages: ClientMessage[] = [
  { type: 'hello', protocol: PROTOCOL_VERSION },
  { type: 'setTraffic', requestId: 'a', paused: true, ratePps: 5, queueIds: [0, 1], destinationPorts: [9000, 9001] },
  { type: 'setSnapshotRate', requestId: 'b', perSecond: 60 },
  { type: 'resync', requestId: 'c' },
  {
    type: 'createSocket',
    requestId: 'd',
    socketId: 'sender-1',
    request: { ...request, traffic: { ratePps: 10, frameLength: 64 }, checks: 'kernel' },
  },
  { type: 'reconfigureSocket', requestId: 'e', socketId: 'xsk0', request },
  { type: 'destroySocket', requestId: 'f', socketId: 'xsk0' },
  { type: 'pauseStages', requestId: 'g', socketId: 'xsk0', stages: ['fillRefill', 'rxDrain'] },
  { type: 'resumeStages', requestId: 'h', socketId: 'xsk0', stages: ['completionReap'] },
  { type: 'step', requestId: 'i', socketId: 'xsk0', stages: ['rxDrain'] },
  { type: 'setSocketTraffic', requestId: 'j', socketId: 'xsk0', ratePps: 100, frameLength: 200 },
  { type: 'injectInvalidTx', requestId: 'k', socketId: 'xsk0' },
  { type: 'inspectSocket', requestId: 'l', socketId: 'xsk0' },
  { type: 'subscribe', requestId: 'm', detailOf: 'xsk0' },
  { type: 'feedSameFrame', requestId: 'n', socketId: 'xsk0', deliberately: true },
  {
    type: 'setXdpProgram',
    requestId: 'o',
    ifname: 'rs-app',
    program: 'steer-by-port',
    ports: [{ port: 9000, index: 1 }],
  },
  { type: 'readFrame', requestId: 'p', socketId: 'xsk0', frame: 7 },
  { type: 'injectInvalidFill', requestId: 'q', socketId: 'xsk0' },
  { type: 'refreshKernelView', requestId: 'r', socketId: 'xsk0' },
  { type: 'attach', requestId: 's', pid: 4242, fd: 7 },
  { type: 'detach', requestId: 't', socketId: 'pid4242.fd7' },
  {
    type: 'sendTxDescriptors',
    requestId: 'u',
    socketId: 'xsk0',
    descriptors: [
      { addr: 0, len: 64 },
      { addr: '0xfffffffffffffffe', len: 64, options: 1 },
    ],
  },
  { type: 'runScenario', requestId: 'v', name: 'SEND_RECEIVE' },
];

describe('every protocol message survives the wire', () => {
  it('covers every member of both unions', () => {
    const types = (schema: typeof ServerSchema | typeof ClientSchema) =>
      schema.options.map((option) => option.shape.type.value).sort();
    expect(serverMessages.map((message) => message.type).sort()).toEqual(types(ServerSchema));
    expect(clientMessages.map((message) => message.type).sort()).toEqual(types(ClientSchema));
  });

  it.each(serverMessages.map((message) => [message.type, message] as const))(
    'server → client: %s',
    (_type, message) => {
      expect(parseServerMessage(JSON.stringify(message))).toEqual({ ok: true, value: message });
    },
  );

  it.each(clientMessages.map((message) => [message.type, message] as const))(
    'client → server: %s',
    (_type, message) => {
      expect(parseClientMessage(JSON.stringify(message))).toEqual({ ok: true, value: message });
    },
  );
});

describe('protocol 2.1 against 2.0', () => {
  it('reads the state of an agent that discovers nothing as having no discovered or attached sockets', () => {
    const state = serverMessages.find((message) => message.type === 'state');
    const { discovered: _d, attached: _a, ...older } = state as Extract<ServerMessage, { type: 'state' }>;
    const parsed = parseServerMessage(JSON.stringify(older));
    expect(parsed.ok && parsed.value.type === 'state' && [parsed.value.discovered, parsed.value.attached]).toEqual([
      [],
      [],
    ]);
  });
});

describe('protocol 2.2 against 2.1', () => {
  const hello = serverMessages.find((message) => message.type === 'hello') as Extract<ServerMessage, { type: 'hello' }>;

  it('reads the hello of an agent that names no audience URLs', () => {
    const { audienceUrls: _urls, ...older } = hello;
    const parsed = parseServerMessage(JSON.stringify(older));
    expect(parsed.ok && parsed.value.type === 'hello' && parsed.value.audienceUrls).toBeUndefined();
  });

  it('refuses an audience URL that is not a plain http link', () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'https://box/?token=v', 'not a url']) {
      expect(parseServerMessage(JSON.stringify({ ...hello, audienceUrls: [url] })).ok, url).toBe(false);
    }
  });

  const mismatch = { fact: 'xdpMode', requested: 'skb', inEffect: 'no program', explanation: 'rs-app has none' };
  const event = { type: 'event', at: 1, kind: 'kernel-mismatch', socketId: 'xsk0', message: 'socket xsk0: cleared' };

  it('carries what changed in a kernel-mismatch event, and reads an older event without it', () => {
    const cleared = { ...event, mismatch: { now: [], cleared: [mismatch] } };
    expect(parseServerMessage(JSON.stringify(cleared))).toEqual({ ok: true, value: cleared });
    expect(parseServerMessage(JSON.stringify(event))).toEqual({ ok: true, value: event });
  });
});

describe('malformed messages are refused with the field at fault', () => {
  it('names the field', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'setSnapshotRate', requestId: 'x', perSecond: 61 }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/^perSecond: /);
  });

  it('refuses text that is not JSON and types that do not exist', () => {
    expect(parseClientMessage('{')).toEqual({ ok: false, error: 'message is not valid JSON' });
    const unknown = parseClientMessage(JSON.stringify({ type: 'reboot' }));
    expect(unknown.ok).toBe(false);
  });
});

describe('a table of TX descriptors', () => {
  const table = (descriptors: unknown[]) =>
    parseClientMessage(JSON.stringify({ type: 'sendTxDescriptors', requestId: 'x', socketId: 'xsk0', descriptors }));
  const error = (descriptors: unknown[]) => {
    const parsed = table(descriptors);
    return parsed.ok ? null : parsed.error;
  };

  it('takes every u64 address, as a number or a decimal or 0x string, and u32 lengths and options', () => {
    const descriptors = [
      { addr: 0, len: 0 },
      { addr: Number.MAX_SAFE_INTEGER, len: 0xffff_ffff, options: 0xffff_ffff },
      { addr: '18446744073709551615', len: 64 },
      { addr: '0xFFFFFFFFFFFFFFFE', len: 64, options: 1 },
    ];
    expect(table(descriptors)).toEqual({
      ok: true,
      value: { type: 'sendTxDescriptors', requestId: 'x', socketId: 'xsk0', descriptors },
    });
  });

  it('refuses what is not a u64 or a u32, naming the descriptor and field, and an empty table', () => {
    expect(error([{ addr: -1, len: 64 }])).toMatch(/^descriptors\.0\.addr: /);
    expect(error([{ addr: 2 ** 53, len: 64 }])).toMatch(/^descriptors\.0\.addr: /);
    expect(
      error([
        { addr: 0, len: 64 },
        { addr: '18446744073709551616', len: 64 },
      ]),
    ).toMatch(/^descriptors\.1\.addr: /);
    expect(error([{ addr: '0x10000000000000000', len: 64 }])).toMatch(/^descriptors\.0\.addr: /);
    expect(error([{ addr: '-5', len: 64 }])).toMatch(/^descriptors\.0\.addr: /);
    expect(error([{ addr: 0, len: 2 ** 32 }])).toMatch(/^descriptors\.0\.len: /);
    expect(error([{ addr: 0, len: 64, options: -1 }])).toMatch(/^descriptors\.0\.options: /);
    expect(error([])).toMatch(/^descriptors: /);
  });
});
