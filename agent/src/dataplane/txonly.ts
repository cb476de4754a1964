import { XDP_PKT_CONTD, XDP_TX_METADATA } from '../native/uapi.ts';
import { Control, Stage } from './control.ts';
import {
  ETHERNET_HEADER,
  IPV4_HEADER,
  type UdpFrameSpec,
  type UdpFrameTemplate,
  writeSequence,
  writeUdpFrame,
} from './frames.ts';
import { BURST_BATCHES, type Handovers, type Lane } from './handovers.ts';
import { requestUdpChecksum } from './txonly-metadata.ts';
import type { LaneWorkload } from './workload.ts';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

const MAX_TOKEN_WAIT_MS = 1;
const SENDER_RECHECK_MS = 0.02;
const UDP_DESTINATION_PORT = ETHERNET_HEADER + IPV4_HEADER + 2;

/**
 * txonly: sends the template from the free pool at the control block's rate
 * (a token bucket holding at most BURST_BATCHES batches), numbering each frame
 * and cycling its UDP destination port through the ports asked for. On a UMEM
 * with TX metadata each frame's data starts tx_metadata_len into its chunk,
 * the metadata in front asking for the UDP checksum (XDP_TX_METADATA): the
 * kernel reads it at the descriptor's address minus tx_metadata_len and
 * refuses a descriptor whose metadata would leave the chunk. A frame longer
 * than a chunk (on a multi-buffer socket) goes as a chain of chunks,
 * XDP_PKT_CONTD on all but the last, without metadata; a token is a frame,
 * however many chunks.
 */
export class TxOnly implements LaneWorkload {
  readonly wantsReceived = false;
  readonly keepsReceived = false;
  private sequence = 0;
  private tokens = 0;
  private lastRefill: number;
  /** The template at the length last sent, made once per length rather than once per frame written. */
  private spec: UdpFrameSpec | null = null;
  /** This round's frames as [address, length] pairs, reused. */
  private readonly outbox: number[];
  private readonly view: DataView;
  /** A frame longer than a chunk, written once per length and copied a chunk at a time; its chunks' options. */
  private long: Uint8Array | null = null;
  private readonly chainOptions: number[] = [];

  constructor(
    private readonly template: UdpFrameTemplate | null,
    batchSize: number,
    umem: Uint8Array,
    private readonly clock: Clock,
  ) {
    this.lastRefill = clock.now();
    this.outbox = new Array<number>(2 * batchSize).fill(0);
    this.view = new DataView(umem.buffer, umem.byteOffset, umem.byteLength);
  }

  send(handovers: Handovers, lane: Lane): number {
    const { template, outbox } = this;
    const { control, batchSize } = lane;
    if (!template) return 0;
    const now = this.clock.now();
    const rate = Atomics.load(control, Control.RATE_PPS);
    this.tokens = Math.min(this.tokens + ((now - this.lastRefill) * rate) / 1000, batchSize * BURST_BATCHES);
    this.lastRefill = now;
    const remaining = Atomics.load(control, Control.SEND_REMAINING);
    const { free, frameSize, umem, templateLength, txMetadataLength } = handovers;
    const count = Math.min(
      batchSize,
      Math.floor(this.tokens),
      free.length,
      remaining < 0 ? batchSize : remaining,
      handovers.txRoom(lane, batchSize),
    );
    if (count <= 0) return 0;
    const length = Atomics.load(control, Control.FRAME_LENGTH);
    // Past the room a chunk leaves after its metadata, a frame goes as a chain (multi-buffer sockets only: the
    // engine refuses such a length elsewhere).
    if (length + txMetadataLength > frameSize) return this.sendChains(handovers, lane, count, length);
    const ports = Atomics.load(control, Control.DESTINATION_PORT_COUNT);
    if (this.spec?.length !== length) this.spec = { ...template, length };
    const spec = this.spec;
    for (let i = 0; i < count; i++) {
      const chunk = free.pop() as number;
      const index = chunk / frameSize;
      const data = chunk + txMetadataLength;
      if (templateLength[index] !== length) {
        writeUdpFrame(umem, data, spec);
        if (txMetadataLength > 0) requestUdpChecksum(this.view, chunk, data);
        templateLength[index] = length;
      }
      this.stamp(control, data, ports);
      outbox[2 * i] = data;
      outbox[2 * i + 1] = length;
    }
    handovers.submitTx(lane, outbox, count, txMetadataLength > 0 ? XDP_TX_METADATA : 0);
    this.sent(control, count, remaining);
    return count;
  }

