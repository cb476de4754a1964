import { createRequire } from 'node:module';
import type * as PlaywrightTest from '@playwright/test';
import { requireChromium } from '../../agent/src/setup/chromium.mjs';
import type { RunningAgent } from '../../agent/test/agent-process.ts';
import { labSocketRequest } from './agent-bench.ts';
import { median, percentile } from './stats.ts';
import type { Watcher } from './ws-watcher.ts';

// bench/ is not a workspace package: it borrows the e2e package's Playwright, which never downloads a browser.
const { chromium } = createRequire(new URL('../../e2e/package.json', import.meta.url))(
  '@playwright/test',
) as typeof PlaywrightTest;

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export interface UiProfile {
  measureMs: number;
}

export interface UiResult {
  p50: number;
  p95: number;
  p99: number;
  frames: number;
  /** Share of intervals longer than 1.5 frames at 60 Hz: frames the page missed. */
  missed_pct: number;
  /** Whether the page showed a socket panel (test ids); frames are measured either way once snapshots arrive. */
  drawn_marker_seen: boolean;
}

/**
 * The page's own view of time: requestAnimationFrame timestamps for `ms`, as
 * intervals. A string, not a function: tsx's transform wraps functions in a
 * helper (__name) that exists in Node, not in the page.
 */
const rafIntervals = (ms: number) => `new Promise((resolve) => {
  const stamps = [];
  const frame = (t) => {
    stamps.push(t);
    if (t - stamps[0] < ${ms}) requestAnimationFrame(frame);
    else resolve(stamps.slice(1).map((s, i) => s - stamps[i]));
  };
  requestAnimationFrame(frame);
})`;

export const UI_TRAFFIC_PPS = 10_000;

/**
 * The explorer in headless Chromium while 4 sockets with 4096-slot rings on
 * 16k-frame UMEMs move frames. The page is being rewritten, so this leans on
 * nothing of its markup: it waits for snapshots to reach the page's WebSocket,
 * gives the page a moment to draw them, and reads requestAnimationFrame
 * intervals from inside the page.
 */
export async function benchUi(agent: RunningAgent, control: Watcher, profile: UiProfile): Promise<UiResult> {
  for (const [socketId, queueId] of [
    ['xsk0', 0],
    ['q1', 1],
    ['q2', 2],
    ['q3', 3],
  ] as const) {
    await control.command({ type: 'reconfigureSocket', socketId, request: labSocketRequest(queueId, 16_384, 4096) });
  }
  // The lab's default rate: a source sending flat out takes both cores of a 2-core machine and starves the
  // browser, which measures the machine, not the page. The data-plane figures are measured flat out above.
  await control.command({ type: 'setTraffic', ratePps: UI_TRAFFIC_PPS });
  const browser = await chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    let snapshots = 0;
    page.on('websocket', (socket) => {
      socket.on('framereceived', (frame) => {
        if (typeof frame.payload !== 'string') snapshots++;
      });
    });
    // The explorer on one socket: its four 4096-slot rings and its 16k-frame UMEM, animating.
    const url = new URL(agent.controlUrl);
    url.searchParams.set('socket', 'xsk0');
    url.searchParams.set('view', 'rings,umem');
    await page.goto(url.toString());
    const deadline = Date.now() + 15_000;
    while (snapshots < 10) {
      if (Date.now() > deadline) throw new Error('the page received no snapshots within 15 s');
      await page.waitForTimeout(100);
    }
    const drawn = await page
      .waitForSelector('[data-testid^="socket-"]', { timeout: 3000 })
      .then(() => true)
      .catch(() => false);
    // A second of animation before measuring: first paints and JIT are not the steady state.
    await page.waitForTimeout(1000);
    const intervals = (await page.evaluate(rafIntervals(profile.measureMs))) as number[];
    return {
      p50: median(intervals),
      p95: percentile(intervals, 95),
      p99: percentile(intervals, 99),
      frames: intervals.length,
      missed_pct: (intervals.filter((ms) => ms > 25).length / intervals.length) * 100,
      drawn_marker_seen: drawn,
    };
  } finally {
    await browser.close();
  }
}
