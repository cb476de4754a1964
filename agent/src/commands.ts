import type { ControlCommand, EventMessage, SocketRequest } from '@ringside/shared';
import { AttachError } from './attach/attached-xsk.ts';
import type { DiscoveredXsk } from './attach/discovery.ts';
import type { AttachedSockets } from './attached-sockets.ts';
import { CommandError } from './command-error.ts';
import { TxTableRefused } from './dataplane/tx-descriptors.ts';
import { ConfigurationError, type Engine, RestoredAfterRefusal, RingsideLimitError } from './engine/engine.ts';
import type { TrafficSource } from './lab/traffic-source.ts';
import { XskConfigError } from './xsk/umem.ts';

/** What carrying out a command needs of the agent. */
export interface CommandContext {
  /** Null once the agent is stopping. */
  engine(): Engine | null;
  /** Null on a real interface, where there is no lab. */
  traffic(): TrafficSource | null;
  inLab: boolean;
  /** Sockets or programs changed: interface facts read before are stale. */
  factsChanged(): void;
  /** Tells every client what happened, and the new state when something changed. */
  announce(kind: EventMessage['kind'], message: string, socketId: string | undefined, changed: boolean): void;
  /** Other processes' sockets, watched read-only. */
  attached(): AttachedSockets;
  /** Every XSK the last discovery found. */
  discovered(): readonly DiscoveredXsk[];
  /** Runs a lesson of agent/scenarios/: its own commands come back through execute, one at a time. */
  runScenario(name: string): Promise<void>;
  /** Runs a command's work with the main thread raised to the data plane's priority (command-priority.ts). */
  urgently<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The commands a control client sends, one at a time (two reconfigurations
 * of one socket must not interleave), each answered by an event or by a
 * CommandError that says who refused: the request, Ringside or the kernel.
 */
export class CommandRunner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly context: CommandContext) {}

  /** Runs `work` between commands, never during one: for changes the agent makes on its own. */
  between<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  execute(command: ControlCommand): Promise<void> {
    // Not queued: a lesson is made of commands, each of which takes its turn in the queue. Someone watches it run,
    // so its waits between commands are urgent too.
    if (command.type === 'runScenario') return this.context.urgently(() => this.context.runScenario(command.name));
    const run = this.queue.then(() => this.context.urgently(() => this.carryOut(command)));
    this.queue = run.catch(() => {});
    return run.catch((error: unknown) => {
      throw toCommandError(error);
    });
  }

  private async carryOut(command: ControlCommand): Promise<void> {
    const context = this.context;
    // Creating, reconfiguring or destroying sockets attaches and detaches programs: the facts
    // go stale before (a hello may read them meanwhile) and after, when the change is announced.
    const changesSockets =
      command.type === 'createSocket' || command.type === 'reconfigureSocket' || command.type === 'destroySocket';
    if (changesSockets) context.factsChanged();
    const engine = context.engine();
    if (!engine) throw new CommandError('not-found', 'the agent is stopping');
    if (command.type === 'attach' || command.type === 'detach') return this.attachOrDetach(command);
    const socketId = 'socketId' in command ? command.socketId : undefined;
    if (socketId !== undefined && context.attached().has(socketId)) {
      throw new CommandError(
        'forbidden',
        `${socketId} is another process's socket, attached read-only: Ringside changes nothing of it (detach lets it go)`,
      );
    }
    if (socketId !== undefined && command.type !== 'createSocket' && !engine.has(socketId)) {
      throw new CommandError('not-found', `there is no socket ${socketId}: see the state for the sockets there are`);
    }
    const announce = (kind: EventMessage['kind'], message: string, changed = true) => {
      if (changesSockets) context.factsChanged();
      context.announce(kind, message, socketId, changed);
    };
    switch (command.type) {
      case 'setTraffic': {
        const traffic = context.traffic();
        if (!traffic)
          throw new CommandError(
            'not-found',
            'there is no traffic source: the agent runs on a real interface, not the lab',
          );
        const wasDown = traffic.dataPlane?.state === 'down';
        if (command.ratePps !== undefined) traffic.setRate(command.ratePps);
        if (command.destinationPorts !== undefined) traffic.setDestinationPorts(command.destinationPorts);
        if (command.frameLength !== undefined) traffic.setFrameLength(command.frameLength);
        if (command.queueIds !== undefined) await traffic.setQueues(command.queueIds);
        // Once the settings took (a refused one throws above and leaves the source as it was), and before what
        // is written to the running senders only (pause, an exact count): new senders take the settings.
        await traffic.startAgainIfDown();
        if (command.paused === true) traffic.pause();
        if (command.paused === false) traffic.resume();
        const again = wasDown ? 'data plane started again; ' : '';
        if (command.frames !== undefined) {
          traffic.sendExactly(command.frames);
          announce('traffic-resumed', `${again}traffic source sending exactly ${command.frames} frames, then pausing`);
          return;
        }
        const kind =
          command.paused === undefined ? 'traffic-rate' : command.paused ? 'traffic-paused' : 'traffic-resumed';
        announce(kind, `${again}${describeTraffic(traffic)}`);
        return;
      }
      case 'createSocket': {
        this.refuseSendingOnRealInterface(command.request);
        const created = await engine.create(command.request, command.socketId);
        context.factsChanged();
        context.announce(
          'socket-created',
          `socket ${created.id} created: ${describeRequest(command.request)}`,
          created.id,
          true,
        );
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
          ...(command.frames !== undefined ? { frames: command.frames } : {}),
        });
        announce(
          'traffic-rate',
          command.frames === undefined
            ? `${command.socketId}: txonly rate and frame length set`
            : `${command.socketId}: txonly sends exactly ${command.frames} more frames`,
        );
        return;
      case 'injectInvalidTx':
        engine.injectInvalidTx(command.socketId);
        announce('socket-error', `${command.socketId}: a TX descriptor outside the UMEM was submitted`, false);
        return;
      case 'injectInvalidFill':
        engine.injectInvalidFill(command.socketId);
        announce(
          'socket-error',
          `${command.socketId}: a FILL address outside the UMEM goes on FILL at its next free entry; the kernel skips it there and counts it in no XDP_STATISTICS counter`,
          false,
        );
        return;
      case 'feedSameFrame':
        engine.feedSameFrame(command.socketId, command.deliberately);
        announce(
          'same-frame-fed',
          `${command.socketId}: one frame put in FILL and TX at once, deliberately; watch the ledger's violations and the frame's bytes`,
          false,
        );
        return;
      case 'sendTxDescriptors': {
        const { descriptors } = command;
        engine.get(command.socketId).sendTxDescriptors(descriptors);
        announce(
          'socket-error',
          `${command.socketId}: a table of ${descriptors.length} TX descriptors goes on TX as given; the kernel counts those it refuses in tx_invalid_descs`,
          false,
        );
        return;
      }
      case 'setXdpProgram':
        context.factsChanged();
        engine.setXdpProgram(command.ifname, command.program, command.ports ?? []);
        context.factsChanged();
        announce('xdp-program-set', `${command.ifname}: ${command.program} program loaded`);
        return;
    }
  }

  private attachOrDetach(command: Extract<ControlCommand, { type: 'attach' | 'detach' }>): void {
    const context = this.context;
    const attached = context.attached();
    if (command.type === 'detach') {
      if (!attached.detach(command.socketId))
        throw new CommandError(
          'not-found',
          `no socket ${command.socketId} is attached: see the state's attached sockets`,
        );
      context.announce('socket-detached', `${command.socketId} detached`, command.socketId, true);
      return;
    }
    const { pid, fd } = command;
    if (pid === process.pid) {
      // Its sockets are observed already, with their data plane, ledger and controls: attaching would show less.
      throw new CommandError(
        'attach-refused',
        `process ${pid} is Ringside itself: its sockets are shown as its own, with everything Ringside knows of them`,
      );
    }
    const found = context.discovered().find((xsk) => xsk.pid === pid && xsk.fd === fd);
    const socket = attached.attach({ pid, fd, ...(found ? { inode: found.inode } : {}) });
    const { command: name } = socket.xsk.info;
    context.announce(
      'socket-attached',
      `attached ${socket.id}: pid ${pid} ${name} fd ${fd}, read-only`,
      socket.id,
      true,
    );
  }

  /** Ringside sends only inside its lab: nothing of its own reaches a real network. */
  private refuseSendingOnRealInterface(request: SocketRequest): void {
    if (!this.context.inLab && request.workload !== 'rxdrop') {
      throw new CommandError(
        'bad-request',
        `${request.workload} sends frames, and Ringside sends only inside its lab: on a real interface use rxdrop`,
      );
    }
  }
}

/** Who refused: the request itself (bad-request), Ringside's own limits, or the kernel. */
function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  // Its message says what went wrong and names the fix.
  if (error instanceof AttachError) return new CommandError('attach-refused', error.message);
  if (error instanceof RingsideLimitError) return new CommandError('ringside-limit', error.message, error.problems);
  if (error instanceof TxTableRefused) return new CommandError('bad-request', error.message, error.problems);
  if (error instanceof ConfigurationError) return new CommandError('bad-request', error.message, error.problems);
  if (error instanceof XskConfigError || error instanceof RestoredAfterRefusal)
    return new CommandError('kernel-refused', error.message);
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
