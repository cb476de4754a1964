import {
  DEFAULT_TRAFFIC,
  describeProblems,
  type InterfaceInfo,
  type KernelMismatch,
  type KernelMismatchChange,
  type Problem,
  type SocketFeatures,
  type SocketRequest,
  txDataRoom,
  txMetadataLengthProblems,
  txMetadataRequestFlags,
  type UmemLimits,
  validateSocket,
  validateSocketOptions,
  validateTxMetadata,
  validateTxMetadataRequests,
  validateUmem,
  type XdpProgramKind,
} from '@ringside/shared';
import { Control, type StageName, stageBits } from '../dataplane/control.ts';
import { type UdpFrameSpec, validateFrameLength } from '../dataplane/frames.ts';
import { LONGEST_CHAIN } from '../host/multi-buffer-probe.ts';
import type { Logger } from '../logger.ts';
import { mismatchChange } from '../observe/kernel-mismatches.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';
import { ManagedSocket } from './managed-socket.ts';
import {
  isRingsideCeiling,
  ownerLeavingProblem,
  queueOf,
  type RunningSockets,
  sharingProblems,
  type UmemRecord,
} from './sharing-rules.ts';
import type { UmemGroup } from './umem-group.ts';
import { InterfaceSteering, type PortRoute } from './xdp-steering.ts';

/** What a user asks for (a UMEM, a socket on it and the work it does) is the protocol's SocketRequest. */
export type { SocketRequest };

/** A configuration refused before anything was touched; the running sockets are as they were. */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
  constructor(readonly problems: Problem[]) {
    super(describeProblems(problems));
  }
}

/**
 * Refused by Ringside's own limits, not by a rule of the kernel: its ceilings
 * and the rules of sharing a UMEM that libxdp and Ringside add to the kernel's.
 */
