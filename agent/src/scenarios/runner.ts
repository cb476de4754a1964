import {
  type ControlCommand,
  compareOutcome,
  defaultSocketRequest,
  type LessonOutcome,
  type LessonsState,
  lessonSocketId,
  type Observed,
  resolveTxTable,
  type Scenario,
  type ScenarioSocket,
  type ScenarioStep,
  type SocketRequest,
  type XdpActions,
} from '@ringside/shared';
import { CommandError } from '../command-error.ts';
import type { Engine } from '../engine/engine.ts';
import type { TrafficSource } from '../lab/traffic-source.ts';
import type { Logger } from '../logger.ts';
import type { Catalogue } from './catalogue.ts';
import { actionsOf, countsSince, readSocket, readSource, sameReading, sourceSince } from './readings.ts';

/** What running a lesson needs of the agent: the same command path the page's commands take, and its readings. */
export interface LessonHost {
  execute(command: ControlCommand): Promise<void>;
  engine(): Engine | null;
  traffic(): TrafficSource | null;
  /** The lab's app end, where lessons put their sockets; null without a lab. */
  appIfname(): string | null;
  /** The largest headroom the running kernel accepted for this chunk size at start. */
  maxHeadroom(frameSize: number): number | undefined;
  /** The lessons' state changed (a run began or ended): every client should see it. */
  changed(): void;
}

/** How often the runner reads the counters while it waits on them. */
const READ_EVERY_MS = 50;
/** Readings in a row with nothing moved before a step counts as settled: 300 ms of quiet. */
const QUIET_READINGS = 6;
/** ...and before a last step whose numbers miss the expectation is taken as final: 2 s, for a late data plane. */
const PATIENT_READINGS = 40;
/** A step that has not settled by then has failed: the run says so rather than wait for ever. */
const STEP_BOUND_MS = 20_000;

type Reading = {
  sockets: Map<string, Observed['sockets'][string]>;
  source: Observed['source'];
  program: XdpActions | null;
};

class LessonError extends Error {}

/**
 * Runs lessons (agent/scenarios/) one at a time, through the commands a
 * control page sends: it clears the lab's sockets, loads the program, builds
 * the sockets, waits until their counters are quiet, carries out the steps
 * with exact frame counts, and waits on the counters (never a fixed time)
 * until they settle again. The lesson's sockets stay, so the page shows the
 * rings as the lesson left them; the source's settings are put back, paused.
 */
export class Lessons {
  private running: string | null = null;
  private last: LessonOutcome | null = null;
  private requests = 0;

  constructor(
    private readonly catalogue: Catalogue,
    private readonly host: LessonHost,
    private readonly log: Logger,
  ) {}

  state(): LessonsState {
    const catalogue = this.catalogue.scenarios.map(({ setup: _setup, steps: _steps, ...summary }) => summary);
    return { catalogue, problems: this.catalogue.problems, running: this.running, last: this.last };
  }

  names(): string[] {
    return this.catalogue.scenarios.map((scenario) => scenario.name);
  }

  /** Runs one lesson; refused (CommandError) when it is unknown, another runs, or there is no lab. */
  async run(name: string): Promise<LessonOutcome> {
    const scenario = this.catalogue.scenarios.find((known) => known.name === name);
    if (!scenario)
      throw new CommandError('not-found', `there is no lesson ${name}; the lessons are ${this.names().join(', ')}`);
    if (this.running !== null)
      throw new CommandError('ringside-limit', `lesson ${this.running} is running; run ${name} when it has finished`);
    const ifname = this.host.appIfname();
    const source = this.host.traffic();
    if (ifname === null || source === null)
      throw new CommandError(
        'not-found',
        'lessons run in the lab, with its traffic source: start Ringside without --iface',
      );
    this.running = name;
    this.host.changed();
    const startedAt = Date.now();
    const before = source.info();
    let observed: Observed | null = null;
    let error: string | null = null;
    try {
      observed = await new Run(scenario, ifname, this.host, () => this.nextRequestId()).carryOut();
    } catch (failure) {
      error = (failure as Error).message;
    }
    try {
      // The source as it was, paused: an exact count ends with it stopped, and the lesson's sockets stay to be seen.
      await this.host.execute({
        type: 'setTraffic',
        requestId: this.nextRequestId(),
        paused: true,
        ratePps: before.ratePps,
        frameLength: before.frameSize,
        destinationPorts: before.destinationPorts,
        ...(sameReading(before.queueIds, source.info().queueIds) ? {} : { queueIds: before.queueIds }),
      });
    } catch (failure) {
      error ??= `the source's settings could not be put back: ${(failure as Error).message}`;
    }
    const outcome: LessonOutcome = {
      name,
      startedAt,
      finishedAt: Date.now(),
      observed,
      findings: observed ? compareOutcome(scenario.expect, observed) : [],
      upstreamFindings: observed ? compareOutcome(scenario.upstream.expect, observed) : [],
      error,
    };
    this.last = outcome;
    this.running = null;
    this.log.info(
      { lesson: name, findings: outcome.findings.length, upstreamFindings: outcome.upstreamFindings.length, error },
      'lesson run',
    );
    this.host.changed();
    return outcome;
  }

