import { readdirSync } from 'node:fs';
import { AttachWatch } from '../../agent/src/attach/attach-watch.ts';
import { discoverXsks } from '../../agent/src/attach/discovery.ts';
import { attachedSocketId } from '../../agent/src/attached-sockets.ts';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { XskOwner } from '../../agent/test/xsk-owner.ts';
import { API_PATHS, MAX_RATE_PPS } from '../../shared/src/index.ts';
import { withLab } from './lab-session.ts';
import { median, percentile } from './stats.ts';
import { Watcher } from './ws-watcher.ts';

/** At nice 19 on busy cores the agent's start can take tens of seconds (agent-bench.ts measured over 15). */
const CREATE_TIMEOUT_MS = 120_000;

/**
 * What attaching costs, on a real agent process started with `--attach PID`:
 * the foreign receiver's rate (bench/native/xsk-owner.c, rxdrop, fed by the
 * lab source flat out) while the agent watches it with 10 clients at 60
 * snapshots/s, against the same receiver detached and unwatched, alternating
 * (U A A U ...); how soon Ringside lets go of a socket whose owner closes it
 * (the owner's rebind succeeds) or is killed (the agent's socket-detached
 * event, and its series leaving /metrics); how soon a new XSK shows in an AttachWatch after its bind; and what
 * one host-wide discovery call costs.
 */

export interface AttachProfile {
  /** Pairs of windows, one unattached and one attached. */
  rounds: number;
  warmupMs: number;
  windowMs: number;
  discoveryTrials: number;
  releaseTrials: number;
  scanSamples: number;
}

export const ATTACH_PROFILES: Record<'full' | 'quick', AttachProfile> = {
  full: { rounds: 6, warmupMs: 500, windowMs: 2000, discoveryTrials: 20, releaseTrials: 10, scanSamples: 40 },
  quick: { rounds: 2, warmupMs: 250, windowMs: 750, discoveryTrials: 5, releaseTrials: 3, scanSamples: 10 },
};

export interface AttachResult {
  /** Median over pairs of (1 - attached rate / unattached rate), in percent. */
  attach_overhead_pct: number;
  attach_rxdrop_mpps: { unattached: number; attached: number };
  /**
   * Ringside letting go. `rebind`: the owner closes its socket and binds its
   * queue again, from its close to the bind the kernel accepts (its own
   * clock; EBUSY while anything holds the old socket), watched and not.
   * `kill`: from the owner's SIGKILL to the agent's socket-detached event;
   * `metrics_gone`: from the same SIGKILL to the first /metrics without the
   * socket's series (polled every 5 ms after each answer).
   */
  attach_release_ms: {
    rebind: { p50: number; p99: number; unattached_p50: number };
    kill: { p50: number; p99: number };
    metrics_gone: { p50: number; p99: number };
    trials: number;
  };
  /** From the owner's bind (its ready line) to the AttachWatch's 'added'. */
  attach_discovery_ms: { p50: number; p99: number; trials: number };
  /** One discovery call over every process of the host, once every socket is known. */
  attach_scan_ms: { p50: number; p99: number; processes: number; fds: number };
}

/** What the issue watches an attached socket with: 10 clients at 60 snapshots/s. */
const VIEWERS = 10;
const SNAPSHOTS_PER_S = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks `condition` every 5 ms and resolves with when (performance.now()) it
 * was first answered true; one that never holds fails the run rather than hanging it.
 */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
  return performance.now();
}

