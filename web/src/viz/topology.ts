import {
  type AttachedSocketInfo,
  type InterfaceInfo,
  type LabInfo,
  type SocketInfo,
  steersByQueue,
  type TrafficInfo,
  type UmemInfo,
  type XdpProgramInfo,
} from '@ringside/shared';
import { linkVertical } from 'd3-shape';
import type { ActionRates } from '../program-counters.ts';
import { indicesReached, type SteeringFacts } from '../program-diagnosis.ts';

/**
 * The topology as a layered graph, from the frames' origin down to memory:
 * the lab's traffic source → queues → XDP program → XSKMAP entries →
 * sockets → FILL/COMPLETION pairs → UMEMs. Pure: the model says what is
 * there and whether frames flow along each edge; the layout places it; React
 * draws it.
 */
const LAYERS = ['source', 'queue', 'program', 'xskmap', 'socket', 'pair', 'umem'] as const;
export type LayerName = (typeof LAYERS)[number];

export const LAYER_LABELS: Record<LayerName, string> = {
  source: 'traffic',
  queue: 'queues',
  program: 'XDP program',
  xskmap: 'XSKMAP',
  socket: 'sockets',
  pair: 'FILL/COMPL.',
  umem: 'UMEMs',
};

/** ok: frames flow through it; idle: nothing moves; warn: frames are lost or cannot arrive here. */
export type Status = 'ok' | 'idle' | 'warn';

export interface TopologyNode {
  id: string;
  layer: LayerName;
  lines: string[];
  status: Status;
  /** Another process's, watched: nothing here changes it. */
  readOnly?: true;
}

export interface TopologyEdge {
  id: string;
  from: string;
  to: string;
  /** active: frames flow; idle: the path exists but nothing moves; broken: frames sent here are lost. */
  status: 'active' | 'idle' | 'broken';
  label?: string;
}

