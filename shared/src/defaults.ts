import type { SocketRequest, TxTraffic } from './protocol.ts';

/** What a sending socket and the lab's source send unless told otherwise: 10 kpps of 128-byte frames. */
/** The name of the socket the agent starts with (the page offers it back after a lesson). */
export const START_SOCKET_ID = 'xsk0';

export const DEFAULT_TRAFFIC: Readonly<TxTraffic> = { ratePps: 10_000, frameLength: 128 };

/**
 * The socket Ringside starts with: a 16 MiB UMEM of 4 KiB frames, 2048-entry
 * rings, copy mode in native XDP, need_wakeup on, rxdrop. The agent's first
 * socket and the page's create form both start from it.
 */
export function defaultSocketRequest(ifname: string, queueId = 0): SocketRequest {
  return {
    umem: { frameCount: 4096, frameSize: 4096, headroom: 0, fillSize: 2048, completionSize: 2048, unaligned: false },
    socket: {
      ifname,
      queueId,
      rxSize: 2048,
      txSize: 2048,
      xdpMode: 'drv',
      copy: true,
      zeroCopy: false,
      needWakeup: true,
      batchSize: 64,
    },
    workload: 'rxdrop',
  };
}
