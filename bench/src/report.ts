import { Workload } from '../../shared/src/index.ts';
import type { AgentResult } from './agent-bench.ts';
import type { AttachResult } from './attach-bench.ts';
import type { BusyPollResult } from './busy-poll-bench.ts';
import type { CliHelpResult } from './cli-help-bench.ts';
import type { DataplaneResult, LoopScheduling } from './dataplane.ts';
import type { MultiBufferResult } from './multibuffer-bench.ts';
import type { ReplayResult } from './replay-bench.ts';
import type { SnapshotBuildResult } from './snapshot-build.ts';
import { round } from './stats.ts';
import type { UiResult } from './ui-frames.ts';

/** What bench/results/latest.json holds. Every key the issue names is a number at the path it names. */
export interface BenchReport {
  schema: 1;
  mode: 'full' | 'quick';
  finished_at: string;
  machine: { kernel: string; cpus: number; node: string };
  /** How to read the data-plane numbers: which offered load each one was measured at. */
  method: {
    dataplane_mpps: string;
    dataplane_drops: string;
    dataplane_reference: string;
    scheduling: string;
    alternation: string;
    attach: string;
    ui_frames: string;
    replay: string;
    multibuffer: string;
  };
  dataplane: DataplaneResult;
  observer_overhead_pct: number;
  observer_rxdrop_mpps: AgentResult['observer_rxdrop_mpps'];
  ws_bytes_per_s_per_client: number;
  ws_bytes_per_s_per_client_at_10kpps: number;
  snapshot_latency_ms: AgentResult['snapshot_latency_ms'];
  snapshot_latency_10x60_ms: AgentResult['snapshot_latency_10x60_ms'];
  ui_frame_ms: UiResult;
  agent_rss_mb: AgentResult['agent_rss_mb'];
  attach_overhead_pct: AttachResult['attach_overhead_pct'];
  attach_rxdrop_mpps: AttachResult['attach_rxdrop_mpps'];
  attach_release_ms: AttachResult['attach_release_ms'];
  attach_discovery_ms: AttachResult['attach_discovery_ms'];
  attach_scan_ms: AttachResult['attach_scan_ms'];
  cli_help_ms: CliHelpResult['cli_help_ms'];
  snapshot_build_us: SnapshotBuildResult['medianUs'];
  snapshot_build_p99_us: SnapshotBuildResult['p99Us'];
  snapshot_build_frames_per_umem: number;
  /** Sockets really created for it: fewer than 64 (quick) means some were sampled more than once. */
  snapshot_build_distinct_sockets: number;
  recording_bytes_per_s: ReplayResult['recording_bytes_per_s'];
  recording_snapshot_bytes_per_s: ReplayResult['recording_snapshot_bytes_per_s'];
  recording_snapshots_per_s: ReplayResult['recording_snapshots_per_s'];
  replay_frame_ms: ReplayResult['replay_frame_ms'];
  /** Wakeups per thousand received frames with busy polling off and on (on: null where the kernel refuses it). */
  busy_poll: BusyPollResult;
  /** rxdrop of 9000-byte frames at MTU 9000, multi-buffer, in Gbit/s: JS against C. */
  multibuffer: MultiBufferResult;
  duration_s: number;
}

/** The paths the issue requires, each a finite number in a report. */
export const REQUIRED_KEYS: readonly string[] = [
  ...Workload.options.flatMap((w) => ['js_mpps', 'native_mpps', 'ratio', 'js_drops'].map((k) => `dataplane.${w}.${k}`)),
  'dataplane.rxdrop.vs_reference',
  'observer_overhead_pct',
  'ws_bytes_per_s_per_client',
  'snapshot_latency_ms.p50',
  'snapshot_latency_ms.p99',
  'ui_frame_ms.p50',
  'ui_frame_ms.p95',
  'agent_rss_mb.start',
  'agent_rss_mb.end',
  'agent_rss_mb.slope_mb_per_min',
  'snapshot_build_us.sockets_1',
  'snapshot_build_us.sockets_16',
  'snapshot_build_us.sockets_64',
  'attach_overhead_pct',
  'attach_discovery_ms.p99',
  'attach_release_ms.rebind.p99',
  'attach_release_ms.kill.p99',
  'attach_release_ms.metrics_gone.p99',
  'cli_help_ms.max',
  'recording_bytes_per_s',
  'replay_frame_ms.p95',
  'busy_poll.wakeups_per_kframe.off',
  'multibuffer.rxdrop_gbps.js',
  'multibuffer.rxdrop_gbps.native',
];

