import type { ManagedSocket } from '../../agent/src/engine/managed-socket.ts';
import { Sampler } from '../../agent/src/sampler/sampler.ts';
import type { SocketRequest } from '../../shared/src/index.ts';
import { type LabSession, withLab } from './lab-session.ts';
import { median, percentile } from './stats.ts';

/**
 * What one sampler tick costs the agent's main thread for 1, 16 and 64
 * sockets: the sampler reads every socket's rings, ring contents and ledger
 * (Sampler.sample, the agent's own tick, minus encoding and sending), through
 * the same reader as snapshots and scrapes. The time is until the snapshot is
 * built, so it includes any wait for a data plane to finish its batch (the
 * thread is free during that wait).
 *
 * The lab's veth gets one queue per socket (the kernel allows one UMEM per
 * queue): 64 queues, 64 sockets, each on a UMEM of its own. The source sends
 * on queue 0 only; the other sockets are idle but their whole UMEMs are still
 * walked, which is where the cost is.
 */
export const SOCKET_COUNTS = [1, 16, 64] as const;

export interface SnapshotBuildProfile {
  samples: number;
  frameCount: number;
  /**
   * Sockets actually created. Each starts a worker thread, which costs ~0.5 s
   * of CPU here, so a quick run makes a few and samples each several times
   * over to reach 16 and 64: the same reads, on fewer distinct UMEMs (warmer caches).
   */
  distinctSockets: number;
}

function request(session: LabSession, queueId: number, frameCount: number): SocketRequest {
  return {
    umem: { frameCount, frameSize: 2048, headroom: 0, fillSize: 2048, completionSize: 2048, unaligned: false },
    socket: {
      ifname: session.lab.appIfname,
      queueId,
      rxSize: 2048,
      txSize: 0,
      xdpMode: 'drv',
      copy: true,
      zeroCopy: false,
      needWakeup: true,
      batchSize: 64,
    },
    workload: 'rxdrop',
  };
}

/** Sockets start a worker thread each: a few at a time, so 64 come up in seconds rather than a minute. */
async function createSockets(session: LabSession, count: number, frameCount: number): Promise<ManagedSocket[]> {
  const sockets: ManagedSocket[] = [];
  const parallel = 8;
  for (let first = 0; first < count; first += parallel) {
    const queues = Array.from({ length: Math.min(parallel, count - first) }, (_, i) => first + i);
    sockets.push(
      ...(await Promise.all(queues.map((q) => session.engine.create(request(session, q, frameCount), `s${q}`)))),
    );
  }
  return sockets;
}

export interface SnapshotBuildResult {
  /** Median microseconds per Sampler.sample() call, by socket count. */
  medianUs: Record<`sockets_${(typeof SOCKET_COUNTS)[number]}`, number>;
  p99Us: Record<`sockets_${(typeof SOCKET_COUNTS)[number]}`, number>;
  frameCount: number;
  distinctSockets: number;
}

export async function benchSnapshotBuild(profile: SnapshotBuildProfile): Promise<SnapshotBuildResult> {
  const most = Math.max(...SOCKET_COUNTS);
  return withLab(
    { queues: Math.min(most, profile.distinctSockets), ratePps: 100_000, frameLength: 64, sourcePaused: false },
    async (session) => {
      const made = await createSockets(session, Math.min(most, profile.distinctSockets), profile.frameCount);
      const sockets = Array.from({ length: most }, (_, i) => made[i % made.length] as ManagedSocket);
      const medianUs = {} as SnapshotBuildResult['medianUs'];
      const p99Us = {} as SnapshotBuildResult['p99Us'];
      for (const count of SOCKET_COUNTS) {
        const subset = sockets.slice(0, count);
        const sampler = new Sampler(
          () => subset,
          () => session.source,
        );
        const times: number[] = [];
        // The first samples warm the JIT up; the agent samples at most 60 times a second, so do we.
        for (let i = 0; i < profile.samples + 10; i++) {
          const start = performance.now();
          await sampler.sample();
          const elapsed = (performance.now() - start) * 1000;
          if (i >= 10) times.push(elapsed);
          await new Promise((resolve) => setTimeout(resolve, 1000 / 60));
        }
        medianUs[`sockets_${count}`] = median(times);
        p99Us[`sockets_${count}`] = percentile(times, 99);
      }
      return { medianUs, p99Us, frameCount: profile.frameCount, distinctSockets: made.length };
    },
  );
}
