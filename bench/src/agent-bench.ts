import { readFileSync } from 'node:fs';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { API_PATHS, MAX_RATE_PPS } from '../../shared/src/index.ts';
import { driftWithinNoise, linearTrend, median, percentile } from './stats.ts';
import { type Receipt, Watcher } from './ws-watcher.ts';

/**
 * What watching costs, measured on the real agent process (its own lab,
 * source and sampler), with clients on loopback:
 * - observer overhead: rxdrop throughput with 10 clients at 60 snapshots/s
 *   against none, the source saturating, rounds alternating none/watched;
 * - bytes per client and latency: 4 sockets of 4096-frame UMEMs, one client at
 *   30 snapshots/s, traffic running;
 * - RSS over a soak with 20 clients at 30 snapshots/s (ten minutes in a full run): its slope against the noise.
 */
export interface AgentProfile {
  overheadRounds: number;
  overheadWindowMs: number;
  bytesWindowMs: number;
  soakMs: number;
}

export interface AgentResult {
  observer_overhead_pct: number;
  observer_rxdrop_mpps: { unwatched: number; watched: number; unwatched_runs: number[]; watched_runs: number[] };
  ws_bytes_per_s_per_client: number;
  ws_bytes_per_s_per_client_at_10kpps: number;
  snapshot_latency_ms: { p50: number; p99: number; samples: number };
  snapshot_latency_10x60_ms: { p50: number; p99: number };
  agent_rss_mb: {
    start: number;
    end: number;
    peak: number;
    growth_pct: number;
    /** Least-squares slope of RSS over the soak, and the scatter of single readings around that line. */
    slope_mb_per_min: number;
    residual_sd_mb: number;
    drift_within_noise: boolean;
    soak_s: number;
    clients: number;
    snapshots_per_s: number;
    /**
     * Where RSS went: `anon` is the agent's own (heaps, malloc, UMEMs); `file` is mapped files (node's binary,
     * libraries), pages the kernel may drop and fault back in; `main_heap_used` and `main_external` are the
     * main thread's JavaScript objects and the memory they hold outside the heap (from /metrics, every 10 s, or
     * five times in a shorter soak).
     */
    parts: Record<'anon' | 'file' | 'main_heap_used' | 'main_external', MemoryTrend>;
  };
}

/** One part of the agent's memory over the soak, in MB. */
export interface MemoryTrend {
  start: number;
  end: number;
  slope_mb_per_min: number;
  drift_within_noise: boolean;
}

/** The agent's source sends as fast as it can (its ceiling): throughput lost to watching then shows. */
const SATURATING_PPS = MAX_RATE_PPS;
const FRAME_LENGTH = 64;
const CREATE_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A socket like the agent's first one (4096 frames of 4096 B), on another queue of the lab's veth. */
export function labSocketRequest(queueId: number, umemFrames = 4096, ringSize = 2048) {
  return {
    umem: {
      frameCount: umemFrames,
      frameSize: umemFrames > 4096 ? 2048 : 4096,
      headroom: 0,
      fillSize: ringSize,
      completionSize: ringSize,
      unaligned: false,
    },
    socket: {
      ifname: 'rs-app',
      queueId,
      rxSize: ringSize,
      txSize: ringSize,
      xdpMode: 'drv',
      copy: true,
      zeroCopy: false,
      needWakeup: true,
      batchSize: 64,
    },
    workload: 'rxdrop',
  };
}

