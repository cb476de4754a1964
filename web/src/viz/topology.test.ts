import type { InterfaceInfo, UmemInfo, XdpProgramInfo } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { attachedSocket, LAB_UMEM, labProgram, labSocket } from '../test-fixtures.ts';
import { buildTopology, clipLine, coarseRate, layoutTopology, nodeIds, type TopologyInput } from './topology.ts';

const umemConfig = LAB_UMEM;
const socket = (id: string, queueId: number, xskmapIndex: number | null) => labSocket(id, queueId, { xskmapIndex });

const device: InterfaceInfo = {
  name: 'rs-app',
  ifindex: 2,
  driver: 'veth',
  rxQueues: 2,
  txQueues: 2,
  mtu: 1500,
  xdpFeatures: null,
  attachedXdp: { mode: 'drv', programId: 42 },
};

const program = (kind: XdpProgramInfo['kind'], entries: { index: number; socketId: string }[]) =>
  labProgram(kind, entries);

function input(overrides: Partial<TopologyInput>): TopologyInput {
  return {
    interfaces: [device],
    programs: [],
    sockets: [],
    umems: [],
    attached: [],
    lab: { appNamespace: 'a', peerNamespace: 'p', appIfname: 'rs-app', peerIfname: 'rs-peer', queues: 2 },
    traffic: {
      ifname: 'rs-peer',
      paused: false,
      ratePps: 5000,
      frameSize: 128,
      queueIds: [0],
      destinationPorts: [4242],
    },
    trafficPps: 5000,
    rxPps: {},
    actionRates: {},
    ...overrides,
  };
}

const quiet = { redirected: 0, passed: 0, dropped: 0, noSocket: 0, wrongQueue: 0 };

describe('buildTopology', () => {
  it('draws two sockets sharing one UMEM through one FILL/COMPLETION pair on one queue', () => {
    const umem: UmemInfo = {
      id: 'xsk0-umem',
      config: umemConfig,
      socketIds: ['xsk0', 'twin'],
      pairs: [{ ifname: 'rs-app', queueId: 0, socketIds: ['xsk0', 'twin'] }],
    };
    const model = buildTopology(
      input({
        programs: [
          program('round-robin', [
            { index: 0, socketId: 'xsk0' },
            { index: 1, socketId: 'twin' },
          ]),
        ],
        sockets: [socket('xsk0', 0, 0), socket('twin', 0, 1)],
        umems: [umem],
        rxPps: { xsk0: 2500, twin: 2500 },
        actionRates: { 'rs-app': { ...quiet, redirected: 5000 } },
      }),
    );
    const pairs = model.nodes.filter((node) => node.layer === 'pair');
    expect(pairs.map((node) => node.id)).toEqual([nodeIds.pair('xsk0-umem', 'rs-app', 0)]);
    expect(model.nodes.find((node) => node.id === 'umem:xsk0-umem')?.lines).toContain('shared by xsk0, twin');
    const into = (id: string) => model.edges.filter((e) => e.to === id);
    expect(into(pairs[0]?.id ?? '').map((e) => e.from)).toEqual(['socket:xsk0', 'socket:twin']);
    // Round-robin sends queue 0's frames to both entries, and both reach their socket.
    expect(model.edges.find((e) => e.id === 'xskmap:rs-app:1>socket:twin')?.status).toBe('active');
    expect(model.edges.find((e) => e.id === 'source>queue:rs-app:0')?.status).toBe('active');
    expect(model.edges.some((e) => e.to === 'queue:rs-app:1' && e.from === 'source')).toBe(false);
  });

  it('draws the empty index that queue 0’s frames are sent to when the only socket sits on queue 1', () => {
    const model = buildTopology(
      input({
        programs: [program('by-queue', [{ index: 1, socketId: 'xsk0' }])],
        sockets: [socket('xsk0', 1, 1)],
        actionRates: { 'rs-app': { ...quiet, passed: 5000, noSocket: 5000 } },
      }),
    );
    const empty = model.nodes.find((node) => node.id === 'xskmap:rs-app:0');
    expect(empty?.status).toBe('warn');
    expect(empty?.lines).toEqual(['index 0', 'empty', 'frames passed to stack']);
    expect(model.edges.find((e) => e.id === 'program:rs-app>xskmap:rs-app:0')?.status).toBe('broken');
    expect(model.edges.find((e) => e.id === 'xskmap:rs-app:1>socket:xsk0')?.status).toBe('idle');
    expect(model.nodes.find((node) => node.id === 'program:rs-app')?.status).toBe('warn');
  });

  it('marks the entry round-robin fills with a socket of another queue as losing frames', () => {
    const model = buildTopology(
      input({
        programs: [
          program('round-robin', [
            { index: 0, socketId: 'xsk0' },
            { index: 1, socketId: 'far' },
          ]),
        ],
        sockets: [socket('xsk0', 0, 0), socket('far', 1, 1)],
      }),
    );
    expect(model.nodes.find((node) => node.id === 'xskmap:rs-app:1')?.lines[2]).toBe('wrong queue: dropped');
    expect(model.edges.find((e) => e.id === 'xskmap:rs-app:1>socket:far')?.status).toBe('broken');
  });
});

