import { release } from 'node:os';
import type { SocketConfig, XdpStatistics } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import {
  getIntSocketOption,
  ifNameToIndex,
  readXdpStatistics,
  readZeroCopy,
  setIntSocketOption,
} from '../native/libc.ts';
import {
  createSocket,
  deleteSocket,
  insertIntoXskmap,
  type NativeSocket,
  type RingLayout,
  setupDefaultXdpProgram,
} from '../native/libxdp.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import {
  SO_BUSY_POLL,
  SO_BUSY_POLL_BUDGET,
  SO_INCOMING_NAPI_ID,
  SO_PREFER_BUSY_POLL,
  SOL_SOCKET,
  SOL_XDP,
  XDP_COPY,
  XDP_FLAGS_DRV_MODE,
  XDP_FLAGS_SKB_MODE,
  XDP_MAX_TX_SKB_BUDGET,
  XDP_USE_NEED_WAKEUP,
  XDP_USE_SG,
  XDP_ZEROCOPY,
  XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD,
} from '../native/uapi.ts';
import { explainOptionError, explainSocketError } from './explain.ts';
import { napiKnownAtBind } from './napi-at-bind.ts';
import { type Umem, XskConfigError } from './umem.ts';

export interface SocketPlacement {
  /** /run/netns/NAME of the namespace the interface lives in; null for the agent's own. */
  namespacePath: string | null;
  /** Leave XDP program loading to the caller (it has its own program, or the socket only sends). */
  inhibitProgramLoad: boolean;
  /**
   * A socket sharing a UMEM on a (netdev, queue) the UMEM is not yet bound
   * to brings a FILL/COMPLETION pair of its own (xsk_socket__create_shared).
   */
  ownFillCompletion?: boolean;
}

function setOption(fd: number, level: number, name: number, value: number, label: string): void {
  try {
    setIntSocketOption(fd, level, name, value, label);
  } catch (error) {
    if (error instanceof NativeError)
      throw new NativeError(error.operation, error.errno, explainOptionError(error.code, label).hint);
    throw error;
  }
}

/**
 * Busy polling and the TX budget, set after bind as xdpsock does: the TX
 * budget needs the TX ring (xsk.c refuses it with EACCES before), and busy
 * polling acts on the NAPI instance bind gave the socket.
 */
function applySocketOptions(fd: number, config: SocketConfig): void {
  const { busyPoll, txBudget } = config;
  if (busyPoll) {
    if (busyPoll.preferBusyPoll) setOption(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1, 'SO_PREFER_BUSY_POLL');
    setOption(fd, SOL_SOCKET, SO_BUSY_POLL, busyPoll.busyPollUsecs, 'SO_BUSY_POLL');
    setOption(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, busyPoll.busyPollBudget, 'SO_BUSY_POLL_BUDGET');
  }
  if (txBudget !== undefined) setOption(fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, txBudget, 'XDP_MAX_TX_SKB_BUDGET');
}

/**
 * Busy polling runs the socket's NAPI instance, so a socket the kernel gave
 * none has nothing to poll: the options are taken, and do nothing. Since
 * Linux 6.13 ("xsk: Bring back busy polling support", and for copy mode 6.15's
 * "... in XDP_COPY") bind gives an AF_XDP socket the NAPI instance the driver
 * linked to its queue; veth links none, so on the lab a busy-polling socket
 * reads SO_INCOMING_NAPI_ID 0, and still does after receiving. Refused, saying
 * so, rather than shown as busy polling.
 */
function refuseWithoutNapi(fd: number, config: SocketConfig): void {
  // Before 6.13/6.15 the id comes with the first frame received: 0 after bind is no refusal there.
  if (!napiKnownAtBind(release(), config.zeroCopy)) return;
  if (getIntSocketOption(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, 'SO_INCOMING_NAPI_ID') !== 0) return;
  const mode = config.zeroCopy ? 'zero-copy' : 'copy-mode';
  throw new XskConfigError(
    `busy polling on ${config.ifname} queue ${config.queueId} refused (no NAPI): the kernel gave this ${mode} socket no NAPI instance to poll (SO_INCOMING_NAPI_ID reads 0 after bind: the driver of ${config.ifname} links no NAPI instance to this queue, as veth does not): turn busy polling off, or use an interface whose driver links its queues to NAPI`,
    'no-napi',
  );
}