/** The agent's /metrics, as Prometheus scrapes it (docs/prometheus.yml: the view token as a bearer). */
async function scrape(agent: RunningAgent): Promise<string> {
  const token = agent.viewUrl.searchParams.get('token') ?? '';
  const answer = await fetch(new URL(API_PATHS.metrics, agent.viewUrl), {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!answer.ok) throw new Error(`/metrics answered ${answer.status}`);
  return answer.text();
}

/** How a socket's series are labelled (server/metrics.ts): the issue asks them gone within 1 s of the owner's death. */
const seriesOf = (socketId: string) => `socket="${socketId}"`;

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

/** The agent, started to watch `owner`, and a control client, which also hears its events; both stop with the body. */
async function withAttachingAgent<T>(
  owner: XskOwner,
  body: (agent: RunningAgent, control: Watcher) => Promise<T>,
): Promise<T> {
  const agent = await startAgent(['--attach', String(owner.pid), '--log-level', 'warn'], CREATE_TIMEOUT_MS);
  let control: Watcher | null = null;
  try {
    control = await Watcher.connect(agent.controlUrl);
    return await body(agent, control);
  } finally {
    control?.close();
    await agent.stop();
  }
}

/** Attaches the agent to the owner's first socket (the same socket twice is the one attached) and waits until it is. */
async function attach(control: Watcher, owner: XskOwner, since: number): Promise<string> {
  const fd = owner.fds[0] as number;
  const socketId = attachedSocketId(owner.pid, fd);
  const attached = control.nextEvent('socket-attached', socketId, since);
  await control.command({ type: 'attach', pid: owner.pid, fd });
  await attached;
  return socketId;
}

async function overhead(profile: AttachProfile, log: (line: string) => void) {
  return withLab({ queues: 1, ratePps: MAX_RATE_PPS, frameLength: 64, sourcePaused: false }, async ({ lab }) => {
    const owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    try {
      return await withAttachingAgent(owner, async (agent, control) => {
        // `--attach PID` attaches on the agent's first scan; asking again only waits for it.
        let socketId: string | null = await attach(control, owner, 0);
        const pairs: { unattached: number; attached: number }[] = [];
        for (let round = 0; round < profile.rounds; round++) {
          const order = round % 2 === 0 ? (['unattached', 'attached'] as const) : (['attached', 'unattached'] as const);
          const pair = { unattached: 0, attached: 0 };
          for (const state of order) {
            if (state === 'unattached') {
              if (socketId !== null) await control.command({ type: 'detach', socketId });
              socketId = null;
              pair.unattached = await receivedPerSecond(owner, profile);
              continue;
            }
            socketId = await attach(control, owner, performance.now());
            const viewers = await Promise.all(Array.from({ length: VIEWERS }, () => Watcher.connect(agent.viewUrl)));
            try {
              await Promise.all(viewers.map((viewer) => viewer.setRate(SNAPSHOTS_PER_S)));
              pair.attached = await receivedPerSecond(owner, profile);
            } finally {
              for (const viewer of viewers) viewer.close();
            }
          }
          log(
            `attach: unattached ${(pair.unattached / 1e6).toFixed(3)} Mpps, attached ${(pair.attached / 1e6).toFixed(3)} Mpps`,
          );
          pairs.push(pair);
        }
        return pairs;
      });
    } finally {
      await owner.stop();
    }
  });
}

/** Rebind and kill trials, alternating; the unattached rebinds are the kernel's own delay in freeing a queue. */
async function release(profile: AttachProfile, log: (line: string) => void) {
  return withLab({ queues: 1, ratePps: 1000, frameLength: 64, sourcePaused: true }, async ({ lab }) => {
    const first = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    try {
      return await withAttachingAgent(first, async (agent, control) => {
        await first.stop();
        const rebind: number[] = [];
        const unattached: number[] = [];
        const kill: number[] = [];
        const metricsGone: number[] = [];
        for (let trial = 0; trial < profile.releaseTrials; trial++) {
          const owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
          try {
            const alone = await owner.rebind();
            if (!alone.rebound) throw new Error(`xsk-owner could not rebind unwatched: errno ${alone.errno}`);
            unattached.push(alone.ms);
            const socketId = await attach(control, owner, performance.now());
            const watched = await owner.rebind();
            if (!watched.rebound) throw new Error(`xsk-owner could not rebind while watched: errno ${watched.errno}`);
            rebind.push(watched.ms);
            await control.nextEvent('socket-detached', socketId, 0);
            const again = await attach(control, owner, performance.now());
            await until(async () => (await scrape(agent)).includes(seriesOf(again)), `${again} on /metrics`);
            const killedAt = performance.now();
            owner.kill();
            const [detachedAt, goneAt] = await Promise.all([
              control.nextEvent('socket-detached', again, killedAt),
              until(async () => !(await scrape(agent)).includes(seriesOf(again)), `${again} gone from /metrics`),
            ]);
            kill.push(detachedAt - killedAt);
            metricsGone.push(goneAt - killedAt);
          } finally {
            await owner.stop();
          }
          log(
            `attach: let go on rebind ${rebind.at(-1)} ms (unwatched ${unattached.at(-1)} ms), on SIGKILL ${kill.at(-1)?.toFixed(0)} ms (gone from /metrics ${metricsGone.at(-1)?.toFixed(0)} ms)`,
          );
        }
        return { rebind, unattached, kill, metricsGone };
      });
    } finally {
      await first.stop();
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
  const released = await release(profile, log);
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
    attach_release_ms: {
      rebind: {
        p50: median(released.rebind),
        p99: percentile(released.rebind, 99),
        unattached_p50: median(released.unattached),
      },
      kill: { p50: median(released.kill), p99: percentile(released.kill, 99) },
      metrics_gone: { p50: median(released.metricsGone), p99: percentile(released.metricsGone, 99) },
      trials: released.kill.length,
    },
    attach_discovery_ms: { p50: median(latencies), p99: percentile(latencies, 99), trials: latencies.length },
    attach_scan_ms: scan,
  };
}
