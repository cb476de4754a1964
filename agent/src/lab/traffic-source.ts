import type { TrafficInfo } from '@ringside/shared';
import { type CapturedFrame, Control, Counter, readCaptures, Stage } from '../dataplane/control.ts';
import { MIN_FRAME_LENGTH, validateFrameLength } from '../dataplane/frames.ts';
import { ManagedSocket } from '../engine/managed-socket.ts';
import { APP_IP, APP_MAC, type Lab, PEER_IP, PEER_MAC } from './lab.ts';

export interface TrafficSettings {
  ratePps: number;
  frameLength: number;
  paused: boolean;
  queueId: number;
}

const SOURCE_FRAME_SIZE = 2048;
const SOURCE_FRAMES = 2048;
const SOURCE_RING = 1024;
export const MAX_RATE_PPS = 10_000_000;
/** UDP ports the source sends from and to (4242 is the spec's example port). */
export const SOURCE_PORT = 9000;
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

/**
 * The lab's traffic source: an AF_XDP socket on the peer end of the veth,
 * running txonly with the same pipeline as Ringside's sockets. Its rate,
 * pause and exact frame count are ours to set, so tests can count frames end
 * to end. It also receives: what Ringside's sockets send arrives here, and
 * can be captured and checked.
 */
export class TrafficSource {
  private constructor(
    private readonly managed: ManagedSocket,
    readonly ifname: string,
  ) {}

  static async start(lab: Lab, settings: TrafficSettings, onError: (error: Error) => void): Promise<TrafficSource> {
    const lengthError = validateFrameLength(settings.frameLength, SOURCE_FRAME_SIZE);
    if (lengthError) throw new Error(lengthError);
    const managed = await ManagedSocket.start(
      {
        id: 'traffic-source',
        umem: {
          frameCount: SOURCE_FRAMES,
          frameSize: SOURCE_FRAME_SIZE,
          headroom: 0,
          fillSize: SOURCE_RING,
          completionSize: SOURCE_RING,
          unaligned: false,
        },
        socket: {
          ifname: lab.peerIfname,
          queueId: settings.queueId,
          rxSize: SOURCE_RING,
          txSize: SOURCE_RING,
          xdpMode: 'drv',
          copy: true,
          zeroCopy: false,
          needWakeup: true,
          batchSize: 64,
        },
        placement: { namespacePath: lab.peerNamespacePath, inhibitProgramLoad: false },
        workload: 'txonly',
        frame: {
          destinationMac: APP_MAC,
          sourceMac: PEER_MAC,
          sourceIp: PEER_IP,
          destinationIp: APP_IP,
          sourcePort: SOURCE_PORT,
          destinationPort: DESTINATION_PORT,
        },
        setup: (control) => {
          control[Control.RATE_PPS] = settings.ratePps;
          control[Control.FRAME_LENGTH] = Math.max(settings.frameLength, MIN_FRAME_LENGTH);
          control[Control.PAUSED_STAGES] = settings.paused ? Stage.TX_SUBMIT : 0;
          control[Control.SEND_REMAINING] = -1;
        },
      },
      onError,
    );
    return new TrafficSource(managed, lab.peerIfname);
  }

  get paused(): boolean {
    return this.managed.pausedStages().includes('txSubmit');
  }

  pause(): void {
    this.managed.pause(['txSubmit']);
  }

  /** Sends without end again, after a pause or an exact count. */
  resume(): void {
    this.managed.worker.set(Control.SEND_REMAINING, -1);
    this.managed.resume(['txSubmit']);
  }

  get ratePps(): number {
    return this.managed.worker.get(Control.RATE_PPS);
  }

  setRate(ratePps: number): void {
    if (!Number.isInteger(ratePps) || ratePps < 1 || ratePps > MAX_RATE_PPS) {
      throw new RangeError(`rate must be a whole number of frames per second from 1 to ${MAX_RATE_PPS}`);
    }
    this.managed.worker.set(Control.RATE_PPS, ratePps);
  }

  get frameLength(): number {
    return this.managed.worker.get(Control.FRAME_LENGTH);
  }

  setFrameLength(length: number): void {
    const error = validateFrameLength(length, SOURCE_FRAME_SIZE);
    if (error) throw new RangeError(error);
    this.managed.worker.set(Control.FRAME_LENGTH, length);
  }

  /** Sends exactly `count` more frames, then stops sending until told otherwise. */
  sendExactly(count: number): void {
    this.managed.worker.set(Control.SEND_REMAINING, count);
    this.managed.resume(['txSubmit']);
  }

  /** Frames handed to the kernel so far, and frames it reported transmitted. */
  get sentFrames(): number {
    return this.managed.worker.counters[Counter.TX_PACKETS] as number;
  }

  get completedFrames(): number {
    return this.managed.worker.counters[Counter.COMPLETED] as number;
  }

  /** Frames received back from Ringside's sockets (sent by txonly or forwarded by l2fwd). */
  get receivedFrames(): number {
    return this.managed.worker.counters[Counter.RX_PACKETS] as number;
  }

  /** Checks every frame received from now on against what the lab's frames must hold. */
  verify(enabled: boolean): void {
    this.managed.worker.set(Control.VERIFY, enabled ? 1 : 0);
  }

  verification(): { verified: number; defective: number } {
    const counters = this.managed.worker.counters;
    return { verified: counters[Counter.VERIFIED] as number, defective: counters[Counter.DEFECTIVE] as number };
  }

  /** Keeps the first bytes of each frame received from now on, for checking them. */
  capture(enabled: boolean): void {
    this.managed.worker.set(Control.CAPTURE, enabled ? 1 : 0);
  }

  captured(since = 0): CapturedFrame[] {
    return readCaptures(this.managed.worker.blocks.capture, since);
  }

  info(): TrafficInfo {
    return {
      ifname: this.ifname,
      paused: this.paused,
      ratePps: this.ratePps,
      frameSize: this.frameLength,
      queueIds: [this.managed.socket.config.queueId],
      destinationPorts: [DESTINATION_PORT],
    };
  }

  stop(): Promise<void> {
    return this.managed.destroy();
  }
}