  private nextRequestId(): string {
    this.requests++;
    return `lesson-${this.requests}`;
  }
}

/** The commands that name a socket. */
type SocketCommand<C = ControlCommand> = C extends unknown
  ? 'socketId' extends keyof C
    ? C & { socketId: string }
    : never
  : never;

/** One run of one lesson: its baselines, its readings and its steps. */
class Run {
  /** Each socket's counts when the setup was quiet; absent for sockets made by a step, which start from nothing. */
  private readonly baseline = new Map<string, Observed['sockets'][string]>();
  /** The last reading of every socket the lesson made, kept after a step destroys it. */
  private readonly latest = new Map<string, Observed['sockets'][string]>();
  private sourceBaseline: NonNullable<Observed['source']> = { sent: 0, completed: 0, received: 0 };
  /** Program counters carried over when a program is replaced (its counters start again from nothing). */
  private programCarried: XdpActions | null = null;
  private programLast: XdpActions | null = null;
  private programBaseline: XdpActions | null = null;
  /** The lesson's name of each socket it made, by the name the agent gave it (lessonSocketId). */
  private readonly lessonIds = new Map<string, string>();

  constructor(
    private readonly scenario: Scenario,
    private readonly ifname: string,
    private readonly host: LessonHost,
    private readonly requestId: () => string,
  ) {}

  async carryOut(): Promise<Observed> {
    await this.clear();
    const { program, sockets } = this.scenario.setup;
    const kind = program?.kind ?? 'by-queue';
    const ports = program?.ports ?? [];
    const steering = this.requireEngine()
      .interfaces()
      .find((candidate) => candidate.ifname === this.ifname);
    // Loading a program costs a BPF load and a link change: skipped when the one there already steers so.
    if (steering?.kind !== kind || !sameReading(steering.ports, ports))
      await this.command({
        type: 'setXdpProgram',
        requestId: this.requestId(),
        ifname: this.ifname,
        program: kind,
        ports,
      });
    for (const socket of sockets) await this.create(socket);
    const quiet = await this.settle(() => true, null);
    for (const [id, reading] of quiet.sockets) this.baseline.set(id, reading);
    if (quiet.source) this.sourceBaseline = quiet.source;
    this.programBaseline = quiet.program;
    const steps = this.scenario.steps;
    for (const [i, step] of steps.entries()) {
      const target = await this.carryOutStep(step);
      const last = i === steps.length - 1;
      await this.settle(
        target,
        last ? (reading) => compareOutcome(this.scenario.expect, this.observedIn(reading)).length === 0 : null,
      );
    }
    return this.observedIn(this.read());
  }

  /** The lab as the lesson needs it: no socket of Ringside's, the source paused. */
  private async clear(): Promise<void> {
    await this.command({ type: 'setTraffic', requestId: this.requestId(), paused: true });
    const engine = this.requireEngine();
    // Sockets sharing a UMEM go before the one that registered it, which libxdp keeps bound until its UMEM goes.
    for (const managed of [...engine.list()].reverse())
      await this.command({ type: 'destroySocket', requestId: this.requestId(), socketId: managed.id });
  }

  private async create(socket: ScenarioSocket): Promise<void> {
    await this.createFrom(socket.id, this.requestFor(socket));
  }

  /**
   * Creates a socket with the lesson's stages paused from its first round.
   * A txonly socket starts sending at once, so it is also born with TX
   * submit paused, stopped at zero frames and only then let go: only a
   * step's exact count goes out.
   */
  private async createFrom(socketId: string, request: SocketRequest): Promise<void> {
    this.lessonIds.set(lessonSocketId(socketId), socketId);
    const paused = request.pausedStages ?? [];
    const holdTx = request.workload === 'txonly' && !paused.includes('txSubmit');
    await this.commandOn({
      type: 'createSocket',
      requestId: this.requestId(),
      socketId,
      request: holdTx ? { ...request, pausedStages: [...paused, 'txSubmit'] } : request,
    });
    if (request.workload !== 'txonly') return;
    await this.commandOn({ type: 'setSocketTraffic', requestId: this.requestId(), socketId, frames: 0 });
    if (holdTx)
      await this.commandOn({ type: 'resumeStages', requestId: this.requestId(), socketId, stages: ['txSubmit'] });
  }

