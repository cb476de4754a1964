import type { AgentProfile } from './agent-bench.ts';
import type { BusyPollProfile } from './busy-poll-bench.ts';
import type { DataplaneProfile } from './dataplane.ts';
import type { MultiBufferProfile } from './multibuffer-bench.ts';
import type { SnapshotBuildProfile } from './snapshot-build.ts';
import type { UiProfile } from './ui-frames.ts';

export interface BenchProfile {
  dataplane: DataplaneProfile;
  snapshotBuild: SnapshotBuildProfile;
  agent: AgentProfile;
  ui: UiProfile;
  /** Times `--help` is run with nothing installed. */
  cliHelpRuns: number;
  busyPoll: BusyPollProfile;
  multiBuffer: MultiBufferProfile;
}

/**
 * The fixed offered load sits well under every capacity seen on the 2-core
 * test machine (l2fwd, the slowest, carries ~0.25 Mpps there): a drop at it is
 * the implementation's, not the machine's.
 */
const FIXED_LOAD_PPS = 100_000;

export const PROFILES: Record<'full' | 'quick', BenchProfile> = {
  full: {
    // Ten rounds, not six: on this 2-core machine single runs of one code scatter by 10 % and more, twice the 5 %
    // margin the ratios are judged by; the median of ten narrows what one run can make of that.
    dataplane: { rounds: 10, fixedRounds: 2, warmupMs: 750, windowMs: 2000, fixedLoadPps: FIXED_LOAD_PPS },
    snapshotBuild: { samples: 120, frameCount: 4096, distinctSockets: 64 },
    agent: { overheadRounds: 10, overheadWindowMs: 2500, bytesWindowMs: 3000, soakMs: 600_000 },
    ui: { measureMs: 5000 },
    cliHelpRuns: 10,
    busyPoll: { frames: 50_000, ratePps: 20_000 },
    multiBuffer: { rounds: 10, warmupMs: 750, windowMs: 2000 },
  },
  // Under 90 s in all, setup included: fewer and shorter rounds, the same measurements.
  quick: {
    dataplane: { rounds: 2, fixedRounds: 1, warmupMs: 250, windowMs: 500, fixedLoadPps: FIXED_LOAD_PPS },
    snapshotBuild: { samples: 30, frameCount: 4096, distinctSockets: 4 },
    agent: { overheadRounds: 2, overheadWindowMs: 1000, bytesWindowMs: 1500, soakMs: 5000 },
    ui: { measureMs: 2000 },
    cliHelpRuns: 3,
    busyPoll: { frames: 10_000, ratePps: 20_000 },
    multiBuffer: { rounds: 2, warmupMs: 250, windowMs: 500 },
  },
};
