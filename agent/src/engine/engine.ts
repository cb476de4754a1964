import {
  describeProblems,
  type InterfaceInfo,
  type Problem,
  type SocketRequest,
  type UmemConfig,
  type UmemLimits,
  validateSocket,
  validateUmem,
  type XdpProgramKind,
} from '@ringside/shared';
import { Control, type StageName } from '../dataplane/control.ts';
import type { UdpFrameSpec } from '../dataplane/frames.ts';
import type { Logger } from '../logger.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';
import { ManagedSocket } from './managed-socket.ts';
import type { UmemGroup } from './umem-group.ts';
import { InterfaceSteering, type PortRoute } from './xdp-steering.ts';

/** What a user asks for (a UMEM, a socket on it and the work it does) is the protocol's SocketRequest. */
export type { SocketRequest };

/** A configuration refused before anything was touched; the running sockets are as they were. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: Problem[]) {
    super(describeProblems(problems));
  }
}

/** The kernel refused a reconfiguration after the old socket had made way; the old one was rebuilt. */
export class RestoredAfterRefusal extends Error {
  override readonly name = 'RestoredAfterRefusal';
  constructor(readonly refusal: XskConfigError) {
    super(`${refusal.message}. The previous configuration was restored (as a new socket: its counters start again).`);
  }
}

export interface EngineSetup {
  /** /run/netns/NAME where the interfaces live; null for the agent's own namespace. */
  namespacePath: string | null;
  limits: UmemLimits;
  describeInterface: (ifname: string) => InterfaceInfo | null;
  /** Addresses for frames a txonly socket sends. */
  frame: Omit<UdpFrameSpec, 'length'>;
  log: Logger;
}

export const DEFAULT_TRAFFIC = { ratePps: 10_000, frameLength: 128 };

/** The (netdev, queue) a socket binds to. */
const queueOf = (request: SocketRequest) => `${request.socket.ifname}/${request.socket.queueId}`;

const sameUmemConfig = (a: UmemConfig, b: UmemConfig) =>
  (Object.keys(a) as (keyof UmemConfig)[]).every((key) => a[key] === b[key]);

/**
 * Ringside's sockets: many UMEMs and many sockets, created, reconfigured and
 * destroyed on request. A socket has a UMEM of its own or shares another's
 * (XDP_SHARED_UMEM). Every request is checked against the running kernel's
 * rules first, so a refusal leaves the running sockets as they were.
 */
export class Engine {
  private readonly sockets = new Map<string, ManagedSocket>();
  private readonly requests = new Map<string, SocketRequest>();
  private readonly groups = new Map<string, UmemGroup>();
  private readonly steering = new Map<string, InterfaceSteering>();
  private nextId = 0;

  constructor(private readonly setup: EngineSetup) {}

  list(): ManagedSocket[] {
    return [...this.sockets.values()];
  }

  get(id: string): ManagedSocket {
    const socket = this.sockets.get(id);
    if (!socket) throw new Error(`no socket ${id}`);
    return socket;
  }

  has(id: string): boolean {
    return this.sockets.has(id);
  }

  request(id: string): SocketRequest {
    const request = this.requests.get(id);
    if (!request) throw new Error(`no socket ${id}`);
    return request;
  }

  /** Every UMEM and the sockets on it. */
  umems(): UmemGroup[] {
    return [...this.groups.values()];
  }

  /** The program steering each interface that has had a socket. */
  interfaces(): InterfaceSteering[] {
    return [...this.steering.values()];
  }

  /** Problems with a request, as the running kernel would see them. */
  check(request: SocketRequest): Problem[] {
    return [
      ...validateUmem(request.umem, this.setup.limits),
      ...validateSocket(request.socket, request.workload, this.setup.describeInterface(request.socket.ifname)),
    ];
  }

  async create(request: SocketRequest, id = this.freshId()): Promise<ManagedSocket> {
    if (this.sockets.has(id)) throw new ConfigurationError([{ field: 'id', message: `socket ${id} already exists` }]);
    this.refuseIfInvalid(request, null);
    const socket = await this.start(id, request, undefined);
    this.requests.set(id, request);
    return socket;
  }

