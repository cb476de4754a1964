import { type DataPlaneState, MAX_RATE_PPS, MIN_FRAME_LENGTH, type TrafficInfo } from '@ringside/shared';
import {
  type CapturedFrame,
  Control,
  Counter,
  MAX_DESTINATION_PORTS,
  readCaptures,
  Stage,
} from '../dataplane/control.ts';
import { validateFrameLength } from '../dataplane/frames.ts';
import { ManagedSocket } from '../engine/managed-socket.ts';
import { RingsideProgram } from '../xdp/ringside-program.ts';
import {
  APP_IP,
  APP_MAC,
  type Lab,
  longestLabFrame,
  PEER_IP,
  PEER_MAC,
  SOURCE_FRAME_SIZE,
  sourceSendsChains,
} from './lab.ts';

export interface TrafficSettings {
  ratePps: number;
  frameLength: number;
  paused: boolean;
  queueId: number;
  /** Send on these peer queues instead of queueId alone: on veth, frames sent on queue i arrive on queue i. */
  queueIds?: readonly number[];
  /** UDP destination ports to cycle through, frame by frame (default DESTINATION_PORT). */
  destinationPorts?: readonly number[];
}

const SOURCE_FRAMES = 2048;
/** Each ring of each sender: its TX ring is the most it can have queued for the kernel. */
export const SOURCE_RING = 1024;
/** UDP ports the source sends from and to (4242 is the spec's example port). */
const SOURCE_PORT = 9000;
export const DESTINATION_PORT = 4242;

/** What Ringside's own txonly sockets send in the lab: from the app end back to the source. */
export const FRAME_TO_PEER = {
  destinationMac: PEER_MAC,
  sourceMac: APP_MAC,
  sourceIp: APP_IP,
  destinationIp: PEER_IP,
  sourcePort: DESTINATION_PORT,
  destinationPort: SOURCE_PORT,
} as const;

/** What the source sends: from the peer end to Ringside's sockets. */
const FRAME_FROM_PEER = {
  destinationMac: APP_MAC,
  sourceMac: PEER_MAC,
  sourceIp: PEER_IP,
  destinationIp: APP_IP,
  sourcePort: SOURCE_PORT,
  destinationPort: DESTINATION_PORT,
} as const;

/**
 * The lab's traffic source: AF_XDP sockets on the peer end of the veth, one
 * per queue it sends on, sharing one UMEM across those queues (the spec's
 * XDP_SHARED_UMEM with a FILL/COMPLETION pair per queue) and running txonly
 * with the same pipeline as Ringside's sockets. Its rate, pause, ports and
 * exact frame count are ours to set, so tests can count frames end to end.
 * It also receives: what Ringside's sockets send arrives here, and can be
 * captured and checked.
 */
export class TrafficSource {
  /** Counts of senders replaced by setQueues, so the totals never go back. */
  private readonly retired = { sent: 0, completed: 0, received: 0, verified: 0, defective: 0 };

  private constructor(
    private senders: ManagedSocket[],
    private readonly program: RingsideProgram,
    private readonly lab: Lab,
    private settings: Required<TrafficSettings>,
    private readonly onError: (error: Error) => void,
  ) {}

  get ifname(): string {
    return this.lab.peerIfname;
  }

  static async start(lab: Lab, settings: TrafficSettings, onError: (error: Error) => void): Promise<TrafficSource> {
    const lengthError = validateFrameLength(settings.frameLength, ...longestFrame(lab));
    if (lengthError) throw new Error(lengthError);
    const full: Required<TrafficSettings> = {
      ...settings,
      queueIds: settings.queueIds ?? [settings.queueId],
      destinationPorts: settings.destinationPorts ?? [DESTINATION_PORT],
    };
    checkQueues(full.queueIds, lab.queues);
    checkPorts(full.destinationPorts);
    // Ringside's by-queue program on the peer, steering UDP only: the peer's stack still answers ping and ARP.
    const program = RingsideProgram.attach('by-queue', lab.peerIfname, 'drv', lab.peerNamespacePath);
    try {
      program.steerOnlyUdp(true);
      const senders = await TrafficSource.openSenders(lab, full, program, onError);
      return new TrafficSource(senders, program, lab, full, onError);
    } catch (error) {
      program.detach();
      throw error;
    }
  }

