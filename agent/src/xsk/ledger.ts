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

const OWNER_CODE = Object.fromEntries(FRAME_OWNERS.map((owner, code) => [owner, code])) as Record<FrameOwner, number>;
const UNSEEN = 255;

/** Frame indices found in one ring between its consumer and producer, oldest first. */
export interface RingContents {
  frames: ArrayLike<number>;
}

export interface LedgerInput {
  appStates: Uint8Array;
  fill: RingContents;
  rx: RingContents | null;
  tx: RingContents | null;
  completion: RingContents;
}

export interface LedgerView {
  /** Owner code (index into FRAME_OWNERS) of each frame. */
  owners: Uint8Array;
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

const EXPECTED_APP_STATE: Record<'fill' | 'rx' | 'tx' | 'completion', number> = {
  fill: AppState.GIVEN_TO_FILL,
  rx: AppState.GIVEN_TO_FILL,
  tx: AppState.GIVEN_TO_TX,
  completion: AppState.GIVEN_TO_TX,
};

/**
 * Gives every frame one owner. A frame the application gave to FILL and that
 * is in neither FILL nor RX is held by the kernel; likewise for TX and
 * COMPLETION. The caller reads the kernel's producer words (RX, COMPLETION)
 * before the kernel's consumer words (FILL, TX), so a frame moving meanwhile
 * can only be under-counted in a ring, never counted in two.
 */
export function deriveOwners(input: LedgerInput): LedgerView {
  const frameCount = input.appStates.length;
  const owners = new Uint8Array(frameCount).fill(UNSEEN);
  const violations: string[] = [];

  const consumerLag = { fill: 0, tx: 0 };
  const place = (ring: 'fill' | 'rx' | 'tx' | 'completion', contents: RingContents | null) => {
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
      if (input.appStates[frame] !== EXPECTED_APP_STATE[ring]) {
        violations.push(
          `frame ${frame} is in ${ring} but the application last ${describeAppState(input.appStates[frame] as number)}`,
        );
      }
      owners[frame] = OWNER_CODE[ring];
    }
  };
  // Downstream rings first: a frame listed both there and upstream has moved on.
  place('rx', input.rx);
  place('completion', input.completion);
  place('fill', input.fill);
  place('tx', input.tx);

  const counts = emptyOwnerCounts();
  for (let frame = 0; frame < frameCount; frame++) {
    if (owners[frame] === UNSEEN) {
      switch (input.appStates[frame]) {
        case AppState.GIVEN_TO_FILL:
          owners[frame] = OWNER_CODE['kernel-rx'];
          break;
        case AppState.GIVEN_TO_TX:
          owners[frame] = OWNER_CODE['kernel-tx'];
          break;
        case AppState.PROCESSING:
          owners[frame] = OWNER_CODE.app;
          break;
        default:
          owners[frame] = OWNER_CODE.free;
      }
    }
    counts[FRAME_OWNERS[owners[frame] as number] as FrameOwner]++;
  }
  return { owners, counts, consumerLag, violations };
}

function describeAppState(state: number): string {
  switch (state) {
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