  /**
   * Moves a socket to a new configuration. On a queue that is free, the new
   * socket is built before the old one goes. On the same queue the kernel
   * allows one UMEM, so everything that can be checked is checked first and
   * the new UMEM registered first; only then does the old socket make way.
   * If the kernel still refuses the new socket, the old configuration is
   * rebuilt and the refusal reported.
   */
  async reconfigure(id: string, next: SocketRequest): Promise<ManagedSocket> {
    const current = this.get(id);
    const previous = this.request(id);
    this.refuseIfOwnerOfShared(current, 'reconfigure');
    this.refuseIfInvalid(next, id);
    const paused = current.pausedStages();
    const sameQueue = queueOf(previous) === queueOf(next);
    const sharing = next.umemId !== undefined;
    if (!sameQueue && !sharing) {
      const built = await this.start(id, next, undefined, { replacesRunning: true });
      built.pause(paused);
      this.requests.set(id, next);
      return built;
    }
    // Registered before the old socket goes, so the kernel's verdict on the UMEM comes while nothing is lost.
    const umem = sharing ? undefined : Umem.create(next.umem, this.setup.namespacePath);
    await this.stop(id);
    try {
      const built = await this.start(id, next, umem);
      built.pause(paused);
      this.requests.set(id, next);
      return built;
    } catch (error) {
      umem?.destroy();
      let restored: ManagedSocket;
      try {
        restored = await this.start(id, previous, undefined);
      } catch (restoring) {
        // Neither configuration could be built: the socket is gone, and so is its request.
        this.requests.delete(id);
        this.setup.log.error({ socket: id, err: restoring }, 'the previous configuration could not be restored');
        throw error;
      }
      restored.pause(paused);
      this.setup.log.warn(
        { socket: id, err: error },
        'kernel refused a reconfiguration; previous configuration restored',
      );
      throw error instanceof XskConfigError ? new RestoredAfterRefusal(error) : error;
    }
  }

  async destroy(id: string): Promise<void> {
    this.refuseIfOwnerOfShared(this.get(id), null);
    try {
      await this.stop(id);
    } finally {
      this.requests.delete(id);
    }
  }

  async destroyAll(): Promise<void> {
    // Newest first: sockets sharing a UMEM go before the socket that owns it.
    for (const id of [...this.sockets.keys()].reverse()) await this.destroy(id);
    for (const steering of this.steering.values()) steering.detach();
  }

  /**
   * Loads one of Ringside's XDP programs on an interface (or goes back to
   * libxdp's); the sockets there move into the new program's XSKMAP.
   */
  setXdpProgram(ifname: string, kind: XdpProgramKind, ports: readonly PortRoute[]): void {
    if (!this.setup.describeInterface(ifname)) {
      throw new ConfigurationError([{ field: 'ifname', message: `there is no interface ${ifname}` }]);
    }
    const steering = this.steeringOf(ifname);
    const onInterface = [...this.requests]
      .filter(([, request]) => request.socket.ifname === ifname && request.socket.rxSize > 0)
      .map(([id]) => id);
    const problems = steering.checkSwitch(kind, ports, onInterface);
    if (problems.length > 0) throw new ConfigurationError(problems);
    steering.switchTo(kind, ports);
  }

  pause(id: string, stages: readonly StageName[]): void {
    this.get(id).pause(stages);
  }

  resume(id: string, stages: readonly StageName[]): void {
    this.get(id).resume(stages);
  }

  step(id: string, stages?: readonly StageName[]): Promise<void> {
    return this.get(id).step(stages);
  }

  /** txonly: frames per second and bytes per frame. */
  setTraffic(id: string, traffic: { ratePps?: number; frameLength?: number }): void {
    const socket = this.get(id);
    const request = this.request(id);
    if (request.workload !== 'txonly') {
      throw new ConfigurationError([
        { field: 'workload', message: `socket ${id} runs ${request.workload}; rate applies to txonly` },
      ]);
    }
    const current = request.traffic ?? DEFAULT_TRAFFIC;
    const frameLength = traffic.frameLength ?? current.frameLength;
    if (frameLength < 60 || frameLength > request.umem.frameSize) {
      throw new ConfigurationError([
        {
          field: 'frameLength',
          message: `frame length must be from 60 to ${request.umem.frameSize} bytes (the UMEM frame size)`,
        },
      ]);
    }
    const updated = { ratePps: traffic.ratePps ?? current.ratePps, frameLength };
    this.requests.set(id, { ...request, traffic: updated });
    socket.worker.set(Control.RATE_PPS, updated.ratePps);
    socket.worker.set(Control.FRAME_LENGTH, updated.frameLength);
  }

  /** Puts one TX descriptor outside the UMEM on the ring, to show what the kernel does with it. */
  injectInvalidTx(id: string): void {
    const socket = this.get(id);
    if (socket.socket.config.txSize === 0) {
      throw new ConfigurationError([{ field: 'txSize', message: `socket ${id} has no TX ring` }]);
    }
    socket.worker.add(Control.INJECT_INVALID_TX, 1);
  }

