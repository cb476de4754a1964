import { defaultSocketRequest, type SocketInfo, type UmemConfig, type XdpProgramInfo } from '@ringside/shared';

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