  /**
   * Up to `frames` frames of `length` bytes, each a chain of chunks: as many
   * whole chains as the batch, the free pool and TX take, and one at least
   * when a chain is longer than a batch.
   */
  private sendChains(handovers: Handovers, lane: Lane, frames: number, length: number): number {
    const { template, outbox, chainOptions } = this;
    const { control, batchSize } = lane;
    const { free, frameSize, umem, templateLength } = handovers;
    const chunks = Math.ceil(length / frameSize);
    const room = handovers.txRoom(lane, Math.max(batchSize, chunks));
    const count = Math.min(
      frames,
      Math.floor(Math.min(free.length, room) / chunks),
      Math.max(1, Math.floor(batchSize / chunks)),
    );
    if (count <= 0 || !template) return 0;
    if (this.long?.length !== length) {
      this.long = new Uint8Array(length);
      writeUdpFrame(this.long, 0, { ...template, length });
    }
    const long = this.long;
    const ports = Atomics.load(control, Control.DESTINATION_PORT_COUNT);
    let descriptor = 0;
    for (let i = 0; i < count; i++) {
      for (let chunk = 0; chunk < chunks; chunk++) {
        const address = free.pop() as number;
        const start = chunk * frameSize;
        const bytes = Math.min(frameSize, length - start);
        umem.set(long.subarray(start, start + bytes), address);
        // The chunk holds a slice, not the single-chunk template: a later short frame writes it whole again.
        templateLength[address / frameSize] = 0;
        if (chunk === 0) this.stamp(control, address, ports);
        outbox[2 * descriptor] = address;
        outbox[2 * descriptor + 1] = bytes;
        chainOptions[descriptor] = chunk < chunks - 1 ? XDP_PKT_CONTD : 0;
        descriptor++;
      }
    }
    handovers.submitTx(lane, outbox, descriptor, chainOptions);
    this.sent(control, count, Atomics.load(control, Control.SEND_REMAINING));
    return descriptor;
  }

  /** The frame's sequence number, and its destination port when the ports cycle. */
  private stamp(control: Int32Array, address: number, ports: number): void {
    if (ports > 0) {
      const port = control[Control.DESTINATION_PORTS + (this.sequence % ports)] as number;
      this.view.setUint16(address + UDP_DESTINATION_PORT, port);
    }
    writeSequence(this.view, address, this.sequence++);
  }

  private sent(control: Int32Array, frames: number, remaining: number): void {
    this.tokens -= frames;
    if (remaining > 0) Atomics.sub(control, Control.SEND_REMAINING, frames);
  }

  sendWaitMs(handovers: Handovers, lane: Lane): number {
    const sending =
      lane.tx !== null &&
      !(lane.paused & Stage.TX_SUBMIT) &&
      Atomics.load(lane.control, Control.SEND_REMAINING) !== 0 &&
      // No frame can come back while COMPLETION is not reaped: nothing to wake for until it resumes.
      !(handovers.free.length === 0 && lane.pair.paused & Stage.COMPLETION_REAP);
    return sending ? this.untilNextToken(lane) : Number.POSITIVE_INFINITY;
  }

  /**
   * How long a txonly lane that sent nothing should sleep: until it has the
   * tokens for a batch (or a millisecond's worth at low rates), at most a
   * millisecond. With those tokens and still nothing sent, its frames are all
   * on their way through the kernel and come back on COMPLETION within
   * microseconds: sleeping a millisecond there cost a saturating sender a
   * fifth of its rate against the C baseline.
   */
  private untilNextToken(lane: Lane): number {
    const rate = Atomics.load(lane.control, Control.RATE_PPS);
    if (rate <= 0) return SENDER_RECHECK_MS;
    const wanted = Math.min(lane.batchSize, Math.max(1, rate / 1000));
    if (this.tokens >= wanted) return SENDER_RECHECK_MS;
    return Math.min(MAX_TOKEN_WAIT_MS, Math.max(SENDER_RECHECK_MS, ((wanted - this.tokens) * 1000) / rate));
  }
}