/** The required paths that are missing or not finite numbers. */
export function missingKeys(report: unknown): string[] {
  return REQUIRED_KEYS.filter((path) => {
    let value: unknown = report;
    for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return typeof value !== 'number' || !Number.isFinite(value);
  });
}

/**
 * Where a report holds a number JSON cannot (NaN, an infinity), as dotted
 * paths: JSON.stringify would write null there, which reads as a measurement
 * not taken rather than one that went wrong.
 */
export function nonFiniteNumbers(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => nonFiniteNumbers(inner, path === '' ? key : `${path}.${key}`));
}

/** Rounds every number in a JSON value: three decimals say all these measurements can. */
export function rounded<T>(value: T, digits = 3): T {
  if (typeof value === 'number') return round(value, digits) as T;
  if (Array.isArray(value)) return value.map((v) => rounded(v, digits)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, digits)])) as T;
  }
  return value;
}

/** One 60 Hz period and the timer jitter a rAF timestamp has around it. */
const UI_FRAME_BUDGET_MS = 17;

type Verdict = 'met' | 'MISSED';
const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'MISSED');

/** Each target of the issue, with the measured value and whether it is met. */
export function targets(report: BenchReport): { target: string; value: string; verdict: Verdict }[] {
  const rows: { target: string; value: string; verdict: Verdict }[] = [];
  for (const [workload, r] of Object.entries(report.dataplane)) {
    rows.push({
      target: `${workload}: JS >= 0.95x native`,
      value: `${r.ratio.toFixed(3)}x`,
      verdict: verdict(r.ratio >= 0.95),
    });
    rows.push({
      target: `${workload}: 0 drops at ${r.fixed_load_pps / 1000} kpps`,
      value: String(r.js_drops),
      verdict: verdict(r.js_drops === 0),
    });
  }
  const reference = report.dataplane.rxdrop.reference;
  rows.push({
    target: "rxdrop: JS >= 0.95x the reference (xdpsock's rx_drop loop)",
    value: `${report.dataplane.rxdrop.vs_reference.toFixed(3)}x (${reference.js_mpps.toFixed(3)} vs ${reference.mpps.toFixed(3)} Mpps)`,
    verdict: verdict(report.dataplane.rxdrop.vs_reference >= 0.95),
  });
  const s = report.snapshot_build_us;
  const perSocket1 = s.sockets_1;
  const perSocket64 = s.sockets_64 / 64;
  rows.push(
    {
      target: 'watching costs < 3% of rxdrop',
      value: `${report.observer_overhead_pct.toFixed(1)}%`,
      verdict: verdict(report.observer_overhead_pct < 3),
    },
    {
      target: '< 100 KB/s per client',
      value: `${(report.ws_bytes_per_s_per_client / 1000).toFixed(1)} KB/s`,
      verdict: verdict(report.ws_bytes_per_s_per_client < 100_000),
    },
    {
      target: 'snapshot latency p99 < 50 ms',
      value: `${report.snapshot_latency_ms.p99.toFixed(1)} ms`,
      verdict: verdict(report.snapshot_latency_ms.p99 < 50),
    },
    {
      // rAF intervals never go below the 60 Hz vsync period (16.67 ms) and jitter around it by a tenth of a
      // millisecond: p95 within that is a frame budget kept; one missed frame makes an interval of 33 ms.
      target: 'UI frame p95 < 16.7 ms (one vsync)',
      value: `${report.ui_frame_ms.p95.toFixed(1)} ms, ${report.ui_frame_ms.missed_pct.toFixed(1)}% missed`,
      verdict: verdict(report.ui_frame_ms.p95 <= UI_FRAME_BUDGET_MS),
    },
    {
      target: 'a recording of 4 sockets of 4096 frames at 30/s < 50 KB/s',
      value: `${(report.recording_bytes_per_s / 1000).toFixed(1)} KB/s (snapshots ${(report.recording_snapshot_bytes_per_s / 1000).toFixed(1)}) at ${report.recording_snapshots_per_s.toFixed(1)}/s`,
      verdict: verdict(report.recording_bytes_per_s < 50_000),
    },
    {
      target: 'replay frame p95 < 16.7 ms (one vsync)',
      value: `${report.replay_frame_ms.p95.toFixed(1)} ms, ${report.replay_frame_ms.missed_pct.toFixed(1)}% missed`,
      verdict: verdict(report.replay_frame_ms.p95 <= UI_FRAME_BUDGET_MS),
    },
    {
      target: 'RSS growth < 10% over the soak',
      value: `${report.agent_rss_mb.growth_pct.toFixed(1)}%`,
      verdict: verdict(report.agent_rss_mb.growth_pct < 10),
    },
    {
      target: 'RSS slope within noise over the soak',
      value: `${report.agent_rss_mb.slope_mb_per_min.toFixed(2)} MB/min, scatter ${report.agent_rss_mb.residual_sd_mb.toFixed(1)} MB`,
      verdict: verdict(report.agent_rss_mb.drift_within_noise),
    },
    {
      target: 'attaching costs < 1% of the foreign receiver',
      value: `${report.attach_overhead_pct.toFixed(1)}%`,
      verdict: verdict(report.attach_overhead_pct < 1),
    },
    {
      target: 'a new XSK discovered p99 < 1000 ms',
      value: `${report.attach_discovery_ms.p99.toFixed(0)} ms`,
      verdict: verdict(report.attach_discovery_ms.p99 < 1000),
    },
    {
      target: 'an attached socket let go < 1 s after its owner is killed (p99)',
      value: `${report.attach_release_ms.kill.p99.toFixed(0)} ms`,
      verdict: verdict(report.attach_release_ms.kill.p99 < 1000),
    },
    {
      target: "an attached socket's series gone from /metrics < 1 s after its owner is killed (p99)",
      value: `${report.attach_release_ms.metrics_gone.p99.toFixed(0)} ms`,
      verdict: verdict(report.attach_release_ms.metrics_gone.p99 < 1000),
    },
    {
      target: '--help answers < 1 s with nothing installed',
      value: `${report.cli_help_ms.max.toFixed(0)} ms (slowest of ${report.cli_help_ms.runs})`,
      verdict: verdict(report.cli_help_ms.max < 1000),
    },
    {
      target: 'multi-buffer rxdrop of 9000 B frames: JS >= 0.95x native',
      value: `${report.multibuffer.rxdrop_gbps.ratio.toFixed(3)}x (${report.multibuffer.rxdrop_gbps.js.toFixed(2)} vs ${report.multibuffer.rxdrop_gbps.native.toFixed(2)} Gbit/s)`,
      verdict: verdict(report.multibuffer.rxdrop_gbps.ratio >= 0.95),
    },
    {
      target: 'sampling linear or better in sockets',
      value: `${perSocket1.toFixed(0)} us/socket at 1, ${perSocket64.toFixed(0)} at 64`,
      verdict: verdict(perSocket64 <= perSocket1 * 1.1),
    },
  );
  return rows;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')).join('\n');
}