  private static async openSenders(
    lab: Lab,
    settings: Required<TrafficSettings>,
    program: RingsideProgram,
    onError: (error: Error) => void,
  ): Promise<ManagedSocket[]> {
    const spec = (queueId: number, share: number) => ({
      id: `traffic-source-q${queueId}`,
      socket: {
        ifname: lab.peerIfname,
        queueId,
        rxSize: SOURCE_RING,
        txSize: SOURCE_RING,
        xdpMode: 'drv' as const,
        copy: true,
        zeroCopy: false,
        needWakeup: true,
        batchSize: 64,
        // A frame longer than a chunk goes as a chain of chunks (and one echoed back comes as one).
        ...(sourceSendsChains(lab.mtu) ? { multiBuffer: true } : {}),
      },
      placement: { namespacePath: lab.peerNamespacePath, inhibitProgramLoad: true },
      workload: 'txonly' as const,
      frame: FRAME_FROM_PEER,
      setup: (control: Int32Array) => {
        control[Control.RATE_PPS] = share;
        control[Control.FRAME_LENGTH] = Math.max(settings.frameLength, MIN_FRAME_LENGTH);
        control[Control.PAUSED_STAGES] = settings.paused ? Stage.TX_SUBMIT : 0;
        control[Control.SEND_REMAINING] = -1;
        writePorts(control, settings.destinationPorts);
      },
    });
    const shares = split(settings.ratePps, settings.queueIds.length);
    const [firstQueue, ...others] = settings.queueIds as [number, ...number[]];
    const first = await ManagedSocket.start(
      {
        ...spec(firstQueue, shares[0] as number),
        umem: {
          frameCount: SOURCE_FRAMES,
          frameSize: SOURCE_FRAME_SIZE,
          headroom: 0,
          fillSize: SOURCE_RING,
          completionSize: SOURCE_RING,
          unaligned: false,
        },
      },
      onError,
      { umemId: 'traffic-source-umem' },
    );
    const senders = [first];
    try {
      for (const [i, queueId] of others.entries()) {
        senders.push(await ManagedSocket.join(first.group, spec(queueId, shares[i + 1] as number)));
      }
      for (const sender of senders) program.setSocket(sender.socket.config.queueId, sender.socket.fd);
    } catch (error) {
      await first.group.destroy();
      throw error;
    }
    return senders;
  }

  get paused(): boolean {
    return this.settings.paused;
  }

  pause(): void {
    this.settings.paused = true;
    for (const sender of this.senders) sender.pause(['txSubmit']);
  }

  /** Sends without end again, after a pause or an exact count. */
  resume(): void {
    this.settings.paused = false;
    for (const sender of this.senders) {
      sender.worker.set(Control.SEND_REMAINING, -1);
      sender.resume(['txSubmit']);
    }
  }

  get ratePps(): number {
    return this.settings.ratePps;
  }

  setRate(ratePps: number): void {
    if (!Number.isInteger(ratePps) || ratePps < 1 || ratePps > MAX_RATE_PPS) {
      throw new RangeError(`rate must be a whole number of frames per second from 1 to ${MAX_RATE_PPS}`);
    }
    this.settings.ratePps = ratePps;
    const shares = split(ratePps, this.senders.length);
    for (const [i, sender] of this.senders.entries()) sender.worker.set(Control.RATE_PPS, shares[i] as number);
  }

  get frameLength(): number {
    return this.settings.frameLength;
  }

  setFrameLength(length: number): void {
    const error = validateFrameLength(length, ...longestFrame(this.lab));
    if (error) throw new RangeError(error);
    this.settings.frameLength = length;
    for (const sender of this.senders) sender.worker.set(Control.FRAME_LENGTH, length);
  }

  get queueIds(): readonly number[] {
    return this.settings.queueIds;
  }

  get destinationPorts(): readonly number[] {
    return this.settings.destinationPorts;
  }

  /** Frames go out on these queues from now on (the sockets are rebuilt; counts carry on). */
  async setQueues(queueIds: readonly number[]): Promise<void> {
    checkQueues(queueIds, this.lab.queues);
    const next = { ...this.settings, queueIds: [...queueIds] };
    const senders = this.senders;
    this.retired.sent += this.sum(Counter.TX_PACKETS);
    this.retired.completed += this.sum(Counter.COMPLETED);
    this.retired.received += this.sum(Counter.RX_PACKETS);
    this.retired.verified += this.sum(Counter.VERIFIED);
    this.retired.defective += this.sum(Counter.DEFECTIVE);
    this.senders = [];
    await senders[0]?.group.destroy();
    for (const sender of senders) this.program.clearIndex(sender.socket.config.queueId);
    this.senders = await TrafficSource.openSenders(this.lab, next, this.program, this.onError);
    this.settings = next;
  }

  /** UDP destination ports to cycle through, frame by frame (steer-by-port sends each port somewhere). */
  setDestinationPorts(ports: readonly number[]): void {
    checkPorts(ports);
    this.settings.destinationPorts = [...ports];
    for (const sender of this.senders) {
      writePorts(sender.worker.control, ports);
      sender.worker.set(Control.DESTINATION_PORT_COUNT, ports.length);
    }
  }