/** Resident memory in MB, whole (VmRSS) and split into private anonymous and file-backed pages, from /proc/PID/status. */
export function residentMb(status: string): { rss: number; anon: number; file: number } {
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/PID/status`);
    return Number(match[1]) / 1024;
  };
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

async function scrape(agent: RunningAgent): Promise<string> {
  const token = agent.controlUrl.searchParams.get('token') ?? '';
  const response = await fetch(new URL(API_PATHS.metrics, agent.controlUrl), {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.text();
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

/** Frames xsk0 has received, from the agent's Prometheus endpoint: reading it costs the data plane nothing. */
async function rxPackets(agent: RunningAgent): Promise<{ at: number; frames: number }> {
  const match = /^ringside_rx_packets_total\{[^}]*socket="xsk0"[^}]*\} (\S+)$/m.exec(await scrape(agent));
  if (!match) throw new Error('no ringside_rx_packets_total for xsk0 in /metrics');
  return { at: performance.now(), frames: Number(match[1]) };
}

/** The agent's main-thread heap and what it holds outside it, in MB. */
async function mainThreadMb(agent: RunningAgent): Promise<{ heapUsed: number; external: number }> {
  const text = await scrape(agent);
  // prom-client's default Node metrics, read from the main thread at each scrape.
  const mb = (series: string) => metric(text, series) / 2 ** 20;
  return { heapUsed: mb('nodejs_heap_size_used_bytes'), external: mb('nodejs_external_memory_bytes') };
}

function memoryTrend(atS: readonly number[], mb: readonly number[]): MemoryTrend {
  const trend = linearTrend(atS, mb);
  return {
    start: mb[0] as number,
    end: mb.at(-1) as number,
    slope_mb_per_min: trend.slope * 60,
    drift_within_noise: driftWithinNoise(trend, (atS.at(-1) as number) - (atS[0] as number)),
  };
}

async function rxdropMpps(agent: RunningAgent, windowMs: number): Promise<number> {
  const a = await rxPackets(agent);
  await sleep(windowMs);
  const b = await rxPackets(agent);
  return (b.frames - a.frames) / (b.at - a.at) / 1000;
}

async function watchers(agent: RunningAgent, count: number, perSecond: number): Promise<Watcher[]> {
  const all = await Promise.all(Array.from({ length: count }, () => Watcher.connect(agent.viewUrl)));
  await Promise.all(all.map((watcher) => watcher.setRate(perSecond)));
  return all;
}

const latencies = (receipts: Receipt[]) => receipts.map((r) => r.receivedAt - r.sampledAt);

export async function benchAgent(
  profile: AgentProfile,
  log: (line: string) => void,
  ui: (agent: RunningAgent, control: Watcher) => Promise<void>,
): Promise<AgentResult> {
  const agent = await startAgent([
    ...['--rate', String(SATURATING_PPS), '--frame-length', String(FRAME_LENGTH)],
    ...['--lab-queues', '4', '--log-level', 'warn'],
  ]);
  const open: Watcher[] = [];
  const track = (list: Watcher[]) => {
    open.push(...list);
    return list;
  };
  try {
    const [control] = track([await Watcher.connect(agent.controlUrl)]);
    if (!control) throw new Error('no control client');
    // The agent just started: its JIT, and the source's, warm up before anything is compared.
    await rxdropMpps(agent, profile.overheadWindowMs);

    // Observer overhead: none and watched alternate (none first in even rounds), medians compared.
    const unwatched: number[] = [];
    const watched: number[] = [];
    const underLoad: Receipt[] = [];
    for (let round = 0; round < profile.overheadRounds; round++) {
      for (const phase of round % 2 === 0 ? ['none', 'watched'] : ['watched', 'none']) {
        if (phase === 'none') {
          await sleep(300);
          unwatched.push(await rxdropMpps(agent, profile.overheadWindowMs));
        } else {
          const ten = await watchers(agent, 10, 60);
          await sleep(300);
          const since = performance.timeOrigin + performance.now();
          watched.push(await rxdropMpps(agent, profile.overheadWindowMs));
          for (const watcher of ten) underLoad.push(...watcher.receiptsSince(since));
          for (const watcher of ten) watcher.close();
        }
        log(`observer ${phase}: ${(phase === 'none' ? unwatched : watched).at(-1)?.toFixed(3)} Mpps`);
      }
    }
    const unwatchedMpps = median(unwatched);
    const watchedMpps = median(watched);

    // Four sockets of 4096-frame UMEMs, one client at 30 snapshots/s.
    // At nice 19 on cores other work saturates, the agent's main thread took over 15 s (the default) to create one.
    for (const queueId of [1, 2, 3]) {
      await control.command(
        { type: 'createSocket', socketId: `q${queueId}`, request: labSocketRequest(queueId) },
        CREATE_TIMEOUT_MS,
      );
    }
    const bytesPerSecond = async () => {
      const [one] = track(await watchers(agent, 1, 30));
      if (!one) throw new Error('no watcher');
      await sleep(1000);
      const since = performance.timeOrigin + performance.now();
      await sleep(profile.bytesWindowMs);
      const receipts = one.receiptsSince(since);
      one.close();
      const bytes = receipts.reduce((sum, r) => sum + r.bytes, 0);
      return { rate: (bytes / profile.bytesWindowMs) * 1000, receipts };
    };
    const saturated = await bytesPerSecond();
    log(`ws bytes at 30/s, 4 sockets, source saturating: ${Math.round(saturated.rate)} B/s`);
    await control.command({ type: 'setTraffic', ratePps: 10_000 });
    const gentle = await bytesPerSecond();
    log(`ws bytes at 30/s, 4 sockets, source at 10 kpps: ${Math.round(gentle.rate)} B/s`);
    await control.command({ type: 'setTraffic', ratePps: SATURATING_PPS });
    const oneClient = latencies([...saturated.receipts, ...gentle.receipts]);

    // Soak: 20 clients at 30 snapshots/s; RSS read every second, the main thread's heap every 10 s, or in a
    // short soak (a quick run's 5 s) five times over it: a trend needs three readings at least (linearTrend).
    const heapEveryS = Math.min(10, profile.soakMs / 1000 / 5);
    const twenty = track(await watchers(agent, 20, 30));
    await sleep(1000);
    const soakStart = performance.now();
    const resident: ReturnType<typeof residentMb>[] = [];
    const atS: number[] = [];
    const heap: Awaited<ReturnType<typeof mainThreadMb>>[] = [];
    const heapAtS: number[] = [];
    for (;;) {
      const sinceS = (performance.now() - soakStart) / 1000;
      resident.push(residentMb(readFileSync(`/proc/${agent.pid}/status`, 'utf8')));
      atS.push(sinceS);
      if (heapAtS.length === 0 || sinceS - (heapAtS.at(-1) as number) >= heapEveryS) {
        heap.push(await mainThreadMb(agent));
        heapAtS.push(sinceS);
      }
      if (performance.now() - soakStart >= profile.soakMs) break;
      await sleep(1000);
    }
    for (const watcher of twenty) watcher.close();
    const rss = resident.map((reading) => reading.rss);
    const start = rss[0] as number;
    const end = rss.at(-1) as number;
    const soakS = atS.at(-1) as number;
    const trend = linearTrend(atS, rss);
    const parts = {
      anon: memoryTrend(
        atS,
        resident.map((reading) => reading.anon),
      ),
      file: memoryTrend(
        atS,
        resident.map((reading) => reading.file),
      ),
      main_heap_used: memoryTrend(
        heapAtS,
        heap.map((reading) => reading.heapUsed),
      ),
      main_external: memoryTrend(
        heapAtS,
        heap.map((reading) => reading.external),
      ),
    };
    log(
      `soak: RSS ${start.toFixed(1)} MB -> ${end.toFixed(1)} MB over ${soakS.toFixed(0)} s, ` +
        `slope ${(trend.slope * 60).toFixed(2)} MB/min, readings scatter ${trend.residualSd.toFixed(2)} MB; ` +
        Object.entries(parts)
          .map(
            ([part, t]) =>
              `${part} ${t.start.toFixed(1)} -> ${t.end.toFixed(1)} (${t.slope_mb_per_min.toFixed(2)}/min)`,
          )
          .join(', '),
    );

    await ui(agent, control);

    return {
      observer_overhead_pct: ((unwatchedMpps - watchedMpps) / unwatchedMpps) * 100,
      observer_rxdrop_mpps: {
        unwatched: unwatchedMpps,
        watched: watchedMpps,
        unwatched_runs: unwatched,
        watched_runs: watched,
      },
      ws_bytes_per_s_per_client: saturated.rate,
      ws_bytes_per_s_per_client_at_10kpps: gentle.rate,
      snapshot_latency_ms: { p50: median(oneClient), p99: percentile(oneClient, 99), samples: oneClient.length },
      snapshot_latency_10x60_ms: { p50: median(latencies(underLoad)), p99: percentile(latencies(underLoad), 99) },
      agent_rss_mb: {
        start,
        end,
        peak: Math.max(...rss),
        growth_pct: ((end - start) / start) * 100,
        slope_mb_per_min: trend.slope * 60,
        residual_sd_mb: trend.residualSd,
        drift_within_noise: driftWithinNoise(trend, soakS),
        soak_s: soakS,
        clients: 20,
        snapshots_per_s: 30,
        parts,
      },
    };
  } finally {
    for (const watcher of open) watcher.close();
    await agent.stop();
  }
}
