import { XDP_TXMD_FLAGS } from '@ringside/shared';
import { taiNowNs } from '../native/libc.ts';
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
import { BURST_BATCHES, type FrameWriter, type Handovers, type Lane } from './handovers.ts';
import {
  requestUdpChecksum,
  UDP_CHECKSUM_OFFSET,
  UDP_HEADER_START,
  udpPseudoHeaderSum,
  writeTxMetadata,
} from './txonly-metadata.ts';
import type { LaneWorkload } from './workload.ts';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

/** What a frame's metadata asks beyond the checksum: XDP_TXMD_FLAGS bits and, with launch time, when. */
interface MetadataRequest {
  flags: number;
  launchTime: bigint;
}

/**
 * What Handovers.templateLength holds for a chunk with a chain's slice: the
 * top bit apart from any single frame's length (below 32 KiB), the long
 * frame's generation and the slice's place in it.
 */
const CHAIN_SLICE = 0x8000;
const CHAIN_SLICES = 0x40;
const GENERATION_BITS = 0x1ff;
const chainSliceKey = (generation: number, slice: number): number =>
  slice < CHAIN_SLICES ? CHAIN_SLICE | (generation << 6) | slice : 0;
/** The slice of the long frame of `generation` a chunk holds, from its key; null when none (slices past 63 keep none). */
function sliceHeld(key: number, generation: number): number | null {
  if (!(key & CHAIN_SLICE) || ((key >> 6) & GENERATION_BITS) !== generation) return null;
  return key & (CHAIN_SLICES - 1);
}

/**
 * The generations of the long frames written on one UMEM, shared by all its
 * txonly lanes: templateLength is the UMEM's, so a generation must name one
 * lane's frame of one length, or a lane would take another's slice as its
 * own. When the key's bits run out, every chain key is forgotten and a new
 * epoch begins, in which each lane takes a fresh generation for its frame.
 */
export class ChainGenerations {
  private last = 0;
  epoch = 0;

