import { emptyOwnerCounts, FRAME_OWNERS, type FrameOwner, type OwnerCounts } from '@ringside/shared';

/**
 * The UMEM ownership ledger. The application's side is one byte per frame,
 * written by the data-plane thread at each hand-over it makes; the kernel's
 * side is derived at sampling time from the ring indices and the ring
 * contents. Together they give every frame exactly one owner.
 */
export const AppState = {
  /** In the application's free pool. */
  FREE: 0,
  /** Written to FILL: in FILL, held by the kernel for RX, or in RX. */
  GIVEN_TO_FILL: 1,
  /** Taken from RX and not yet handed on. */
  PROCESSING: 2,
  /** Written to TX: in TX, held by the kernel for TX, or in COMPLETION. */
  GIVEN_TO_TX: 3,
} as const;

/**
 * A ledger byte is an AppState in its low two bits and, above them, the slot
 * of the ring holder the frame went to: the FILL/COMPLETION pair for
 * GIVEN_TO_FILL, the socket (lane) for PROCESSING and GIVEN_TO_TX. With a
 * UMEM shared by several sockets that says which of them holds a frame the
 * kernel has, which no ring shows.
 */
export const MAX_HOLDERS = 64;

export function ledgerByte(state: number, holder: number): number {
  return state | (holder << 2);
}

export function appStateOf(byte: number): number {
  return byte & 3;
}

export function holderOf(byte: number): number {
  return byte >> 2;
}

const OWNER_CODE = Object.fromEntries(FRAME_OWNERS.map((owner, code) => [owner, code])) as Record<FrameOwner, number>;
const UNSEEN = 255;
/** The holder of a free frame: the application as a whole, no one ring. */
export const NO_HOLDER = 255;

/** Frame indices found in one ring between its consumer and producer, oldest first. */
export interface RingContents {
  frames: ArrayLike<number>;
}

/** A FILL/COMPLETION pair: one per (netdev, queue) a UMEM is bound to. */
export interface PairContents {
  slot: number;
  fill: RingContents;
  completion: RingContents;
}

/** A socket on the UMEM, on the pair of its (netdev, queue). */
export interface LaneContents {
  slot: number;
  pair: number;
  rx: RingContents | null;
  tx: RingContents | null;
}

export interface LedgerInput {
  appStates: Uint8Array;
  pairs: readonly PairContents[];
  lanes: readonly LaneContents[];
}

export interface LedgerView {
  /** Owner code (index into FRAME_OWNERS) of each frame. */
  owners: Uint8Array;
  /** The pair (fill, kernel-rx, completion) or lane (rx, app, tx, kernel-tx) holding each frame; NO_HOLDER when free. */
  holders: Uint8Array;
  counts: OwnerCounts;
  /**
   * Frames the kernel already passed on (into RX, into COMPLETION) while its
   * consumer word of the ring they came from (FILL, TX) still lists them: the
   * kernel publishes that consumer after the batch. They count once, downstream.
   */
  consumerLag: { fill: number; tx: number };
  /** Frames that break the rules: in two rings at once, or in a ring the application did not give them to. */
  violations: string[];
}

type RingName = 'fill' | 'rx' | 'tx' | 'completion';

const EXPECTED_APP_STATE: Record<RingName, number> = {
  fill: AppState.GIVEN_TO_FILL,
  rx: AppState.GIVEN_TO_FILL,
  tx: AppState.GIVEN_TO_TX,
  completion: AppState.GIVEN_TO_TX,
};

/**
 * Gives every frame one owner and one holder. A frame the application gave
 * to a FILL ring and that is in neither that FILL nor an RX ring of its pair
 * is held by the kernel; likewise for TX and COMPLETION. The caller reads the
 * kernel's producer words (RX, COMPLETION) before the kernel's consumer words
 * (FILL, TX), so a frame moving meanwhile can only be under-counted in a
 * ring, never counted in two.
 */
