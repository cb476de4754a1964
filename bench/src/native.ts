import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Workload } from '../../shared/src/index.ts';
import type { CpuTicks, ThreadTimes } from './scheduling.ts';

/** The C baseline (bench/native/xskbench.c), built by the setup step. */
export const NATIVE_BINARY = fileURLToPath(new URL('../native/build/xskbench', import.meta.url));

export interface NativeRequest {
  namespace: string;
  ifname: string;
  queueId: number;
  workload: Workload;
  frameCount: number;
  frameSize: number;
  fillSize: number;
  completionSize: number;
  rxSize: number;
  txSize: number;
  batchSize: number;
  frameLength: number;
  /** txonly: frames per second; 0 sends as fast as the loop goes. */
  ratePps: number;
  warmupMs: number;
  durationMs: number;
  /** Bind with XDP_USE_SG. */
  multiBuffer?: boolean;
  /** An XDP object xskbench loads itself, its socket put in the object's xsks_map (libxdp's own otherwise). */
  xdpProgram?: string;
  /**
   * The loop that runs: Ringside's hand-overs (the default), or xdpsock's
   * rx_drop, the reference receiver (rxdrop only; see xskbench.c).
   */
  loop?: 'ringside' | 'xdpsock';
}

/** What xskbench prints: counts and XDP_STATISTICS deltas over its measured window. */
export interface NativeResult {
  workload: Workload;
  /** The window on CLOCK_MONOTONIC, which is process.hrtime's clock too. */
  window_ns: [number, number];
  duration_s: number;
  rx_frames: number;
  /** Bytes of the received descriptors: a multi-buffer packet's, all of them. */
  rx_bytes: number;
  tx_frames: number;
  completed: number;
  wakeups: number;
  /** Rounds that moved nothing and slept. */
  idle_waits: number;
  stats: {
    rx_dropped: number;
    rx_invalid_descs: number;
    tx_invalid_descs: number;
    rx_ring_full: number;
    rx_fill_ring_empty_descs: number;
    tx_ring_empty_descs: number;
  };
  /** What the scheduler did with the loop's thread over the window. */
  thread: ThreadTimes;
  /** The machine's CPU ticks by state over the window. */
  cpu_ticks: CpuTicks;
}

export function nativeArguments(request: NativeRequest): string[] {
  return [
    ...['--iface', request.ifname, '--queue', String(request.queueId), '--workload', request.workload],
    ...['--frames', String(request.frameCount), '--frame-size', String(request.frameSize)],
    ...['--fill', String(request.fillSize), '--comp', String(request.completionSize)],
    ...['--rx', String(request.rxSize), '--tx', String(request.txSize), '--batch', String(request.batchSize)],
    ...['--frame-length', String(request.frameLength), '--rate', String(request.ratePps)],
    ...['--warmup-ms', String(request.warmupMs), '--duration-ms', String(request.durationMs)],
    ...(request.multiBuffer ? ['--multi-buffer'] : []),
    ...(request.xdpProgram ? ['--xdp-program', request.xdpProgram] : []),
    ...(request.loop ? ['--loop', request.loop] : []),
  ];
}

/** Runs xskbench in the lab's app namespace, as a socket of the agent would sit there, and reads its JSON. */
export async function runNative(request: NativeRequest): Promise<NativeResult> {
  if (!existsSync(NATIVE_BINARY)) {
    throw new Error(`${NATIVE_BINARY} is missing: run 'node agent/scripts/setup.mjs' (npm run bench does)`);
  }
  const child = spawn('ip', ['netns', 'exec', request.namespace, NATIVE_BINARY, ...nativeArguments(request)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`xskbench ${request.workload} exited with ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as NativeResult;
}