/** An AF_XDP socket bound to one queue of one interface, on a UMEM. */
export class XskSocket {
  private native: NativeSocket | null;
  readonly fd: number;
  readonly zeroCopyActive: boolean;

  private constructor(
    readonly config: SocketConfig,
    readonly umem: Umem,
    private readonly placement: SocketPlacement,
    native: NativeSocket,
  ) {
    this.native = native;
    this.fd = native.fd;
    this.zeroCopyActive = readZeroCopy(native.fd);
  }

  static create(umem: Umem, config: SocketConfig, placement: SocketPlacement): XskSocket {
    if (umem.namespacePath !== placement.namespacePath) {
      // The first socket of a UMEM is the UMEM's own socket: binding it from another
      // namespace would resolve the interface name's index among the wrong interfaces.
      throw new Error(
        `UMEM was created in ${umem.namespacePath ?? 'the agent namespace'}, socket asked for ${placement.namespacePath ?? 'the agent namespace'}`,
      );
    }
    const bindFlags =
      (config.copy ? XDP_COPY : 0) |
      (config.zeroCopy ? XDP_ZEROCOPY : 0) |
      (config.needWakeup ? XDP_USE_NEED_WAKEUP : 0) |
      (config.multiBuffer ? XDP_USE_SG : 0);
    try {
      const native = inNetworkNamespace(placement.namespacePath, () =>
        createSocket(
          umem.handle,
          {
            ifname: config.ifname,
            queueId: config.queueId,
            rxSize: config.rxSize,
            txSize: config.txSize,
            libxdpFlags: placement.inhibitProgramLoad ? XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD : 0,
            xdpFlags: config.xdpMode === 'drv' ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE,
            bindFlags,
          },
          placement.ownFillCompletion === true,
        ),
      );
      try {
        applySocketOptions(native.fd, config);
        if (config.busyPoll) refuseWithoutNapi(native.fd, config);
      } catch (refused) {
        inNetworkNamespace(placement.namespacePath, () => deleteSocket(native));
        throw refused;
      }
      return new XskSocket(config, umem, placement, native);
    } catch (error) {
      if (error instanceof NativeError) {
        const hint = error.hint ?? explainSocketError(error.code, config);
        throw new XskConfigError(
          `socket on ${config.ifname} queue ${config.queueId} refused (${error.code})${hint ? `: ${hint}` : ''}`,
          error.code,
        );
      }
      throw error;
    }
  }

  private get handle(): NativeSocket {
    if (!this.native) throw new Error('socket already destroyed');
    return this.native;
  }

  get rxLayout(): RingLayout | null {
    return this.handle.rx?.layout() ?? null;
  }

  get txLayout(): RingLayout | null {
    return this.handle.tx?.layout() ?? null;
  }

  /** The socket's own FILL and COMPLETION rings, when it brought a pair (ownFillCompletion). */
  get ownPair(): { fill: RingLayout; completion: RingLayout } | null {
    const { fill, completion } = this.handle;
    return fill && completion ? { fill: fill.layout(), completion: completion.layout() } : null;
  }

  /**
   * Loads libxdp's default program on an interface (redirect to the XSKMAP
   * entry at the frame's queue, pass when it is empty) and returns the map's
   * fd, for sockets created with inhibitProgramLoad. The caller closes the fd.
   */
  static loadDefaultProgram(ifname: string, namespacePath: string | null): number {
    return inNetworkNamespace(namespacePath, () => {
      const ifindex = ifNameToIndex(ifname);
      if (ifindex === 0) throw new XskConfigError(`interface ${ifname} does not exist here`, 'ENODEV');
      return setupDefaultXdpProgram(ifindex);
    });
  }

  /** Puts this socket in an XSKMAP at its queue id, so the program can redirect to it. */
  insertIntoXskmap(mapFd: number): void {
    insertIntoXskmap(this.handle, mapFd);
  }

  statistics(): XdpStatistics {
    return readXdpStatistics(this.fd);
  }

  /**
   * Unbinds and closes. In the socket's namespace, because libxdp detaches its
   * XDP program from the interface when the last socket goes.
   */
  destroy(): void {
    const native = this.native;
    if (!native) return;
    this.native = null;
    inNetworkNamespace(this.placement.namespacePath, () => deleteSocket(native));
  }
}