  /** Ringside's start socket on the lab's app end, with what the lesson sets. */
  private requestFor(socket: ScenarioSocket): SocketRequest {
    const start = defaultSocketRequest(this.ifname);
    const { headroom, ...umem } = socket.umem ?? {};
    const frameSize = umem.frameSize ?? start.umem.frameSize;
    const request: SocketRequest = {
      umem: {
        ...start.umem,
        ...given(umem),
        headroom: headroom === 'max' ? this.maxHeadroom(frameSize) : (headroom ?? 0),
      },
      socket: { ...start.socket, ...given(socket.socket ?? {}), ifname: this.ifname },
      workload: socket.workload,
      ...(socket.pausedStages?.length ? { pausedStages: socket.pausedStages } : {}),
      ...(socket.xskmapIndex !== undefined ? { xskmapIndex: socket.xskmapIndex } : {}),
    };
    if (socket.shareUmemOf === undefined) return request;
    const owner = this.lessonSocket(socket.shareUmemOf);
    return { ...request, umem: owner.group.config, umemId: owner.group.id };
  }

  private maxHeadroom(frameSize: number): number {
    const max = this.host.maxHeadroom(frameSize);
    if (max === undefined) throw new LessonError(`this kernel accepts no UMEM of ${frameSize}-byte chunks`);
    return max;
  }

  /** Carries out one step; returns what must hold before its counters may be taken as settled. */
  private async carryOutStep(step: ScenarioStep): Promise<(reading: Reading) => boolean> {
    const requestId = this.requestId();
    switch (step.do) {
      case 'labTraffic': {
        const from = this.read().source?.sent ?? 0;
        const source = this.requireSource();
        // Moving the source to other queues rebuilds its sockets: only when they are not the ones asked for.
        const moves = step.queueIds !== undefined && !sameReading(step.queueIds, source.queueIds);
        await this.command({
          type: 'setTraffic',
          requestId,
          frameLength: step.frameLength,
          frames: step.frames,
          ...(step.ratePps !== undefined ? { ratePps: step.ratePps } : {}),
          ...(moves && step.queueIds ? { queueIds: step.queueIds } : {}),
          ...(step.destinationPorts ? { destinationPorts: step.destinationPorts } : {}),
        });
        return ({ source }) => source !== null && source.sent - from >= step.frames && source.completed >= source.sent;
      }
      case 'socketTraffic': {
        const from = this.read().sockets.get(step.socketId)?.sent ?? 0;
        await this.commandOn({
          type: 'setSocketTraffic',
          requestId,
          socketId: step.socketId,
          frames: step.frames,
          ...(step.ratePps !== undefined ? { ratePps: step.ratePps } : {}),
          ...(step.frameLength !== undefined ? { frameLength: step.frameLength } : {}),
        });
        // Started, not finished: a sender may stop short of its count on purpose (COMPLETION not reaped).
        return ({ sockets }) => (sockets.get(step.socketId)?.sent ?? 0) > from;
      }
      case 'injectInvalidTx':
        for (let i = 0; i < step.count; i++)
          await this.commandOn({ type: 'injectInvalidTx', requestId: this.requestId(), socketId: step.socketId });
        return () => true;
      case 'txDescriptors': {
        const from = this.read().sockets.get(step.socketId)?.sent ?? 0;
        const descriptors = resolveTxTable(step.descriptors, this.lessonSocket(step.socketId).group.config);
        await this.commandOn({ type: 'sendTxDescriptors', requestId, socketId: step.socketId, descriptors });
        // Posted, every row: what the kernel then refuses, sends and hands back is what the lesson reads.
        return ({ sockets }) => (sockets.get(step.socketId)?.sent ?? 0) - from >= descriptors.length;
      }
      case 'pauseStages':
      case 'resumeStages':
        await this.commandOn({ type: step.do, requestId, socketId: step.socketId, stages: step.stages });
        return () => true;
      case 'destroySocket':
        this.read();
        await this.commandOn({ type: 'destroySocket', requestId, socketId: step.socketId });
        return () => true;
      case 'createSocket':
        await this.create(step.socket);
        return () => true;
      case 'recreateSocket': {
        // The same configuration, born with the stages its predecessor has paused now.
        const request = {
          ...this.requireEngine().request(lessonSocketId(step.socketId)),
          pausedStages: this.lessonSocket(step.socketId).pausedStages(),
        };
        for (let i = 0; i < step.times; i++) {
          await this.commandOn({ type: 'destroySocket', requestId: this.requestId(), socketId: step.socketId });
          await this.createFrom(step.socketId, request);
        }
        // The socket counted since its last creation: nothing from before carries over.
        this.baseline.delete(step.socketId);
        this.latest.delete(step.socketId);
        return () => true;
      }
    }
  }