export function deriveOwners(input: LedgerInput): LedgerView {
  const frameCount = input.appStates.length;
  const owners = new Uint8Array(frameCount).fill(UNSEEN);
  const holders = new Uint8Array(frameCount).fill(NO_HOLDER);
  const violations: string[] = [];
  const consumerLag = { fill: 0, tx: 0 };
  const pairOfLane = new Map(input.lanes.map((lane) => [lane.slot, lane.pair]));

  /** `holder` is the ring's own pair or lane; `expectedHolder` what the ledger byte should name. */
  const place = (
    ring: RingName,
    contents: RingContents | null,
    holder: number,
    accepts: (named: number) => boolean,
  ) => {
    if (!contents) return;
    for (let i = 0; i < contents.frames.length; i++) {
      const frame = contents.frames[i] as number;
      if (frame < 0 || frame >= frameCount) {
        violations.push(`${ring} holds an address outside the UMEM (frame ${frame})`);
        continue;
      }
      if (owners[frame] !== UNSEEN) {
        const already = FRAME_OWNERS[owners[frame] as number];
        if ((ring === 'fill' && already === 'rx') || (ring === 'tx' && already === 'completion')) consumerLag[ring]++;
        else violations.push(`frame ${frame} is in ${ring} and in ${already} at once`);
        continue;
      }
      const byte = input.appStates[frame] as number;
      if (appStateOf(byte) !== EXPECTED_APP_STATE[ring]) {
        violations.push(`frame ${frame} is in ${ring} but the application last ${describeAppState(byte)}`);
      } else if (!accepts(holderOf(byte))) {
        violations.push(`frame ${frame} is in ${ring} of ${describeHolder(ring, holder)} but was given to another`);
      }
      owners[frame] = OWNER_CODE[ring];
      holders[frame] = holder;
    }
  };
  // Downstream rings first: a frame listed both there and upstream has moved on.
  for (const lane of input.lanes) place('rx', lane.rx, lane.slot, (pair) => pair === lane.pair);
  for (const pair of input.pairs)
    place(
      'completion',
      pair.completion,
      pair.slot,
      (lane) => pairOfLane.get(lane) === pair.slot || !pairOfLane.has(lane),
    );
  for (const pair of input.pairs) place('fill', pair.fill, pair.slot, (named) => named === pair.slot);
  for (const lane of input.lanes) place('tx', lane.tx, lane.slot, (named) => named === lane.slot);

  const counts = emptyOwnerCounts();
  for (let frame = 0; frame < frameCount; frame++) {
    if (owners[frame] === UNSEEN) {
      const byte = input.appStates[frame] as number;
      switch (appStateOf(byte)) {
        case AppState.GIVEN_TO_FILL:
          owners[frame] = OWNER_CODE['kernel-rx'];
          holders[frame] = holderOf(byte);
          break;
        case AppState.GIVEN_TO_TX:
          owners[frame] = OWNER_CODE['kernel-tx'];
          holders[frame] = holderOf(byte);
          break;
        case AppState.PROCESSING:
          owners[frame] = OWNER_CODE.app;
          holders[frame] = holderOf(byte);
          break;
        default:
          owners[frame] = OWNER_CODE.free;
      }
    }
    counts[FRAME_OWNERS[owners[frame] as number] as FrameOwner]++;
  }
  return { owners, holders, counts, consumerLag, violations };
}

const PAIR_OWNERS = new Set<number>([OWNER_CODE.fill, OWNER_CODE['kernel-rx'], OWNER_CODE.completion]);

/**
 * One socket's view of a UMEM it may share: frames in its own RX and TX,
 * in the FILL and COMPLETION of its pair, or free, keep their owner; frames
 * that another socket holds show as `other-socket`.
 */
export function laneView(
  group: LedgerView,
  lane: { slot: number; pair: number },
): { owners: Uint8Array; counts: OwnerCounts } {
  const owners = new Uint8Array(group.owners.length);
  const counts = emptyOwnerCounts();
  const other = OWNER_CODE['other-socket'];
  for (let frame = 0; frame < owners.length; frame++) {
    const owner = group.owners[frame] as number;
    const holder = group.holders[frame] as number;
    const mine = owner === OWNER_CODE.free || holder === (PAIR_OWNERS.has(owner) ? lane.pair : lane.slot);
    const shown = mine ? owner : other;
    owners[frame] = shown;
    counts[FRAME_OWNERS[shown] as FrameOwner]++;
  }
  return { owners, counts };
}

function describeHolder(ring: RingName, holder: number): string {
  return ring === 'fill' || ring === 'completion' ? `pair ${holder}` : `socket lane ${holder}`;
}

function describeAppState(byte: number): string {
  switch (appStateOf(byte)) {
    case AppState.GIVEN_TO_FILL:
      return 'gave it to FILL';
    case AppState.GIVEN_TO_TX:
      return 'gave it to TX';
    case AppState.PROCESSING:
      return 'took it to process';
    default:
      return 'kept it free';
  }
}