describe('the lab’s source in the topology', () => {
  const traffic = input({}).traffic as NonNullable<TopologyInput['traffic']>;
  const sourceOf = (model: ReturnType<typeof buildTopology>) => model.nodes.find((node) => node.id === nodeIds.source);
  const fromSource = (model: ReturnType<typeof buildTopology>) => model.edges.find((e) => e.from === nodeIds.source);

  it('draws a source whose data plane is down as a warning that sends to no queue, paused or not', () => {
    for (const paused of [false, true]) {
      const down = { state: 'down' as const, since: 1, reason: 'left down' };
      const model = buildTopology(input({ traffic: { ...traffic, paused, dataPlane: down } }));
      expect(sourceOf(model)).toMatchObject({ status: 'warn' });
      expect(sourceOf(model)?.lines[1]).toBe('data plane down');
      expect(fromSource(model)?.status).not.toBe('active');
    }
  });

  it('draws a running source as sending, and a paused one as idle', () => {
    const running = buildTopology(input({ traffic: { ...traffic, dataPlane: { state: 'running' } } }));
    expect(sourceOf(running)).toMatchObject({ status: 'ok', lines: expect.arrayContaining(['5.0k frames/s']) });
    expect(fromSource(running)?.status).toBe('active');
    const paused = buildTopology(input({ traffic: { ...traffic, paused: true } }));
    expect(sourceOf(paused)).toMatchObject({ status: 'idle', lines: expect.arrayContaining(['paused']) });
  });
});

describe('attached sockets in the topology', () => {
  /** Two sockets of one foreign process, on the program discovery inferred for its namespace. */
  function foreign(fd: number) {
    const info = attachedSocket(4242, fd, 'xdpsock');
    const note = 'inferred';
    return {
      ...info,
      kernel: {
        ...info.kernel,
        ifname: { value: 'eth1', source: 'netlink' as const, note },
        xdpMode: { value: 'drv' as const, source: 'netlink' as const, note },
        xdpProgramId: { value: 99, source: 'netlink' as const, note },
      },
    };
  }

  it('draws each read-only, with its process, the one program feeding both, and its UMEM', () => {
    const model = buildTopology(input({ attached: [foreign(5), foreign(6)], rxPps: { 'pid4242.fd5': 1200 } }));
    const socketNode = model.nodes.find((node) => node.id === nodeIds.socket('pid4242.fd5'));
    expect(socketNode).toMatchObject({ layer: 'socket', status: 'ok', readOnly: true });
    expect(socketNode?.lines).toEqual(['pid4242.fd5 · read-only', 'pid 4242 xdpsock', 'eth1 queue ? · rx 1.2k/s']);
    const programs = model.nodes.filter((node) => node.id === nodeIds.foreignProgram(99));
    expect(programs).toHaveLength(1);
    expect(programs[0]).toMatchObject({
      layer: 'program',
      readOnly: true,
      lines: ['eth1 · drv', 'prog id 99', "pid 4242's · read-only"],
    });
    expect(model.edges.find((e) => e.id === `foreign-program:99>socket:pid4242.fd5`)?.status).toBe('active');
    expect(model.edges.find((e) => e.id === `foreign-program:99>socket:pid4242.fd6`)?.status).toBe('idle');
    const umem = model.nodes.find((node) => node.id === nodeIds.foreignUmem(foreign(6)));
    expect(umem).toMatchObject({
      layer: 'umem',
      readOnly: true,
      lines: ['UMEM of pid 4242', 'size unknown', 'read-only'],
    });
  });

  it('draws a UMEM the kernel named once for the sockets sharing it, busy while either receives', () => {
    const sharing = (fd: number) => {
      const info = foreign(fd);
      return {
        ...info,
        umem: { ...info.umem, id: 11, size: 4096 * 2048, chunkSize: 2048, source: 'socket-diag' as const },
      };
    };
    const model = buildTopology(input({ attached: [sharing(5), sharing(6)], rxPps: { 'pid4242.fd6': 300 } }));
    const umems = model.nodes.filter((node) => node.layer === 'umem');
    expect(umems).toEqual([
      {
        id: 'foreign-umem:4242:11',
        layer: 'umem',
        lines: ['UMEM of pid 4242 (id 11)', '4096 × 2048 B', 'read-only'],
        status: 'ok',
        readOnly: true,
      },
    ]);
    expect(model.edges.filter((e) => e.to === 'foreign-umem:4242:11').map((e) => [e.from, e.status])).toEqual([
      ['socket:pid4242.fd5', 'idle'],
      ['socket:pid4242.fd6', 'active'],
    ]);
  });

  it('draws no program for a socket whose program nothing told', () => {
    const model = buildTopology(input({ attached: [attachedSocket(7, 3, 'rust-svc')], lab: null, traffic: null }));
    expect(model.nodes.filter((node) => node.layer === 'program')).toEqual([]);
    expect(model.edges.map((e) => e.id)).toEqual(['socket:pid7.fd3>foreign-umem:pid7.fd3']);
  });
});

