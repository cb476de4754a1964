import type { RingMemory } from '../xsk/ring.ts';

/** A UMEM's frames: how many, and the bytes of each (an address's frame is the address over chunkSize). */
export interface UmemFrames {
  count: number;
  chunkSize: number;
}

/** A FILL/COMPLETION pair: one per (netdev, queue) a UMEM is bound to. */
export interface SourcePair {
  slot: number;
  fill: RingMemory;
  completion: RingMemory;
}

/** A socket on the UMEM, on the pair of its (netdev, queue); null rings are the ones it was made without. */
export interface SourceSocket {
  socketId: string;
  slot: number;
  pair: number;
  rx: RingMemory | null;
  tx: RingMemory | null;
}

export interface SourceRings {
  pairs: readonly SourcePair[];
  sockets: readonly SourceSocket[];
}

/**
 * The application's side of frame ownership, where a data plane publishes it:
 * one ledger byte per frame (xsk/ledger.ts) and the seqlock that makes it
 * agree with the rings (dataplane/control.ts, UmemControl).
 */
export interface ApplicationSide {
  ledger: Uint8Array;
  control: Int32Array;
}

/**
 * Where observations come from: one UMEM's rings, and the application side
 * of its ledger when it can be seen. Ringside's own UMEMs have it (their
 * worker writes it to shared memory); another process's socket, mapped
 * read-only, has rings only (`application: null`), and its readings then
 * carry no frame owners.
 */
export interface ObservationSource {
  readonly id: string;
  /** Its frames as known now; null while unknown (another process's UMEM nothing told of), and then no frame is named. */
  frames(): UmemFrames | null;
  readonly application: ApplicationSide | null;
  /** The rings as they are now (sockets join and leave); throws once the memory behind them is gone. */
  rings(): SourceRings;
}
