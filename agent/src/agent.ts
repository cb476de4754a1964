import { hostname, release } from 'node:os';
import {
  chunkOf,
  defaultSocketRequest,
  type EventMessage,
  FRAME_OWNERS,
  type FrameBytesMessage,
  type HelloMessage,
  type InterfaceInfo,
  PROTOCOL_VERSION,
  type Role,
  type SocketDetailMessage,
  type SocketRequest,
  type StateMessage,
  type XdpActionCounters,
  type XdpProgramInfo,
} from '@ringside/shared';
import { OBSERVER_NICE } from './dataplane/control.ts';
import { ConfigurationError, Engine, RestoredAfterRefusal } from './engine/engine.ts';
import { describeInterface, listInterfaces } from './host/interfaces.ts';
import { probeKernelLimits } from './host/kernel-limits.ts';
import { describeXdpProgram } from './host/xdp-programs.ts';
import { Lab, removeStaleLabs } from './lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from './lab/traffic-source.ts';
import type { Logger } from './logger.ts';
import { setThreadNice } from './native/libc.ts';
import { routeLibraryMessages } from './native/libxdp.ts';
import { Sampler } from './sampler/sampler.ts';
import { type AgentCommand, type AgentFacade, AgentServer, CommandError } from './server/agent-server.ts';
import type { ObservedSocket } from './server/metrics.ts';
import type { Tokens } from './server/token-store.ts';
import { XskConfigError } from './xsk/umem.ts';

export interface AgentOptions {
  host: string;
  port: number;
  /** A real interface and queue (opt-in); null builds the lab. */
  iface: string | null;
  queue: number;
  labQueues: number;
  ratePps: number;
  frameLength: number;
  webRoot: string;
  logger: Logger;
  tokens: Tokens;
  commandsPerSecond: number;
}

/** How long interface facts are trusted when nothing Ringside did changed them. */
const FACTS_TTL_MS = 2000;

/** Beyond protocol 1.0's messages: binary snapshots with owner deltas, inspection, Prometheus metrics. */
const CAPABILITIES = [
  'binary-snapshots',
  'inspect-socket',
  'metrics',
  'kernel-checks',
  'shared-umem',
  'xdp-programs',
  'read-frame',
] as const;

/**
 * The agent: the lab (or a real interface), the engine and its sockets, the
 * sampler and the server, started in that order and stopped in reverse.
 */
