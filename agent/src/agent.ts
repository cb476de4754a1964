import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { hostname, release } from 'node:os';
import {
  type AckMessage,
  type ControlCommand,
  chunkOf,
  defaultSocketRequest,
  type EventMessage,
  FRAME_OWNERS,
  type FrameBytesMessage,
  type HelloMessage,
  type InterfaceInfo,
  type LessonOutcome,
  type LinkReading,
  type Role,
  type SocketDetailMessage,
  type SocketRequest,
  START_SOCKET_ID,
  type StateMessage,
  type Workload,
  type XdpActionCounters,
  type XdpProgramInfo,
} from '@ringside/shared';
import { AttachWatch } from './attach/attach-watch.ts';
import { AttachedXsk } from './attach/attached-xsk.ts';
import type { DiscoveredXsk } from './attach/discovery.ts';
import { AttachedSockets, discoveredForState } from './attached-sockets.ts';
import { CommandError } from './command-error.ts';
import { CommandPriority } from './command-priority.ts';
import { CommandRunner } from './commands.ts';
import { DATAPLANE_NICE, OBSERVER_NICE } from './dataplane/control.ts';
import { completionStampsOf } from './dataplane/txonly-stamps.ts';
import { Engine } from './engine/engine.ts';
import type { ManagedSocket } from './engine/managed-socket.ts';
import { captureReceived } from './export/capture.ts';
import type { PcapPacket } from './export/pcap.ts';
import { describeFault, type Expectations, type Fault, faultKey, faultsIn } from './faults.ts';
import { yieldHelperThreads } from './helper-threads.ts';
import { describeInterface, listInterfaces, listXdpLinks } from './host/interfaces.ts';
import { probeKernelLimits } from './host/kernel-limits.ts';
import { LinkCounters } from './host/link-counters.ts';
import { probeSocketFeatures } from './host/socket-features.ts';
import { describeXdpProgram, type XdpProgramFacts } from './host/xdp-programs.ts';
import { Lab, removeStaleLabs } from './lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from './lab/traffic-source.ts';
import type { Logger } from './logger.ts';
import { setThreadNice } from './native/libc.ts';
import { routeLibraryMessages } from './native/libxdp.ts';
import { type DetailedObservation, observeAll } from './observe/socket-observer.ts';
import type { Recorder } from './record/recorder.ts';
import { Sampler } from './sampler/sampler.ts';
import { loadCatalogue } from './scenarios/catalogue.ts';
import { Lessons } from './scenarios/runner.ts';
import type { AgentUrl, AllowedHost } from './server/access.ts';
import { type AgentFacade, AgentServer } from './server/agent-server.ts';
import type { ObservedSocket, SocketLabels } from './server/metrics.ts';
import type { Tokens } from './server/token-store.ts';
import { describeMismatchChange, helloMessage, type SteeringFacts, stateMessage, xdpProgramsOf } from './state-view.ts';
import { probeRxMetadataSupport } from './xdp/rx-metadata-support.ts';

export interface AgentOptions {
  host: string;
  port: number;
  /** Names the server answers to besides loopback and `host` (`--allowed-host`). */
  allowedHosts: readonly AllowedHost[];
  /** A real interface and queue (opt-in); null builds the lab. */
  iface: string | null;
  queue: number;
  /** What the first socket runs: on a real interface, only what the user named (first-socket.ts). */
  workload: Workload;
  labQueues: number;
  /** The lab's veth MTU (default 1500): above a page, frames cross it in several buffers. */
  labMtu?: number;
  ratePps: number;
  frameLength: number;
  webRoot: string;
  logger: Logger;
  tokens: Tokens;
  commandsPerSecond: number;
  /** Faults met before the agent was started (the token file's disk is read-only): every page is told of them. */
  startupFaults: string[];
  /**
   * `--attach`: no lab and no socket of Ringside's own; every XSK discovered
   * (of process `pid` only, when given) is attached as it appears. null: the
   * lab (or --iface), with discovery listing the host's XSKs for the page.
   */
  attach: { pid: number | null } | null;
  /** `--record FILE`, opened already: what a view client receives is appended to it. */
  recorder?: Recorder;
}

/** How long interface facts are trusted when nothing Ringside did changed them. */
const FACTS_TTL_MS = 2000;
/** How often the agent looks for what was changed under it from outside (each look is one or two `ip` calls). */
const WATCH_MS = 2000;
const NETNS_DIR = '/run/netns';

