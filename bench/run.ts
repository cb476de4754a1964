import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { removeStaleLabs } from '../agent/src/lab/lab.ts';
import { routeLibraryMessages } from '../agent/src/native/libxdp.ts';
import { benchAgent } from './src/agent-bench.ts';
import { ATTACH_PROFILES, benchAttach } from './src/attach-bench.ts';
import { benchBusyPoll } from './src/busy-poll-bench.ts';
import { benchCliHelp } from './src/cli-help-bench.ts';
import { benchDataplane } from './src/dataplane.ts';
import { destroyLiveLabs } from './src/lab-session.ts';
import { benchMultiBuffer } from './src/multibuffer-bench.ts';
import { PROFILES } from './src/profiles.ts';
import { benchReplay, REPLAY_PROFILES } from './src/replay-bench.ts';
import { type BenchReport, formatReport, missingKeys, nonFiniteNumbers, rounded } from './src/report.ts';
import { benchSnapshotBuild } from './src/snapshot-build.ts';
import { benchUi, UI_TRAFFIC_PPS, type UiResult } from './src/ui-frames.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write('Usage: npm run bench [-- --quick]\nPrints a table and writes bench/results/latest.json.\n');
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench: needs root (namespaces, XDP programs, AF_XDP sockets)\n');
  process.exit(1);
}
const mode = values.quick ? 'quick' : 'full';
const profile = PROFILES[mode];
const started = performance.now();
const log = (line: string) =>
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

// libbpf and libxdp narrate every program load; RINGSIDE_BENCH_LIBRARY_LOG=1 shows them.
routeLibraryMessages((level, source, text) => {
  if (process.env.RINGSIDE_BENCH_LIBRARY_LOG === '1') process.stderr.write(`[${source} ${level}] ${text}\n`);
});
removeStaleLabs();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    destroyLiveLabs();
    process.exit(130);
  });
}

