import type { RingState } from '@ringside/shared';

/**
 * Where a ring's four counters stand between two snapshots, so the page can
 * draw movement instead of a jump every tenth of a second. Counters are
 * free-running 32-bit values: the step between two readings is taken modulo
 * 2^32, so a counter that wraps moves forward by a few slots, never backwards
 * by four billion.
 */
export interface RingPose {
  size: number;
  producer: number;
  consumer: number;
  /** null: unknown (another process's socket keeps them in its private memory). */
  cachedProducer: number | null;
  cachedConsumer: number | null;
  needWakeup: boolean;
}

/** `from` advanced by fraction `t` of the way to `to`, as a real number (not wrapped). */
export function advanceCounter(from: number, to: number, t: number): number {
  return (from >>> 0) + ((to - from) >>> 0) * t;
}

function advanceCached(from: number | null, to: number | null, t: number): number | null {
  return to === null ? null : advanceCounter(from ?? to, to, t);
}

/** Presenter mode draws the same movement three times slower, so an audience can follow it. */
export const PRESENTER_SLOWDOWN = 3;

/** A step beyond this many turns of a ring is a restart (a new socket), not movement: jump instead of sweeping. */
const MAX_SWEEP_TURNS = 8;

/**
 * The previous and the latest reading of one ring and when each arrived. The
 * page shows the ring `duration` behind the latest reading: drawing always
 * interpolates between two real readings rather than guessing ahead.
 */
export class RingMotion {
  #from: RingState | null = null;
  #to: RingState | null = null;
  #arrivedAt = 0;
  #readings = 0;
  readonly #pose: RingPose = {
    size: 1,
    producer: 0,
    consumer: 0,
    cachedProducer: 0 as number | null,
    cachedConsumer: 0 as number | null,
    needWakeup: false,
  };

  /** Records a reading; the same object twice (no new snapshot) changes nothing. */
  push(ring: RingState, at: number): void {
    if (ring === this.#to) return;
    const jump =
      this.#to === null ||
      this.#to.size !== ring.size ||
      (ring.producer - this.#to.producer) >>> 0 > MAX_SWEEP_TURNS * ring.size ||
      (ring.consumer - this.#to.consumer) >>> 0 > MAX_SWEEP_TURNS * ring.size;
    this.#from = jump ? ring : this.#to;
    this.#to = ring;
    this.#arrivedAt = at;
    this.#readings++;
  }

  /** How many readings were pushed: a painter compares it to know whether anything new arrived. */
  get readings(): number {
    return this.#readings;
  }

  /** True once the pose at `now` equals the latest reading: nothing more to animate. */
  settled(now: number, duration: number): boolean {
    return this.#to === null || now - this.#arrivedAt >= duration;
  }

  /**
   * The pose at `now`, written into one object reused on every call so that
   * animating costs no allocation per frame. Counters may be fractional.
   */
  at(now: number, duration: number): RingPose | null {
    const from = this.#from;
    const to = this.#to;
    if (from === null || to === null) return null;
    const t = duration <= 0 ? 1 : Math.min(1, Math.max(0, (now - this.#arrivedAt) / duration));
    const pose = this.#pose;
    pose.size = to.size;
    pose.producer = advanceCounter(from.producer, to.producer, t);
    pose.consumer = advanceCounter(from.consumer, to.consumer, t);
    pose.cachedProducer = advanceCached(from.cachedProducer, to.cachedProducer, t);
    pose.cachedConsumer = advanceCached(from.cachedConsumer, to.cachedConsumer, t);
    pose.needWakeup = to.needWakeup;
    return pose;
  }
}