  /**
   * The FAQ's pitfall: one frame in FILL and TX at once. Refused unless the
   * user asks for it deliberately, because the kernel may then receive into
   * a frame that is being sent.
   */
  feedSameFrame(id: string, deliberately: boolean): void {
    const socket = this.get(id);
    const { txSize, rxSize } = socket.socket.config;
    if (txSize === 0 || rxSize === 0) {
      throw new ConfigurationError([
        { field: txSize === 0 ? 'txSize' : 'rxSize', message: `socket ${id} needs both an RX and a TX ring for this` },
      ]);
    }
    if (!deliberately) {
      throw new ConfigurationError([
        {
          field: 'deliberately',
          message:
            'corruption risk: a frame in FILL and TX at once may be overwritten by a received frame while the kernel sends it, and comes back twice. Ringside never does this by itself; ask deliberately to watch it happen',
        },
      ]);
    }
    socket.worker.add(Control.FEED_SAME_FRAME, 1);
  }

  private freshId(): string {
    while (this.sockets.has(`xsk${this.nextId}`)) this.nextId++;
    return `xsk${this.nextId++}`;
  }

  private steeringOf(ifname: string): InterfaceSteering {
    let steering = this.steering.get(ifname);
    if (!steering) {
      steering = new InterfaceSteering(ifname, this.setup.namespacePath);
      this.steering.set(ifname, steering);
    }
    return steering;
  }