  /**
   * Reads every READ_EVERY_MS until `target` holds and nothing has moved
   * for QUIET_READINGS readings; when `met` is given and does not hold yet,
   * for PATIENT_READINGS, since a data plane descheduled on a busy machine
   * may still be behind. tx_ring_empty_descs is left out of the comparison:
   * every poll() of a socket with a TX ring counts it, however idle.
   */
  private async settle(
    target: (reading: Reading) => boolean,
    met: ((reading: Reading) => boolean) | null,
  ): Promise<Reading> {
    const deadline = Date.now() + STEP_BOUND_MS;
    let previous: unknown = null;
    let quiet = 0;
    for (;;) {
      if (Date.now() > deadline)
        throw new LessonError(
          `the counters did not settle within ${STEP_BOUND_MS / 1000} s; read so far: ${JSON.stringify(this.observedIn(this.read()))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, READ_EVERY_MS));
      // One reading a tick: the stillness, the step's target and the expectation are all judged on it.
      const reading = this.read();
      const counts = withoutPollCounts(reading);
      quiet = previous !== null && sameReading(previous, counts) ? quiet + 1 : 0;
      previous = counts;
      if (!target(reading)) continue;
      if (quiet >= (met === null || met(reading) ? QUIET_READINGS : PATIENT_READINGS)) return reading;
    }
  }

  /** Every socket of the lesson, the source and the program, now. */
  private read(): Reading {
    const engine = this.requireEngine();
    for (const managed of engine.list()) {
      const id = this.lessonIds.get(managed.id);
      if (id !== undefined) this.latest.set(id, readSocket(managed));
    }
    const steering = engine.interfaces().find((candidate) => candidate.ifname === this.ifname);
    const counters = steering?.counters();
    if (counters) {
      const now = actionsOf(counters);
      // A program loaded anew counts from nothing: what the one before counted carries over.
      if (
        this.programLast &&
        Object.entries(now).some(([key, value]) => value < (this.programLast as XdpActions)[key as keyof XdpActions])
      )
        this.programCarried = sum(this.programCarried, this.programLast);
      this.programLast = now;
    }
    const source = this.host.traffic();
    return {
      sockets: new Map(this.latest),
      source: source ? readSource(source) : null,
      program: this.programLast ? sum(this.programCarried, this.programLast) : null,
    };
  }

  /** A reading as the lesson counts it: since the quiet setup. */
  private observedIn(reading: Reading): Observed {
    const sockets = Object.fromEntries(
      [...reading.sockets].map(([id, now]) => [id, countsSince(this.baseline.get(id) ?? null, now)]),
    );
    const program = reading.program ? difference(reading.program, this.programBaseline) : null;
    return { sockets, source: reading.source ? sourceSince(this.sourceBaseline, reading.source) : null, program };
  }

  private async command(command: ControlCommand): Promise<void> {
    try {
      await this.host.execute(command);
    } catch (error) {
      throw new LessonError(`${command.type} was refused: ${(error as Error).message}`);
    }
  }

  /**
   * A command about one of the lesson's sockets, named as the lesson names it
   * (`rx`): the agent knows it as lessonSocketId's name (`lesson-rx`), and
   * readings go back to the lesson's name (read()).
   */
  private async commandOn(command: SocketCommand): Promise<void> {
    await this.command({ ...command, socketId: lessonSocketId(command.socketId) });
  }

  /** One of the lesson's sockets in the engine, by the lesson's name of it. */
  private lessonSocket(socketId: string) {
    return this.requireEngine().get(lessonSocketId(socketId));
  }

  private requireEngine(): Engine {
    const engine = this.host.engine();
    if (!engine) throw new LessonError('the agent is stopping');
    return engine;
  }

  private requireSource(): TrafficSource {
    const source = this.host.traffic();
    if (!source) throw new LessonError('the lab has no traffic source any more');
    return source;
  }
}

/** The settings a lesson gives, without the ones it leaves to Ringside's start socket. */
function given<T extends object>(settings: T): { [Key in keyof T]?: Exclude<T[Key], undefined> } {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as {
    [Key in keyof T]?: Exclude<T[Key], undefined>;
  };
}

function sum(a: XdpActions | null, b: XdpActions): XdpActions {
  return Object.fromEntries(
    Object.entries(b).map(([key, value]) => [key, value + (a?.[key as keyof XdpActions] ?? 0)]),
  ) as XdpActions;
}

function difference(after: XdpActions, before: XdpActions | null): XdpActions {
  return Object.fromEntries(
    Object.entries(after).map(([key, value]) => [key, value - (before?.[key as keyof XdpActions] ?? 0)]),
  ) as XdpActions;
}

function withoutPollCounts(reading: Reading): unknown {
  const sockets = [...reading.sockets].map(([id, socket]) => [
    id,
    { ...socket, stats: { ...socket.stats, txRingEmptyDescs: 0 } },
  ]);
  return { ...reading, sockets };
}
