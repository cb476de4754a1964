import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as PlaywrightTest from '@playwright/test';
import { requireChromium } from '../../agent/src/setup/chromium.mjs';
import { startAgent } from '../../agent/test/agent-process.ts';
import { decodeRecording } from '../../shared/src/index.ts';
import { labSocketRequest } from './agent-bench.ts';
import { median, percentile } from './stats.ts';
import { UI_TRAFFIC_PPS } from './ui-frames.ts';
import { Watcher } from './ws-watcher.ts';

// bench/ is not a workspace package: it borrows the e2e package's Playwright, which never downloads a browser.
const { chromium } = createRequire(new URL('../../e2e/package.json', import.meta.url))(
  '@playwright/test',
) as typeof PlaywrightTest;

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const REPLAY_PAGE = pathToFileURL(join(CHECKOUT, 'web/dist-replay/ringside-replay.html'));
const CREATE_TIMEOUT_MS = 120_000;
/** The recorder's default rate, said out loud: the target is for 30 snapshots a second. */
const RECORD_RATE = 30;

export interface ReplayProfile {
  /** How long the four sockets are recorded once they all run. */
  recordMs: number;
  /** How long the page's frames are measured while the recording plays. */
  measureMs: number;
}

export const REPLAY_PROFILES: Record<'full' | 'quick', ReplayProfile> = {
  full: { recordMs: 20_000, measureMs: 8000 },
  quick: { recordMs: 6000, measureMs: 2000 },
};

export interface ReplayResult {
  /** Growth of the --record file while 4 sockets of 4096 frames ran, per second. */
  recording_bytes_per_s: number;
  /**
   * The snapshot entries' share of it. The rest is JSON, mostly `discovered`
   * lists of every XSK on the host, which on a machine shared with other
   * agents change several times a second.
   */
  recording_snapshot_bytes_per_s: number;
  /** Snapshots recorded per second over the same window: the rate the bytes are for. */
  recording_snapshots_per_s: number;
  /** requestAnimationFrame intervals of the replay page while that recording plays. */
  replay_frame_ms: { p50: number; p95: number; p99: number; frames: number; missed_pct: number };
}

/** The same measure as the live page's frames (ui-frames.ts), in a string: tsx's helpers do not exist in the page. */
const rafIntervals = (ms: number) => `new Promise((resolve) => {
  const stamps = [];
  const frame = (t) => {
    stamps.push(t);
    if (t - stamps[0] < ${ms}) requestAnimationFrame(frame);
    else resolve(stamps.slice(1).map((s, i) => s - stamps[i]));
  };
  requestAnimationFrame(frame);
})`;

/**
 * A real agent with `--record`: four sockets of 4096-frame UMEMs (the first
 * and three created on the lab's other queues, as the agent bench's bytes
 * measure), the source at the lab's default rate, recorded at 30 snapshots a
 * second. Then the static replay build in headless Chromium, from file://,
 * playing that recording from where all four run, on the rings and UMEM map.
 */
export async function benchReplay(profile: ReplayProfile, log: (line: string) => void): Promise<ReplayResult> {
  execFileSync('npm', ['run', 'build:replay'], { cwd: CHECKOUT, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'ringside-replay-bench-'));
  const file = join(dir, 'bench.ringside');
  try {
    const agent = await startAgent([
      ...['--lab-queues', '4', '--rate', String(UI_TRAFFIC_PPS), '--log-level', 'warn'],
      ...['--record', file, '--record-rate', String(RECORD_RATE)],
    ]);
    let window: { fromMs: number; toMs: number; bytes: number };
    try {
      const control = await Watcher.connect(agent.controlUrl);
      try {
        for (const queueId of [1, 2, 3]) {
          await control.command(
            { type: 'createSocket', socketId: `q${queueId}`, request: labSocketRequest(queueId) },
            CREATE_TIMEOUT_MS,
          );
        }
      } finally {
        control.close();
      }
      const startedAt = decodeRecording(readFileSync(file)).header.startedAt;
      const fromMs = Date.now() - startedAt;
      const fromBytes = statSync(file).size;
      await new Promise((resolve) => setTimeout(resolve, profile.recordMs));
      window = { fromMs, toMs: Date.now() - startedAt, bytes: statSync(file).size - fromBytes };
    } finally {
      await agent.stop();
    }
    const recording = decodeRecording(readFileSync(file));
    const inWindow = recording.entries.filter((entry) => entry.at >= window.fromMs && entry.at <= window.toMs);
    const snapshotBytes = inWindow.reduce(
      (sum, entry) => sum + (entry.kind === 'snapshot' ? entry.bytes.length : 0),
      0,
    );
    const snapshots = inWindow.filter((entry) => entry.kind === 'snapshot').length;
    const seconds = (window.toMs - window.fromMs) / 1000;
    const bytesPerSecond = window.bytes / seconds;
    log(
      `recording: ${Math.round(bytesPerSecond)} B/s (snapshots ${Math.round(snapshotBytes / seconds)}) at ${(snapshots / seconds).toFixed(1)} snapshots/s`,
    );
    const frames = await replayFrames(file, window.fromMs, profile.measureMs);
    log(`replay frames p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms over ${frames.frames} frames`);
    return {
      recording_bytes_per_s: bytesPerSecond,
      recording_snapshot_bytes_per_s: snapshotBytes / seconds,
      recording_snapshots_per_s: snapshots / seconds,
      replay_frame_ms: frames,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function replayFrames(file: string, fromMs: number, measureMs: number): Promise<ReplayResult['replay_frame_ms']> {
  const browser = await chromium.launch({
    executablePath: requireChromium(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${REPLAY_PAGE.href}?socket=xsk0&view=rings,umem`);
    await page.getByTestId('replay-file').setInputFiles(file);
    await page.getByTestId('replay-scrub').fill(String(fromMs));
    await page.getByTestId('replay-play').click();
    // A second of playing before measuring, as for the live page: first paints and JIT are not the steady state.
    await page.evaluate(rafIntervals(1000));
    const intervals = (await page.evaluate(rafIntervals(measureMs))) as number[];
    if ((await page.getByTestId('replay-play').getAttribute('aria-pressed')) !== 'true') {
      throw new Error('the replay stopped playing before the frames were measured: record longer');
    }
    return {
      p50: median(intervals),
      p95: percentile(intervals, 95),
      p99: percentile(intervals, 99),
      frames: intervals.length,
      missed_pct: (intervals.filter((ms) => ms > 25).length / intervals.length) * 100,
    };
  } finally {
    await browser.close();
  }
}
