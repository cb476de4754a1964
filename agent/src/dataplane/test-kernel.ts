import type { OwnerCounts, Workload } from '@ringside/shared';
import { deriveOwners, type LedgerView } from '../xsk/ledger.ts';
import { baseAddress, CompletionRing, FillRing, type RingMemory, RxRing, TxRing } from '../xsk/ring.ts';
import { allocateLaneBlocks, allocateUmemBlocks, UmemControl } from './control.ts';
import type { UdpFrameTemplate } from './frames.ts';
import type { Doorbells } from './handovers.ts';
import type { IdleWaits, LaneSetup, PipelineSetup } from './pipeline.ts';

/**
 * The kernel's side of one UMEM's rings, played in memory for the data
 * plane's unit tests: it consumes FILL and TX and produces RX and COMPLETION
 * by moving only the words the kernel owns (as ring.test.ts does), answers
 * the doorbells by writing down each call, and keeps the clock. A sleep ends
 * the pipeline's run: `run()` goes round until it would first sleep.
 */

export const TEMPLATE: UdpFrameTemplate = {
  destinationMac: [2, 0, 0, 0, 0, 0xd],
  sourceMac: [2, 0, 0, 0, 0, 0x5],
  sourceIp: [198, 18, 0, 1],
  destinationIp: [198, 18, 0, 2],
  sourcePort: 9000,
  destinationPort: 4242,
};

export interface PlayedLane {
  workload: Workload;
  /** Default: every workload but txonly has an RX ring; every workload but rxdrop a TX ring. */
  rx?: boolean;
  tx?: boolean;
  pair?: number;
  needWakeup?: boolean;
  busyPoll?: boolean;
}

export interface PlayedUmem {
  frameCount?: number;
  frameSize?: number;
  ringSize?: number;
  batchSize?: number;
  pairs?: number;
  lanes: PlayedLane[];
  /** The application's side of the ledger a previous worker left. */
  ledger?: number[];
  /** tx_metadata_len of the played UMEM. */
  txMetadataLength?: number;
}

interface RingWords {
  memory: RingMemory;
  wordsPerEntry: number;
}

function ringMemory(size: number, wordsPerEntry: number): RingWords {
  return {
    wordsPerEntry,
    memory: {
      size,
      producer: new Uint32Array(1),
      consumer: new Uint32Array(1),
      flags: new Uint32Array(1),
      entries: new Uint32Array(size * wordsPerEntry),
      cache: new Uint32Array(2),
    },
  };
}

export interface SentFrame {
  address: number;
  length: number;
}

/** A chain's bytes, its descriptors' joined in order: what the peer receives of a multi-buffer packet. */
export function joinedBytes(umem: Uint8Array, chain: readonly SentFrame[]): Uint8Array {
  const whole = new Uint8Array(chain.reduce((sum, frame) => sum + frame.length, 0));
  let at = 0;
  for (const frame of chain) {
    whole.set(umem.subarray(frame.address, frame.address + frame.length), at);
    at += frame.length;
  }
  return whole;
}

export class PlayedKernel implements Doorbells, IdleWaits {
  readonly setup: PipelineSetup;
  readonly frameSize: number;
  readonly fill: RingWords[] = [];
  readonly completion: RingWords[] = [];
  readonly rx: (RingWords | null)[] = [];
  readonly tx: (RingWords | null)[] = [];
  readonly lanes: LaneSetup[];
  /** Every doorbell rung and every sleep, in order: "kickTx 10", "awaitReceive 10 20"... */
  readonly calls: string[] = [];
  /** What the kernel does when TX is kicked (copy mode sends inside that syscall); nothing by default. */
  onKick: ((lane: number) => void) | null = null;
  /** The pipeline's clock, in milliseconds. */
  now = 0;
  /** No spinning unless a test asks: the clock stands still unless a test moves it. */
  spinWindowMs = 0;
  readonly clock = { now: () => this.now };