export interface TopologyModel {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export interface TopologyInput {
  interfaces: readonly InterfaceInfo[];
  programs: readonly XdpProgramInfo[];
  sockets: readonly SocketInfo[];
  umems: readonly UmemInfo[];
  /** Other processes' sockets, watched read-only: drawn with what the kernel told of them. */
  attached: readonly AttachedSocketInfo[];
  lab: LabInfo | null;
  traffic: TrafficInfo | null;
  /** Measured rate of the traffic source, frames per second. */
  trafficPps: number | null;
  /** Received frames per second, per socket id. */
  rxPps: Readonly<Record<string, number>>;
  /** Action rates of the program on each interface. */
  actionRates: Readonly<Record<string, ActionRates | null>>;
}

/** Queues drawn per interface: a real NIC may have dozens; beyond this they are summarised. */
const MAX_QUEUES_DRAWN = 8;

export const nodeIds = {
  source: 'source',
  queue: (ifname: string, queue: number) => `queue:${ifname}:${queue}`,
  program: (ifname: string) => `program:${ifname}`,
  entry: (ifname: string, index: number) => `xskmap:${ifname}:${index}`,
  socket: (id: string) => `socket:${id}`,
  pair: (umemId: string, ifname: string, queue: number) => `pair:${umemId}:${ifname}:${queue}`,
  umem: (id: string) => `umem:${id}`,
  /** Program ids are global: attached sockets on one program share its node. */
  foreignProgram: (programId: number) => `foreign-program:${programId}`,
  /** One node per UMEM where the kernel named it (ids are per process); else one per socket, sharing unknown. */
  foreignUmem: ({ id, origin, umem }: Pick<AttachedSocketInfo, 'id' | 'origin' | 'umem'>) =>
    umem.id === null ? `foreign-umem:${id}` : `foreign-umem:${origin.pid}:${umem.id}`,
};

const rate = (value: number) =>
  value >= 10_000
    ? `${Math.round(value / 1000)}k`
    : value >= 1000
      ? `${(value / 1000).toFixed(1)}k`
      : `${Math.round(value)}`;

/** Rates shown to two significant figures: a snapshot that changes only noise re-renders nothing. */
export function coarseRate(value: number): number {
  return value < 10 ? Math.round(value) : Number(value.toPrecision(2));
}

/** The width of one character of a node's 11 px text, on average. */
const CHAR_WIDTH = 6.3;

/** SVG text does not wrap: a node's line cut to what fits in `width` pixels (the full text goes in its title). */
export function clipLine(text: string, width: number): string {
  const fits = Math.floor(width / CHAR_WIDTH);
  return text.length <= fits ? text : `${text.slice(0, Math.max(1, fits - 1))}…`;
}

/** The queues of `ifname` that the lab's traffic arrives on (veth: sent on peer queue i, it arrives on queue i). */
export function trafficQueuesOf(input: Pick<TopologyInput, 'lab' | 'traffic'>, ifname: string): number[] | null {
  if (!input.lab || !input.traffic) return null;
  if (input.lab.appIfname !== ifname) return [];
  return sends(input.traffic) ? [...input.traffic.queueIds] : [];
}

/** Whether the lab's source sends at all: not while paused, nor while its data plane is down. */
const sends = (traffic: TrafficInfo): boolean => !traffic.paused && traffic.dataPlane?.state !== 'down';

export function steeringFacts(input: TopologyInput, program: XdpProgramInfo): SteeringFacts {
  return {
    program,
    sockets: input.sockets,
    trafficQueues: trafficQueuesOf(input, program.ifname),
    trafficPorts: input.traffic && input.lab?.appIfname === program.ifname ? input.traffic.destinationPorts : null,
  };
}

export function buildTopology(input: TopologyInput): TopologyModel {
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const edge = (from: string, to: string, status: TopologyEdge['status'], label?: string) =>
    edges.push({ id: `${from}>${to}`, from, to, status, ...(label ? { label } : {}) });
  const socketById = new Map(input.sockets.map((socket) => [socket.id, socket]));
  const receiving = (id: string) => (input.rxPps[id] ?? 0) > 0;

  const { lab, traffic } = input;
  if (lab && traffic) {
    const down = traffic.dataPlane?.state === 'down';
    nodes.push({
      id: nodeIds.source,
      layer: 'source',
      lines: [
        `lab source on ${traffic.ifname}`,
        down ? 'data plane down' : traffic.paused ? 'paused' : `${rate(input.trafficPps ?? traffic.ratePps)} frames/s`,
        `queue ${traffic.queueIds.join(', ')} · UDP ${traffic.destinationPorts.join(', ')}`,
      ],
      status: down ? 'warn' : sends(traffic) ? 'ok' : 'idle',
    });
  }

  for (const device of input.interfaces) {
    const program = input.programs.find((candidate) => candidate.ifname === device.name) ?? null;
    const trafficQueues = trafficQueuesOf(input, device.name);
    const drawn = Math.min(device.rxQueues, MAX_QUEUES_DRAWN);
    for (let queue = 0; queue < drawn; queue++) {
      const id = nodeIds.queue(device.name, queue);
      const busy = trafficQueues?.includes(queue) ?? false;
      const bound = input.sockets.filter((s) => s.config.ifname === device.name && s.config.queueId === queue);
      nodes.push({
        id,
        layer: 'queue',
        lines: [
          `${device.name} queue ${queue}`,
          trafficQueues === null ? device.driver : busy ? 'frames arrive' : 'no frames',
          bound.length > 0 ? `bound: ${bound.map((s) => s.id).join(', ')}` : 'no socket bound',
        ],
        status: busy || trafficQueues === null ? 'ok' : 'idle',
      });
      if (busy) edge(nodeIds.source, id, 'active');
      if (program) edge(id, nodeIds.program(device.name), busy ? 'active' : 'idle');
    }
    if (device.rxQueues > drawn) {
      nodes.push({
        id: `queue:${device.name}:more`,
        layer: 'queue',
        lines: [`${device.name}`, `queues ${drawn}–${device.rxQueues - 1}`, 'not drawn'],
        status: 'idle',
      });
    }
    if (program) addProgram(input, program, trafficQueues, nodes, edge, socketById);
  }

  for (const socket of input.sockets) {
    const index = socket.xskmapIndex;
    const lost =
      socket.config.rxSize > 0 && index === null && input.programs.some((p) => p.ifname === socket.config.ifname);
    nodes.push({
      id: nodeIds.socket(socket.id),
      layer: 'socket',
      lines: [
        socket.id,
        `queue ${socket.config.queueId} · ${socket.workload}`,
        `rx ${rate(input.rxPps[socket.id] ?? 0)}/s${index === null ? '' : ` · index ${index}`}`,
      ],
      status: lost ? 'warn' : receiving(socket.id) ? 'ok' : 'idle',
    });
  }

  for (const umem of input.umems) {
    for (const pair of umem.pairs) {
      const id = nodeIds.pair(umem.id, pair.ifname, pair.queueId);
      const busy = pair.socketIds.some(receiving);
      nodes.push({
        id,
        layer: 'pair',
        lines: ['FILL + COMPLETION', `${pair.ifname} queue ${pair.queueId}`, `serves ${pair.socketIds.join(', ')}`],
        status: busy ? 'ok' : 'idle',
      });
      for (const socketId of pair.socketIds)
        edge(nodeIds.socket(socketId), id, receiving(socketId) ? 'active' : 'idle');
      edge(id, nodeIds.umem(umem.id), busy ? 'active' : 'idle');
    }
    const { frameCount, frameSize } = umem.config;
    nodes.push({
      id: nodeIds.umem(umem.id),
      layer: 'umem',
      lines: [
        umem.id,
        `${frameCount} × ${frameSize} B`,
        umem.socketIds.length > 1 ? `shared by ${umem.socketIds.join(', ')}` : `used by ${umem.socketIds.join(', ')}`,
      ],
      status: umem.socketIds.some(receiving) ? 'ok' : 'idle',
    });
  }
  addAttached(input, nodes, edge, receiving);
  return { nodes, edges };
}

/**
 * Another process's sockets, each as far as the kernel told (socket diag) or
 * discovery inferred: the XDP program that feeds it, the socket, its UMEM.
 * No XSKMAP entries (an XSKMAP's values cannot be read back) and no
 * FILL/COMPLETION pair of whose sharing nothing is known. Marked read-only.
 */
function addAttached(
  input: TopologyInput,
  nodes: TopologyNode[],
  edge: (from: string, to: string, status: TopologyEdge['status'], label?: string) => void,
  receiving: (id: string) => boolean,
): void {
  const programsDrawn = new Set<number>();
  const umemsDrawn = new Map<string, TopologyNode>();
  for (const socket of input.attached) {
    const { origin, kernel, umem } = socket;
    const ifname = kernel.ifname.value;
    const queue = kernel.queueId.value;
    const socketNode = nodeIds.socket(socket.id);
    const flowing = receiving(socket.id);
    const flow = flowing ? 'active' : 'idle';
    nodes.push({
      id: socketNode,
      layer: 'socket',
      lines: [
        `${socket.id} · read-only`,
        `pid ${origin.pid} ${origin.command}`,
        `${ifname ?? 'interface ?'} queue ${queue ?? '?'} · rx ${rate(input.rxPps[socket.id] ?? 0)}/s`,
      ],
      status: flowing ? 'ok' : 'idle',
      readOnly: true,
    });
    const programId = kernel.xdpProgramId.value;
    if (programId !== null) {
      const programNode = nodeIds.foreignProgram(programId);
      if (!programsDrawn.has(programId)) {
        programsDrawn.add(programId);
        nodes.push({
          id: programNode,
          layer: 'program',
          lines: [
            `${ifname ?? '?'} · ${kernel.xdpMode.value ?? '?'}`,
            `prog id ${programId}`,
            `pid ${origin.pid}'s · read-only`,
          ],
          status: 'idle',
          readOnly: true,
        });
      }
      edge(programNode, socketNode, flow);
    }
    const umemNode = nodeIds.foreignUmem(socket);
    const drawn = umemsDrawn.get(umemNode);
    // A UMEM its sockets share is busy while any of them receives.
    if (drawn && flowing) drawn.status = 'ok';
    if (!drawn) {
      const node: TopologyNode = {
        id: umemNode,
        layer: 'umem',
        lines: [`UMEM of pid ${origin.pid}${umem.id === null ? '' : ` (id ${umem.id})`}`, umemLine(umem), 'read-only'],
        status: flowing ? 'ok' : 'idle',
        readOnly: true,
      };
      umemsDrawn.set(umemNode, node);
      nodes.push(node);
    }
    edge(socketNode, umemNode, flow);
  }
}

/** An attached socket's UMEM as far as the kernel told its size: frames, else chunks, else nothing. */
function umemLine(umem: AttachedSocketInfo['umem']): string {
  if (umem.chunkSize === null) return 'size unknown';
  if (umem.size === null) return `chunks of ${umem.chunkSize} B`;
  return `${Math.floor(umem.size / umem.chunkSize)} × ${umem.chunkSize} B`;
}

function addProgram(
  input: TopologyInput,
  program: XdpProgramInfo,
  trafficQueues: number[] | null,
  nodes: TopologyNode[],
  edge: (from: string, to: string, status: TopologyEdge['status'], label?: string) => void,
  socketById: Map<string, SocketInfo>,
): void {
  const rates = input.actionRates[program.ifname] ?? null;
  const losing = rates !== null && rates.noSocket + rates.wrongQueue + rates.dropped > 0;
  const programId = nodeIds.program(program.ifname);
  nodes.push({
    id: programId,
    layer: 'program',
    lines: [
      `${program.kind} · ${program.mode}`,
      `prog id ${program.programId}${program.xskmap ? ` · map ${program.xskmap.id}` : ''}`,
      rates
        ? `→ ${rate(rates.redirected)}/s socket · ${rate(rates.passed)}/s stack`
        : program.kind === 'libxdp-default' || program.kind === 'other'
          ? 'not counted'
          : 'counting…',
    ],
    status: losing ? 'warn' : rates && rates.redirected > 0 ? 'ok' : 'idle',
  });

  const facts = steeringFacts(input, program);
  // Which queues' frames the program sends to each index, so an edge knows whether it carries frames.
  const reachedBy = new Map<number, number[]>();
  for (const queue of trafficQueues ?? []) {
    for (const index of indicesReached(facts, queue)) reachedBy.set(index, [...(reachedBy.get(index) ?? []), queue]);
  }
  const indices = new Set((program.xskmap?.entries ?? []).map((entry) => entry.index));
  // Empty indices that frames are sent to: the pitfall is drawn where it happens.
  for (const index of reachedBy.keys()) indices.add(index);
  const portsOf = (index: number) => program.ports.filter((route) => route.index === index).map((route) => route.port);

  for (const index of [...indices].sort((a, b) => a - b)) {
    const id = nodeIds.entry(program.ifname, index);
    const socketId = program.xskmap?.entries.find((entry) => entry.index === index)?.socketId ?? null;
    const socket = socketId === null ? null : (socketById.get(socketId) ?? null);
    const queues = reachedBy.get(index) ?? [];
    const wrongQueue = socket !== null && queues.some((queue) => queue !== socket.config.queueId);
    const empty = socketId === null;
    const reached = queues.length > 0;
    const ports = portsOf(index);
    nodes.push({
      id,
      layer: 'xskmap',
      lines: [
        `index ${index}`,
        empty ? 'empty' : `→ ${socketId}`,
        ports.length > 0
          ? `UDP ${ports.join(', ')}`
          : empty && reached
            ? steersByQueue(program.kind) || program.kind === 'libxdp-default'
              ? 'frames passed to stack'
              : 'frames dropped'
            : wrongQueue
              ? 'wrong queue: dropped'
              : '',
      ],
      status: (empty && reached) || wrongQueue ? 'warn' : reached ? 'ok' : 'idle',
    });
    edge(programId, id, reached ? (empty || wrongQueue ? 'broken' : 'active') : 'idle', ports.join(', ') || undefined);
    if (socketId !== null) edge(id, nodeIds.socket(socketId), !reached ? 'idle' : wrongQueue ? 'broken' : 'active');
  }
}

// ---------------------------------------------------------------- layout

export interface Placed extends TopologyNode {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends TopologyEdge {
  path: string;
  labelAt: { x: number; y: number };
}

export interface TopologyLayout {
  width: number;
  height: number;
  /** Where each layer's name is written, left of its nodes. */
  layers: { layer: LayerName; y: number }[];
  nodes: Placed[];
  edges: PlacedEdge[];
}

export interface LayoutOptions {
  width: number;
  /** Room on the left for the layers' names. */
  gutter: number;
  lineHeight: number;
  padding: number;
  layerGap: number;
  nodeGap: number;
  maxNodeWidth: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  width: 960,
  gutter: 92,
  lineHeight: 14,
  padding: 6,
  layerGap: 34,
  nodeGap: 12,
  maxNodeWidth: 220,
};

/**
 * Places each layer in a row, top to bottom, in the order of the frames'
 * path. Within a row, nodes sit in the order of their parents' mean position
 * (one barycentre pass downwards), which keeps most edges from crossing.
 */
export function layoutTopology(model: TopologyModel, options: LayoutOptions = DEFAULT_LAYOUT): TopologyLayout {
  const { width, gutter, lineHeight, padding, layerGap, nodeGap, maxNodeWidth } = options;
  const parents = new Map<string, string[]>();
  for (const e of model.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const placed = new Map<string, Placed>();
  const layers: TopologyLayout['layers'] = [];
  let y = 0;
  for (const layer of LAYERS) {
    const inLayer = model.nodes.filter((node) => node.layer === layer);
    if (inLayer.length === 0) continue;
    const order = inLayer.map((node, position) => {
      const xs = (parents.get(node.id) ?? []).flatMap((parent) => {
        const p = placed.get(parent);
        return p ? [p.x + p.width / 2] : [];
      });
      // Nodes without a placed parent keep their model order, after those that have one.
      const key = xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.POSITIVE_INFINITY;
      return { node, key, position };
    });
    order.sort((a, b) => a.key - b.key || a.position - b.position);
    const room = width - gutter;
    const nodeWidth = Math.min(maxNodeWidth, (room - nodeGap * (inLayer.length - 1)) / inLayer.length);
    const rowWidth = nodeWidth * inLayer.length + nodeGap * (inLayer.length - 1);
    const left = gutter + (room - rowWidth) / 2;
    const height = padding * 2 + lineHeight * Math.max(...inLayer.map((node) => node.lines.length));
    order.forEach(({ node }, i) => {
      placed.set(node.id, { ...node, x: left + i * (nodeWidth + nodeGap), y, width: nodeWidth, height });
    });
    layers.push({ layer, y: y + height / 2 });
    y += height + layerGap;
  }
  const link = linkVertical();
  const edges: PlacedEdge[] = [];
  for (const e of model.edges) {
    const from = placed.get(e.from);
    const to = placed.get(e.to);
    if (!from || !to) continue;
    const source: [number, number] = [from.x + from.width / 2, from.y + from.height];
    const target: [number, number] = [to.x + to.width / 2, to.y];
    edges.push({
      ...e,
      path: link({ source, target }) ?? '',
      labelAt: { x: (source[0] + target[0]) / 2, y: (source[1] + target[1]) / 2 },
    });
  }
  return { width, height: Math.max(0, y - layerGap), layers, nodes: [...placed.values()], edges };
}
