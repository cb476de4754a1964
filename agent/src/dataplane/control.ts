import type { Stage as StageName } from '@ringside/shared';

/**
 * What the agent's main thread and a data-plane worker share, word by word.
 * The worker's loop never yields to its event loop, so commands travel
 * through these SharedArrayBuffers rather than postMessage.
 */

/**
 * Int32 words of one UMEM's block, shared by every socket on it: one worker
 * drives the UMEM, so stopping it and the seqlock are per UMEM.
 */
export const UmemControl = {
  /** 1 asks the worker to stop. */
  STOP: 0,
  /** Odd while the worker is between a ring update and the matching ledger update (a seqlock). */
  GENERATION: 1,
  /** Bumped (and notified) by the main thread whenever an idle worker should look at its control words. */
  WAKE: 2,
  /** Readers waiting for GENERATION to turn even: while non-zero, the worker notifies GENERATION as it does. */
  READERS_WAITING: 3,
  /**
   * 1 while no worker drives the UMEM (left down after crashing too often): a window the last one left open is
   * never closed, so readers take the rings and ledger as they are rather than wait for it.
   */
  LEFT_DOWN: 4,
} as const;
const UMEM_CONTROL_WORDS = Object.keys(UmemControl).length;

/**
 * Scheduling: when the cores are saturated, watching must cost the data plane
 * as little as possible, so the agent's main thread (sampling, serving) runs
 * at OBSERVER_NICE and data-plane threads at DATAPLANE_NICE, the default.
 * Measured with 10 clients at 60 snapshots/s on two saturated cores: at equal
 * priority the main thread cost rxdrop 8% of its throughput, and 4 to 6% at
 * nice 5 (the scheduler still gave it all it asked for); at nice 19 it gets
 * the cores' leftovers, and snapshots come later rather than the data plane
 * slower. On cores with room to spare nothing changes.
 */
export const OBSERVER_NICE = 19;
export const DATAPLANE_NICE = 0;

/** Int32 words of one socket's control block. */
export const Control = {
  /** Stages (bits of Stage) the worker leaves alone until resumed. */
  PAUSED_STAGES: 0,
  /** The main thread adds one to run one batch of every stage, paused or not. */
  STEP_REQUESTS: 1,
  STEPS_DONE: 2,
  /** Stages (bits of Stage) a step runs; 0: every stage. */
  STEP_STAGES: 3,
  /** Frames per second a txonly workload sends. */
  RATE_PPS: 4,
  /** Frames still to send; -1 sends without end. */
  SEND_REMAINING: 5,
  /** Bytes per frame a txonly workload sends. */
  FRAME_LENGTH: 6,
  /** 1: copy the first bytes of each received frame into the capture buffer. */
  CAPTURE: 7,
  /** 1: check every received frame against what the lab's source sends (frames.ts). */
  VERIFY: 8,
  /** TX descriptors pointing outside the UMEM still to submit: shows the kernel's tx_invalid_descs. */
  INJECT_INVALID_TX: 9,
  /**
   * Frames still to put in FILL and TX at once (the spec FAQ's corruption):
   * only on a user's deliberate request, to watch a received frame overwrite
   * one being sent.
   */
  FEED_SAME_FRAME: 10,
  /** FILL addresses outside the UMEM still to post: shows what the kernel does with one (teaching-faults.ts). */
  INJECT_INVALID_FILL: 11,
  /** How many UDP destination ports a txonly workload cycles through, frame by frame (0: the template's). */
  DESTINATION_PORT_COUNT: 12,
  /** The first of MAX_DESTINATION_PORTS words holding those ports. */
  DESTINATION_PORTS: 13,
  /** Descriptors of the table in the lane's txTable block waiting to go on TX (tx-descriptors.ts); 0: none. */
  TX_TABLE_LENGTH: 29, // after the 16 port words
  /** Tables the worker has posted: the main thread waits on it. */
  TX_TABLES_POSTED: 30,
  /** XDP_TXMD_FLAGS bits txonly adds to each frame's metadata beyond the checksum (timestamp, launch time). */
  TX_METADATA_FLAGS: 31,
  /** With XDP_TXMD_FLAGS_LAUNCH_TIME: launch_time is the CLOCK_TAI time of writing plus this many ns. */
  LAUNCH_TIME_OFFSET_NS: 32,
} as const;
export const MAX_DESTINATION_PORTS = 16;
const CONTROL_WORDS = Control.LAUNCH_TIME_OFFSET_NS + 1;
export type ControlWord = (typeof Control)[keyof typeof Control];

/** The pipeline's stages, as bits of Control.PAUSED_STAGES. */
export const Stage = {
  FILL_REFILL: 1,
  RX_DRAIN: 2,
  TX_SUBMIT: 4,
  COMPLETION_REAP: 8,
} as const;
export type { StageName };
export const STAGE_BITS: Record<StageName, number> = {
  fillRefill: Stage.FILL_REFILL,
  rxDrain: Stage.RX_DRAIN,
  txSubmit: Stage.TX_SUBMIT,
  completionReap: Stage.COMPLETION_REAP,
};
/** The Control.PAUSED_STAGES bits of the stages named. */
export const stageBits = (stages: readonly StageName[]): number =>
  stages.reduce((mask, stage) => mask | STAGE_BITS[stage], 0);

