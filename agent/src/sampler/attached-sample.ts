import {
  counterDelta,
  emptyOwnerCounts,
  FRAME_OWNERS,
  type FrameOwner,
  RING_KINDS,
  type RingEntries,
  type RingKind,
  type RingState,
  ringOccupancy,
  type SocketSample,
  type XdpStatistics,
} from '@ringside/shared';

/** One ring of another process's socket: its shared words only (attach/attached-xsk.ts, ForeignRing). */
export interface ForeignRingWords {
  size: number;
  producer: number;
  consumer: number;
  needWakeup: boolean;
}

/** One reading of an attached socket: what the kernel shares of it, nothing of its application. */
export interface AttachedReading {
  rings: Record<RingKind, ForeignRingWords | null>;
  stats: XdpStatistics;
  /** Every entry of each ring, when the UMEM's frames are known well enough to name the frame of an entry. */
  entries: Record<RingKind, RingEntries | null> | null;
}

/** The UMEM's frame count and chunk size, where the kernel told them (socket diag); null when unknown. */
export interface UmemFrames {
  count: number;
  chunkSize: number;
}

const CODE = Object.fromEntries(FRAME_OWNERS.map((owner, code) => [owner, code])) as Record<FrameOwner, number>;

/** The shared words as a RingState: the cached indices are the owner's private memory, unknown here. */
export function foreignRingState(ring: ForeignRingWords): RingState;
export function foreignRingState(ring: ForeignRingWords | null): RingState | null;
export function foreignRingState(ring: ForeignRingWords | null): RingState | null {
  return ring && { ...ring, cachedProducer: null, cachedConsumer: null };
}

/**
 * The kernel's side of an attached socket's frame ownership, from its rings:
 * the frames in FILL, RX, TX and COMPLETION; every other frame is held by the
 * application (Ringside cannot tell free from being processed there). With
 * the UMEM's frames known and the entries read, each frame gets its owner;
 * otherwise only the rings' counts are known and no frame has an owner.
 */
export function attachedLedger(
  reading: AttachedReading,
  frames: UmemFrames | null,
): { owners: Uint8Array; counts: Record<FrameOwner, number> } {
  const counts = emptyOwnerCounts();
  if (frames === null || reading.entries === null) {
    for (const kind of RING_KINDS) {
      const ring = reading.rings[kind];
      if (ring) counts[kind] = Math.min(ringOccupancy(ring), ring.size);
    }
    return { owners: new Uint8Array(0), counts };
  }
  const owners = new Uint8Array(frames.count).fill(CODE['application-held']);
  for (const kind of RING_KINDS) {
    for (const address of reading.entries[kind]?.addresses ?? []) {
      const frame = Math.floor(address / frames.chunkSize);
      if (frame < frames.count) owners[frame] = CODE[kind];
    }
  }
  for (const code of owners) counts[FRAME_OWNERS[code] as FrameOwner]++;
  return { owners, counts };
}

/** Producers kept from the previous reading, for the rates. */
export interface AttachedProducers {
  rx: number | null;
  completion: number | null;
}

export function producersOf(reading: AttachedReading): AttachedProducers {
  return { rx: reading.rings.rx?.producer ?? null, completion: reading.rings.completion?.producer ?? null };
}

function perSecond(before: number | null, after: number | null, seconds: number): number {
  return before === null || after === null || seconds <= 0 ? 0 : counterDelta(before, after) / seconds;
}

/**
 * An attached socket's sample. Its rates come from the producers the kernel
 * moves: frames received from RX's, frames sent from COMPLETION's (a frame
 * sent comes back there); their bytes are in descriptors Ringside does not
 * read each tick, so the byte rates are unknown, as are the application's
 * totals and paused stages.
 */
export function attachedSample(
  socketId: string,
  reading: AttachedReading,
  counts: Record<FrameOwner, number>,
  before: AttachedProducers | null,
  seconds: number,
): SocketSample {
  const { rings } = reading;
  return {
    socketId,
    rings: {
      fill: foreignRingState(rings.fill),
      rx: foreignRingState(rings.rx),
      tx: foreignRingState(rings.tx),
      completion: foreignRingState(rings.completion),
    },
    stats: reading.stats,
    totals: null,
    rates: {
      rxPps: perSecond(before?.rx ?? null, rings.rx?.producer ?? null, seconds),
      rxBps: null,
      txPps: perSecond(before?.completion ?? null, rings.completion?.producer ?? null, seconds),
      txBps: null,
    },
    // No seqlock guards another process's rings: each word is read once, producer before consumer,
    // which can only under-count a ring, so the reading stands as it is.
    ledger: { counts, consumerLag: { fill: 0, tx: 0 }, violations: [], consistent: true },
    pausedStages: [],
  };
}
