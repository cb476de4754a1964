import type { Workload } from '@ringside/shared';
import type { RingLayout } from '../native/libxdp.ts';
import type { LaneBlocks, UmemBlocks } from './control.ts';
import type { UdpFrameTemplate } from './frames.ts';

/** A FILL/COMPLETION pair, with the SharedArrayBuffer that holds its cached ring words. */
export interface PairPlan {
  slot: number;
  fill: RingLayout;
  completion: RingLayout;
  ringCaches: SharedArrayBuffer;
}

/** One socket on the UMEM. */
export interface LanePlan {
  slot: number;
  pair: number;
  workload: Workload;
  fd: number;
  rx: RingLayout | null;
  tx: RingLayout | null;
  needWakeup: boolean;
  /** The socket busy polls: the worker drives its NAPI instance with a syscall every round. */
  busyPoll: boolean;
  batchSize: number;
  blocks: LaneBlocks;
  /** The frame a txonly workload sends (its length comes from the control block). */
  frame: UdpFrameTemplate | null;
}

/**
 * Everything a data-plane worker needs, as plain data that crosses the thread
 * boundary: ring and UMEM addresses are numbers, valid for the whole process.
 */
export interface DataplanePlan {
  umem: { address: number; length: number; frameSize: number; frameCount: number; txMetadataLength: number };
  blocks: UmemBlocks;
  pairs: PairPlan[];
  lanes: LanePlan[];
}