function schedulingRow(label: string, t: LoopScheduling): string[] {
  return [
    label,
    t.idle_waits_per_s.toFixed(0),
    t.mpps_per_cpu.toFixed(3),
    t.thread_pct.running.toFixed(1),
    t.thread_pct.runqueue.toFixed(1),
    t.thread_pct.asleep.toFixed(1),
    t.voluntary_switches_per_s.toFixed(0),
    t.nonvoluntary_switches_per_s.toFixed(0),
    (t.machine_cpu_pct.idle + t.machine_cpu_pct.iowait).toFixed(1),
    t.machine_cpu_pct.softirq.toFixed(1),
  ];
}

export function formatReport(report: BenchReport): string {
  const dp = report.dataplane;
  const dataplane = table([
    ['workload', 'JS Mpps', 'C Mpps', 'JS/C', 'offered Mpps', 'JS drops', 'C drops', 'at fixed load'],
    ...Object.entries(dp).map(([workload, r]) => [
      workload,
      r.js_mpps.toFixed(3),
      r.native_mpps.toFixed(3),
      r.ratio.toFixed(3),
      workload === 'txonly' ? '(socket sends)' : r.offered_mpps.toFixed(3),
      String(r.js_drops),
      String(r.native_drops),
      `${r.fixed_load_pps / 1000} kpps`,
    ]),
  ]);
  const reference = dp.rxdrop.reference;
  const threads = table([
    [
      'data-plane thread',
      'idle waits/s',
      'Mpps per CPU-s',
      'running %',
      'runqueue %',
      'asleep %',
      'voluntary/s',
      'nonvoluntary/s',
      'machine idle %',
      'softirq %',
    ],
    ...Object.entries(dp).flatMap(([workload, r]) =>
      Object.entries(r.scheduling).map(([implementation, t]) => schedulingRow(`${workload} ${implementation}`, t)),
    ),
    ...Object.entries(reference.scheduling).map(([implementation, t]) =>
      schedulingRow(`rxdrop ${implementation} (reference rounds)`, t),
    ),
  ]);
  const s = report.snapshot_build_us;
  const other = table([
    ['measure', 'value'],
    ['observer overhead (10 clients at 60/s)', `${report.observer_overhead_pct.toFixed(1)}%`],
    ['WebSocket bytes per client (30/s, 4 sockets)', `${(report.ws_bytes_per_s_per_client / 1000).toFixed(1)} KB/s`],
    [
      'snapshot latency p50 / p99',
      `${report.snapshot_latency_ms.p50.toFixed(1)} / ${report.snapshot_latency_ms.p99.toFixed(1)} ms`,
    ],
    ['UI frame p50 / p95', `${report.ui_frame_ms.p50.toFixed(1)} / ${report.ui_frame_ms.p95.toFixed(1)} ms`],
    [
      `agent RSS start / end (${report.agent_rss_mb.clients} clients, ${report.agent_rss_mb.soak_s} s)`,
      `${report.agent_rss_mb.start.toFixed(0)} / ${report.agent_rss_mb.end.toFixed(0)} MB`,
    ],
    [
      'foreign receiver unattached / attached at 60 Hz',
      `${report.attach_rxdrop_mpps.unattached.toFixed(3)} / ${report.attach_rxdrop_mpps.attached.toFixed(3)} Mpps`,
    ],
    [
      'owner rebinds its queue, watched p50 / p99 (unwatched p50)',
      `${report.attach_release_ms.rebind.p50.toFixed(0)} / ${report.attach_release_ms.rebind.p99.toFixed(0)} ms (${report.attach_release_ms.rebind.unattached_p50.toFixed(0)} ms)`,
    ],
    [
      `one host-wide discovery p50 / p99 (${report.attach_scan_ms.processes} processes, ${report.attach_scan_ms.fds} fds)`,
      `${report.attach_scan_ms.p50.toFixed(1)} / ${report.attach_scan_ms.p99.toFixed(1)} ms`,
    ],
    [
      'agent memory slopes: anon / file / main-thread heap',
      `${[report.agent_rss_mb.parts.anon, report.agent_rss_mb.parts.file, report.agent_rss_mb.parts.main_heap_used]
        .map((part) => part.slope_mb_per_min.toFixed(2))
        .join(' / ')} MB/min`,
    ],
    [
      'snapshot build, 1 / 16 / 64 sockets',
      `${s.sockets_1.toFixed(0)} / ${s.sockets_16.toFixed(0)} / ${s.sockets_64.toFixed(0)} us`,
    ],
  ]);
  const goals = table([
    ['target', 'measured', ''],
    ...targets(report).map((row) => [row.target, row.value, row.verdict]),
  ]);
  return [
    `Ringside bench (${report.mode}), ${report.finished_at}, kernel ${report.machine.kernel}, ${report.machine.cpus} CPUs`,
    '',
    `Data plane. Mpps: ${report.method.dataplane_mpps}`,
    `Drops: ${report.method.dataplane_drops}`,
    dataplane,
    `rxdrop against the reference (${reference.loop}), rounds of their own: JS ${reference.js_mpps.toFixed(3)} Mpps, reference ${reference.mpps.toFixed(3)} Mpps, JS/reference ${dp.rxdrop.vs_reference.toFixed(3)} (paired ${reference.ratio_paired.toFixed(3)}), wakeups per 1000 frames ${reference.wakeups_per_kframe.js.toFixed(1)} vs ${reference.wakeups_per_kframe.reference.toFixed(1)}`,
    '',
    'Where each loop spent its window (medians of the capacity runs; the machine: every CPU):',
    threads,
    '',
    other,
    '',
    goals,
  ].join('\n');
}
