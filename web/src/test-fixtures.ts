import {
  type AttachedSocketInfo,
  defaultSocketRequest,
  type KernelView,
  type SocketInfo,
  type StateMessage,
  type UmemConfig,
  type XdpProgramInfo,
} from '@ringside/shared';

/** State messages as the agent sends them for the lab, for unit tests of what the page derives from them. */

export const LAB_UMEM: UmemConfig = defaultSocketRequest('rs-app').umem;

/** An rxdrop socket on rs-app, on the UMEM xsk0-umem. */
export function labSocket(
  id: string,
  queueId: number,
  options: { rxSize?: number; xskmapIndex?: number | null } = {},
): SocketInfo {
  const config = { ...defaultSocketRequest('rs-app', queueId).socket, rxSize: options.rxSize ?? 2048 };

  return {
    id,
    umemId: 'xsk0-umem',
    config,
    workload: 'rxdrop',
    request: { umem: LAB_UMEM, socket: config, workload: 'rxdrop' },
    pausedStages: [],
    zeroCopyActive: false,
    xskmapIndex: options.xskmapIndex ?? null,
    kernel: labKernelView(config.queueId),
    mismatches: [],
  };
}

/** The agent's state for a lab of xsk0 and xsk1 on queues 0 and 1, sharing the UMEM xsk0-umem; `changes` replaces what a test needs otherwise. */
export function labState(changes: Partial<Omit<StateMessage, 'type'>> = {}): StateMessage {
  return {
    type: 'state',
    umems: [{ id: 'xsk0-umem', config: LAB_UMEM, socketIds: ['xsk0', 'xsk1'], pairs: [] }],
    sockets: [labSocket('xsk0', 0), labSocket('xsk1', 1)],
    traffic: null,
    lab: null,
    interfaces: [],
    xdpPrograms: [],
    umemLimits: {
      pageSize: 4096,
      alignedChunkSizes: [2048, 4096],
      unalignedChunkRange: { min: 0, max: 0 },
      maxHeadroom: {},
    },
    snapshotsPerSecond: 30,
    discovered: [],
    attached: [],
    ...changes,
  };
}

/** What the kernel shows of a lab socket just created: rings, mode and queue, nothing received yet. */
export function labKernelView(queueId: number): KernelView {
  const unknown = { value: null, source: 'unknown' as const, note: 'no frame received yet' };
  const ring = (entries: number) => ({
    candidates: [entries],
    exact: true,
    present: true,
    source: 'mmap-probe' as const,
  });
  return {
    readAt: 1,
    rings: {
      fill: ring(2048),
      rx: ring(2048),
      tx: { candidates: [], exact: true, present: false, source: 'mmap-probe' },
      completion: ring(2048),
    },
    zeroCopy: { value: false, source: 'getsockopt' },
    xdpMode: { value: 'drv', source: 'netlink' },
    xdpProgramId: { value: 42, source: 'netlink' },
    ifname: { value: 'rs-app', source: 'netlink' },
    queueId: { value: queueId, source: 'netlink' },
    chunkSize: unknown,
    headroom: unknown,
    unaligned: unknown,
    fillNeedWakeup: { value: false, source: 'ring-flags' },
    txNeedWakeup: { value: true, source: 'ring-flags' },
  };
}

/** One of Ringside's programs on rs-app with the XSKMAP entries given. */
export function labProgram(
  kind: XdpProgramInfo['kind'],
  entries: { index: number; socketId: string }[],
  ports: XdpProgramInfo['ports'] = [],
): XdpProgramInfo {
  return {
    ifname: 'rs-app',
    mode: 'drv',
    programId: 42,
    name: 'ringside',
    kind,
    ports,
    xskmap: { id: 7, name: 'xsks_map', maxEntries: 64, entries },
  };
}

const unknownFact = { value: null, source: 'unknown' as const };
const probed = (size: number) => ({ candidates: [size], exact: true, present: true, source: 'mmap-probe' as const });

/** Another process's socket as the agent lists it once attached: only what the kernel says of it. */
export function attachedSocket(pid: number, fd: number, command: string): AttachedSocketInfo {
  return {
    id: `pid${pid}.fd${fd}`,
    origin: { kind: 'attached', pid, command, fd, netns: { inode: 4026532000, name: 'ringside-1-app' } },
    discoveredId: `${pid}-${fd}-77`,
    kernel: {
      readAt: 0,
      rings: {
        fill: probed(2048),
        rx: probed(2048),
        tx: { candidates: [], exact: false, present: false, source: 'mmap-probe' },
        completion: probed(2048),
      },
      zeroCopy: { value: false, source: 'getsockopt' },
      xdpMode: unknownFact,
      xdpProgramId: unknownFact,
      ifname: unknownFact,
      queueId: unknownFact,
      chunkSize: unknownFact,
      headroom: unknownFact,
      unaligned: unknownFact,
      fillNeedWakeup: { value: false, source: 'ring-flags' },
      txNeedWakeup: unknownFact,
    },
    umem: { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' },
  };
}