export class Agent implements AgentFacade {
  private lab: Lab | null = null;
  private traffic: TrafficSource | null = null;
  private engine: Engine | null = null;
  private server: AgentServer | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** Interfaces and XDP programs as last read; null when a change to the sockets made them stale. */
  private facts: { readAt: number; interfaces: InterfaceInfo[]; programs: XdpProgramInfo[] } | null = null;
  /** Commands run one at a time: two reconfigurations of one socket must not interleave. */
  private commands: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: AgentOptions,
    private readonly log: Logger,
  ) {}

  static async start(options: AgentOptions): Promise<Agent> {
    const agent = new Agent(options, options.logger);
    try {
      await agent.build();
      return agent;
    } catch (error) {
      await agent.shutdown();
      throw error;
    }
  }

  private get namespace(): string | null {
    return this.lab?.appNamespace ?? null;
  }

  private async build(): Promise<void> {
    const { options, log } = this;
    routeLibraryMessages((level, source, text) => {
      // libbpf warns while libxdp probes features this kernel lacks (the dispatcher needs
      // freplace); real failures come back as errors, so its warnings are debug detail.
      // libxdp's info lines narrate that probing ("dispatcher failed, falling back") and read like faults.
      if (source === 'libxdp' && level === 'warn') log.warn({ source }, text);
      else if (source === 'libxdp' && level === 'info') log.debug({ source }, text);
      else log.trace({ source, level }, text);
    });
    const stale = removeStaleLabs();
    if (stale.length > 0)
      log.info({ namespaces: stale }, 'removed lab namespaces left by a run that ended without cleaning up');
    const limits = probeKernelLimits();
    log.debug({ limits }, 'kernel limits probed');

    if (options.iface === null) {
      this.lab = Lab.create(options.labQueues);
      log.info(this.lab.info(), 'lab created');
    }
    this.engine = new Engine({
      namespacePath: this.lab?.appNamespacePath ?? null,
      limits,
      describeInterface: (ifname) => describeInterface(this.namespace, ifname),
      frame: FRAME_TO_PEER,
      log,
    });
    const start = defaultSocketRequest(this.lab?.appIfname ?? (options.iface as string), this.lab ? 0 : options.queue);
    // A real NIC may do zero-copy: leave the mode to the driver there (veth in the lab does copy only).
    const first = await this.engine.create({ ...start, socket: { ...start.socket, copy: this.lab !== null } });
    log.info(
      { socket: first.id, ifname: first.socket.config.ifname, queue: first.socket.config.queueId },
      'socket bound, rxdrop running',
    );

    if (this.lab) {
      this.traffic = await TrafficSource.start(
        this.lab,
        { ratePps: options.ratePps, frameLength: options.frameLength, paused: false, queueId: 0 },
        (error) => log.error({ err: error }, 'traffic source failed'),
      );
      log.info({ ratePps: options.ratePps, frameLength: options.frameLength }, 'traffic source sending');
    }

    this.server = await AgentServer.listen({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot,
      agent: this,
      logger: log,
      tokens: options.tokens,
      commandsPerSecond: options.commandsPerSecond,
    });
    const sampler = new Sampler(
      () => this.engine?.list() ?? [],
      () => this.traffic,
      () => this.programCounters(),
    );
    const tick = () => {
      if (!this.server) return;
      try {
        const { snapshot, owners } = sampler.sample();
        this.server.publishSnapshot(snapshot, owners);
      } catch (error) {
        // A fault in sampling or serving must not take the data plane and every other client down with it.
        log.error({ err: error }, 'snapshot tick failed');
      }
      this.sampleTimer = setTimeout(tick, 1000 / this.server.fastestSnapshotRate);
    };
    tick();
    // Sampling and serving yield to the data plane when the cores are busy (control.ts says why). Only from
    // here: starting at nice 19 on a loaded machine took the agent over 40 s, all of it waiting for a core.
    setThreadNice(OBSERVER_NICE);
  }

  url(role: Role): string {
    if (!this.server) throw new Error('agent is not serving');
    return this.server.url(role);
  }

  hello(role: Role): HelloMessage {
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      role,
      host: { kernel: release(), hostname: hostname(), interfaces: this.hostFacts().interfaces },
      mode: this.lab ? 'lab' : 'nic',
      capabilities: [...CAPABILITIES],
    };
  }

  state(): StateMessage {
    const sockets = this.engine?.list() ?? [];
    const { interfaces, programs } = this.hostFacts();
    const steering = new Map((this.engine?.interfaces() ?? []).map((entry) => [entry.ifname, entry]));
    return {
      type: 'state',
      umems: (this.engine?.umems() ?? []).map((group) => ({
        id: group.id,
        config: group.config,
        socketIds: group.socketIds,
        pairs: group.describePairs(),
      })),
      sockets: sockets.map((managed) => ({
        id: managed.id,
        umemId: managed.group.id,
        config: managed.socket.config,
        workload: managed.workload,
        request: this.engine?.request(managed.id) as SocketRequest,
        pausedStages: managed.pausedStages(),
        zeroCopyActive: managed.socket.zeroCopyActive,
        xskmapIndex: steering.get(managed.socket.config.ifname)?.indexOf(managed.id) ?? null,
      })),
      traffic: this.traffic?.info() ?? null,
      lab: this.lab?.info() ?? null,
      interfaces,
      xdpPrograms: programs,
      umemLimits: probeKernelLimits(),
      snapshotsPerSecond: this.server?.fastestSnapshotRate ?? 1,
    };
  }

  programCounters(): XdpActionCounters[] {
    return (this.engine?.interfaces() ?? []).flatMap((steering) => steering.counters() ?? []);
  }

  observeSockets(): ObservedSocket[] {
    return (this.engine?.list() ?? []).map((managed) => ({ id: managed.id, observation: managed.observe() }));
  }

  inspect(socketId: string, requestId: string): SocketDetailMessage {
    if (!this.engine?.has(socketId)) throw new CommandError('not-found', `there is no socket ${socketId}`);
    const detail = this.engine.get(socketId).observeInDetail();
    return {
      type: 'socketDetail',
      requestId,
      socketId,
      sampledAt: Date.now(),
      entries: detail.entries,
      owners: Buffer.from(detail.ledger.owners).toString('base64'),
      rings: detail.rings,
      consistent: detail.consistent,
    };
  }

  /**
   * The program on each interface, as the kernel lists it. The XSKMAP's
   * values cannot be read back, so its entries are where Ringside put its
   * sockets (libxdp's program: each at its queue id).
   */
  private xdpPrograms(interfaces: InterfaceInfo[]): XdpProgramInfo[] {
    const sockets = this.engine?.list() ?? [];
    const steering = new Map((this.engine?.interfaces() ?? []).map((entry) => [entry.ifname, entry]));
    return interfaces.flatMap((device) => {
      const attached = device.attachedXdp;
      const program = attached ? describeXdpProgram(attached.programId) : null;
      if (!attached || !program) return [];
      const ours = steering.get(device.name);
      const isOurs = ours !== undefined && ours.programId === program.id;
      const entries =
        isOurs && ours.ownsProgram
          ? ours.entries()
          : sockets
              .filter((managed) => managed.socket.config.ifname === device.name && managed.socket.config.rxSize > 0)
              .map((managed) => ({ index: managed.socket.config.queueId, socketId: managed.id }));
      const libxdps = ours !== undefined && !ours.ownsProgram;
      return [
        {
          ifname: device.name,
          mode: attached.mode,
          programId: program.id,
          name: program.name,
          kind: isOurs ? ours.kind : libxdps ? 'libxdp-default' : 'other',
          ports: isOurs ? ours.ports : [],
          xskmap: program.xskmap ? { ...program.xskmap, entries } : null,
        },
      ];
    });
  }

  /** One frame of a socket's UMEM: its bytes and owner, for the packet inspector. */
  readFrame(socketId: string, frame: number, requestId: string): FrameBytesMessage {
    if (!this.engine?.has(socketId)) throw new CommandError('not-found', `there is no socket ${socketId}`);
    const managed = this.engine.get(socketId);
    const { frameCount, frameSize } = managed.umem.config;
    if (frame >= frameCount) {
      throw new CommandError('bad-request', `frame must be from 0 to ${frameCount - 1} (the UMEM has ${frameCount})`);
    }
    const detail = managed.observeInDetail();
    const address = frame * frameSize;
    const owner = FRAME_OWNERS[detail.ledger.owners[frame] as number] ?? 'free';
    // The descriptor (RX first, then TX) that points into this frame, if a ring holds one now.
    const descriptorIn = (entries: { addresses: number[]; lengths: number[] } | null) => {
      const at = entries?.addresses.findIndex((data) => chunkOf(data, frameSize) === frame) ?? -1;
      return entries && at >= 0
        ? { offset: (entries.addresses[at] as number) - address, length: entries.lengths[at] as number }
        : null;
    };
    const descriptor = descriptorIn(detail.entries.rx) ?? descriptorIn(detail.entries.tx);
    return {
      type: 'frameBytes',
      requestId,
      socketId,
      frame,
      address,
      owner,
      length: descriptor?.length ?? null,
      offset: descriptor?.offset ?? null,
      bytes: Buffer.from(managed.umem.frameBytes(frame)).toString('base64'),
    };
  }

  /**
   * Where sockets may go (the lab's app end, or the host's interfaces on a real
   * NIC) and their programs. Reading them costs subprocesses (ip, bpftool) and
   * netlink on the event loop, so they are read once per change to the sockets,
   * and again after FACTS_TTL_MS for changes made outside Ringside.
   */
  private hostFacts(): { interfaces: InterfaceInfo[]; programs: XdpProgramInfo[] } {
    if (this.facts === null || Date.now() - this.facts.readAt > FACTS_TTL_MS) {
      const interfaces = this.lab
        ? listInterfaces(this.namespace).filter((device) => device.name !== 'lo')
        : listInterfaces(null);
      this.facts = { readAt: Date.now(), interfaces, programs: this.xdpPrograms(interfaces) };
    }
    return this.facts;
  }

  execute(command: AgentCommand): Promise<void> {
    const run = this.commands.then(() => this.carryOut(command));
    this.commands = run.catch(() => {});
    return run.catch((error: unknown) => {
      throw toCommandError(error);
    });
  }

  private async carryOut(command: AgentCommand): Promise<void> {
    // Creating, reconfiguring or destroying sockets attaches and detaches programs: the facts
    // go stale before (a hello may read them meanwhile) and after, when the change is announced.
    const changesSockets =
      command.type === 'createSocket' || command.type === 'reconfigureSocket' || command.type === 'destroySocket';
    if (changesSockets) this.facts = null;
    const engine = this.engine;
    if (!engine) throw new CommandError('not-found', 'the agent is stopping');
    const socketId = 'socketId' in command ? command.socketId : undefined;
    if (socketId !== undefined && command.type !== 'createSocket' && !engine.has(socketId)) {
      throw new CommandError('not-found', `there is no socket ${socketId}: see the state for the sockets there are`);
    }
    const announce = (kind: EventMessage['kind'], message: string, changed = true) => {
      if (changesSockets) this.facts = null;
      this.event(kind, message, socketId);
      if (changed) this.server?.broadcast(this.state());
    };
    switch (command.type) {
      case 'setTraffic': {
        const traffic = this.traffic;
        if (!traffic)
          throw new CommandError(
            'not-found',
            'there is no traffic source: the agent runs on a real interface, not the lab',
          );
        if (command.ratePps !== undefined) traffic.setRate(command.ratePps);
        if (command.destinationPorts !== undefined) traffic.setDestinationPorts(command.destinationPorts);
        if (command.queueIds !== undefined) await traffic.setQueues(command.queueIds);
        if (command.paused === true) traffic.pause();
        if (command.paused === false) traffic.resume();
        const kind =
          command.paused === undefined ? 'traffic-rate' : command.paused ? 'traffic-paused' : 'traffic-resumed';
        announce(kind, describeTraffic(traffic));
        return;
      }
      case 'createSocket': {
        this.refuseSendingOnRealInterface(command.request);
        const created = await engine.create(command.request, command.socketId);
        this.facts = null;
        this.event('socket-created', `socket ${created.id} created: ${describeRequest(command.request)}`, created.id);
        this.server?.broadcast(this.state());
        return;
      }
      case 'reconfigureSocket':
        this.refuseSendingOnRealInterface(command.request);
        try {
          await engine.reconfigure(command.socketId, command.request);
        } catch (error) {
          if (error instanceof RestoredAfterRefusal) announce('socket-restored', error.message);
          throw error;
        }
        announce('socket-reconfigured', `socket ${command.socketId} reconfigured: ${describeRequest(command.request)}`);
        return;
      case 'destroySocket':
        await engine.destroy(command.socketId);
        announce('socket-destroyed', `socket ${command.socketId} destroyed`);
        return;
      case 'pauseStages':
        engine.pause(command.socketId, command.stages);
        announce('stages-paused', `${command.socketId}: paused ${command.stages.join(', ')}`);
        return;
      case 'resumeStages':
        engine.resume(command.socketId, command.stages);
        announce('stages-resumed', `${command.socketId}: resumed ${command.stages.join(', ')}`);
        return;
      case 'step':
        await engine.step(command.socketId, command.stages);
        announce(
          'stepped',
          `${command.socketId}: one batch of ${command.stages ? command.stages.join(', ') : 'every stage'}`,
          false,
        );
        return;
      case 'setSocketTraffic':
        engine.setTraffic(command.socketId, {
          ...(command.ratePps !== undefined ? { ratePps: command.ratePps } : {}),
          ...(command.frameLength !== undefined ? { frameLength: command.frameLength } : {}),
        });
        announce('traffic-rate', `${command.socketId}: txonly rate and frame length set`);
        return;
      case 'injectInvalidTx':
        engine.injectInvalidTx(command.socketId);
        announce('socket-error', `${command.socketId}: a TX descriptor outside the UMEM was submitted`, false);
        return;
      case 'feedSameFrame':
        engine.feedSameFrame(command.socketId, command.deliberately);
        announce(
          'same-frame-fed',
          `${command.socketId}: one frame put in FILL and TX at once, deliberately; watch the ledger's violations and the frame's bytes`,
          false,
        );
        return;
      case 'setXdpProgram':
        this.facts = null;
        engine.setXdpProgram(command.ifname, command.program, command.ports ?? []);
        this.facts = null;
        announce('xdp-program-set', `${command.ifname}: ${command.program} program loaded`);
        return;
    }
  }

  /** Ringside sends only inside its lab: nothing of its own reaches a real network. */
  private refuseSendingOnRealInterface(request: SocketRequest): void {
    if (!this.lab && request.workload !== 'rxdrop') {
      throw new CommandError(
        'bad-request',
        `${request.workload} sends frames, and Ringside sends only inside its lab: on a real interface use rxdrop`,
      );
    }
  }

  private event(kind: EventMessage['kind'], message: string, socketId?: string): void {
    this.server?.broadcast({ type: 'event', at: Date.now(), kind, message, ...(socketId ? { socketId } : {}) });
  }

  /** Stops everything this run started, in reverse order. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    if (this.sampleTimer) clearTimeout(this.sampleTimer);
    await this.server?.close();
    this.server = null;
    await this.traffic?.stop();
    await this.engine?.destroyAll();
    this.engine = null;
    this.lab?.destroy();
  }

  /** For exit paths where nothing asynchronous runs: removing the lab takes its veth, programs and bindings. */
  teardownNow(): void {
    this.lab?.destroy();
  }
}

function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (error instanceof ConfigurationError) return new CommandError('bad-request', error.message, error.problems);
  if (error instanceof XskConfigError || error instanceof RestoredAfterRefusal)
    return new CommandError('kernel-refused', error.message);
  if (error instanceof RangeError) return new CommandError('bad-request', error.message);
  return new CommandError('bad-request', (error as Error).message);
}

function describeRequest(request: SocketRequest): string {
  const { socket, umem } = request;
  const rings = `rx ${socket.rxSize} tx ${socket.txSize} fill ${umem.fillSize} completion ${umem.completionSize}`;
  return `${request.workload} on ${socket.ifname} queue ${socket.queueId}, ${umem.frameCount}×${umem.frameSize} B frames, ${rings}`;
}

function describeTraffic(traffic: TrafficSource): string {
  if (traffic.paused) return 'traffic source paused';
  const queues =
    traffic.queueIds.length === 1 ? `queue ${traffic.queueIds[0]}` : `queues ${traffic.queueIds.join(', ')}`;
  return `traffic source sending ${traffic.ratePps} frames/s on ${queues} to UDP port ${traffic.destinationPorts.join(', ')}`;
}