  constructor(options: PlayedUmem) {
    const frameCount = options.frameCount ?? 32;
    const ringSize = options.ringSize ?? 8;
    this.frameSize = options.frameSize ?? 2048;
    const umemBlocks = allocateUmemBlocks(frameCount);
    const ledger = new Uint8Array(umemBlocks.ledger);
    if (options.ledger) ledger.set(options.ledger);
    const pairs = [];
    for (let slot = 0; slot < (options.pairs ?? 1); slot++) {
      const fill = ringMemory(ringSize, 2);
      const completion = ringMemory(ringSize, 2);
      this.fill.push(fill);
      this.completion.push(completion);
      pairs.push({ slot, fill: new FillRing(fill.memory), completion: new CompletionRing(completion.memory) });
    }
    this.lanes = options.lanes.map((lane, slot) => {
      const rx = (lane.rx ?? lane.workload !== 'txonly') ? ringMemory(ringSize, 4) : null;
      const tx = (lane.tx ?? lane.workload !== 'rxdrop') ? ringMemory(ringSize, 4) : null;
      this.rx.push(rx);
      this.tx.push(tx);
      const blocks = allocateLaneBlocks(tx ? ringSize : 0);
      return {
        slot,
        pair: lane.pair ?? 0,
        workload: lane.workload,
        rx: rx ? new RxRing(rx.memory) : null,
        tx: tx ? new TxRing(tx.memory) : null,
        fd: 10 + slot,
        needWakeup: lane.needWakeup ?? false,
        busyPoll: lane.busyPoll ?? false,
        batchSize: options.batchSize ?? 4,
        frame: TEMPLATE,
        control: new Int32Array(blocks.control),
        counters: new Float64Array(blocks.counters),
        capture: blocks.capture,
        txTable: blocks.txTable,
      };
    });
    this.setup = {
      frameSize: this.frameSize,
      frameCount,
      umem: new Uint8Array(frameCount * this.frameSize),
      control: new Int32Array(umemBlocks.control),
      ledger,
      pairs,
      lanes: this.lanes,
      ...(options.txMetadataLength === undefined ? {} : { txMetadataLength: options.txMetadataLength }),
    };
  }

  /** The kernel takes up to `max` addresses from a FILL ring to receive into. */
  takeFill(pair = 0, max = Number.POSITIVE_INFINITY): number[] {
    return this.consume(this.fill[pair] as RingWords, max).map((entry) => entry.address);
  }

  /** The kernel puts received frames on a lane's RX ring, each descriptor with its entry of `options` (none: 0). */
  deliver(lane: number, addresses: readonly number[], length = 64, options: readonly number[] = []): void {
    const ring = this.rx[lane] as RingWords;
    const { memory } = ring;
    for (const [i, address] of addresses.entries()) {
      const word = ((memory.producer[0] as number) & (memory.size - 1)) * 4;
      memory.entries.set([address % 2 ** 32, Math.floor(address / 2 ** 32), length, options[i] ?? 0], word);
      memory.producer[0] = ((memory.producer[0] as number) + 1) >>> 0;
    }
  }

  /** Receives `count` frames on a lane: from its pair's FILL to its RX. Returns their addresses. */
  receive(lane: number, count: number, length = 64): number[] {
    const addresses = this.takeFill(this.lanes[lane]?.pair ?? 0, count);
    this.deliver(lane, addresses, length);
    return addresses;
  }

  /** The options words of the descriptors waiting on a lane's TX ring, oldest first (read before takeTx). */
  txOptions(lane: number): number[] {
    const { memory } = this.tx[lane] as RingWords;
    const options: number[] = [];
    for (let index = memory.consumer[0] as number; index !== memory.producer[0]; index = (index + 1) >>> 0) {
      options.push(memory.entries[(index & (memory.size - 1)) * 4 + 3] as number);
    }
    return options;
  }

  /** The kernel takes up to `max` descriptors from a lane's TX ring to send. */
  takeTx(lane: number, max = Number.POSITIVE_INFINITY): SentFrame[] {
    return this.consume(this.tx[lane] as RingWords, max);
  }

