import type { RingState } from '@ringside/shared';
import { UmemControl } from '../dataplane/control.ts';
import { deriveOwners, type LedgerView } from '../xsk/ledger.ts';
import type { RingMemory } from '../xsk/ring.ts';
import { observeRing, type RingEntries, readRingEntries, readRingFrames } from './ring-observer.ts';
import type { ApplicationSide, ObservationSource, SourceRings, UmemFrames } from './source.ts';

/** Owners come with a reading exactly when its source has an application side. */
export type LedgerOf<S extends ObservationSource> = S['application'] extends ApplicationSide
  ? LedgerView
  : LedgerView | null;

export interface PairReading {
  slot: number;
  states: { fill: RingState; completion: RingState };
  /** The frame of each entry, oldest first. */
  frames: { fill: Int32Array; completion: Int32Array };
  /** The entries themselves, when asked for (inspection). */
  entries: { fill: RingEntries; completion: RingEntries } | null;
}

export interface SocketReading {
  socketId: string;
  slot: number;
  pair: number;
  states: { rx: RingState | null; tx: RingState | null };
  frames: { rx: Int32Array | null; tx: Int32Array | null };
  entries: { rx: RingEntries | null; tx: RingEntries | null } | null;
}

/** Every ring of a UMEM and the owner of every frame, at one instant. */
export interface UmemReading<Ledger extends LedgerView | null = LedgerView | null> {
  pairs: PairReading[];
  sockets: SocketReading[];
  /** The frames the reading names (entries map to frames below it); 0 when the source's frames are unknown. */
  frameCount: number;
  /** null when the source has no application side to derive owners from. */
  ledger: Ledger;
  /** False when no quiet moment came within the budget; the owners may then be off by a batch. */
  consistent: boolean;
}

/**
 * How long an asynchronous read waits for the data plane to reach a quiet
 * moment. A batch takes microseconds, but on two busy cores the worker can be
 * preempted mid-batch for tens of milliseconds (two readings in 300 found no
 * quiet moment within 20 ms under l2fwd); waiting costs no thread, so the
 * budget only bounds a worker that died mid-batch (one left down for good
 * says so: UmemControl.LEFT_DOWN).
 */
const QUIET_BUDGET_MS = 1000;
/** How long one asynchronous wait lasts before the generation is looked at again. */
const WAIT_SLICE_MS = 50;
/** A synchronous read blocks its thread while it waits: a short budget, then an inconsistent reading. */
const NOW_BUDGET_MS = 20;
/** How long a synchronous read sleeps while the worker is mid-batch, rather than spin against it for the core. */
const MID_BATCH_WAIT_MS = 0.05;

/**
 * The one reader of a UMEM's rings and ledger, for snapshots, socket detail,
 * metrics and the benchmark alike.
 *
 * Against the data plane it is a seqlock: the worker keeps
 * UmemControl.GENERATION odd while a ring and the ledger disagree, and a
 * reading counts only if the generation was even and unchanged across it.
 * Against the kernel, which no lock stops, it is an order: the words the
 * kernel writes are read producers first (RX, COMPLETION), consumers after
 * (FILL, TX), so a frame the kernel moves meanwhile is missed in a ring,
 * never counted in two (xsk/ledger.ts derives owners on that promise).
 *
 * Without entries, a reading is reused while nothing moved: the worker's
 * generation and every word the kernel writes are as they were.
 */
export class UmemObserver<S extends ObservationSource = ObservationSource> {
  private last: { key: number[]; reading: UmemReading<LedgerOf<S>> } | null = null;

  constructor(readonly source: S) {}

  /** Forgets the reading kept for reuse: the set of rings changed. */
  forget(): void {
    this.last = null;
  }

  /** A consistent reading, waiting without blocking the thread while the data plane is mid-batch. */
  async read(options: { entries: boolean }): Promise<UmemReading<LedgerOf<S>>> {
    const deadline = performance.now() + QUIET_BUDGET_MS;
    for (;;) {
      const outOfTime = performance.now() > deadline;
      const reading = this.attempt(options.entries, outOfTime);
      if (reading) return reading;
      await untilQuiet(this.source.application as ApplicationSide, deadline);
    }
  }

  /** A reading now, for callers that cannot wait: it blocks at most NOW_BUDGET_MS, then may be inconsistent. */
  readNow(options: { entries: boolean }): UmemReading<LedgerOf<S>> {
    const deadline = performance.now() + NOW_BUDGET_MS;
    for (;;) {
      const outOfTime = performance.now() > deadline;
      const reading = this.attempt(options.entries, outOfTime);
      if (reading) return reading;
      const control = (this.source.application as ApplicationSide).control;
      const generation = Atomics.load(control, UmemControl.GENERATION);
      if (generation & 1) Atomics.wait(control, UmemControl.GENERATION, generation, MID_BATCH_WAIT_MS);
    }
  }