/**
 * The agent: the lab (or a real interface), the engine and its sockets, the
 * sampler and the server, started in that order and stopped in reverse.
 */
export class Agent implements AgentFacade {
  private lab: Lab | null = null;
  private traffic: TrafficSource | null = null;
  private engine: Engine | null = null;
  private server: AgentServer | null = null;
  private discovery: AttachWatch | null = null;
  private readonly attached: AttachedSockets;
  private sampleTimer: NodeJS.Timeout | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  /** Counts changes Ringside made to sockets and programs: a look from outside that spans one is void. */
  private changes = 0;
  private watching = false;
  /** Told once: lowering the helper threads' priority failed. */
  private helpersRefused = false;
  /** Faults from outside told already, by faultKey: each is told once while it lasts. */
  private faultsTold = new Set<string>();
  private stopping: Promise<void> | null = null;
  /** Interfaces and XDP programs as last read; null when a change to the sockets made them stale. */
  private facts: { readAt: number; interfaces: InterfaceInfo[]; programs: XdpProgramInfo[] } | null = null;
  private readonly commands: CommandRunner;
  private readonly priority = new CommandPriority(setThreadNice, { idle: OBSERVER_NICE, commanding: DATAPLANE_NICE });
  /** Events met before the server listened, when no client could be told: each client is told as it arrives. */
  private readonly startup: EventMessage[] = [];
  /** This run's name in its events' ids: a page that reconnects shows the start-up events once (EventId). */
  private readonly run = randomUUID();
  private eventCount = 0;
  /** The kernel's test catalogue as lessons (agent/scenarios/), run through the same commands as the page's. */
  private readonly lessons: Lessons;

  private constructor(
    private readonly options: AgentOptions,
    private readonly log: Logger,
  ) {
    this.commands = new CommandRunner({
      engine: () => this.engine,
      traffic: () => this.traffic,
      inLab: options.iface === null,
      factsChanged: () => {
        this.facts = null;
        this.changes++;
      },
      announce: (kind, message, socketId, changed) => {
        this.event(kind, message, socketId);
        if (changed) this.server?.broadcast(this.state());
      },
      attached: () => this.attached,
      discovered: () => this.discovery?.list() ?? [],
      runScenario: async (name) => {
        await this.lessons.run(name);
      },
      urgently: (work) => this.priority.during(work),
    });
    const catalogue = loadCatalogue();
    for (const problem of catalogue.problems) {
      log.warn({ problem }, 'a lesson file was refused; the others load');
      this.event('fault', `lesson refused: ${problem}`);
    }
    this.lessons = new Lessons(
      catalogue,
      {
        execute: (command) => this.commands.execute(command),
        engine: () => this.engine,
        traffic: () => this.traffic,
        appIfname: () => this.lab?.appIfname ?? null,
        maxHeadroom: (frameSize) => probeKernelLimits().maxHeadroom[frameSize],
        changed: () => this.broadcastState(),
      },
      log,
    );
    this.attached = new AttachedSockets(AttachedXsk.open, (socket, reason) => {
      this.log.info({ socket: socket.id, reason }, 'attached socket let go');
      this.event('socket-detached', `${socket.id} let go: ${reason}`, socket.id);
      this.broadcastState();
    });
  }

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
    for (const message of options.startupFaults) this.event('fault', message);
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
    const socketFeatures = probeSocketFeatures();
    log.debug({ socketFeatures }, 'socket options probed');

    if (options.iface === null && options.attach === null) {
      this.lab = Lab.create(options.labQueues, options.labMtu);
      log.info(this.lab.info(), 'lab created');
    }
    this.engine = new Engine({
      namespacePath: this.lab?.appNamespacePath ?? null,
      limits,
      socketFeatures,
      describeInterface: (ifname) => describeInterface(this.namespace, ifname),
      frame: FRAME_TO_PEER,
      log,
      onFault: (message, socketId) => this.fault(message, socketId),
      onKernelMismatch: (socketId, change) =>
        this.event('kernel-mismatch', describeMismatchChange(socketId, change), socketId, { mismatch: change }),
    });
    const ifname = this.lab?.appIfname ?? options.iface;
    if (ifname) {
      const start = defaultSocketRequest(ifname, this.lab ? 0 : options.queue);
      // A real NIC may do zero-copy: leave the mode to the driver there (veth in the lab does copy only).
      const first = await this.engine.create(
        { ...start, socket: { ...start.socket, copy: this.lab !== null }, workload: options.workload },
        START_SOCKET_ID,
      );
      log.info(
        { socket: first.id, ifname: first.socket.config.ifname, queue: first.socket.config.queueId },
        `socket bound, ${options.workload} running`,
      );
    }

