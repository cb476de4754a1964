import {
  emptyOwnerCounts,
  FRAME_OWNERS,
  type FrameOwner,
  RING_KINDS,
  type RingKind,
  type RingState,
  ringOccupancy,
} from '@ringside/shared';
import type { RingMemory } from '../xsk/ring.ts';
import type { RingEntries } from './ring-observer.ts';
import type { ObservationSource, SourceRings, UmemFrames } from './source.ts';
import type { UmemReading } from './umem-observer.ts';

/** One ring of another process's socket, mapped read-only. */
export interface AttachedRing {
  memory: RingMemory;
  /** False when the mapping's length fits several ring sizes: `memory.size` is then the largest, and no slot can be named. */
  exact: boolean;
}

export type AttachedRings = Record<RingKind, AttachedRing | null>;

/** The one slot an attached socket and its FILL/COMPLETION pair take in its source. */
const SLOT = 0;
const NO_ENTRIES = new Uint32Array(0);

/**
 * Another process's XSK as an observation source: its four rings, mapped
 * read-only, and no application side (the owner's ledger is its private
 * memory), so the one reader (UmemObserver) reads it as it reads Ringside's
 * own UMEMs, without the seqlock and without owners.
 *
 * A ring's slots are given only where its size is exact: the ring index
 * modulo a guessed size names the wrong slot. A socket sharing its queue's FILL and COMPLETION with
 * another has no pair of its own: the source then has none.
 */
export class AttachedUmemSource implements ObservationSource {
  readonly application = null;

  constructor(
    readonly id: string,
    /** Throws once the socket was let go: its pages are unmapped then. */
    private readonly current: () => AttachedRings,
    /** Where the kernel told them or the rings' contents show them. */
    readonly frames: () => UmemFrames | null,
  ) {}

  rings(): SourceRings {
    const rings = this.current();
    const memory = (ring: AttachedRing | null): RingMemory | null =>
      ring && (ring.exact ? ring.memory : { ...ring.memory, entries: NO_ENTRIES });
    const fill = memory(rings.fill);
    const completion = memory(rings.completion);
    return {
      pairs: fill && completion ? [{ slot: SLOT, fill, completion }] : [],
      sockets: [{ socketId: this.id, slot: SLOT, pair: SLOT, rx: memory(rings.rx), tx: memory(rings.tx) }],
    };
  }
}

/** A reading of an attached socket's source, ring by ring. */
export interface AttachedParts {
  states: Record<RingKind, RingState | null>;
  frames: Record<RingKind, Int32Array | null>;
  entries: Record<RingKind, RingEntries | null> | null;
}

export function attachedParts(reading: UmemReading): AttachedParts {
  const pair = reading.pairs[0];
  const socket = reading.sockets[0];
  if (!socket) throw new Error('an attached source has one socket');
  // The cached indices are the owner's private memory: unknown, not the zeros of our stand-in.
  const foreign = (state: RingState | null | undefined): RingState | null =>
    state ? { ...state, cachedProducer: null, cachedConsumer: null } : null;
  return {
    states: {
      fill: foreign(pair?.states.fill),
      rx: foreign(socket.states.rx),
      tx: foreign(socket.states.tx),
      completion: foreign(pair?.states.completion),
    },
    frames: {
      fill: pair?.frames.fill ?? null,
      rx: socket.frames.rx,
      tx: socket.frames.tx,
      completion: pair?.frames.completion ?? null,
    },
    entries: socket.entries && {
      fill: pair?.entries?.fill ?? null,
      rx: socket.entries.rx,
      tx: socket.entries.tx,
      completion: pair?.entries?.completion ?? null,
    },
  };
}

const CODE = Object.fromEntries(FRAME_OWNERS.map((owner, code) => [owner, code])) as Record<FrameOwner, number>;

/**
 * The kernel's side of an attached socket's frame ownership: the frames in
 * FILL, RX, TX and COMPLETION; every other frame is held by the application
 * (Ringside cannot tell free from being processed there). With the UMEM's
 * frames unknown (`frameCount` 0) only the rings' counts are known and no
 * frame has an owner.
 */
export function attachedOwners(
  parts: AttachedParts,
  frameCount: number,
): { owners: Uint8Array; counts: Record<FrameOwner, number> } {
  const counts = emptyOwnerCounts();
  if (frameCount === 0) {
    for (const kind of RING_KINDS) {
      const state = parts.states[kind];
      if (state) counts[kind] = Math.min(ringOccupancy(state), state.size);
    }
    return { owners: new Uint8Array(0), counts };
  }
  const owners = new Uint8Array(frameCount).fill(CODE['application-held']);
  for (const kind of RING_KINDS) {
    for (const frame of parts.frames[kind] ?? []) if (frame < frameCount) owners[frame] = CODE[kind];
  }
  for (const code of owners) counts[FRAME_OWNERS[code] as FrameOwner]++;
  return { owners, counts };
}