try {
  log(`data plane: JS against C, ${profile.dataplane.rounds} rounds of ${profile.dataplane.windowMs} ms`);
  const dataplane = await benchDataplane(profile.dataplane, (run) =>
    log(
      `  ${run.workload} ${run.implementation.padEnd(9)} ${run.load.padEnd(10)} ${run.mpps.toFixed(3)} Mpps, ${run.drops} drops, offered ${(run.offeredPps / 1e6).toFixed(3)} Mpps`,
    ),
  );
  log(`multi-buffer: rxdrop of 9000-byte frames at MTU 9000, JS against C, ${profile.multiBuffer.rounds} rounds`);
  const multibuffer = await benchMultiBuffer(profile.multiBuffer, (implementation, gbps) =>
    log(`  ${implementation.padEnd(6)} ${gbps.toFixed(2)} Gbit/s`),
  );
  log('attaching to a foreign receiver (bench/native/xsk-owner.c): its rate watched and not, discovery');
  const attach = await benchAttach(ATTACH_PROFILES[mode], (line) => log(`  ${line}`));
  log('npm start -- --help with nothing installed');
  const help = benchCliHelp(fileURLToPath(new URL('..', import.meta.url)), profile.cliHelpRuns);
  log(`  p50 ${help.cli_help_ms.p50.toFixed(0)} ms, slowest ${help.cli_help_ms.max.toFixed(0)} ms`);
  log(
    `busy polling: wakeups per 1000 frames, ${profile.busyPoll.frames} frames at ${profile.busyPoll.ratePps} frames/s, off then on`,
  );
  const busyPoll = await benchBusyPoll(profile.busyPoll);
  log(
    `  off ${busyPoll.wakeups_per_kframe.off.toFixed(1)}, on ${busyPoll.wakeups_per_kframe.on?.toFixed(1) ?? `refused: ${busyPoll.refusal}`}`,
  );
  log('snapshot build cost: 1, 16 and 64 sockets');
  const build = await benchSnapshotBuild(profile.snapshotBuild);
  log(`  ${JSON.stringify(rounded(build.medianUs, 0))} us`);
  log('the real agent: observers, bytes, latency, soak, then the page in Chromium');
  let ui: UiResult | null = null;
  const agent = await benchAgent(
    profile.agent,
    (line) => log(`  ${line}`),
    async (running, control) => {
      ui = await benchUi(running, control, profile.ui);
      log(`  UI frames p50 ${ui.p50.toFixed(1)} ms, p95 ${ui.p95.toFixed(1)} ms over ${ui.frames} frames`);
    },
  );
  if (!ui) throw new Error('the UI benchmark did not run');
  log('record and replay: --record of 4 sockets of 4096 frames at 30/s, then the static replay page in Chromium');
  const replay = await benchReplay(REPLAY_PROFILES[mode], (line) => log(`  ${line}`));
  const report: BenchReport = rounded({
    schema: 1,
    mode,
    finished_at: new Date().toISOString(),
    machine: { kernel: release(), cpus: cpus().length, node: process.version },
    method: {
      dataplane_mpps:
        'capacity: the lab source (JS TrafficSource) sends as fast as it can, 64 B frames; the socket is measured (txonly: the socket itself sends as fast as it can). rxdrop counts frames received, txonly and l2fwd frames completed.',
      dataplane_drops: `kernel drops at the socket (rx_dropped + rx_ring_full + invalid descs) at a fixed offered load of ${profile.dataplane.fixedLoadPps} frames/s, median of ${profile.dataplane.fixedRounds} runs`,
      dataplane_reference:
        "rxdrop only: JS against the reference receiver, xskbench --loop xdpsock (xdpsock's rx_drop loop: it spins without poll(), gives FILL back each batch RX gave, and calls recvfrom only when FILL's need_wakeup asks), fed flat out by the same source with the same rings, in rounds of their own (JS R R JS...); vs_reference is the ratio of the medians of those rounds",
      scheduling:
        "over each measured window, the data-plane thread's /proc/<pid>/task/<tid>/schedstat (ns on a CPU, ns runnable but waiting) and status (voluntary, nonvoluntary switches), JS's being the busiest thread its socket's creation started and C's xskbench's own; and /proc/stat's ticks of every CPU by state. Per second or percent of the window, medians over the capacity runs",
      alternation: 'JS and C alternate (JS C C JS ...), each run after its own warm-up; medians of the runs',
      attach: `a foreign rxdrop receiver fed flat out, its own frame count per window, detached and attached alternating, on a real agent started with --attach PID (attached: 10 clients at 60 snapshots/s; its discovery scans in both); release from the owner's close to its rebind succeeding (its own clock) and from its SIGKILL to the agent's socket-detached event and to the first /metrics without the socket's series; discovery from the receiver's bind to an AttachWatch's 'added'`,
      replay: `a real agent with --record at 30 snapshots/s, 4 sockets of 4096-frame UMEMs, lab traffic at ${UI_TRAFFIC_PPS} frames/s; the file's growth over ${REPLAY_PROFILES[mode].recordMs / 1000} s once all four run; then requestAnimationFrame intervals of web/dist-replay/ringside-replay.html from file:// in headless Chromium while it plays that recording, on xsk0's rings and UMEM map`,
      multibuffer:
        'rxdrop of 9000 B frames on a lab at MTU 9000: the source sends as fast as it can, both sockets bound with XDP_USE_SG at 4096 B chunks (3 descriptors a frame) behind by-queue in its xdp.frags variant; bytes received per second. Neither side drops at this rate here: the source, sharing the cores, bounds both, so the ratio says more about how much CPU each receiver leaves the source than about its own speed',
      ui_frames: `requestAnimationFrame intervals in headless Chromium on one socket's rings and UMEM map (4096-slot rings, 16384 frames), lab traffic at ${UI_TRAFFIC_PPS} frames/s`,
    },
    dataplane,
    observer_overhead_pct: agent.observer_overhead_pct,
    observer_rxdrop_mpps: agent.observer_rxdrop_mpps,
    ws_bytes_per_s_per_client: agent.ws_bytes_per_s_per_client,
    ws_bytes_per_s_per_client_at_10kpps: agent.ws_bytes_per_s_per_client_at_10kpps,
    snapshot_latency_ms: agent.snapshot_latency_ms,
    snapshot_latency_10x60_ms: agent.snapshot_latency_10x60_ms,
    ui_frame_ms: ui,
    agent_rss_mb: agent.agent_rss_mb,
    ...attach,
    ...help,
    snapshot_build_us: build.medianUs,
    snapshot_build_p99_us: build.p99Us,
    snapshot_build_frames_per_umem: build.frameCount,
    snapshot_build_distinct_sockets: build.distinctSockets,
    ...replay,
    busy_poll: busyPoll,
    multibuffer,
    duration_s: (performance.now() - started) / 1000,
  } satisfies BenchReport);
  const missing = missingKeys(report);
  if (missing.length > 0) throw new Error(`the report lacks ${missing.join(', ')}`);
  const notFinite = nonFiniteNumbers(report);
  if (notFinite.length > 0) throw new Error(`the report has no number at ${notFinite.join(', ')} (NaN or infinite)`);
  const results = new URL('./results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  // A quick run writes the same file, marked "mode": "quick": the committed one is a full run's.
  const file = new URL('latest.json', results);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}\n\nwritten to ${file.pathname}\n`);
} finally {
  destroyLiveLabs();
}
