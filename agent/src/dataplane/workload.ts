import type { Handovers, Lane } from './handovers.ts';

/**
 * What a socket does with its frames. The hand-overs are the same for every
 * workload (handovers.ts); a workload decides only where received frames go
 * and what the socket sends.
 */
export interface LaneWorkload {
  /** It uses what it receives: the socket's pair keeps its full share of frames on FILL. */
  readonly wantsReceived: boolean;
  /** Received frames stay with the application to be sent on, rather than go back to the free pool. */
  readonly keepsReceived: boolean;
  /** Hands the lane's TX what it sends this round; returns how many frames. */
  send(handovers: Handovers, lane: Lane): number;
  /** How long an idle worker may sleep before this lane can send again; Infinity when it waits on nothing of its own. */
  sendWaitMs(handovers: Handovers, lane: Lane): number;
}