  /** The kernel hands sent addresses back on a pair's COMPLETION ring. */
  complete(pair: number, addresses: readonly number[]): void {
    const { memory } = this.completion[pair] as RingWords;
    for (const address of addresses) {
      const word = ((memory.producer[0] as number) & (memory.size - 1)) * 2;
      memory.entries.set([address % 2 ** 32, Math.floor(address / 2 ** 32)], word);
      memory.producer[0] = ((memory.producer[0] as number) + 1) >>> 0;
    }
  }

  /** Sends everything on a lane's TX and completes it on the lane's pair. Returns what was sent. */
  transmit(lane: number): SentFrame[] {
    const sent = this.takeTx(lane);
    this.complete(
      this.lanes[lane]?.pair ?? 0,
      sent.map((frame) => frame.address),
    );
    return sent;
  }

  /** Every frame's owner, from the ledger and the rings as the sampler derives them. */
  owners(): LedgerView {
    const contents = (ring: RingWords | null | undefined) => (ring ? { frames: this.framesIn(ring) } : null);
    return deriveOwners({
      appStates: this.setup.ledger,
      pairs: this.fill.map((fill, slot) => ({
        slot,
        fill: { frames: this.framesIn(fill) },
        completion: { frames: this.framesIn(this.completion[slot] as RingWords) },
      })),
      lanes: this.lanes.map((lane, slot) => ({
        slot,
        pair: lane.pair,
        rx: contents(this.rx[slot]),
        tx: contents(this.tx[slot]),
      })),
    });
  }

  /** The owner counts, leaving out owners no frame has. */
  counts(): Partial<OwnerCounts> {
    return Object.fromEntries(Object.entries(this.owners().counts).filter(([, count]) => count > 0));
  }

  frameOf(address: number): number {
    return Math.floor(address / this.frameSize);
  }

  get generation(): number {
    return Atomics.load(this.setup.control, UmemControl.GENERATION);
  }

  kickTx(fd: number): void {
    this.calls.push(`kickTx ${fd}`);
    this.onKick?.(fd - 10);
  }

  wakeRx(fd: number): void {
    this.calls.push(`wakeRx ${fd}`);
  }

  busyPollRx(fd: number): void {
    this.calls.push(`busyPollRx ${fd}`);
  }

  awaitCommand(timeoutMs: number): void {
    this.calls.push(`awaitCommand ${timeoutMs}`);
    Atomics.store(this.setup.control, UmemControl.STOP, 1);
  }

  awaitReceive(fds: readonly number[], timeoutMs: number): void {
    this.calls.push(`awaitReceive ${fds.join(',')} ${timeoutMs}`);
    Atomics.store(this.setup.control, UmemControl.STOP, 1);
  }

  private consume(ring: RingWords, max: number): SentFrame[] {
    const { memory, wordsPerEntry } = ring;
    const taken: SentFrame[] = [];
    while (memory.consumer[0] !== memory.producer[0] && taken.length < max) {
      const word = ((memory.consumer[0] as number) & (memory.size - 1)) * wordsPerEntry;
      taken.push({
        address: baseAddress(memory.entries[word] as number, memory.entries[word + 1] as number),
        length: wordsPerEntry === 4 ? (memory.entries[word + 2] as number) : 0,
      });
      memory.consumer[0] = ((memory.consumer[0] as number) + 1) >>> 0;
    }
    return taken;
  }

  private framesIn(ring: RingWords): number[] {
    const { memory, wordsPerEntry } = ring;
    const frames: number[] = [];
    for (let index = memory.consumer[0] as number; index !== memory.producer[0]; index = (index + 1) >>> 0) {
      const word = (index & (memory.size - 1)) * wordsPerEntry;
      frames.push(this.frameOf(baseAddress(memory.entries[word] as number, memory.entries[word + 1] as number)));
    }
    return frames;
  }
}
