import {
  describeProblems,
  type InterfaceInfo,
  type Problem,
  type SocketConfig,
  type SocketRequest,
  type UmemLimits,
  validateSocket,
  validateUmem,
} from '@ringside/shared';
import { Control, type StageName } from '../dataplane/control.ts';
import type { UdpFrameSpec } from '../dataplane/frames.ts';
import type { Logger } from '../logger.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';
import { ManagedSocket } from './managed-socket.ts';

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

/**
 * Ringside's sockets: many UMEMs and many sockets, created, reconfigured and
 * destroyed on request. Every request is checked against the running
 * kernel's rules first, so a refusal leaves the running sockets as they were.
 */
export class Engine {
  private readonly sockets = new Map<string, ManagedSocket>();
  private readonly requests = new Map<string, SocketRequest>();
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

  /** Problems with a request, as the running kernel would see them. */
  check(request: SocketRequest): Problem[] {
    return [
      ...validateUmem(request.umem, this.setup.limits),
      ...validateSocket(request.socket, request.workload, this.setup.describeInterface(request.socket.ifname)),
    ];
  }

  async create(request: SocketRequest, id = `xsk${this.nextId++}`): Promise<ManagedSocket> {
    if (this.sockets.has(id)) throw new ConfigurationError([{ field: 'id', message: `socket ${id} already exists` }]);
    this.refuseIfInvalid(request, null);
    const socket = await this.start(id, request, undefined);
    this.sockets.set(id, socket);
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
    this.refuseIfInvalid(next, id);
    const paused = current.pausedStages();
    const sameQueue = previous.socket.ifname === next.socket.ifname && previous.socket.queueId === next.socket.queueId;
    if (!sameQueue) {
      const built = await this.start(id, next, undefined);
      built.pause(paused);
      this.sockets.set(id, built);
      this.requests.set(id, next);
      await current.destroy();
      return built;
    }
    const umem = Umem.create(next.umem, this.setup.namespacePath);
    // Out of the registry first: nothing may sample a socket while its memory goes away.
    this.sockets.delete(id);
    await current.destroy();
    try {
      const built = await this.start(id, next, umem);
      built.pause(paused);
      this.sockets.set(id, built);
      this.requests.set(id, next);
      return built;
    } catch (error) {
      umem.destroy();
      const restored = await this.start(id, previous, undefined);
      restored.pause(paused);
      this.sockets.set(id, restored);
      this.setup.log.warn(
        { socket: id, err: error },
        'kernel refused a reconfiguration; previous configuration restored',
      );
      throw error instanceof XskConfigError ? new RestoredAfterRefusal(error) : error;
    }
  }

  async destroy(id: string): Promise<void> {
    const socket = this.get(id);
    this.sockets.delete(id);
    this.requests.delete(id);
    await socket.destroy();
  }

  async destroyAll(): Promise<void> {
    for (const id of [...this.sockets.keys()]) await this.destroy(id);
  }

  pause(id: string, stages: readonly StageName[]): void {
    this.get(id).pause(stages);
  }

  resume(id: string, stages: readonly StageName[]): void {
    this.get(id).resume(stages);
  }

  step(id: string): Promise<void> {
    return this.get(id).step();
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
    Atomics.add(socket.worker.control, Control.INJECT_INVALID_TX, 1);
  }

  /** `replacing` is the socket being reconfigured: it may keep its own queue. */
  private refuseIfInvalid(request: SocketRequest, replacing: string | null): void {
    const problems = request.checks === 'kernel' ? [] : this.check(request);
    // Even when the kernel judges, two of Ringside's sockets never fight over one queue.
    const holder = this.holderOf(request.socket, replacing);
    if (holder) {
      problems.push({
        field: 'queueId',
        message: `queue ${request.socket.queueId} of ${request.socket.ifname} already has socket ${holder} with its own UMEM (the kernel allows one): destroy or reconfigure ${holder}`,
      });
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
  }

  private holderOf(socket: SocketConfig, except: string | null): string | null {
    for (const [id, request] of this.requests) {
      if (id !== except && request.socket.ifname === socket.ifname && request.socket.queueId === socket.queueId)
        return id;
    }
    return null;
  }

  private start(id: string, request: SocketRequest, registeredUmem: Umem | undefined): Promise<ManagedSocket> {
    const traffic = request.traffic ?? DEFAULT_TRAFFIC;
    return ManagedSocket.start(
      {
        id,
        umem: request.umem,
        socket: request.socket,
        // A socket without an RX ring receives nothing and needs no XDP program.
        placement: { namespacePath: this.setup.namespacePath, inhibitProgramLoad: request.socket.rxSize === 0 },
        workload: request.workload,
        frame: this.setup.frame,
        setup: (control) => {
          control[Control.RATE_PPS] = traffic.ratePps;
          control[Control.FRAME_LENGTH] = traffic.frameLength;
          control[Control.SEND_REMAINING] = -1;
        },
      },
      (error) => this.setup.log.error({ socket: id, err: error }, 'data-plane worker failed'),
      registeredUmem ? { registeredUmem } : {},
    );
  }
}