describe('layoutTopology', () => {
  it('puts layers top to bottom in the frames’ order and keeps every node inside the width', () => {
    const model = buildTopology(
      input({
        programs: [program('by-queue', [{ index: 0, socketId: 'xsk0' }])],
        sockets: [socket('xsk0', 0, 0)],
        umems: [
          {
            id: 'xsk0-umem',
            config: umemConfig,
            socketIds: ['xsk0'],
            pairs: [{ ifname: 'rs-app', queueId: 0, socketIds: ['xsk0'] }],
          },
        ],
      }),
    );
    const layout = layoutTopology(model, {
      width: 600,
      gutter: 80,
      lineHeight: 10,
      padding: 2,
      layerGap: 20,
      nodeGap: 10,
      maxNodeWidth: 200,
    });
    expect(layout.layers.map((layer) => layer.layer)).toEqual([
      'source',
      'queue',
      'program',
      'xskmap',
      'socket',
      'pair',
      'umem',
    ]);
    const ys = layout.layers.map((layer) => layer.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(80);
      expect(node.x + node.width).toBeLessThanOrEqual(600);
    }
    expect(layout.edges).toHaveLength(model.edges.length);
    expect(layout.edges[0]?.path).toMatch(/^M/);
  });

  it('orders a row by its parents so that edges from the row above do not cross', () => {
    const model = {
      nodes: [
        { id: 'a', layer: 'queue' as const, lines: ['a'], status: 'ok' as const },
        { id: 'b', layer: 'queue' as const, lines: ['b'], status: 'ok' as const },
        { id: 'under-b', layer: 'program' as const, lines: ['x'], status: 'ok' as const },
        { id: 'under-a', layer: 'program' as const, lines: ['y'], status: 'ok' as const },
      ],
      edges: [
        { id: '1', from: 'a', to: 'under-a', status: 'idle' as const },
        { id: '2', from: 'b', to: 'under-b', status: 'idle' as const },
      ],
    };
    const layout = layoutTopology(model);
    const x = (id: string) => layout.nodes.find((node) => node.id === id)?.x ?? Number.NaN;
    expect(x('under-a')).toBeLessThan(x('under-b'));
  });
});

describe('text in the diagram', () => {
  it('shows rates to two significant figures, so noise changes nothing', () => {
    expect([3.4, 1234, 4987.6, 20_049].map(coarseRate)).toEqual([3, 1200, 5000, 20_000]);
  });

  it('cuts a line that would overflow its node and marks the cut', () => {
    expect(clipLine('xsk0 queue 0', 100)).toBe('xsk0 queue 0');
    expect(clipLine('rs-app queue 0 · drv · copy', 63)).toBe('rs-app qu…');
    expect(clipLine('rs-app', 1)).toBe('r…');
  });
});
