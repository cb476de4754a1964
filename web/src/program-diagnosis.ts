import { type SocketInfo, steersByQueue, type XdpProgramInfo } from '@ringside/shared';
import type { Action, ActionRates } from './program-counters.ts';

/**
 * Says where frames went when they did not reach a socket, from what the
 * page knows: the program and its XSKMAP, the sockets' queues, and the
 * queues and ports the lab's traffic uses. The kernel rules are the spec's:
 * an XSKMAP entry only receives frames of the queue its socket is bound to
 * (FAQ), and Ringside's programs pass or drop on an empty index (bpf/).
 */
export interface SteeringFacts {
  program: XdpProgramInfo;
  /** Every socket; those of other interfaces are ignored. */
  sockets: readonly SocketInfo[];
  /** Queues of this interface that frames arrive on; null when unknown (a real NIC). */
  trafficQueues: readonly number[] | null;
  /** UDP destination ports of that traffic; null when unknown. */
  trafficPorts: readonly number[] | null;
}

export interface Diagnosis {
  /** The counter this explains. */
  action: Action;
  text: string;
}

const list = (items: readonly (string | number)[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

interface Entry {
  index: number;
  socket: SocketInfo | null;
}

function entriesOf(facts: SteeringFacts): Map<number, Entry> {
  const byIndex = new Map<number, Entry>();
  for (const entry of facts.program.xskmap?.entries ?? []) {
    byIndex.set(entry.index, {
      index: entry.index,
      socket: facts.sockets.find((socket) => socket.id === entry.socketId) ?? null,
    });
  }
  return byIndex;
}

/** Indices round-robin takes turns over: 0 up to the highest index in use (bpf/round_robin.c). */
function roundRobinTurn(program: XdpProgramInfo): number[] {
  const highest = Math.max(-1, ...(program.xskmap?.entries ?? []).map((entry) => entry.index));
  return Array.from({ length: highest + 1 }, (_, index) => index);
}

/**
 * The XSKMAP indices frames of `queue` can be sent to by this program: the
 * queue's own index (by-queue), every index in the turn (round-robin), or
 * those the traffic's ports are routed to (steer-by-port).
 */
export function indicesReached(facts: SteeringFacts, queue: number): number[] {
  const { program } = facts;
  switch (program.kind) {
    case 'by-queue':
    case 'drop-half':
    case 'rx-metadata':
    case 'libxdp-default':
      return [queue];
    case 'round-robin':
      return roundRobinTurn(program);
    case 'steer-by-port':
      return program.ports
        .filter((route) => facts.trafficPorts === null || facts.trafficPorts.includes(route.port))
        .map((route) => route.index);
    default:
      return [];
  }
}

const socketsOn = (facts: SteeringFacts) =>
  facts.sockets.filter((socket) => socket.config.ifname === facts.program.ifname && socket.config.rxSize > 0);

function explainNoSocket(facts: SteeringFacts, entries: Map<number, Entry>): string[] {
  const { program, trafficQueues } = facts;
  if (steersByQueue(program.kind) || program.kind === 'libxdp-default') {
    const texts: string[] = [];
    for (const queue of trafficQueues ?? []) {
      if (entries.has(queue)) continue;
      const elsewhere = socketsOn(facts).map((socket) => `${socket.id} is bound to queue ${socket.config.queueId}`);
      texts.push(
        `queue ${queue} has frames but XSKMAP index ${queue} is empty: passed to the kernel stack${elsewhere.length > 0 ? ` (${list(elsewhere)}, and a socket only gets its own queue’s frames)` : ''}`,
      );
    }
    return texts.length > 0
      ? texts
      : ['frames arrived on a queue whose XSKMAP index is empty: passed to the kernel stack'];
  }
  if (program.kind === 'round-robin') {
    const turn = roundRobinTurn(program);
    const holes = turn.filter((index) => !entries.has(index));
    if (holes.length > 0) {
      return [
        `round-robin takes turns over indices 0–${turn.length - 1} and index ${list(holes)} ${holes.length === 1 ? 'is' : 'are'} empty: ${holes.length} of every ${turn.length} frames are dropped`,
      ];
    }
    return ['round-robin chose an empty XSKMAP index: those frames were dropped'];
  }
  if (program.kind === 'steer-by-port') {
    const empty = program.ports.filter((route) => !entries.has(route.index));
    if (empty.length > 0) {
      return empty.map(
        (route) =>
          `UDP port ${route.port} is routed to XSKMAP index ${route.index}, which is empty: its frames are dropped`,
      );
    }
  }
  return ['the program chose an empty XSKMAP index'];
}

function explainWrongQueue(facts: SteeringFacts, entries: Map<number, Entry>): string[] {
  const texts: string[] = [];
  for (const queue of facts.trafficQueues ?? []) {
    for (const index of indicesReached(facts, queue)) {
      const socket = entries.get(index)?.socket;
      if (!socket || socket.config.queueId === queue) continue;
      texts.push(
        `frames of queue ${queue} are redirected to ${socket.id} (index ${index}), which is bound to queue ${socket.config.queueId}: the kernel drops them, since a socket only receives its own queue’s frames`,
      );
    }
  }
  return texts.length > 0
    ? texts
    : ['frames were redirected to a socket bound to another queue: the kernel dropped them'];
}

function explainPassed(facts: SteeringFacts): string[] {
  const { program, trafficPorts } = facts;
  if (program.kind !== 'steer-by-port' || trafficPorts === null) return [];
  const unrouted = trafficPorts.filter((port) => !program.ports.some((route) => route.port === port));
  return unrouted.length > 0
    ? [`UDP port ${list(unrouted)} ${unrouted.length === 1 ? 'has' : 'have'} no route: passed to the kernel stack`]
    : [];
}

/** One explanation per problem the counters show right now; none when frames reach their sockets. */
export function diagnose(facts: SteeringFacts, rates: ActionRates): Diagnosis[] {
  const entries = entriesOf(facts);
  const found: Diagnosis[] = [];
  if (rates.noSocket > 0) {
    for (const text of explainNoSocket(facts, entries)) found.push({ action: 'noSocket', text });
  }
  if (rates.wrongQueue > 0) {
    for (const text of explainWrongQueue(facts, entries)) found.push({ action: 'wrongQueue', text });
  }
  // Ringside's programs drop only on an empty index, where the no-socket text already says why, and drop-half by design.
  if (facts.program.kind === 'drop-half' && rates.dropped > 0) {
    found.push({ action: 'dropped', text: 'drop-half drops every second frame it sees, by design (XDP_DROP_HALF)' });
  } else if (rates.dropped > 0 && rates.noSocket === 0) {
    found.push({ action: 'dropped', text: 'the program dropped frames' });
  }
  if (rates.passed > 0 && rates.noSocket === 0) {
    for (const text of explainPassed(facts)) found.push({ action: 'passed', text });
  }
  return found;
}

/**
 * Receiving sockets that can get nothing from the lab's traffic because it
 * arrives on other queues: the FAQ's "I am not seeing any traffic".
 */
export function starvedSockets(
  sockets: readonly SocketInfo[],
  ifname: string,
  trafficQueues: readonly number[],
): { socketId: string; text: string }[] {
  if (trafficQueues.length === 0) return [];
  return sockets
    .filter(
      (socket) =>
        socket.config.ifname === ifname && socket.config.rxSize > 0 && !trafficQueues.includes(socket.config.queueId),
    )
    .map((socket) => ({
      socketId: socket.id,
      text: `${socket.id} is bound to queue ${socket.config.queueId}, but frames arrive on queue ${list(trafficQueues)}: it receives nothing`,
    }));
}
