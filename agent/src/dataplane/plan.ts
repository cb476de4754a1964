import type { RingLayout } from '../native/libxdp.ts';
import type { SharedBlocks } from './control.ts';
import type { UdpFrameSpec } from './frames.ts';
import type { Workload } from './pipeline.ts';

/**
 * Everything a data-plane worker needs, as plain data that crosses the thread
 * boundary: ring and UMEM addresses are numbers, valid for the whole process.
 */
export interface DataplanePlan {
  workload: Workload;
  umem: { address: number; length: number; frameSize: number; frameCount: number };
  fill: RingLayout;
  completion: RingLayout;
  socket: { fd: number; rx: RingLayout | null; tx: RingLayout | null; needWakeup: boolean };
  batchSize: number;
  blocks: SharedBlocks;
  /** The frame a txonly workload sends (its length comes from the control block). */
  frame: Omit<UdpFrameSpec, 'length'> | null;
}
