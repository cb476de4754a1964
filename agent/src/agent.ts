import { hostname, release } from 'node:os';
import type { HelloMessage, Role, SocketConfig, StateMessage, UmemConfig } from '@ringside/shared';
import { ManagedSocket } from './engine/managed-socket.ts';
import { Lab, removeStaleLabs } from './lab/lab.ts';
import { TrafficSource } from './lab/traffic-source.ts';
import type { Logger } from './logger.ts';
import { routeLibraryMessages } from './native/libxdp.ts';
import { Sampler } from './sampler/sampler.ts';
import { type AgentCommand, type AgentFacade, AgentServer, CommandError } from './server/agent-server.ts';

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
}

export const DEFAULT_UMEM: UmemConfig = {
  frameCount: 4096,
  frameSize: 4096,
  headroom: 0,
  fillSize: 2048,
  completionSize: 2048,
  unaligned: false,
};

/**
 * The agent: the lab (or a real interface), one rxdrop socket, the sampler and
 * the server, started in that order and stopped in reverse.
 */
export class Agent implements AgentFacade {
  private lab: Lab | null = null;
  private traffic: TrafficSource | null = null;
  private sockets: ManagedSocket[] = [];
  private server: AgentServer | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

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

    if (options.iface === null) {
      this.lab = Lab.create(options.labQueues);
      log.info(this.lab.info(), 'lab created');
    }
    const onWorkerError = (error: Error) => log.error({ err: error }, 'data-plane worker failed');
    const socket: SocketConfig = {
      ifname: this.lab?.appIfname ?? (options.iface as string),
      queueId: this.lab ? 0 : options.queue,
      rxSize: 2048,
      txSize: 2048,
      xdpMode: 'drv',
      copy: this.lab !== null,
      zeroCopy: false,
      needWakeup: true,
      batchSize: 64,
    };
    this.sockets.push(
      await ManagedSocket.start(
        {
          id: 'xsk0',
          umem: DEFAULT_UMEM,
          socket,
          placement: { namespacePath: this.lab?.appNamespacePath ?? null, inhibitProgramLoad: false },
          workload: 'rxdrop',
        },
        onWorkerError,
      ),
    );
    log.info({ socket: 'xsk0', ifname: socket.ifname, queue: socket.queueId }, 'socket bound, rxdrop running');

    if (this.lab) {
      this.traffic = await TrafficSource.start(
        this.lab,
        { ratePps: options.ratePps, frameLength: options.frameLength, paused: false, queueId: 0 },
        onWorkerError,
      );
      log.info({ ratePps: options.ratePps, frameLength: options.frameLength }, 'traffic source sending');
    }

    this.server = await AgentServer.listen({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot,
      agent: this,
      logger: log,
    });
    const sampler = new Sampler(
      () => this.sockets,
      () => this.traffic,
    );
    const tick = () => {
      if (!this.server) return;
      this.server.publishSnapshot(sampler.sample());
      this.sampleTimer = setTimeout(tick, 1000 / this.server.fastestSnapshotRate);
    };
    tick();
  }

  url(role: Role): string {
    if (!this.server) throw new Error('agent is not serving');
    return this.server.url(role);
  }

  hello(role: Role): HelloMessage {
    return {
      type: 'hello',
      protocol: { major: 1, minor: 0 },
      role,
      host: { kernel: release(), hostname: hostname() },
      mode: this.lab ? 'lab' : 'nic',
    };
  }

  state(): StateMessage {
    return {
      type: 'state',
      umems: this.sockets.map((managed) => ({ id: `${managed.id}-umem`, config: managed.umem.config })),
      sockets: this.sockets.map((managed) => ({
        id: managed.id,
        umemId: `${managed.id}-umem`,
        config: managed.socket.config,
        workload: 'rxdrop',
        zeroCopyActive: managed.socket.zeroCopyActive,
      })),
      traffic: this.traffic?.info() ?? null,
      lab: this.lab?.info() ?? null,
      snapshotsPerSecond: this.server?.fastestSnapshotRate ?? 1,
    };
  }

  execute(command: AgentCommand): void {
    switch (command.type) {
      case 'setTraffic': {
        const traffic = this.traffic;
        if (!traffic)
          throw new CommandError(
            'not-found',
            'there is no traffic source: the agent runs on a real interface, not the lab',
          );
        if (command.ratePps !== undefined) traffic.setRate(command.ratePps);
        if (command.paused === true) traffic.pause();
        if (command.paused === false) traffic.resume();
        const kind =
          command.paused === undefined ? 'traffic-rate' : command.paused ? 'traffic-paused' : 'traffic-resumed';
        this.server?.broadcast({ type: 'event', at: Date.now(), kind, message: describeTraffic(traffic) });
        this.server?.broadcast(this.state());
        return;
      }
    }
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
    for (const managed of this.sockets.splice(0)) await managed.destroy();
    this.lab?.destroy();
  }

  /** For exit paths where nothing asynchronous runs: removing the lab takes its veth, programs and bindings. */
  teardownNow(): void {
    this.lab?.destroy();
  }
}

function describeTraffic(traffic: TrafficSource): string {
  return traffic.paused ? 'traffic source paused' : `traffic source sending ${traffic.ratePps} frames/s`;
}
