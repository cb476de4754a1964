import { counterDelta, type FrameOwner, type SocketSample, type XdpStatistics } from '@ringside/shared';
import type { AttachedParts } from '../observe/attached-umem.ts';

/** One reading of an attached socket: what the kernel shares of it, nothing of its application. */
export interface AttachedReading {
  parts: AttachedParts;
  stats: XdpStatistics;
  /** The UMEM's frames, where known; 0 when no frame can be named. */
  frameCount: number;
}

/** Producers kept from the previous reading, for the rates. */
export interface AttachedProducers {
  rx: number | null;
  completion: number | null;
}

export function producersOf(parts: AttachedParts): AttachedProducers {
  return { rx: parts.states.rx?.producer ?? null, completion: parts.states.completion?.producer ?? null };
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
  const { states } = reading.parts;
  return {
    socketId,
    rings: states,
    stats: reading.stats,
    totals: null,
    rates: {
      rxPps: perSecond(before?.rx ?? null, states.rx?.producer ?? null, seconds),
      rxBps: null,
      txPps: perSecond(before?.completion ?? null, states.completion?.producer ?? null, seconds),
      txBps: null,
    },
    // No seqlock guards another process's rings: each word is read once, producer before consumer,
    // which can only under-count a ring, so the reading stands as it is.
    ledger: { counts, consumerLag: { fill: 0, tx: 0 }, violations: [], consistent: true },
    pausedStages: [],
  };
}