    if (this.lab) {
      this.traffic = await TrafficSource.start(
        this.lab,
        { ratePps: options.ratePps, frameLength: options.frameLength, paused: false, queueId: 0 },
        (error) => this.fault(`traffic source: ${error.message}`),
      );
      log.info({ ratePps: options.ratePps, frameLength: options.frameLength }, 'traffic source sending');
    }

    // Before the server starts it: its first write (the header) may be the one that fails.
    options.recorder?.onFailure((message) => this.fault(message));
    this.server = await AgentServer.listen({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot,
      agent: this,
      logger: log,
      tokens: options.tokens,
      allowedHosts: options.allowedHosts,
      commandsPerSecond: options.commandsPerSecond,
      ...(options.recorder ? { recorder: options.recorder } : {}),
    });
    const sampler = new Sampler(
      () => this.engine?.list() ?? [],
      () => this.traffic,
      () => this.programCounters(),
      this.linkReader(),
      () => this.attached.list(),
    );
    const tick = async () => {
      try {
        const { snapshot, owners } = await sampler.sample();
        // The server may have stopped while the rings were being read.
        this.server?.publishSnapshot(snapshot, owners);
      } catch (error) {
        // A fault in sampling or serving must not take the data plane and every other client down with it.
        log.error({ err: error }, 'snapshot tick failed');
      }
      if (this.server) this.sampleTimer = setTimeout(() => void tick(), 1000 / this.server.fastestSnapshotRate);
    };
    void tick();
    this.watchTimer = setInterval(() => {
      this.yieldHelpers();
      void this.watch();
    }, WATCH_MS);
    await this.discover(options.attach);
    // Sampling and serving yield to the data plane when the cores are busy (control.ts says why). Only from
    // here: starting at nice 19 on a loaded machine took the agent over 40 s, all of it waiting for a core.
    setThreadNice(OBSERVER_NICE);
    this.yieldHelpers();
  }

  /** The helper threads yield too (helper-threads.ts); again at each watch, for threads started since. */
  private yieldHelpers(): void {
    try {
      yieldHelperThreads(OBSERVER_NICE);
    } catch (error) {
      if (!this.helpersRefused) this.log.warn({ err: error }, 'could not lower the helper threads’ priority');
      this.helpersRefused = true;
    }
  }

  /**
   * Lists every XSK on the host for the page, from the first scan on; in
   * attach mode, attaches each (of one process, if given) as it appears.
   * Ringside's own sockets are listed as its own and never attached: they are
   * observed already, with everything an own socket has.
   */
  private async discover(attach: AgentOptions['attach']): Promise<void> {
    const discovery = new AttachWatch(attach?.pid ? { pid: attach.pid } : {});
    this.discovery = discovery;
    // The list alone goes out as the host's sockets come and go; the state only when an attached socket changed.
    discovery.on('added', (xsk) => {
      if (attach !== null && xsk.pid !== process.pid && this.attachFound(xsk)) this.broadcastState();
      else this.broadcastDiscovered();
    });
    discovery.on('removed', () => this.broadcastDiscovered());
    discovery.on('updated', (xsk) => {
      if (this.attached.learn(xsk)) this.broadcastState();
      else this.broadcastDiscovered();
    });
    discovery.on('error', (error) => this.log.warn({ err: error }, 'discovering XSKs failed'));
    await discovery.start();
  }

  /** Attaches to a socket discovery found; false, with a fault told, when it cannot. */
  private attachFound(xsk: DiscoveredXsk): boolean {
    try {
      const socket = this.attached.attach({ pid: xsk.pid, fd: xsk.fd, inode: xsk.inode });
      this.log.info({ socket: socket.id, pid: xsk.pid, command: xsk.command }, 'attached');
      this.event(
        'socket-attached',
        `attached ${socket.id}: pid ${xsk.pid} ${xsk.command} fd ${xsk.fd}, read-only`,
        socket.id,
      );
      return true;
    } catch (error) {
      this.fault(`attaching fd ${xsk.fd} of pid ${xsk.pid} (${xsk.command}) failed: ${(error as Error).message}`);
      return false;
    }
  }

  private discovered() {
    return discoveredForState(this.discovery?.list() ?? [], process.pid, this.attached.ids());
  }

  private broadcastDiscovered(): void {
    this.server?.broadcast({ type: 'discovered', xsks: this.discovered() });
  }

  private broadcastState(): void {
    try {
      this.server?.broadcast(this.state());
    } catch (error) {
      // Called from discovery's and the watchers' callbacks: a throw here would be uncaught and end the agent.
      this.log.error({ err: error }, 'the state could not be sent');
    }
  }

  /** Tells every client of a fault the agent met and survived, and the state after it. */
  private fault(message: string, socketId?: string): void {
    this.log.warn({ socket: socketId }, message);
    this.facts = null;
    this.changes++;
    this.event('fault', message, socketId);
    try {
      this.server?.broadcast(this.state());
    } catch (error) {
      // Called from a worker's or the watch's callback: a throw here would be uncaught and end the agent.
      this.log.error({ err: error }, 'the state after a fault could not be sent');
    }
  }

  private expectations(): Expectations {
    const engine = this.engine;
    return {
      namespaces: this.lab ? [this.lab.appNamespace, this.lab.peerNamespace] : [],
      interfaces: [...new Set((engine?.list() ?? []).map((managed) => managed.socket.config.ifname))],
      programs: (engine?.interfaces() ?? []).flatMap((steering) =>
        steering.programId !== null && steering.ownsProgram && steering.entries().length > 0
          ? [{ ifname: steering.ifname, programId: steering.programId }]
          : [],
      ),
    };
  }

  /** Looks for lab namespaces, interfaces and programs removed from outside, and makes the best of it. */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    const changes = this.changes;
    try {
      // /run/netns is what `ip netns list` reads: no subprocess for it.
      const namespaces = this.lab && existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [];
      const visible = this.namespace === null || namespaces.includes(this.namespace);
      const listed = visible ? await listXdpLinks(this.namespace) : null;
      const links = listed && new Map(listed.map((link) => [link.name, link.attachedXdp?.programId ?? null]));
      // A command that ran meanwhile changed what is expected: look again next time.
      if (this.changes !== changes) return;
      const faults = faultsIn(this.expectations(), { namespaces, links });
      const fresh = faults.filter((fault) => !this.faultsTold.has(faultKey(fault)));
      this.faultsTold = new Set(faults.map(faultKey));
      for (const fault of fresh) await this.survive(fault);
    } catch (error) {
      this.log.error({ err: error }, 'looking for faults from outside failed');
    } finally {
      this.watching = false;
    }
  }

  private async survive(fault: Fault): Promise<void> {
    if (fault.kind === 'interface-gone') {
      await this.commands.between(async () => {
        // The kernel unbound the sockets (NETDEV_UNREGISTER): nothing reaches them again, so they go.
        await this.engine?.destroyOn(fault.ifname);
        if (this.lab && fault.ifname === this.lab.appIfname) {
          // The peer end went with the pair: the source's sockets are unbound too.
          await this.traffic?.stop();
          this.traffic = null;
        }
      });
    }
    this.fault(describeFault(fault));
  }

  urls(): [AgentUrl, ...AgentUrl[]] {
    if (!this.server) throw new Error('agent is not serving');
    return this.server.urls();
  }

  hello(role: Role): HelloMessage {
    return helloMessage(
      role,
      { kernel: release(), hostname: hostname(), interfaces: this.hostFacts().interfaces },
      this.lab ? 'lab' : this.options.attach ? 'attach' : 'nic',
    );
  }

  state(): StateMessage {
    const engine = this.engine;
    const { interfaces, programs } = this.hostFacts();
    return stateMessage({
      umems: (engine?.umems() ?? []).map((group) => ({
        id: group.id,
        config: group.config,
        socketIds: group.socketIds,
        pairs: group.describePairs(),
      })),
      sockets: (engine?.list() ?? []).map((managed) => ({
        id: managed.id,
        umemId: managed.group.id,
        config: managed.socket.config,
        workload: managed.workload,
        request: engine?.request(managed.id) as SocketRequest,
        pausedStages: managed.pausedStages(),
        zeroCopyActive: managed.socket.zeroCopyActive,
        kernel: managed.kernel.view,
        mismatches: managed.kernel.mismatches,
        dataPlane: managed.group.dataPlane,
      })),
      steering: this.steeringFacts(),
      traffic: this.traffic?.info() ?? null,
      lab: this.lab?.info() ?? null,
      interfaces,
      xdpPrograms: programs,
      umemLimits: probeKernelLimits(),
      socketFeatures: probeSocketFeatures(),
      snapshotsPerSecond: this.server?.fastestSnapshotRate ?? 1,
      discovered: this.discovered(),
      attached: this.attached.list().map((socket) => socket.info),
      lessons: this.lessons.state(),
      rxMetadata: probeRxMetadataSupport(
        this.lab?.appNamespacePath ?? null,
        interfaces.map((device) => device.name),
      ),
    });
  }

  private steeringFacts(): SteeringFacts[] {
    return (this.engine?.interfaces() ?? []).map((steering) => ({
      ifname: steering.ifname,
      kind: steering.kind,
      ports: steering.ports,
      programId: steering.programId,
      ownsProgram: steering.ownsProgram,
      entries: steering.entries(),
    }));
  }

  /** The link state and queue counters of every interface a socket is bound to, for the diagnosis. */
  private linkReader(): () => LinkReading[] {
    const counters = new LinkCounters(this.lab?.appNamespacePath ?? null);
    let warned = false;
    return () => {
      const ifnames = new Set((this.engine?.list() ?? []).map((socket) => socket.spec.socket.ifname));
      try {
        return counters.read([...ifnames].sort());
      } catch (error) {
        // Snapshots matter more than this evidence: they go on without it, and the log says so once.
        if (!warned) this.log.warn({ err: error }, 'reading link counters failed; snapshots go on without them');
        warned = true;
        return [];
      }
    };
  }

  programCounters(): XdpActionCounters[] {
    return (this.engine?.interfaces() ?? []).flatMap((steering) => steering.counters() ?? []);
  }

  /** Every observed socket, own and attached, with the labels a scrape gives its series. */
  async observeSockets(): Promise<ObservedSocket[]> {
    const observed = await observeAll(() => this.engine?.list() ?? []);
    const own = observed.map(({ socket, observation }): ObservedSocket => {
      const { ifname, queueId } = socket.socket.config;
      const labels: SocketLabels = {
        pid: process.pid,
        command: 'ringside',
        interface: ifname,
        queue: queueId,
        umem: socket.group.id,
      };
      return { id: socket.id, labels, observation };
    });
    return [...own, ...this.attached.list().map((socket) => socket.observe())];
  }

  async inspect(socketId: string, requestId: string): Promise<SocketDetailMessage> {
    const attached = this.attached.get(socketId);
    if (attached) return attached.detail(requestId);
    const { managed, detail } = await this.observeInDetail(socketId);
    const stamps = completionStampsOf(managed.worker.control, managed.worker.counters);
    return {
      type: 'socketDetail',
      requestId,
      socketId,
      sampledAt: Date.now(),
      entries: detail.entries,
      owners: Buffer.from(detail.ledger.owners).toString('base64'),
      rings: detail.rings,
      consistent: detail.consistent,
      ...(stamps ? { txCompletionStamps: stamps } : {}),
    };
  }

  /** The next frames a socket receives, for a pcap. */
  capture(socketId: string, frames: number): Promise<PcapPacket[]> {
    const managed = this.socketNamed(socketId);
    if (!managed.socket.config.rxSize) {
      return Promise.reject(new CommandError('bad-request', `socket ${socketId} has no RX ring: it receives nothing`));
    }
    if (managed.workload === 'txonly') {
      // Its data plane never drains RX, where frames are captured: waiting would only yield an empty file.
      return Promise.reject(
        new CommandError('bad-request', `socket ${socketId} runs txonly, which reads no frame off RX to capture`),
      );
    }
    return captureReceived(managed.worker, frames);
  }

  /** Asks the kernel about a socket again, between commands (never of a socket being rebuilt); every client gets the new state. */
  async refreshKernelView(socketId: string, requestId: string): Promise<AckMessage> {
    await this.commands.between(async () => {
      this.socketNamed(socketId);
      this.engine?.readKernelView(socketId);
    });
    this.server?.broadcast(this.state());
    return { type: 'ack', requestId };
  }

  /** One frame of a socket's UMEM: its bytes and owner, for the packet inspector. */
  async readFrame(socketId: string, frame: number, requestId: string): Promise<FrameBytesMessage> {
    if (this.attached.has(socketId)) {
      throw new CommandError(
        'bad-request',
        `${socketId} is another process's socket: its frames are in that process's UMEM, which Ringside does not map`,
      );
    }
    const frameCount = this.socketNamed(socketId).umem.config.frameCount;
    if (frame >= frameCount) {
      throw new CommandError('bad-request', `frame must be from 0 to ${frameCount - 1} (the UMEM has ${frameCount})`);
    }
    const { managed, detail } = await this.observeInDetail(socketId);
    const { frameSize } = managed.umem.config;
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

  private socketNamed(socketId: string): ManagedSocket {
    if (!this.engine?.has(socketId)) throw new CommandError('not-found', `there is no socket ${socketId}`);
    return this.engine.get(socketId);
  }

  /**
   * A consistent reading of one socket with every ring entry, awaited without
   * blocking the thread. The socket may be destroyed or rebuilt (on another
   * UMEM) while the reader waits: only the socket still registered under the
   * id may answer, and its UMEM's memory is mapped while it is.
   */
  private async observeInDetail(socketId: string): Promise<{ managed: ManagedSocket; detail: DetailedObservation }> {
    const managed = this.socketNamed(socketId);
    const current = () => this.engine?.has(socketId) === true && this.engine.get(socketId) === managed;
    const gone = new CommandError('not-found', `socket ${socketId} was destroyed or rebuilt while it was being read`);
    let detail: DetailedObservation;
    try {
      detail = await managed.observer.observeInDetail();
    } catch (error) {
      throw current() ? error : gone;
    }
    if (!current()) throw gone;
    return { managed, detail };
  }

  /**
   * Where sockets may go (the lab's app end, or the host's interfaces on a real
   * NIC) and their programs. Reading them costs subprocesses (ip, bpftool) and
   * netlink on the event loop, so they are read once per change to the sockets,
   * and again after FACTS_TTL_MS for changes made outside Ringside.
   */
  private hostFacts(): { interfaces: InterfaceInfo[]; programs: XdpProgramInfo[] } {
    if (this.facts === null || Date.now() - this.facts.readAt > FACTS_TTL_MS) {
      const interfaces = this.readInterfaces();
      const attached = new Map<number, XdpProgramFacts>();
      for (const device of interfaces) {
        const program = device.attachedXdp ? describeXdpProgram(device.attachedXdp.programId) : null;
        if (program) attached.set(program.id, program);
      }
      const sockets = (this.engine?.list() ?? []).map((managed) => ({ id: managed.id, config: managed.socket.config }));
      this.facts = {
        readAt: Date.now(),
        interfaces,
        programs: xdpProgramsOf(interfaces, attached, sockets, this.steeringFacts()),
      };
    }
    return this.facts;
  }

  /** The interfaces sockets may go to; none when the lab's namespace was removed from outside. */
  private readInterfaces(): InterfaceInfo[] {
    try {
      return this.lab ? listInterfaces(this.namespace).filter((device) => device.name !== 'lo') : listInterfaces(null);
    } catch (error) {
      this.log.warn({ err: error }, 'the interfaces cannot be listed');
      return [];
    }
  }

  execute(command: ControlCommand): Promise<void> {
    return this.commands.execute(command);
  }

  /** Runs one lesson, as a control page's runScenario does (the CLI's --scenario). */
  runLesson(name: string): Promise<LessonOutcome> {
    return this.lessons.run(name);
  }

  private event(
    kind: EventMessage['kind'],
    message: string,
    socketId?: string,
    extra: Pick<EventMessage, 'mismatch'> = {},
  ): void {
    const event: EventMessage = {
      type: 'event',
      id: { run: this.run, seq: ++this.eventCount },
      at: Date.now(),
      kind,
      message,
      ...(socketId ? { socketId } : {}),
      ...extra,
    };
    if (this.server) this.server.broadcast(event);
    else if (this.stopping === null) this.startup.push(event);
  }

  startupEvents(): readonly EventMessage[] {
    return this.startup;
  }

  /** Stops everything this run started, in reverse order. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    if (this.sampleTimer) clearTimeout(this.sampleTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.discovery?.stop();
    await this.server?.close();
    this.server = null;
    this.options.recorder?.close();
    // Held duplicates keep other processes' sockets, and their queues, alive: they go first.
    this.attached.closeAll();
    await this.traffic?.stop();
    try {
      await this.engine?.destroyAll();
    } finally {
      // The lab goes even when an interface kept its program: removing it takes its veth and what is on it.
      this.engine = null;
      this.lab?.destroy();
    }
  }

  /** For exit paths where nothing asynchronous runs: removing the lab takes its veth, programs and bindings. */
  teardownNow(): void {
    this.lab?.destroy();
  }
}