/** Float64 counters a worker writes and observe/ reads. */
export const Counter = {
  RX_PACKETS: 0,
  RX_BYTES: 1,
  TX_PACKETS: 2,
  TX_BYTES: 3,
  COMPLETED: 4,
  /** Syscalls made because a ring's need_wakeup flag asked, or because need_wakeup is off. */
  WAKEUPS: 5,
  /** poll() calls made only to sleep while there was nothing to do. */
  IDLE_WAITS: 6,
  /** Received frames that passed / failed the VERIFY check. */
  VERIFIED: 7,
  DEFECTIVE: 8,
  /** Addresses back on COMPLETION that belong to no frame (after an invalid TX descriptor). */
  FOREIGN_COMPLETIONS: 9,
  /** Frames handed to FILL and TX at once on request (FEED_SAME_FRAME). */
  FED_TWICE: 10,
  /** Syscalls made only to drive the NAPI instance of a busy-polling socket (recvfrom, or sendto with TX empty). */
  BUSY_POLLS: 11,
  /** TX kicks (sendto), and the TX descriptors the kernel consumed inside them: copy mode's budget per call shows as their ratio. */
  TX_SENDTOS: 12,
  TX_SENDTO_CONSUMED: 13,
  /**
   * Descriptors taken from RX and put on TX. RX_PACKETS and TX_PACKETS count
   * packets: a multi-buffer packet is one descriptor per buffer, XDP_PKT_CONTD
   * on all but the last, and counts once there.
   */
  RX_DESCRIPTORS: 14,
  TX_DESCRIPTORS: 15,
  /**
   * Frames back on COMPLETION that asked for a completion timestamp, those
   * whose completion.tx_timestamp was written, and the last stamp: a u64
   * stored whole in its slot through a BigUint64Array (lastStampWord), since a
   * double would round it to 256 ns and two halves can be read torn.
   */
  TX_STAMPS_ASKED: 16,
  TX_STAMPED: 17,
  TX_LAST_STAMP: 18,
} as const;
const COUNTER_SLOTS = Object.keys(Counter).length;

/** The application's cached producer/consumer of each ring: two Uint32 words a ring, in this order. */
const RingCacheSlot = { fill: 0, completion: 1, rx: 2, tx: 3 } as const;
export const RING_CACHE_WORDS = 2 * Object.keys(RingCacheSlot).length;

/** struct xdp_desc in Uint32 words: addr (low, high), len, options. */
export const TX_DESCRIPTOR_WORDS = 4;

/** Received frames the capture buffer keeps, and the bytes kept of each. */
export const CAPTURE_SLOTS = 64;
export const CAPTURE_BYTES = 128;
const CAPTURE_SLOT_SIZE = 4 + CAPTURE_BYTES;

/** What the main thread and the worker share about one UMEM. They outlive any one worker. */
export interface UmemBlocks {
  control: SharedArrayBuffer;
  /** One byte per UMEM frame: the application's side of the ownership ledger (ledger.ts). */
  ledger: SharedArrayBuffer;
}

/** What they share about one socket (a lane of the UMEM's worker). */
export interface LaneBlocks {
  control: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  /** The application's cached words of the socket's RX and TX rings. */
  ringCaches: SharedArrayBuffer;
  /** Int32 count of frames captured, then CAPTURE_SLOTS slots of [length, bytes]. */
  capture: SharedArrayBuffer;
  /** A table of TX descriptors to post as given: one struct xdp_desc (four Uint32 words) per TX ring entry. */
  txTable: SharedArrayBuffer;
}

export function allocateUmemBlocks(frameCount: number): UmemBlocks {
  return { control: new SharedArrayBuffer(UMEM_CONTROL_WORDS * 4), ledger: new SharedArrayBuffer(frameCount) };
}

/** `txEntries`: the socket's TX ring size, the most descriptors one table may hold. */
export function allocateLaneBlocks(txEntries = 0): LaneBlocks {
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    counters: new SharedArrayBuffer(COUNTER_SLOTS * 8),
    ringCaches: new SharedArrayBuffer(RING_CACHE_WORDS * 4),
    capture: new SharedArrayBuffer(4 + CAPTURE_SLOTS * CAPTURE_SLOT_SIZE),
    txTable: new SharedArrayBuffer(txEntries * TX_DESCRIPTOR_WORDS * 4),
  };
}

/** The cached words of one ring: lanes keep RX and TX, a FILL/COMPLETION pair its two. */
export function ringCache(ringCaches: SharedArrayBuffer, ring: keyof typeof RingCacheSlot): Uint32Array {
  return new Uint32Array(ringCaches, RingCacheSlot[ring] * 8, 2);
}

/** Where the capture of the `index`-th received frame lives. */
export function captureSlot(index: number): { lengthOffset: number; bytesOffset: number } {
  const base = 4 + (index % CAPTURE_SLOTS) * CAPTURE_SLOT_SIZE;
  return { lengthOffset: base, bytesOffset: base + 4 };
}

export interface CapturedFrame {
  index: number;
  length: number;
  bytes: Uint8Array;
}

/** How many frames the capture buffer's worker has captured so far: its first word. */
export const capturedCount = (capture: SharedArrayBuffer): number => Atomics.load(new Int32Array(capture, 0, 1), 0);

/** The frames captured after `since`, and before `until` (by default, all so far), that are still in the buffer. */
export function readCaptures(
  capture: SharedArrayBuffer,
  since: number,
  until = capturedCount(capture),
): CapturedFrame[] {
  const view = new DataView(capture);
  const frames: CapturedFrame[] = [];
  for (let index = Math.max(since, until - CAPTURE_SLOTS); index < until; index++) {
    const { lengthOffset, bytesOffset } = captureSlot(index);
    const length = view.getUint32(lengthOffset, true);
    frames.push({
      index,
      length,
      bytes: new Uint8Array(capture.slice(bytesOffset, bytesOffset + Math.min(length, CAPTURE_BYTES))),
    });
  }
  return frames;
}
