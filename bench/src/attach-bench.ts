import { readdirSync } from 'node:fs';
import { AttachWatch } from '../../agent/src/attach/attach-watch.ts';
import { AttachedXsk } from '../../agent/src/attach/attached-xsk.ts';
import { discoverXsks } from '../../agent/src/attach/discovery.ts';
import { AttachedSocket, attachedSocketId } from '../../agent/src/attached-sockets.ts';
import { XskOwner } from '../../agent/test/xsk-owner.ts';
import { MAX_RATE_PPS } from '../../shared/src/index.ts';
import { withLab } from './lab-session.ts';
import { median, percentile } from './stats.ts';

/**
 * What attaching costs: the foreign receiver's rate (bench/native/xsk-owner.c,
 * rxdrop, fed by the lab source flat out) with Ringside attached and reading
 * its rings, counters and ring entries at 60 Hz, against the same receiver
 * unattached, alternating (U A A U ...); how soon a new XSK shows in an
 * AttachWatch after its bind; and what one host-wide discovery call costs.
 */

export interface AttachProfile {
  /** Pairs of windows, one unattached and one attached. */
  rounds: number;
  warmupMs: number;
  windowMs: number;
  discoveryTrials: number;
  scanSamples: number;
}

export const ATTACH_PROFILES: Record<'full' | 'quick', AttachProfile> = {
  full: { rounds: 6, warmupMs: 500, windowMs: 2000, discoveryTrials: 20, scanSamples: 40 },
  quick: { rounds: 2, warmupMs: 250, windowMs: 750, discoveryTrials: 5, scanSamples: 10 },
};

export interface AttachResult {
  /** Median over pairs of (1 - attached rate / unattached rate), in percent. */
  attach_overhead_pct: number;
  attach_rxdrop_mpps: { unattached: number; attached: number };
  /** From the owner's bind (its ready line) to the AttachWatch's 'added'. */
  attach_discovery_ms: { p50: number; p99: number; trials: number };
  /** One discovery call over every process of the host, once every socket is known. */
  attach_scan_ms: { p50: number; p99: number; processes: number; fds: number };
}

/** A snapshot's worth of reading, as often as a page asks: the rings, the counters and every entry. */
const READ_HZ = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 5 ms; a discovery that never comes fails the run rather than hanging it. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function receivedPerSecond(owner: XskOwner, profile: AttachProfile): Promise<number> {
  await sleep(profile.warmupMs);
  const [before] = await owner.report();
  const started = performance.now();
  await sleep(profile.windowMs);
  const [after] = await owner.report();
  const seconds = (performance.now() - started) / 1000;
  if (!before || !after) throw new Error('xsk-owner reported no socket');
  return (after.rx_frames - before.rx_frames) / seconds;
}

async function overhead(profile: AttachProfile, log: (line: string) => void) {
  return withLab({ queues: 1, ratePps: MAX_RATE_PPS, frameLength: 64, sourcePaused: false }, async ({ lab }) => {
    const owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    try {
      const fd = owner.fds[0] as number;
      const pairs: { unattached: number; attached: number }[] = [];
      for (let round = 0; round < profile.rounds; round++) {
        const order = round % 2 === 0 ? (['unattached', 'attached'] as const) : (['attached', 'unattached'] as const);
        const pair = { unattached: 0, attached: 0 };
        for (const state of order) {
          if (state === 'unattached') {
            pair.unattached = await receivedPerSecond(owner, profile);
            continue;
          }
          const attached = AttachedXsk.open({ pid: owner.pid, fd });
          const socket = new AttachedSocket(attachedSocketId(owner.pid, fd), attached);
          const reader = setInterval(() => socket.detail('bench'), 1000 / READ_HZ);
          try {
            pair.attached = await receivedPerSecond(owner, profile);
          } finally {
            clearInterval(reader);
            attached.close();
          }
        }
        log(
          `attach: unattached ${(pair.unattached / 1e6).toFixed(3)} Mpps, attached ${(pair.attached / 1e6).toFixed(3)} Mpps`,
        );
        pairs.push(pair);
      }
      return pairs;
    } finally {
      await owner.stop();
    }
  });
}

async function discoveryLatency(profile: AttachProfile): Promise<number[]> {
  return withLab({ queues: 1, ratePps: 1000, frameLength: 64, sourcePaused: true }, async ({ lab }) => {
    const watch = new AttachWatch();
    const added = new Map<number, number>();
    const removed = new Set<number>();
    watch.on('added', (xsk) => added.set(xsk.pid, performance.now()));
    watch.on('removed', (xsk) => removed.add(xsk.pid));
    await watch.start();
    const latencies: number[] = [];
    try {
      for (let trial = 0; trial < profile.discoveryTrials; trial++) {
        const owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
        const boundAt = performance.now();
        try {
          await until(() => added.has(owner.pid), `the watch to report xsk-owner ${owner.pid}`);
          // A scan may catch the socket between its creation and its bind: that counts as no wait at all.
          latencies.push(Math.max(0, (added.get(owner.pid) as number) - boundAt));
        } finally {
          await owner.stop();
        }
        // The next owner binds the same queue: wait until this one is gone from the watch too.
        await until(() => removed.has(owner.pid), `the watch to report xsk-owner ${owner.pid} gone`);
      }
    } finally {
      watch.stop();
    }
    return latencies;
  });
}

async function scanCost(profile: AttachProfile): Promise<AttachResult['attach_scan_ms']> {
  await discoverXsks();
  // Past the settling time in which young sockets are probed again (discovery.ts).
  await sleep(2500);
  await discoverXsks();
  const samples: number[] = [];
  for (let i = 0; i < profile.scanSamples; i++) {
    const started = performance.now();
    await discoverXsks();
    samples.push(performance.now() - started);
    await sleep(50);
  }
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  let fds = 0;
  for (const pid of pids) {
    try {
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // Gone meanwhile.
    }
  }
  return { p50: median(samples), p99: percentile(samples, 99), processes: pids.length, fds };
}

export async function benchAttach(profile: AttachProfile, log: (line: string) => void): Promise<AttachResult> {
  const pairs = await overhead(profile, log);
  const losses = pairs.map((pair) => (1 - pair.attached / pair.unattached) * 100);
  const latencies = await discoveryLatency(profile);
  log(`attach: discovery ${latencies.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  const scan = await scanCost(profile);
  log(
    `attach: one host-wide discovery p50 ${scan.p50.toFixed(1)} ms over ${scan.processes} processes, ${scan.fds} fds`,
  );
  return {
    attach_overhead_pct: median(losses),
    attach_rxdrop_mpps: {
      unattached: median(pairs.map((pair) => pair.unattached)) / 1e6,
      attached: median(pairs.map((pair) => pair.attached)) / 1e6,
    },
    attach_discovery_ms: { p50: median(latencies), p99: percentile(latencies, 99), trials: latencies.length },
    attach_scan_ms: scan,
  };
}