  /** One pass of the seqlock: a reading, or null when the data plane moved and `settle` does not ask for one anyway. */
  private attempt(withEntries: boolean, settle: boolean): UmemReading<LedgerOf<S>> | null {
    const rings = this.source.rings();
    const frames = this.source.frames();
    const app = this.source.application;
    if (!app) {
      const reading: UmemReading<null> = {
        ...readRings(rings, frames, withEntries),
        ledger: null,
        consistent: true,
      };
      return reading as UmemReading<LedgerOf<S>>;
    }
    const before = Atomics.load(app.control, UmemControl.GENERATION);
    // A worker left down never closes the window it was in: the reading is what there is.
    const settling = settle || Atomics.load(app.control, UmemControl.LEFT_DOWN) === 1;
    if (before & 1 && !settling) return null;
    const key = changeKey(before, rings);
    const last = this.last;
    if (!withEntries && last && sameKey(last.key, key)) return last.reading;
    const read = readRings(rings, frames, withEntries);
    const appStates = app.ledger.slice();
    const consistent = !(before & 1) && Atomics.load(app.control, UmemControl.GENERATION) === before;
    if (!consistent && !settling) return null;
    const ledger = deriveOwners({
      appStates,
      pairs: read.pairs.map((pair) => ({
        slot: pair.slot,
        fill: { frames: pair.frames.fill },
        completion: { frames: pair.frames.completion },
      })),
      lanes: read.sockets.map((socket) => ({
        slot: socket.slot,
        pair: socket.pair,
        rx: socket.frames.rx ? { frames: socket.frames.rx } : null,
        tx: socket.frames.tx ? { frames: socket.frames.tx } : null,
      })),
    });
    const reading = { ...read, ledger, consistent } as UmemReading<LedgerOf<S>>;
    if (!withEntries) this.last = consistent ? { key, reading } : null;
    return reading;
  }
}

/**
 * Atomics.waitAsync is in Node since 16 and in ES2024; the project's
 * TypeScript lib is ES2023, which does not declare it.
 */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

/**
 * Waits until the worker's generation is even, or a slice of the budget has
 * passed. The worker notifies only while a reader says it waits, so the data
 * path pays one load per batch otherwise.
 */
async function untilQuiet(app: ApplicationSide, deadline: number): Promise<void> {
  const { control } = app;
  Atomics.add(control, UmemControl.READERS_WAITING, 1);
  try {
    const generation = Atomics.load(control, UmemControl.GENERATION);
    const timeout = Math.max(0, Math.min(WAIT_SLICE_MS, deadline - performance.now()));
    if (generation & 1) {
      const wait = waitAsync(control, UmemControl.GENERATION, generation, timeout);
      if (wait.async) await wait.value;
    } else {
      // Quiet again already (a whole batch ran during the read): let the event loop breathe before the next try.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    Atomics.sub(control, UmemControl.READERS_WAITING, 1);
  }
}

/** The worker's generation and the words the kernel writes: while all are the same, so is every owner. */
function changeKey(generation: number, rings: SourceRings): number[] {
  const key = [generation];
  for (const pair of rings.pairs)
    key.push(Atomics.load(pair.fill.consumer, 0), Atomics.load(pair.completion.producer, 0));
  for (const socket of rings.sockets) {
    key.push(
      socket.rx ? Atomics.load(socket.rx.producer, 0) : -1,
      socket.tx ? Atomics.load(socket.tx.consumer, 0) : -1,
    );
  }
  return key;
}

function sameKey(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

const NO_FRAMES = new Int32Array(0);

/** Every ring once, kernel-written producers (RX, COMPLETION) before kernel-written consumers (FILL, TX). */
function readRings(
  rings: SourceRings,
  umemFrames: UmemFrames | null,
  withEntries: boolean,
): Pick<UmemReading, 'pairs' | 'sockets' | 'frameCount'> {
  const { pairs, sockets } = rings;
  const rx = sockets.map((socket) => (socket.rx ? observeRing(socket.rx, 'consumer') : null));
  const completion = pairs.map((pair) => observeRing(pair.completion, 'consumer'));
  const fill = pairs.map((pair) => observeRing(pair.fill, 'producer'));
  const tx = sockets.map((socket) => (socket.tx ? observeRing(socket.tx, 'producer') : null));
  const frameCount = umemFrames?.count ?? 0;
  // With no frame to name, an entry's frame would be made up: the rings' states and entries are all there is.
  const framesOf = (memory: RingMemory, state: RingState, kind: 'address' | 'descriptor') =>
    umemFrames && frameCount > 0
      ? readRingFrames(memory, state.consumer, state.producer, kind, umemFrames.chunkSize)
      : NO_FRAMES;
  const entriesOf = (memory: RingMemory | null, state: RingState | null, kind: 'address' | 'descriptor') =>
    memory && state ? readRingEntries(memory, state.consumer, state.producer, kind) : null;
  return {
    frameCount,
    pairs: pairs.map((pair, i) => {
      const f = fill[i] as RingState;
      const c = completion[i] as RingState;
      return {
        slot: pair.slot,
        states: { fill: f, completion: c },
        frames: { fill: framesOf(pair.fill, f, 'address'), completion: framesOf(pair.completion, c, 'address') },
        entries: withEntries
          ? {
              fill: readRingEntries(pair.fill, f.consumer, f.producer, 'address'),
              completion: readRingEntries(pair.completion, c.consumer, c.producer, 'address'),
            }
          : null,
      };
    }),
    sockets: sockets.map((socket, i) => {
      const r = rx[i] ?? null;
      const t = tx[i] ?? null;
      return {
        socketId: socket.socketId,
        slot: socket.slot,
        pair: socket.pair,
        states: { rx: r, tx: t },
        frames: {
          rx: socket.rx && r ? framesOf(socket.rx, r, 'descriptor') : null,
          tx: socket.tx && t ? framesOf(socket.tx, t, 'descriptor') : null,
        },
        entries: withEntries
          ? { rx: entriesOf(socket.rx, r, 'descriptor'), tx: entriesOf(socket.tx, t, 'descriptor') }
          : null,
      };
    }),
  };
}