  /** A generation no chunk's key holds. */
  next(templateLength: Uint16Array): number {
    if (this.last === GENERATION_BITS) {
      for (let index = 0; index < templateLength.length; index++) {
        if ((templateLength[index] as number) & CHAIN_SLICE) templateLength[index] = 0;
      }
      this.last = 0;
      this.epoch++;
    }
    return ++this.last;
  }
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
 * refuses a descriptor whose metadata would leave the chunk. Asked for (the
 * socket's txMetadataRequests), the metadata also asks for a completion
 * timestamp and a launch time, written frame by frame. A frame longer than
 * a chunk (on a multi-buffer socket) goes as a chain of chunks,
 * XDP_PKT_CONTD on all but the last, the request in the first; a token is a
 * frame, however many chunks.
 */
export class TxOnly implements LaneWorkload, FrameWriter {
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
  /** The long frame's generation, taken from the UMEM's in `longEpoch`: a chunk's slice of another frame is written again. */
  private longGeneration = 0;
  private longEpoch = -1;
  private readonly chainOptions: number[] = [];
  /** One chain's chunks in slice order, and those holding no slice of the current frame: reused. */
  private readonly chain: number[] = [];
  private readonly loose: number[] = [];
  /** What write() needs of the round under way: set once a round, not passed with every frame. */
  private control: Int32Array = new Int32Array(0);
  private templateLength: Uint16Array = new Uint16Array(0);
  private dataOffset = 0;
  private frameLength = 0;
  private metadata: MetadataRequest | null = null;
  private ports = 0;

  constructor(
    private readonly template: UdpFrameTemplate | null,
    batchSize: number,
    private readonly umem: Uint8Array,
    private readonly clock: Clock,
    /** The UMEM's, shared with its other txonly lanes. */
    private readonly generations: ChainGenerations,
    /** CLOCK_TAI in ns: launch_time's time base. */
    private readonly tai: () => bigint = taiNowNs,
  ) {
    this.lastRefill = clock.now();
    this.outbox = new Array<number>(2 * batchSize).fill(0);
    this.view = new DataView(umem.buffer, umem.byteOffset, umem.byteLength);
  }

  send(handovers: Handovers, lane: Lane): number {
    const { template } = this;
    const { control, batchSize } = lane;
    if (!template) return 0;
    this.refill(control, batchSize);
    const remaining = Atomics.load(control, Control.SEND_REMAINING);
    const { free, frameSize, templateLength, txMetadataLength } = handovers;
    const frames = Math.min(batchSize, Math.floor(this.tokens), free.length, remaining < 0 ? batchSize : remaining);
    if (frames <= 0) return 0;
    const length = Atomics.load(control, Control.FRAME_LENGTH);
    const metadata = this.metadataRequest(control, txMetadataLength);
    // Past the room a chunk leaves after its metadata, a frame goes as a chain (multi-buffer sockets only: the
    // engine refuses such a length elsewhere).
    if (length + txMetadataLength > frameSize) return this.sendChains(handovers, lane, frames, length, metadata);
    const count = handovers.txRoom(lane, frames);
    if (count <= 0) return 0;
    if (this.spec?.length !== length) this.spec = { ...template, length };
    this.control = control;
    this.templateLength = templateLength;
    this.dataOffset = txMetadataLength;
    this.frameLength = length;
    this.metadata = metadata;
    this.ports = Atomics.load(control, Control.DESTINATION_PORT_COUNT);
    handovers.submitFree(lane, count, txMetadataLength, length, txMetadataLength > 0 ? XDP_TX_METADATA : 0, this);
    this.sent(control, count, remaining);
    return count;
  }

  /** One frame of this round's (submitFree): the template where the chunk lacks it, the metadata, the stamp. */
  write(chunk: number, frame: number): void {
    const { templateLength, frameLength, metadata } = this;
    const data = chunk + this.dataOffset;
    if (templateLength[frame] !== frameLength) {
      writeUdpFrame(this.umem, data, this.spec as UdpFrameSpec);
      if (this.dataOffset > 0) requestUdpChecksum(this.view, chunk, data);
      templateLength[frame] = frameLength;
    }
    // Every frame: on a shared UMEM the chunk may come back from another socket with its flags, or a stamp over the request.
    if (metadata) writeTxMetadata(this.view, chunk, metadata.flags, metadata.launchTime);
    this.stamp(this.control, data, this.ports);
  }

  /**
   * Tokens for the time since the last refill, while the bucket holds less
   * than a batch: a saturating sender, whose bucket stays full, reads the
   * clock once every few rounds rather than every round (in a worker the
   * clock is a call into Node). The time between refills is not lost: it is
   * counted at the next one, which caps the bucket as every refill does.
   */
  private refill(control: Int32Array, batchSize: number): void {
    if (this.tokens >= batchSize) return;
    const now = this.clock.now();
    const rate = Atomics.load(control, Control.RATE_PPS);
    this.tokens = Math.min(this.tokens + ((now - this.lastRefill) * rate) / 1000, batchSize * BURST_BATCHES);
    this.lastRefill = now;
  }

  /** What each frame's metadata asks this round beyond the checksum (flags 0: nothing more); null without TX metadata. */
  private metadataRequest(control: Int32Array, txMetadataLength: number): MetadataRequest | null {
    if (txMetadataLength === 0) return null;
    const flags = Atomics.load(control, Control.TX_METADATA_FLAGS);
    const launchTime =
      flags & XDP_TXMD_FLAGS.launchTime
        ? this.tai() + BigInt(Atomics.load(control, Control.LAUNCH_TIME_OFFSET_NS))
        : 0n;
    return { flags, launchTime };
  }

  /**
   * Up to `frames` frames of `length` bytes, each a chain of chunks: as many
   * whole chains as the batch, the free pool and TX take, and one at least
   * when a chain is longer than a batch. On a UMEM with TX metadata every
   * descriptor starts tx_metadata_len into its chunk (the kernel checks that
   * room in front of each), and the first carries the request with
   * XDP_TX_METADATA: the kernel reads metadata from a packet's first
   * descriptor only.
   */
  private sendChains(
    handovers: Handovers,
    lane: Lane,
    frames: number,
    length: number,
    metadata: MetadataRequest | null,
  ): number {
    const { template, outbox, chainOptions, view } = this;
    const { control, batchSize } = lane;
    const { free, frameSize, umem, templateLength, txMetadataLength } = handovers;
    const room = frameSize - txMetadataLength;
    const chunks = Math.ceil(length / room);
    const txRoom = handovers.txRoom(lane, Math.max(batchSize, chunks));
    const count = Math.min(
      frames,
      Math.floor(Math.min(free.length, txRoom) / chunks),
      Math.max(1, Math.floor(batchSize / chunks)),
    );
    if (count <= 0 || !template) return 0;
    const long = this.longFrame(template, length, txMetadataLength > 0);
    const generation = this.generationOf(templateLength);
    const ports = Atomics.load(control, Control.DESTINATION_PORT_COUNT);
    const first = txMetadataLength > 0 ? XDP_TX_METADATA : 0;
    let descriptor = 0;
    for (let i = 0; i < count; i++) {
      const group = this.takeChain(handovers, chunks, generation);
      for (let slice = 0; slice < chunks; slice++) {
        const chunk = group[slice] as number;
        const index = handovers.frameOf(chunk);
        const data = chunk + txMetadataLength;
        const start = slice * room;
        const bytes = Math.min(room, length - start);
        const key = chainSliceKey(generation, slice);
        if (key === 0 || templateLength[index] !== key) {
          umem.set(long.subarray(start, start + bytes), data);
          templateLength[index] = key;
        }
        if (slice === 0) {
          if (metadata) writeTxMetadata(view, chunk, metadata.flags, metadata.launchTime);
          this.stamp(control, data, ports);
        } else if (txMetadataLength > 0) {
          // No request here: a completion stamp is looked for only where the flags ask for one.
          view.setBigUint64(chunk, 0n, true);
        }
        outbox[2 * descriptor] = data;
        outbox[2 * descriptor + 1] = bytes;
        chainOptions[descriptor] = (slice === 0 ? first : 0) | (slice < chunks - 1 ? XDP_PKT_CONTD : 0);
        descriptor++;
      }
    }
    handovers.submitTx(lane, outbox, descriptor, chainOptions);
    this.sent(control, count, Atomics.load(control, Control.SEND_REMAINING));
    return descriptor;
  }

  /**
   * `chunks` free chunks for one chain, in slice order: a chunk that already
   * holds a slice of the current long frame takes that slice again, so it is
   * not copied again (the free pool hands chunks back in reverse order, which
   * would otherwise move every chunk to another slice each time).
   */
  private takeChain(handovers: Handovers, chunks: number, generation: number): number[] {
    const { chain, loose } = this;
    const { free, templateLength } = handovers;
    chain.length = chunks;
    chain.fill(-1);
    loose.length = 0;
    for (let i = 0; i < chunks; i++) {
      const chunk = free.pop() as number;
      const slice = sliceHeld(templateLength[handovers.frameOf(chunk)] as number, generation);
      if (slice !== null && slice < chunks && chain[slice] === -1) chain[slice] = chunk;
      else loose.push(chunk);
    }
    for (let slice = 0; slice < chunks; slice++) if (chain[slice] === -1) chain[slice] = loose.pop() as number;
    return chain;
  }

  /** The frame longer than a chunk, written once per length, with the pseudo-header sum where a checksum is asked. */
  private longFrame(template: UdpFrameTemplate, length: number, checksum: boolean): Uint8Array {
    if (this.long?.length === length) return this.long;
    const long = new Uint8Array(length);
    writeUdpFrame(long, 0, { ...template, length });
    if (checksum) {
      new DataView(long.buffer).setUint16(UDP_HEADER_START + UDP_CHECKSUM_OFFSET, udpPseudoHeaderSum(long, 0));
    }
    this.long = long;
    this.longEpoch = -1;
    return long;
  }

  /** The current long frame's generation: a new one for a new frame, and again in the UMEM's next epoch. */
  private generationOf(templateLength: Uint16Array): number {
    if (this.longEpoch !== this.generations.epoch) {
      this.longGeneration = this.generations.next(templateLength);
      this.longEpoch = this.generations.epoch;
    }
    return this.longGeneration;
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