export class RingsideLimitError extends ConfigurationError {
  override readonly name = 'RingsideLimitError';
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
  /** The socket options the kernel took at start; without it, requests for them are left to the kernel. */
  socketFeatures?: SocketFeatures;
  describeInterface: (ifname: string) => InterfaceInfo | null;
  /** Addresses for frames a txonly socket sends. */
  frame: Omit<UdpFrameSpec, 'length'>;
  log: Logger;
  /** A fault the engine met on its own (a data-plane worker crashed), told to whoever watches. */
  onFault?: (message: string, socketId: string) => void;
  /**
   * The mismatches between a socket's request and the kernel's view of it
   * changed (read at creation, reconfiguration and on request): told once
   * per change, with those that cleared.
   */
  onKernelMismatch?: (socketId: string, change: KernelMismatchChange) => void;
}

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
  /** The mismatches last told of each socket: a read that finds the same tells nothing. */
  private readonly told = new Map<string, KernelMismatch[]>();
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
    const device = this.setup.describeInterface(request.socket.ifname);
    const kernel = this.setup.socketFeatures?.kernel ?? '';
    return [
      ...validateUmem(request.umem, this.setup.limits),
      ...validateSocket(request.socket, request.workload, device),
      ...(this.setup.socketFeatures ? validateSocketOptions(request.socket, this.setup.socketFeatures) : []),
      ...validateTxMetadata(request.umem, this.setup.socketFeatures?.txMetadata, kernel),
      ...validateTxMetadataRequests(request, device, kernel),
    ];
  }

  async create(request: SocketRequest, id = this.freshId()): Promise<ManagedSocket> {
    if (this.sockets.has(id)) throw new ConfigurationError([{ field: 'id', message: `socket ${id} already exists` }]);
    this.refuseIfInvalid(request, null);
    const { pausedStages: paused = [], ...kept } = request;
    const socket = await this.start(id, request, undefined, { paused });
    // Pauses at creation are an instruction, not configuration: the socket's pausedStages() says what holds now.
    this.requests.set(id, kept);
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
    this.refuseIfOwnerOfShared(id, 'reconfigure');
    this.refuseIfInvalid(next, id);
    const paused = current.pausedStages();
    const sameQueue = queueOf(previous) === queueOf(next);
    const sharing = next.umemId !== undefined;
    if (!sameQueue && !sharing) {
      const built = await this.start(id, next, undefined, { replacesRunning: true, paused });
      this.requests.set(id, next);
      return built;
    }
    // Registered before the old socket goes, so the kernel's verdict on the UMEM comes while nothing is lost.
    const umem = sharing ? undefined : Umem.create(next.umem, this.setup.namespacePath);
    await this.stop(id);
    try {
      const built = await this.start(id, next, umem, { paused });
      this.requests.set(id, next);
      return built;
    } catch (error) {
      umem?.destroy();
      try {
        await this.start(id, previous, undefined, { paused });
      } catch (restoring) {
        // Neither configuration could be built: the socket is gone, and so is its request.
        this.requests.delete(id);
        this.setup.log.error({ socket: id, err: restoring }, 'the previous configuration could not be restored');
        throw error;
      }
      this.setup.log.warn(
        { socket: id, err: error },
        'kernel refused a reconfiguration; previous configuration restored',
      );
      throw error instanceof XskConfigError ? new RestoredAfterRefusal(error) : error;
    }
  }

  async destroy(id: string): Promise<void> {
    this.get(id);
    this.refuseIfOwnerOfShared(id, 'destroy');
    try {
      await this.stop(id);
    } finally {
      this.requests.delete(id);
      this.told.delete(id);
    }
  }

  /** Takes down every socket on `ifname`, newest first (sharers before owners): for an interface that is gone. */
  async destroyOn(ifname: string): Promise<string[]> {
    const ids = this.list()
      .filter((socket) => socket.socket.config.ifname === ifname)
      .map((socket) => socket.id)
      .reverse();
    for (const id of ids) await this.destroy(id);
    this.steering.get(ifname)?.detach();
    this.steering.delete(ifname);
    return ids;
  }

  async destroyAll(): Promise<void> {
    // Newest first: sockets sharing a UMEM go before the socket that owns it.
    for (const id of [...this.sockets.keys()].reverse()) await this.destroy(id);
    // One interface refusing its detach (a device stacked on it runs XDP) leaves the others' programs to go.
    const refused: unknown[] = [];
    for (const steering of this.steering.values()) {
      try {
        steering.detach();
      } catch (error) {
        refused.push(error);
      }
    }
    if (refused.length === 1) throw refused[0];
    if (refused.length > 1) throw new AggregateError(refused, refused.map((error) => String(error)).join('; '));
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

  /** txonly: frames per second and bytes per frame; `frames`: exactly that many more, then stop (0: stop now). */
  setTraffic(id: string, traffic: { ratePps?: number; frameLength?: number; frames?: number }): void {
    const socket = this.get(id);
    const request = this.request(id);
    if (request.workload !== 'txonly') {
      throw new ConfigurationError([
        { field: 'workload', message: `socket ${id} runs ${request.workload}; rate applies to txonly` },
      ]);
    }
    const current = request.traffic ?? DEFAULT_TRAFFIC;
    const frameLength = traffic.frameLength ?? current.frameLength;
    // A multi-buffer socket sends a longer frame as a chain of chunks, as long as the kernel takes (probed at start);
    // every chunk, of a chain or alone, holds what its metadata's room leaves.
    // An available probe that found no limit dropped no chain up to the longest it sent: at least that many pass.
    const probed = this.setup.socketFeatures?.multiBuffer;
    const limit = probed?.maxFragments ?? (probed?.available ? LONGEST_CHAIN : 1);
    const chunks = request.socket.multiBuffer ? limit : 1;
    const lengthError = validateFrameLength(
      frameLength,
      txDataRoom(request.umem) * chunks,
      chunks > 1 ? `${chunks} chunks, the most one packet may span here` : undefined,
    );
    if (lengthError) throw new ConfigurationError([{ field: 'frameLength', message: lengthError }]);
    const updated = { ratePps: traffic.ratePps ?? current.ratePps, frameLength };
    this.requests.set(id, { ...request, traffic: updated });
    socket.worker.set(Control.RATE_PPS, updated.ratePps);
    socket.worker.set(Control.FRAME_LENGTH, updated.frameLength);
    if (traffic.frames !== undefined) socket.worker.set(Control.SEND_REMAINING, traffic.frames);
  }

  /** Puts one TX descriptor outside the UMEM on the ring, to show what the kernel does with it. */
  injectInvalidTx(id: string): void {
    const socket = this.get(id);
    if (socket.socket.config.txSize === 0) {
      throw new ConfigurationError([{ field: 'txSize', message: `socket ${id} has no TX ring` }]);
    }
    socket.worker.add(Control.INJECT_INVALID_TX, 1);
  }

  /** Posts one FILL address outside the UMEM, to show what the kernel does with it (teaching-faults.ts). */
  injectInvalidFill(id: string): void {
    const socket = this.get(id);
    if (socket.socket.config.rxSize === 0) {
      // Without an RX ring nothing is received on the socket's queue: the kernel would never reach the address.
      throw new ConfigurationError([{ field: 'rxSize', message: `socket ${id} has no RX ring` }]);
    }
    socket.worker.add(Control.INJECT_INVALID_FILL, 1);
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
    const checked = request.checks === 'kernel' ? [] : this.check(request);
    const limits = checked.filter((problem) => isRingsideCeiling(problem, request));
    const rules = checked.filter((problem) => !limits.includes(problem));
    limits.push(...sharingProblems(request, replacing, this.running()));
    // What txonly would write past tx_metadata_len is Ringside's limit, whatever the checks; the form asks the same.
    limits.push(...txMetadataLengthProblems(request));
    if (request.socket.rxSize > 0) {
      const leaving = replacing ? [replacing] : [];
      const steering = this.steeringOf(request.socket.ifname).check(
        {
          socketId: replacing ?? '(new)',
          fd: -1,
          queueId: request.socket.queueId,
          requestedIndex: request.xskmapIndex,
        },
        request.socket.xdpMode,
        leaving,
      );
      // An interface has one XDP mode (the kernel's rule); where a socket sits in the XSKMAP is Ringside's program's.
      for (const problem of steering) (problem.field === 'xdpMode' ? rules : limits).push(problem);
    }
    if (rules.length > 0) throw new ConfigurationError([...rules, ...limits]);
    if (limits.length > 0) throw new RingsideLimitError(limits);
  }

  private refuseIfOwnerOfShared(id: string, action: 'destroy' | 'reconfigure'): void {
    const problem = ownerLeavingProblem(id, action, this.running());
    if (problem) throw new RingsideLimitError([problem]);
  }

  /** The running sockets as the sharing rules see them. */
  private running(): RunningSockets {
    const umems = new Map<string, UmemRecord>();
    for (const group of this.groups.values()) {
      const { id, config, ownerId, socketIds } = group;
      umems.set(id, { id, config, ownerId, socketIds, pairs: group.describePairs() });
    }
    const sockets = new Map<string, { request: SocketRequest; umemId: string }>();
    for (const [id, request] of this.requests) {
      const socket = this.sockets.get(id);
      if (socket) sockets.set(id, { request, umemId: socket.group.id });
    }
    return { umems, sockets };
  }

  /** Asks the kernel about a socket again (its rings, mode, queue, where it wrote received data). */
  readKernelView(id: string): KernelMismatch[] {
    const socket = this.get(id);
    this.readView(id, socket, this.request(id));
    return socket.kernel.mismatches;
  }

  /**
   * Reads the kernel's view of a running socket. A failed read is a fault to
   * tell, never a reason to undo the socket: it was built and runs.
   */
  private readView(id: string, socket: ManagedSocket, request: SocketRequest): void {
    try {
      socket.readKernelView(request);
    } catch (error) {
      const why = `the kernel's view could not be read: ${(error as Error).message}`;
      socket.kernelViewUnread(why);
      this.setup.onFault?.(`socket ${id}: ${why}`, id);
      return;
    }
    const change = mismatchChange(this.told.get(id) ?? [], socket.kernel.mismatches);
    if (change === null) return;
    this.told.set(id, change.now);
    this.setup.onKernelMismatch?.(id, change);
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
    options: { replacesRunning?: boolean; paused?: readonly StageName[] } = {},
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
        // Only txonly writes each frame's metadata: on another workload CompletionStamps would read RX headroom as one.
        if (request.workload === 'txonly') {
          control[Control.TX_METADATA_FLAGS] = txMetadataRequestFlags(request.txMetadataRequests);
          control[Control.LAUNCH_TIME_OFFSET_NS] = request.txMetadataRequests?.launchTimeOffsetNs ?? 0;
        }
        // Written before the lane's first round: a pause sent after the socket exists would race its data plane.
        control[Control.PAUSED_STAGES] = stageBits(options.paused ?? []);
      },
    };
    const group = request.umemId !== undefined ? this.groups.get(request.umemId) : undefined;
    const umemId = group?.id ?? this.freshUmemId(id);
    const onWorkerError = (error: Error) => {
      this.setup.log.error({ socket: id, umem: umemId, err: error }, 'data-plane worker failed');
      const sockets = this.groups.get(umemId)?.socketIds.join(', ') ?? id;
      this.setup.onFault?.(`UMEM ${umemId} (socket ${sockets}): ${error.message}`, id);
    };
    const socket = group
      ? await ManagedSocket.join(group, spec)
      : await ManagedSocket.start({ ...spec, umem: request.umem }, onWorkerError, {
          umemId,
          ...(registeredUmem ? { registeredUmem } : {}),
        });
    try {
      // Built on a free queue while the old one ran: now the old one goes, as a destroy would take it.
      if (options.replacesRunning) await this.stop(id);
      if (receives) {
        steering.place(
          {
            socketId: id,
            fd: socket.socket.fd,
            queueId: request.socket.queueId,
            requestedIndex: request.xskmapIndex,
            multiBuffer: request.socket.multiBuffer === true,
          },
          request.socket.xdpMode,
        );
      }
    } catch (error) {
      await socket.destroy();
      throw error;
    }
    this.groups.set(socket.group.id, socket.group);
    this.sockets.set(id, socket);
    // Once placed in the XSKMAP, as a client will find it: what the kernel shows of the new socket.
    this.readView(id, socket, request);
    return socket;
  }

  private freshUmemId(socketId: string): string {
    let id = `${socketId}-umem`;
    for (let n = 2; this.groups.has(id); n++) id = `${socketId}-umem-${n}`;
    return id;
  }
}