  /** Sends exactly `count` more frames (spread over the queues), then stops sending until told otherwise. */
  sendExactly(count: number): void {
    const shares = split(count, this.senders.length);
    this.senders.forEach((sender, i) => {
      sender.worker.set(Control.SEND_REMAINING, shares[i] as number);
      sender.resume(['txSubmit']);
    });
  }

  /** Frames handed to the kernel so far, and frames it reported transmitted. */
  get sentFrames(): number {
    return this.retired.sent + this.sum(Counter.TX_PACKETS);
  }

  get completedFrames(): number {
    return this.retired.completed + this.sum(Counter.COMPLETED);
  }

  /** Frames received back from Ringside's sockets (sent by txonly or forwarded by l2fwd). */
  get receivedFrames(): number {
    return this.retired.received + this.sum(Counter.RX_PACKETS);
  }

  /** Checks every frame received from now on against what the lab's frames must hold. */
  verify(enabled: boolean): void {
    for (const sender of this.senders) sender.worker.set(Control.VERIFY, enabled ? 1 : 0);
  }

  verification(): { verified: number; defective: number } {
    return {
      verified: this.retired.verified + this.sum(Counter.VERIFIED),
      defective: this.retired.defective + this.sum(Counter.DEFECTIVE),
    };
  }

  /** Keeps the first bytes of each frame received on the first queue from now on, for checking them. */
  capture(enabled: boolean): void {
    this.senders[0]?.worker.set(Control.CAPTURE, enabled ? 1 : 0);
  }

  captured(since = 0): CapturedFrame[] {
    const first = this.senders[0];
    return first ? readCaptures(first.worker.blocks.capture, since) : [];
  }

  info(): TrafficInfo {
    const dataPlane = this.dataPlane;
    return {
      ifname: this.ifname,
      paused: this.paused,
      ratePps: this.ratePps,
      frameSize: this.frameLength,
      queueIds: [...this.settings.queueIds],
      destinationPorts: [...this.settings.destinationPorts],
      ...(dataPlane ? { dataPlane } : {}),
    };
  }

  /** Whether a worker drives the source's sockets (they share one UMEM, so one worker); null while they are rebuilt. */
  get dataPlane(): DataPlaneState | null {
    return this.senders[0]?.group.dataPlane ?? null;
  }

  /**
   * A source whose worker kept crashing sends nothing, whatever its settings
   * say. Its sockets are rebuilt on the same queues, as setQueues does, so
   * that any change the user makes to the traffic starts it again.
   */
  async startAgainIfDown(): Promise<void> {
    if (this.dataPlane?.state === 'down') await this.setQueues(this.settings.queueIds);
  }

  async stop(): Promise<void> {
    const senders = this.senders;
    this.senders = [];
    await senders[0]?.group.destroy();
    this.program.detach();
  }

  private sum(counter: number): number {
    return this.senders.reduce((total, sender) => total + (sender.worker.counters[counter] as number), 0);
  }
}

/** The longest frame the source sends, and why. */
function longestFrame(lab: Lab): [number, string] {
  return [
    longestLabFrame(lab.mtu),
    sourceSendsChains(lab.mtu) ? `the lab's MTU of ${lab.mtu} and the Ethernet header` : 'the UMEM frame size',
  ];
}

/** `total` in `parts` whole shares that add up to it, the larger ones first. */
function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

function writePorts(control: Int32Array, ports: readonly number[]): void {
  for (const [i, port] of ports.entries()) Atomics.store(control, Control.DESTINATION_PORTS + i, port);
  Atomics.store(control, Control.DESTINATION_PORT_COUNT, ports.length);
}

function checkQueues(queueIds: readonly number[], queues: number): void {
  if (queueIds.length === 0) throw new RangeError('the source needs at least one queue to send on');
  if (new Set(queueIds).size !== queueIds.length) throw new RangeError('each queue may be named once');
  const bad = queueIds.find((queue) => !Number.isInteger(queue) || queue < 0 || queue >= queues);
  if (bad !== undefined) {
    throw new RangeError(
      `the lab has queues 0 to ${queues - 1}; queue ${bad} does not exist (start with --lab-queues for more)`,
    );
  }
}

function checkPorts(ports: readonly number[]): void {
  if (ports.length === 0 || ports.length > MAX_DESTINATION_PORTS) {
    throw new RangeError(`give from 1 to ${MAX_DESTINATION_PORTS} destination ports`);
  }
  if (ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new RangeError('UDP ports are whole numbers from 1 to 65535');
  }
}