  /** `replacing` is the socket being reconfigured: it may keep its own queue, index and UMEM. */
  private refuseIfInvalid(request: SocketRequest, replacing: string | null): void {
    const problems = request.checks === 'kernel' ? [] : this.check(request);
    problems.push(...this.sharingProblems(request, replacing));
    if (request.socket.rxSize > 0) {
      const leaving = replacing ? [replacing] : [];
      problems.push(
        ...this.steeringOf(request.socket.ifname).check(
          {
            socketId: replacing ?? '(new)',
            fd: -1,
            queueId: request.socket.queueId,
            requestedIndex: request.xskmapIndex,
          },
          request.socket.xdpMode,
          leaving,
        ),
      );
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
  }

  /**
   * libxdp keeps a UMEM's first socket open (its fd is the UMEM's) until the
   * UMEM goes, so that socket stays bound to its queue however it is
   * deleted: while others share the UMEM, it may not go or move.
   */
  private refuseIfOwnerOfShared(socket: ManagedSocket, action: 'reconfigure' | null): void {
    const group = socket.group;
    if (group.ownerId !== socket.id || group.socketIds.length === 1) return;
    const others = group.socketIds.filter((other) => other !== socket.id).join(', ');
    throw new ConfigurationError([
      {
        field: 'socketId',
        message: `${socket.id} owns ${group.id}, which ${others} share${others.includes(',') ? '' : 's'}: libxdp keeps the owner's socket bound until the UMEM goes, so destroy ${others} before you ${action ?? 'destroy'} ${socket.id}`,
      },
    ]);
  }

  /** The kernel binds one UMEM per (netdev, queue); a socket joining a UMEM takes its configuration. */
  private sharingProblems(request: SocketRequest, replacing: string | null): Problem[] {
    const problems: Problem[] = [];
    const own = replacing ? this.sockets.get(replacing)?.group : undefined;
    const target = request.umemId !== undefined ? this.groups.get(request.umemId) : undefined;
    if (request.umemId !== undefined) {
      const alone = target && own === target && target.socketIds.length === 1;
      if (!target || alone) {
        problems.push({
          field: 'umemId',
          message: target
            ? `${replacing} is the only socket on ${request.umemId}: reconfigure it without umemId`
            : `there is no UMEM ${request.umemId}: choose one of ${[...this.groups.keys()].join(', ') || '(none yet)'}`,
        });
      } else if (!sameUmemConfig(request.umem, target.config)) {
        problems.push({
          field: 'umem',
          message: `a socket sharing ${request.umemId} uses its configuration (${target.config.frameCount} frames of ${target.config.frameSize} bytes, headroom ${target.config.headroom}): send that configuration, or leave umemId out for a UMEM of its own`,
        });
      }
      const owner = target && target.ownerId !== null ? this.requests.get(target.ownerId) : undefined;
      // libxdp 1.3 binds every sharing socket with the owner's fd as XDP_SHARED_UMEM: on the owner's queue the
      // kernel shares its pair; elsewhere it wants a new pair, and refuses a second socket on a queue that has one.
      const onQueue = target
        ?.describePairs()
        .find((pair) => pair.ifname === request.socket.ifname && pair.queueId === request.socket.queueId);
      if (
        owner &&
        onQueue &&
        !onQueue.socketIds.includes(target?.ownerId ?? '') &&
        !onQueue.socketIds.includes(replacing ?? '')
      ) {
        problems.push({
          field: 'queueId',
          message: `${request.umemId} can have several sockets only on the queue of its owner ${target?.ownerId} (queue ${owner.socket.queueId}): libxdp binds each sharing socket against the owner's, and the kernel then shares a FILL/COMPLETION pair on that queue alone. Choose queue ${owner.socket.queueId}, or give queue ${request.socket.queueId} a UMEM of its own`,
        });
      }
      // The kernel takes a sharing socket's bind flags from the UMEM's owner (XDP_SHARED_UMEM carries no others).
      for (const field of ['copy', 'zeroCopy', 'needWakeup'] as const) {
        if (owner && request.socket[field] !== owner.socket[field]) {
          problems.push({
            field,
            message: `a socket sharing ${request.umemId} binds as its owner ${target?.ownerId} did (${field} ${owner.socket[field]}): the kernel takes these flags from the UMEM's first socket`,
          });
        }
      }
    } else if (own && own.socketIds.length > 1 && !sameUmemConfig(request.umem, own.config)) {
      problems.push({
        field: 'umem',
        message: `${own.id} is shared by ${own.socketIds.join(', ')}: its configuration can change only once it has one socket`,
      });
    }
    const umemOnQueue = this.umemOnQueue(request, replacing);
    if (umemOnQueue && umemOnQueue.group !== (request.umemId !== undefined ? target : undefined)) {
      problems.push({
        field: 'queueId',
        message: `queue ${request.socket.queueId} of ${request.socket.ifname} already has socket ${umemOnQueue.socketId} on ${umemOnQueue.group.id} (the kernel binds one UMEM per queue): share it with umemId ${umemOnQueue.group.id}, or choose another queue`,
      });
    }
    return problems;
  }

  private umemOnQueue(request: SocketRequest, except: string | null): { socketId: string; group: UmemGroup } | null {
    for (const [id, other] of this.requests) {
      if (id === except || queueOf(other) !== queueOf(request)) continue;
      const socket = this.sockets.get(id);
      if (socket) return { socketId: id, group: socket.group };
    }
    return null;
  }

  /** Takes a socket out of the XSKMAP, off its UMEM and out of the registry. */
  private async stop(id: string): Promise<void> {
    const socket = this.get(id);
    // Out of the registry first: nothing may sample a socket while its memory goes away.
    this.sockets.delete(id);
    this.steering.get(socket.socket.config.ifname)?.remove(id);
    await socket.destroy();
    if (socket.group.isEmpty) this.groups.delete(socket.group.id);
  }

  private async start(
    id: string,
    request: SocketRequest,
    registeredUmem: Umem | undefined,
    options: { replacesRunning?: boolean } = {},
  ): Promise<ManagedSocket> {
    const traffic = request.traffic ?? DEFAULT_TRAFFIC;
    const steering = this.steeringOf(request.socket.ifname);
    const receives = request.socket.rxSize > 0;
    const spec = {
      id,
      socket: request.socket,
      // A socket without an RX ring receives nothing and needs no XDP program; Ringside's programs are its own.
      placement: { namespacePath: this.setup.namespacePath, inhibitProgramLoad: !receives || steering.ownsProgram },
      workload: request.workload,
      frame: this.setup.frame,
      setup: (control: Int32Array) => {
        control[Control.RATE_PPS] = traffic.ratePps;
        control[Control.FRAME_LENGTH] = traffic.frameLength;
        control[Control.SEND_REMAINING] = -1;
      },
    };
    const onWorkerError = (error: Error) =>
      this.setup.log.error({ socket: id, err: error }, 'data-plane worker failed');
    const group = request.umemId !== undefined ? this.groups.get(request.umemId) : undefined;
    const socket = group
      ? await ManagedSocket.join(group, spec)
      : await ManagedSocket.start({ ...spec, umem: request.umem }, onWorkerError, {
          umemId: this.freshUmemId(id),
          ...(registeredUmem ? { registeredUmem } : {}),
        });
    try {
      // Built on a free queue while the old one ran: now the old one goes, as a destroy would take it.
      if (options.replacesRunning) await this.stop(id);
      if (receives) {
        steering.place(
          { socketId: id, fd: socket.socket.fd, queueId: request.socket.queueId, requestedIndex: request.xskmapIndex },
          request.socket.xdpMode,
        );
      }
    } catch (error) {
      await socket.destroy();
      throw error;
    }
    this.groups.set(socket.group.id, socket.group);
    this.sockets.set(id, socket);
    return socket;
  }

  private freshUmemId(socketId: string): string {
    let id = `${socketId}-umem`;
    for (let n = 2; this.groups.has(id); n++) id = `${socketId}-umem-${n}`;
    return id;
  }
}
