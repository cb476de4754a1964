/**
 * What the agent's main thread and a data-plane worker share, word by word.
 * The worker's loop never yields to its event loop, so commands travel
 * through these SharedArrayBuffers rather than postMessage.
 */

/** Int32 words of the control block. */
export const Control = {
  /** 1 asks the worker to stop. */
  STOP: 0,
  /** 1 while the stage is paused (the traffic source stops sending). */
  PAUSED: 1,
  /** Frames per second the traffic source sends. */
  RATE_PPS: 2,
  /** Frames still to send; -1 sends without end. */
  SEND_REMAINING: 3,
  /** Bytes per frame the traffic source sends. */
  FRAME_LENGTH: 4,
} as const;
export const CONTROL_WORDS = 8;

/** Float64 counters a worker writes and the sampler reads. */
export const Counter = {
  RX_PACKETS: 0,
  RX_BYTES: 1,
  TX_PACKETS: 2,
  TX_BYTES: 3,
  /** Syscalls made because a ring asked for a wakeup, or because need_wakeup is off. */
  WAKEUPS: 4,
  /** poll() calls made only to sleep while a ring was empty. */
  IDLE_WAITS: 5,
  COMPLETED: 6,
} as const;
export const COUNTER_SLOTS = 8;

/** The application's cached producer/consumer of each ring: two Uint32 words a ring, in this order. */
export const RingCacheSlot = { fill: 0, completion: 1, rx: 2, tx: 3 } as const;
export const RING_CACHE_WORDS = 8;

export interface SharedBlocks {
  control: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  ringCaches: SharedArrayBuffer;
}

export function allocateSharedBlocks(): SharedBlocks {
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    counters: new SharedArrayBuffer(COUNTER_SLOTS * 8),
    ringCaches: new SharedArrayBuffer(RING_CACHE_WORDS * 4),
  };
}

export function ringCache(blocks: SharedBlocks, ring: keyof typeof RingCacheSlot): Uint32Array {
  return new Uint32Array(blocks.ringCaches, RingCacheSlot[ring] * 8, 2);
}
