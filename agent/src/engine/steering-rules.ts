import { type Problem, steersByQueue, type XdpMode, type XdpProgramKind, XSKMAP_ENTRIES } from '@ringside/shared';

/**
 * Where a receiving socket goes in an interface's XSKMAP under Ringside's
 * programs, and what stands in the way, as pure functions of what is placed.
 */

/** A receiving socket as the XSKMAP sees it. */
export interface SteeredSocket {
  socketId: string;
  fd: number;
  queueId: number;
  /** The index the user asked for, if any. */
  requestedIndex: number | undefined;
  /** Bound with XDP_USE_SG: the program must be the frags-aware variant. */
  multiBuffer?: boolean;
}

/** by-queue: the frame's queue; otherwise the index asked for, or the lowest free one. */
export function indexFor(
  kind: XdpProgramKind,
  socket: Pick<SteeredSocket, 'queueId' | 'requestedIndex'>,
  others: readonly { index: number }[],
): number {
  if (socket.requestedIndex !== undefined) return socket.requestedIndex;
  if (steersByQueue(kind)) return socket.queueId;
  const used = new Set(others.map((entry) => entry.index));
  let index = 0;
  while (used.has(index)) index++;
  return index;
}

export interface Placement {
  ifname: string;
  kind: XdpProgramKind;
  /** The mode the interface's program runs in; null before it is attached. */
  mode: XdpMode | null;
  placed: readonly { socketId: string; index: number }[];
}

/** What stands in the way of placing `socket` (in `mode`) while the sockets named in `leaving` make way. */
export function placementProblems(
  placement: Placement,
  socket: Pick<SteeredSocket, 'queueId' | 'requestedIndex'>,
  mode: XdpMode,
  leaving: readonly string[],
): Problem[] {
  if (placement.kind === 'libxdp-default') return [];
  const others = placement.placed.filter((entry) => !leaving.includes(entry.socketId));
  const problems: Problem[] = [];
  if (placement.mode !== null && placement.mode !== mode && others.length > 0) {
    problems.push({
      field: 'xdpMode',
      message: `${placement.ifname}'s XDP program runs in ${placement.mode} mode for ${others.map((o) => o.socketId).join(', ')}: an interface has one mode; choose ${placement.mode}`,
    });
  }
  const index = indexFor(placement.kind, socket, others);
  const holder = others.find((entry) => entry.index === index);
  if (holder) {
    problems.push({
      field: 'xskmapIndex',
      message: steersByQueue(placement.kind)
        ? `the ${placement.kind} program sends queue ${socket.queueId} to XSKMAP index ${index}, which holds ${holder.socketId}: sockets sharing a queue need the round-robin or steer-by-port program (set the interface's program first)`
        : `XSKMAP index ${index} already holds ${holder.socketId}: choose another index`,
    });
  }
  if (index >= XSKMAP_ENTRIES) {
    problems.push({ field: 'xskmapIndex', message: `the XSKMAP has ${XSKMAP_ENTRIES} entries: no index is free` });
  }
  return problems;
}
