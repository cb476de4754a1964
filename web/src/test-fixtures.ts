import type { SocketInfo, UmemConfig, XdpProgramInfo } from '@ringside/shared';

/** State messages as the agent sends them for the lab, for unit tests of what the page derives from them. */

export const LAB_UMEM: UmemConfig = {
  frameCount: 4096,
  frameSize: 4096,
  headroom: 0,
  fillSize: 2048,
  completionSize: 2048,
  unaligned: false,
};

/** An rxdrop socket on rs-app, on the UMEM xsk0-umem. */
export function labSocket(
  id: string,
  queueId: number,
  options: { rxSize?: number; xskmapIndex?: number | null } = {},
): SocketInfo {
  const config = {
    ifname: 'rs-app',
    queueId,
    rxSize: options.rxSize ?? 2048,
    txSize: 2048,
    xdpMode: 'drv' as const,
    copy: true,
    zeroCopy: false,
    needWakeup: true,
    batchSize: 64,
  };
  return {
    id,
    umemId: 'xsk0-umem',
    config,
    workload: 'rxdrop',
    request: { umem: LAB_UMEM, socket: config, workload: 'rxdrop' },
    pausedStages: [],
    zeroCopyActive: false,
    xskmapIndex: options.xskmapIndex ?? null,
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
